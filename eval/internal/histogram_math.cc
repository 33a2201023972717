#include "eval/internal/histogram_math.h"

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <vector>

#include "eval/internal/go_math.h"
#include "eval/internal/math.h"

namespace cogwatch::eval::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------

// Prometheus's Bucket.FractionBelow with Go's Log2: the share of b's width
// at or below v, for v strictly inside b's finite bounds.
double fraction_below(const HistogramBucket& b, double v, bool linear) {
  if (linear) return (v - b.lower) / (b.upper - b.lower);
  // Exponential bounds are evenly spaced on a log scale; negative buckets
  // are the mirror image.
  const double log_lower = go_log2(std::fabs(b.lower));
  const double log_upper = go_log2(std::fabs(b.upper));
  const double log_v = go_log2(std::fabs(v));
  if (v > 0) return (log_v - log_lower) / (log_upper - log_lower);
  return 1 - ((log_v - log_upper) / (log_lower - log_upper));
}

// Every bucket in ascending order, as for_each_bucket hands them out.
std::vector<HistogramBucket> all_buckets(const FloatHistogram& h) {
  std::vector<HistogramBucket> out;
  out.reserve(h.positive_buckets.size() + h.negative_buckets.size() + 1);
  h.for_each_bucket([&](const HistogramBucket& b) { out.push_back(b); });
  return out;
}

// Only positive or only negative buckets (stored ones, even if empty):
// then the zero bucket is taken to hold only values of that sign.
bool only_positive_buckets(const FloatHistogram& h) {
  return h.negative_buckets.empty() && !h.positive_buckets.empty();
}
bool only_negative_buckets(const FloatHistogram& h) {
  return h.positive_buckets.empty() && !h.negative_buckets.empty();
}

// Where the observations of (lower, upper] that survive a trim are assumed
// to be (Prometheus's computeMidpoint).
double midpoint(double lower, double upper, bool positive, bool linear) {
  if (std::isinf(lower)) {
    if (std::isinf(upper)) return 0;
    return upper > 0 ? upper / 2 : upper;
  }
  if (std::isinf(upper)) return lower;
  if (linear) return (lower + upper) / 2;
  const double geometric_mean = std::sqrt(std::fabs(lower * upper));
  return positive ? geometric_mean : -geometric_mean;
}

// What of one bucket a trim keeps: the count and where it sits.
struct Kept {
  double count;
  double midpoint;
};

// A bucket reaching to -Inf or +Inf: nothing to interpolate on, so it is
// kept or dropped whole, except a custom first bucket (-Inf, b] with b > 0
// that the bound cuts, which counts as [0, b] (Prometheus's
// handleInfinityBuckets).
Kept trim_infinite_bucket(const HistogramBucket& b, double bound, bool trim_upper) {
  auto zero_if_inf = [](double x) { return std::isinf(x) ? 0 : x; };
  if (b.lower == -kInf) {
    if (trim_upper) {
      if (bound >= b.upper) return {b.count, 0};
      if (bound > 0 && b.upper > 0 && b.upper != kInf) return {b.count * bound / b.upper, bound / 2};
      if (b.upper <= 0) return {b.count, bound};
      return {0, zero_if_inf(b.upper)};
    }
    if (bound <= b.lower) return {b.count, 0};
    if (bound >= 0 && b.upper > bound && b.upper != kInf) {
      return {b.count * (1 - bound / b.upper), (bound + b.upper) / 2};
    }
    return {0, zero_if_inf(b.upper)};
  }
  // b.upper == +Inf.
  if (trim_upper) return {0, zero_if_inf(b.lower)};
  if (bound >= b.lower) return {b.count, bound};
  return {0, zero_if_inf(b.lower)};
}

// A bucket the bound lies in (Prometheus's computeBucketTrim).
Kept trim_bucket(const HistogramBucket& b, double bound, bool trim_upper, bool positive, bool custom) {
  if (b.lower == -kInf || b.upper == kInf) return trim_infinite_bucket(b, bound, trim_upper);
  double below;  // the count at or below bound
  if (bound <= b.lower) {
    below = 0;
  } else if (bound >= b.upper) {
    below = b.count;
  } else {
    below = b.count * fraction_below(b, bound, custom);
  }
  if (trim_upper) return {below, midpoint(b.lower, bound, positive, custom)};
  return {b.count - below, midpoint(bound, b.upper, positive, custom)};
}

// The zero bucket, always interpolated linearly (Prometheus's
// computeZeroBucketTrim).
Kept trim_zero_bucket(const HistogramBucket& z, double bound, bool has_negative, bool has_positive, bool trim_upper) {
  double lower = z.lower, upper = z.upper;
  if (has_negative && !has_positive) upper = 0;
  if (has_positive && !has_negative) lower = 0;
  if (trim_upper) {
    if (bound <= lower) return {0, 0};
    if (bound >= upper) return {z.count, (lower + upper) / 2};
    return {z.count * ((bound - lower) / (upper - lower)), (lower + bound) / 2};
  }
  if (bound <= lower) return {z.count, (lower + upper) / 2};
  if (bound >= upper) return {0, 0};
  return {z.count * ((upper - bound) / (upper - lower)), (bound + upper) / 2};
}

}  // namespace

HistogramQuantileResult native_histogram_quantile(double q, const FloatHistogram& h) {
  if (q < 0) return {-kInf};
  if (q > 1) return {kInf};
  if (h.count == 0 || std::isnan(q)) return {kNaN};

  // NaN observations are in the count but in no bucket: only counting from
  // the low end finds the right rank then.
  const bool from_low_end = std::isnan(h.sum) || q < 0.5;
  const std::vector<HistogramBucket> buckets = all_buckets(h);
  const size_t n = buckets.size();
  auto at = [&](size_t i) -> const HistogramBucket& { return from_low_end ? buckets[i] : buckets[n - 1 - i]; };
  double rank = from_low_end ? q * h.count : (1 - q) * h.count;

  // The bucket where the running count reaches the rank; with no bucket at
  // all, Go's zero Bucket: [0, 0] with no observations.
  HistogramBucket bucket;
  double count = 0;
  size_t next = 0;
  while (next < n) {
    bucket = at(next++);
    if (bucket.count == 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }

  const bool custom = h.uses_custom_buckets();
  if (!custom && bucket.lower < 0 && bucket.upper > 0) {
    if (only_positive_buckets(h)) {
      bucket.lower = 0;
    } else if (only_negative_buckets(h)) {
      bucket.upper = 0;
    }
  } else if (custom) {
    if (bucket.lower == -kInf) {
      if (bucket.upper <= 0) return {bucket.upper};
      bucket.lower = 0;
    } else if (bucket.upper == kInf) {
      return {bucket.lower};
    }
  }
  // Float error may make the buckets add up to more than the count.
  if (count > h.count) count = h.count;
  if (count < rank) {
    if (std::isnan(h.sum)) return {kNaN, /*nan_result=*/true};
    // Buckets that add up to less than the count without NaN observations:
    // float error, or a broken histogram.
    return {bucket.upper};
  }

  if (from_low_end) {
    rank -= count - bucket.count;
  } else {
    rank = count - rank;
  }
  HistogramQuantileResult result;
  if (std::isnan(h.sum)) {
    // A NaN sum may also come from observing both +Inf and -Inf; only
    // buckets adding up to less than the count tell of NaN observations.
    //
    // Upstream's loop (quantile.go, since prometheus#16724) assigns each
    // bucket it adds to `bucket`, so what follows interpolates the rank
    // found above in the histogram's last bucket instead of the one it
    // fell into: with buckets (1,2]:2 (2,4]:2 and two NaNs the 0.25
    // quantile comes out as 3.36. We reproduce it, as every result here
    // follows Prometheus; the fix would be not to assign.
    while (next < n) {
      bucket = at(next++);
      count += bucket.count;
    }
    result.nan_skewed = count < h.count;
  }

  const double fraction = rank / bucket.count;
  if (custom || (bucket.lower <= 0 && bucket.upper >= 0)) {
    result.value = bucket.lower + (bucket.upper - bucket.lower) * fraction;
    return result;
  }
  // Exponential buckets are equally wide on a log scale: interpolate there.
  const double log_lower = go_log2(std::fabs(bucket.lower));
  const double log_upper = go_log2(std::fabs(bucket.upper));
  if (bucket.lower > 0) {
    result.value = go_exp2(log_lower + (log_upper - log_lower) * fraction);
  } else {
    result.value = -go_exp2(log_upper + (log_lower - log_upper) * (1 - fraction));
  }
  return result;
}

HistogramFractionResult native_histogram_fraction(double lower, double upper, const FloatHistogram& h) {
  if (h.count == 0 || std::isnan(lower) || std::isnan(upper)) return {kNaN};
  if (lower >= upper) return {0};

  const bool custom = h.uses_custom_buckets();
  const std::vector<HistogramBucket> buckets = all_buckets(h);
  double count = 0;  // observations in the buckets visited
  double rank = 0;   // observations below the current bucket
  double lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  size_t next = 0;
  while (next < buckets.size()) {
    HistogramBucket b = buckets[next++];
    count += b.count;
    // The zero bucket, or a custom bucket containing 0, takes the sign of
    // the other buckets when they have only one.
    bool zero_bucket = false;
    if (b.lower <= 0 && b.upper >= 0) {
      zero_bucket = true;
      if (only_positive_buckets(h)) {
        b.lower = 0;
      } else if (only_negative_buckets(h)) {
        b.upper = 0;
      }
    }
    // The rank of a finite v inside b. A bucket reaching to -Inf has no
    // width to interpolate on: all of it counts as below v (as all of a
    // bucket reaching to +Inf counts as above, which the formula gives).
    auto rank_at = [&](double v) {
      if (custom || zero_bucket) {
        if (b.lower == -kInf) return b.count;
        return rank + b.count * fraction_below(b, v, /*linear=*/true);
      }
      return rank + b.count * fraction_below(b, v, /*linear=*/false);
    };
    if (!lower_set && b.lower >= lower) {
      lower_rank = rank;  // lower is at or below this bucket's lower bound
      lower_set = true;
    }
    if (!upper_set && b.lower >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && b.lower < lower && b.upper > lower) {
      lower_rank = rank_at(lower);
      lower_set = true;
    }
    if (!upper_set && b.lower < upper && b.upper > upper) {
      upper_rank = rank_at(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += b.count;
  }

  HistogramFractionResult result;
  if (std::isnan(h.sum)) {
    // Possibly NaN observations: they are in the count but in no bucket.
    while (next < buckets.size()) count += buckets[next++].count;
    result.nan_observations = count < h.count;
  } else {
    count = h.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  result.value = (upper_rank - lower_rank) / h.count;
  return result;
}

double native_histogram_stdvar(const FloatHistogram& h) {
  const bool custom = h.uses_custom_buckets();
  const double mean = h.sum / h.count;
  double variance = 0, compensation = 0;
  h.for_each_bucket([&](const HistogramBucket& b) {
    if (b.count == 0) return;
    double value;
    if (custom) {
      value = (b.upper + b.lower) / 2.0;
    } else if (b.lower <= 0 && b.upper >= 0) {
      value = 0;  // the zero bucket
    } else {
      value = std::sqrt(b.upper * b.lower);
      if (b.upper < 0) value = -value;
    }
    const double delta = value - mean;
    kahan_add(b.count * delta * delta, variance, compensation);
  });
  variance += compensation;
  return variance / h.count;
}

double native_histogram_stddev(const FloatHistogram& h) { return std::sqrt(native_histogram_stdvar(h)); }

FloatHistogram trim_histogram(FloatHistogram h, double bound, HistogramTrim trim) {
  const bool trim_upper = trim == HistogramTrim::kUpper;
  const bool custom = h.uses_custom_buckets();
  double kept_count = 0, kept_sum = 0;
  bool trimmed = false, has_positive = false, has_negative = false;

  // Positive buckets, then negative ones (the sum adds up in this order).
  for (const bool positive : {true, false}) {
    std::vector<HistogramBucket> side;
    auto collect = [&](const HistogramBucket& b) { side.push_back(b); };
    positive ? h.for_each_positive(collect) : h.for_each_negative(collect);
    std::vector<double>& counts = positive ? h.positive_buckets : h.negative_buckets;
    for (size_t i = 0; i < side.size(); ++i) {
      const HistogramBucket& b = side[i];
      if (b.count == 0) continue;
      (positive ? has_positive : has_negative) = true;
      const bool keep_all = trim_upper ? b.upper <= bound : b.lower >= bound;
      const bool contains_bound = trim_upper ? b.lower < bound : b.upper > bound;
      if (keep_all) {
        kept_count += b.count;
        kept_sum += midpoint(b.lower, b.upper, positive, custom) * b.count;
      } else if (contains_bound) {
        const Kept kept = trim_bucket(b, bound, trim_upper, positive, custom);
        kept_count += kept.count;
        kept_sum += kept.midpoint * kept.count;
        if (counts[i] != kept.count) {
          counts[i] = kept.count;
          trimmed = true;
        }
      } else {
        counts[i] = 0;
        trimmed = true;
      }
    }
  }

  if (h.zero_count > 0) {
    const Kept kept = trim_zero_bucket(h.zero_bucket(), bound, has_negative, has_positive, trim_upper);
    if (h.zero_count != kept.count) {
      h.zero_count = kept.count;
      trimmed = true;
    }
    kept_sum += kept.midpoint * kept.count;
    kept_count += kept.count;
  }

  // Untouched histograms keep their own count and sum, which the midpoints
  // could only approximate.
  if (trimmed) {
    h.count = kept_count;
    h.sum = kept_sum;
    h.compact(0);
  }
  return h;
}

}  // namespace cogwatch::eval::internal
