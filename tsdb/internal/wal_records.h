// The records of the write-ahead log and its checkpoints, and their
// payloads (framing is tsdb/wal.h's). All integers are varints unless
// said otherwise; docs/storage-format.md draws them.
//
//   series  (1): { ref:uvarint  nlabels:uvarint  (name:bytes value:bytes)* }*
//   samples (2): base_t:varint  { ref:uvarint  t - base_t:varint  value:u64le }*
//   chunks  (3): { ref:uvarint  open:uvarint  chunk:bytes }*
//                 (format 1 checkpoints: float chunks; read, no longer written)
//   histograms (4):       base_t:varint  { ref:uvarint  t - base_t:varint  histogram }*
//   float histograms (5): base_t:varint  { ref:uvarint  t - base_t:varint  float_histogram }*
//   encoded chunks (6):   { ref:uvarint  open:uvarint  encoding:u8  chunk:bytes }*
//                 (checkpoints only: a series' chunks in time order, the
//                  last of which may be its open chunk; encoding is
//                  tsdb::ChunkEncoding)
//
//   histogram       := hint:u8 schema:varint zero_threshold:u64le
//                      zero_count:uvarint count:uvarint sum:u64le
//                      spans(positive) spans(negative)
//                      n:uvarint delta:varint * n     (positive buckets)
//                      n:uvarint delta:varint * n     (negative buckets)
//                      n:uvarint bound:u64le * n      (custom bounds)
//   float_histogram := as histogram, but zero_count, count and every
//                      bucket count a u64le (the double's bits)
//   spans           := n:uvarint { offset:varint length:uvarint } * n
//
// A commit's samples are logged in commit order: one record per run of
// samples of the same kind (floats, histograms, float histograms), so a
// replay applies them in the order they were stored.
//
// A series record precedes every sample or chunk of its ref in the log.
// Decoders return false on a payload they cannot read to its end; the
// caller counts the record as damaged. A decoded histogram is not
// validated here (Histogram::validate() is the caller's business).
//
// Thread-safety: plain functions.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"
#include "tsdb/appender.h"
#include "tsdb/chunk.h"
#include "tsdb/internal/encoding.h"

namespace cogwatch::tsdb::internal {

enum WalRecordType : uint8_t {
  kSeriesRecord = 1,
  kSamplesRecord = 2,
  kChunksRecord = 3,  // read only
  kHistogramsRecord = 4,
  kFloatHistogramsRecord = 5,
  kEncodedChunksRecord = 6,
};

struct WalSample {
  SeriesRef ref;
  Timestamp t;
  double v;
};

void encode_series_entry(std::vector<uint8_t>& out, SeriesRef ref, const Labels& labels);
// Calls fn(ref, labels) for each entry.
template <typename Fn>
bool decode_series(std::span<const uint8_t> payload, Fn&& fn);

// Encodes a whole samples payload from a range of anything with ref, t
// and v members; or, entry by entry, a base time and encode_sample()s.
template <typename Range>
void encode_samples(std::vector<uint8_t>& out, const Range& samples);
// Calls fn(WalSample) for each sample.
template <typename Fn>
bool decode_samples(std::span<const uint8_t> payload, Fn&& fn);

// Histogram samples: a base time and, entry by entry,
// encode_histogram_sample()s; decoded, fn(ref, t, histogram) for each,
// the histogram reused from one call to the next.
void encode_histogram_sample(std::vector<uint8_t>& out, Timestamp base_t, SeriesRef ref, Timestamp t,
                             const Histogram& h);
void encode_histogram_sample(std::vector<uint8_t>& out, Timestamp base_t, SeriesRef ref, Timestamp t,
                             const FloatHistogram& h);
template <typename Fn>
bool decode_histogram_samples(std::span<const uint8_t> payload, Fn&& fn);
template <typename Fn>
bool decode_float_histogram_samples(std::span<const uint8_t> payload, Fn&& fn);
// One histogram, as the records above hold it; false if it runs off the
// end or holds an impossible field.
void encode_histogram(std::vector<uint8_t>& out, const Histogram& h);
void encode_histogram(std::vector<uint8_t>& out, const FloatHistogram& h);
bool decode_histogram(Decoder& d, Histogram& h);
bool decode_histogram(Decoder& d, FloatHistogram& h);

// Chunks of any encoding (type 6).
void encode_chunk_entry(std::vector<uint8_t>& out, SeriesRef ref, bool open, ChunkEncoding encoding,
                        std::span<const uint8_t> chunk);
// Calls fn(ref, open, encoding, chunk bytes) for each entry: of a type 6
// payload, or (`float_only`) of a type 3 one, whose chunks hold floats.
template <typename Fn>
bool decode_chunks(std::span<const uint8_t> payload, bool float_only, Fn&& fn);
// A type 3 payload: fn(ref, open, chunk bytes) for each entry.
template <typename Fn>
bool decode_chunks(std::span<const uint8_t> payload, Fn&& fn);

// ---- implementation of the templates ----

inline void encode_sample(std::vector<uint8_t>& out, Timestamp base_t, SeriesRef ref, Timestamp t, double v) {
  put_uvarint(out, ref);
  put_varint(out, wrapping_sub(t, base_t));
  put_u64le(out, std::bit_cast<uint64_t>(v));
}

template <typename Range>
void encode_samples(std::vector<uint8_t>& out, const Range& samples) {
  const Timestamp base_t = std::empty(samples) ? 0 : std::begin(samples)->t;
  put_varint(out, base_t);
  for (const auto& s : samples) encode_sample(out, base_t, s.ref, s.t, s.v);
}

template <typename Fn>
bool decode_series(std::span<const uint8_t> payload, Fn&& fn) {
  Decoder d(payload);
  LabelsBuilder b;
  while (!d.done()) {
    const SeriesRef ref = d.uvarint();
    const uint64_t n = d.uvarint();
    b.reset(Labels());
    for (uint64_t i = 0; i < n && d.ok(); ++i) {
      const std::string_view name = d.bytes();
      const std::string_view value = d.bytes();
      b.set(name, value);
    }
    if (!d.ok()) return false;
    fn(ref, b.build());
  }
  return true;
}

template <typename Fn>
bool decode_samples(std::span<const uint8_t> payload, Fn&& fn) {
  Decoder d(payload);
  const Timestamp base_t = d.varint();
  while (d.ok() && !d.done()) {
    WalSample s;
    s.ref = d.uvarint();
    s.t = wrapping_add(base_t, d.varint());
    s.v = std::bit_cast<double>(d.u64le());
    if (!d.ok()) return false;
    fn(s);
  }
  return d.ok();
}

template <typename Fn>
bool decode_chunks(std::span<const uint8_t> payload, bool float_only, Fn&& fn) {
  Decoder d(payload);
  while (!d.done()) {
    const SeriesRef ref = d.uvarint();
    const bool open = d.uvarint() != 0;
    const uint8_t encoding = float_only ? static_cast<uint8_t>(ChunkEncoding::kFloat) : d.u8();
    const std::string_view chunk = d.bytes();
    if (!d.ok() || !is_chunk_encoding(encoding)) return false;
    fn(ref, open, static_cast<ChunkEncoding>(encoding),
       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
  }
  return true;
}

template <typename Fn>
bool decode_chunks(std::span<const uint8_t> payload, Fn&& fn) {
  return decode_chunks(payload, true, [&fn](SeriesRef ref, bool open, ChunkEncoding, std::span<const uint8_t> bytes) {
    fn(ref, open, bytes);
  });
}

namespace detail {
template <typename H, typename Fn>
bool decode_histogram_samples(std::span<const uint8_t> payload, Fn&& fn) {
  Decoder d(payload);
  const Timestamp base_t = d.varint();
  H h;
  while (d.ok() && !d.done()) {
    const SeriesRef ref = d.uvarint();
    const Timestamp t = wrapping_add(base_t, d.varint());
    if (!decode_histogram(d, h) || !d.ok()) return false;
    fn(ref, t, static_cast<const H&>(h));
  }
  return d.ok();
}
}  // namespace detail

template <typename Fn>
bool decode_histogram_samples(std::span<const uint8_t> payload, Fn&& fn) {
  return detail::decode_histogram_samples<Histogram>(payload, fn);
}

template <typename Fn>
bool decode_float_histogram_samples(std::span<const uint8_t> payload, Fn&& fn) {
  return detail::decode_histogram_samples<FloatHistogram>(payload, fn);
}

}  // namespace cogwatch::tsdb::internal
