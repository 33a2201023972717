// The instant query rules send to a Prometheus-API backend and the reading
// of its answers: every result type, values in Go's float syntax, the
// API's errors and bodies that are not the API's.
#include "remote/query_protocol.h"

#include <cmath>
#include <variant>

#include <gtest/gtest.h>

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
            "unexpected response: a native histogram sample (cogwatch reads float samples only)");
  EXPECT_EQ(error_of(200, R"({"status":"success","data":{"resultType":"table","result":[]}})"),
            "unexpected response: unknown resultType \"table\"");
}

}  // namespace
}  // namespace cogwatch::remote
