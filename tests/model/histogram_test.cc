#include "model/histogram.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "model/histogram_ops.h"

namespace cogwatch {
namespace {

// {schema:0 count:8 sum:20 z_bucket:1 z_bucket_w:0.5 buckets:[1 2 _ 3] n_buckets:[1]}
// with the positive buckets at indices 0, 1, 3 (0 empty at 2) and one
// negative bucket at index 1.
FloatHistogram sample_histogram() {
  FloatHistogram h;
  h.schema = 0;
  h.count = 8;
  h.sum = 20;
  h.zero_threshold = 0.5;
  h.zero_count = 1;
  h.positive_spans = {{0, 2}, {1, 1}};
  h.positive_buckets = {1, 2, 3};
  h.negative_spans = {{1, 1}};
  h.negative_buckets = {1};
  return h;
}

TEST(HistogramBounds, ExponentialBoundsAreBase2PowersOfTheSchema) {
  const std::vector<double> none;
  EXPECT_EQ(histogram_bucket_bound(0, 0, none), 1);
  EXPECT_EQ(histogram_bucket_bound(1, 0, none), 2);
  EXPECT_EQ(histogram_bucket_bound(-1, 0, none), 0.5);
  EXPECT_EQ(histogram_bucket_bound(1, -1, none), 4);
  EXPECT_EQ(histogram_bucket_bound(1, -4, none), 65536);
  // Prometheus's table value, one ulp below the correctly rounded 2^(1/2)/2.
  EXPECT_EQ(histogram_bucket_bound(1, 1, none), 1.414213562373095);
  EXPECT_EQ(histogram_bucket_bound(9, 3, none), 2 * 1.0905077326652577);
  // The last finite bucket ends at the largest double; +Inf has its own.
  EXPECT_EQ(histogram_bucket_bound(1024, 0, none), std::numeric_limits<double>::max());
  EXPECT_EQ(histogram_bucket_bound(4, 2, none), 2);
  EXPECT_EQ(histogram_bucket_bound(4096, 2, none), std::numeric_limits<double>::max());
  EXPECT_EQ(histogram_bucket_bound(4097, 2, none), std::numeric_limits<double>::infinity());
}

TEST(HistogramBounds, CustomBoundsEndAtInfinity) {
  const std::vector<double> bounds = {0.1, 0.5};
  EXPECT_EQ(histogram_bucket_bound(-1, kCustomBucketsSchema, bounds), -INFINITY);
  EXPECT_EQ(histogram_bucket_bound(0, kCustomBucketsSchema, bounds), 0.1);
  EXPECT_EQ(histogram_bucket_bound(2, kCustomBucketsSchema, bounds), INFINITY);
}

TEST(FloatHistogram, PrintsAsPrometheus) {
  FloatHistogram h = sample_histogram();
  EXPECT_EQ(h.to_string(), "{count:8, sum:20, [-2,-1):1, [-0.5,0.5]:1, (0.5,1]:1, (1,2]:2, (4,8]:3}");
  EXPECT_EQ(h.test_expression(),
            "{{count:8 sum:20 z_bucket:1 z_bucket_w:0.5 buckets:[1 2 0 3] n_offset:1 n_buckets:[1]}}");
  FloatHistogram c;
  c.schema = kCustomBucketsSchema;
  c.custom_values = {0.1, 0.2};
  c.positive_spans = {{0, 3}};
  c.positive_buckets = {1, 0, 2};
  c.count = 3;
  EXPECT_EQ(c.to_string(), "{count:3, sum:0, [-Inf,0.1]:1, (0.2,+Inf]:2}");
  EXPECT_EQ(c.test_expression(), "{{schema:-53 count:3 custom_values:[0.1 0.2] buckets:[1 0 2]}}");
}

TEST(FloatHistogram, BucketsInValueOrderClipTheZeroBucket) {
  FloatHistogram h = sample_histogram();
  h.zero_threshold = 0.7;  // inside (0.5, 1]
  std::vector<std::string> seen;
  h.for_each_bucket([&](const HistogramBucket& b) { seen.push_back(b.to_string()); });
  EXPECT_EQ(seen, (std::vector<std::string>{"[-2,-1):1", "[-0.7,0.7]:1", "(0.7,1]:1", "(1,2]:2",
                                            "(4,8]:3"}));
}

TEST(FloatHistogram, CompactDropsEmptyBucketsAndBridgesShortGaps) {
  FloatHistogram h = sample_histogram();
  h.positive_buckets = {0, 2, 3};  // index 0 empty
  h.compact(0);
  EXPECT_EQ(h.positive_spans, (HistogramSpans{{1, 1}, {1, 1}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{2, 3}));
  h.compact(1);
  EXPECT_EQ(h.positive_spans, (HistogramSpans{{1, 3}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{2, 0, 3}));
}

TEST(FloatHistogram, ValidateNamesTheProblem) {
  FloatHistogram h = sample_histogram();
  EXPECT_TRUE(h.validate().ok());
  h.positive_buckets.pop_back();
  EXPECT_EQ(h.validate().error().message,
            "positive side: spans need 3 buckets, have 2 buckets: histogram spans specify different number of "
            "buckets than provided");
  h = sample_histogram();
  h.schema = 9;
  EXPECT_NE(h.validate().error().message.find("got schema 9"), std::string::npos);
}

// Integer histograms are checked as Prometheus's Histogram.Validate does:
// counts summed as Go's int64/uint64, the total against Count.
TEST(Histogram, ValidateChecksTheCountAgainstTheBuckets) {
  Histogram h;
  h.schema = 0;
  h.count = 7;
  h.sum = 10;
  h.zero_threshold = 0.001;
  h.zero_count = 1;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {1, 1, 0};  // 1, 2, 2
  h.negative_spans = {{0, 1}};
  h.negative_buckets = {1};
  EXPECT_TRUE(h.validate().ok());
  h.count = 100;
  EXPECT_EQ(h.validate().error().message,
            "7 observations found in buckets, but the Count field is 100: histogram's observation count should equal "
            "the number of observations found in the buckets (in absence of NaN)");
  h.sum = std::nan("");  // NaN observations are in the count only
  EXPECT_TRUE(h.validate().ok());
  h.count = 5;
  EXPECT_EQ(h.validate().error().message,
            "7 observations found in buckets, but the Count field is 5: histogram's observation count should be at "
            "least the number of observations found in the buckets");
  // Deltas that overflow int64 make a negative count, as in Go.
  h.sum = 1;
  h.positive_buckets = {std::numeric_limits<int64_t>::max(), 1, 0};
  EXPECT_EQ(h.validate().error().message,
            "positive side: bucket number 2 has observation count of -9223372036854775808: histogram has a bucket "
            "whose observation count is negative");
}

TEST(Histogram, ValidateRefusesBucketIndicesBeyondInt32) {
  Histogram h;
  h.schema = 0;
  h.count = 2;
  h.positive_spans = {{std::numeric_limits<int32_t>::max(), 1}, {std::numeric_limits<int32_t>::max(), 1}};
  h.positive_buckets = {1, 0};
  EXPECT_EQ(h.validate().error().message,
            "positive side: span number 2 reaches beyond bucket index 2147483647: histogram bucket index out of range");
  h.positive_spans = {{std::numeric_limits<int32_t>::max(), 1}, {0, 1}};
  EXPECT_FALSE(h.validate().ok());
  h.positive_spans = {{std::numeric_limits<int32_t>::max() - 1, 2}};
  EXPECT_TRUE(h.validate().ok());
  FloatHistogram f = h.to_float();
  f.positive_spans = {{std::numeric_limits<int32_t>::min(), 1}, {std::numeric_limits<int32_t>::max(), 1}};
  EXPECT_TRUE(f.validate().ok());  // min + max + 1 = 0: in range
}

TEST(Histogram, EqualityIsPrometheusEqualsWhateverTheSpans) {
  Histogram a;
  a.schema = 0;
  a.count = 3;
  a.positive_spans = {{0, 2}};
  a.positive_buckets = {1, 1};
  Histogram b = a;
  b.positive_spans = {{0, 1}, {0, 0}, {0, 1}};
  EXPECT_TRUE(a == b);
  b.positive_spans = {{0, 1}, {1, 1}};
  EXPECT_FALSE(a == b);
}

TEST(HistogramOps, AddMergesBucketsAtTheLowerSchema) {
  FloatHistogram a;  // schema 1: buckets 1 and 2 are (1,1.41] and (1.41,2]
  a.schema = 1;
  a.count = 3;
  a.sum = 4;
  a.positive_spans = {{1, 2}};
  a.positive_buckets = {1, 2};
  FloatHistogram b;  // schema 0: bucket 1 is (1,2]
  b.count = 5;
  b.sum = 6;
  b.positive_spans = {{1, 2}};
  b.positive_buckets = {4, 1};
  ASSERT_TRUE(histogram_add(a, b).ok());
  EXPECT_EQ(a.schema, 0);
  EXPECT_EQ(a.count, 8);
  EXPECT_EQ(a.sum, 10);
  EXPECT_EQ(a.positive_spans, (HistogramSpans{{1, 2}}));
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{7, 1}));
}

TEST(HistogramOps, AddWidensTheZeroBucketToABucketBoundary) {
  FloatHistogram a;  // zero bucket [-0.5, 0.5]
  a.zero_threshold = 0.5;
  a.zero_count = 1;
  a.count = 1;
  FloatHistogram b;  // zero bucket [-0.25, 0.25] and a bucket (0.25, 0.5]
  b.zero_threshold = 0.25;
  b.zero_count = 2;
  b.count = 5;
  b.positive_spans = {{-1, 2}};  // (0.25,0.5]:1 (0.5,1]:2
  b.positive_buckets = {1, 2};
  ASSERT_TRUE(histogram_add(a, b).ok());
  EXPECT_EQ(a.zero_threshold, 0.5);
  EXPECT_EQ(a.zero_count, 4);
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{2}));

  // A threshold inside a populated bucket moves to its upper edge.
  FloatHistogram c;
  c.zero_threshold = 0.7;
  FloatHistogram d = b;
  ASSERT_TRUE(histogram_add(c, d).ok());
  EXPECT_EQ(c.zero_threshold, 1);
  EXPECT_EQ(c.zero_count, 5);
  EXPECT_TRUE(c.positive_buckets.empty());
}

TEST(HistogramOps, SubtractionAndMixedSchemas) {
  FloatHistogram a = sample_histogram(), b = sample_histogram();
  ASSERT_TRUE(histogram_sub(a, b).ok());
  EXPECT_EQ(a.count, 0);
  EXPECT_TRUE(a.positive_buckets.empty());
  EXPECT_TRUE(a.negative_buckets.empty());
  FloatHistogram custom;
  custom.schema = kCustomBucketsSchema;
  FloatHistogram before = sample_histogram();
  FloatHistogram h = before;
  Status s = histogram_add(h, custom);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, kIncompatibleSchemaMessage);
  EXPECT_TRUE(h.equals(before));
}

TEST(HistogramOps, CustomBoundsThatDifferAreCombinedOnTheSharedOnes) {
  FloatHistogram a;
  a.schema = kCustomBucketsSchema;
  a.custom_values = {1, 2, 3};
  a.positive_spans = {{0, 4}};
  a.positive_buckets = {1, 2, 3, 4};
  FloatHistogram b;
  b.schema = kCustomBucketsSchema;
  b.custom_values = {2, 4};
  b.positive_spans = {{0, 3}};
  b.positive_buckets = {10, 20, 30};
  HistogramCombineInfo info;
  ASSERT_TRUE(histogram_add(a, b, &info).ok());
  EXPECT_TRUE(info.nhcb_bounds_reconciled);
  EXPECT_EQ(a.custom_values, (std::vector<double>{2}));
  // (-Inf,2]: 1+2+10; (2,+Inf]: 3+4+20+30.
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{13, 57}));
}

TEST(HistogramOps, CounterResetHintsCollide) {
  FloatHistogram a, b;
  a.counter_reset_hint = CounterResetHint::kCounterReset;
  b.counter_reset_hint = CounterResetHint::kNotCounterReset;
  HistogramCombineInfo info;
  ASSERT_TRUE(histogram_add(a, b, &info).ok());
  EXPECT_TRUE(info.counter_reset_collision);
  EXPECT_EQ(a.counter_reset_hint, CounterResetHint::kUnknown);
  b.counter_reset_hint = CounterResetHint::kGauge;
  ASSERT_TRUE(histogram_add(a, b).ok());
  EXPECT_EQ(a.counter_reset_hint, CounterResetHint::kGauge);
}

TEST(HistogramOps, KahanCompensationKeepsSmallAddends) {
  FloatHistogram sum, comp, big, small;
  big.sum = 1e100;
  big.positive_spans = {{0, 1}};
  big.positive_buckets = {1e100};
  small.sum = 1;
  small.positive_spans = {{0, 1}};
  small.positive_buckets = {1};
  FloatHistogram minus_big = big;
  minus_big.mul(-1);
  ASSERT_TRUE(histogram_add(sum, big, nullptr, &comp).ok());
  ASSERT_TRUE(histogram_add(sum, small, nullptr, &comp).ok());
  ASSERT_TRUE(histogram_add(sum, minus_big, nullptr, &comp).ok());
  ASSERT_TRUE(histogram_add(sum, comp).ok());
  EXPECT_EQ(sum.sum, 1);
  ASSERT_EQ(sum.positive_buckets.size(), 1u);
  EXPECT_EQ(sum.positive_buckets[0], 1);
}

TEST(HistogramOps, ReduceResolution) {
  FloatHistogram h;
  h.schema = 2;
  h.positive_spans = {{-3, 8}};  // indices -3..4 → schema 0 indices 0, 0, 0, 0?, 1...
  h.positive_buckets = {1, 1, 1, 1, 1, 1, 1, 1};
  histogram_reduce_resolution(h, 0);
  EXPECT_EQ(h.schema, 0);
  // Schema 2 index i goes to ((i-1) >> 2) + 1: -3..0 → 0, 1..4 → 1.
  EXPECT_EQ(h.positive_spans, (HistogramSpans{{0, 2}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{4, 4}));
}

TEST(HistogramOps, DetectReset) {
  FloatHistogram prev = sample_histogram();
  FloatHistogram cur = sample_histogram();
  EXPECT_FALSE(histogram_detect_reset(cur, prev));
  cur.positive_buckets[1] = 1;  // a bucket went down, the count did not
  EXPECT_TRUE(histogram_detect_reset(cur, prev));
  cur = sample_histogram();
  cur.negative_spans.clear();  // a populated bucket is gone
  cur.negative_buckets.clear();
  EXPECT_TRUE(histogram_detect_reset(cur, prev));
  cur = sample_histogram();
  cur.counter_reset_hint = CounterResetHint::kCounterReset;
  EXPECT_TRUE(histogram_detect_reset(cur, prev));
  cur = sample_histogram();
  cur.schema = 1;  // higher resolution only comes with a reset
  EXPECT_TRUE(histogram_detect_reset(cur, prev));
  // Lower resolution: compared after merging the previous buckets.
  cur = sample_histogram();
  histogram_reduce_resolution(cur, -1);
  EXPECT_FALSE(histogram_detect_reset(cur, prev));
  // A wider zero bucket takes the buckets inside it.
  cur = sample_histogram();
  cur.zero_threshold = 1;
  cur.zero_count = 2;  // 1 + the bucket (0.5,1]
  cur.positive_spans = {{1, 1}, {1, 1}};
  cur.positive_buckets = {2, 3};
  EXPECT_FALSE(histogram_detect_reset(cur, prev));
  cur.zero_count = 1.5;
  EXPECT_TRUE(histogram_detect_reset(cur, prev));
}

}  // namespace
}  // namespace cogwatch
