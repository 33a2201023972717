// Compensated summation as Prometheus's kahansum.Inc: Neumaier's variant of
// Kahan's, so that float sums (sum, avg, sum_over_time, native histogram
// buckets) come out as Prometheus's, to the bit.
//
//   double sum = 0, c = 0;
//   for (double v : values) kahan_add(v, sum, c);
//   return sum + c;
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <cmath>

namespace cogwatch {

// sum += inc, the low-order part lost collected in c (reset to 0 when the
// sum becomes infinite, where compensation means nothing).
inline void kahan_add(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

}  // namespace cogwatch
