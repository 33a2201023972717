// What a scrape does to native histograms before storing them, on
// Prometheus's own cases: Histogram.Compact(0), ReduceResolution
// (generic_test.go), pickSchema (scrape_test.go), the bucket limit and the
// maximum schema (target_test.go's appenders).
#include "scrape/internal/native_histogram.h"

#include <gtest/gtest.h>

#include "tests/scrape/protobuf_test_util.h"

namespace cogwatch::scrape::internal {
namespace {

using scrape::scrape_testing::histogram_text;

Histogram positive(int32_t schema, HistogramSpans spans, std::vector<int64_t> deltas) {
  Histogram h;
  h.schema = schema;
  h.positive_spans = std::move(spans);
  h.positive_buckets = std::move(deltas);
  return h;
}

TEST(NativeHistogramTest, CompactDropsEmptyBucketsAndSpans) {
  struct Case {
    Histogram in;
    std::string want;
  };
  const std::vector<Case> cases = {
      // Already compact: unchanged.
      {positive(0, {{-2, 2}, {3, 1}}, {1, 1, -1}), "+[-2:2 3:1](1 1 -1)"},
      // Empty buckets at the start, inside and at the end of a span.
      {positive(0, {{0, 5}}, {0, 2, -2, 2, -2}), "+[1:1 1:1](2 0)"},
      // Spans of length 0 and spans that touch.
      {positive(0, {{1, 0}, {2, 1}, {0, 2}}, {1, 1, 1}), "+[3:3](1 1 1)"},
      // Only empty buckets.
      {positive(0, {{0, 2}}, {0, 0}), "+[]()"},
      // A no-op span.
      {positive(0, {{0, 0}}, {}), "+[]()"},
  };
  for (Case c : cases) {
    compact_buckets(c.in);
    EXPECT_EQ(histogram_text(c.in), "schema:0 count:0 sum:0 zero:0/0 " + c.want + " -[]()");
  }
}

TEST(NativeHistogramTest, ReduceResolutionAsPrometheus) {
  // generic_test.go's TestReduceResolutionHistogram: empty buckets stay.
  Histogram h = positive(0, {{0, 4}, {0, 0}, {3, 2}}, {1, 2, -2, 1, -1, 0});
  h.negative_spans = h.positive_spans;
  h.negative_buckets = h.positive_buckets;
  ASSERT_TRUE(reduce_resolution(h, -1).ok());
  EXPECT_EQ(histogram_text(h), "schema:-1 count:0 sum:0 zero:0/0 +[0:3 1:1](1 3 -2 0) -[0:3 1:1](1 3 -2 0)");
  // Negative indices: bucket -1 of schema 2 is (2^-1/2, 2^-1/4], inside
  // bucket 0 of schema 0; bucket -4 is (2^-5/4, 2^-1], bucket -1 of schema 0.
  Histogram low = positive(2, {{-4, 4}}, {1, 1, 1, 1});
  ASSERT_TRUE(reduce_resolution(low, 0).ok());
  EXPECT_EQ(histogram_text(low), "schema:0 count:0 sum:0 zero:0/0 +[-1:2](1 8) -[]()");
  // A span after the first going backwards is refused, as Prometheus does.
  Histogram bad = positive(1, {{0, 1}, {-1, 1}}, {1, 0});
  EXPECT_EQ(reduce_resolution(bad, 0).error().message,
            "span number 2 with offset -1: histogram has a span whose offset is negative");
}

TEST(NativeHistogramTest, SchemaForBucketFactorAsPickSchema) {
  const std::vector<std::pair<double, int32_t>> cases = {
      {65536, -4}, {256, -3}, {16, -2}, {4, -1},   {2, 0},     {1.4, 1},   {1.1, 2},  {1.09, 3},
      {1.04, 4},   {1.02, 5}, {1.01, 6}, {1.005, 7}, {1.002, 8}, {0, 8},     {1e300, -4}, {-3, 8},
  };
  for (const auto& [factor, schema] : cases) EXPECT_EQ(schema_for_bucket_factor(factor), schema) << factor;
}

// target_test.go's TestBucketLimitAppender and TestMaxSchemaAppender, for
// integer and float histograms.
TEST(NativeHistogramTest, LimitsAsPrometheusAppenders) {
  Histogram example;
  example.schema = 0;
  example.count = 21;
  example.sum = 33;
  example.zero_threshold = 0.001;
  example.zero_count = 3;
  example.positive_spans = example.negative_spans = {{0, 3}};
  example.positive_buckets = example.negative_buckets = {3, 0, 0};
  Histogram big_gap;
  big_gap.schema = 0;
  big_gap.count = 2;
  big_gap.positive_spans = {{1, 1}, {2, 1}};  // (1, 2] and (8, 16]
  big_gap.positive_buckets = {1, 0};
  Histogram custom;
  custom.schema = kCustomBucketsSchema;
  custom.count = 9;
  custom.positive_spans = {{0, 3}};
  custom.positive_buckets = {3, 0, 0};
  custom.custom_values = {1, 2, 3};
  struct Case {
    const Histogram* h;
    NativeHistogramLimits limits;
    bool error;
    size_t buckets;
    int32_t schema;
  };
  const std::vector<Case> cases = {
      {&example, {.bucket_limit = 3}, true, 0, 0},
      {&example, {.bucket_limit = 4}, false, 4, -1},
      {&example, {.bucket_limit = 10}, false, 6, 0},
      {&big_gap, {.bucket_limit = 1}, false, 1, -2},
      {&custom, {.bucket_limit = 2}, true, 0, 0},
      {&custom, {.bucket_limit = 3}, false, 3, kCustomBucketsSchema},
      {&example, {.max_schema = -1}, false, 4, -1},
      {&example, {.max_schema = 0}, false, 6, 0},
      {&custom, {.max_schema = -1}, false, 3, kCustomBucketsSchema},
  };
  for (const Case& c : cases) {
    Histogram h = *c.h;
    FloatHistogram fh = c.h->to_float();
    for (const Status& s : {apply_limits(h, c.limits), apply_limits(fh, c.limits)}) {
      EXPECT_EQ(!s.ok(), c.error) << (s.ok() ? "" : s.error().message);
      if (!s.ok()) {
        EXPECT_EQ(s.error().message, kBucketLimitMessage);
      }
    }
    if (c.error) continue;
    EXPECT_EQ(h.schema, c.schema);
    EXPECT_EQ(fh.schema, c.schema);
    EXPECT_EQ(h.positive_buckets.size() + h.negative_buckets.size(), c.buckets);
    EXPECT_EQ(fh.positive_buckets.size() + fh.negative_buckets.size(), c.buckets);
    EXPECT_TRUE(h.validate().ok());
    // Both forms hold the same buckets.
    EXPECT_TRUE(h.to_float().equals(fh)) << h.to_float().to_string() << " vs " << fh.to_string();
  }
}

}  // namespace
}  // namespace cogwatch::scrape::internal
