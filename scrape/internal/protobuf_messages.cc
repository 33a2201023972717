#include "scrape/internal/protobuf_messages.h"

#include <string>

#include "scrape/internal/proto_wire.h"

namespace cogwatch::scrape::internal {
namespace {

Status parse_error(std::string_view where, std::string_view what) {
  return make_error(ErrorCode::kParse, std::string(where) + ": " + std::string(what));
}

Status wrong_type(std::string_view field, WireType t) {
  return parse_error(field, "wrong wire type " + std::to_string(static_cast<int>(t)));
}

// Field readers: the value of a field of the type the schema gives it, or
// an error naming the field ("Histogram.schema").
Status as_double(const WireField& f, std::string_view field, double& out) {
  if (f.type != WireType::kFixed64) return wrong_type(field, f.type);
  out = fixed64_to_double(f.varint);
  return {};
}
Status as_varint(const WireField& f, std::string_view field, uint64_t& out) {
  if (f.type != WireType::kVarint) return wrong_type(field, f.type);
  out = f.varint;
  return {};
}
Status as_bytes(const WireField& f, std::string_view field, std::string_view& out) {
  if (f.type != WireType::kLen) return wrong_type(field, f.type);
  out = f.bytes;
  return {};
}

// Repeated numbers, one per field or packed in one length-delimited field.
Status append_doubles(const WireField& f, std::string_view field, std::vector<double>& out) {
  if (f.type == WireType::kFixed64) {
    out.push_back(fixed64_to_double(f.varint));
    return {};
  }
  if (f.type != WireType::kLen) return wrong_type(field, f.type);
  if (f.bytes.size() % 8 != 0) return parse_error(field, "packed doubles of " + std::to_string(f.bytes.size()) + " bytes");
  for (size_t i = 0; i < f.bytes.size(); i += 8) {
    uint64_t bits = 0;
    for (size_t b = 0; b < 8; ++b) bits |= static_cast<uint64_t>(static_cast<uint8_t>(f.bytes[i + b])) << (8 * b);
    out.push_back(fixed64_to_double(bits));
  }
  return {};
}
Status append_sint64s(const WireField& f, std::string_view field, std::vector<int64_t>& out) {
  if (f.type == WireType::kVarint) {
    out.push_back(zigzag64(f.varint));
    return {};
  }
  if (f.type != WireType::kLen) return wrong_type(field, f.type);
  size_t pos = 0;
  while (pos < f.bytes.size()) {
    uint64_t v;
    if (!read_varint(f.bytes, pos, v)) return parse_error(field, "truncated varint");
    out.push_back(zigzag64(v));
  }
  return {};
}

Status finish(const WireReader& r, std::string_view message) {
  return r.ok() ? Status() : parse_error(message, r.error());
}

Status read_span(std::string_view message, HistogramSpan& out) {
  WireReader r(message);
  WireField f;
  uint64_t v = 0;
  while (r.next(f)) {
    if (f.number == 1) {
      if (Status s = as_varint(f, "BucketSpan.offset", v); !s) return s;
      out.offset = zigzag32(v);
    } else if (f.number == 2) {
      if (Status s = as_varint(f, "BucketSpan.length", v); !s) return s;
      out.length = static_cast<uint32_t>(v);
    }
  }
  return finish(r, "BucketSpan");
}

Status read_bucket(std::string_view message, ClassicBucket& out) {
  WireReader r(message);
  WireField f;
  std::string_view skipped;
  while (r.next(f)) {
    Status s;
    switch (f.number) {
      case 1: s = as_varint(f, "Bucket.cumulative_count", out.cumulative_count); break;
      case 2: s = as_double(f, "Bucket.upper_bound", out.upper_bound); break;
      case 3: s = as_bytes(f, "Bucket.exemplar", skipped); break;
      case 4: s = as_double(f, "Bucket.cumulative_count_float", out.cumulative_count_float); break;
      default: break;
    }
    if (!s) return s;
  }
  return finish(r, "Bucket");
}

Status read_quantile(std::string_view message, Quantile& out) {
  WireReader r(message);
  WireField f;
  while (r.next(f)) {
    Status s;
    if (f.number == 1) s = as_double(f, "Quantile.quantile", out.quantile);
    if (f.number == 2) s = as_double(f, "Quantile.value", out.value);
    if (!s) return s;
  }
  return finish(r, "Quantile");
}

// Reads into out without resetting it: a second Histogram field merges
// into the first, as protobuf merges singular message fields.
Status read_histogram(std::string_view message, HistogramMessage& out) {
  WireReader r(message);
  WireField f;
  std::string_view bytes;
  uint64_t v = 0;
  while (r.next(f)) {
    Status s;
    switch (f.number) {
      case 1: s = as_varint(f, "Histogram.sample_count", out.sample_count); break;
      case 2: s = as_double(f, "Histogram.sample_sum", out.sample_sum); break;
      case 3:
        if (s = as_bytes(f, "Histogram.bucket", bytes); s) s = read_bucket(bytes, out.buckets.emplace_back());
        break;
      case 4: s = as_double(f, "Histogram.sample_count_float", out.sample_count_float); break;
      case 5:
        if (s = as_varint(f, "Histogram.schema", v); s) out.schema = zigzag32(v);
        break;
      case 6: s = as_double(f, "Histogram.zero_threshold", out.zero_threshold); break;
      case 7: s = as_varint(f, "Histogram.zero_count", out.zero_count); break;
      case 8: s = as_double(f, "Histogram.zero_count_float", out.zero_count_float); break;
      case 9:
        if (s = as_bytes(f, "Histogram.negative_span", bytes); s) s = read_span(bytes, out.negative_spans.emplace_back());
        break;
      case 10: s = append_sint64s(f, "Histogram.negative_delta", out.negative_deltas); break;
      case 11: s = append_doubles(f, "Histogram.negative_count", out.negative_counts); break;
      case 12:
        if (s = as_bytes(f, "Histogram.positive_span", bytes); s) s = read_span(bytes, out.positive_spans.emplace_back());
        break;
      case 13: s = append_sint64s(f, "Histogram.positive_delta", out.positive_deltas); break;
      case 14: s = append_doubles(f, "Histogram.positive_count", out.positive_counts); break;
      case 15: s = as_bytes(f, "Histogram.created_timestamp", bytes); break;
      case 16: s = as_bytes(f, "Histogram.exemplars", bytes); break;
      default: break;
    }
    if (!s) return s;
  }
  return finish(r, "Histogram");
}

// The one double field (number 1) of Gauge, Counter and Untyped, named by
// `value_field` ("Gauge.value"); Counter's exemplar (2) and created
// timestamp (3) are checked for their wire type only.
Status read_value(std::string_view message, const char* value_field, double& out) {
  WireReader r(message);
  WireField f;
  std::string_view skipped;
  const bool counter = std::string_view(value_field) == "Counter.value";
  while (r.next(f)) {
    Status s;
    if (f.number == 1) s = as_double(f, value_field, out);
    if (counter && (f.number == 2 || f.number == 3)) s = as_bytes(f, "Counter", skipped);
    if (!s) return s;
  }
  return finish(r, std::string_view(value_field).substr(0, std::string_view(value_field).find('.')));
}

Status read_summary(std::string_view message, MetricMessage& out) {
  WireReader r(message);
  WireField f;
  std::string_view bytes;
  while (r.next(f)) {
    Status s;
    switch (f.number) {
      case 1: s = as_varint(f, "Summary.sample_count", out.summary_count); break;
      case 2: s = as_double(f, "Summary.sample_sum", out.summary_sum); break;
      case 3:
        if (s = as_bytes(f, "Summary.quantile", bytes); s) s = read_quantile(bytes, out.quantiles.emplace_back());
        break;
      case 4: s = as_bytes(f, "Summary.created_timestamp", bytes); break;
      default: break;
    }
    if (!s) return s;
  }
  return finish(r, "Summary");
}

void reset(HistogramMessage& h) {
  h.sample_count = 0;
  h.sample_count_float = 0;
  h.sample_sum = 0;
  h.buckets.clear();
  h.schema = 0;
  h.zero_threshold = 0;
  h.zero_count = 0;
  h.zero_count_float = 0;
  h.negative_spans.clear();
  h.positive_spans.clear();
  h.negative_deltas.clear();
  h.positive_deltas.clear();
  h.negative_counts.clear();
  h.positive_counts.clear();
}

}  // namespace

Status read_family(std::string_view message, FamilyMessage& out) {
  out.name = out.help = out.unit = {};
  out.type = 0;
  out.metrics.clear();
  WireReader r(message);
  WireField f;
  uint64_t v = 0;
  while (r.next(f)) {
    Status s;
    switch (f.number) {
      case 1: s = as_bytes(f, "MetricFamily.name", out.name); break;
      case 2: s = as_bytes(f, "MetricFamily.help", out.help); break;
      case 3:
        if (s = as_varint(f, "MetricFamily.type", v); s) out.type = static_cast<int64_t>(static_cast<int32_t>(v));
        break;
      case 4:
        if (s = as_bytes(f, "MetricFamily.metric", out.metrics.emplace_back()); !s) out.metrics.pop_back();
        break;
      case 5: s = as_bytes(f, "MetricFamily.unit", out.unit); break;
      default: break;
    }
    if (!s) return s;
  }
  return finish(r, "MetricFamily");
}

Status read_metric(std::string_view message, MetricMessage& out) {
  out.labels.clear();
  out.gauge = out.counter = out.untyped = 0;
  out.summary_count = 0;
  out.summary_sum = 0;
  out.quantiles.clear();
  reset(out.histogram);
  out.timestamp_ms = 0;
  WireReader r(message);
  WireField f;
  std::string_view bytes;
  uint64_t v = 0;
  while (r.next(f)) {
    Status s;
    switch (f.number) {
      case 1:
        if (s = as_bytes(f, "Metric.label", bytes); s) out.labels.push_back(bytes);
        break;
      case 2:
        if (s = as_bytes(f, "Metric.gauge", bytes); s) s = read_value(bytes, "Gauge.value", out.gauge);
        break;
      case 3:
        if (s = as_bytes(f, "Metric.counter", bytes); s) s = read_value(bytes, "Counter.value", out.counter);
        break;
      case 4:
        if (s = as_bytes(f, "Metric.summary", bytes); s) s = read_summary(bytes, out);
        break;
      case 5:
        if (s = as_bytes(f, "Metric.untyped", bytes); s) s = read_value(bytes, "Untyped.value", out.untyped);
        break;
      case 6:
        if (s = as_varint(f, "Metric.timestamp_ms", v); s) out.timestamp_ms = static_cast<int64_t>(v);
        break;
      case 7:
        if (s = as_bytes(f, "Metric.histogram", bytes); s) s = read_histogram(bytes, out.histogram);
        break;
      default: break;
    }
    if (!s) return s;
  }
  return finish(r, "Metric");
}

Status read_label_pair(std::string_view message, std::string_view& name, std::string_view& value) {
  name = value = {};
  WireReader r(message);
  WireField f;
  while (r.next(f)) {
    Status s;
    if (f.number == 1) s = as_bytes(f, "LabelPair.name", name);
    if (f.number == 2) s = as_bytes(f, "LabelPair.value", value);
    if (!s) return s;
  }
  return finish(r, "LabelPair");
}

}  // namespace cogwatch::scrape::internal
