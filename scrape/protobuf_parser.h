// Parsing the protobuf exposition format: the body a target sends for
// `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
// encoding=delimited`, a stream of MetricFamily messages
// (scrape/proto/metrics.proto), each after its length as a varint.
//
// It yields what Prometheus's ProtobufParser yields, one sample at a time:
//   counter, gauge, untyped   one float sample, named as the family;
//   summary                   name_count, name_sum, then name{quantile="q"};
//   histogram, gaugehistogram one native histogram sample named as the
//                             family (integer, or float when the message
//                             has float counts; compacted; a gauge
//                             histogram's hint says gauge) when it is a
//                             native histogram and native histograms are
//                             read; otherwise, or in addition when asked,
//                             the classic series name_count, name_sum and
//                             name_bucket{le="b"} for each classic bucket,
//                             then le="+Inf" (the count) if the last bucket
//                             was not +Inf.
// A histogram is native when it has a span on either side, a zero
// threshold above 0 or an integer zero count above 0 (Prometheus's
// isNativeHistogram: a native histogram without observations must send a
// no-op span). quantile and le values are written as OpenMetrics floats
// ("0.5", "1.0", "+Inf"). A timestamp_ms of 0 means no timestamp, as in
// Prometheus. Families without metrics are skipped, metadata included.
// Exemplars and start (created) timestamps are read past and ignored.
//
// Validation, as Prometheus's decoder: the wire format itself; family names
// and help texts valid UTF-8 (a name not empty); a known metric type; label
// names not empty and label names and values valid UTF-8; a native
// histogram's spans asking for as many buckets as it has. Duplicate label
// names (a label called `le` on a bucket too) fail in labels(), as in the
// text parsers. Errors name the family, 1-based, and where its message
// starts: `metric family 3 "http_requests_total" at byte 210: invalid label
// value "\xff" for label "path"`.
//
// Metadata: each family's HELP (verbatim: the protobuf format has no
// escapes), UNIT when not empty, and TYPE go to the MetadataSink before its
// first sample, as Prometheus's scrape cache takes them.
//
//   ProtobufParser p(body, {.native_histograms = true});
//   while (p.next()) {
//     switch (p.kind()) {
//       case SampleKind::kFloat: use(p.series(), p.value()); break;
//       case SampleKind::kHistogram: use(p.series(), p.histogram()); break;
//       case SampleKind::kFloatHistogram: use(p.series(), p.float_histogram()); break;
//     }
//   }
//   if (!p.status()) fail(p.status().error());
//
// series() is a byte string unique to the series (its name and the label
// pairs as the target encoded them), the key of the scrape cache, as
// Prometheus keys its cache; labels() builds the labels only for series
// the cache has not seen. Every key starts with 0xff, a byte no text
// series starts with, so one cache serves a target whatever format it
// answers in.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"
#include "scrape/exposition.h"
#include "scrape/internal/protobuf_messages.h"

namespace cogwatch::scrape {

enum class SampleKind : uint8_t {
  kFloat,           // value()
  kHistogram,       // histogram(): integer counts
  kFloatHistogram,  // float_histogram(): float counts
};

struct ProtobufParserOptions {
  // scrape_native_histograms: read native histograms. When false, every
  // histogram reads as classic (a native-only one as _count, _sum and
  // le="+Inf"), as Prometheus's IgnoreNativeHistograms.
  bool native_histograms = false;
  // always_scrape_classic_histograms: a native histogram that also has
  // classic buckets yields its classic series too, after the native sample.
  bool classic_histograms_too = false;
};

class ProtobufParser {
 public:
  // `body` and `metadata` (when given; it receives each family's
  // metadata) must outlive the parser: samples and keys are views into it.
  explicit ProtobufParser(std::string_view body, ProtobufParserOptions options = {},
                          MetadataSink* metadata = nullptr);

  // Moves to the next sample; false at the end or at the first error.
  // With `lookup`, a series whose key lookup->known() is not validated
  // again (series_known() then says so); its value always is.
  bool next(SeriesLookup* lookup = nullptr);
  bool series_known() const { return series_known_; }
  std::string_view series() const { return key_; }
  SampleKind kind() const { return kind_; }
  double value() const { return value_; }  // kFloat
  // The current native histogram (kHistogram / kFloatHistogram), which the
  // caller may change (the scrape loop lowers its resolution); next()
  // overwrites it.
  Histogram& histogram() { return histogram_; }
  FloatHistogram& float_histogram() { return float_histogram_; }
  std::optional<Timestamp> timestamp() const { return timestamp_; }
  // The current series' labels, with __name__ (and le or quantile).
  // Errors: kParse, a label name given twice (`... duplicate label name
  // "le"`).
  Result<Labels> labels() const;
  // Ok, or the error that stopped next().
  const Status& status() const { return status_; }

 private:
  // What the current metric yields, in order.
  enum class Part : uint8_t { kValue, kNative, kCount, kSum, kQuantile, kBucket, kInfBucket };
  struct Step {
    Part part;
    uint32_t index;  // of the quantile or bucket
  };

  bool fail(std::string what);
  // Moves to the next metric, opening the next family with metrics when
  // the current one is done; false at the end or at an error.
  bool next_metric();
  // Checks the family's name, help and type, and passes its metadata.
  bool open_family();
  // The steps of metric_, by the family's type and the options.
  void plan_steps();
  // Makes steps_[step_] the current sample; false at an error.
  bool emit(SeriesLookup* lookup);
  std::string_view suffix(Part part) const;
  bool validate_labels();
  bool read_native_histogram();

  std::string_view body_;
  const ProtobufParserOptions options_;
  MetadataSink* metadata_;
  size_t pos_ = 0;  // where the next family's length prefix starts

  // The current family and metric, and what the metric yields.
  uint32_t family_number_ = 0;
  size_t family_offset_ = 0;
  internal::FamilyMessage family_;
  size_t next_metric_ = 0;
  internal::MetricMessage metric_;
  std::vector<Step> steps_;
  size_t step_ = 0;
  bool labels_valid_ = false;  // metric_'s labels passed validate_labels()

  // The current sample.
  std::string key_;
  bool series_known_ = false;
  SampleKind kind_ = SampleKind::kFloat;
  double value_ = 0;
  Histogram histogram_;
  FloatHistogram float_histogram_;
  std::optional<Timestamp> timestamp_;
  Status status_;
};

// Prometheus's labels.FormatOpenMetricsFloat, how le and quantile values
// read: "1.0", "0.25", "1e+06", "+Inf", "NaN".
std::string format_openmetrics_float(double v);

}  // namespace cogwatch::scrape
