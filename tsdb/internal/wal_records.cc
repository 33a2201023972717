#include "tsdb/internal/wal_records.h"

#include <limits>

namespace cogwatch::tsdb::internal {

void encode_series_entry(std::vector<uint8_t>& out, SeriesRef ref, const Labels& labels) {
  put_uvarint(out, ref);
  put_uvarint(out, labels.size());
  for (const Label& l : labels) {
    put_bytes(out, l.name);
    put_bytes(out, l.value);
  }
}

void encode_chunk_entry(std::vector<uint8_t>& out, SeriesRef ref, bool open, ChunkEncoding encoding,
                        std::span<const uint8_t> chunk) {
  put_uvarint(out, ref);
  put_uvarint(out, open ? 1 : 0);
  out.push_back(static_cast<uint8_t>(encoding));
  put_bytes(out, std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()));
}

namespace {

void put_f64(std::vector<uint8_t>& out, double v) { put_u64le(out, std::bit_cast<uint64_t>(v)); }
double get_f64(Decoder& d) { return std::bit_cast<double>(d.u64le()); }

void put_spans(std::vector<uint8_t>& out, const HistogramSpans& spans) {
  put_uvarint(out, spans.size());
  for (const HistogramSpan& s : spans) {
    put_varint(out, s.offset);
    put_uvarint(out, s.length);
  }
}

// A count read from the payload, bounded by what is left of it (each item
// takes at least `min_bytes`), so corrupt counts cannot make us allocate.
bool get_count(Decoder& d, size_t min_bytes, uint64_t& n) {
  n = d.uvarint();
  return d.ok() && n <= d.remaining() / min_bytes;
}

bool get_spans(Decoder& d, HistogramSpans& spans) {
  uint64_t n = 0;
  if (!get_count(d, 2, n)) return false;
  spans.resize(n);
  for (HistogramSpan& s : spans) {
    const int64_t offset = d.varint();
    const uint64_t length = d.uvarint();
    if (offset < std::numeric_limits<int32_t>::min() || offset > std::numeric_limits<int32_t>::max() ||
        length > std::numeric_limits<uint32_t>::max()) {
      return false;
    }
    s = {static_cast<int32_t>(offset), static_cast<uint32_t>(length)};
  }
  return d.ok();
}

template <typename H>
bool get_head(Decoder& d, H& h) {
  const uint8_t hint = d.u8();
  const int64_t schema = d.varint();
  if (hint > static_cast<uint8_t>(CounterResetHint::kGauge) || schema < std::numeric_limits<int32_t>::min() ||
      schema > std::numeric_limits<int32_t>::max()) {
    return false;
  }
  h.counter_reset_hint = static_cast<CounterResetHint>(hint);
  h.schema = static_cast<int32_t>(schema);
  h.zero_threshold = get_f64(d);
  return d.ok();
}

bool get_custom_values(Decoder& d, std::vector<double>& values) {
  uint64_t n = 0;
  if (!get_count(d, 8, n)) return false;
  values.resize(n);
  for (double& v : values) v = get_f64(d);
  return d.ok();
}

}  // namespace

void encode_histogram(std::vector<uint8_t>& out, const Histogram& h) {
  out.push_back(static_cast<uint8_t>(h.counter_reset_hint));
  put_varint(out, h.schema);
  put_f64(out, h.zero_threshold);
  put_uvarint(out, h.zero_count);
  put_uvarint(out, h.count);
  put_f64(out, h.sum);
  put_spans(out, h.positive_spans);
  put_spans(out, h.negative_spans);
  for (const auto* buckets : {&h.positive_buckets, &h.negative_buckets}) {
    put_uvarint(out, buckets->size());
    for (int64_t b : *buckets) put_varint(out, b);
  }
  put_uvarint(out, h.custom_values.size());
  for (double v : h.custom_values) put_f64(out, v);
}

void encode_histogram(std::vector<uint8_t>& out, const FloatHistogram& h) {
  out.push_back(static_cast<uint8_t>(h.counter_reset_hint));
  put_varint(out, h.schema);
  put_f64(out, h.zero_threshold);
  put_f64(out, h.zero_count);
  put_f64(out, h.count);
  put_f64(out, h.sum);
  put_spans(out, h.positive_spans);
  put_spans(out, h.negative_spans);
  for (const auto* buckets : {&h.positive_buckets, &h.negative_buckets}) {
    put_uvarint(out, buckets->size());
    for (double b : *buckets) put_f64(out, b);
  }
  put_uvarint(out, h.custom_values.size());
  for (double v : h.custom_values) put_f64(out, v);
}

bool decode_histogram(Decoder& d, Histogram& h) {
  if (!get_head(d, h)) return false;
  h.zero_count = d.uvarint();
  h.count = d.uvarint();
  h.sum = get_f64(d);
  if (!get_spans(d, h.positive_spans) || !get_spans(d, h.negative_spans)) return false;
  for (auto* buckets : {&h.positive_buckets, &h.negative_buckets}) {
    uint64_t n = 0;
    if (!get_count(d, 1, n)) return false;
    buckets->resize(n);
    for (int64_t& b : *buckets) b = d.varint();
  }
  return get_custom_values(d, h.custom_values);
}

bool decode_histogram(Decoder& d, FloatHistogram& h) {
  if (!get_head(d, h)) return false;
  h.zero_count = get_f64(d);
  h.count = get_f64(d);
  h.sum = get_f64(d);
  if (!get_spans(d, h.positive_spans) || !get_spans(d, h.negative_spans)) return false;
  for (auto* buckets : {&h.positive_buckets, &h.negative_buckets}) {
    uint64_t n = 0;
    if (!get_count(d, 8, n)) return false;
    buckets->resize(n);
    for (double& b : *buckets) b = get_f64(d);
  }
  return get_custom_values(d, h.custom_values);
}

void encode_histogram_sample(std::vector<uint8_t>& out, Timestamp base_t, SeriesRef ref, Timestamp t,
                             const Histogram& h) {
  put_uvarint(out, ref);
  put_varint(out, wrapping_sub(t, base_t));
  encode_histogram(out, h);
}

void encode_histogram_sample(std::vector<uint8_t>& out, Timestamp base_t, SeriesRef ref, Timestamp t,
                             const FloatHistogram& h) {
  put_uvarint(out, ref);
  put_varint(out, wrapping_sub(t, base_t));
  encode_histogram(out, h);
}

}  // namespace cogwatch::tsdb::internal
