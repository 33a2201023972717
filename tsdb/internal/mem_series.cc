#include "tsdb/internal/mem_series.h"

#include <bit>

namespace cogwatch::tsdb::internal {
namespace {

// The most one sample can add to a chunk: a 68-bit timestamp and a 77-bit
// value (2 control + 5 + 6 + 64 bits), rounded up.
constexpr uint32_t kMaxSampleBytes = 19;

// The end of the aligned window containing t, or kMaxTimestamp.
Timestamp window_end(Timestamp t, Duration window) {
  if (window <= 0) return kMaxTimestamp;
  Timestamp start = t / window * window;
  if (t < 0 && start != t) start -= window;  // floor, not truncation
  return start > kMaxTimestamp - window ? kMaxTimestamp : start + window;
}

}  // namespace

AppendCheck MemSeries::check(Timestamp t, double v, bool with_pending) const {
  if (with_pending && pending > 0 && t <= pending_max_t) {
    // Uncommitted values are not kept here, so a repeat of a pending
    // timestamp is let through and decided at commit.
    return t < pending_max_t ? AppendCheck::kOutOfOrder : AppendCheck::kOk;
  }
  if (!has_last || t > last_t) return AppendCheck::kOk;
  if (t < last_t) return AppendCheck::kOutOfOrder;
  return std::bit_cast<uint64_t>(v) == last_v_bits ? AppendCheck::kSameSample : AppendCheck::kDuplicate;
}

int64_t MemSeries::append(Timestamp t, double v, const ChunkLimits& limits) {
  int64_t delta = -static_cast<int64_t>(open.allocated_bytes());
  if (!open.empty() && (open.num_samples() >= limits.max_samples ||
                        open.size() + kMaxSampleBytes > limits.max_bytes ||
                        t >= window_end(open.min_time(), limits.time_window))) {
    closed.push_back(open.seal());
    delta += static_cast<int64_t>(closed.back()->allocated_bytes());
  }
  open.append(t, v);
  delta += static_cast<int64_t>(open.allocated_bytes());
  last_t = t;
  last_v_bits = std::bit_cast<uint64_t>(v);
  has_last = true;
  return delta;
}

void MemSeries::snapshot(Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const {
  for (const ChunkRef& c : closed) {
    if (c->max_time() >= mint && c->min_time() <= maxt) out.push_back(c);
  }
  if (!open.empty() && open.max_time() >= mint && open.min_time() <= maxt) out.push_back(open.snapshot());
}

size_t MemSeries::drop_chunks_before(Timestamp t) {
  size_t freed = 0;
  size_t n = 0;
  while (n < closed.size() && closed[n]->max_time() < t) freed += closed[n++]->allocated_bytes();
  closed.erase(closed.begin(), closed.begin() + static_cast<std::ptrdiff_t>(n));
  if (closed.empty() && !open.empty() && open.max_time() < t) {
    freed += open.allocated_bytes();
    open.clear();
  }
  if (closed.empty() && open.empty()) closed.shrink_to_fit();
  return freed;
}

size_t MemSeries::chunk_bytes() const {
  size_t bytes = open.allocated_bytes();
  for (const ChunkRef& c : closed) bytes += c->allocated_bytes();
  return bytes;
}

}  // namespace cogwatch::tsdb::internal
