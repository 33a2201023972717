// Protobuf exposition bodies for tests: built from MetricFamily messages in
// protobuf's text format (as Prometheus's protobufparse_test.go writes
// them) with the classes protoc generates from scrape/proto/metrics.proto,
// or byte by byte for what no encoder writes; and the samples a
// ProtobufParser yields, one line each, for comparing with a table.
#pragma once

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <type_traits>
#include <string_view>
#include <vector>

#include "model/histogram.h"
#include "model/value.h"
#include "scrape/proto/metrics.pb.h"
#include "scrape/protobuf_parser.h"

namespace cogwatch::scrape::scrape_testing {

namespace dto = io::prometheus::client;

inline void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// One family, length first, as a target writes it.
inline std::string delimited(const dto::MetricFamily& family) {
  std::string message;
  EXPECT_TRUE(family.SerializeToString(&message));
  std::string out;
  append_varint(out, message.size());
  return out + message;
}

// Families in the text format ("name: \"x\" type: COUNTER metric: <...>").
inline dto::MetricFamily family_from_text(std::string_view text) {
  dto::MetricFamily family;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text), &family)) << text;
  return family;
}
inline std::string body_from_text(std::initializer_list<std::string_view> families) {
  std::string out;
  for (std::string_view f : families) out += delimited(family_from_text(f));
  return out;
}

// Hand encoding, for bodies no generated encoder writes (packed numbers,
// odd wire types, truncations).
inline std::string tag(uint32_t field, uint32_t wire_type) {
  std::string out;
  append_varint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
  return out;
}
inline std::string len_field(uint32_t field, std::string_view bytes) {
  std::string out = tag(field, 2);
  append_varint(out, bytes.size());
  return out + std::string(bytes);
}
inline std::string varint_field(uint32_t field, uint64_t v) {
  std::string out = tag(field, 0);
  append_varint(out, v);
  return out;
}
inline std::string double_field(uint32_t field, double v) {
  std::string out = tag(field, 1);
  const auto bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out += static_cast<char>(bits >> (8 * i));
  return out;
}
inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline std::string with_length(std::string_view message) {
  std::string out;
  append_varint(out, message.size());
  return out + std::string(message);
}

// Every field of a histogram, so that tables compare them all:
// "schema:3 count:175 sum:0.5 zero:0.001/2 +[-161:1 8:3](1 2 -1 -1) -[](-) hint:gauge".
inline std::string spans_text(const HistogramSpans& spans) {
  std::string out = "[";
  for (size_t i = 0; i < spans.size(); ++i) {
    out += (i > 0 ? " " : "") + std::to_string(spans[i].offset) + ":" + std::to_string(spans[i].length);
  }
  return out + "]";
}
template <typename T>
std::string buckets_text(const std::vector<T>& buckets) {
  std::string out = "(";
  for (size_t i = 0; i < buckets.size(); ++i) {
    out += i > 0 ? " " : "";
    if constexpr (std::is_same_v<T, double>) {
      out += format_float(buckets[i]);
    } else {
      out += std::to_string(buckets[i]);
    }
  }
  return out + ")";
}
inline std::string hint_text(CounterResetHint h) {
  switch (h) {
    case CounterResetHint::kUnknown: return "";
    case CounterResetHint::kCounterReset: return " hint:reset";
    case CounterResetHint::kNotCounterReset: return " hint:not_reset";
    case CounterResetHint::kGauge: return " hint:gauge";
  }
  return "";
}
template <typename H>
std::string histogram_text(const H& h) {
  auto count = [](auto v) {
    if constexpr (std::is_same_v<decltype(v), double>) {
      return format_float(v);
    } else {
      return std::to_string(v);
    }
  };
  return "schema:" + std::to_string(h.schema) + " count:" + count(h.count) + " sum:" + format_float(h.sum) +
         " zero:" + format_float(h.zero_threshold) + "/" + count(h.zero_count) + " +" + spans_text(h.positive_spans) +
         buckets_text(h.positive_buckets) + " -" + spans_text(h.negative_spans) + buckets_text(h.negative_buckets) +
         hint_text(h.counter_reset_hint);
}

// The parser's current sample: `{__name__="x", a="b"} 1 @1234` for a
// float, `... histogram{...}` or `... float_histogram{...}`.
inline std::string sample_text(ProtobufParser& p) {
  auto labels = p.labels();
  std::string out = labels ? labels->to_string() : "<" + labels.error().message + ">";
  switch (p.kind()) {
    case SampleKind::kFloat: out += " " + format_float(p.value()); break;
    case SampleKind::kHistogram: out += " histogram{" + histogram_text(p.histogram()) + "}"; break;
    case SampleKind::kFloatHistogram: out += " float_histogram{" + histogram_text(p.float_histogram()) + "}"; break;
  }
  if (p.timestamp()) out += " @" + std::to_string(*p.timestamp());
  return out;
}

// Every sample of a body, and the error that ended it ("" when none).
struct Parsed {
  std::vector<std::string> samples;
  std::string error;
};
inline Parsed parse_all(std::string_view body, ProtobufParserOptions options = {}, MetadataSink* metadata = nullptr) {
  Parsed out;
  ProtobufParser p(body, options, metadata);
  while (p.next()) out.samples.push_back(sample_text(p));
  if (!p.status()) out.error = p.status().error().message;
  return out;
}

}  // namespace cogwatch::scrape::scrape_testing
