// POST /api/v1/write into a store: samples stored all or nothing, the
// answers the specifications ask for, and the 2.0 written-count headers.
#include "remote/receiver.h"

#include <gtest/gtest.h>

#include "model/value.h"
#include "remote/write_request.h"
#include "tests/remote/histogram_test_util.h"
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

// What the head holds of the series named `name`: "t:f=v" for floats,
// "t:H" + the histogram's test expression for integer histograms, "t:FH..."
// for float ones.
std::vector<std::string> stored(const tsdb::Head& head, std::string_view name) {
  std::vector<std::string> out;
  for (const tsdb::SeriesData& s :
       head.select({tsdb::testing::matcher(MatchType::kEqual, "__name__", std::string(name).c_str())}, kMinTimestamp,
                   kMaxTimestamp)) {
    tsdb::SeriesIterator it = s.iterator();
    while (it.next()) {
      const std::string t = std::to_string(it.t()) + ":";
      switch (it.value_type()) {
        case tsdb::ValueType::kFloat:
          out.push_back(t + "f=" + (is_stale_nan(it.v()) ? "stale" : format_float(it.v())));
          break;
        case tsdb::ValueType::kHistogram:
          out.push_back(t + "H" + it.histogram().to_float().test_expression());
          break;
        case tsdb::ValueType::kFloatHistogram:
          out.push_back(t + "FH" + it.float_histogram().test_expression());
          break;
      }
    }
  }
  return out;
}

const Labels kLatency{{"__name__", "cog_predict_latency_seconds"}, {"job", "cog"}};
const Labels kRate{{"__name__", "cog:latency:rate5m"}};

TEST(WriteReceiver, StoresNativeHistogramsOfBothKindsInBothProtocols) {
  for (WriteProtocol p : {WriteProtocol::kV1, WriteProtocol::kV2}) {
    SCOPED_TRACE(p == WriteProtocol::kV1 ? "1.0" : "2.0");
    tsdb::Head head;
    WriteReceiver receiver(head, {});
    auto r = receiver.handle(post({{.labels = kLatency,
                                    .histograms = {{1000, testing::integer_histogram(1)},
                                                   {2000, testing::integer_histogram(2)},
                                                   {3000, testing::stale_histogram()}}},
                                   {.labels = kRate,
                                    .samples = {{500, 0.5}},
                                    .histograms = {{1000, testing::float_histogram(0.5)}}},
                                   {.labels = kUp, .samples = {{1000, 1}}}},
                                  p));
    EXPECT_EQ(r.status, 204) << r.body;
    if (p == WriteProtocol::kV2) {
      EXPECT_EQ(r.headers, (net::HttpHeaders{{"X-Prometheus-Remote-Write-Samples-Written", "2"},
                                             {"X-Prometheus-Remote-Write-Histograms-Written", "4"},
                                             {"X-Prometheus-Remote-Write-Exemplars-Written", "0"}}));
    }
    EXPECT_EQ(stored(head, "cog_predict_latency_seconds"),
              (std::vector<std::string>{"1000:H" + testing::integer_histogram(1).to_float().test_expression(),
                                        // The chunk knows there was no reset since the first.
                                        "2000:H" + testing::integer_histogram(2, CounterResetHint::kNotCounterReset)
                                                       .to_float()
                                                       .test_expression(),
                                        "3000:f=stale"}));
    EXPECT_EQ(stored(head, "cog:latency:rate5m"),
              (std::vector<std::string>{"500:f=0.5", "1000:FH" + testing::float_histogram(0.5).test_expression()}));
    EXPECT_EQ(receiver.counters().samples_written, 2u);
    EXPECT_EQ(receiver.counters().histograms_written, 4u);
  }
}

TEST(WriteReceiver, CustomBucketHistogramsAndFinerSchemasAreStored) {
  tsdb::Head head;
  WriteReceiver receiver(head, {});
  // Schema 12 (reserved for finer buckets): reduced to 8, 16 buckets to one.
  Histogram fine;
  fine.schema = 12;
  fine.count = 16;
  fine.sum = 16;
  fine.positive_spans = {{1, 16}};
  fine.positive_buckets = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // 1 each
  FloatHistogram fine_float = fine.to_float();
  fine_float.positive_spans = {{-3, 2}, {14, 1}};  // indices -3, -2 and 13
  fine_float.positive_buckets = {1, 2, 3};
  fine_float.count = 6;
  auto r = receiver.handle(post({{.labels = Labels{{"__name__", "queue_seconds"}},
                                  .histograms = {{1000, testing::custom_histogram(1)}}},
                                 {.labels = Labels{{"__name__", "fine"}}, .histograms = {{1000, fine}}},
                                 {.labels = Labels{{"__name__", "fine_float"}}, .histograms = {{1000, fine_float}}}},
                                WriteProtocol::kV2));
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(stored(head, "queue_seconds"),
            (std::vector<std::string>{"1000:H" + testing::custom_histogram(1).to_float().test_expression()}));
  EXPECT_EQ(stored(head, "fine"), (std::vector<std::string>{"1000:H{{schema:8 count:16 sum:16 offset:1 buckets:[16]}}"}));
  // Indices -3 and -2 of schema 12 are bucket 0 of schema 8, 13 is bucket 1.
  EXPECT_EQ(stored(head, "fine_float"),
            (std::vector<std::string>{"1000:FH{{schema:8 count:6 sum:16 buckets:[3 3]}}"}));
}

TEST(WriteReceiver, AnInvalidHistogramIsRefusedAndNothingOfTheRequestStored) {
  tsdb::Head head;
  WriteReceiver receiver(head, {});
  Histogram bad_spans = testing::integer_histogram(1);
  bad_spans.positive_spans = {{0, 4}};  // four buckets named, three given
  Histogram negative = testing::integer_histogram(1);
  negative.negative_buckets = {-2};
  FloatHistogram bad_schema = testing::float_histogram();
  bad_schema.schema = -7;
  Histogram unordered_bounds = testing::custom_histogram();
  unordered_bounds.custom_values = {0.1, 1, 0.5, 5};
  auto refused = [&](const auto& h, const std::string& message) {
    SCOPED_TRACE(message);
    for (WriteProtocol p : {WriteProtocol::kV1, WriteProtocol::kV2}) {
      WriteSeries latency{.labels = kLatency};
      latency.histograms.push_back({2000, h});
      auto r = receiver.handle(post({{.labels = kUp, .samples = {{2000, 1}}}, latency}, p));
      EXPECT_EQ(r.status, 400);
      EXPECT_EQ(r.body, "invalid histogram at timestamp 2000 in series "
                        "{__name__=\"cog_predict_latency_seconds\", job=\"cog\"}: " +
                            message + "\n");
    }
  };
  refused(bad_spans,
          "positive side: spans need 4 buckets, have 3 buckets: histogram spans specify different number of buckets "
          "than provided");
  refused(negative,
          "negative side: bucket number 1 has observation count of -2: histogram has a bucket whose observation count "
          "is negative");
  refused(bad_schema,
          "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom "
          "buckets, got schema -7");
  refused(unordered_bounds,
          "custom buckets: previous bound is 1.000000 and current is 0.500000: histogram custom bounds must be in "
          "strictly increasing order");
  EXPECT_TRUE(tsdb::testing::read_named(head, "up").empty()) << "the float sample before it is not stored either";
  EXPECT_TRUE(stored(head, "cog_predict_latency_seconds").empty());
  // What was stored before stays; a histogram older than it is out of order.
  ASSERT_EQ(receiver.handle(post({{.labels = kLatency, .histograms = {{5000, testing::integer_histogram(1)}}}},
                                 WriteProtocol::kV1))
                .status,
            204);
  auto r = receiver.handle(post({{.labels = kLatency, .histograms = {{4000, testing::integer_histogram(1)}}}},
                                WriteProtocol::kV1));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("out of order sample"), std::string::npos) << r.body;
  EXPECT_EQ(stored(head, "cog_predict_latency_seconds").size(), 1u);
  EXPECT_EQ(receiver.counters().histograms_written, 1u);
}

}  // namespace
}  // namespace cogwatch::remote
