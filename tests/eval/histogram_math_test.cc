// Native-histogram math against Prometheus's own expectations: the cases of
// promql/promqltest/testdata/native_histograms.test and histograms.test
// (Prometheus at d15adb9ad7), each input written out as a FloatHistogram
// and named after its series there, compared as promqltest compares
// (relative difference below 1e-6). The BitExact tests pin, for each
// arithmetic path, the exact double Prometheus's Go code computes on amd64
// for the same input, since the API prints shortest round-trip floats.
#include "eval/internal/histogram_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/histogram.h"
#include "model/value.h"

namespace cogwatch::eval::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The test notation's fields ({{schema:0 count:4 sum:5 z_bucket:1
// z_bucket_w:0.5 offset:0 buckets:[1 2 1] n_offset:0 n_buckets:[...]
// custom_values:[...]}}) in the order designated initializers need.
struct Notation {
  int32_t schema = 0;
  double count = 0, sum = 0;
  double z_bucket = 0, z_bucket_w = 0;
  int32_t offset = 0;
  std::vector<double> buckets;
  int32_t n_offset = 0;
  std::vector<double> n_buckets;
  std::vector<double> custom_values;
};

// One span per side, as the notation means.
FloatHistogram H(const Notation& n) {
  FloatHistogram h;
  h.schema = n.schema;
  h.count = n.count;
  h.sum = n.sum;
  h.zero_count = n.z_bucket;
  h.zero_threshold = n.z_bucket_w;
  if (!n.buckets.empty()) h.positive_spans = {{n.offset, static_cast<uint32_t>(n.buckets.size())}};
  h.positive_buckets = n.buckets;
  if (!n.n_buckets.empty()) h.negative_spans = {{n.n_offset, static_cast<uint32_t>(n.n_buckets.size())}};
  h.negative_buckets = n.n_buckets;
  h.custom_values = n.custom_values;
  EXPECT_TRUE(h.validate().ok()) << h.test_expression();
  return h;
}

// Prometheus's almost.Equal(want, got, 1e-6), promqltest's comparison.
::testing::AssertionResult Near(const char* want_expr, const char* got_expr, double want, double got) {
  constexpr double kEpsilon = 1e-6;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  bool ok;
  if (std::isnan(want) || std::isnan(got)) {
    ok = std::isnan(want) && std::isnan(got);
  } else if (want == got) {
    ok = true;
  } else {
    const double abs_sum = std::fabs(want) + std::fabs(got), diff = std::fabs(want - got);
    ok = want == 0 || got == 0 || abs_sum < kMinNormal
             ? diff < kEpsilon * kMinNormal
             : diff / std::min(abs_sum, std::numeric_limits<double>::max()) < kEpsilon;
  }
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got_expr << " is " << format_float(got) << ", want " << format_float(want)
                                       << " (" << want_expr << ")";
}
#define EXPECT_PROM(want, got) EXPECT_PRED_FORMAT2(Near, want, got)

// Bit for bit (any NaN equals any NaN).
::testing::AssertionResult Same(const char* want_expr, const char* got_expr, double want, double got) {
  if ((std::isnan(want) && std::isnan(got)) || std::bit_cast<uint64_t>(want) == std::bit_cast<uint64_t>(got)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << got_expr << " is " << format_float(got) << ", want " << format_float(want)
                                       << " (" << want_expr << ")";
}
#define EXPECT_SAME(want, got) EXPECT_PRED_FORMAT2(Same, want, got)

// promqltest's compareNativeHistogram after compacting both: the layout
// exactly, the numbers within 1e-6.
::testing::AssertionResult HistogramsMatch(const char*, const char* got_expr, FloatHistogram want, FloatHistogram got) {
  want.compact(0);
  got.compact(0);
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure() << got_expr << ": " << what << "\n  got  " << got.test_expression()
                                         << "\n  want " << want.test_expression();
  };
  auto near = [](double a, double b) { return static_cast<bool>(Near("", "", a, b)); };
  if (want.schema != got.schema || want.zero_threshold != got.zero_threshold) return fail("schema or zero threshold");
  if (want.uses_custom_buckets() && want.custom_values != got.custom_values) return fail("custom bounds");
  if (!near(want.count, got.count) || !near(want.sum, got.sum) || !near(want.zero_count, got.zero_count)) {
    return fail("count, sum or zero bucket");
  }
  if (want.positive_spans != got.positive_spans || want.negative_spans != got.negative_spans) return fail("spans");
  auto buckets_near = [&](const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!near(a[i], b[i])) return false;
    }
    return true;
  };
  if (!buckets_near(want.positive_buckets, got.positive_buckets) ||
      !buckets_near(want.negative_buckets, got.negative_buckets)) {
    return fail("buckets");
  }
  return ::testing::AssertionSuccess();
}
#define EXPECT_HISTOGRAM(want, got) EXPECT_PRED_FORMAT2(HistogramsMatch, want, got)

double quantile(double q, const FloatHistogram& h) { return native_histogram_quantile(q, h).value; }
double fraction(double lower, double upper, const FloatHistogram& h) {
  return native_histogram_fraction(lower, upper, h).value;
}

// Series the scripts use in several places, named as there.

// {{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 buckets:[2 3 0 1 4]}}
// (also histogram_fraction_2)
FloatHistogram histogram_quantile_1() {
  return H({.schema = 0, .count = 12, .sum = 100, .z_bucket = 2, .z_bucket_w = 0.001, .buckets = {2, 3, 0, 1, 4}});
}
// The same mirrored: n_buckets:[2 3 0 1 4] (also histogram_fraction_3).
FloatHistogram histogram_quantile_2() {
  return H({.schema = 0, .count = 12, .sum = 100, .z_bucket = 2, .z_bucket_w = 0.001, .n_buckets = {2, 3, 0, 1, 4}});
}
// Both: count:24 z_bucket:4 (also histogram_fraction_4, histogram_count_sum_2).
FloatHistogram histogram_quantile_3() {
  return H({.schema = 0,
            .count = 24,
            .sum = 100,
            .z_bucket = 4,
            .z_bucket_w = 0.001,
            .buckets = {2, 3, 0, 1, 4},
            .n_buckets = {2, 3, 0, 1, 4}});
}
// {{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}
FloatHistogram h_test() {
  return H({.schema = 0,
            .count = 34,
            .sum = 123.75,
            .z_bucket = 1,
            .z_bucket_w = 0.001,
            .buckets = {2, 4, 8, 16},
            .n_buckets = {1, 2}});
}
// {{schema:2 sum:12.8286080906 count:28 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 3 1]}}
FloatHistogram h_test_2() {
  return H({.schema = 2,
            .count = 28,
            .sum = 12.8286080906,
            .z_bucket = 1,
            .z_bucket_w = 0.001,
            .buckets = {1, 2, 4, 7, 3},
            .n_buckets = {1, 5, 3, 1}});
}
// {{schema:-53 sum:172.5 count:15 custom_values:[5 10 15 20] buckets:[1 6 4 3 1]}}
FloatHistogram cbh() {
  return H({.schema = kCustomBucketsSchema,
            .count = 15,
            .sum = 172.5,
            .buckets = {1, 6, 4, 3, 1},
            .custom_values = {5, 10, 15, 20}});
}
// histogram_nan{case="100% NaNs"} {{schema:0 count:3 sum:NaN}}
FloatHistogram all_nan() { return H({.schema = 0, .count = 3, .sum = kNaN}); }
// histogram_nan{case="20% NaNs"} {{schema:0 count:15 sum:NaN buckets:[12]}}
FloatHistogram some_nan() { return H({.schema = 0, .count = 15, .sum = kNaN, .buckets = {12}}); }

// ---------------------------------------------------------------------------
// histogram_quantile

TEST(NativeHistogramQuantile, OutOfRangeAndNaNQuantiles) {
  const FloatHistogram h = histogram_quantile_1();  // histogram_quantile_1
  EXPECT_PROM(kInf, quantile(1.001, h));
  EXPECT_PROM(-kInf, quantile(-1, h));
  EXPECT_PROM(kNaN, quantile(kNaN, h));  // histograms.test: histogram_quantile(NaN, testhistogram)
  // q is judged before the histogram: an empty one still gives ±Inf.
  const FloatHistogram empty = H({});
  EXPECT_PROM(kInf, quantile(2, empty));
  EXPECT_PROM(-kInf, quantile(-0.5, empty));
}

TEST(NativeHistogramQuantile, EmptyHistogramsHaveNoQuantile) {
  // empty_histogram (exponential and custom) and rate(const_histogram[5m]).
  EXPECT_PROM(kNaN, quantile(0.5, H({})));
  EXPECT_PROM(kNaN, quantile(1, H({.schema = 0, .count = 0, .sum = 0})));
  EXPECT_PROM(kNaN, quantile(0.5, H({.schema = kCustomBucketsSchema, .custom_values = {-2, 3}})));
}

TEST(NativeHistogramQuantile, InterpolatesExponentiallyInsideBuckets) {
  // single_histogram: the middle of (1,2] is sqrt(2).
  EXPECT_PROM(1.414213562373095, quantile(0.5, H({.schema = 0, .count = 4, .sum = 5, .buckets = {1, 2, 1}})));
  // histogram_quantile_1: positive buckets and a zero bucket.
  const FloatHistogram h = histogram_quantile_1();
  EXPECT_PROM(16, quantile(1, h));
  EXPECT_PROM(15.67072476139083, quantile(0.99, h));
  EXPECT_PROM(12.99603834169977, quantile(0.9, h));
  EXPECT_PROM(4.594793419988138, quantile(0.6, h));
  EXPECT_PROM(1.5874010519681994, quantile(0.5, h));
  // Linear in the zero bucket, which counts as [0, 0.001] here: only
  // positive buckets.
  EXPECT_PROM(0.0006, quantile(0.1, h));
  EXPECT_PROM(0, quantile(0, h));
}

TEST(NativeHistogramQuantile, MirrorsNegativeBuckets) {
  // histogram_quantile_2: the zero bucket counts as [-0.001, 0].
  const FloatHistogram h = histogram_quantile_2();
  EXPECT_PROM(kInf, quantile(1.001, h));
  EXPECT_PROM(0, quantile(1, h));
  EXPECT_PROM(-0.00006, quantile(0.99, h));
  EXPECT_PROM(-0.0006, quantile(0.9, h));
  EXPECT_PROM(-1.5874010519681996, quantile(0.5, h));
  EXPECT_PROM(-12.996038341699768, quantile(0.1, h));
  EXPECT_PROM(-16, quantile(0, h));
  // negative_histogram
  EXPECT_PROM(-1.414213562373095, quantile(0.5, H({.schema = 0, .count = 4, .sum = -5, .n_buckets = {1, 2, 1}})));
}

TEST(NativeHistogramQuantile, ZeroBucketBetweenNegativeAndPositiveBuckets) {
  // histogram_quantile_3: the zero bucket is [-0.001, 0.001].
  const FloatHistogram h = histogram_quantile_3();
  EXPECT_PROM(16, quantile(1, h));
  EXPECT_PROM(15.34822590920423, quantile(0.99, h));
  EXPECT_PROM(10.556063286183155, quantile(0.9, h));
  EXPECT_PROM(1.2030250360821164, quantile(0.7, h));
  EXPECT_PROM(0.0006, quantile(0.55, h));
  EXPECT_PROM(0, quantile(0.5, h));
  EXPECT_PROM(-0.0006, quantile(0.45, h));
  EXPECT_PROM(-1.2030250360821169, quantile(0.3, h));
  EXPECT_PROM(-10.556063286183155, quantile(0.1, h));
  EXPECT_PROM(-15.34822590920423, quantile(0.01, h));
  EXPECT_PROM(-16, quantile(0, h));
  // single_zero_histogram: only the zero bucket, symmetric around 0.
  EXPECT_PROM(0, quantile(0.5, H({.schema = 0, .count = 1, .sum = 0.25, .z_bucket = 1, .z_bucket_w = 0.5})));
}

TEST(NativeHistogramQuantile, InterpolationDoesNotDependOnTheSchema) {
  // var_res_histogram, positive and negative, one and two buckets up.
  EXPECT_PROM(2.0, quantile(0.5, H({.schema = -1, .count = 5, .sum = 6, .buckets = {0, 5}})));
  EXPECT_PROM(1.4142135623730951, quantile(0.5, H({.schema = 0, .count = 5, .sum = 4, .buckets = {0, 5}})));
  EXPECT_PROM(1.189207, quantile(0.5, H({.schema = 1, .count = 5, .sum = 4, .buckets = {0, 5}})));
  EXPECT_PROM(8.0, quantile(0.5, H({.schema = -1, .count = 5, .sum = 6, .buckets = {0, 0, 5}})));
  EXPECT_PROM(2.82842712474619, quantile(0.5, H({.schema = 0, .count = 5, .sum = 4, .buckets = {0, 0, 5}})));
  EXPECT_PROM(1.6817928305074292, quantile(0.5, H({.schema = 1, .count = 5, .sum = 4, .buckets = {0, 0, 5}})));
  EXPECT_PROM(-2.0, quantile(0.5, H({.schema = -1, .count = 5, .sum = 6, .n_buckets = {0, 5}})));
  EXPECT_PROM(-1.4142135623730951, quantile(0.5, H({.schema = 0, .count = 5, .sum = 4, .n_buckets = {0, 5}})));
  EXPECT_PROM(-1.189207, quantile(0.5, H({.schema = 1, .count = 5, .sum = 4, .n_buckets = {0, 5}})));
  EXPECT_PROM(-8.0, quantile(0.5, H({.schema = -1, .count = 5, .sum = 6, .n_buckets = {0, 0, 5}})));
  EXPECT_PROM(-2.82842712474619, quantile(0.5, H({.schema = 0, .count = 5, .sum = 4, .n_buckets = {0, 0, 5}})));
  EXPECT_PROM(-1.6817928305074292, quantile(0.5, H({.schema = 1, .count = 5, .sum = 4, .n_buckets = {0, 0, 5}})));
}

TEST(NativeHistogramQuantile, RankInEmptyBucketsGivesTheNextPopulatedBucketsLowerBound) {
  // balanced_histogram: the rank lies between the negative and positive
  // buckets, with no zero bucket.
  EXPECT_PROM(0.5, quantile(0.5, H({.schema = 0, .count = 8, .sum = 0, .buckets = {1, 2, 1}, .n_buckets = {1, 2, 1}})));
}

TEST(NativeHistogramQuantile, CustomBucketsInterpolateLinearly) {
  // custom_buckets_histogram
  EXPECT_PROM(
      7.5,
      quantile(
          0.5,
          H({.schema = kCustomBucketsSchema, .count = 4, .sum = 5, .buckets = {1, 2, 1}, .custom_values = {5, 10}})));
  // testhistogram2 at 7m: results in the middles of the buckets.
  const FloatHistogram h2 = H({.schema = kCustomBucketsSchema,
                               .count = 3,
                               .sum = 0,
                               .buckets = {0, 1, 1, 1, 0},
                               .custom_values = {0, 2, 4, 6}});
  EXPECT_PROM(1, quantile(1. / 6., h2));
  EXPECT_PROM(3, quantile(0.5, h2));
  EXPECT_PROM(5, quantile(5. / 6., h2));
}

TEST(NativeHistogramQuantile, CustomBucketsReachingToInfinity) {
  // testhistogram (load_with_nhcb) at 50m.
  const FloatHistogram positive = H({.schema = kCustomBucketsSchema,
                                     .count = 120,
                                     .sum = 0,
                                     .buckets = {50, 20, 40, 10},
                                     .custom_values = {0.1, 0.2, 1}});
  EXPECT_PROM(0, quantile(0, positive));  // (-Inf, 0.1] counts as [0, 0.1]
  EXPECT_PROM(0.048, quantile(0.2, positive));
  EXPECT_PROM(0.15, quantile(0.5, positive));
  EXPECT_PROM(0.72, quantile(0.8, positive));
  EXPECT_PROM(1, quantile(1, positive));  // (1, +Inf] gives its lower bound
  const FloatHistogram negative = H({.schema = kCustomBucketsSchema,
                                     .count = 30,
                                     .sum = 0,
                                     .buckets = {10, 10, 0, 10},
                                     .custom_values = {-0.2, -0.1, 0.3}});
  EXPECT_PROM(-0.2, quantile(0, negative));  // (-Inf, -0.2] gives its upper bound
  EXPECT_PROM(-0.2, quantile(0.2, negative));
  EXPECT_PROM(-0.15, quantile(0.5, negative));
  EXPECT_PROM(0.3, quantile(0.8, negative));
  EXPECT_PROM(0.3, quantile(1, negative));
  // testhistogram3, whose first buckets are empty.
  const FloatHistogram h3_positive = H({.schema = kCustomBucketsSchema,
                                        .count = 110,
                                        .sum = 330,
                                        .buckets = {0, 50, 20, 40, 0},
                                        .custom_values = {0, 0.1, 0.2, 1}});
  EXPECT_PROM(0, quantile(0, h3_positive));
  EXPECT_PROM(0.055, quantile(0.25, h3_positive));
  EXPECT_PROM(0.125, quantile(0.5, h3_positive));
  EXPECT_PROM(0.45, quantile(0.75, h3_positive));
  EXPECT_PROM(1, quantile(1, h3_positive));
  const FloatHistogram h3_negative = H({.schema = kCustomBucketsSchema,
                                        .count = 20,
                                        .sum = 80,
                                        .buckets = {0, 10, 10, 0, 0},
                                        .custom_values = {-0.25, -0.2, -0.1, 0.3}});
  EXPECT_PROM(-0.25, quantile(0, h3_negative));
  EXPECT_PROM(-0.225, quantile(0.25, h3_negative));
  EXPECT_PROM(-0.2, quantile(0.5, h3_negative));
  EXPECT_PROM(-0.15, quantile(0.75, h3_negative));
  EXPECT_PROM(-0.1, quantile(1, h3_negative));
}

TEST(NativeHistogramQuantile, NaNObservations) {
  // histogram_nan: {case="100% NaNs"} and {case="20% NaNs"}.
  for (double q : {1.0, 0.81, 0.4}) {
    const HistogramQuantileResult r = native_histogram_quantile(q, all_nan());
    EXPECT_PROM(kNaN, r.value) << q;
    EXPECT_TRUE(r.nan_result) << q;
    EXPECT_FALSE(r.nan_skewed) << q;
  }
  for (double q : {1.0, 0.81}) {
    const HistogramQuantileResult r = native_histogram_quantile(q, some_nan());
    EXPECT_PROM(kNaN, r.value) << q;
    EXPECT_TRUE(r.nan_result) << q;
  }
  HistogramQuantileResult r = native_histogram_quantile(0.8, some_nan());
  EXPECT_PROM(1, r.value);
  EXPECT_FALSE(r.nan_result);
  EXPECT_TRUE(r.nan_skewed);
  r = native_histogram_quantile(0.4, some_nan());
  EXPECT_PROM(0.7071067811865475, r.value);
  EXPECT_TRUE(r.nan_skewed);
  // A quantile of an ordinary histogram says nothing.
  r = native_histogram_quantile(0.5, H({.schema = 0, .count = 4, .sum = 5, .buckets = {1, 2, 1}}));
  EXPECT_FALSE(r.nan_result || r.nan_skewed);
}

TEST(NativeHistogramQuantile, NaNSumInterpolatesInTheLastBucketAsUpstreamDoes) {
  // Prometheus's NaN-skew check leaves its bucket variable at the last
  // bucket, so a rank found in an earlier bucket is interpolated between
  // the last bucket's bounds. Reproduced for parity; the values are what
  // Prometheus's HistogramQuantile returns (no script covers them).
  //
  // Two NaN observations: the 0.25 quantile's rank 1.5 is in (0.5,1] but
  // comes out as 2^(0 + 0.75), not 2^(-1 + 0.75).
  HistogramQuantileResult r =
      native_histogram_quantile(0.25, H({.schema = 0, .count = 6, .sum = kNaN, .buckets = {2, 2}}));
  EXPECT_SAME(1.6817928305074292, r.value);
  EXPECT_TRUE(r.nan_skewed);
  // +Inf and -Inf observed make the sum NaN too, with buckets adding up to
  // the count: not skewed, counted from the low end all the same; the rank
  // (2 of 2 in (1,2]) is placed in (2,4] at fraction 2: 2^3.
  r = native_histogram_quantile(0.75, H({.schema = 0, .count = 4, .sum = kNaN, .buckets = {1, 2, 1}}));
  EXPECT_SAME(8, r.value);
  EXPECT_FALSE(r.nan_result);
  EXPECT_FALSE(r.nan_skewed);
}

TEST(NativeHistogramQuantile, RankAboveTheBucketsWithoutNaNsGivesTheLastUpperBound) {
  // Buckets adding up to less than the count with a finite sum (float
  // error, or a broken histogram): the upper bound of the last bucket.
  const HistogramQuantileResult r =
      native_histogram_quantile(0.1, H({.schema = 0, .count = 100, .sum = 3, .buckets = {2, 3}}));
  EXPECT_SAME(2, r.value);
  EXPECT_FALSE(r.nan_result);
}

TEST(NativeHistogramQuantile, RunningCountIsCappedAtTheCount) {
  // Buckets adding up to more than the count (float error in a rate or a
  // sum; here exaggerated): the running count stops at the count, from
  // either end. (Computed by Prometheus's HistogramQuantile.)
  const FloatHistogram h = H({.schema = 0, .count = 5, .sum = 10, .buckets = {0.1, 10}});
  EXPECT_SAME(1.2311444133449163, quantile(0.6, h));  // 2^0.3, not 2^0.8
  EXPECT_SAME(1.624504792712471, quantile(0.4, h));   // 2^0.7, not 2^0.19
}

// ---------------------------------------------------------------------------
// histogram_fraction

TEST(NativeHistogramFraction, SpecialCases) {
  // empty_histogram, histogram_fraction_1, rate(const_histogram[5m])
  EXPECT_PROM(kNaN, fraction(-kInf, kInf, H({})));
  EXPECT_PROM(kNaN, fraction(3.1415, 42, H({})));
  EXPECT_PROM(kNaN, fraction(0, 8, H({.schema = kCustomBucketsSchema, .custom_values = {-2, 3}})));
  const FloatHistogram h = histogram_quantile_1();  // histogram_fraction_2
  EXPECT_PROM(kNaN, fraction(3.1415, kNaN, h));
  EXPECT_PROM(kNaN, fraction(kNaN, 42, h));
  EXPECT_PROM(kNaN, fraction(kNaN, kNaN, h));
  EXPECT_PROM(0, fraction(42, 3.1415, h));
  EXPECT_PROM(0, fraction(0, 0, h));
  EXPECT_PROM(0, fraction(0.000001, 0.000001, h));
  EXPECT_PROM(0, fraction(-3.1, -3.1, h));
  EXPECT_PROM(1, fraction(-kInf, kInf, h));
}

TEST(NativeHistogramFraction, PositiveBuckets) {
  // single_histogram, low_res_histogram
  const FloatHistogram single = H({.schema = 0, .count = 4, .sum = 5, .buckets = {1, 2, 1}});
  EXPECT_PROM(0.5, fraction(1, 2, single));
  EXPECT_PROM(1, fraction(0, 8, single));
  EXPECT_PROM(1, fraction(1, 4, H({.schema = -1, .count = 5, .sum = 8, .offset = 1, .buckets = {5}})));
  // histogram_fraction_2
  const FloatHistogram h = histogram_quantile_1();
  EXPECT_PROM(1, fraction(0, kInf, h));
  EXPECT_PROM(0, fraction(-kInf, 0, h));
  EXPECT_PROM(0, fraction(-0.001, 0, h));
  EXPECT_PROM(0.16666666666666666, fraction(0, 0.001, h));
  EXPECT_PROM(0.8333333333333334, fraction(0.001, kInf, h));
  EXPECT_PROM(0.08333333333333333, fraction(0, 0.0005, h));  // linear in the zero bucket
  EXPECT_PROM(0, fraction(-kInf, -0.001, h));
  EXPECT_PROM(0.25, fraction(1, 2, h));
  EXPECT_PROM(0.4795739585136224, fraction(0, 1.5, h));
  EXPECT_PROM(0.10375937481971091, fraction(1.5, 2, h));
  EXPECT_PROM(0.3333333333333333, fraction(1, 8, h));
  EXPECT_PROM(0.6320802083934297, fraction(0, 6, h));
  EXPECT_PROM(0.29874687506009634, fraction(1, 6, h));
  EXPECT_PROM(0.15250624987980724, fraction(1.5, 6, h));
  EXPECT_PROM(0, fraction(-2, -1, h));
  EXPECT_PROM(0, fraction(-6, -1.5, h));
  // The inverse of histogram_quantile.
  EXPECT_PROM(0.0005, quantile(0.08333333333333333, h));
  EXPECT_PROM(6, quantile(0.6320802083934297, h));
}

TEST(NativeHistogramFraction, NegativeBuckets) {
  // negative_histogram, histogram_fraction_3
  EXPECT_PROM(0.5, fraction(-2, -1, H({.schema = 0, .count = 4, .sum = -5, .n_buckets = {1, 2, 1}})));
  const FloatHistogram h = histogram_quantile_2();
  EXPECT_PROM(0, fraction(0, kInf, h));
  EXPECT_PROM(1, fraction(-kInf, 0, h));
  EXPECT_PROM(0.16666666666666666, fraction(-0.001, 0, h));
  EXPECT_PROM(0, fraction(0, 0.001, h));
  EXPECT_PROM(0.08333333333333333, fraction(-0.0005, 0, h));
  EXPECT_PROM(0.9166666666666666, fraction(-kInf, -0.0005, h));
  EXPECT_PROM(0.8333333333333334, fraction(-kInf, -0.001, h));
  EXPECT_PROM(0, fraction(1, 8, h));
  EXPECT_PROM(0.25, fraction(-2, -1, h));
  EXPECT_PROM(0.10375937481971091, fraction(-2, -1.5, h));
  EXPECT_PROM(0.3333333333333333, fraction(-8, -1, h));
  EXPECT_PROM(0.36791979160657035, fraction(-kInf, -6, h));
  EXPECT_PROM(0.29874687506009634, fraction(-6, -1, h));
  EXPECT_PROM(0.15250624987980724, fraction(-6, -1.5, h));
  EXPECT_PROM(1, fraction(-kInf, kInf, h));
  EXPECT_PROM(-0.0005, quantile(0.9166666666666666, h));
  EXPECT_PROM(-6, quantile(0.36791979160657035, h));
}

TEST(NativeHistogramFraction, BothSignsAndTheZeroBucket) {
  // histogram_fraction_4, balanced_histogram
  const FloatHistogram h = histogram_quantile_3();
  EXPECT_PROM(0.5, fraction(0, kInf, h));
  EXPECT_PROM(0.5, fraction(-kInf, 0, h));
  EXPECT_PROM(0.08333333333333333, fraction(-0.001, 0, h));
  EXPECT_PROM(0.08333333333333333, fraction(0, 0.001, h));
  EXPECT_PROM(0.08333333333333333, fraction(-0.0005, 0.0005, h));
  EXPECT_PROM(0.5416666666666666, fraction(-kInf, 0.0005, h));
  EXPECT_PROM(0.4583333333333333, fraction(-kInf, -0.0005, h));
  EXPECT_PROM(0.4166666666666667, fraction(0.001, kInf, h));
  EXPECT_PROM(0.4166666666666667, fraction(-kInf, -0.001, h));
  EXPECT_PROM(0.125, fraction(1, 2, h));
  EXPECT_PROM(0.051879687409855414, fraction(1.5, 2, h));
  EXPECT_PROM(0.16666666666666666, fraction(1, 8, h));
  EXPECT_PROM(0.14937343753004825, fraction(1, 6, h));
  EXPECT_PROM(0.07625312493990366, fraction(1.5, 6, h));
  EXPECT_PROM(0.125, fraction(-2, -1, h));
  EXPECT_PROM(0.051879687409855456, fraction(-2, -1.5, h));
  EXPECT_PROM(0.14937343753004817, fraction(-6, -1, h));
  EXPECT_PROM(0.07625312493990362, fraction(-6, -1.5, h));
  EXPECT_PROM(0.0005, quantile(0.5416666666666666, h));
  EXPECT_PROM(-0.0005, quantile(0.4583333333333333, h));
  EXPECT_PROM(0.5,
              fraction(0, 4, H({.schema = 0, .count = 8, .sum = 0, .buckets = {1, 2, 1}, .n_buckets = {1, 2, 1}})));
  // single_zero_histogram
  EXPECT_PROM(1, fraction(-0.5, 0.5, H({.schema = 0, .count = 1, .sum = 0.25, .z_bucket = 1, .z_bucket_w = 0.5})));
}

TEST(NativeHistogramFraction, InvertsQuantilesAtEverySchema) {
  // var_res_histogram
  EXPECT_PROM(0.5, fraction(0, 2, H({.schema = -1, .count = 5, .sum = 6, .buckets = {0, 5}})));
  EXPECT_PROM(0.5, fraction(0, 1.4142135623730951, H({.schema = 0, .count = 5, .sum = 4, .buckets = {0, 5}})));
  EXPECT_PROM(0.5, fraction(0, 1.189207, H({.schema = 1, .count = 5, .sum = 4, .buckets = {0, 5}})));
  EXPECT_PROM(0.5, fraction(0, 8, H({.schema = -1, .count = 5, .sum = 6, .buckets = {0, 0, 5}})));
  EXPECT_PROM(0.5, fraction(-2.82842712474619, 0, H({.schema = 0, .count = 5, .sum = 4, .n_buckets = {0, 0, 5}})));
  EXPECT_PROM(0.5, fraction(-1.6817928305074292, 0, H({.schema = 1, .count = 5, .sum = 4, .n_buckets = {0, 0, 5}})));
}

TEST(NativeHistogramFraction, CustomBuckets) {
  EXPECT_PROM(
      0.5,
      fraction(
          5, 10,
          H({.schema = kCustomBucketsSchema, .count = 4, .sum = 5, .buckets = {1, 2, 1}, .custom_values = {5, 10}})));
  // testhistogram2 and testhistogram3 at 50m
  const FloatHistogram h2 = H({.schema = kCustomBucketsSchema,
                               .count = 30,
                               .sum = 0,
                               .buckets = {0, 10, 10, 10},
                               .custom_values = {0, 2, 4, 6}});
  EXPECT_PROM(0.6666666666666666, fraction(0, 4, h2));
  EXPECT_PROM(1, fraction(0, 6, h2));
  EXPECT_PROM(0.5833333333333334, fraction(0, 3.5, h2));
  EXPECT_PROM(0.6363636363636364, fraction(0, 0.2,
                                           H({.schema = kCustomBucketsSchema,
                                              .count = 110,
                                              .sum = 330,
                                              .buckets = {0, 50, 20, 40, 0},
                                              .custom_values = {0, 0.1, 0.2, 1}})));
  EXPECT_PROM(0, fraction(0, 0.2,
                          H({.schema = kCustomBucketsSchema,
                             .count = 20,
                             .sum = 80,
                             .buckets = {0, 10, 10, 0, 0},
                             .custom_values = {-0.25, -0.2, -0.1, 0.3}})));
}

TEST(NativeHistogramFraction, CustomBucketsReachingToInfinity) {
  // histograms.test's cases of buckets 1, 2, 3, +Inf (cumulative 1, 3, 6,
  // 100) and -3, -2, -1, +Inf (cumulative 10, 12, 15, 100).
  const FloatHistogram positive =
      H({.schema = kCustomBucketsSchema, .count = 100, .sum = 0, .buckets = {1, 2, 3, 94}, .custom_values = {1, 2, 3}});
  const FloatHistogram negative = H({.schema = kCustomBucketsSchema,
                                     .count = 100,
                                     .sum = 0,
                                     .buckets = {10, 2, 3, 85},
                                     .custom_values = {-3, -2, -1}});
  // (-Inf, 1] counts as [0, 1] when it contains 0 and all buckets are
  // positive ones.
  EXPECT_PROM(0.02, fraction(0, 1.5, positive));
  // Inside (-Inf, -3] nothing can be interpolated: its observations count
  // as at -Inf, so none lies above -4.
  EXPECT_PROM(0.02, fraction(-4, -2, negative));
  EXPECT_PROM(0.135, fraction(-kInf, -1.5, negative));
  EXPECT_PROM(1.0, fraction(-kInf, kInf, positive));
  EXPECT_PROM(1.0, fraction(-kInf, kInf, negative));
  // Inside (3, +Inf] likewise: its observations count as at +Inf.
  EXPECT_PROM(0.0, fraction(4, 5, positive));
  EXPECT_PROM(0.0, fraction(0, 1, negative));
  EXPECT_PROM(0.03, fraction(2, 5, positive));
  EXPECT_PROM(0.94, fraction(400, kInf, positive));
}

TEST(NativeHistogramFraction, NaNObservationsAreInNoRange) {
  // histogram_nan
  HistogramFractionResult r = native_histogram_fraction(-kInf, 0.7071067811865475, all_nan());
  EXPECT_PROM(0, r.value);
  EXPECT_TRUE(r.nan_observations);
  r = native_histogram_fraction(-kInf, 0.7071067811865475, some_nan());
  EXPECT_PROM(0.4, r.value);
  EXPECT_TRUE(r.nan_observations);
  r = native_histogram_fraction(-kInf, kInf, all_nan());
  EXPECT_PROM(0, r.value);
  EXPECT_TRUE(r.nan_observations);
  r = native_histogram_fraction(-kInf, kInf, some_nan());
  EXPECT_PROM(0.8, r.value);
  EXPECT_TRUE(r.nan_observations);
  // A NaN sum with buckets adding up to the count (+Inf and -Inf observed).
  r = native_histogram_fraction(-kInf, kInf, H({.schema = 0, .count = 4, .sum = kNaN, .buckets = {1, 2, 1}}));
  EXPECT_PROM(1, r.value);
  EXPECT_FALSE(r.nan_observations);
  r = native_histogram_fraction(1, 2, H({.schema = 0, .count = 4, .sum = 5, .buckets = {1, 2, 1}}));
  EXPECT_FALSE(r.nan_observations);
}

TEST(NativeHistogramFraction, WithoutNaNSumTheCountIsTrusted) {
  // Buckets adding up to less than the count with a finite sum: the
  // missing observations count as above every bucket. (Computed by
  // Prometheus's HistogramFraction.)
  const FloatHistogram h = H({.schema = 0, .count = 100, .sum = 3, .buckets = {2, 3}});
  EXPECT_SAME(1, fraction(-kInf, kInf, h));
  EXPECT_SAME(0.98, fraction(1, kInf, h));
  EXPECT_SAME(0.02, fraction(-kInf, 1, h));
}

TEST(NativeHistogramFraction, TrimIdentity) {
  // h </ x has histogram_fraction(-Inf, x, h) * histogram_count(h)
  // observations, h >/ x histogram_fraction(x, +Inf, h) * the count.
  struct Case {
    FloatHistogram h;
    double x, below, above;
  };
  for (const Case& c :
       {Case{h_test(), 2, 10, 24}, Case{h_test(), -1, 2, 32}, Case{h_test(), 0, 3.5, 30.5},
        Case{h_test(), 1.4142135624, 8, 26}, Case{h_test_2(), 1.13, 13.410582181123704, 14.589417818876296},
        Case{cbh(), 15, 11, 4}, Case{cbh(), 13, 9.4, 5.6}}) {
    EXPECT_PROM(c.below, fraction(-kInf, c.x, c.h) * c.h.count) << c.x;
    EXPECT_PROM(c.above, fraction(c.x, kInf, c.h) * c.h.count) << c.x;
    EXPECT_PROM(c.below, trim_histogram(c.h, c.x, HistogramTrim::kUpper).count) << c.x;
    EXPECT_PROM(c.above, trim_histogram(c.h, c.x, HistogramTrim::kLower).count) << c.x;
  }
}

// ---------------------------------------------------------------------------
// histogram_stddev, histogram_stdvar

TEST(NativeHistogramStdvar, EstimatesFromBucketMeans) {
  struct Case {
    const char* series;
    FloatHistogram h;
    double stddev, stdvar;
  };
  const std::vector<Case> cases = {
      // {1, 2, 3, 4} at low resolution.
      {"histogram_stddev_stdvar_1", H({.schema = 2, .count = 4, .sum = 10, .buckets = {1, 0, 0, 0, 1, 0, 0, 1, 1}}),
       1.0787993180043811, 1.163807968526718},
      // {1, 1, 1, 1} at high resolution.
      {"histogram_stddev_stdvar_2", H({.schema = 8, .count = 10, .sum = 10, .buckets = {1, 2, 3, 4}}),
       0.0048960313898237465, 2.3971123370139447e-05},
      // {-50, -8, 0, 3, 8, 9}: the zero bucket counts at 0.
      {"histogram_stddev_stdvar_3",
       H({.schema = 3,
          .count = 7,
          .sum = 62,
          .z_bucket = 1,
          .buckets = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
          .n_buckets = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}),
       42.94723640026, 1844.4651144196398},
      // {-100000, -10000, -1000, -888, -888, -100, -50, -9, -8, -3}
      {"histogram_stddev_stdvar_4",
       H({.schema = 0,
          .count = 10,
          .sum = -112946,
          .n_buckets = {0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 3, 0, 0, 0, 1, 0, 0, 1}}),
       27556.344499842, 759352122.1939945},
      // {-10 x 10}
      {"histogram_stddev_stdvar_5", H({.schema = 0, .count = 10, .sum = -100, .n_buckets = {0, 0, 0, 0, 10}}),
       1.3137084989848, 1.725830020304794},
      // testhistogram3 (custom buckets: arithmetic means of the bounds)
      {"testhistogram3{start=positive}",
       H({.schema = kCustomBucketsSchema,
          .count = 110,
          .sum = 330,
          .buckets = {0, 50, 20, 40, 0},
          .custom_values = {0, 0.1, 0.2, 1}}),
       2.7435461458749795, 7.527045454545455},
      {"testhistogram3{start=negative}",
       H({.schema = kCustomBucketsSchema,
          .count = 20,
          .sum = 80,
          .buckets = {0, 10, 10, 0, 0},
          .custom_values = {-0.25, -0.2, -0.1, 0.3}}),
       4.187667907081458, 17.5365625},
  };
  for (const Case& c : cases) {
    EXPECT_PROM(c.stddev, native_histogram_stddev(c.h)) << c.series;
    EXPECT_PROM(c.stdvar, native_histogram_stdvar(c.h)) << c.series;
  }
}

TEST(NativeHistogramStdvar, SpecialCases) {
  const std::vector<double> buckets = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::vector<double> n_buckets = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  // histogram_stddev_stdvar_6: {-50, -8, 0, 3, 8, 9, NaN}
  const FloatHistogram with_nan =
      H({.schema = 3, .count = 7, .sum = kNaN, .z_bucket = 1, .buckets = buckets, .n_buckets = n_buckets});
  EXPECT_PROM(kNaN, native_histogram_stddev(with_nan));
  EXPECT_PROM(kNaN, native_histogram_stdvar(with_nan));
  // histogram_stddev_stdvar_7: {-50, -8, 0, 3, 8, 9, Inf}
  const FloatHistogram with_inf =
      H({.schema = 3, .count = 7, .sum = kInf, .z_bucket = 1, .buckets = buckets, .n_buckets = n_buckets});
  EXPECT_PROM(kInf, native_histogram_stddev(with_inf));
  EXPECT_PROM(kInf, native_histogram_stdvar(with_inf));
  // Only NaNs observed: no bucket contributes, so 0. (Computed by
  // Prometheus's code; no script covers it.)
  EXPECT_SAME(0, native_histogram_stdvar(all_nan()));
  // rate(const_histogram[5m]): no observations.
  EXPECT_PROM(kNaN, native_histogram_stddev(H({.schema = 0, .count = 0, .sum = 0})));
  EXPECT_PROM(kNaN, native_histogram_stdvar(H({.schema = 0, .count = 0, .sum = 0})));
}

// ---------------------------------------------------------------------------
// The trim operators </ and >/

struct TrimCase {
  const char* expr;  // as the script writes it
  FloatHistogram in;
  double bound;
  HistogramTrim trim;
  FloatHistogram want;
};

void check_trims(const std::vector<TrimCase>& cases) {
  for (const TrimCase& c : cases) {
    EXPECT_HISTOGRAM(c.want, trim_histogram(c.in, c.bound, c.trim)) << c.expr;
  }
}

constexpr HistogramTrim kUpper = HistogramTrim::kUpper;  // </
constexpr HistogramTrim kLower = HistogramTrim::kLower;  // >/

TEST(TrimHistogram, ExponentialBuckets) {
  check_trims({
      {"h_test >/ -Inf", h_test(), -kInf, kLower, h_test()},
      {"h_test </ +Inf", h_test(), kInf, kUpper, h_test()},
      {"h_test >/ +Inf", h_test(), kInf, kLower, H({.schema = 0, .z_bucket_w = 0.001})},
      {"h_test </ -Inf", h_test(), -kInf, kUpper, H({.schema = 0, .z_bucket_w = 0.001})},
      {"h_test >/ 0", h_test(), 0, kLower,
       H({.schema = 0,
          .count = 30.5,
          .sum = 120.20840280171308,
          .z_bucket = 0.5,
          .z_bucket_w = 0.001,
          .buckets = {2, 4, 8, 16}})},
      {"h_test </ 0", h_test(), 0, kUpper,
       H({.schema = 0,
          .count = 3.5,
          .sum = -3.53578390593273768,
          .z_bucket = 0.5,
          .z_bucket_w = 0.001,
          .n_buckets = {1, 2}})},
      // Inside a bucket: exponential interpolation, sqrt(2) halves (1,2].
      {"h_test </ 1.4142135624", h_test(), 1.4142135624, kUpper,
       H({.count = 8,
          .sum = 0.2570938865989847,
          .z_bucket = 1,
          .z_bucket_w = 0.001,
          .buckets = {2, 2},
          .n_buckets = {1, 2}})},
      {"h_test >/ 1.4142135624", h_test(), 1.4142135624, kLower,
       H({.count = 26, .sum = 116.50067065070982, .z_bucket_w = 0.001, .buckets = {0, 2, 8, 16}})},
      {"h_test_2 </ 1.13", h_test_2(), 1.13, kUpper,
       H({.schema = 2,
          .count = 13.410582181123704,
          .sum = -9.385798726068233,
          .z_bucket = 1,
          .z_bucket_w = 0.001,
          .buckets = {1, 1.410582181123704},
          .n_buckets = {1, 5, 3, 1}})},
      {"h_test_2 >/ 1.13", h_test_2(), 1.13, kLower,
       H({.schema = 2,
          .count = 14.589417818876296,
          .sum = 22.168126492693734,
          .z_bucket_w = 0.001,
          .offset = 1,
          .buckets = {0.589417818876296, 4, 7, 3}})},
      {"h_test_2 >/ -1.3", h_test_2(), -1.3, kLower,
       H({.schema = 2,
          .count = 25.54213947904476,
          .sum = 16.29588491217537,
          .z_bucket = 1,
          .z_bucket_w = 0.001,
          .buckets = {1, 2, 4, 7, 3},
          .n_buckets = {1, 5, 1.54213947904476}})},
      {"h_test_2 </ -1.3", h_test_2(), -1.3, kUpper,
       H({.schema = 2,
          .count = 2.45786052095524,
          .sum = -3.5189307983595066,
          .z_bucket_w = 0.001,
          .n_offset = 2,
          .n_buckets = {1.45786052095524, 1}})},
      // On a bucket boundary: no interpolation.
      {"h_test </ 2", h_test(), 2, kUpper,
       H({.count = 10,
          .sum = 3.5355339059327373,
          .z_bucket = 1,
          .z_bucket_w = 0.001,
          .buckets = {2, 4},
          .n_buckets = {1, 2}})},
      {"h_test >/ 2", h_test(), 2, kLower,
       H({.count = 24, .sum = 113.13708498984761, .z_bucket_w = 0.001, .offset = 2, .buckets = {8, 16}})},
      {"h_test >/ -1", h_test(), -1, kLower,
       H({.count = 32,
          .sum = 119.50104602052653,
          .z_bucket = 1,
          .z_bucket_w = 0.001,
          .buckets = {2, 4, 8, 16},
          .n_buckets = {1}})},
      {"h_test </ -1", h_test(), -1, kUpper,
       H({.count = 2, .sum = -2.8284271247461903, .z_bucket_w = 0.001, .n_offset = 1, .n_buckets = {2}})},
  });
}

TEST(TrimHistogram, ZeroBucketTakesTheSignOfTheOtherBuckets) {
  const FloatHistogram h_positive_buckets =
      H({.schema = 0, .count = 12, .sum = 8.0210678118654755, .z_bucket = 2, .z_bucket_w = 0.5, .buckets = {10}});
  const FloatHistogram h_negative_buckets =
      H({.schema = 0, .count = 12, .sum = -8.0210678118654755, .z_bucket = 2, .z_bucket_w = 0.5, .n_buckets = {10}});
  check_trims({
      {"h_positive_buckets >/ 0.5", h_positive_buckets, 0.5, kLower,
       H({.schema = 0, .count = 10, .sum = 7.0710678118654755, .z_bucket = 0, .z_bucket_w = 0.5, .buckets = {10}})},
      {"h_positive_buckets >/ 0.1", h_positive_buckets, 0.1, kLower,
       H({.schema = 0, .count = 11.6, .sum = 7.551067811865476, .z_bucket = 1.6, .z_bucket_w = 0.5, .buckets = {10}})},
      {"h_positive_buckets >/ 0", h_positive_buckets, 0, kLower, h_positive_buckets},
      {"h_positive_buckets </ 0.5", h_positive_buckets, 0.5, kUpper,
       H({.schema = 0, .count = 2, .sum = 0.5, .z_bucket = 2, .z_bucket_w = 0.5})},
      {"h_positive_buckets </ 0.1", h_positive_buckets, 0.1, kUpper,
       H({.schema = 0, .count = 0.4, .sum = 0.02, .z_bucket = 0.4, .z_bucket_w = 0.5})},
      {"h_positive_buckets </ 0", h_positive_buckets, 0, kUpper, H({.schema = 0, .z_bucket_w = 0.5})},
      {"h_negative_buckets </ -0.5", h_negative_buckets, -0.5, kUpper,
       H({.schema = 0, .count = 10, .sum = -7.0710678118654755, .z_bucket = 0, .z_bucket_w = 0.5, .n_buckets = {10}})},
      {"h_negative_buckets </ -0.1", h_negative_buckets, -0.1, kUpper,
       H({.schema = 0,
          .count = 11.6,
          .sum = -7.551067811865476,
          .z_bucket = 1.6,
          .z_bucket_w = 0.5,
          .n_buckets = {10}})},
      {"h_negative_buckets </ 0", h_negative_buckets, 0, kUpper, h_negative_buckets},
      {"h_negative_buckets >/ -0.5", h_negative_buckets, -0.5, kLower,
       H({.schema = 0, .count = 2, .sum = -0.5, .z_bucket = 2, .z_bucket_w = 0.5})},
      {"h_negative_buckets >/ -0.1", h_negative_buckets, -0.1, kLower,
       H({.schema = 0, .count = 0.4, .sum = -0.02, .z_bucket = 0.4, .z_bucket_w = 0.5})},
      {"h_negative_buckets >/ 0", h_negative_buckets, 0, kLower, H({.schema = 0, .z_bucket_w = 0.5})},
  });
}

TEST(TrimHistogram, ZeroBucketOnly) {
  // Symmetric around 0: linear interpolation across [-0.1, 0.1].
  const FloatHistogram h = H({.schema = 0, .count = 5, .sum = 0, .z_bucket = 5, .z_bucket_w = 0.1});
  auto z = [](double count, double sum) {
    return H({.schema = 0, .count = count, .sum = sum, .z_bucket = count, .z_bucket_w = 0.1});
  };
  check_trims({
      {"zero_bucket_only >/ 0.1", h, 0.1, kLower, z(0, 0)},
      {"zero_bucket_only </ 0.1", h, 0.1, kUpper, z(5, 0)},
      {"zero_bucket_only >/ 0.05", h, 0.05, kLower, z(1.25, 0.09375)},
      {"zero_bucket_only </ 0.05", h, 0.05, kUpper, z(3.75, -0.09375)},
      {"zero_bucket_only >/ 0", h, 0, kLower, z(2.5, 0.125)},
      {"zero_bucket_only </ 0", h, 0, kUpper, z(2.5, -0.125)},
      {"zero_bucket_only >/ -0.05", h, -0.05, kLower, z(3.75, 0.09375)},
      {"zero_bucket_only </ -0.05", h, -0.05, kUpper, z(1.25, -0.09375)},
      {"zero_bucket_only </ -0.1", h, -0.1, kUpper, z(0, 0)},
      {"zero_bucket_only >/ -0.1", h, -0.1, kLower, z(5, 0)},
  });
  // zero_bucket: a zero bucket with buckets of both signs.
  const FloatHistogram zero_bucket = H({.schema = 0,
                                        .count = 0,
                                        .sum = -6.75,
                                        .z_bucket = 5,
                                        .z_bucket_w = 0.01,
                                        .buckets = {2, 3},
                                        .n_buckets = {1, 2, 3}});
  check_trims({
      {"zero_bucket </ -0.005", zero_bucket, -0.005, kUpper,
       H({.count = 7.25, .sum = -12.03019028017131, .z_bucket = 1.25, .z_bucket_w = 0.01, .n_buckets = {1, 2, 3}})},
      {"zero_bucket >/ 0", zero_bucket, 0, kLower,
       H({.count = 7.5, .sum = 5.669354249492381, .z_bucket = 2.5, .z_bucket_w = 0.01, .buckets = {2, 3}})},
  });
}

TEST(TrimHistogram, CustomBuckets) {
  const std::vector<double> bounds = {5, 10, 15, 20};
  auto c = [&](double count, double sum, int32_t offset, std::vector<double> buckets) {
    return H({.schema = kCustomBucketsSchema,
              .count = count,
              .sum = sum,
              .offset = offset,
              .buckets = buckets,
              .custom_values = bounds});
  };
  const FloatHistogram empty = H({.schema = kCustomBucketsSchema, .custom_values = bounds});
  check_trims({
      // On a boundary: no interpolation.
      {"cbh </ 15", cbh(), 15, kUpper, c(11, 97.5, 0, {1, 6, 4})},
      {"cbh >/ 15", cbh(), 15, kLower, c(4, 72.5, 3, {3, 1})},
      // Inside a bucket: linear interpolation.
      {"cbh </ 13", cbh(), 13, kUpper, c(9.4, 75.1, 0, {1, 6, 2.4})},
      {"cbh >/ 13", cbh(), 13, kLower, c(5.6, 94.9, 2, {1.6, 3, 1})},
      {"cbh </ 7.5", cbh(), 7.5, kUpper, c(4, 21.25, 0, {1, 3})},
      // (20, +Inf] goes whole even though 50 is above its lower bound.
      {"cbh </ 50", cbh(), 50, kUpper, c(14, 150.0, 0, {1, 6, 4, 3})},
      {"cbh </ -Inf", cbh(), -kInf, kUpper, empty},
      {"cbh >/ +Inf", cbh(), kInf, kLower, empty},
      {"cbh </ +Inf", cbh(), kInf, kUpper, cbh()},
      {"cbh >/ -Inf", cbh(), -kInf, kLower, cbh()},
      {"cbh >/ 0", cbh(), 0, kLower, cbh()},  // (-Inf, 5] counts as [0, 5]
      {"cbh </ 0", cbh(), 0, kUpper, empty},
  });
  const std::vector<double> neg_bounds = {-10, 5, 10, 15, 20};
  const FloatHistogram cbh_has_neg = H({.schema = kCustomBucketsSchema,
                                        .count = 15,
                                        .sum = 172.5,
                                        .buckets = {2, 1, 6, 4, 3, 1},
                                        .custom_values = neg_bounds});
  auto n = [&](double count, double sum, std::vector<double> buckets) {
    return H(
        {.schema = kCustomBucketsSchema, .count = count, .sum = sum, .buckets = buckets, .custom_values = neg_bounds});
  };
  check_trims({
      {"cbh_has_neg </ 2", cbh_has_neg, 2, kUpper, n(2.8, -23.2, {2, 0.8})},
      {"cbh_has_neg </ -4", cbh_has_neg, -4, kUpper, n(2.4, -22.8, {2, 0.4})},
      {"cbh_has_neg </ -15", cbh_has_neg, -15, kUpper, n(2, -30, {2})},
  });
}

TEST(TrimHistogram, CustomBucketsWithInfiniteBounds) {
  // cbh_one_bucket: (-Inf, +Inf] is kept or dropped whole.
  const FloatHistogram one = H({.schema = kCustomBucketsSchema, .count = 100, .sum = 100.0, .buckets = {100}});
  const FloatHistogram none = H({.schema = kCustomBucketsSchema, .count = 0, .sum = 0, .buckets = {0}});
  check_trims({
      {"cbh_one_bucket </ 10.0", one, 10, kUpper, none},
      {"cbh_one_bucket >/ 10.0", one, 10, kLower, none},
      {"cbh_one_bucket </ +Inf", one, kInf, kUpper, one},
      {"cbh_one_bucket >/ +Inf", one, kInf, kLower, none},
      {"cbh_one_bucket >/ -Inf", one, -kInf, kLower, one},
      {"cbh_one_bucket </ -Inf", one, -kInf, kUpper, none},
  });
  auto two = [](double bound, double count, double sum, std::vector<double> buckets) {
    return H(
        {.schema = kCustomBucketsSchema, .count = count, .sum = sum, .buckets = buckets, .custom_values = {bound}});
  };
  const FloatHistogram at_zero = two(0, 100, 33.0, {1, 100});
  check_trims({
      {"cbh_two_buckets_split_at_zero </ 10.0", at_zero, 10, kUpper, two(0, 1, 0, {1, 0})},
      {"cbh_two_buckets_split_at_zero </ 0.0", at_zero, 0, kUpper, two(0, 1, 0, {1, 0})},
      {"cbh_two_buckets_split_at_zero </ -10.0", at_zero, -10, kUpper, two(0, 1, -10, {1, 0})},
      {"cbh_two_buckets_split_at_zero >/ -10.0", at_zero, -10, kLower, two(0, 100, 0, {0, 100})},
      {"cbh_two_buckets_split_at_zero >/ 0.0", at_zero, 0, kLower, two(0, 100, 0, {0, 100})},
      {"cbh_two_buckets_split_at_zero >/ 10.0", at_zero, 10, kLower, two(0, 100, 1000, {0, 100})},
  });
  const FloatHistogram at_positive = two(5, 101, 33, {1, 100});
  check_trims({
      {"cbh_two_buckets_split_at_positive </ 10.0", at_positive, 10, kUpper, two(5, 1, 2.5, {1, 0})},
      {"cbh_two_buckets_split_at_positive </ 2.0", at_positive, 2, kUpper, two(5, 0.4, 0.4, {0.4, 0})},
      {"cbh_two_buckets_split_at_positive </ 0.0", at_positive, 0, kUpper, two(5, 0, 0, {})},
      {"cbh_two_buckets_split_at_positive </ -10.0", at_positive, -10, kUpper, two(5, 0, 0, {0, 0})},
      {"cbh_two_buckets_split_at_positive >/ -10.0", at_positive, -10, kLower, two(5, 100, 500, {0, 100})},
      {"cbh_two_buckets_split_at_positive >/ 0.0", at_positive, 0, kLower, at_positive},
      {"cbh_two_buckets_split_at_positive >/ 2.0", at_positive, 2, kLower, two(5, 100.6, 502.1, {0.6, 100})},
      {"cbh_two_buckets_split_at_positive >/ 10.0", at_positive, 10, kLower, two(5, 100, 1000, {0, 100})},
  });
  const FloatHistogram at_negative = two(-5, 101, 33, {1, 100});
  check_trims({
      {"cbh_two_buckets_split_at_negative </ 10.0", at_negative, 10, kUpper, two(-5, 1, -5, {1, 0})},
      {"cbh_two_buckets_split_at_negative </ 0.0", at_negative, 0, kUpper, two(-5, 1, -5, {1, 0})},
      {"cbh_two_buckets_split_at_negative </ -2.0", at_negative, -2, kUpper, two(-5, 1, -5, {1, 0})},
      {"cbh_two_buckets_split_at_negative </ -10.0", at_negative, -10, kUpper, two(-5, 1, -10, {1, 0})},
      {"cbh_two_buckets_split_at_negative >/ -10.0", at_negative, -10, kLower, two(-5, 100, -500, {0, 100})},
      {"cbh_two_buckets_split_at_negative >/ -2.0", at_negative, -2, kLower, two(-5, 100, -200, {0, 100})},
      {"cbh_two_buckets_split_at_negative >/ 0.0", at_negative, 0, kLower, two(-5, 100, 0, {0, 100})},
      {"cbh_two_buckets_split_at_negative >/ 10.0", at_negative, 10, kLower, two(-5, 100, 1000, {0, 100})},
  });
  // cbh_for_join: >/ with a per-series bound.
  check_trims({
      {"cbh_for_join{label=a} >/ 1", at_positive, 1, kLower, two(5, 100.8, 502.4, {0.8, 100})},
      {"cbh_for_join{label=b} >/ 4", two(5, 202, 66, {2, 200}), 4, kLower, two(5, 200.4, 1001.8, {0.4, 200})},
  });
}

TEST(TrimHistogram, EmptyHistogramsStayEmpty) {
  // Unlike histogram_fraction's NaN.
  const FloatHistogram exponential = H({});
  const FloatHistogram custom = H({.schema = kCustomBucketsSchema, .custom_values = {-3, 2}});
  for (double bound : {-kInf, -5.0, 0.0, 5.0, kInf}) {
    for (HistogramTrim trim : {kUpper, kLower}) {
      EXPECT_HISTOGRAM(exponential, trim_histogram(exponential, bound, trim)) << bound;
      EXPECT_HISTOGRAM(custom, trim_histogram(custom, bound, trim)) << bound;
    }
  }
}

TEST(TrimHistogram, UntouchedHistogramsKeepTheirLayoutAndTotals) {
  // Nothing trimmed: count and sum are not re-estimated and empty buckets
  // stay (no compaction), even where they would not add up.
  FloatHistogram h = H({.schema = 0, .count = 7, .sum = 123, .buckets = {1, 0, 2}});
  h.counter_reset_hint = CounterResetHint::kGauge;
  const FloatHistogram got = trim_histogram(h, 100, kUpper);
  EXPECT_TRUE(got.equals(h)) << got.test_expression();
  EXPECT_EQ(got.positive_buckets, (std::vector<double>{1, 0, 2}));
  EXPECT_EQ(got.counter_reset_hint, CounterResetHint::kGauge);
  // Trimmed: re-estimated and compacted; the hint stays.
  const FloatHistogram trimmed = trim_histogram(h, 2, kUpper);
  EXPECT_EQ(trimmed.positive_buckets, (std::vector<double>{1}));
  EXPECT_EQ(trimmed.count, 1);
  EXPECT_EQ(trimmed.counter_reset_hint, CounterResetHint::kGauge);
}

TEST(TrimHistogram, NaNBoundRemovesEverything) {
  // Every comparison with NaN fails: no bucket is kept, and the zero
  // bucket's share is NaN. (Computed by Prometheus's TrimBuckets.)
  const FloatHistogram got = trim_histogram(h_test(), kNaN, kUpper);
  EXPECT_TRUE(got.positive_buckets.empty() && got.negative_buckets.empty());
  EXPECT_TRUE(std::isnan(got.zero_count) && std::isnan(got.count) && std::isnan(got.sum));
  FloatHistogram no_zero = h_test();
  no_zero.zero_count = 0;
  no_zero.count = 33;
  EXPECT_HISTOGRAM(H({.schema = 0, .z_bucket_w = 0.001}), trim_histogram(no_zero, kNaN, kLower));
}

// ---------------------------------------------------------------------------
// Bit-exact results: the doubles Prometheus's Go code returns on amd64 for
// these inputs (its math.Log2 and math.Exp2 differ from the C library's in
// the last bit, and the API prints every bit).

TEST(BitExact, Quantile) {
  // Go's Exp2(0.5) is one ulp below sqrt(2) = 1.4142135623730951.
  EXPECT_SAME(1.414213562373095, quantile(0.5, H({.schema = 0, .count = 4, .sum = 5, .buckets = {1, 2, 1}})));
  const FloatHistogram h = histogram_quantile_3();
  EXPECT_SAME(15.34822590920423, quantile(0.99, h));
  EXPECT_SAME(1.2030250360821164, quantile(0.7, h));      // counted from the high end
  EXPECT_SAME(-1.2030250360821169, quantile(0.3, h));     // from the low end, mirrored
  EXPECT_SAME(0.0006000000000000005, quantile(0.55, h));  // linear in the zero bucket
  EXPECT_SAME(1.189207115002721, quantile(0.5, H({.schema = 1, .count = 5, .sum = 4, .buckets = {0, 5}})));
  EXPECT_SAME(-1.6817928305074292, quantile(0.5, H({.schema = 1, .count = 5, .sum = 4, .n_buckets = {0, 0, 5}})));
}

TEST(BitExact, Fraction) {
  const FloatHistogram h = histogram_quantile_3();
  // Go's Log2 makes the mirror images differ in the last bits.
  EXPECT_SAME(0.051879687409855414, fraction(1.5, 2, h));
  EXPECT_SAME(0.051879687409855456, fraction(-2, -1.5, h));
  EXPECT_SAME(0.1493734375300481, fraction(1, 6, h));  // the script: 0.14937343753004825
  EXPECT_SAME(0.14937343753004817, fraction(-6, -1, h));
  EXPECT_SAME(0.5416666666666666, fraction(-kInf, 0.0005, h));
  EXPECT_SAME(0.5000000000000001,
              fraction(0, 1.4142135623730951, H({.schema = 0, .count = 5, .sum = 4, .buckets = {0, 5}})));
}

TEST(BitExact, Stdvar) {
  // histogram_quantile_3's input: the zero bucket [-0.001, 0.001] counts at 0.
  EXPECT_SAME(63.27777777777778, native_histogram_stdvar(histogram_quantile_3()));
  EXPECT_SAME(1.163807968526718,
              native_histogram_stdvar(H({.schema = 2, .count = 4, .sum = 10, .buckets = {1, 0, 0, 0, 1, 0, 0, 1, 1}})));
  EXPECT_SAME(759352122.1939945,
              native_histogram_stdvar(H({.schema = 0,
                                         .count = 10,
                                         .sum = -112946,
                                         .n_buckets = {0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 3, 0, 0, 0, 1, 0, 0, 1}})));
  EXPECT_SAME(0.0048960313898237465,
              native_histogram_stddev(H({.schema = 8, .count = 10, .sum = 10, .buckets = {1, 2, 3, 4}})));
}

TEST(BitExact, Trim) {
  FloatHistogram got = trim_histogram(h_test_2(), 1.13, kUpper);
  EXPECT_SAME(13.410582181123704, got.count);
  EXPECT_SAME(-9.385798726068233, got.sum);
  ASSERT_EQ(got.positive_buckets.size(), 2u);
  EXPECT_SAME(1.410582181123704, got.positive_buckets[1]);
  got = trim_histogram(h_test_2(), -1.3, kUpper);
  EXPECT_SAME(2.45786052095524, got.count);
  EXPECT_SAME(-3.5189307983595066, got.sum);
}

}  // namespace
}  // namespace cogwatch::eval::internal
