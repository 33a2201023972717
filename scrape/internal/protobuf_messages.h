// The messages of the protobuf exposition format (scrape/proto/
// metrics.proto) as ProtobufParser reads them: decoded in place from the
// wire, strings and nested messages as views into the body, repeated
// fields into vectors a parser reuses from one metric to the next.
//
// Decoding follows protobuf's rules as Go's decoders apply them: fields in
// any order, unknown fields skipped, the last value of a singular field
// wins, a singular message field given twice is merged, repeated numbers
// packed or not. A known field with the wrong wire type is an error, as in
// Prometheus's decoder. Exemplars and start (created) timestamps are
// skipped without being decoded.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"

namespace cogwatch::scrape::internal {

// MetricFamily.type.
enum class ProtoMetricType : int64_t {
  kCounter = 0,
  kGauge = 1,
  kSummary = 2,
  kUntyped = 3,
  kHistogram = 4,
  kGaugeHistogram = 5,
};

struct FamilyMessage {
  std::string_view name, help, unit;
  int64_t type = 0;                        // a ProtoMetricType, or anything the target sent
  std::vector<std::string_view> metrics;   // Metric messages, still encoded
};

struct ClassicBucket {
  uint64_t cumulative_count = 0;
  double cumulative_count_float = 0;  // overrides cumulative_count when not 0
  double upper_bound = 0;
};

struct HistogramMessage {
  uint64_t sample_count = 0;
  double sample_count_float = 0;  // overrides sample_count when not 0
  double sample_sum = 0;
  std::vector<ClassicBucket> buckets;
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  double zero_count_float = 0;
  HistogramSpans negative_spans, positive_spans;
  std::vector<int64_t> negative_deltas, positive_deltas;
  std::vector<double> negative_counts, positive_counts;

  // Prometheus's isNativeHistogram: a span on either side, a zero
  // threshold above 0 or an integer zero count above 0.
  bool is_native() const {
    return !positive_spans.empty() || !negative_spans.empty() || zero_threshold > 0 || zero_count > 0;
  }
  // A float histogram: sample_count_float or zero_count_float above 0.
  bool has_float_counts() const { return sample_count_float > 0 || zero_count_float > 0; }
  // The classic _count: sample_count_float unless it is 0.
  double classic_count() const {
    return sample_count_float != 0 ? sample_count_float : static_cast<double>(sample_count);
  }
};

struct Quantile {
  double quantile = 0, value = 0;
};

struct MetricMessage {
  std::vector<std::string_view> labels;  // LabelPair messages, still encoded
  double gauge = 0, counter = 0, untyped = 0;
  uint64_t summary_count = 0;
  double summary_sum = 0;
  std::vector<Quantile> quantiles;
  HistogramMessage histogram;
  int64_t timestamp_ms = 0;
};

// Each reads `message` into out, which is reset first (its vectors keep
// their capacity). Errors: kParse, what is wrong and where
// ("Histogram.positive_span: truncated varint").
Status read_family(std::string_view message, FamilyMessage& out);
Status read_metric(std::string_view message, MetricMessage& out);
Status read_label_pair(std::string_view message, std::string_view& name, std::string_view& value);

}  // namespace cogwatch::scrape::internal
