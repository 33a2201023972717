// What the two histogram chunk encodings (tsdb/histogram_chunk.h) share,
// byte for byte as Prometheus writes them (tsdb/chunkenc: varbit.go,
// histogram_meta.go): the varbit integer code, the codes of the zero
// threshold and of custom bucket bounds, the layout a chunk begins with,
// and the bucket arithmetic that decides whether a histogram fits a
// chunk's layout and how one layout is widened to take the other's
// buckets. docs/chunk-format.md draws the codes.
//
// Decoders never read past their buffer (BitReader) and never allocate
// more than the bits left could describe; they return false on a layout
// that cannot be.
//
// Thread-safety: plain functions and values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "tsdb/internal/bit_stream.h"
#include "tsdb/internal/encoding.h"

namespace cogwatch::tsdb::internal {

// ---- varbit: the integers of histogram chunks ----
//
// A prefix of n 1-bits and a 0 (n < 8; n == 8 has no 0), then a value of
// 0, 3, 6, 9, 12, 18, 25, 56 or 64 bits for n = 0..8. Signed values use
// the asymmetric ranges of fits_bits() (-3..4 in 3 bits); unsigned ones
// the whole range of their bits.

inline constexpr uint8_t kVarbitWidths[9] = {0, 3, 6, 9, 12, 18, 25, 56, 64};

inline void put_varbit_prefix(BitBuffer& b, unsigned n) {
  // n ones and, below 8, the terminating zero.
  if (n < 8) {
    b.write_bits((uint64_t{1} << (n + 1)) - 2, n + 1);
  } else {
    b.write_bits(0xff, 8);
  }
}

inline void put_varbit_int(BitBuffer& b, int64_t v) {
  if (v == 0) {
    b.write_bits(0, 1);
    return;
  }
  for (unsigned n = 1; n < 9; ++n) {
    if (kVarbitWidths[n] == 64 || fits_bits(v, kVarbitWidths[n])) {
      put_varbit_prefix(b, n);
      b.write_bits(static_cast<uint64_t>(v), kVarbitWidths[n]);
      return;
    }
  }
}

inline void put_varbit_uint(BitBuffer& b, uint64_t v) {
  for (unsigned n = 0; n < 9; ++n) {
    if (kVarbitWidths[n] == 64 || v >> kVarbitWidths[n] == 0) {
      put_varbit_prefix(b, n);
      b.write_bits(v, kVarbitWidths[n]);
      return;
    }
  }
}

// The width of the value that follows a prefix, consuming the prefix.
inline unsigned get_varbit_width(BitReader& in) {
  in.ensure(8);
  const auto top = static_cast<uint8_t>(in.peek(8));
  const auto ones = static_cast<unsigned>(std::countl_one(top));
  in.skip(ones < 8 ? static_cast<int>(ones) + 1 : 8);
  return kVarbitWidths[ones];
}

// What put_varbit_int wrote; past the end, 0 with in.overrun() set.
inline int64_t get_varbit_int(BitReader& in) {
  const unsigned width = get_varbit_width(in);
  uint64_t bits = in.read_bits(static_cast<int>(width));
  if (width != 0 && width < 64 && bits > (uint64_t{1} << (width - 1))) bits -= uint64_t{1} << width;
  return static_cast<int64_t>(bits);
}

inline uint64_t get_varbit_uint(BitReader& in) { return in.read_bits(static_cast<int>(get_varbit_width(in))); }

// ---- The layout: what the first sample of a chunk fixes ----

// The zero threshold: one byte for 0 and for the powers of two 2^-243 ..
// 2^10 (the byte is the exponent plus 243, as frexp gives it: 0.5 * 2^e),
// else 255 and the 64 bits of the double.
void put_zero_threshold(BitBuffer& b, double threshold);
double get_zero_threshold(BitReader& in);

// A custom bucket bound: a multiple of 0.001 in [0, 33554.43] as the
// unsigned varbit of bound * 1000 + 1; anything else as a 0 bit and the
// 64 bits of the double.
void put_custom_bound(BitBuffer& b, double bound);
double get_custom_bound(BitReader& in);

struct HistogramLayout {
  int32_t schema = 0;
  double zero_threshold = 0;
  HistogramSpans positive, negative;
  std::vector<double> custom_values;  // schema -53 only
};

// zero threshold | schema:varbit int | spans(positive) | spans(negative) |
// [custom bounds: count:varbit uint, bound...], where spans := count:varbit
// uint { length:varbit uint  offset:varbit int }*.
void put_layout(BitBuffer& b, int32_t schema, double zero_threshold, const HistogramSpans& positive,
                const HistogramSpans& negative, const std::vector<double>& custom_values);
// False for a layout no writer makes: a schema cogwatch does not know, a
// span field out of its range, or more spans, bounds or buckets than the
// bits left in the chunk could hold.
bool get_layout(BitReader& in, HistogramLayout& out);

size_t count_buckets(const HistogramSpans& spans);

// As get_xor, but a '10' (reuse the window) before any window was set
// reads all 64 bits: Prometheus writes that after it rebuilt an appender
// from a chunk's bytes (its iterators start with the window 0/0). The
// window stays unset, as theirs stays 0/0.
inline bool get_histogram_xor(BitReader& in, XorWindow& w, uint64_t& bits) {
  if (w.leading == 0xff) {
    in.ensure(2);
    if (in.peek(2) == 0b10) {
      in.skip(2);
      bits ^= in.read_bits(64);
      return true;
    }
  }
  return get_xor(in, w, bits);
}

// A new chunk's first three bytes: no samples, and the counter-reset
// header byte (tsdb/histogram_chunk.h's CounterResetHeader).
inline std::vector<uint8_t> histogram_chunk_header(uint8_t header) { return {0, 0, header}; }

// ---- Widening one layout to another ----

// Empty buckets to add to a bucket list: `num` of them before its pos-th
// bucket (pos == size: at the end), the first having bucket index `index`.
struct BucketInsert {
  size_t pos = 0;
  size_t num = 0;
  int64_t index = 0;
};
using BucketInserts = std::vector<BucketInsert>;

// For a counter histogram b following a (Prometheus's appendable()):
// false if b lacks a bucket that a has with a count above zero, or has a
// lower count in a bucket both have (a counter reset). Otherwise
// `forward` widens a to every bucket of b, and `backward` widens b to the
// empty buckets of a it lacks. Bucket values are deltas (integer
// histograms) or absolute counts (float histograms), as `deltas` says.
template <typename T>
bool expand_for_counter(const HistogramSpans& a, std::span<const T> a_buckets, const HistogramSpans& b,
                        std::span<const T> b_buckets, bool deltas, BucketInserts& forward, BucketInserts& backward);

// For a gauge histogram, whose buckets may come and go: `forward` widens a
// to b's buckets, `backward` b to a's, and `merged` is the spans of both.
void expand_both_ways(const HistogramSpans& a, const HistogramSpans& b, BucketInserts& forward,
                      BucketInserts& backward, HistogramSpans& merged);

// `in` with the inserted buckets empty: zeros for absolute counts; for
// deltas, the delta that brings the count to zero and, after the
// inserted run, the one that brings it back.
template <typename T>
std::vector<T> insert_buckets(std::span<const T> in, const BucketInserts& inserts, bool deltas);

// The spans that also cover the inserted buckets.
HistogramSpans adjust_spans_for_inserts(const HistogramSpans& spans, const BucketInserts& inserts);

}  // namespace cogwatch::tsdb::internal
