// Numeric helpers shared by functions and aggregations, following
// Prometheus's arithmetic (Kahan summation, quantile interpolation, the
// classic-histogram quantile with its monotonicity fix).
#pragma once

#include <cmath>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "eval/value.h"
#include "model/kahan.h"

namespace cogwatch::eval::internal {

// Go's math.Max: +Inf when either is +Inf, else NaN when either is NaN
// (std::max drops a NaN in its second argument), and +0 over -0.
inline double go_max(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}
// Go's math.Min: -Inf when either is -Inf, else NaN when either is NaN, and
// -0 over +0.
inline double go_min(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

class KahanSum {
 public:
  void add(double v) { kahan_add(v, sum_, c_); }
  double value() const { return std::isinf(sum_) ? sum_ : sum_ + c_; }

 private:
  double sum_ = 0;
  double c_ = 0;
};

// Prometheus's mean (avg, avg_over_time): a compensated sum while it stays
// finite, switching to an incremental mean at the first value that would
// make the sum infinite.
class MeanAccumulator {
 public:
  void add(double v);
  double value() const { return incremental_ ? mean_ + c_ : (sum_ + c_) / count_; }
  double count() const { return count_; }

 private:
  double count_ = 0;
  double sum_ = 0, c_ = 0, mean_ = 0;
  bool incremental_ = false;
};

// Population variance by Welford's method (stddev, stdvar).
class VarianceAccumulator {
 public:
  void add(double v) {
    ++count_;
    const double delta = v - mean_;
    mean_ += delta / count_;
    aux_ += delta * (v - mean_);
  }
  double value() const { return aux_ / count_; }

 private:
  double count_ = 0, mean_ = 0, aux_ = 0;
};

// Mean of values (MeanAccumulator over them).
double mean(const std::vector<double>& values);
// Population variance.
double variance(const std::vector<double>& values);
// Prometheus's quantile: linear interpolation between ranks; q < 0 gives
// -Inf, q > 1 +Inf, NaN q NaN. Reorders values.
double quantile(double q, std::vector<double>& values);

struct Regression {
  double slope;
  double intercept;
};
// Least squares over (t - intercept_time in seconds, v), as Prometheus's
// linearRegression.
Regression linear_regression(std::span<const Point> samples, Timestamp intercept_time);

struct Bucket {
  double upper_bound;
  double count;
};
// Parses an "le" value; false when it is not a float.
bool parse_bucket_bound(std::string_view le, double& out);
// What making a classic histogram's counts monotonic changed (Prometheus's
// ensureMonotonicAndIgnoreSmallDeltas): whether a bucket's count fell below
// its predecessor's and was raised to it, the lowest and highest bound of
// such a bucket, and the largest raise.
struct MonotonicityFix {
  bool forced = false;
  double min_bucket = std::numeric_limits<double>::infinity();
  double max_bucket = -std::numeric_limits<double>::infinity();
  double max_diff = 0;
};
// Prometheus's classic BucketQuantile, with coalescing of equal bounds and
// the monotonicity fix, which it reports in *fix. Reorders buckets.
double bucket_quantile(double q, std::vector<Bucket>& buckets, MonotonicityFix* fix = nullptr);
// The share of observations between lower and upper, interpolating
// linearly inside finite buckets. A bucket reaching to ±Inf counts whole
// when the range reaches that infinity too, else not at all. The first
// bucket starts at 0 if its upper bound is positive. NaN without
// observations; 0 when lower >= upper.
double bucket_fraction(double lower, double upper, std::vector<Bucket>& buckets);

}  // namespace cogwatch::eval::internal
