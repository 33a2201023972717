// QueryApi's series, labels, label values, format_query, parse_query and
// /federate, without sockets, against Prometheus 3's bodies.
// (Prometheus 2.42's answers for native histograms: tests/server/peer/histogram_peer_test.cc.)
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include "model/histogram.h"
#include "model/value.h"
#include "scrape/proto/metrics.pb.h"
#include "server/query_api.h"
#include "tsdb/head.h"

namespace cogwatch::server {
namespace {

constexpr Timestamp kNow = 300'000;

class MetadataApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    for (int i = 0; i <= 20; ++i) {
      const Timestamp t = i * 15 * kSecond;
      (void)app->append(Labels{{"__name__", "up"}, {"job", "cog"}, {"instance", "a:1"}}, t, 1);
      (void)app->append(Labels{{"__name__", "up"}, {"job", "cog"}, {"instance", "b:1"}}, t, 0);
      (void)app->append(Labels{{"__name__", "requests_total"}, {"job", "cog"}, {"code", "200"}}, t, i * 10.0);
    }
    (void)app->append(Labels{{"__name__", "old"}, {"job", "batch"}, {"path", "a\"b\\c\nd"}}, -3600 * kSecond, 7);
    (void)app->append(Labels{{"__name__", "gone"}, {"job", "cog"}}, 100'000, 1);
    (void)app->append(Labels{{"__name__", "gone"}, {"job", "cog"}}, 200'000, stale_nan());
    app->commit();
  }
  net::HttpResponse get(const std::string& target) {
    auto r = api_->handle({.method = "GET", .target = target});
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(net::HttpResponse{.status = 0});
  }
  std::string ok(const std::string& target) {
    net::HttpResponse r = get(target);
    EXPECT_EQ(r.status, 200) << target << "\n" << r.body;
    return r.body;
  }
  std::string error(const std::string& target) {
    net::HttpResponse r = get(target);
    EXPECT_EQ(r.status, 400) << target << "\n" << r.body;
    return r.body;
  }
  static std::string bad_data(const std::string& message) {
    return "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"" + message + "\"}";
  }

  tsdb::Head head_;
  QueryApiOptions options_{.querier = head_, .now = [] { return kNow; }};
  std::unique_ptr<QueryApi> api_ = std::make_unique<QueryApi>(options_);
};

TEST_F(MetadataApiTest, Series) {
  EXPECT_EQ(ok("/api/v1/series?match[]=up"),
            R"j({"status":"success","data":[{"__name__":"up","instance":"a:1","job":"cog"},)j"
            R"j({"__name__":"up","instance":"b:1","job":"cog"}]})j");
  // Several match[] are merged, without repeats, sorted.
  EXPECT_EQ(ok("/api/v1/series?match[]=requests_total&match[]=%7Bjob%3D%22cog%22,instance%3D%22a:1%22%7D&match[]=up"),
            R"j({"status":"success","data":[{"__name__":"requests_total","code":"200","job":"cog"},)j"
            R"j({"__name__":"up","instance":"a:1","job":"cog"},{"__name__":"up","instance":"b:1","job":"cog"}]})j");
  EXPECT_EQ(ok("/api/v1/series?match[]=up&limit=1"),
            R"j({"status":"success","data":[{"__name__":"up","instance":"a:1","job":"cog"}],)j"
            R"j("warnings":["results truncated due to limit"]})j");
  // Time ranges count: the old series has no sample after 0.
  EXPECT_EQ(ok("/api/v1/series?match[]=old"), R"j({"status":"success","data":[{"__name__":"old","job":"batch","path":"a\"b\\c\nd"}]})j");
  EXPECT_EQ(ok("/api/v1/series?match[]=old&start=0"), R"j({"status":"success","data":[]})j");
  EXPECT_EQ(ok("/api/v1/series?match[]=nothing"), R"j({"status":"success","data":[]})j");
}

TEST_F(MetadataApiTest, SeriesErrors) {
  EXPECT_EQ(error("/api/v1/series"), bad_data("no match[] parameter provided"));
  EXPECT_EQ(error("/api/v1/series?match[]=up%7B"),
            bad_data(R"j(invalid parameter \"match[]\": 1:4: parse error: unexpected end of input inside braces)j"));
  EXPECT_EQ(error("/api/v1/series?match[]=%7Ba%3D%22%22%7D"),
            bad_data(R"j(invalid parameter \"match[]\": match[] must contain at least one non-empty matcher)j"));
  EXPECT_EQ(error("/api/v1/series?match[]=up&start=x"),
            bad_data(R"j(invalid parameter \"start\": invalid time value for 'start': cannot parse \"x\" to a valid timestamp)j"));
  EXPECT_EQ(error("/api/v1/series?match[]=up&limit=x"),
            bad_data(R"j(invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax)j"));
  EXPECT_EQ(error("/api/v1/series?match[]=%zz"), bad_data(R"j(error parsing form values: invalid URL escape \"%zz\")j"));
  // Only a plain selector is a series selector.
  EXPECT_EQ(error("/api/v1/series?match[]=up%5B5m%5D"),
            bad_data(R"j(invalid parameter \"match[]\": 1:3: parse error: unexpected \"[5m]\" in series selector)j"));
}

TEST_F(MetadataApiTest, LabelNames) {
  EXPECT_EQ(ok("/api/v1/labels"), R"j({"status":"success","data":["__name__","code","instance","job","path"]})j");
  EXPECT_EQ(ok("/api/v1/labels?match[]=up"), R"j({"status":"success","data":["__name__","instance","job"]})j");
  EXPECT_EQ(ok("/api/v1/labels?match[]=up&match[]=requests_total"),
            R"j({"status":"success","data":["__name__","code","instance","job"]})j");
  EXPECT_EQ(ok("/api/v1/labels?limit=2"),
            R"j({"status":"success","data":["__name__","code"],"warnings":["results truncated due to limit"]})j");
  EXPECT_EQ(ok("/api/v1/labels?start=0"), R"j({"status":"success","data":["__name__","code","instance","job"]})j");
  EXPECT_EQ(ok("/api/v1/labels?match[]=up&end=-1"), R"j({"status":"success","data":[]})j");
  EXPECT_EQ(error("/api/v1/labels?match[]=%7Ba%3D~%22.*%22%7D"),
            bad_data("match[] must contain at least one non-empty matcher"));
  EXPECT_EQ(error("/api/v1/labels?match[]=up%7B"), bad_data("1:4: parse error: unexpected end of input inside braces"));
}

TEST_F(MetadataApiTest, LabelValues) {
  EXPECT_EQ(ok("/api/v1/label/job/values"), R"j({"status":"success","data":["batch","cog"]})j");
  EXPECT_EQ(ok("/api/v1/label/__name__/values?match[]=%7Bjob%3D%22cog%22%7D"),
            R"j({"status":"success","data":["gone","requests_total","up"]})j");
  EXPECT_EQ(ok("/api/v1/label/__name__/values?limit=1"),
            R"j({"status":"success","data":["gone"],"warnings":["results truncated due to limit"]})j");
  EXPECT_EQ(ok("/api/v1/label/job/values?start=0&end=300"), R"j({"status":"success","data":["cog"]})j");
  EXPECT_EQ(ok("/api/v1/label/nothing/values"), R"j({"status":"success","data":[]})j");
  // Prometheus 3: U__ names are value-encoded UTF-8 ("_" as "__", a code point as _hex_).
  EXPECT_EQ(ok("/api/v1/label/U__j_6f_b/values"), R"j({"status":"success","data":["batch","cog"]})j");
  EXPECT_EQ(ok("/api/v1/label/U__in__x/values"), R"j({"status":"success","data":[]})j");  // in_x
  EXPECT_EQ(error("/api/v1/label/%ff/values"), bad_data(R"j(invalid label name: \"\\xff\")j"));
  EXPECT_EQ(error("/api/v1/label/job/values?match[]=x%7B"), bad_data("1:3: parse error: unexpected end of input inside braces"));
}

TEST_F(MetadataApiTest, FormatQuery) {
  EXPECT_EQ(ok("/api/v1/format_query?query=sum(rate(x%5B5m%5D))by(job)"),
            R"j({"status":"success","data":"sum by (job) (rate(x[5m]))"})j");
  EXPECT_EQ(error("/api/v1/format_query?query=sum("),
            bad_data(R"j(invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis)j"));
  // Past 100 characters, Prometheus's prettier splits nodes over lines.
  const std::string q =
      "sum by (job) (rate(cog_prediction_requests_total{job=\"cog\"}[5m])) / "
      "sum by (job) (rate(cog_prediction_requests_total{job=\"cog\",code=\"200\"}[5m]))";
  std::string escaped;
  for (char c : q) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      escaped += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      escaped += buf;
    }
  }
  EXPECT_EQ(ok("/api/v1/format_query?query=" + escaped),
            R"j({"status":"success","data":"  sum by (job) (rate(cog_prediction_requests_total{job=\"cog\"}[5m]))\n/\n)j"
            R"j(  sum by (job) (rate(cog_prediction_requests_total{code=\"200\",job=\"cog\"}[5m]))"})j");
}

TEST_F(MetadataApiTest, ParseQuery) {
  EXPECT_EQ(ok("/api/v1/parse_query?query=up%7Bjob%3D~%22c.*%22%7D%20offset%201m"),
            R"j({"status":"success","data":{"anchored":false,"matchers":[{"name":"job","type":"=~","value":"c.*"},)j"
            R"j({"name":"__name__","type":"=","value":"up"}],"name":"up","offset":60000,"offsetExpr":null,)j"
            R"j("smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"}})j");
  EXPECT_EQ(ok("/api/v1/parse_query?query=sum%20by(job)(rate(x%5B5m%5D%20%40%20end()))%20%2B%201"),
            R"j({"status":"success","data":{"bool":false,"lhs":{"expr":{"args":[{"anchored":false,)j"
            R"j("matchers":[{"name":"__name__","type":"=","value":"x"}],"name":"x","offset":0,"offsetExpr":null,)j"
            R"j("range":300000,"rangeExpr":null,"smoothed":false,"startOrEnd":"end","timestamp":null,"type":"matrixSelector"}],)j"
            R"j("func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},)j"
            R"j("grouping":["job"],"op":"sum","param":null,"type":"aggregation","without":false},"matching":null,)j"
            R"j("op":"+","rhs":{"type":"numberLiteral","val":"1"},"type":"binaryExpr"}})j");
  EXPECT_EQ(ok("/api/v1/parse_query?query=a%20and%20on(x)%20-b"),
            R"j({"status":"success","data":{"bool":false,"lhs":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"a"}],)j"
            R"j("name":"a","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},)j"
            R"j("matching":{"card":"many-to-many","fillValues":{"lhs":null,"rhs":null},"include":[],"labels":["x"],"on":true},)j"
            R"j("op":"and","rhs":{"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"b"}],)j"
            R"j("name":"b","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},)j"
            R"j("op":"-","type":"unaryExpr"},"type":"binaryExpr"}})j");
  EXPECT_EQ(ok("/api/v1/parse_query?query=(%22s%22)"),
            R"j({"status":"success","data":{"expr":{"type":"stringLiteral","val":"s"},"type":"parenExpr"}})j");
  EXPECT_EQ(ok("/api/v1/parse_query?query=x%5B5m:1m%5D%20%40%20100"),
            R"j({"status":"success","data":{"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"x"}],)j"
            R"j("name":"x","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},)j"
            R"j("offset":0,"offsetExpr":null,"range":300000,"rangeExpr":null,"startOrEnd":null,"step":60000,"stepExpr":null,)j"
            R"j("timestamp":100000,"type":"subquery"}})j");
  EXPECT_EQ(error("/api/v1/parse_query?query=1%20%2B"),
            bad_data(R"j(invalid parameter \"query\": 1:4: parse error: unexpected end of input)j"));
}

TEST_F(MetadataApiTest, Federate) {
  net::HttpResponse r = get("/federate?match[]=%7Bjob%3D%22cog%22%7D&match[]=up");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  // The stale series is left out; up's series appear once each.
  EXPECT_EQ(r.body,
            "# TYPE requests_total untyped\n"
            "requests_total{code=\"200\",job=\"cog\",instance=\"\"} 200 300000\n"
            "# TYPE up untyped\n"
            "up{instance=\"a:1\",job=\"cog\"} 1 300000\n"
            "up{instance=\"b:1\",job=\"cog\"} 0 300000\n");
  // External labels the series lacks, after its own.
  options_.external_labels = Labels{{"region", "eu"}, {"job", "other"}};
  api_ = std::make_unique<QueryApi>(options_);
  EXPECT_EQ(get("/federate?match[]=requests_total").body,
            "# TYPE requests_total untyped\n"
            "requests_total{code=\"200\",job=\"cog\",instance=\"\",region=\"eu\"} 200 300000\n");
  // Only samples within the lookback delta; label values escaped.
  options_.now = [] { return -3600 * kSecond + 60'000; };
  api_ = std::make_unique<QueryApi>(options_);
  EXPECT_EQ(get("/federate?match[]=old").body,
            "# TYPE old untyped\nold{job=\"batch\",path=\"a\\\"b\\\\c\\nd\",instance=\"\",region=\"eu\"} 7 -3600000\n");
  options_.now = [] { return kNow + 301'000; };
  api_ = std::make_unique<QueryApi>(options_);
  EXPECT_EQ(get("/federate?match[]=up").body, "");
  EXPECT_EQ(get("/federate").body, "");
  net::HttpResponse bad = get("/federate?match[]=up%7B");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "1:4: parse error: unexpected end of input inside braces\n");
}

// Histograms: the text format leaves native ones out and writes custom
// buckets as a classic histogram; protobuf, when the Accept header asks
// for it first, carries both, as web/federate.go writes them.
class FederateHistogramsTest : public MetadataApiTest {
 protected:
  void SetUp() override {
    MetadataApiTest::SetUp();
    auto app = head_.appender();
    const Timestamp t = 290'000;
    Histogram native{.schema = 0,
                     .zero_threshold = 0.001,
                     .zero_count = 1,
                     .count = 5,
                     .sum = 10,
                     .positive_spans = {{0, 2}},
                     .negative_spans = {{0, 1}},
                     .positive_buckets = {1, 1},
                     .negative_buckets = {1}};
    ASSERT_TRUE(app->append_histogram(Labels{{"__name__", "latency"}, {"job", "h"}}, t, native).ok());
    FloatHistogram gauge{.counter_reset_hint = CounterResetHint::kGauge,
                         .schema = 1,
                         .count = 2,
                         .sum = -1,
                         .positive_spans = {{1, 1}},
                         .positive_buckets = {2}};
    ASSERT_TRUE(app->append_float_histogram(Labels{{"__name__", "queue"}, {"job", "h"}}, t, gauge).ok());
    FloatHistogram custom{.schema = kCustomBucketsSchema,
                          .count = 3,
                          .sum = 2.5,
                          .positive_spans = {{0, 3}},
                          .positive_buckets = {1, 0, 2},
                          .custom_values = {0.5, 1}};
    ASSERT_TRUE(app->append_float_histogram(Labels{{"__name__", "nhcb"}, {"job", "h"}}, t, custom).ok());
    // One name, a float series and a histogram series: two families.
    ASSERT_TRUE(app->append(Labels{{"__name__", "mixed"}, {"job", "h"}, {"k", "a"}}, t, 1).ok());
    ASSERT_TRUE(app->append_histogram(Labels{{"__name__", "mixed"}, {"job", "h"}, {"k", "b"}}, t, native).ok());
    // A histogram series gone stale is left out.
    ASSERT_TRUE(app->append_histogram(Labels{{"__name__", "stale"}, {"job", "h"}}, t - 10'000, native).ok());
    ASSERT_TRUE(app->append(Labels{{"__name__", "stale"}, {"job", "h"}}, t, stale_nan()).ok());
    app->commit();
  }
  net::HttpResponse federate(const std::string& accept) {
    net::HttpRequest r{.method = "GET", .target = "/federate?match[]=%7Bjob%3D%22h%22%7D"};
    if (!accept.empty()) r.headers.emplace_back("Accept", accept);
    auto response = api_->handle(r);
    EXPECT_TRUE(response.has_value());
    return response.value_or(net::HttpResponse{.status = 0});
  }
};

constexpr char kProtobufAccept[] =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

TEST_F(FederateHistogramsTest, TextLeavesNativeHistogramsOut) {
  const std::string want =
      "# TYPE mixed untyped\n"
      "mixed{job=\"h\",k=\"a\",instance=\"\"} 1 290000\n"
      "# TYPE nhcb histogram\n"
      "nhcb_bucket{job=\"h\",instance=\"\",le=\"0.5\"} 1 290000\n"
      "nhcb_bucket{job=\"h\",instance=\"\",le=\"1\"} 1 290000\n"
      "nhcb_bucket{job=\"h\",instance=\"\",le=\"+Inf\"} 3 290000\n"
      "nhcb_sum{job=\"h\",instance=\"\"} 2.5 290000\n"
      "nhcb_count{job=\"h\",instance=\"\"} 3 290000\n";
  // No Accept header, text first, or a protobuf encoding cogwatch does not write.
  for (const char* accept : {"", "text/plain;version=0.0.4;q=0.7,application/vnd.google.protobuf;"
                                 "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5",
                             "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"}) {
    net::HttpResponse r = federate(accept);
    EXPECT_EQ(r.status, 200) << accept;
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores") << accept;
    EXPECT_EQ(r.body, want) << accept;
  }
}

namespace dto = io::prometheus::client;

std::vector<dto::MetricFamily> decode_delimited(std::string_view body) {
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

TEST_F(FederateHistogramsTest, ProtobufCarriesNativeHistograms) {
  net::HttpResponse r = federate(kProtobufAccept);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type,
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; "
            "escaping=underscores");
  const char* const want[] = {
      R"(name: "latency" type: HISTOGRAM metric {
           label { name: "job" value: "h" } label { name: "instance" value: "" }
           histogram { sample_count_float: 5 sample_sum: 10 schema: 0 zero_threshold: 0.001 zero_count_float: 1
                       negative_span { offset: 0 length: 1 } negative_count: 1
                       positive_span { offset: 0 length: 2 } positive_count: 1 positive_count: 2 }
           timestamp_ms: 290000 })",
      R"(name: "mixed" type: UNTYPED metric {
           label { name: "job" value: "h" } label { name: "k" value: "a" } label { name: "instance" value: "" }
           untyped { value: 1 } timestamp_ms: 290000 })",
      R"(name: "mixed" type: HISTOGRAM metric {
           label { name: "job" value: "h" } label { name: "k" value: "b" } label { name: "instance" value: "" }
           histogram { sample_count_float: 5 sample_sum: 10 schema: 0 zero_threshold: 0.001 zero_count_float: 1
                       negative_span { offset: 0 length: 1 } negative_count: 1
                       positive_span { offset: 0 length: 2 } positive_count: 1 positive_count: 2 }
           timestamp_ms: 290000 })",
      R"(name: "nhcb" type: HISTOGRAM metric {
           label { name: "job" value: "h" } label { name: "instance" value: "" }
           histogram { sample_count_float: 3 sample_sum: 2.5
                       bucket { cumulative_count_float: 1 upper_bound: 0.5 }
                       bucket { cumulative_count_float: 1 upper_bound: 1 } }
           timestamp_ms: 290000 })",
      R"(name: "queue" type: GAUGE_HISTOGRAM metric {
           label { name: "job" value: "h" } label { name: "instance" value: "" }
           histogram { sample_count_float: 2 sample_sum: -1 schema: 1 zero_threshold: 0 zero_count_float: 0
                       positive_span { offset: 1 length: 1 } positive_count: 2 }
           timestamp_ms: 290000 })",
  };
  const std::vector<dto::MetricFamily> got = decode_delimited(r.body);
  ASSERT_EQ(got.size(), std::size(want)) << r.body;
  for (size_t i = 0; i < got.size(); ++i) {
    dto::MetricFamily expected;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(want[i], &expected)) << want[i];
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got[i], expected))
        << "family " << i << ":\n" << got[i].DebugString() << "want:\n" << expected.DebugString();
  }
  // Floats in protobuf too, with the external labels.
  options_.external_labels = Labels{{"region", "eu"}};
  api_ = std::make_unique<QueryApi>(options_);
  auto up = api_->handle({.method = "GET", .target = "/federate?match[]=up", .headers = {{"Accept", kProtobufAccept}}});
  ASSERT_TRUE(up.has_value());
  const std::vector<dto::MetricFamily> ups = decode_delimited(up->body);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].ShortDebugString(),
            "name: \"up\" type: UNTYPED metric { label { name: \"instance\" value: \"a:1\" } label { name: \"job\" "
            "value: \"cog\" } label { name: \"region\" value: \"eu\" } untyped { value: 1 } timestamp_ms: 300000 } "
            "metric { label { name: \"instance\" value: \"b:1\" } label { name: \"job\" value: \"cog\" } label { "
            "name: \"region\" value: \"eu\" } untyped { value: 0 } timestamp_ms: 300000 }");
}

}  // namespace
}  // namespace cogwatch::server
