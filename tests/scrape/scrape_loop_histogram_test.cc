// The scrape loop with protobuf bodies: native histograms appended through
// the appender's histogram methods (one sample each in the report and
// against sample_limit), the classic series by the options, the bucket
// limit and the minimum bucket factor lowering the resolution, the bucket
// limit failing a scrape as Prometheus does, staleness, the scrape cache,
// invalid histograms and metadata. A RecordingStore (recording_store.h)
// shows exactly what the loop hands to the store.
#include <gtest/gtest.h>

#include "scrape/scrape_loop.h"
#include "tests/scrape/protobuf_test_util.h"
#include "tests/scrape/recording_store.h"

namespace cogwatch::scrape {
namespace {

using namespace scrape_testing;

constexpr auto kProto = ExpositionFormat::kProtobuf;

// Prometheus's bucket limit example (scrape/target_test.go): schema 0,
// three buckets on each side, 21 observations.
constexpr std::string_view kLatency = R"(
name: "latency_seconds" help: "Request latency." type: HISTOGRAM
metric: <
  label: < name: "path" value: "/predict" >
  histogram: <
    sample_count: 21 sample_sum: 33 schema: 0 zero_threshold: 0.001 zero_count: 3
    positive_span: < offset: 0 length: 3 > positive_delta: 3 positive_delta: 0 positive_delta: 0
    negative_span: < offset: 0 length: 3 > negative_delta: 3 negative_delta: 0 negative_delta: 0
    bucket: < cumulative_count: 12 upper_bound: 1 >
  >
>)";
constexpr std::string_view kRequests = R"(
name: "requests_total" type: COUNTER metric: < counter: < value: 7 > >)";

constexpr const char* kLatencyLabels = R"({__name__="latency_seconds", instance="a:1", job="cog", path="/predict"})";
constexpr const char* kLatencyNative =
    "schema:0 count:21 sum:33 zero:0.001/3 +[0:3](3 0 0) -[0:3](3 0 0)";

class ScrapeLoopHistogramTest : public ::testing::Test {
 protected:
  ScrapeLoopOptions options() {
    ScrapeLoopOptions o;
    o.target = Labels{{"__address__", "a:1"}, {"instance", "a:1"}, {"job", "cog"}};
    o.interval = 15 * kSecond;
    o.scrape_native_histograms = true;
    return o;
  }
  // The samples of one scrape time, "labels value" or "labels histogram{...}".
  std::vector<std::string> stored_at(Timestamp t, bool with_report = false) {
    std::vector<std::string> out;
    for (const RecordedSample& s : store_.committed) {
      if (s.t != t) continue;
      const std::string_view name = s.labels.metric_name();
      if (!with_report && (name == "up" || name.starts_with("scrape_"))) continue;
      std::string line = s.labels.to_string();
      if (s.histogram()) line += " histogram{" + histogram_text(*s.histogram()) + "}";
      if (s.float_histogram()) line += " float_histogram{" + histogram_text(*s.float_histogram()) + "}";
      if (s.number()) line += s.stale() ? " stale" : " " + format_float(*s.number());
      out.push_back(line);
    }
    return out;
  }
  double report_value(const char* name, Timestamp t) {
    for (const RecordedSample& s : store_.named(name)) {
      if (s.t == t && s.number()) return *s.number();
    }
    return -1;
  }

  RecordingStore store_;
};

TEST_F(ScrapeLoopHistogramTest, NativeHistogramsAreOneSampleEach) {
  ScrapeLoop loop(store_, options());
  const std::string body = body_from_text({kRequests, kLatency});
  ScrapeReport r = loop.append(15'000, 10, std::string_view(body), kProto);
  EXPECT_TRUE(r.up) << r.error;
  EXPECT_EQ(r.samples_scraped, 2u);
  EXPECT_EQ(r.samples_post_relabel, 2u);
  EXPECT_EQ(r.series_added, 2u);
  EXPECT_EQ(stored_at(15'000), (std::vector<std::string>{
                                   R"({__name__="requests_total", instance="a:1", job="cog"} 7)",
                                   std::string(kLatencyLabels) + " histogram{" + kLatencyNative + "}",
                               }));
  EXPECT_EQ(report_value("scrape_samples_scraped", 15'000), 2);
  // The next scrape finds both in the cache and appends by ref.
  r = loop.append(30'000, 10, std::string_view(body), kProto);
  EXPECT_EQ(r.series_added, 0u);
  const auto latency = store_.named("latency_seconds");
  ASSERT_EQ(latency.size(), 2u);
  EXPECT_FALSE(latency[0].by_ref);
  EXPECT_TRUE(latency[1].by_ref);
  ASSERT_NE(latency[1].histogram(), nullptr);
  EXPECT_EQ(histogram_text(*latency[1].histogram()), kLatencyNative);
}

TEST_F(ScrapeLoopHistogramTest, ClassicSeriesByTheOptions) {
  const std::string body = body_from_text({kLatency});
  const std::vector<std::string> classic = {
      R"({__name__="latency_seconds_count", instance="a:1", job="cog", path="/predict"} 21)",
      R"({__name__="latency_seconds_sum", instance="a:1", job="cog", path="/predict"} 33)",
      R"({__name__="latency_seconds_bucket", instance="a:1", job="cog", le="1.0", path="/predict"} 12)",
      R"({__name__="latency_seconds_bucket", instance="a:1", job="cog", le="+Inf", path="/predict"} 21)",
  };
  {
    ScrapeLoopOptions o = options();
    o.scrape_native_histograms = false;
    ScrapeLoop loop(store_, o);
    const ScrapeReport r = loop.append(15'000, 10, std::string_view(body), kProto);
    EXPECT_EQ(r.samples_scraped, 4u);
    EXPECT_EQ(stored_at(15'000), classic);
  }
  {
    ScrapeLoopOptions o = options();
    o.always_scrape_classic_histograms = true;
    ScrapeLoop loop(store_, o);
    const ScrapeReport r = loop.append(30'000, 10, std::string_view(body), kProto);
    EXPECT_EQ(r.samples_scraped, 5u);
    std::vector<std::string> both = {std::string(kLatencyLabels) + " histogram{" + kLatencyNative + "}"};
    both.insert(both.end(), classic.begin(), classic.end());
    EXPECT_EQ(stored_at(30'000), both);
  }
}

TEST_F(ScrapeLoopHistogramTest, FloatHistogramsGoToTheFloatHistogramAppend) {
  ScrapeLoop loop(store_, options());
  const std::string body = body_from_text({R"(
name: "h" type: GAUGE_HISTOGRAM
metric: < histogram: < sample_count_float: 2.5 sample_sum: 1 schema: 1
  positive_span: < offset: 2 length: 1 > positive_count: 2.5 > >)"});
  EXPECT_TRUE(loop.append(15'000, 10, std::string_view(body), kProto).up);
  EXPECT_EQ(stored_at(15'000), std::vector<std::string>{R"({__name__="h", instance="a:1", job="cog"} )"
                                                        "float_histogram{schema:1 count:2.5 sum:1 zero:0/0 "
                                                        "+[2:1](2.5) -[]() hint:gauge}"});
}

// Prometheus's bucketLimitAppender: the resolution goes down one schema at
// a time until the buckets fit (here 6 to 4 at schema -1).
TEST_F(ScrapeLoopHistogramTest, BucketLimitLowersTheResolution) {
  ScrapeLoopOptions o = options();
  o.native_histogram_bucket_limit = 4;
  ScrapeLoop loop(store_, o);
  const std::string body = body_from_text({kLatency});
  const ScrapeReport r = loop.append(15'000, 10, std::string_view(body), kProto);
  EXPECT_TRUE(r.up) << r.error;
  EXPECT_EQ(stored_at(15'000), std::vector<std::string>{std::string(kLatencyLabels) +
                                                        " histogram{schema:-1 count:21 sum:33 zero:0.001/3 "
                                                        "+[0:2](3 3) -[0:2](3 3)}"});
}

// A histogram that cannot fit fails the scrape once the body is read, as
// sample_limit does (which takes precedence), and does not count against
// sample_limit.
TEST_F(ScrapeLoopHistogramTest, BucketLimitThatCannotBeMetFailsTheScrape) {
  const std::string body = body_from_text({kLatency, kRequests});
  ScrapeLoopOptions o = options();
  o.native_histogram_bucket_limit = 3;
  o.sample_limit = 1;  // requests_total alone: within it
  {
    ScrapeLoop loop(store_, o);
    const ScrapeReport r = loop.append(15'000, 10, std::string_view(body), kProto);
    EXPECT_FALSE(r.up);
    EXPECT_EQ(r.error, "histogram bucket limit exceeded");
    EXPECT_TRUE(r.bucket_limit_exceeded);
    EXPECT_EQ(r.samples_scraped, 2u);
    EXPECT_EQ(r.samples_post_relabel, 2u);
    EXPECT_EQ(stored_at(15'000), std::vector<std::string>{});
    EXPECT_EQ(report_value("up", 15'000), 0);
  }
  const std::string two = body_from_text({kLatency, kRequests, R"(name: "more" type: GAUGE metric: < gauge: < > >)"});
  o.sample_limit = 1;
  ScrapeLoop loop(store_, o);
  const ScrapeReport r = loop.append(30'000, 10, std::string_view(two), kProto);
  EXPECT_EQ(r.error, "sample limit exceeded");
  EXPECT_TRUE(r.bucket_limit_exceeded);  // both limits' counters grow, as in Prometheus
  // Custom buckets cannot be lowered, nor schema -4.
  internal::NativeHistogramLimits limits{.bucket_limit = 1};
  Histogram custom{.schema = kCustomBucketsSchema,
                   .count = 2,
                   .positive_spans = {{0, 2}},
                   .positive_buckets = {1, 0},
                   .custom_values = {1}};
  EXPECT_EQ(internal::apply_limits(custom, limits).error().message, "histogram bucket limit exceeded");
  Histogram coarse{.schema = -4, .count = 2, .positive_spans = {{0, 1}, {3, 1}}, .positive_buckets = {1, 0}};
  EXPECT_EQ(internal::apply_limits(coarse, limits).error().message, "histogram bucket limit exceeded");
}

// native_histogram_min_bucket_factor: Prometheus's pickSchema gives the
// highest schema allowed (factor 2: schema 0), and finer histograms are
// lowered to it.
TEST_F(ScrapeLoopHistogramTest, MinBucketFactorLowersTheSchema) {
  ScrapeLoopOptions o = options();
  o.native_histogram_min_bucket_factor = 2;
  ScrapeLoop loop(store_, o);
  const std::string body = body_from_text({R"(
name: "h" type: HISTOGRAM
metric: < histogram: < sample_count: 8 sample_sum: 4 schema: 3
  positive_span: < offset: 0 length: 8 >
  positive_delta: 1 positive_delta: 0 positive_delta: 0 positive_delta: 0
  positive_delta: 0 positive_delta: 0 positive_delta: 0 positive_delta: 0 > >)"});
  EXPECT_TRUE(loop.append(15'000, 10, std::string_view(body), kProto).up);
  // Bucket 0 of schema 3 is (2^-1/8, 1], bucket 0 of schema 0 too; buckets
  // 1..7 of schema 3 are all within (1, 2], bucket 1 of schema 0.
  EXPECT_EQ(stored_at(15'000), std::vector<std::string>{R"({__name__="h", instance="a:1", job="cog"} )"
                                                        "histogram{schema:0 count:8 sum:4 zero:0/0 +[0:2](1 6) -[]()}"});
}

// Schemas 9 to 52 are reserved for finer histograms in the future.
// Prometheus lowers them only when a minimum bucket factor is set (its
// maxSchemaAppender is installed only then); otherwise its head refuses
// them, failing the scrape.
TEST_F(ScrapeLoopHistogramTest, ReservedSchemas) {
  const std::string body = body_from_text({R"(
name: "h" type: HISTOGRAM
metric: < histogram: < sample_count: 2 schema: 9
  positive_span: < offset: 1 length: 2 > positive_delta: 1 positive_delta: 0 > >)"});
  ScrapeLoop plain(store_, options());
  const ScrapeReport refused = plain.append(15'000, 10, std::string_view(body), kProto);
  EXPECT_FALSE(refused.up);
  EXPECT_EQ(refused.error,
            R"(native histogram {__name__="h", instance="a:1", job="cog"}: histogram has an invalid schema, which )"
            "must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema 9");
  ScrapeLoopOptions o = options();
  o.native_histogram_min_bucket_factor = 1.01;  // schema 6
  ScrapeLoop lowered(store_, o);
  EXPECT_TRUE(lowered.append(30'000, 10, std::string_view(body), kProto).up);
  EXPECT_EQ(stored_at(30'000), std::vector<std::string>{R"({__name__="h", instance="a:1", job="cog"} )"
                                                        "histogram{schema:6 count:2 sum:0 zero:0/0 +[1:1](2) -[]()}"});
}

TEST_F(ScrapeLoopHistogramTest, InvalidHistogramsFailTheScrape) {
  ScrapeLoop loop(store_, options());
  const std::string body = body_from_text({kRequests, R"(
name: "h" type: HISTOGRAM
metric: < histogram: < sample_count: 1 positive_span: < offset: 0 length: 2 > positive_delta: 1 positive_delta: -2 > >)"});
  const ScrapeReport r = loop.append(15'000, 10, std::string_view(body), kProto);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.error, R"(native histogram {__name__="h", instance="a:1", job="cog"}: positive side: bucket number 2 )"
                     "has observation count of -1: histogram has a bucket whose observation count is negative");
  EXPECT_EQ(stored_at(15'000), std::vector<std::string>{});
}

// A histogram series that a scrape lacks gets a stale marker — a float one:
// the store turns it into a stale histogram — and so does one that turned
// into classic series because the target stopped sending native buckets.
TEST_F(ScrapeLoopHistogramTest, VanishedHistogramSeriesGoStale) {
  ScrapeLoop loop(store_, options());
  const std::string both = body_from_text({kRequests, kLatency});
  const std::string requests_only = body_from_text({kRequests});
  ASSERT_TRUE(loop.append(15'000, 10, std::string_view(both), kProto).up);
  ASSERT_TRUE(loop.append(30'000, 10, std::string_view(requests_only), kProto).up);
  EXPECT_EQ(stored_at(30'000), (std::vector<std::string>{
                                   R"({__name__="requests_total", instance="a:1", job="cog"} 7)",
                                   std::string(kLatencyLabels) + " stale",
                               }));
  // A failed scrape ends every series, the histogram too.
  ASSERT_TRUE(loop.append(45'000, 10, std::string_view(both), kProto).up);
  const ScrapeReport failed = loop.append(60'000, 10, std::string_view("\x05" "ab"), kProto);
  EXPECT_FALSE(failed.up);
  EXPECT_EQ(failed.error, "metric family 1 at byte 0: a message of 5 bytes, but the body has 2 bytes left");
  EXPECT_EQ(stored_at(60'000), (std::vector<std::string>{
                                   R"({__name__="requests_total", instance="a:1", job="cog"} stale)",
                                   std::string(kLatencyLabels) + " stale",
                               }));
}

// sample_limit counts a native histogram as one sample, as Prometheus.
TEST_F(ScrapeLoopHistogramTest, SampleLimitCountsAHistogramOnce) {
  const std::string body = body_from_text({kRequests, kLatency});
  ScrapeLoopOptions o = options();
  o.sample_limit = 2;
  ScrapeLoop within(store_, o);
  EXPECT_TRUE(within.append(15'000, 10, std::string_view(body), kProto).up);
  o.sample_limit = 1;
  ScrapeLoop over(store_, o);
  const ScrapeReport r = over.append(30'000, 10, std::string_view(body), kProto);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.error, "sample limit exceeded");
}

TEST_F(ScrapeLoopHistogramTest, MetadataFromProtobufBodies) {
  ScrapeLoop loop(store_, options());
  const std::string body = body_from_text({kRequests, kLatency});
  ASSERT_TRUE(loop.append(15'000, 10, std::string_view(body), kProto).up);
  EXPECT_EQ(*loop.metadata(), (std::vector<MetricMetadata>{
                                  {"latency_seconds", MetricType::kHistogram, "Request latency.", ""},
                                  {"requests_total", MetricType::kCounter, "", ""},
                              }));
}

// One cache serves a target whatever format it answers in: protobuf keys
// never meet text series texts.
TEST_F(ScrapeLoopHistogramTest, FormatsShareTheCache) {
  ScrapeLoop loop(store_, options());
  const std::string proto = body_from_text({kRequests});
  ASSERT_TRUE(loop.append(15'000, 10, std::string_view(proto), kProto).up);
  const ScrapeReport text = loop.append(30'000, 10, std::string_view("requests_total 8\n"),
                                        ExpositionFormat::kPrometheusText);
  EXPECT_TRUE(text.up);
  EXPECT_EQ(text.series_added, 1u);  // a new cache entry; the store knows the series
  EXPECT_EQ(stored_at(30'000), std::vector<std::string>{R"({__name__="requests_total", instance="a:1", job="cog"} 8)"});
  EXPECT_EQ(loop.cached_series(), 1u);  // the protobuf entry was forgotten
}

}  // namespace
}  // namespace cogwatch::scrape
