#include "tsdb/internal/mem_series.h"

#include <bit>
#include <optional>

#include "model/value.h"

namespace cogwatch::tsdb::internal {
namespace {

// The most one float sample can add to a chunk: a 68-bit timestamp and a
// 77-bit value (2 control + 5 + 6 + 64 bits), rounded up.
constexpr uint32_t kMaxSampleBytes = 19;

// The end of the aligned window containing t, or kMaxTimestamp.
Timestamp window_end(Timestamp t, Duration window) {
  if (window <= 0) return kMaxTimestamp;
  Timestamp start = t / window * window;
  if (t < 0 && start != t) start -= window;  // floor, not truncation
  return start > kMaxTimestamp - window ? kMaxTimestamp : start + window;
}

// Whether the open histogram chunk w is closed before a sample at t: at
// the sample limit, at the end of its time window, or once it holds
// max_bytes (so it ends at most one sample larger), but not for its size
// before it holds kMinHistogramChunkSamples.
template <typename Writer>
bool histogram_chunk_full(const Writer& w, Timestamp t, const ChunkLimits& limits) {
  return w.num_samples() >= limits.max_samples ||
         (w.size() >= limits.max_bytes && w.num_samples() >= kMinHistogramChunkSamples) ||
         t >= window_end(w.min_time(), limits.time_window);
}

enum class TimeOrder : uint8_t { kNewer, kOlder, kSame };

}  // namespace

size_t HistogramSeries::allocated_bytes() const {
  auto spans = [](const HistogramSpans& s) { return s.capacity() * sizeof(HistogramSpan); };
  return sizeof(HistogramSeries) + spans(last.positive_spans) + spans(last.negative_spans) +
         (last.positive_buckets.capacity() + last.negative_buckets.capacity()) * sizeof(int64_t) +
         last.custom_values.capacity() * sizeof(double) + spans(last_float.positive_spans) +
         spans(last_float.negative_spans) +
         (last_float.positive_buckets.capacity() + last_float.negative_buckets.capacity() +
          last_float.custom_values.capacity()) *
             sizeof(double);
}

namespace {

TimeOrder order_of(const MemSeries& s, Timestamp t, bool with_pending) {
  if (with_pending && s.pending > 0 && t <= s.pending_max_t) {
    // Uncommitted values are not kept here, so a repeat of a pending
    // timestamp is let through and decided at commit.
    return t < s.pending_max_t ? TimeOrder::kOlder : TimeOrder::kNewer;
  }
  if (!s.has_last || t > s.last_t) return TimeOrder::kNewer;
  return t < s.last_t ? TimeOrder::kOlder : TimeOrder::kSame;
}

AppendCheck verdict(TimeOrder order, bool same_value) {
  switch (order) {
    case TimeOrder::kNewer:
      return AppendCheck::kOk;
    case TimeOrder::kOlder:
      return AppendCheck::kOutOfOrder;
    case TimeOrder::kSame:
      break;
  }
  return same_value ? AppendCheck::kSameSample : AppendCheck::kDuplicate;
}

}  // namespace

AppendCheck MemSeries::check(Timestamp t, double v, bool with_pending) const {
  const TimeOrder order = order_of(*this, t, with_pending);
  if (order != TimeOrder::kSame) return verdict(order, false);
  switch (last_type) {
    case ValueType::kFloat:
      return verdict(order, std::bit_cast<uint64_t>(v) == last_v_bits);
    case ValueType::kHistogram:
      // A stale marker becomes a stale histogram (see append()).
      return verdict(order, is_stale_nan(v) && is_stale_nan(histograms->last.sum));
    case ValueType::kFloatHistogram:
      return verdict(order, is_stale_nan(v) && is_stale_nan(histograms->last_float.sum));
  }
  return AppendCheck::kDuplicate;
}

AppendCheck MemSeries::check(Timestamp t, const Histogram& h, bool with_pending) const {
  const TimeOrder order = order_of(*this, t, with_pending);
  return verdict(order, order == TimeOrder::kSame && last_type == ValueType::kHistogram && histograms->last == h);
}

AppendCheck MemSeries::check(Timestamp t, const FloatHistogram& h, bool with_pending) const {
  const TimeOrder order = order_of(*this, t, with_pending);
  return verdict(order,
                 order == TimeOrder::kSame && last_type == ValueType::kFloatHistogram && histograms->last_float.equals(h));
}

bool MemSeries::has_open() const {
  return !open.empty() || (histograms && (!histograms->open.empty() || !histograms->open_float.empty()));
}

Timestamp MemSeries::open_min_time() const {
  if (!open.empty() || !histograms) return open.min_time();
  return !histograms->open.empty() ? histograms->open.min_time() : histograms->open_float.min_time();
}

Timestamp MemSeries::open_max_time() const {
  if (!open.empty() || !histograms) return open.max_time();
  return !histograms->open.empty() ? histograms->open.max_time() : histograms->open_float.max_time();
}

size_t MemSeries::open_allocated_bytes() const {
  size_t bytes = open.allocated_bytes();
  if (histograms) bytes += histograms->open.allocated_bytes() + histograms->open_float.allocated_bytes();
  return bytes;
}

ChunkRef MemSeries::open_snapshot() const {
  if (!open.empty()) return open.snapshot();
  return !histograms->open.empty() ? histograms->open.snapshot() : histograms->open_float.snapshot();
}

int64_t MemSeries::seal_open() {
  if (!has_open()) return 0;
  int64_t delta = -static_cast<int64_t>(open_allocated_bytes());
  if (!open.empty()) {
    closed.push_back(open.seal());
  } else if (!histograms->open.empty()) {
    closed.push_back(histograms->open.seal());
  } else {
    closed.push_back(histograms->open_float.seal());
  }
  return delta + static_cast<int64_t>(closed.back()->allocated_bytes() + open_allocated_bytes());
}

int64_t MemSeries::append(Timestamp t, double v, const ChunkLimits& limits) {
  if (has_last && is_stale_nan(v) && last_type != ValueType::kFloat) {
    // Ends a histogram series without a float chunk between its histograms.
    if (last_type == ValueType::kHistogram) {
      Histogram stale;
      stale.sum = v;
      return append(t, stale, limits);
    }
    FloatHistogram stale;
    stale.sum = v;
    return append(t, stale, limits);
  }
  int64_t delta = 0;
  if (histograms && open.empty()) delta += seal_open();  // histograms before: a new chunk
  delta -= static_cast<int64_t>(open.allocated_bytes());
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
  last_type = ValueType::kFloat;
  has_last = true;
  return delta;
}

namespace {

// Appends h to the open histogram chunk w of series s (sealing whatever
// else is open first): Prometheus's rules for which chunk it joins and
// which counter-reset header a new one gets.
template <typename Writer, typename H>
int64_t append_histogram(MemSeries& s, Writer& w, Timestamp t, const H& h, const ChunkLimits& limits) {
  int64_t delta = 0;
  std::optional<CounterResetHeader> start_with;  // set: a new chunk begins with h
  if (w.empty()) {
    delta += s.seal_open();  // floats or the other histogram kind: no reset to speak of
    start_with = first_chunk_header(h.counter_reset_hint, std::nullopt);
  } else if (histogram_chunk_full(w, t, limits)) {
    start_with = first_chunk_header(h.counter_reset_hint, w.header_after(h));
    delta += s.seal_open();
  } else {
    const size_t before = w.allocated_bytes();
    const HistogramAppendResult r = w.append(t, h);
    delta += static_cast<int64_t>(w.allocated_bytes()) - static_cast<int64_t>(before);
    if (r.outcome == HistogramAppend::kNeedsNewChunk) {
      start_with = r.header;
      delta += s.seal_open();
    }
  }
  if (start_with) {
    const size_t before = w.allocated_bytes();
    w.start(t, h, *start_with);
    delta += static_cast<int64_t>(w.allocated_bytes()) - static_cast<int64_t>(before);
  }
  s.last_t = t;
  s.has_last = true;
  return delta;
}

}  // namespace

int64_t MemSeries::append(Timestamp t, const Histogram& h, const ChunkLimits& limits) {
  if (!histograms) histograms = std::make_unique<HistogramSeries>();
  const int64_t delta = append_histogram(*this, histograms->open, t, h, limits);
  histograms->last = h;
  last_type = ValueType::kHistogram;
  return delta;
}

int64_t MemSeries::append(Timestamp t, const FloatHistogram& h, const ChunkLimits& limits) {
  if (!histograms) histograms = std::make_unique<HistogramSeries>();
  const int64_t delta = append_histogram(*this, histograms->open_float, t, h, limits);
  histograms->last_float = h;
  last_type = ValueType::kFloatHistogram;
  return delta;
}

void MemSeries::snapshot(Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const {
  for (const ChunkRef& c : closed) {
    if (c->max_time() >= mint && c->min_time() <= maxt) out.push_back(c);
  }
  if (has_open() && open_max_time() >= mint && open_min_time() <= maxt) out.push_back(open_snapshot());
}

size_t MemSeries::drop_chunks_before(Timestamp t) {
  size_t freed = 0;
  size_t n = 0;
  while (n < closed.size() && closed[n]->max_time() < t) freed += closed[n++]->allocated_bytes();
  closed.erase(closed.begin(), closed.begin() + static_cast<std::ptrdiff_t>(n));
  if (closed.empty() && has_open() && open_max_time() < t) {
    freed += open_allocated_bytes();
    open.clear();
    if (histograms) {
      histograms->open.clear();
      histograms->open_float.clear();
    }
  }
  if (closed.empty() && !has_open()) closed.shrink_to_fit();
  return freed;
}

size_t MemSeries::chunk_bytes() const {
  size_t bytes = open_allocated_bytes();
  for (const ChunkRef& c : closed) bytes += c->allocated_bytes();
  return bytes;
}

size_t MemSeries::record_bytes() const {
  return closed.capacity() * sizeof(ChunkRef) + (histograms ? histograms->allocated_bytes() : 0);
}

}  // namespace cogwatch::tsdb::internal
