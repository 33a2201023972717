#include "tsdb/internal/head_appender.h"

#include <algorithm>
#include <type_traits>

#include "tsdb/internal/mem_series.h"
#include "tsdb/internal/wal_records.h"

namespace cogwatch::tsdb::internal {

Error HeadAppender::reject(ErrorCode code, const MemSeries& s, Timestamp t) {
  if (code == ErrorCode::kOutOfOrder) {
    head_.out_of_order_.fetch_add(1, std::memory_order_relaxed);
    return make_error(code, "out of order sample: timestamp " + std::to_string(t) + " is older than the newest sample (" +
                                std::to_string(std::max(s.last_t, s.pending_max_t)) + ") of series " +
                                s.labels.to_string());
  }
  head_.duplicates_.fetch_add(1, std::memory_order_relaxed);
  return make_error(code, "duplicate sample for timestamp " + std::to_string(t) + " with a different value in series " +
                              s.labels.to_string());
}

bool HeadAppender::out_of_bounds(Timestamp t) {
  if (t < head_.min_valid_t_.load(std::memory_order_relaxed)) {
    head_.out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
    return true;  // that time is in a block now
  }
  if (!head_.options_.reject_out_of_bounds) return false;
  if (!min_valid_t_) {
    // As Prometheus's appendableMinValidTime: max(head max time - chunk
    // range / 2, the head's min valid time), which for a head that is never
    // truncated into blocks is the first term. An empty head starts at the
    // first sample (initAppender's initTime).
    const Timestamp head_max = head_.max_time_.load(std::memory_order_relaxed);
    const Timestamp newest = head_max == kMinTimestamp ? t : head_max;
    const Duration half = head_.options_.chunk_limits.time_window / 2;
    min_valid_t_ = newest < kMinTimestamp + half ? kMinTimestamp : newest - half;
  }
  if (t >= *min_valid_t_) return false;
  head_.out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void HeadAppender::end_batch() {
  pending_.clear();
  histograms_.clear();
  float_histograms_.clear();
  min_valid_t_.reset();
}

template <typename Sample>
Result<SeriesRef> HeadAppender::add_locked(MemSeries& s, Timestamp t, const Sample& sample) {
  switch (s.check(t, sample, /*with_pending=*/true)) {
    case AppendCheck::kOk:
      break;
    case AppendCheck::kSameSample:
      return s.ref;  // already stored; as in Prometheus, not an error
    case AppendCheck::kOutOfOrder:
      return reject(ErrorCode::kOutOfOrder, s, t);
    case AppendCheck::kDuplicate:
      return reject(ErrorCode::kDuplicateSample, s, t);
  }
  if (s.pending == 0 || t > s.pending_max_t) s.pending_max_t = t;
  ++s.pending;
  PendingSample p{&s, t, 0, 0, ValueType::kFloat};
  if constexpr (std::is_same_v<Sample, double>) {
    p.v = sample;
  } else if constexpr (std::is_same_v<Sample, Histogram>) {
    p.histogram = static_cast<uint32_t>(histograms_.size());
    p.type = ValueType::kHistogram;
    histograms_.push_back(sample);
  } else {
    p.histogram = static_cast<uint32_t>(float_histograms_.size());
    p.type = ValueType::kFloatHistogram;
    float_histograms_.push_back(sample);
  }
  pending_.push_back(p);
  return s.ref;
}

template <typename Sample>
Result<SeriesRef> HeadAppender::append_by_labels(const Labels& labels, Timestamp t, const Sample& sample) {
  if (out_of_bounds(t)) return make_error(ErrorCode::kOutOfBounds, "out of bounds");
  if (labels.empty()) return make_error(ErrorCode::kInvalidArgument, "empty label set");
  Head::Stripe& stripe = head_.stripes_[Head::stripe_of_hash(labels.hash())];
  Result<SeriesRef> result = SeriesRef{0};
  Labels created;  // set when this call created the series
  SeriesRef created_ref = 0;
  {
    std::lock_guard lock(stripe.mu);
    MemSeries* s = Head::find_locked(stripe, labels);
    if (s == nullptr) {
      s = head_.create_locked(stripe, labels);
      created = s->labels;
      created_ref = s->ref;
    }
    result = add_locked(*s, t, sample);
  }
  // Indexing takes the index lock, which is never taken under a stripe lock.
  if (created_ref != 0) head_.index_series(created_ref, created);
  return result;
}

template <typename Sample>
Result<SeriesRef> HeadAppender::append_by_ref(SeriesRef ref, Timestamp t, const Sample& sample) {
  if (out_of_bounds(t)) return make_error(ErrorCode::kOutOfBounds, "out of bounds");
  Head::Stripe& stripe = head_.stripes_[Head::stripe_of_ref(ref)];
  std::lock_guard lock(stripe.mu);
  auto it = stripe.by_ref.find(ref);
  if (it == stripe.by_ref.end()) {
    return make_error(ErrorCode::kNotFound, "unknown series ref " + std::to_string(ref));
  }
  return add_locked(*it->second, t, sample);
}

Result<SeriesRef> HeadAppender::append(const Labels& labels, Timestamp t, double v) {
  return append_by_labels(labels, t, v);
}

Result<SeriesRef> HeadAppender::append(SeriesRef ref, Timestamp t, double v) { return append_by_ref(ref, t, v); }

// A histogram that fails validation is refused before anything else: it is
// the producer's mistake, whatever the store's window and order.
Result<SeriesRef> HeadAppender::append_histogram(const Labels& labels, Timestamp t, const Histogram& h) {
  if (Status s = h.validate(); !s) return s.error();
  return append_by_labels(labels, t, h);
}

Result<SeriesRef> HeadAppender::append_histogram(SeriesRef ref, Timestamp t, const Histogram& h) {
  if (Status s = h.validate(); !s) return s.error();
  return append_by_ref(ref, t, h);
}

Result<SeriesRef> HeadAppender::append_float_histogram(const Labels& labels, Timestamp t, const FloatHistogram& h) {
  if (Status s = h.validate(); !s) return s.error();
  return append_by_labels(labels, t, h);
}

Result<SeriesRef> HeadAppender::append_float_histogram(SeriesRef ref, Timestamp t, const FloatHistogram& h) {
  if (Status s = h.validate(); !s) return s.error();
  return append_by_ref(ref, t, h);
}

namespace {

template <typename Sample>
constexpr ValueType type_of() {
  if constexpr (std::is_same_v<Sample, double>) {
    return ValueType::kFloat;
  } else if constexpr (std::is_same_v<Sample, Histogram>) {
    return ValueType::kHistogram;
  } else {
    return ValueType::kFloatHistogram;
  }
}

uint8_t wal_record_type(ValueType type) {
  switch (type) {
    case ValueType::kFloat:
      return kSamplesRecord;
    case ValueType::kHistogram:
      return kHistogramsRecord;
    case ValueType::kFloatHistogram:
      break;
  }
  return kFloatHistogramsRecord;
}

}  // namespace

template <typename Sample>
AppendCheck HeadAppender::store(const PendingSample& p, const Sample& sample, Timestamp min_valid,
                                int64_t& chunk_bytes) {
  MemSeries& s = *p.series;
  // A compaction since the append moved this time into a block.
  const AppendCheck check = p.t < min_valid ? AppendCheck::kOutOfOrder : s.check(p.t, sample, /*with_pending=*/false);
  if (check != AppendCheck::kOk) return check;
  chunk_bytes += s.append(p.t, sample, head_.options_.chunk_limits);
  if (head_.wal_ == nullptr) return check;
  if (!s.logged) {
    s.logged = true;  // undone if the log cannot be written
    unlogged_.push_back(&s);
  }
  // One record per run of samples of one type, in commit order, so that a
  // replay stores them in the same order.
  constexpr ValueType type = type_of<Sample>();
  if (wal_run_type_ != type) {
    if (wal_run_type_) wal_samples_.finish(wal_run_at_);
    wal_run_at_ = wal_samples_.begin(wal_record_type(type));
    wal_run_base_t_ = p.t;
    wal_run_type_ = type;
    put_varint(wal_samples_.bytes(), p.t);
  }
  if constexpr (type == ValueType::kFloat) {
    encode_sample(wal_samples_.bytes(), wal_run_base_t_, s.ref, p.t, sample);
  } else {
    encode_histogram_sample(wal_samples_.bytes(), wal_run_base_t_, s.ref, p.t, sample);
  }
  return check;
}

CommitResult HeadAppender::commit() {
  CommitResult result;
  Timestamp mint = kMaxTimestamp, maxt = kMinTimestamp;
  int64_t chunk_bytes = 0;
  std::unique_lock commit_lock(head_.commit_mu_);  // queries see all or nothing
  // The log's records are built as the samples are stored and written
  // before the lock is released: what a query or a later commit can see is
  // in the log, and only what was stored (not what was refused).
  const Timestamp min_valid = head_.min_valid_t_.load(std::memory_order_relaxed);
  wal_samples_.clear();
  wal_run_type_.reset();
  // A scrape's batch touches thousands of series whose records, stripe
  // locks and chunk writers are no longer in cache; each is asked for a few
  // samples ahead of its turn, so the loads overlap instead of queueing.
  // Only addresses derived from the series record are prefetched: the
  // writer's own fields (its buffer and size) may change under the stripe
  // lock meanwhile (retention, compaction), so reading them here, even to
  // prefetch the buffer's tail, would be a data race (TSan found it).
  constexpr size_t kSeriesAhead = 8, kTailAhead = 4;
  const size_t n = pending_.size();
  for (size_t i = 0; i < std::min(n, kSeriesAhead); ++i) __builtin_prefetch(pending_[i].series);
  for (size_t i = 0; i < n; ++i) {
    if (i + kSeriesAhead < n) __builtin_prefetch(pending_[i + kSeriesAhead].series);
    if (i + kTailAhead < n) {
      const MemSeries& ahead = *pending_[i + kTailAhead].series;
      __builtin_prefetch(&head_.stripes_[Head::stripe_of_ref(ahead.ref)].mu, 1);
      __builtin_prefetch(&ahead.open, 1);
    }
    const PendingSample& p = pending_[i];
    MemSeries& s = *p.series;
    std::lock_guard lock(head_.stripes_[Head::stripe_of_ref(s.ref)].mu);
    AppendCheck check = AppendCheck::kOk;
    switch (p.type) {
      case ValueType::kFloat:
        check = store(p, p.v, min_valid, chunk_bytes);
        break;
      case ValueType::kHistogram:
        check = store(p, histograms_[p.histogram], min_valid, chunk_bytes);
        break;
      case ValueType::kFloatHistogram:
        check = store(p, float_histograms_[p.histogram], min_valid, chunk_bytes);
        break;
    }
    switch (check) {
      case AppendCheck::kOk:
        ++result.appended;
        mint = std::min(mint, p.t);
        maxt = std::max(maxt, p.t);
        break;
      case AppendCheck::kSameSample:
        break;
      case AppendCheck::kOutOfOrder:
        ++result.out_of_order;
        break;
      case AppendCheck::kDuplicate:
        ++result.duplicates;
        break;
    }
    if (--s.pending == 0) s.pending_max_t = s.last_t;
  }
  if (wal_run_type_) {
    wal_samples_.finish(wal_run_at_);
    log_commit();
  }
  commit_lock.unlock();
  end_batch();
  head_.chunk_bytes_.fetch_add(chunk_bytes, std::memory_order_relaxed);
  head_.samples_appended_.fetch_add(result.appended, std::memory_order_relaxed);
  head_.out_of_order_.fetch_add(result.out_of_order, std::memory_order_relaxed);
  head_.duplicates_.fetch_add(result.duplicates, std::memory_order_relaxed);
  if (result.appended > 0) head_.note_time_range(mint, maxt);
  return result;
}

bool HeadAppender::log_commit() {
  Wal& wal = *head_.wal_;
  Status written;
  if (!unlogged_.empty()) {
    wal_series_.clear();
    const size_t at = wal_series_.begin(kSeriesRecord);
    for (const MemSeries* s : unlogged_) encode_series_entry(wal_series_.bytes(), s->ref, s->labels);
    wal_series_.finish(at);
    written = wal.write(wal_series_.bytes());
    if (!written) {
      for (MemSeries* s : unlogged_) {
        std::lock_guard lock(head_.stripes_[Head::stripe_of_ref(s->ref)].mu);
        s->logged = false;  // logged with its next sample
      }
    }
  }
  if (written) written = wal.write(wal_samples_.bytes());
  unlogged_.clear();
  if (!written) head_.note_wal_failure(written.error());
  return written.ok();
}

void HeadAppender::rollback() {
  for (const PendingSample& p : pending_) {
    MemSeries& s = *p.series;
    std::lock_guard lock(head_.stripes_[Head::stripe_of_ref(s.ref)].mu);
    if (--s.pending == 0) s.pending_max_t = s.last_t;
  }
  end_batch();
}

}  // namespace cogwatch::tsdb::internal
