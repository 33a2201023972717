#include "eval/internal/math.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>

namespace cogwatch::eval::internal {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool almost_equal(double a, double b, double epsilon) {
  constexpr double kMinNormal = 2.2250738585072014e-308;
  if (a == b) return true;
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}
}  // namespace

void MeanAccumulator::add(double v) {
  ++count_;
  if (count_ == 1) {
    sum_ = v;
    return;
  }
  if (!incremental_) {
    double s = sum_, c = c_;
    kahan_add(v, s, c);
    if (!std::isinf(s)) {
      sum_ = s;
      c_ = c;
      return;
    }
    incremental_ = true;
    mean_ = sum_ / (count_ - 1);
    c_ /= count_ - 1;
  }
  if (std::isinf(mean_)) {
    // An infinite mean stays as it is for a finite value or the same
    // infinity; subtracting it below would give NaN.
    if (std::isinf(v) && (mean_ > 0) == (v > 0)) return;
    if (!std::isinf(v) && !std::isnan(v)) return;
  }
  const double current = mean_ + c_;
  // Divide both terms by count to avoid overflowing.
  kahan_add(v / count_ - current / count_, mean_, c_);
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  MeanAccumulator m;
  for (double v : values) m.add(v);
  return m.value();
}

double variance(const std::vector<double>& values) {
  VarianceAccumulator v;
  for (double x : values) v.add(x);
  return v.value();
}

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::sort(values.begin(), values.end(), [](double a, double b) { return a < b || (std::isnan(a) && !std::isnan(b)); });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

Regression linear_regression(std::span<const Point> samples, Timestamp intercept_time) {
  KahanSum sum_x, sum_y, sum_xy, sum_x2;
  const double init_y = samples[0].v;
  bool const_y = true;
  double n = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (const_y && i > 0 && samples[i].v != init_y) const_y = false;
    ++n;
    const double x = static_cast<double>(samples[i].t - intercept_time) / 1e3;
    sum_x.add(x);
    sum_y.add(samples[i].v);
    sum_xy.add(x * samples[i].v);
    sum_x2.add(x * x);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {kNaN, kNaN};
    return {0, init_y};
  }
  const double cov_xy = sum_xy.value() - sum_x.value() * sum_y.value() / n;
  const double var_x = sum_x2.value() - sum_x.value() * sum_x.value() / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y.value() / n - slope * sum_x.value() / n};
}

bool parse_bucket_bound(std::string_view le, double& out) {
  if (le.empty()) return false;
  std::string s(le);
  if (s == "+Inf" || s == "Inf" || s == "+inf" || s == "inf") {
    out = kInf;
    return true;
  }
  if (s == "-Inf" || s == "-inf") {
    out = -kInf;
    return true;
  }
  const char* begin = s.data();
  if (*begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

namespace {

// Sorts, merges equal bounds and removes decreases (Prometheus's
// coalesceBuckets and ensureMonotonicAndIgnoreSmallDeltas). False when the
// buckets lack a +Inf bucket.
bool normalise_buckets(std::vector<Bucket>& buckets, MonotonicityFix* fix = nullptr) {
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (buckets.empty() || !std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0) return false;
  std::vector<Bucket> merged;
  for (const Bucket& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  buckets = std::move(merged);
  // Monotonicity: ignore tiny float noise, and remove decreases.
  double prev = buckets[0].count;
  for (size_t i = 1; i < buckets.size(); ++i) {
    const double curr = buckets[i].count;
    if (curr == prev) continue;
    if (almost_equal(prev, curr, 1e-12)) {  // float noise: silently fixed
      buckets[i].count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i].count = prev;
      if (fix != nullptr) {
        fix->forced = true;
        fix->min_bucket = std::min(fix->min_bucket, buckets[i].upper_bound);
        fix->max_bucket = std::max(fix->max_bucket, buckets[i].upper_bound);
        fix->max_diff = std::max(fix->max_diff, prev - curr);
      }
      continue;
    }
    prev = curr;
  }
  return true;
}

}  // namespace

double bucket_quantile(double q, std::vector<Bucket>& buckets, MonotonicityFix* fix) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  if (!normalise_buckets(buckets, fix)) return kNaN;
  if (buckets.size() < 2) return kNaN;
  const double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].count < rank) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double start = 0;
  const double end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

double bucket_fraction(double lower, double upper, std::vector<Bucket>& buckets) {
  if (!normalise_buckets(buckets)) return kNaN;
  const double total = buckets.back().count;
  if (total == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double inside = 0;
  double prev_count = 0;
  double lo = buckets[0].upper_bound > 0 ? 0 : -kInf;
  for (const Bucket& b : buckets) {
    const double hi = b.upper_bound;
    const double count = b.count - prev_count;
    if (std::isinf(lo) || std::isinf(hi)) {
      if ((std::isinf(lo) && lower == -kInf) || (std::isinf(hi) && upper == kInf)) inside += count;
    } else {
      const double overlap = std::min(hi, upper) - std::max(lo, lower);
      if (overlap > 0) inside += count * overlap / (hi - lo);
    }
    prev_count = b.count;
    lo = hi;
  }
  return inside / total;
}

}  // namespace cogwatch::eval::internal
