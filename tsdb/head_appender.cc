#include "tsdb/internal/head_appender.h"

#include <algorithm>

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
  min_valid_t_.reset();
}

Result<SeriesRef> HeadAppender::add_locked(MemSeries& s, Timestamp t, double v) {
  switch (s.check(t, v, /*with_pending=*/true)) {
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
  pending_.push_back({&s, t, v});
  return s.ref;
}

Result<SeriesRef> HeadAppender::append(const Labels& labels, Timestamp t, double v) {
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
    result = add_locked(*s, t, v);
  }
  // Indexing takes the index lock, which is never taken under a stripe lock.
  if (created_ref != 0) head_.index_series(created_ref, created);
  return result;
}

Result<SeriesRef> HeadAppender::append(SeriesRef ref, Timestamp t, double v) {
  if (out_of_bounds(t)) return make_error(ErrorCode::kOutOfBounds, "out of bounds");
  Head::Stripe& stripe = head_.stripes_[Head::stripe_of_ref(ref)];
  std::lock_guard lock(stripe.mu);
  auto it = stripe.by_ref.find(ref);
  if (it == stripe.by_ref.end()) {
    return make_error(ErrorCode::kNotFound, "unknown series ref " + std::to_string(ref));
  }
  return add_locked(*it->second, t, v);
}

CommitResult HeadAppender::commit() {
  CommitResult result;
  Timestamp mint = kMaxTimestamp, maxt = kMinTimestamp;
  int64_t chunk_bytes = 0;
  std::unique_lock commit_lock(head_.commit_mu_);  // queries see all or nothing
  // The log's record is built as the samples are stored and written before
  // the lock is released: what a query or a later commit can see is in the
  // log, and only what was stored (not what was refused).
  Wal* const wal = head_.wal_;
  const Timestamp min_valid = head_.min_valid_t_.load(std::memory_order_relaxed);
  const Timestamp base_t = pending_.empty() ? 0 : pending_.front().t;
  size_t record_at = 0;
  if (wal != nullptr) {
    wal_samples_.clear();
    record_at = wal_samples_.begin(kSamplesRecord);
    put_varint(wal_samples_.bytes(), base_t);
  }
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
    // A compaction since the append moved this time into a block.
    const AppendCheck check = p.t < min_valid ? AppendCheck::kOutOfOrder : s.check(p.t, p.v, /*with_pending=*/false);
    switch (check) {
      case AppendCheck::kOk:
        chunk_bytes += s.append(p.t, p.v, head_.options_.chunk_limits);
        ++result.appended;
        mint = std::min(mint, p.t);
        maxt = std::max(maxt, p.t);
        if (wal != nullptr) {
          if (!s.logged) {
            s.logged = true;  // undone if the log cannot be written
            unlogged_.push_back(&s);
          }
          encode_sample(wal_samples_.bytes(), base_t, s.ref, p.t, p.v);
        }
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
  if (wal != nullptr && result.appended > 0) {
    wal_samples_.finish(record_at);
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
