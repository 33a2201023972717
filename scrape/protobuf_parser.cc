#include "scrape/protobuf_parser.h"

#include <bit>
#include <cmath>
#include <limits>

#include "model/utf8.h"
#include "model/value.h"
#include "scrape/internal/native_histogram.h"
#include "scrape/internal/proto_wire.h"

namespace cogwatch::scrape {
namespace {

using internal::ProtoMetricType;

// A delimited message's length prefix is at most 5 bytes (a uint32), as
// Prometheus's decoder reads it.
constexpr size_t kMaxLengthPrefix = 5;

std::optional<MetricType> metadata_type(int64_t type) {
  switch (static_cast<ProtoMetricType>(type)) {
    case ProtoMetricType::kCounter: return MetricType::kCounter;
    case ProtoMetricType::kGauge: return MetricType::kGauge;
    case ProtoMetricType::kSummary: return MetricType::kSummary;
    case ProtoMetricType::kUntyped: return MetricType::kUnknown;
    case ProtoMetricType::kHistogram: return MetricType::kHistogram;
    case ProtoMetricType::kGaugeHistogram: return MetricType::kGaugeHistogram;
  }
  return std::nullopt;
}

void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void append_double_bits(std::string& out, double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out += static_cast<char>(bits >> (8 * i));
}

uint64_t span_buckets(const HistogramSpans& spans) {
  uint64_t n = 0;
  for (const HistogramSpan& s : spans) n += s.length;
  return n;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

std::string format_openmetrics_float(double v) {
  std::string s = format_float(v);
  if (std::isfinite(v) && s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

ProtobufParser::ProtobufParser(std::string_view body, ProtobufParserOptions options, MetadataSink* metadata)
    : body_(body), options_(options), metadata_(metadata) {}

bool ProtobufParser::fail(std::string what) {
  std::string where = "metric family " + std::to_string(family_number_);
  if (!family_.name.empty()) where += " " + quoted(family_.name);
  status_ = make_error(ErrorCode::kParse, where + " at byte " + std::to_string(family_offset_) + ": " + what);
  pos_ = body_.size();
  family_.metrics.clear();
  steps_.clear();
  step_ = 0;
  return false;
}

bool ProtobufParser::next(SeriesLookup* lookup) {
  if (!status_) return false;
  if (step_ + 1 < steps_.size()) {
    ++step_;
  } else if (!next_metric()) {
    return false;
  }
  return emit(lookup);
}

bool ProtobufParser::next_metric() {
  bool opened = next_metric_ > 0;  // the family's first metric was read and checked
  while (next_metric_ >= family_.metrics.size()) {
    steps_.clear();
    step_ = 0;
    if (pos_ >= body_.size()) return false;
    ++family_number_;
    family_offset_ = pos_;
    family_.name = {};
    uint64_t length;
    size_t start = pos_;
    if (!internal::read_varint(body_, start, length) || start - pos_ > kMaxLengthPrefix) {
      return fail("invalid length prefix");
    }
    if (length > body_.size() - start) {
      return fail("a message of " + std::to_string(length) + " bytes, but the body has " +
                  std::to_string(body_.size() - start) + " bytes left");
    }
    pos_ = start + static_cast<size_t>(length);
    if (Status s = internal::read_family(body_.substr(start, static_cast<size_t>(length)), family_); !s) {
      return fail(s.error().message);
    }
    next_metric_ = 0;
    opened = false;  // an empty family is skipped, metadata included
  }
  if (Status s = internal::read_metric(family_.metrics[next_metric_++], metric_); !s) return fail(s.error().message);
  if (!opened && !open_family()) return false;
  labels_valid_ = false;
  plan_steps();
  return true;
}

bool ProtobufParser::open_family() {
  const std::string_view name = family_.name;
  if (name.empty() || !is_valid_utf8(name)) return fail("invalid metric name " + quoted(name));
  if (!is_valid_utf8(family_.help)) return fail("invalid help text " + quoted(family_.help));
  const std::optional<MetricType> type = metadata_type(family_.type);
  if (!type) return fail("unknown metric type " + std::to_string(family_.type));
  if (metadata_ != nullptr) {
    metadata_->on_help(name, family_.help);
    if (!family_.unit.empty()) metadata_->on_unit(name, family_.unit);
    metadata_->on_type(name, *type);
  }
  return true;
}

void ProtobufParser::plan_steps() {
  steps_.clear();
  step_ = 0;
  switch (static_cast<ProtoMetricType>(family_.type)) {
    case ProtoMetricType::kCounter:
    case ProtoMetricType::kGauge:
    case ProtoMetricType::kUntyped:
      steps_.push_back({Part::kValue, 0});
      return;
    case ProtoMetricType::kSummary:
      steps_.push_back({Part::kCount, 0});
      steps_.push_back({Part::kSum, 0});
      for (uint32_t i = 0; i < metric_.quantiles.size(); ++i) steps_.push_back({Part::kQuantile, i});
      return;
    case ProtoMetricType::kHistogram:
    case ProtoMetricType::kGaugeHistogram: break;
  }
  const internal::HistogramMessage& h = metric_.histogram;
  const bool native = options_.native_histograms && h.is_native();
  if (native) steps_.push_back({Part::kNative, 0});
  if (native && !(options_.classic_histograms_too && !h.buckets.empty())) return;
  steps_.push_back({Part::kCount, 0});
  steps_.push_back({Part::kSum, 0});
  // Buckets up to the first +Inf one; without one, +Inf is the count.
  for (uint32_t i = 0; i < h.buckets.size(); ++i) {
    steps_.push_back({Part::kBucket, i});
    if (h.buckets[i].upper_bound == std::numeric_limits<double>::infinity()) return;
  }
  steps_.push_back({Part::kInfBucket, 0});
}

std::string_view ProtobufParser::suffix(Part part) const {
  switch (part) {
    case Part::kCount: return "_count";
    case Part::kSum: return "_sum";
    case Part::kBucket:
    case Part::kInfBucket: return "_bucket";
    case Part::kValue:
    case Part::kNative:
    case Part::kQuantile: return "";
  }
  return "";
}

bool ProtobufParser::emit(SeriesLookup* lookup) {
  const Step step = steps_[step_];
  const internal::HistogramMessage& h = metric_.histogram;
  const bool summary = family_.type == static_cast<int64_t>(ProtoMetricType::kSummary);
  kind_ = SampleKind::kFloat;
  double magic = 0;  // the le or quantile value
  switch (step.part) {
    case Part::kValue:
      switch (static_cast<ProtoMetricType>(family_.type)) {
        case ProtoMetricType::kCounter: value_ = metric_.counter; break;
        case ProtoMetricType::kGauge: value_ = metric_.gauge; break;
        default: value_ = metric_.untyped; break;
      }
      break;
    case Part::kNative:
      if (!read_native_histogram()) return false;
      break;
    case Part::kCount: value_ = summary ? static_cast<double>(metric_.summary_count) : h.classic_count(); break;
    case Part::kSum: value_ = summary ? metric_.summary_sum : h.sample_sum; break;
    case Part::kQuantile:
      magic = metric_.quantiles[step.index].quantile;
      value_ = metric_.quantiles[step.index].value;
      break;
    case Part::kBucket: {
      const internal::ClassicBucket& b = h.buckets[step.index];
      magic = b.upper_bound;
      value_ = b.cumulative_count_float != 0 ? b.cumulative_count_float : static_cast<double>(b.cumulative_count);
      break;
    }
    case Part::kInfBucket:
      magic = std::numeric_limits<double>::infinity();
      value_ = h.classic_count();
      break;
  }
  if (metric_.timestamp_ms != 0) {
    timestamp_ = metric_.timestamp_ms;
  } else {
    timestamp_.reset();
  }

  // The key: 0xff, the name (valid UTF-8 has no 0xff byte), 0xff, the
  // number of label pairs and each as encoded (length first), then the le
  // or quantile value's bits. Equal keys mean equal labels.
  key_.clear();
  key_ += '\xff';
  key_ += family_.name;
  key_ += suffix(step.part);
  key_ += '\xff';
  append_varint(key_, metric_.labels.size());
  for (std::string_view label : metric_.labels) {
    append_varint(key_, label.size());
    key_ += label;
  }
  if (step.part == Part::kQuantile || step.part == Part::kBucket || step.part == Part::kInfBucket) {
    key_ += step.part == Part::kQuantile ? 'q' : 'l';
    append_double_bits(key_, magic);
  }
  series_known_ = lookup != nullptr && lookup->known(key_);
  if (!series_known_ && !labels_valid_) return validate_labels();
  return true;
}

bool ProtobufParser::validate_labels() {
  for (std::string_view message : metric_.labels) {
    std::string_view name, value;
    if (Status s = internal::read_label_pair(message, name, value); !s) return fail(s.error().message);
    if (name.empty() || !is_valid_utf8(name)) return fail("invalid label name " + quoted(name));
    if (!is_valid_utf8(value)) return fail("invalid label value " + quoted(value) + " for label " + quoted(name));
  }
  labels_valid_ = true;
  return true;
}

bool ProtobufParser::read_native_histogram() {
  const internal::HistogramMessage& m = metric_.histogram;
  const bool is_float = m.has_float_counts();
  const uint64_t positive = is_float ? m.positive_counts.size() : m.positive_deltas.size();
  const uint64_t negative = is_float ? m.negative_counts.size() : m.negative_deltas.size();
  for (auto [side, spans, have] : {std::tuple{"positive", &m.positive_spans, positive},
                                   std::tuple{"negative", &m.negative_spans, negative}}) {
    if (const uint64_t need = span_buckets(*spans); need != have) {
      return fail(std::string("native histogram: ") + side + " side: spans require " + std::to_string(need) +
                  " buckets, have " + std::to_string(have));
    }
  }
  const CounterResetHint hint = family_.type == static_cast<int64_t>(ProtoMetricType::kGaugeHistogram)
                                    ? CounterResetHint::kGauge
                                    : CounterResetHint::kUnknown;
  if (is_float) {
    FloatHistogram& h = float_histogram_;
    h.counter_reset_hint = hint;
    h.schema = m.schema;
    h.zero_threshold = m.zero_threshold;
    h.zero_count = m.zero_count_float;
    h.count = m.sample_count_float;
    h.sum = m.sample_sum;
    h.positive_spans = m.positive_spans;
    h.negative_spans = m.negative_spans;
    h.positive_buckets = m.positive_counts;
    h.negative_buckets = m.negative_counts;
    h.custom_values.clear();
    internal::compact_buckets(h);
    kind_ = SampleKind::kFloatHistogram;
  } else {
    Histogram& h = histogram_;
    h.counter_reset_hint = hint;
    h.schema = m.schema;
    h.zero_threshold = m.zero_threshold;
    h.zero_count = m.zero_count;
    h.count = m.sample_count;
    h.sum = m.sample_sum;
    h.positive_spans = m.positive_spans;
    h.negative_spans = m.negative_spans;
    h.positive_buckets = m.positive_deltas;
    h.negative_buckets = m.negative_deltas;
    h.custom_values.clear();
    internal::compact_buckets(h);
    kind_ = SampleKind::kHistogram;
  }
  return true;
}

Result<Labels> ProtobufParser::labels() const {
  auto error = [this](std::string what) -> Error {
    return make_error(ErrorCode::kParse, "metric family " + std::to_string(family_number_) + " " +
                                             quoted(family_.name) + " at byte " + std::to_string(family_offset_) +
                                             ": " + what);
  };
  if (steps_.empty()) return error("no current sample");
  const Step step = steps_[step_];
  LabelsBuilder b;
  b.set(kMetricNameLabel, std::string(family_.name) + std::string(suffix(step.part)));
  for (std::string_view message : metric_.labels) {
    std::string_view name, value;
    if (Status s = internal::read_label_pair(message, name, value); !s) return error(s.error().message);
    if (!b.get(name).empty()) return error("duplicate label name " + quoted(name));
    b.set(name, value);
  }
  const char* magic = step.part == Part::kQuantile ? "quantile"
                      : step.part == Part::kBucket || step.part == Part::kInfBucket ? "le"
                                                                                      : nullptr;
  if (magic != nullptr) {
    if (!b.get(magic).empty()) return error("duplicate label name " + quoted(magic));
    const double v = step.part == Part::kQuantile ? metric_.quantiles[step.index].quantile
                     : step.part == Part::kBucket ? metric_.histogram.buckets[step.index].upper_bound
                                                  : std::numeric_limits<double>::infinity();
    b.set(magic, format_openmetrics_float(v));
  }
  return b.build();
}

}  // namespace cogwatch::scrape
