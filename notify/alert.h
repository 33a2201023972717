// An alert as Alertmanager holds it (types.Alert): what a client posted,
// plus when it was last updated and whether its end is only a timeout. The
// rules of time that Alertmanager applies to it live here: when it counts
// as resolved, how a re-posted alert merges with the one held, and the
// order alerts have inside a notification.
//
//   Alert a = accept_posted(posted, now, config.resolve_timeout);
//   if (a.resolved_at(now)) ...
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "model/labels.h"
#include "model/time.h"
#include "notify/label_set.h"
#include "notify/postable_alerts.h"

namespace cogwatch::notify {

// Go's zero time.Time: "not set".
inline constexpr Timestamp kUnsetTime = kMinTimestamp;

struct Alert {
  Labels labels;
  Annotations annotations;
  Timestamp starts_at = kUnsetTime;
  Timestamp ends_at = kUnsetTime;
  std::string generator_url;
  Timestamp updated_at = kUnsetTime;  // when the notifier received it
  bool timeout = false;               // ends_at was made up from resolve_timeout, not sent

  uint64_t fingerprint() const { return notify::fingerprint(labels); }
  // ResolvedAt: an end is set and is not after t.
  bool resolved_at(Timestamp t) const { return ends_at != kUnsetTime && ends_at <= t; }
};

// What Alertmanager's API does to a posted alert: updated_at = now, a
// missing startsAt becomes now (or endsAt), a missing endsAt becomes
// now + resolve_timeout with `timeout` set; empty label values dropped.
// (A PostableAlert's kUnsetTime fields are the missing ones.)
Alert accept_posted(const PostableAlert& posted, Timestamp now, Duration resolve_timeout);

// Whether a re-posted alert is merged with the one held (their active
// ranges overlap), as the alert store's Put decides.
bool overlaps(const Alert& held, const Alert& posted);

// types.Alert.Merge: the younger alert's fields, the earliest start, and
// the later of the ends where Alertmanager keeps it (a resolved alert's
// latest explicit end; a firing alert's end that is not a timeout).
Alert merge(const Alert& a, const Alert& b);

// model.LabelSet.Before: fewer labels first, then by the first differing
// name or value over both sets' names in order.
bool labels_before(const Labels& a, const Labels& b);

// types.AlertSlice's order inside a notification: by `job`, then
// `instance` (an alert with the label before one without), then
// labels_before.
bool alert_before(const Alert& a, const Alert& b);

}  // namespace cogwatch::notify
