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
#include "tsdb/internal/mem_series.h"
#include "tsdb/wal.h"

namespace cogwatch::tsdb::internal {

class HeadAppender final : public Appender {
 public:
  explicit HeadAppender(Head& head) : head_(head) {}
  ~HeadAppender() override { rollback(); }

  Result<SeriesRef> append(const Labels& labels, Timestamp t, double v) override;
  Result<SeriesRef> append(SeriesRef ref, Timestamp t, double v) override;
  Result<SeriesRef> append_histogram(const Labels& labels, Timestamp t, const Histogram& h) override;
  Result<SeriesRef> append_histogram(SeriesRef ref, Timestamp t, const Histogram& h) override;
  Result<SeriesRef> append_float_histogram(const Labels& labels, Timestamp t, const FloatHistogram& h) override;
  Result<SeriesRef> append_float_histogram(SeriesRef ref, Timestamp t, const FloatHistogram& h) override;
  CommitResult commit() override;
  void rollback() override;

 private:
  // One appended sample: a float, or the index of a histogram in
  // histograms_ or float_histograms_, by its type.
  struct PendingSample {
    MemSeries* series;  // valid while its pending count includes this sample
    Timestamp t;
    double v;
    uint32_t histogram;
    ValueType type;
  };
  // Records the committed samples and the series first seen in them in the
  // head's write-ahead log. Returns false when the log could not be written.
  // REQUIRES: the commit lock held.
  bool log_commit();
  // Checks the sample against series s and records it as pending.
  // REQUIRES: the stripe lock of s held.
  template <typename Sample>
  Result<SeriesRef> add_locked(MemSeries& s, Timestamp t, const Sample& sample);
  // The shared path of the appends by labels and by ref.
  template <typename Sample>
  Result<SeriesRef> append_by_labels(const Labels& labels, Timestamp t, const Sample& sample);
  template <typename Sample>
  Result<SeriesRef> append_by_ref(SeriesRef ref, Timestamp t, const Sample& sample);
  // Stores one pending sample in its series, if it still fits, and logs it.
  // REQUIRES: the commit lock and the stripe lock of its series held.
  template <typename Sample>
  AppendCheck store(const PendingSample& p, const Sample& sample, Timestamp min_valid, int64_t& chunk_bytes);
  Error reject(ErrorCode code, const MemSeries& s, Timestamp t);
  // With HeadOptions::reject_out_of_bounds: whether t is before this
  // batch's appendable window (taken at the batch's first append), counted.
  bool out_of_bounds(Timestamp t);
  // Starts a new batch: the window is taken again at the next append.
  void end_batch();

  Head& head_;
  std::vector<PendingSample> pending_;
  std::vector<Histogram> histograms_;              // of pending samples
  std::vector<FloatHistogram> float_histograms_;
  // With a write-ahead log, filled by commit(): the records of the
  // committed samples (one per run of one type), and the series that have
  // not been logged yet.
  RecordBuffer wal_samples_;
  RecordBuffer wal_series_;
  std::optional<ValueType> wal_run_type_;  // of the record being filled
  size_t wal_run_at_ = 0;                  // where it begins
  Timestamp wal_run_base_t_ = 0;
  std::vector<MemSeries*> unlogged_;
  std::optional<Timestamp> min_valid_t_;  // this batch's window start, once taken
};

}  // namespace cogwatch::tsdb::internal
