#include "remote/write_request.h"

#include <snappy.h>

#include <type_traits>
#include <unordered_map>
#include <variant>

#include "model/utf8.h"
#include "remote/proto/remote_write_v1.pb.h"
#include "remote/proto/remote_write_v2.pb.h"

namespace cogwatch::remote {
namespace {

constexpr std::string_view kProtobuf = "application/x-protobuf";
constexpr std::string_view kV1Message = "prometheus.WriteRequest";
constexpr std::string_view kV2Message = "io.prometheus.write.v2.Request";

Error bad(const std::string& what) { return make_error(ErrorCode::kInvalidArgument, what); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string compress(const google::protobuf::MessageLite& m) {
  const std::string raw = m.SerializeAsString();
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

Result<std::string> decompress(std::string_view body, size_t limit) {
  size_t size = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &size)) return bad("snappy: corrupt input");
  if (size > limit) {
    return bad("snappy: decoded size " + std::to_string(size) + " exceeds the limit " + std::to_string(limit));
  }
  std::string raw;
  if (!snappy::Uncompress(body.data(), body.size(), &raw)) return bad("snappy: corrupt input");
  return raw;
}

// Labels as a receiver accepts them: at least one, names not empty and
// not repeated, names and values UTF-8.
Result<Labels> checked_labels(const std::vector<std::pair<std::string_view, std::string_view>>& pairs, size_t i) {
  const std::string where = "series " + std::to_string(i) + ": ";
  if (pairs.empty()) return bad(where + "no labels");
  LabelsBuilder b;
  for (const auto& [name, value] : pairs) {
    if (name.empty()) return bad(where + "empty label name");
    if (!is_valid_utf8(name) || !is_valid_utf8(value)) return bad(where + "label is not valid UTF-8");
    b.set(name, value);
  }
  Labels labels = b.build();
  if (labels.size() != pairs.size()) return bad(where + "repeated label name");
  return labels;
}

MetricType metric_type(io::prometheus::write::v2::Metadata::MetricType t) {
  using M = io::prometheus::write::v2::Metadata;
  switch (t) {
    case M::METRIC_TYPE_COUNTER: return MetricType::kCounter;
    case M::METRIC_TYPE_GAUGE: return MetricType::kGauge;
    case M::METRIC_TYPE_HISTOGRAM: return MetricType::kHistogram;
    case M::METRIC_TYPE_GAUGEHISTOGRAM: return MetricType::kGaugeHistogram;
    case M::METRIC_TYPE_SUMMARY: return MetricType::kSummary;
    case M::METRIC_TYPE_INFO: return MetricType::kInfo;
    case M::METRIC_TYPE_STATESET: return MetricType::kStateset;
    default: return MetricType::kUnknown;
  }
}

io::prometheus::write::v2::Metadata::MetricType proto_type(MetricType t) {
  using M = io::prometheus::write::v2::Metadata;
  switch (t) {
    case MetricType::kCounter: return M::METRIC_TYPE_COUNTER;
    case MetricType::kGauge: return M::METRIC_TYPE_GAUGE;
    case MetricType::kHistogram: return M::METRIC_TYPE_HISTOGRAM;
    case MetricType::kGaugeHistogram: return M::METRIC_TYPE_GAUGEHISTOGRAM;
    case MetricType::kSummary: return M::METRIC_TYPE_SUMMARY;
    case MetricType::kInfo: return M::METRIC_TYPE_INFO;
    case MetricType::kStateset: return M::METRIC_TYPE_STATESET;
    case MetricType::kUnknown: break;
  }
  return M::METRIC_TYPE_UNSPECIFIED;
}

// Histograms: v1's prometheus.Histogram and v2's Histogram have the same
// fields and accessors, so one template writes and reads both.

template <typename P>
void put_histogram(P& p, const WriteHistogram& w) {
  p.set_timestamp(w.t);
  std::visit(
      [&p](const auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, Histogram>) {
          p.set_count_int(h.count);
          p.set_zero_count_int(h.zero_count);
          for (int64_t d : h.positive_buckets) p.add_positive_deltas(d);
          for (int64_t d : h.negative_buckets) p.add_negative_deltas(d);
        } else {
          p.set_count_float(h.count);
          p.set_zero_count_float(h.zero_count);
          for (double c : h.positive_buckets) p.add_positive_counts(c);
          for (double c : h.negative_buckets) p.add_negative_counts(c);
        }
        p.set_sum(h.sum);
        p.set_schema(h.schema);
        p.set_zero_threshold(h.zero_threshold);
        for (const HistogramSpan& span : h.positive_spans) {
          auto* ps = p.add_positive_spans();
          ps->set_offset(span.offset);
          ps->set_length(span.length);
        }
        for (const HistogramSpan& span : h.negative_spans) {
          auto* ps = p.add_negative_spans();
          ps->set_offset(span.offset);
          ps->set_length(span.length);
        }
        // The enums number the hints as Prometheus does.
        p.set_reset_hint(static_cast<typename P::ResetHint>(h.counter_reset_hint));
        for (double v : h.custom_values) p.add_custom_values(v);
      },
      w.h);
}

template <typename Spans>
HistogramSpans read_spans(const Spans& spans) {
  HistogramSpans out;
  out.reserve(static_cast<size_t>(spans.size()));
  for (const auto& s : spans) out.push_back({s.offset(), s.length()});
  return out;
}

// As Prometheus's ToIntHistogram / ToFloatHistogram: the count's oneof
// member says which kind it is (an integer one when neither is set).
template <typename P>
WriteHistogram read_histogram(const P& p) {
  const int hint = static_cast<int>(p.reset_hint());  // proto3 enums are open
  const auto reset = hint >= 0 && hint <= static_cast<int>(CounterResetHint::kGauge) ? static_cast<CounterResetHint>(hint)
                                                                                     : CounterResetHint::kUnknown;
  auto common = [&](auto& h) {
    h.counter_reset_hint = reset;
    h.schema = p.schema();
    h.zero_threshold = p.zero_threshold();
    h.sum = p.sum();
    h.positive_spans = read_spans(p.positive_spans());
    h.negative_spans = read_spans(p.negative_spans());
    h.custom_values.assign(p.custom_values().begin(), p.custom_values().end());
  };
  if (p.count_case() == P::kCountFloat) {
    FloatHistogram h;
    common(h);
    h.count = p.count_float();
    h.zero_count = p.zero_count_float();
    h.positive_buckets.assign(p.positive_counts().begin(), p.positive_counts().end());
    h.negative_buckets.assign(p.negative_counts().begin(), p.negative_counts().end());
    return {p.timestamp(), std::move(h)};
  }
  Histogram h;
  common(h);
  h.count = p.count_int();
  h.zero_count = p.zero_count_int();
  h.positive_buckets.assign(p.positive_deltas().begin(), p.positive_deltas().end());
  h.negative_buckets.assign(p.negative_deltas().begin(), p.negative_deltas().end());
  return {p.timestamp(), std::move(h)};
}

std::string encode_v1(const std::vector<WriteSeries>& series) {
  prometheus::WriteRequest req;
  for (const WriteSeries& s : series) {
    prometheus::TimeSeries* ts = req.add_timeseries();
    for (const Label l : s.labels) {
      prometheus::Label* pl = ts->add_labels();
      pl->set_name(std::string(l.name));
      pl->set_value(std::string(l.value));
    }
    for (const WriteSample& x : s.samples) {
      prometheus::Sample* ps = ts->add_samples();
      ps->set_value(x.v);
      ps->set_timestamp(x.t);
    }
    for (const WriteHistogram& h : s.histograms) put_histogram(*ts->add_histograms(), h);
  }
  return compress(req);
}

std::string encode_v2(const std::vector<WriteSeries>& series) {
  io::prometheus::write::v2::Request req;
  std::unordered_map<std::string, uint32_t> refs;
  auto symbol = [&](std::string_view s) {
    auto [it, added] = refs.emplace(std::string(s), static_cast<uint32_t>(refs.size()));
    if (added) req.add_symbols(it->first);
    return it->second;
  };
  symbol("");  // the specification's first symbol
  for (const WriteSeries& s : series) {
    auto* ts = req.add_timeseries();
    for (const Label l : s.labels) {
      ts->add_labels_refs(symbol(l.name));
      ts->add_labels_refs(symbol(l.value));
    }
    for (const WriteSample& x : s.samples) {
      auto* ps = ts->add_samples();
      ps->set_value(x.v);
      ps->set_timestamp(x.t);
    }
    for (const WriteHistogram& h : s.histograms) put_histogram(*ts->add_histograms(), h);
    auto* md = ts->mutable_metadata();
    md->set_type(proto_type(s.type));
    md->set_help_ref(symbol(s.help));
    md->set_unit_ref(symbol(s.unit));
  }
  return compress(req);
}

Result<DecodedWrite> decode_v1(const std::string& raw) {
  prometheus::WriteRequest req;
  if (!req.ParseFromString(raw)) return bad("protobuf: cannot parse the body as prometheus.WriteRequest");
  DecodedWrite out;
  out.metadata.reserve(static_cast<size_t>(req.metadata_size()));
  for (const prometheus::MetricMetadata& m : req.metadata()) {
    const int t = static_cast<int>(m.type());  // proto3 enums are open: any int32 arrives
    const auto type = t >= 0 && t <= static_cast<int>(MetricType::kStateset) ? static_cast<MetricType>(t)
                                                                              : MetricType::kUnknown;
    out.metadata.push_back({m.metric_family_name(), type, m.help(), m.unit()});
  }
  out.series.reserve(static_cast<size_t>(req.timeseries_size()));
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (int i = 0; i < req.timeseries_size(); ++i) {
    const prometheus::TimeSeries& ts = req.timeseries(i);
    pairs.clear();
    for (const prometheus::Label& l : ts.labels()) pairs.emplace_back(l.name(), l.value());
    auto labels = checked_labels(pairs, static_cast<size_t>(i));
    if (!labels) return labels.error();
    WriteSeries s{.labels = *std::move(labels)};
    s.samples.reserve(static_cast<size_t>(ts.samples_size()));
    for (const prometheus::Sample& x : ts.samples()) s.samples.push_back({x.timestamp(), x.value()});
    s.histograms.reserve(static_cast<size_t>(ts.histograms_size()));
    for (const prometheus::Histogram& h : ts.histograms()) s.histograms.push_back(read_histogram(h));
    out.samples += s.samples.size();
    out.exemplars += static_cast<uint64_t>(ts.exemplars_size());
    out.histograms += s.histograms.size();
    out.series.push_back(std::move(s));
  }
  return out;
}

Result<DecodedWrite> decode_v2(const std::string& raw) {
  io::prometheus::write::v2::Request req;
  if (!req.ParseFromString(raw)) return bad("protobuf: cannot parse the body as io.prometheus.write.v2.Request");
  const auto& symbols = req.symbols();
  auto symbol = [&](uint32_t ref, size_t i, const char* what) -> Result<std::string_view> {
    if (ref >= static_cast<uint32_t>(symbols.size())) {
      return bad("series " + std::to_string(i) + ": " + what + " reference " + std::to_string(ref) +
                 " is outside the " + std::to_string(symbols.size()) + " symbols");
    }
    return std::string_view(symbols[static_cast<int>(ref)]);
  };
  DecodedWrite out;
  out.series.reserve(static_cast<size_t>(req.timeseries_size()));
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (int n = 0; n < req.timeseries_size(); ++n) {
    const size_t i = static_cast<size_t>(n);
    const auto& ts = req.timeseries(n);
    if (ts.labels_refs_size() % 2 != 0) return bad("series " + std::to_string(i) + ": odd number of label references");
    pairs.clear();
    for (int k = 0; k < ts.labels_refs_size(); k += 2) {
      auto name = symbol(ts.labels_refs(k), i, "label");
      if (!name) return name.error();
      auto value = symbol(ts.labels_refs(k + 1), i, "label");
      if (!value) return value.error();
      pairs.emplace_back(*name, *value);
    }
    auto labels = checked_labels(pairs, i);
    if (!labels) return labels.error();
    WriteSeries s{.labels = *std::move(labels), .type = metric_type(ts.metadata().type())};
    auto help = symbol(ts.metadata().help_ref(), i, "help");
    if (!help) return help.error();
    auto unit = symbol(ts.metadata().unit_ref(), i, "unit");
    if (!unit) return unit.error();
    s.help = std::string(*help);
    s.unit = std::string(*unit);
    s.samples.reserve(static_cast<size_t>(ts.samples_size()));
    for (const auto& x : ts.samples()) s.samples.push_back({x.timestamp(), x.value()});
    s.histograms.reserve(static_cast<size_t>(ts.histograms_size()));
    for (const auto& h : ts.histograms()) s.histograms.push_back(read_histogram(h));
    out.samples += s.samples.size();
    out.exemplars += static_cast<uint64_t>(ts.exemplars_size());
    out.histograms += s.histograms.size();
    out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::string encode_metadata_request(const std::vector<WriteMetadata>& metadata) {
  prometheus::WriteRequest req;
  for (const WriteMetadata& m : metadata) {
    prometheus::MetricMetadata* pm = req.add_metadata();
    // The 1.0 enum has the same members in the same order.
    pm->set_type(static_cast<prometheus::MetricMetadata::MetricType>(m.type));
    pm->set_metric_family_name(m.family);
    pm->set_help(m.help);
    pm->set_unit(m.unit);
  }
  return compress(req);
}

std::string_view content_type(WriteProtocol p) {
  return p == WriteProtocol::kV1 ? "application/x-protobuf"
                                 : "application/x-protobuf;proto=io.prometheus.write.v2.Request";
}

std::string_view protocol_version(WriteProtocol p) { return p == WriteProtocol::kV1 ? "0.1.0" : "2.0.0"; }

Result<WriteProtocol> protocol_of_content_type(std::string_view value) {
  const std::string_view whole = value;
  if (trim(value).empty()) return WriteProtocol::kV1;
  const size_t semi = value.find(';');
  const std::string_view media = trim(value.substr(0, semi));
  auto unsupported = [&] {
    return bad("unsupported Content-Type \"" + std::string(whole) + "\": expected " + std::string(kProtobuf) +
               " with proto=" + std::string(kV1Message) + " or proto=" + std::string(kV2Message));
  };
  if (media != kProtobuf) return unsupported();
  if (semi == std::string_view::npos) return WriteProtocol::kV1;
  std::string_view params = value.substr(semi + 1);
  std::string_view proto;
  while (!params.empty()) {
    const size_t next = params.find(';');
    const std::string_view param = trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    if (param.starts_with("proto=")) proto = param.substr(6);
  }
  if (proto.empty() || proto == kV1Message) return WriteProtocol::kV1;
  if (proto == kV2Message) return WriteProtocol::kV2;
  return unsupported();
}

std::string encode_write_request(const std::vector<WriteSeries>& series, WriteProtocol p) {
  return p == WriteProtocol::kV1 ? encode_v1(series) : encode_v2(series);
}

Result<DecodedWrite> decode_write_request(std::string_view body, WriteProtocol p, size_t max_decoded_bytes) {
  auto raw = decompress(body, max_decoded_bytes);
  if (!raw) return raw.error();
  return p == WriteProtocol::kV1 ? decode_v1(*raw) : decode_v2(*raw);
}

}  // namespace cogwatch::remote
