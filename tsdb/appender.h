// Appender: adds samples to the store in batches. A scrape, or one rule
// evaluation, is one batch: queries see all of its samples or none.
//
//   auto app = head.appender();
//   for (...) {
//     auto ref = app->append(labels, t, v);
//     if (!ref) log(ref.error().message);  // this sample only is rejected
//   }
//   CommitResult r = app->commit();
//
// Queries see a committed batch whole or not at all: commit() writes under
// the store's commit lock, which select() holds shared while it snapshots.
//
// Samples are checked when appended: a timestamp older than the newest
// committed or pending sample of its series is kOutOfOrder, the same
// timestamp with another value is kDuplicateSample (the same value again is
// accepted and ignored, as in Prometheus). A store may also refuse samples
// older than its appendable window as kOutOfBounds (tsdb::HeadOptions::
// reject_out_of_bounds). A rejected sample is counted by the store and never
// stored; the rest of the batch is unaffected.
//
// Thread-safety: one Appender is used by one thread at a time. Any number of
// appenders may be active on one store at once.
#pragma once

#include <cstdint>
#include <memory>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::tsdb {

// Identifies a series in one store for its lifetime; never reused. Callers
// such as the scrape loop cache it to skip the label lookup next time.
using SeriesRef = uint64_t;

struct CommitResult {
  uint64_t appended = 0;       // samples made visible
  uint64_t out_of_order = 0;   // rejected at commit: another batch committed
  uint64_t duplicates = 0;     //   a newer sample of the same series first
};

class Appender {
 public:
  virtual ~Appender() = default;  // an appender not committed rolls back

  // Adds a sample for the series with these labels, creating the series if
  // needed. Returns its ref. Errors: kInvalidArgument (empty label set),
  // kOutOfBounds (checked before the series is looked up or created),
  // kOutOfOrder, kDuplicateSample.
  virtual Result<SeriesRef> append(const Labels& labels, Timestamp t, double v) = 0;
  // Adds a sample for a series by the ref an earlier append returned.
  // Errors: kOutOfBounds, kNotFound (the series was garbage-collected;
  // append by labels), kOutOfOrder, kDuplicateSample.
  virtual Result<SeriesRef> append(SeriesRef ref, Timestamp t, double v) = 0;

  // Native histogram samples, checked and counted as float samples are.
  // Integer histograms are what targets expose; float histograms what
  // PromQL computes (recording rules, test data). A series may change
  // between floats and histograms (a new chunk begins). The same histogram
  // again at the newest timestamp is accepted and ignored; another one is
  // kDuplicateSample. A float stale marker appended to a histogram series
  // ends it as it ends a float series. Errors also: kInvalidArgument for a
  // histogram that fails validate().
  virtual Result<SeriesRef> append_histogram(const Labels& labels, Timestamp t, const Histogram& h) = 0;
  virtual Result<SeriesRef> append_histogram(SeriesRef ref, Timestamp t, const Histogram& h) = 0;
  virtual Result<SeriesRef> append_float_histogram(const Labels& labels, Timestamp t, const FloatHistogram& h) = 0;
  virtual Result<SeriesRef> append_float_histogram(SeriesRef ref, Timestamp t, const FloatHistogram& h) = 0;

  // Makes all pending samples visible and returns what happened. A sample
  // that became out of order since it was appended (another appender
  // committed newer samples) is dropped and counted. The appender is empty
  // afterwards and may be reused.
  virtual CommitResult commit() = 0;
  // Discards all pending samples. The appender may be reused.
  virtual void rollback() = 0;
};

// Hands out Appenders: the store (Head), or a fake in tests. Writers (the
// scrape loops, rule groups) hold one of these rather than the store itself.
// Thread-safety: appender() may be called from any thread.
class AppenderFactory {
 public:
  virtual ~AppenderFactory() = default;
  virtual std::unique_ptr<Appender> appender() = 0;
};

}  // namespace cogwatch::tsdb
