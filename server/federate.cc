// QueryApi's /federate, as web/federate.go: the latest sample of each
// series matching match[] within the lookback delta (stale markers left
// out), sorted by metric name, external labels the series lacks added, in
// the format the Accept header asks for (expfmt.Negotiate, OpenMetrics not
// offered):
//   - the delimited protobuf MetricFamily stream, when asked for first:
//     floats as untyped, native histograms as histograms (gauge histograms
//     by their counter reset hint) with float counts, custom-bucket ones as
//     classic histograms;
//   - else the text format 0.0.4: floats, and custom-bucket histograms as
//     classic _bucket/_sum/_count lines; native histograms with exponential
//     buckets are left out, as Prometheus leaves them out (the text format
//     cannot carry them).
// Consecutive samples of one name and kind (float, histogram, gauge
// histogram) make one family; a change of kind starts another family of
// the same name, which Prometheus allows itself for federation.
#include <algorithm>
#include <optional>

#include "model/histogram.h"
#include "model/value.h"
#include "parser/parser.h"
#include "scrape/proto/metrics.pb.h"
#include "scrape/scrape_protocol.h"
#include "server/internal/api_common.h"
#include "server/query_api.h"

namespace cogwatch::server {
namespace {

namespace dto = io::prometheus::client;

constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";
constexpr std::string_view kProtobufContentType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; "
    "escaping=underscores";

net::HttpResponse plain_error(int status, std::string message) {
  net::HttpResponse r{.status = status, .body = std::move(message) + "\n"};
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}


struct Latest {
  Labels labels;
  Timestamp t = 0;
  double v = 0;
  std::optional<FloatHistogram> h;
};

// A native histogram as makeNativeHistogram writes it.
void native_histogram(const FloatHistogram& h, dto::Histogram& out) {
  out.set_sample_count_float(h.count);
  out.set_sample_sum(h.sum);
  out.set_schema(h.schema);
  out.set_zero_threshold(h.zero_threshold);
  out.set_zero_count_float(h.zero_count);
  for (const HistogramSpan& s : h.negative_spans) {
    dto::BucketSpan* span = out.add_negative_span();
    span->set_offset(s.offset);
    span->set_length(s.length);
  }
  for (double c : h.negative_buckets) out.add_negative_count(c);
  for (const HistogramSpan& s : h.positive_spans) {
    dto::BucketSpan* span = out.add_positive_span();
    span->set_offset(s.offset);
    span->set_length(s.length);
  }
  for (double c : h.positive_buckets) out.add_positive_count(c);
}

// A custom-bucket histogram as makeClassicHistogram writes it: one bucket
// per custom bound with its cumulative count, +Inf left implicit.
void classic_histogram(const FloatHistogram& h, dto::Histogram& out) {
  out.set_sample_count_float(h.count);
  out.set_sample_sum(h.sum);
  std::vector<double> per_bound(h.custom_values.size(), 0);
  h.for_each_positive([&](const HistogramBucket& b) {
    if (b.index >= 0 && static_cast<size_t>(b.index) < per_bound.size()) per_bound[b.index] += b.count;
  });
  double cumulative = 0;
  for (size_t i = 0; i < h.custom_values.size(); ++i) {
    cumulative += per_bound[i];
    dto::Bucket* b = out.add_bucket();
    b->set_upper_bound(h.custom_values[i]);
    b->set_cumulative_count_float(cumulative);
  }
}

// A label value in the text format: \\, \" and \n escaped.
void append_text_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// One line of the text format: name{labels[,extra="value"]} value t.
void text_line(std::string& out, std::string_view name, const dto::Metric& m, std::string_view extra_name,
               std::string_view extra_value, double v) {
  out += name;
  bool first = true;
  auto add = [&](std::string_view n, std::string_view value) {
    out += first ? '{' : ',';
    first = false;
    out += n;
    out += "=\"";
    append_text_value(out, value);
    out += '"';
  };
  for (const dto::LabelPair& l : m.label()) add(l.name(), l.value());
  if (!extra_name.empty()) add(extra_name, extra_value);
  if (!first) out += '}';
  out += ' ';
  out += format_float(v);
  out += ' ';
  out += std::to_string(m.timestamp_ms());
  out += '\n';
}

// A family in the text format, as expfmt.MetricFamilyToText writes the
// two kinds federation makes: untyped, and classic histograms (+Inf added).
void append_text_family(std::string& out, const dto::MetricFamily& f) {
  const bool histogram = f.type() == dto::HISTOGRAM || f.type() == dto::GAUGE_HISTOGRAM;
  out += "# TYPE ";
  out += f.name();
  out += histogram ? (f.type() == dto::HISTOGRAM ? " histogram\n" : " gaugehistogram\n") : " untyped\n";
  for (const dto::Metric& m : f.metric()) {
    if (!histogram) {
      text_line(out, f.name(), m, "", "", m.untyped().value());
      continue;
    }
    const dto::Histogram& h = m.histogram();
    const std::string bucket = f.name() + "_bucket";
    bool inf_seen = false;
    for (const dto::Bucket& b : h.bucket()) {
      inf_seen = inf_seen || b.upper_bound() == INFINITY;
      text_line(out, bucket, m, "le", format_float(b.upper_bound()), b.cumulative_count_float());
    }
    if (!inf_seen) text_line(out, bucket, m, "le", "+Inf", h.sample_count_float());
    text_line(out, f.name() + "_sum", m, "", "", h.sample_sum());
    text_line(out, f.name() + "_count", m, "", "", h.sample_count_float());
  }
}


}  // namespace

net::HttpResponse QueryApi::federate(const net::HttpRequest& request) const {
  auto params = internal::form(request);
  if (!params) return plain_error(400, params.error().message);
  std::vector<std::vector<LabelMatcher>> sets;
  for (const std::string& m : params->all("match[]")) {
    auto matchers = parser::parse_metric_selector(m);
    if (!matchers) return plain_error(400, parser::format_error(m, matchers.error()));
    sets.push_back(*std::move(matchers));
  }
  if (options_.metric_reads != nullptr) {
    for (const auto& set : sets) options_.metric_reads->record(set);
  }
  const bool protobuf = scrape::accepts_protobuf(request.header("Accept"));
  const Timestamp maxt = now(), mint = maxt - options_.engine.lookback_delta;

  // The latest sample of each series in [now - lookback delta, now], unless
  // it is a stale marker; sorted by metric name (stable: by labels within).
  std::vector<Latest> latest;
  std::vector<tsdb::SeriesData> selected;
  for (const auto& set : sets) {
    for (tsdb::SeriesData& s : options_.querier.select(set, mint, maxt)) selected.push_back(std::move(s));
  }
  std::stable_sort(selected.begin(), selected.end(),
                   [](const tsdb::SeriesData& a, const tsdb::SeriesData& b) { return a.labels < b.labels; });
  for (size_t i = 0; i < selected.size(); ++i) {
    if (i > 0 && selected[i].labels == selected[i - 1].labels) continue;  // matched by two sets
    tsdb::SeriesIterator it = selected[i].iterator();
    bool any = false;
    Timestamp t = 0;
    tsdb::ValueType type = tsdb::ValueType::kFloat;
    double v = 0;
    while (it.next()) {
      any = true;
      t = it.t();
      type = it.value_type();
      if (type == tsdb::ValueType::kFloat) v = it.v();
    }
    if (!it.err().ok()) return plain_error(500, it.err().error().message);
    if (!any) continue;
    if (type == tsdb::ValueType::kFloat) {
      if (!is_stale_nan(v)) latest.push_back({selected[i].labels, t, v, std::nullopt});
      continue;
    }
    FloatHistogram h = it.float_histogram();
    // The text format has no native histograms; custom buckets read as classic.
    if (!protobuf && !h.uses_custom_buckets()) continue;
    if (!is_stale_nan(h.sum)) latest.push_back({selected[i].labels, t, 0, std::move(h)});
  }
  std::stable_sort(latest.begin(), latest.end(),
                   [](const Latest& a, const Latest& b) { return a.labels.metric_name() < b.labels.metric_name(); });

  // External labels the series lacks go after its own (sorted among
  // themselves), and instance="" always unless set: Prometheus's federation
  // writes an empty instance label.
  std::vector<std::pair<std::string, std::string>> external;
  bool has_instance = false;
  for (const auto& l : options_.external_labels) {
    external.emplace_back(l.name, l.value);
    has_instance = has_instance || l.name == "instance";
  }
  if (!has_instance) external.emplace_back("instance", "");
  std::sort(external.begin(), external.end());

  std::string body;
  std::optional<dto::MetricFamily> family;
  auto ship = [&] {
    if (!family) return;
    if (protobuf) {
      scrape::append_delimited(body, *family);
    } else {
      append_text_family(body, *family);
    }
  };
  for (const Latest& s : latest) {
    const std::string_view name = s.labels.metric_name();
    if (name.empty()) continue;  // Prometheus ignores nameless series
    const dto::MetricType type = !s.h                                          ? dto::UNTYPED
                                 : s.h->counter_reset_hint == CounterResetHint::kGauge ? dto::GAUGE_HISTOGRAM
                                                                                       : dto::HISTOGRAM;
    if (!family || family->name() != name || family->type() != type) {
      ship();
      family.emplace();
      family->set_name(std::string(name));
      family->set_type(type);
    }
    dto::Metric* m = family->add_metric();
    for (const auto& l : s.labels) {
      // An empty value is no label (Prometheus skips them).
      if (l.name == kMetricNameLabel || l.value.empty()) continue;
      dto::LabelPair* pair = m->add_label();
      pair->set_name(std::string(l.name));
      pair->set_value(std::string(l.value));
    }
    for (const auto& [n, v] : external) {
      if (s.labels.has(n)) continue;
      dto::LabelPair* pair = m->add_label();
      pair->set_name(n);
      pair->set_value(v);
    }
    m->set_timestamp_ms(s.t);
    if (!s.h) {
      m->mutable_untyped()->set_value(s.v);
    } else if (s.h->uses_custom_buckets()) {
      classic_histogram(*s.h, *m->mutable_histogram());
    } else {
      native_histogram(*s.h, *m->mutable_histogram());
    }
  }
  ship();
  return net::HttpResponse{
      .content_type = std::string(protobuf ? kProtobufContentType : kTextContentType), .body = std::move(body)};
}

}  // namespace cogwatch::server
