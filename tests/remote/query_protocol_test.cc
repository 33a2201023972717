// The instant query rules send to a Prometheus-API backend and the reading
// of its answers: every result type, values in Go's float syntax, the
// API's errors and bodies that are not the API's.
#include "remote/query_protocol.h"

#include <cmath>
#include <variant>

#include <gtest/gtest.h>

#include "eval/value_json.h"
#include "tests/remote/histogram_test_util.h"

namespace cogwatch::remote {
namespace {

eval::Value parse_ok(std::string_view body) {
  auto v = parse_query_response(200, "OK", body);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : eval::Value{};
}

std::string error_of(int status, std::string_view body) {
  auto v = parse_query_response(status, status == 200 ? "OK" : "Bad Gateway", body);
  return v.ok() ? "" : v.error().message;
}

TEST(QueryRequest, PostsTheFormToTheApiBelowTheBaseUrl) {
  QueryEndpoint e{.url = "http://vmselect:8481/select/0/prometheus/", .timeout = 7 * kSecond,
                  .lookback_delta = 5 * kMinute};
  auto r = make_query_request(e, "sum by (region) (rate(x{a=\"b c\"}[5m])) > 0.01", 1'700'000'000'123);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url(), "http://vmselect:8481/select/0/prometheus/api/v1/query");
  EXPECT_EQ(r->content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(r->body,
            "query=sum+by+%28region%29+%28rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29%29+%3E+0.01"
            "&time=1700000000.123&step=5m&nocache=1");
  EXPECT_EQ(r->timeout, 7 * kSecond);
  // Whole seconds keep their decimals; the epoch's first second too.
  EXPECT_NE(make_query_request(e, "up", 5'000)->body.find("&time=5.000&"), std::string::npos);
  EXPECT_NE(make_query_request(e, "up", 7)->body.find("&time=0.007&"), std::string::npos);
}

TEST(QueryRequest, AuthFromTheHttpConfig) {
  QueryEndpoint e{.url = "https://mimir.example/prometheus"};
  e.http.basic_auth = net::BasicAuth{.username = "edge", .password = "secret"};
  auto r = make_query_request(e, "up", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scheme, "https");
  EXPECT_EQ(net::find_header(r->headers, "Authorization"), "Basic ZWRnZTpzZWNyZXQ=");
  EXPECT_EQ(make_query_request({.url = "ftp://x"}, "up", 0).error().message, "unsupported protocol scheme \"ftp\"");
}

TEST(QueryResponse, VectorWithLabelsAndGoFloats) {
  const eval::Value v = parse_ok(R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"region":"eu","__name__":"x"},"value":[1700000000.5,"0.05"]},
      {"metric":{},"value":[1700000000.5,"NaN"]},
      {"metric":{"a":"1"},"value":[1700000000.5,"+Inf"]},
      {"metric":{"a":"2"},"value":[1700000000.5,"-Inf"]},
      {"metric":{"a":"3"},"value":[1700000000.5,"1e-05"]}]},"warnings":["ignored"]})");
  const auto* vec = std::get_if<eval::Vector>(&v);
  ASSERT_NE(vec, nullptr);
  ASSERT_EQ(vec->size(), 5u);
  EXPECT_EQ((*vec)[0].labels, Labels({{"__name__", "x"}, {"region", "eu"}}));
  EXPECT_EQ((*vec)[0].t, 1'700'000'000'500);
  EXPECT_EQ((*vec)[0].v, 0.05);
  EXPECT_TRUE((*vec)[1].labels.empty());
  EXPECT_TRUE(std::isnan((*vec)[1].v));
  EXPECT_EQ((*vec)[2].v, INFINITY);
  EXPECT_EQ((*vec)[3].v, -INFINITY);
  EXPECT_EQ((*vec)[4].v, 1e-05);
}

TEST(QueryResponse, MatrixScalarAndString) {
  const eval::Value m = parse_ok(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"alertname":"A"},"values":[[10,"1"],[10.25,"2"]]}]}})");
  const auto* matrix = std::get_if<eval::Matrix>(&m);
  ASSERT_NE(matrix, nullptr);
  ASSERT_EQ(matrix->size(), 1u);
  ASSERT_EQ((*matrix)[0].points.size(), 2u);
  EXPECT_EQ((*matrix)[0].points[1].t, 10'250);
  EXPECT_EQ((*matrix)[0].points[1].v, 2);
  const eval::Value s = parse_ok(R"({"status":"success","data":{"resultType":"scalar","result":[3.001,"42"]}})");
  ASSERT_TRUE(std::holds_alternative<eval::Scalar>(s));
  EXPECT_EQ(std::get<eval::Scalar>(s).t, 3'001);
  EXPECT_EQ(std::get<eval::Scalar>(s).v, 42);
  const eval::Value str = parse_ok(R"({"status":"success","data":{"resultType":"string","result":[1,"hi"]}})");
  ASSERT_TRUE(std::holds_alternative<eval::String>(str));
  EXPECT_EQ(std::get<eval::String>(str).v, "hi");
}

std::string json_of(const FloatHistogram& h) {
  std::string out;
  eval::append_histogram_json(out, h);
  return out;
}

// A vector of one histogram sample at 1700000000.5, as the API writes it.
std::string vector_body(const FloatHistogram& h) {
  eval::Vector v{eval::Sample{Labels{{"__name__", "latency"}}, 1'700'000'000'500, 0, HistogramRef::make(h)}};
  return R"({"status":"success","data":)" + eval::to_api_json(eval::Value(std::move(v))) + "}";
}

FloatHistogram read_back(const FloatHistogram& h) {
  const eval::Value v = parse_ok(vector_body(h));
  const auto* vec = std::get_if<eval::Vector>(&v);
  if (vec == nullptr || vec->size() != 1 || !(*vec)[0].h) {
    ADD_FAILURE() << "no histogram sample in " << vector_body(h);
    return {};
  }
  EXPECT_EQ((*vec)[0].t, 1'700'000'000'500);
  EXPECT_EQ((*vec)[0].labels, Labels({{"__name__", "latency"}}));
  return *(*vec)[0].h;
}

// The API's histogram JSON has bounds, not a schema and spans: what is read
// back prints the same, and where the layout is unambiguous it is the same
// histogram.
TEST(QueryResponse, NativeHistogramsReadBackAsTheHistogramsPrinted) {
  struct Case {
    const char* name;
    FloatHistogram h;
    bool same_layout;  // the schema and spans are recovered exactly
  };
  FloatHistogram fine = testing::float_histogram();
  fine.schema = 8;
  fine.zero_count = 0;  // no zero bucket printed, so its threshold is lost
  fine.count = 3.5;
  FloatHistogram coarse = testing::float_histogram();
  coarse.schema = -4;
  coarse.positive_spans = {{-2, 2}, {3, 1}};  // bounds 2^-32 .. 2^16
  FloatHistogram cut = testing::float_histogram();
  cut.zero_threshold = 1.5;                   // inside bucket 1's (1, 2]: printed (1.5, 2]
  FloatHistogram empty;
  FloatHistogram stale = testing::stale_float_histogram();
  const std::vector<Case> cases = {
      {"integer histogram, schema 1, zero and negative buckets, a gap", testing::integer_histogram().to_float(), true},
      {"float histogram, schema 0", testing::float_histogram(), true},
      {"schema 8", fine, false},
      {"schema -4", coarse, true},
      {"a bucket cut at the zero bucket's edge", cut, false},
      {"custom buckets", testing::custom_histogram().to_float(), false},
      {"empty", empty, true},
      {"stale (a NaN sum: the API has no stale markers)", stale, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const FloatHistogram got = read_back(c.h);
    EXPECT_EQ(json_of(got), json_of(c.h));
    EXPECT_EQ(got.to_string(), c.h.to_string());
    EXPECT_TRUE(got.validate().ok());
    if (c.same_layout) {
      EXPECT_TRUE(got.equals(c.h)) << got.test_expression() << " vs " << c.h.test_expression();
    }
  }
  // Custom buckets keep their kind (their bounds are those the buckets name).
  const FloatHistogram custom = read_back(testing::custom_histogram().to_float());
  EXPECT_EQ(custom.schema, kCustomBucketsSchema);
  EXPECT_EQ(custom.custom_values, (std::vector<double>{0.1, 0.5, 1, 5}));
  EXPECT_EQ(read_back(fine).schema, 8);
  EXPECT_EQ(read_back(coarse).schema, -4);
  EXPECT_EQ(read_back(cut).schema, 0);
  // A bucket cut at the edge of an empty zero bucket (so not printed),
  // alone, fits several schemas: the finest is taken (schema 1's
  // (1.414, 2] prints as (1.5, 2] too).
  FloatHistogram only_cut;
  only_cut.zero_threshold = 1.5;
  only_cut.count = 1;
  only_cut.positive_spans = {{1, 1}};
  only_cut.positive_buckets = {1};
  const FloatHistogram finest = read_back(only_cut);
  EXPECT_EQ(finest.schema, 1);
  EXPECT_EQ(json_of(finest), json_of(only_cut));
}

TEST(QueryResponse, MatrixOfFloatsAndHistogramsInTimeOrder) {
  eval::Series series{Labels{{"__name__", "x"}}, {}};
  series.points.push_back({.t = 1000, .v = 1});
  series.points.push_back({.t = 2000, .h = HistogramRef::make(testing::float_histogram(1))});
  series.points.push_back({.t = 3000, .v = 3});
  series.points.push_back({.t = 4000, .h = HistogramRef::make(testing::float_histogram(2))});
  const std::string body =
      R"({"status":"success","data":)" + eval::to_api_json(eval::Value(eval::Matrix{series})) + "}";
  ASSERT_NE(body.find(R"("histograms":[[2,{"count":"3.75")"), std::string::npos) << body;
  const eval::Value v = parse_ok(body);
  const auto* m = std::get_if<eval::Matrix>(&v);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->size(), 1u);
  const std::vector<eval::Point>& p = (*m)[0].points;
  ASSERT_EQ(p.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(p[i].t, static_cast<Timestamp>(i + 1) * 1000);
    EXPECT_EQ(static_cast<bool>(p[i].h), i % 2 == 1);
  }
  EXPECT_EQ(p[2].v, 3);
  EXPECT_EQ(p[3].h->count, 7.5);
}

TEST(QueryResponse, TheApisErrorsCarryItsWords) {
  EXPECT_EQ(error_of(400, R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"})"),
            "bad_data: 1:5: parse error: unexpected");
  // VictoriaMetrics answers 422 with the same envelope.
  EXPECT_EQ(error_of(422, R"({"status":"error","errorType":"422","error":"cannot parse query"})"),
            "422: cannot parse query");
  EXPECT_EQ(error_of(502, "<html>bad gateway</html>"), "server returned HTTP status 502 Bad Gateway");
  EXPECT_EQ(error_of(503, R"({"status":"success","data":{"resultType":"vector","result":[]}})"),
            "server returned HTTP status 503 Bad Gateway");
}

TEST(QueryResponse, WhatIsNotTheApisAnswerIsNamed) {
  EXPECT_EQ(error_of(200, "not json"), "unexpected response: the body is not a JSON object");
  EXPECT_EQ(error_of(200, R"({"status":"pending"})"), "unexpected response: \"status\" is neither \"success\" nor \"error\"");
  EXPECT_EQ(error_of(200, R"({"status":"success"})"), "unexpected response: no \"data\" object");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}})"),
            "unexpected response: a sample is not [time, \"value\"]: [1,2]");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}})"),
            "unexpected response: a sample value is not a number: \"x\"");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})"),
            "unexpected response: label \"a\" is not a string");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}})"),
            "unexpected response: a histogram is not well formed: \"count\" is not a number in a string");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})"),
            "unexpected response: a vector element without \"value\" or \"histogram\"");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,"1"]}]}})"),
            "unexpected response: a histogram is not an object: \"1\"");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":)"
                          R"([1,{"count":"1","sum":"1","buckets":[[0,"1","2"]]}]}]}})"),
            "unexpected response: a histogram is not [boundaries, \"lower\", \"upper\", \"count\"] in a bucket: [0,\"1\",\"2\"]");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":)"
                          R"([1,{"count":"1","sum":"1","buckets":[[0,"1","3","1"],[0,"2","5","1"]]}]}]}})"),
            "unexpected response: a histogram is not made of adjacent custom buckets: bucket (1, 3] overlaps another");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"table","result":[]}})"),
            "unexpected response: unknown resultType \"table\"");
}

}  // namespace
}  // namespace cogwatch::remote
