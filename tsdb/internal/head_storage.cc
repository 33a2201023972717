#include "tsdb/internal/head_storage.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <shared_mutex>

#include "tsdb/internal/mem_series.h"
#include "tsdb/internal/postings.h"

namespace cogwatch::tsdb::internal {

MemSeries* HeadStorage::find(SeriesRef ref) {
  if (!aliases_.empty()) {
    if (auto a = aliases_.find(ref); a != aliases_.end()) return a->second;
  }
  const Head::Stripe& stripe = head_.stripes_[Head::stripe_of_ref(ref)];
  auto it = stripe.by_ref.find(ref);
  return it == stripe.by_ref.end() ? nullptr : it->second.get();
}

void HeadStorage::add_series(SeriesRef ref, const Labels& labels) {
  if (labels.empty() || ref == 0) {
    ++counts_.bad_records;
    return;
  }
  Head::Stripe& stripe = head_.stripes_[Head::stripe_of_hash(labels.hash())];
  if (MemSeries* known = Head::find_locked(stripe, labels)) {
    // The same series logged again: under its ref, after a failed write;
    // under another, after it was collected and created anew.
    if (known->ref != ref) aliases_[ref] = known;
    return;
  }
  const bool ref_fits = Head::stripe_of_ref(ref) == Head::stripe_of_hash(labels.hash()) && find(ref) == nullptr;
  MemSeries* s = head_.create_locked(stripe, labels, ref_fits ? ref : 0);
  if (!ref_fits) aliases_[ref] = s;
  s->logged = true;
  max_id_ = std::max(max_id_, ref >> Head::kStripeBits);
  created_.emplace_back(s->ref, s->labels);
  ++counts_.series;
}

void HeadStorage::add_sample(SeriesRef ref, Timestamp t, double v) { add_sample_to(find(ref), t, v); }

void HeadStorage::add_samples(std::span<const WalSample> samples) {
  // Each sample of a record belongs to another series, so replay time is
  // cache misses: the series record, then the tail of its open chunk.
  // Both are fetched ahead, the record kFind samples before its sample,
  // the tail (found through the record, by then in the cache) kTail
  // before. Reading the chunk writer outside a lock is safe only because
  // nothing else uses the head during replay.
  constexpr size_t kFind = 16, kTail = 8;
  const size_t n = samples.size();
  resolved_.resize(n);
  auto resolve = [&](size_t i) {
    MemSeries* s = find(samples[i].ref);
    resolved_[i] = s;
    if (s != nullptr) {
      __builtin_prefetch(s, 1);
      __builtin_prefetch(reinterpret_cast<const char*>(s) + 64, 1);
      __builtin_prefetch(reinterpret_cast<const char*>(s) + 128, 1);
    }
  };
  for (size_t i = 0; i < std::min(n, kFind); ++i) resolve(i);
  for (size_t i = 0; i < n; ++i) {
    if (i + kFind < n) resolve(i + kFind);
    if (i + kTail < n && resolved_[i + kTail] != nullptr) resolved_[i + kTail]->open.prefetch_tail();
    add_sample_to(resolved_[i], samples[i].t, samples[i].v);
  }
}

bool HeadStorage::add_histogram(SeriesRef ref, Timestamp t, const Histogram& h) {
  if (!h.validate()) return false;
  add_sample_to(find(ref), t, h);
  return true;
}

bool HeadStorage::add_histogram(SeriesRef ref, Timestamp t, const FloatHistogram& h) {
  if (!h.validate()) return false;
  add_sample_to(find(ref), t, h);
  return true;
}

template <typename Sample>
void HeadStorage::add_sample_to(MemSeries* s, Timestamp t, const Sample& v) {
  if (s == nullptr) {
    ++counts_.unknown_series_samples;
    return;
  }
  if (t < head_.min_valid_t_.load(std::memory_order_relaxed)) {
    ++counts_.in_blocks;  // a block written before the crash holds it
    return;
  }
  switch (s->check(t, v, /*with_pending=*/false)) {
    case AppendCheck::kOk:
      chunk_bytes_ += s->append(t, v, head_.options_.chunk_limits);
      ++counts_.samples;
      mint_ = std::min(mint_, t);
      maxt_ = std::max(maxt_, t);
      break;
    case AppendCheck::kSameSample:
      break;
    case AppendCheck::kOutOfOrder:
    case AppendCheck::kDuplicate:
      ++counts_.skipped_samples;
      break;
  }
}

namespace {

// What decoding a whole chunk found: its time range and newest sample.
struct ChunkSummary {
  uint16_t samples = 0;
  Timestamp first = 0, last = 0;
  ValueType last_type = ValueType::kFloat;
  double last_v = 0;
  Histogram last_h;
  FloatHistogram last_fh;
};

bool summarize(ChunkEncoding encoding, std::span<const uint8_t> bytes, ChunkSummary& out) {
  if (encoding == ChunkEncoding::kFloat) {
    ChunkIterator it(bytes.data(), bytes.size());
    while (it.next()) {
      if (out.samples++ == 0) out.first = it.t();
      out.last = it.t();
      out.last_v = it.v();
    }
    return it.err().ok() && out.samples > 0;
  }
  HistogramChunkIterator it(encoding, bytes);
  while (it.next()) {
    if (out.samples++ == 0) out.first = it.t();
    out.last = it.t();
  }
  if (!it.err().ok() || out.samples == 0) return false;
  if (it.is_float()) {
    out.last_type = ValueType::kFloatHistogram;
    out.last_fh = it.float_histogram();
  } else {
    out.last_type = ValueType::kHistogram;
    out.last_h = it.histogram();
  }
  return true;
}

}  // namespace

void HeadStorage::add_chunk(SeriesRef ref, bool open, ChunkEncoding encoding, std::span<const uint8_t> bytes) {
  MemSeries* s = find(ref);
  if (s == nullptr) {
    ++counts_.unknown_series_samples;
    return;
  }
  if (open && encoding == ChunkEncoding::kFloat) {
    ChunkIterator it(bytes.data(), bytes.size());
    while (it.next()) add_sample_to(s, it.t(), it.v());
    if (!it.err().ok()) ++counts_.bad_records;
    return;
  }
  add_whole_chunk(*s, open, encoding, bytes);
}

void HeadStorage::add_whole_chunk(MemSeries& s, bool open, ChunkEncoding encoding, std::span<const uint8_t> bytes) {
  // Kept as it is; decoding it checks it and finds its time range and
  // newest sample.
  ChunkSummary sum;
  if (!summarize(encoding, bytes, sum)) {
    ++counts_.bad_records;
    return;
  }
  if (sum.last < head_.min_valid_t_.load(std::memory_order_relaxed)) {
    counts_.in_blocks += sum.samples;
    return;
  }
  if (s.has_last && sum.first <= s.last_t) {
    counts_.skipped_samples += sum.samples;
    return;
  }
  if (open) {
    // The writer that goes on with it, exactly where it stopped.
    if (!s.histograms) s.histograms = std::make_unique<HistogramSeries>();
    HistogramSeries& h = *s.histograms;
    Status restored;
    if (encoding == ChunkEncoding::kHistogram) {
      auto w = HistogramChunkWriter::restore(bytes);
      if (w) {
        chunk_bytes_ += s.seal_open();
        h.open = std::move(*w);
      }
      restored = w ? Status() : Status(w.error());
    } else {
      auto w = FloatHistogramChunkWriter::restore(bytes);
      if (w) {
        chunk_bytes_ += s.seal_open();
        h.open_float = std::move(*w);
      }
      restored = w ? Status() : Status(w.error());
    }
    if (!restored) {
      ++counts_.bad_records;
      return;
    }
    chunk_bytes_ += static_cast<int64_t>(h.open.allocated_bytes() + h.open_float.allocated_bytes());
  } else {
    chunk_bytes_ += s.seal_open();
    s.closed.push_back(
        ChunkRef::from_bytes(encoding, bytes.data(), static_cast<uint32_t>(bytes.size()), sum.first, sum.last));
    chunk_bytes_ += static_cast<int64_t>(s.closed.back()->allocated_bytes());
  }
  s.last_t = sum.last;
  s.last_type = sum.last_type;
  switch (sum.last_type) {
    case ValueType::kFloat:
      s.last_v_bits = std::bit_cast<uint64_t>(sum.last_v);
      break;
    case ValueType::kHistogram:
      if (!s.histograms) s.histograms = std::make_unique<HistogramSeries>();
      s.histograms->last = std::move(sum.last_h);
      break;
    case ValueType::kFloatHistogram:
      if (!s.histograms) s.histograms = std::make_unique<HistogramSeries>();
      s.histograms->last_float = std::move(sum.last_fh);
      break;
  }
  s.has_last = true;
  ++counts_.chunks;
  counts_.samples += sum.samples;
  mint_ = std::min(mint_, sum.first);
  maxt_ = std::max(maxt_, sum.last);
}

void HeadStorage::finish() {
  std::sort(created_.begin(), created_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  {
    std::unique_lock lock(head_.index_mu_);
    for (const auto& [ref, labels] : created_) head_.index_->add(ref, labels);
  }
  created_.clear();
  uint64_t next = head_.next_series_id_.load();
  while (next <= max_id_ && !head_.next_series_id_.compare_exchange_weak(next, max_id_ + 1)) {
  }
  head_.chunk_bytes_.fetch_add(chunk_bytes_);
  chunk_bytes_ = 0;
  if (mint_ <= maxt_) head_.note_time_range(mint_, maxt_);
}

Result<std::vector<SeriesSnapshot>> HeadStorage::snapshot(const Head& head, const std::function<Status()>& cut) {
  std::vector<SeriesSnapshot> out;
  std::shared_lock commit_lock(head.commit_mu_);
  if (auto s = cut(); !s) return s.error();
  out.reserve(head.num_series_.load(std::memory_order_relaxed));
  for (size_t i = 0; i < Head::kStripes; ++i) {
    const Head::Stripe& stripe = head.stripes_[i];
    std::lock_guard lock(stripe.mu);
    for (const auto& [ref, owned] : stripe.by_ref) {
      const MemSeries& s = *owned;
      SeriesSnapshot snap{ref, s.labels, s.closed, false};
      if (s.has_open()) {
        snap.chunks.push_back(s.open_snapshot());
        snap.last_is_open = true;
      }
      out.push_back(std::move(snap));
    }
  }
  return out;
}

void HeadStorage::set_min_valid_time(Head& head, Timestamp t) {
  std::unique_lock commit_lock(head.commit_mu_);  // no commit is half done
  Timestamp cur = head.min_valid_t_.load();
  while (t > cur && !head.min_valid_t_.compare_exchange_weak(cur, t)) {
  }
}

std::vector<SeriesSnapshot> HeadStorage::chunks_before(Head& head, Timestamp end) {
  std::vector<SeriesSnapshot> out;
  int64_t chunk_bytes = 0;
  for (size_t i = 0; i < Head::kStripes; ++i) {
    Head::Stripe& stripe = head.stripes_[i];
    std::lock_guard lock(stripe.mu);
    for (auto& [ref, owned] : stripe.by_ref) {
      MemSeries& s = *owned;
      if (s.has_open() && s.open_max_time() < end) {
        chunk_bytes += s.seal_open();  // no sample can join it any more: the window is closed
      }
      SeriesSnapshot snap{ref, s.labels, {}, false};
      for (const ChunkRef& c : s.closed) {
        if (c->max_time() < end) snap.chunks.push_back(c);
      }
      if (!snap.chunks.empty()) out.push_back(std::move(snap));
    }
  }
  head.chunk_bytes_.fetch_add(chunk_bytes);
  std::sort(out.begin(), out.end(), [](const SeriesSnapshot& a, const SeriesSnapshot& b) { return a.ref < b.ref; });
  return out;
}

void HeadStorage::replace_blocks_locked(Head& head, Head::BlockList blocks) {
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a->min_time() < b->min_time(); });
  auto list = std::make_shared<const Head::BlockList>(std::move(blocks));
  std::lock_guard lock(head.blocks_mu_);
  head.blocks_ = std::move(list);
}

void HeadStorage::install_block(Head& head, std::shared_ptr<const Block> block, Timestamp end) {
  std::unique_lock commit_lock(head.commit_mu_);  // queries see the chunks in one place
  if (block) {
    Head::BlockList list = head.blocks_ ? *head.blocks_ : Head::BlockList{};
    list.push_back(std::move(block));
    replace_blocks_locked(head, std::move(list));
  }
  head.drop_chunks_before(end, /*count_as_dropped=*/false);
}

void HeadStorage::set_blocks(Head& head, std::vector<std::shared_ptr<const Block>> blocks) {
  std::unique_lock commit_lock(head.commit_mu_);
  replace_blocks_locked(head, std::move(blocks));
}

SeriesRef HeadStorage::series_ref(Head& head, const Labels& labels, bool& created) {
  Head::Stripe& stripe = head.stripes_[Head::stripe_of_hash(labels.hash())];
  SeriesRef ref = 0;
  {
    std::lock_guard lock(stripe.mu);
    created = false;
    if (MemSeries* known = Head::find_locked(stripe, labels)) return known->ref;
    MemSeries* s = head.create_locked(stripe, labels);
    s->logged = true;
    ref = s->ref;
    created = true;
  }
  head.index_series(ref, labels);
  return ref;
}

}  // namespace cogwatch::tsdb::internal
