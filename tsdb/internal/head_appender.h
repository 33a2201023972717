// HeadAppender: the Appender of a Head. Samples are checked and counted as
// pending in their series when appended (which keeps the series from being
// garbage-collected), and written into chunks at commit, each under its
// stripe lock.
//
// Thread-safety: one thread at a time, as every Appender.
#pragma once

#include <optional>
#include <vector>

#include "tsdb/appender.h"
#include "tsdb/head.h"
#include "tsdb/wal.h"

namespace cogwatch::tsdb::internal {

struct MemSeries;

class HeadAppender final : public Appender {
 public:
  explicit HeadAppender(Head& head) : head_(head) {}
  ~HeadAppender() override { rollback(); }

  Result<SeriesRef> append(const Labels& labels, Timestamp t, double v) override;
  Result<SeriesRef> append(SeriesRef ref, Timestamp t, double v) override;
  // TODO(issue 16): histograms are not stored yet; these refuse them.
  Result<SeriesRef> append_histogram(const Labels&, Timestamp, const Histogram&) override { return not_yet(); }
  Result<SeriesRef> append_histogram(SeriesRef, Timestamp, const Histogram&) override { return not_yet(); }
  Result<SeriesRef> append_float_histogram(const Labels&, Timestamp, const FloatHistogram&) override {
    return not_yet();
  }
  Result<SeriesRef> append_float_histogram(SeriesRef, Timestamp, const FloatHistogram&) override {
    return not_yet();
  }
  CommitResult commit() override;
  void rollback() override;

 private:
  struct PendingSample {
    MemSeries* series;  // valid while its pending count includes this sample
    Timestamp t;
    double v;
  };
  // Records the committed samples and the series first seen in them in the
  // head's write-ahead log. Returns false when the log could not be written.
  // REQUIRES: the commit lock held.
  bool log_commit();
  // Checks the sample against series s and records it as pending.
  // REQUIRES: the stripe lock of s held.
  Result<SeriesRef> add_locked(MemSeries& s, Timestamp t, double v);
  Error reject(ErrorCode code, const MemSeries& s, Timestamp t);
  static Error not_yet() { return make_error(ErrorCode::kInternal, "native histograms are not stored yet"); }
  // With HeadOptions::reject_out_of_bounds: whether t is before this
  // batch's appendable window (taken at the batch's first append), counted.
  bool out_of_bounds(Timestamp t);
  // Starts a new batch: the window is taken again at the next append.
  void end_batch();

  Head& head_;
  std::vector<PendingSample> pending_;
  // With a write-ahead log, filled by commit(): the committed samples'
  // record, and the series that have not been logged yet.
  RecordBuffer wal_samples_;
  RecordBuffer wal_series_;
  std::vector<MemSeries*> unlogged_;
  std::optional<Timestamp> min_valid_t_;  // this batch's window start, once taken
};

}  // namespace cogwatch::tsdb::internal
