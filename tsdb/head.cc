#include "tsdb/head.h"

#include <algorithm>

#include "tsdb/block.h"
#include "tsdb/internal/head_appender.h"
#include "tsdb/internal/mem_series.h"
#include "tsdb/internal/postings.h"

namespace cogwatch::tsdb {

using internal::MemSeries;

Head::Head(HeadOptions options)
    : options_(options),
      stripes_(std::make_unique<Stripe[]>(kStripes)),
      index_(std::make_unique<internal::PostingsIndex>()) {}

Head::~Head() = default;

std::unique_ptr<Appender> Head::appender() { return std::make_unique<internal::HeadAppender>(*this); }

MemSeries* Head::find_locked(const Stripe& stripe, const Labels& labels) {
  const uint64_t hash = labels.hash();
  if (auto it = stripe.by_hash.find(hash); it != stripe.by_hash.end()) {
    if (it->second->labels == labels) return it->second;
    if (auto c = stripe.hash_conflicts.find(hash); c != stripe.hash_conflicts.end()) {
      for (MemSeries* s : c->second) {
        if (s->labels == labels) return s;
      }
    }
  }
  return nullptr;
}

MemSeries* Head::create_locked(Stripe& stripe, const Labels& labels, SeriesRef given_ref) {
  // The ref's low bits name the stripe, so lookups by ref and by labels
  // meet in the same stripe; the high bits grow, keeping postings sorted.
  const SeriesRef ref = given_ref != 0 ? given_ref
                                       : next_series_id_.fetch_add(1, std::memory_order_relaxed) << kStripeBits |
                                             stripe_of_hash(labels.hash());
  auto owned = std::make_unique<MemSeries>(ref, intern_labels(symbols_, labels));
  MemSeries* s = owned.get();
  stripe.by_ref.emplace(ref, std::move(owned));
  auto [it, inserted] = stripe.by_hash.try_emplace(labels.hash(), s);
  if (!inserted) stripe.hash_conflicts[labels.hash()].push_back(s);
  label_bytes_.fetch_add(static_cast<int64_t>(s->labels.allocated_bytes()), std::memory_order_relaxed);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  series_created_.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void Head::index_series(SeriesRef ref, const Labels& labels) {
  std::unique_lock lock(index_mu_);
  index_->add(ref, labels);
}

void Head::note_wal_failure(const Error& error) {
  wal_write_failures_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(wal_error_mu_);
  wal_error_ = error.message;
}

std::string Head::take_wal_error() {
  std::lock_guard lock(wal_error_mu_);
  return std::exchange(wal_error_, std::string());
}

void Head::note_time_range(Timestamp mint, Timestamp maxt) {
  Timestamp cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint, std::memory_order_relaxed)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt, std::memory_order_relaxed)) {
  }
}

std::shared_ptr<const Head::BlockList> Head::blocks() const {
  std::lock_guard lock(blocks_mu_);
  return blocks_;
}

std::vector<SeriesData> Head::select(const std::vector<LabelMatcher>& matchers, Timestamp mint, Timestamp maxt,
                                     SeriesOrder order) const {
  std::vector<SeriesData> out;
  if (mint > maxt) return out;
  std::shared_lock commit_lock(commit_mu_);
  // Taken with the head's chunks under the commit lock: a compaction moves
  // chunks from the head into a block under it exclusively, so a query sees
  // each chunk once.
  std::vector<const Block*> older;
  const std::shared_ptr<const BlockList> blocks = this->blocks();
  if (blocks) {
    for (const auto& b : *blocks) {
      if (b->max_time() >= mint && b->min_time() <= maxt) older.push_back(b.get());
    }
  }
  internal::Postings refs;
  {
    std::shared_lock lock(index_mu_);
    refs = index_->select(matchers);
  }
  out.reserve(refs.size());
  std::vector<SeriesRef> out_refs;
  for (SeriesRef ref : refs) {
    const Stripe& stripe = stripes_[stripe_of_ref(ref)];
    std::lock_guard lock(stripe.mu);
    auto it = stripe.by_ref.find(ref);
    if (it == stripe.by_ref.end()) continue;  // removed since the index lookup
    const MemSeries& s = *it->second;
    const bool in_head = !(s.empty() || s.last_t < mint || s.min_time() > maxt);
    if (!in_head && older.empty()) continue;
    SeriesData d;
    d.labels = s.labels;
    d.mint = mint;
    d.maxt = maxt;
    if (in_head) s.snapshot(mint, maxt, d.chunks);
    out.push_back(std::move(d));
    out_refs.push_back(ref);
  }
  commit_lock.unlock();
  if (!older.empty()) {
    // Outside every lock: reading a block may wait on the disk.
    std::vector<ChunkRef> chunks;
    size_t kept = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      chunks.clear();
      for (const Block* b : older) b->chunks(out_refs[i], mint, maxt, chunks);
      if (chunks.empty() && out[i].chunks.empty()) continue;
      chunks.insert(chunks.end(), out[i].chunks.begin(), out[i].chunks.end());
      out[i].chunks.swap(chunks);
      if (kept != i) out[kept] = std::move(out[i]);
      ++kept;
    }
    out.resize(kept);
  }
  if (order == SeriesOrder::kSorted) {
    std::sort(out.begin(), out.end(), [](const SeriesData& a, const SeriesData& b) { return a.labels < b.labels; });
  }
  return out;
}

std::vector<std::string> Head::label_names(const std::vector<LabelMatcher>& matchers) const {
  if (matchers.empty()) {
    std::shared_lock lock(index_mu_);
    return index_->label_names();
  }
  std::vector<std::string> names;
  for (const SeriesData& s : select(matchers, kMinTimestamp, kMaxTimestamp)) {
    for (const Label l : s.labels) names.emplace_back(l.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<std::string> Head::label_values(const std::string& name,
                                            const std::vector<LabelMatcher>& matchers) const {
  if (matchers.empty()) {
    std::shared_lock lock(index_mu_);
    return index_->label_values(name);
  }
  std::vector<std::string> values;
  for (const SeriesData& s : select(matchers, kMinTimestamp, kMaxTimestamp)) {
    if (std::string_view v = s.labels.get(name); !v.empty()) values.emplace_back(v);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

std::pair<uint64_t, uint64_t> Head::drop_chunks_before(Timestamp cutoff, bool count_as_dropped) {
  uint64_t chunks = 0, bytes = 0;
  Timestamp new_min = kMaxTimestamp;
  for (size_t i = 0; i < kStripes; ++i) {
    Stripe& stripe = stripes_[i];
    std::lock_guard lock(stripe.mu);
    for (auto& [ref, s] : stripe.by_ref) {
      const size_t before = s->closed.size() + (s->has_open() ? 1 : 0);
      bytes += s->drop_chunks_before(cutoff);
      chunks += before - s->closed.size() - (s->has_open() ? 1 : 0);
      if (!s->empty()) new_min = std::min(new_min, s->min_time());
    }
  }
  chunk_bytes_.fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed);
  if (count_as_dropped) chunks_dropped_.fetch_add(chunks, std::memory_order_relaxed);
  min_time_.store(new_min, std::memory_order_relaxed);
  return {chunks, bytes};
}

Timestamp Head::size_cutoff() const {
  const auto limit = static_cast<int64_t>(options_.retention_bytes);
  int64_t excess = chunk_bytes_.load(std::memory_order_relaxed) - limit;
  if (options_.retention_bytes == 0 || excess <= 0) return kMinTimestamp;
  // Oldest chunks first: the cutoff is just past the newest chunk that must
  // go for the rest to fit.
  std::vector<std::pair<Timestamp, size_t>> chunks;  // (max_time, bytes)
  for (size_t i = 0; i < kStripes; ++i) {
    const Stripe& stripe = stripes_[i];
    std::lock_guard lock(stripe.mu);
    for (const auto& [ref, s] : stripe.by_ref) {
      for (const ChunkRef& c : s->closed) chunks.emplace_back(c->max_time(), c->allocated_bytes());
      if (s->has_open()) chunks.emplace_back(s->open_max_time(), s->open_allocated_bytes());
    }
  }
  std::sort(chunks.begin(), chunks.end());
  for (size_t i = 0; i < chunks.size(); ++i) {
    excess -= static_cast<int64_t>(chunks[i].second);
    // Chunks with the same max_time go together.
    if (excess <= 0 && (i + 1 == chunks.size() || chunks[i + 1].first != chunks[i].first)) {
      return chunks[i].first == kMaxTimestamp ? kMaxTimestamp : chunks[i].first + 1;
    }
  }
  return kMaxTimestamp;
}

uint64_t Head::collect_garbage() {
  std::vector<std::pair<SeriesRef, Labels>> removed;
  // A series without samples in memory lives on while a block holds some.
  const std::shared_ptr<const BlockList> blocks = this->blocks();
  auto in_blocks = [&](SeriesRef ref) {
    return blocks && std::any_of(blocks->begin(), blocks->end(), [&](const auto& b) { return b->contains(ref); });
  };
  for (size_t i = 0; i < kStripes; ++i) {
    Stripe& stripe = stripes_[i];
    std::lock_guard lock(stripe.mu);
    boost::unordered::erase_if(stripe.by_ref, [&](const auto& entry) {
      MemSeries& s = *entry.second;
      if (!s.empty() || s.pending > 0 || in_blocks(s.ref)) return false;
      const uint64_t hash = s.labels.hash();
      auto h = stripe.by_hash.find(hash);
      auto c = stripe.hash_conflicts.find(hash);
      if (h != stripe.by_hash.end() && h->second == &s) {
        // Promote a conflicting series with the same hash, if any.
        if (c != stripe.hash_conflicts.end()) {
          h->second = c->second.back();
          c->second.pop_back();
          if (c->second.empty()) stripe.hash_conflicts.erase(c);
        } else {
          stripe.by_hash.erase(h);
        }
      } else if (c != stripe.hash_conflicts.end()) {
        std::erase(c->second, &s);
        if (c->second.empty()) stripe.hash_conflicts.erase(c);
      }
      label_bytes_.fetch_sub(static_cast<int64_t>(s.labels.allocated_bytes()), std::memory_order_relaxed);
      removed.emplace_back(s.ref, s.labels);
      return true;
    });
  }
  if (removed.empty()) return 0;
  std::sort(removed.begin(), removed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  {
    std::unique_lock lock(index_mu_);
    index_->remove(removed);
  }
  const uint64_t n = removed.size();
  num_series_.fetch_sub(n, std::memory_order_relaxed);
  series_removed_.fetch_add(n, std::memory_order_relaxed);
  removed.clear();  // release the labels before sweeping their symbols
  symbols_.sweep();
  return n;
}

RetentionResult Head::apply_retention() {
  RetentionResult r;
  const Timestamp newest = max_time_.load(std::memory_order_relaxed);
  if (options_.retention_time > 0 && newest > kMinTimestamp + options_.retention_time) {
    r.cutoff = newest - options_.retention_time;
  }
  r.cutoff = std::max(r.cutoff, size_cutoff());
  if (r.cutoff != kMinTimestamp) std::tie(r.chunks_dropped, r.bytes_freed) = drop_chunks_before(r.cutoff);
  r.series_removed = collect_garbage();
  return r;
}

HeadStats Head::stats() const {
  HeadStats s;
  s.series = num_series_.load(std::memory_order_relaxed);
  s.series_created = series_created_.load(std::memory_order_relaxed);
  s.series_removed = series_removed_.load(std::memory_order_relaxed);
  s.samples_appended = samples_appended_.load(std::memory_order_relaxed);
  s.out_of_order_samples = out_of_order_.load(std::memory_order_relaxed);
  s.duplicate_samples = duplicates_.load(std::memory_order_relaxed);
  s.out_of_bounds_samples = out_of_bounds_.load(std::memory_order_relaxed);
  s.chunks_dropped = chunks_dropped_.load(std::memory_order_relaxed);
  s.wal_write_failures = wal_write_failures_.load(std::memory_order_relaxed);
  s.min_time = min_time_.load(std::memory_order_relaxed);
  s.max_time = max_time_.load(std::memory_order_relaxed);
  return s;
}

CardinalityStats Head::cardinality_stats(size_t limit) const {
  CardinalityStats s;
  {
    std::shared_lock lock(index_mu_);
    s.num_series = index_->num_series();
    index_->cardinality(limit, s);
  }
  for (size_t i = 0; i < kStripes; ++i) {
    const Stripe& stripe = stripes_[i];
    std::lock_guard lock(stripe.mu);
    for (const auto& [ref, series] : stripe.by_ref) {
      s.chunk_count += series->closed.size() + (series->has_open() ? 1 : 0);
    }
  }
  s.min_time = min_time_.load(std::memory_order_relaxed);
  s.max_time = max_time_.load(std::memory_order_relaxed);
  return s;
}

MemoryStats Head::memory() const {
  MemoryStats m;
  m.chunk_bytes = static_cast<uint64_t>(std::max<int64_t>(0, chunk_bytes_.load(std::memory_order_relaxed)));
  m.label_bytes = static_cast<uint64_t>(std::max<int64_t>(0, label_bytes_.load(std::memory_order_relaxed))) +
                  symbols_.allocated_bytes();
  {
    std::shared_lock lock(index_mu_);
    m.index_bytes = index_->allocated_bytes();
  }
  // Series records (with their closed-chunk lists and histogram halves),
  // plus the per-stripe maps: one flat-map slot holds key, value and a
  // metadata byte.
  m.series_bytes = kStripes * sizeof(Stripe);
  for (size_t i = 0; i < kStripes; ++i) {
    const Stripe& stripe = stripes_[i];
    std::lock_guard lock(stripe.mu);
    m.series_bytes += stripe.by_ref.bucket_count() * (sizeof(SeriesRef) + sizeof(void*) + 1) +
                      stripe.by_hash.bucket_count() * (sizeof(uint64_t) + sizeof(void*) + 1);
    for (const auto& [ref, s] : stripe.by_ref) {
      m.series_bytes += sizeof(MemSeries) + s->record_bytes();
    }
  }
  return m;
}

}  // namespace cogwatch::tsdb
