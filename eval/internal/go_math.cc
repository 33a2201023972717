#include "eval/internal/go_math.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

// Ported from Go (Copyright 2009 The Go Authors, BSD-style license), which
// took them from FreeBSD's msun (e_log.c, e_exp.c), whose notice is:
//   Copyright (C) 1993 (e_log.c), 2004 (e_exp.c) by Sun Microsystems, Inc.
//   All rights reserved. Permission to use, copy, modify, and distribute
//   this software is freely granted, provided that this notice is
//   preserved.
// Each operation rounds once, in Go's order. That needs no fused
// multiply-adds: GCC contracts none on x86-64 without -mfma, which the
// build does not enable (elsewhere results may differ in the last bit, as
// Prometheus's own do on arm64).

namespace cogwatch::eval::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

double go_log(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kL1 = 6.666666666666735130e-01;
  constexpr double kL2 = 3.999999999940941908e-01;
  constexpr double kL3 = 2.857142874366239149e-01;
  constexpr double kL4 = 2.222219843214978396e-01;
  constexpr double kL5 = 1.818357216161805012e-01;
  constexpr double kL6 = 1.531383769920937332e-01;
  constexpr double kL7 = 1.479819860511658591e-01;
  if (std::isnan(x) || x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -kInf;
  if (x == kInf) return kInf;
  // f1, ki := Frexp(x) as the assembly does it: the mantissa's bits under
  // the exponent of 0.5, and the biased exponent less 1022 (no
  // normalisation of subnormals).
  const auto bits = std::bit_cast<uint64_t>(x);
  double f1 = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFull) | 0x3FE0000000000000ull);
  int ki = static_cast<int>((bits >> 52) & 0x7FF) - 0x3FE;
  // As the assembly: f1 <= sqrt(2)/2 (the portable Go has <, which gives
  // the same result for the one f1 where the two differ).
  if (f1 <= std::numbers::sqrt2 / 2) {
    f1 *= 2;
    --ki;
  }
  const double f = f1 - 1;
  const double k = ki;
  const double s = f / (2 + f);
  const double s2 = s * s;
  const double s4 = s2 * s2;
  const double t1 = s2 * (kL1 + s4 * (kL3 + s4 * (kL5 + s4 * kL7)));
  const double t2 = s4 * (kL2 + s4 * (kL4 + s4 * kL6));
  const double r = t1 + t2;
  const double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}

double go_log2(double x) {
  if (std::isnan(x) || x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -kInf;
  if (x == kInf) return kInf;
  int exp = 0;
  const double frac = std::frexp(x, &exp);
  if (frac == 0.5) return exp - 1;  // exact for powers of two
  // 1/Ln2 as Go's constant arithmetic rounds it: log2e.
  return go_log(frac) * std::numbers::log2e + exp;
}

double go_log10(double x) { return go_log(x) * std::numbers::log10e; }

double go_exp2(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kOverflow = 1.0239999999999999e+03;
  constexpr double kUnderflow = -1.0740e+03;
  constexpr double kP1 = 1.66666666666666657415e-01;
  constexpr double kP2 = -2.77777777770155933842e-03;
  constexpr double kP3 = 6.61375632143793436117e-05;
  constexpr double kP4 = -1.65339022054652515390e-06;
  constexpr double kP5 = 4.13813679705723846039e-08;
  if (std::isnan(x) || x == kInf) return x;
  if (x == -kInf) return 0;
  if (x > kOverflow) return kInf;
  if (x < kUnderflow) return 0;
  // x = k + t with |t| <= 1/2, and 2^t = e^(t ln 2) as in Go's expmulti.
  int k = 0;
  if (x > 0) k = static_cast<int>(x + 0.5);
  if (x < 0) k = static_cast<int>(x - 0.5);
  const double t = x - k;
  const double hi = t * kLn2Hi;
  const double lo = -t * kLn2Lo;
  const double r = hi - lo;
  const double rr = r * r;
  const double c = r - rr * (kP1 + rr * (kP2 + rr * (kP3 + rr * (kP4 + rr * kP5))));
  const double y = 1 - ((lo - (r * c) / (2 - c)) - hi);
  // Exact (or correctly rounded near underflow), as Go's Ldexp.
  return std::ldexp(y, k);
}

}  // namespace cogwatch::eval::internal
