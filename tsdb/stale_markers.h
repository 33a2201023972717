// Stale markers for series that ended. Prometheus writes a stale NaN
// (model/value.h) at the time a series stopped being produced — a target
// stopped exposing it, a rule stopped returning it, a target or group left
// the configuration — so queries drop it at once rather than a lookback
// (5 minutes) later. The scrape loop and the rule group both keep the label
// sets they wrote last time and call this with the ones they wrote now:
//
//   auto app = head.appender();
//   ... append this scrape's samples, collecting `current` ...
//   append_stale_markers(*app, previous, current, t);  // previous \ current
//   app->commit();
//   previous = std::move(current);
//
// Thread-safety: a free function; the appender is the caller's (one thread).
#pragma once

#include <cstddef>
#include <span>

#include "model/labels.h"
#include "model/time.h"
#include "tsdb/appender.h"

namespace cogwatch::tsdb {

// Appends a stale marker at t for every label set in `previous` that is
// not in `current` (exact label-set equality; order and repeats in either
// do not matter; each set is marked once). Pass an empty `current` to end
// every series of `previous`.
//
// A marker the store refuses is skipped, not an error: out of order or a
// duplicate means the series already has a sample at or after t, written
// by someone else (another rule, or a newer loop for the same target), so
// it did not end at t — Prometheus skips these too. (The only other refusal,
// an empty label set, cannot happen for sets that were appended before.)
// Returns the number of markers appended.
size_t append_stale_markers(Appender& app, std::span<const Labels> previous, std::span<const Labels> current,
                            Timestamp t);

}  // namespace cogwatch::tsdb
