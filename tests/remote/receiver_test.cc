// POST /api/v1/write into a store: samples stored all or nothing, the
// answers the specifications ask for, and the 2.0 written-count headers.
#include "remote/receiver.h"

#include <gtest/gtest.h>

#include "remote/write_request.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::remote {
namespace {

net::HttpRequest post(const std::vector<WriteSeries>& series, WriteProtocol p) {
  return {.method = "POST",
          .target = "/api/v1/write",
          .headers = {{"Content-Type", std::string(content_type(p))},
                      {"Content-Encoding", "snappy"},
                      {"X-Prometheus-Remote-Write-Version", std::string(protocol_version(p))}},
          .body = encode_write_request(series, p)};
}

const Labels kUp{{"__name__", "up"}, {"job", "cog"}};
const Labels kErrors{{"__name__", "cog_predict_errors_total"}, {"job", "cog"}};

TEST(WriteReceiver, StoresBothProtocols) {
  tsdb::Head head;
  WriteReceiver receiver(head, {});
  auto r = receiver.handle(post({{.labels = kUp, .samples = {{1000, 1}, {2000, 1}}}}, WriteProtocol::kV1));
  EXPECT_EQ(r.status, 204) << r.body;
  r = receiver.handle(post({{.labels = kErrors, .samples = {{1000, 3}}}, {.labels = kUp, .samples = {{3000, 0}}}},
                           WriteProtocol::kV2));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.headers, (net::HttpHeaders{{"X-Prometheus-Remote-Write-Samples-Written", "2"},
                                         {"X-Prometheus-Remote-Write-Histograms-Written", "0"},
                                         {"X-Prometheus-Remote-Write-Exemplars-Written", "0"}}));
  const auto up = tsdb::testing::read_named(head, "up");
  ASSERT_EQ(up.size(), 3u);
  EXPECT_EQ(up[2], (std::pair<Timestamp, double>{3000, 0}));
  EXPECT_EQ(tsdb::testing::read_named(head, "cog_predict_errors_total").size(), 1u);
  EXPECT_EQ(receiver.counters().samples_written, 4u);
}

TEST(WriteReceiver, ARefusedSampleStoresNothingOfTheRequest) {
  tsdb::Head head;
  WriteReceiver receiver(head, {});
  ASSERT_EQ(receiver.handle(post({{.labels = kUp, .samples = {{5000, 1}}}}, WriteProtocol::kV1)).status, 204);
  // errors is new and fine, but up goes back in time: 400, and neither is stored.
  auto r = receiver.handle(
      post({{.labels = kErrors, .samples = {{6000, 1}}}, {.labels = kUp, .samples = {{4000, 1}}}}, WriteProtocol::kV1));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("out of order sample"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({__name__="up", job="cog"})"), std::string::npos) << r.body;
  EXPECT_TRUE(tsdb::testing::read_named(head, "cog_predict_errors_total").empty());
  EXPECT_EQ(tsdb::testing::read_named(head, "up").size(), 1u);
  EXPECT_EQ(receiver.counters().requests_failed, 1u);
}

TEST(WriteReceiver, AnswersWhatTheSpecificationAsks) {
  tsdb::Head head;
  WriteReceiver receiver(head, {.max_body_bytes = 1000});
  net::HttpRequest get = post({}, WriteProtocol::kV1);
  get.method = "GET";
  EXPECT_EQ(receiver.handle(get).status, 405);
  net::HttpRequest json = post({{.labels = kUp, .samples = {{1, 1}}}}, WriteProtocol::kV1);
  json.headers[0].second = "application/json";
  EXPECT_EQ(receiver.handle(json).status, 415);
  net::HttpRequest gzip = post({{.labels = kUp, .samples = {{1, 1}}}}, WriteProtocol::kV1);
  gzip.headers[1].second = "gzip";
  EXPECT_EQ(receiver.handle(gzip).status, 415);
  net::HttpRequest garbage = post({}, WriteProtocol::kV1);
  garbage.body = "garbage";
  auto r = receiver.handle(garbage);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "snappy: corrupt input\n");
  net::HttpRequest big = post({}, WriteProtocol::kV1);
  big.body = std::string(1001, 'x');
  EXPECT_EQ(receiver.handle(big).status, 413);
  EXPECT_EQ(receiver.counters().requests, 5u);
  EXPECT_EQ(receiver.counters().requests_failed, 5u);
  EXPECT_TRUE(tsdb::testing::read_named(head, "up").empty());
}

}  // namespace
}  // namespace cogwatch::remote
