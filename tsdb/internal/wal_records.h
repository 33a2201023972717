// The records of the write-ahead log and its checkpoints, and their
// payloads (framing is tsdb/wal.h's). All integers are varints unless
// said otherwise; docs/storage-format.md draws them.
//
//   series  (1): { ref:uvarint  nlabels:uvarint  (name:bytes value:bytes)* }*
//   samples (2): base_t:varint  { ref:uvarint  t - base_t:varint  value:u64le }*
//   chunks  (3): { ref:uvarint  open:u8  chunk:bytes }*
//                 (checkpoints only: a series' chunks in time order, the
//                  last of which may be its open chunk)
//
// A series record precedes every sample or chunk of its ref in the log.
// Decoders return false on a payload they cannot read to its end; the
// caller counts the record as damaged.
//
// Thread-safety: plain functions.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "model/labels.h"
#include "model/time.h"
#include "tsdb/appender.h"
#include "tsdb/internal/encoding.h"

namespace cogwatch::tsdb::internal {

enum WalRecordType : uint8_t {
  kSeriesRecord = 1,
  kSamplesRecord = 2,
  kChunksRecord = 3,
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

void encode_chunk_entry(std::vector<uint8_t>& out, SeriesRef ref, bool open, std::span<const uint8_t> chunk);
// Calls fn(ref, open, chunk bytes) for each entry.
template <typename Fn>
bool decode_chunks(std::span<const uint8_t> payload, Fn&& fn);

// ---- implementation of the templates ----

inline void encode_sample(std::vector<uint8_t>& out, Timestamp base_t, SeriesRef ref, Timestamp t, double v) {
  put_uvarint(out, ref);
  put_varint(out, t - base_t);
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
    s.t = base_t + d.varint();
    s.v = std::bit_cast<double>(d.u64le());
    if (!d.ok()) return false;
    fn(s);
  }
  return d.ok();
}

template <typename Fn>
bool decode_chunks(std::span<const uint8_t> payload, Fn&& fn) {
  Decoder d(payload);
  while (!d.done()) {
    const SeriesRef ref = d.uvarint();
    const bool open = d.uvarint() != 0;
    const std::string_view chunk = d.bytes();
    if (!d.ok()) return false;
    fn(ref, open, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
  }
  return true;
}

}  // namespace cogwatch::tsdb::internal
