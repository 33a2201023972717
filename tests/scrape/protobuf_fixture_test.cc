// The protobuf parser on bodies from outside: Prometheus 2.42's own
// /metrics as it serves it in protobuf (client_golang; classic histograms
// and summaries, no native histograms), and native_histograms.pb, built
// with protoc from native_histograms.txtpb, checked against what
// Prometheus 2.42 stored when it scraped that body
// (native_histograms.prometheus-2.42.json). testdata/README.md says how
// each file was made.
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include "model/file.h"
#include "scrape/protobuf_parser.h"
#include "tests/scrape/protobuf_test_util.h"

namespace cogwatch::scrape {
namespace {

using namespace scrape_testing;

std::string testdata(const std::string& name) {
  auto body = read_file(std::string(COGWATCH_SOURCE_DIR) + "/tests/scrape/testdata/" + name);
  EXPECT_TRUE(body.ok()) << name;
  return body.ok() ? *body : "";
}

// The families of a body as libprotobuf decodes them.
std::vector<dto::MetricFamily> decode(std::string_view body) {
  std::vector<dto::MetricFamily> out;
  google::protobuf::io::ArrayInputStream in(body.data(), static_cast<int>(body.size()));
  bool clean_eof = false;
  // The parser merges into the message it is given: a new one each time.
  while (google::protobuf::util::ParseDelimitedFromZeroCopyStream(&out.emplace_back(), &in, &clean_eof)) {
  }
  out.pop_back();  // the one the end of the body left empty
  EXPECT_TRUE(clean_eof) << "a message cut short";
  return out;
}

// What a family of classic metrics yields, written independently of the
// parser from the decoded messages: the text-format rules of Prometheus's
// parser for counters, gauges, untyped, summaries and classic histograms.
std::vector<std::string> expected_classic(const dto::MetricFamily& f) {
  std::vector<std::string> out;
  for (const dto::Metric& m : f.metric()) {
    auto line = [&](std::string_view suffix, const char* magic, double magic_value, double v) {
      LabelsBuilder b;
      b.set("__name__", f.name() + std::string(suffix));
      for (const dto::LabelPair& l : m.label()) b.set(l.name(), l.value());
      if (magic != nullptr) b.set(magic, format_openmetrics_float(magic_value));
      std::string s = b.build().to_string() + " " + format_float(v);
      if (m.timestamp_ms() != 0) s += " @" + std::to_string(m.timestamp_ms());
      out.push_back(s);
    };
    switch (f.type()) {
      case dto::COUNTER: line("", nullptr, 0, m.counter().value()); break;
      case dto::GAUGE: line("", nullptr, 0, m.gauge().value()); break;
      case dto::UNTYPED: line("", nullptr, 0, m.untyped().value()); break;
      case dto::SUMMARY:
        line("_count", nullptr, 0, static_cast<double>(m.summary().sample_count()));
        line("_sum", nullptr, 0, m.summary().sample_sum());
        for (const dto::Quantile& q : m.summary().quantile()) line("", "quantile", q.quantile(), q.value());
        break;
      case dto::HISTOGRAM:
      case dto::GAUGE_HISTOGRAM: {
        const dto::Histogram& h = m.histogram();
        const double count = h.sample_count_float() != 0 ? h.sample_count_float() : h.sample_count();
        line("_count", nullptr, 0, count);
        line("_sum", nullptr, 0, h.sample_sum());
        bool inf = false;
        for (const dto::Bucket& b : h.bucket()) {
          line("_bucket", "le", b.upper_bound(),
               b.cumulative_count_float() != 0 ? b.cumulative_count_float() : b.cumulative_count());
          if ((inf = std::isinf(b.upper_bound()) && b.upper_bound() > 0)) break;
        }
        if (!inf) line("_bucket", "le", INFINITY, count);
        break;
      }
    }
  }
  return out;
}

struct FamilyRecorder final : MetadataSink {
  void on_help(std::string_view m, std::string_view) override { names.emplace_back(m); }
  void on_type(std::string_view, MetricType t) override { types.push_back(t); }
  void on_unit(std::string_view, std::string_view) override {}
  std::vector<std::string> names;
  std::vector<MetricType> types;
};

// Every family of a real client's body, sample by sample, as libprotobuf
// decodes the same bytes; with native histograms on or off (it has none).
TEST(ProtobufFixtureTest, Prometheus242MetricsEveryFamily) {
  const std::string body = testdata("prometheus-2.42-metrics.pb");
  const std::vector<dto::MetricFamily> families = decode(body);
  ASSERT_EQ(families.size(), 168u);
  std::vector<std::string> expected;
  std::vector<std::string> names;
  std::map<int, int> types;
  for (const dto::MetricFamily& f : families) {
    if (f.metric_size() == 0) continue;
    names.push_back(f.name());
    ++types[f.type()];
    for (std::string& s : expected_classic(f)) expected.push_back(std::move(s));
  }
  // Counters, gauges, summaries and classic histograms, no untyped.
  EXPECT_EQ(types, (std::map<int, int>{{dto::COUNTER, 82}, {dto::GAUGE, 70}, {dto::SUMMARY, 9}, {dto::HISTOGRAM, 7}}));
  for (bool native : {false, true}) {
    FamilyRecorder recorder;
    const Parsed got = parse_all(body, {.native_histograms = native}, &recorder);
    EXPECT_EQ(got.error, "");
    EXPECT_EQ(got.samples, expected);
    EXPECT_EQ(recorder.names, names);
  }
  EXPECT_EQ(expected.size(), 324u);
  // A few by hand, as Prometheus 2.42 exposed them.
  const std::vector<std::string> some = {
      R"({__name__="go_gc_duration_seconds", quantile="0.0"} 6.3781e-05)",
      R"({__name__="prometheus_http_request_duration_seconds_bucket", handler="/metrics", le="+Inf"} 1)",
      R"({__name__="prometheus_tsdb_head_chunks"} 298)",
  };
  for (const std::string& s : some) {
    EXPECT_NE(std::find(expected.begin(), expected.end(), s), expected.end()) << s;
  }
}

std::vector<std::string> split_families(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t end = text.find("\n---\n", pos);
    out.push_back(text.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    if (end == std::string::npos) return out;
    pos = end + 5;
  }
}

// native_histograms.pb is what its text source says, as libprotobuf
// encodes it (protoc --encode, which made it, is the same library).
TEST(ProtobufFixtureTest, NativeHistogramsBodyIsItsTextSource) {
  std::string encoded;
  for (const std::string& text : split_families(testdata("native_histograms.txtpb"))) {
    encoded += delimited(family_from_text(text));
  }
  EXPECT_EQ(encoded, testdata("native_histograms.pb"));
}

// Every family of native_histograms.pb, as current Prometheus's parser
// reads it.
TEST(ProtobufFixtureTest, NativeHistogramsEveryFamily) {
  const Parsed got = parse_all(testdata("native_histograms.pb"), {.native_histograms = true});
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.samples,
            (std::vector<std::string>{
                R"({__name__="cog_predict_latency_seconds", model_version="v1"} histogram{schema:3 count:12 sum:5.4 )"
                "zero:2.938735877055719e-39/0 +[-8:3 5:2](1 2 -1 0 2) -[]()}",
                R"({__name__="cog_predict_latency_seconds", model_version="v2"} histogram{schema:3 count:0 sum:0 )"
                "zero:2.938735877055719e-39/0 +[]() -[]()}",
                R"({__name__="wide_histogram"} histogram{schema:3 count:19 sum:0.0008280461746287094 )"
                "zero:2.938735877055719e-39/2 +[-161:1 8:3](1 2 -1 -1) -[-162:1 23:4](1 3 -2 -1 1)}",
                R"({__name__="temperature_delta_celsius", room="lab"} histogram{schema:1 count:8 sum:-0.5 )"
                "zero:0.01/1 +[1:2](3 -2) -[0:2](1 1) hint:gauge}",
                R"({__name__="zero_bucket_only_seconds"} histogram{schema:0 count:3 sum:0.25 zero:0.5/3 +[]() -[]()})",
                R"({__name__="request_size_bytes"} float_histogram{schema:2 count:10.5 sum:300 zero:0/0 )"
                "+[4:3](2.5 4 4) -[]()}",
                R"({__name__="classic_only_seconds_count"} 5)",
                R"({__name__="classic_only_seconds_sum"} 2.5)",
                R"({__name__="classic_only_seconds_bucket", le="0.25"} 2)",
                R"({__name__="classic_only_seconds_bucket", le="1.0"} 5)",
                R"({__name__="classic_only_seconds_bucket", le="+Inf"} 5)",
                R"({__name__="cog_predict_requests_total", input_type="image"} 1200)",
                R"({__name__="cog_predict_requests_total", input_type="text"} 600)",
                R"({__name__="gc_duration_seconds_count"} 40)",
                R"({__name__="gc_duration_seconds_sum"} 0.02)",
                R"({__name__="gc_duration_seconds", quantile="0.0"} 0.0001)",
                R"({__name__="gc_duration_seconds", quantile="0.5"} 0.0004)",
                R"({__name__="gc_duration_seconds", quantile="1.0"} 0.002)",
            }));
}

double number(const boost::json::value& v) { return std::strtod(v.as_string().c_str(), nullptr); }

// What Prometheus 2.42 stored scraping native_histograms.pb (with
// --enable-feature=native-histograms), series by series: the same floats,
// and the same histograms bucket by bucket (bounds to the bit). 2.42
// predates float histograms: it read request_size_bytes as classic with
// integer counts (0), so that family is left out.
TEST(ProtobufFixtureTest, NativeHistogramsAsPrometheus242StoredThem) {
  const boost::json::value answer = boost::json::parse(testdata("native_histograms.prometheus-2.42.json"));
  std::map<std::string, const boost::json::object*> stored;  // labels without instance and job
  for (const boost::json::value& r : answer.at("data").at("result").as_array()) {
    LabelsBuilder b;
    for (const auto& [name, value] : r.at("metric").as_object()) {
      if (name != "instance" && name != "job") b.set(name, value.as_string());
    }
    const Labels labels = b.build();
    const std::string_view metric = labels.metric_name();
    if (metric == "up" || metric.starts_with("scrape_") || metric.starts_with("request_size_bytes")) continue;
    stored[labels.to_string()] = &r.as_object();
  }
  const std::string body = testdata("native_histograms.pb");
  ProtobufParser p(body, {.native_histograms = true});
  size_t compared = 0;
  while (p.next()) {
    const std::string labels = p.labels()->to_string();
    if (labels.starts_with(R"({__name__="request_size_bytes")")) continue;
    auto it = stored.find(labels);
    ASSERT_NE(it, stored.end()) << labels << " was not stored by Prometheus 2.42";
    const boost::json::object& r = *it->second;
    ++compared;
    if (p.kind() == SampleKind::kFloat) {
      EXPECT_EQ(p.value(), number(r.at("value").as_array()[1])) << labels;
      continue;
    }
    ASSERT_EQ(p.kind(), SampleKind::kHistogram) << labels;
    const FloatHistogram h = p.histogram().to_float();
    const boost::json::object& want = r.at("histogram").as_array()[1].as_object();
    EXPECT_EQ(h.count, number(want.at("count"))) << labels;
    EXPECT_EQ(h.sum, number(want.at("sum"))) << labels;
    // Prometheus's API lists the non-empty buckets, low to high, as
    // [boundary rule, lower, upper, count]; rule 0 is (a,b], 1 [a,b), 3 [a,b].
    std::vector<std::string> ours, theirs;
    h.for_each_bucket([&](const HistogramBucket& b) {
      if (b.count == 0) return;
      const int rule = b.lower_inclusive && b.upper_inclusive ? 3 : b.lower_inclusive ? 1 : 0;
      ours.push_back(std::to_string(rule) + " " + format_float(b.lower) + " " + format_float(b.upper) + " " +
                     format_float(b.count));
    });
    if (const auto* buckets = want.if_contains("buckets")) {
      for (const boost::json::value& b : buckets->as_array()) {
        const auto& a = b.as_array();
        theirs.push_back(std::to_string(a[0].as_int64()) + " " + format_float(number(a[1])) + " " +
                         format_float(number(a[2])) + " " + format_float(number(a[3])));
      }
    }
    EXPECT_EQ(ours, theirs) << labels;
  }
  EXPECT_TRUE(p.status().ok()) << p.status().error().message;
  EXPECT_EQ(compared, stored.size()) << "series Prometheus 2.42 stored that the parser did not yield";
}

}  // namespace
}  // namespace cogwatch::scrape
