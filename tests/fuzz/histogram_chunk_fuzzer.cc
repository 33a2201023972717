// libFuzzer target: the histogram chunk decoder (tsdb/histogram_chunk.h)
// never crashes and never reads outside its bytes, and what the writers
// encode decodes to the same histograms. The first byte picks:
//   0, 1: the rest is an integer (0) or float (1) histogram chunk: every
//         sample decoded; a writer rebuilt from the bytes (restore) takes
//         the last sample again, one millisecond later, as a reader of a
//         checkpoint would go on;
//   2:    the rest is the payload of a log record of histograms (4),
//         float histograms (5) or chunks of any encoding (6);
//   3:    the rest describes a run of histograms (a schema, spans, bucket
//         increments per sample) that is written into chunks, cut where
//         the writer says, and read back: the same histograms must come
//         out (else the process traps).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "model/value.h"
#include "tsdb/histogram_chunk.h"
#include "tsdb/internal/wal_records.h"

namespace {

using namespace cogwatch;
using namespace cogwatch::tsdb;

template <typename Writer>
void decode(ChunkEncoding encoding, std::span<const uint8_t> bytes) {
  HistogramChunkIterator it(encoding, bytes);
  Timestamp last_t = 0;
  FloatHistogram last;
  while (it.next()) {
    last_t = it.t();
    last = it.float_histogram();
    if (!it.is_float()) (void)it.histogram();
  }
  auto w = Writer::restore(bytes);
  if (!w || last_t == kMaxTimestamp || !last.validate()) return;
  if constexpr (std::is_same_v<Writer, FloatHistogramChunkWriter>) {
    (void)w->append(last_t + 1, last);
  } else {
    HistogramChunkIterator again(encoding, bytes);
    Histogram h;
    while (again.next()) h = again.histogram();
    if (h.validate()) (void)w->append(last_t + 1, h);
  }
  const ChunkRef written = w->snapshot();
  HistogramChunkIterator after(*written);
  while (after.next()) {
  }
  if (!after.err().ok()) __builtin_trap();  // a writer's bytes always decode
}

void records(std::span<const uint8_t> payload) {
  if (payload.empty()) return;
  const auto body = payload.subspan(1);
  switch (payload[0] % 3) {
    case 0:
      internal::decode_histogram_samples(body, [](SeriesRef, Timestamp, const Histogram& h) { (void)h.validate(); });
      break;
    case 1:
      internal::decode_float_histogram_samples(body, [](SeriesRef, Timestamp, const FloatHistogram& h) {
        (void)h.validate();
      });
      break;
    default:
      internal::decode_chunks(body, false, [](SeriesRef, bool, ChunkEncoding e, std::span<const uint8_t> c) {
        if (e == ChunkEncoding::kHistogram) decode<HistogramChunkWriter>(e, c);
        if (e == ChunkEncoding::kFloatHistogram) decode<FloatHistogramChunkWriter>(e, c);
      });
  }
}

// Reads bytes off the input, zeros once it runs out.
class Source {
 public:
  explicit Source(std::span<const uint8_t> b) : b_(b) {}
  uint8_t byte() { return at_ < b_.size() ? b_[at_++] : 0; }
  bool done() const { return at_ >= b_.size(); }

 private:
  std::span<const uint8_t> b_;
  size_t at_ = 0;
};

// Compares without the empty buckets recoding adds.
bool same(FloatHistogram a, FloatHistogram b) {
  if (is_stale_nan(a.sum) || is_stale_nan(b.sum)) return is_stale_nan(a.sum) && is_stale_nan(b.sum);
  a.counter_reset_hint = b.counter_reset_hint = CounterResetHint::kUnknown;
  return a.compact(0).equals(b.compact(0));
}

void round_trip(std::span<const uint8_t> input) {
  Source in(input);
  std::vector<std::pair<Timestamp, Histogram>> samples;
  Timestamp t = static_cast<int8_t>(in.byte()) * 1000;
  const int32_t schema = static_cast<int32_t>(in.byte() % 13) - 4;
  const auto hint = static_cast<CounterResetHint>(in.byte() % 4);
  std::vector<int64_t> counts(1 + in.byte() % 12);
  while (!in.done() && samples.size() < 200) {
    const uint8_t op = in.byte();
    t += 1 + in.byte() * (op & 0x80 ? 100000 : 1);
    Histogram h;
    h.schema = (op & 0x40) && (op & 0x20) ? schema + 1 - 2 * (schema > 0) : schema;
    h.counter_reset_hint = hint;
    h.zero_threshold = op & 0x10 ? 0.5 : 0;
    if (op == 0xff) {
      h.sum = stale_nan();
      samples.emplace_back(t, h);
      continue;
    }
    h.sum = static_cast<double>(static_cast<int8_t>(in.byte())) / 4;
    // A span per bucket present: offset and increment from the input.
    int64_t count = 0;
    for (size_t b = 0; b < counts.size(); ++b) {
      const uint8_t x = in.byte();
      counts[b] = (op & 0x08) ? x % 5 : counts[b] + x % 7;  // 0x08: start over (a reset)
      if (x & 0x80) continue;                             // this bucket absent
      const int32_t gap = h.positive_spans.empty() ? static_cast<int32_t>(b) - 3 : 0;
      if (!h.positive_spans.empty() && (x & 0x40)) {
        h.positive_spans.push_back({1, 1});
      } else if (h.positive_spans.empty()) {
        h.positive_spans.push_back({gap, 1});
      } else {
        ++h.positive_spans.back().length;
      }
      h.positive_buckets.push_back(counts[b]);
      count += counts[b];
    }
    for (size_t i = h.positive_buckets.size(); i-- > 1;) h.positive_buckets[i] -= h.positive_buckets[i - 1];
    h.count = static_cast<uint64_t>(count);
    if (!h.validate()) continue;
    samples.emplace_back(t, h);
  }
  // Into chunks, as the head cuts them.
  std::vector<ChunkRef> ints, floats;
  HistogramChunkWriter w;
  FloatHistogramChunkWriter fw;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& [at, h] = samples[i];
    if (w.empty() || w.append(at, h).outcome == HistogramAppend::kNeedsNewChunk) {
      if (!w.empty()) ints.push_back(w.seal());
      w.start(at, h, first_chunk_header(h.counter_reset_hint, std::nullopt));
    }
    const FloatHistogram f = h.to_float();
    if (fw.empty() || fw.append(at, f).outcome == HistogramAppend::kNeedsNewChunk) {
      if (!fw.empty()) floats.push_back(fw.seal());
      fw.start(at, f, first_chunk_header(f.counter_reset_hint, std::nullopt));
    }
  }
  if (samples.empty()) return;
  ints.push_back(w.seal());
  floats.push_back(fw.seal());
  for (const auto* chunks : {&ints, &floats}) {
    size_t i = 0;
    for (const ChunkRef& c : *chunks) {
      HistogramChunkIterator it(*c);
      while (it.next()) {
        if (i >= samples.size() || it.t() != samples[i].first ||
            !same(it.float_histogram(), samples[i].second.to_float())) {
          __builtin_trap();
        }
        ++i;
      }
      if (!it.err().ok()) __builtin_trap();
    }
    if (i != samples.size()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      decode<HistogramChunkWriter>(ChunkEncoding::kHistogram, rest);
      break;
    case 1:
      decode<FloatHistogramChunkWriter>(ChunkEncoding::kFloatHistogram, rest);
      break;
    case 2:
      records(rest);
      break;
    default:
      round_trip(rest);
  }
  return 0;
}
