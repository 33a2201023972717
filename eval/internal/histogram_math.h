// The PromQL math of native histograms, as Prometheus 3 computes it:
// histogram_quantile and histogram_fraction (promql/quantile.go's
// HistogramQuantile and HistogramFraction), histogram_stddev and
// histogram_stdvar (promql/functions.go's histogramVariance), and the trim
// operators `</` and `>/` (model/histogram's FloatHistogram.TrimBuckets).
//
//   const HistogramQuantileResult r = native_histogram_quantile(0.9, h);
//   if (r.nan_result) ...;  // the engine adds Prometheus's info annotation
//   FloatHistogram below = trim_histogram(h, 0.5, HistogramTrim::kUpper);  // h </ 0.5
//
// Results equal Prometheus's on amd64 to the bit: the same operations in the
// same order, and logarithms and powers of two computed as Go's math package
// computes them there. The C library's differ in the last bit (Go's
// Exp2(0.5) is 1.414213562373095, glibc's is 1.4142135623730951), and the
// API prints shortest round-trip floats, so the difference would show.
//
// Buckets are visited as Prometheus's AllBucketIterator does (see
// FloatHistogram::for_each_bucket): in ascending order of value, the zero
// bucket only when it holds observations, and buckets reaching into the
// zero bucket cut at its edge.
//
// The engine's part: choosing which samples are native histograms, the
// "invalid quantile" warning for q outside [0, 1] (these functions return
// ±Inf or NaN for it, silently, as Prometheus's do), the annotations' text
// and position, and dropping the metric name.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include "model/histogram.h"

namespace cogwatch::eval::internal {

struct HistogramQuantileResult {
  double value = 0;
  // The histogram has NaN observations (its sum is NaN) and the quantile's
  // rank lies above every bucket's observations: value is NaN. Prometheus's
  // info annotation: "input to histogram_quantile has NaN observations,
  // result is NaN for metric name %q".
  bool nan_result = false;
  // The histogram has NaN observations (its sum is NaN and its buckets hold
  // fewer observations than its count) but the quantile fell into a bucket:
  // NaNs rank above everything, so value is skewed higher. Prometheus's
  // info annotation: "input to histogram_quantile has NaN observations,
  // result is skewed higher for metric name %q".
  bool nan_skewed = false;
};

// The q-quantile of h's observations (histogram_quantile of a native
// histogram). The rank is found from the low end for q < 0.5 and from the
// high end otherwise (from the low end always when the sum is NaN, as NaN
// observations are in the count but in no bucket).
//   q < 0: -Inf.  q > 1: +Inf (both before looking at h).
//   q NaN, or h.count == 0: NaN.
//   Exponential buckets interpolate on a log scale: the middle of (1,2] is
//   sqrt(2). The zero bucket and custom buckets interpolate linearly.
//   The zero bucket counts as [0, threshold] when h stores positive
//   buckets only (even empty ones), [-threshold, 0] when negative only,
//   else [-threshold, threshold].
//   Custom buckets: in the first, (-Inf, b], the result is b when b <= 0,
//   else interpolated in [0, b]; in the last, (b, +Inf], it is b.
//   A rank above all buckets' observations (NaN observations, or float
//   error): NaN with nan_result when the sum is NaN, else the upper bound
//   of the last bucket visited.
//   Otherwise, with a NaN sum, the rank's position inside its bucket is
//   applied to the bounds of the histogram's highest bucket instead, as
//   current Prometheus does (a defect of its NaN-skew check, reproduced
//   for parity; see the .cc).
HistogramQuantileResult native_histogram_quantile(double q, const FloatHistogram& h);

struct HistogramFractionResult {
  double value = 0;
  // The histogram's sum is NaN and its buckets hold fewer observations
  // than its count: the NaN observations are in no range, so even
  // (-Inf, +Inf) gives less than 1. Prometheus's info annotation: "input to
  // histogram_fraction has NaN observations, which are excluded from all
  // fractions for metric name %q".
  bool nan_observations = false;
};

// The share of h's observations between lower and upper
// (histogram_fraction of a native histogram), interpolating inside the
// buckets that contain a bound as native_histogram_quantile does: it is
// the inverse of the quantile.
//   lower or upper NaN, or h.count == 0: NaN.
//   lower >= upper: 0.
//   A bucket reaching to -Inf or +Inf has no width to interpolate on: its
//   observations count as lying at that infinity. Except that a bucket
//   containing 0 counts from 0 when h stores positive buckets only (so the
//   custom bucket (-Inf, b] is [0, b]), as the zero bucket does.
//   Bounds on a bucket boundary need no interpolation: lower is exclusive
//   and upper inclusive for positive values, the other way round for
//   negative ones.
HistogramFractionResult native_histogram_fraction(double lower, double upper, const FloatHistogram& h);

// The variance of h's observations (histogram_stdvar), estimating each
// bucket's observations at one value: the geometric mean of its bounds for
// exponential buckets (negated for negative buckets), 0 for the zero
// bucket, the arithmetic mean of its bounds for custom buckets (so ±Inf
// for a populated bucket reaching to infinity). The mean is sum / count;
// the squared deviations are summed with Kahan compensation.
//   No observations (count 0): NaN. A NaN sum gives NaN and an infinite
//   one +Inf when some bucket holds observations, 0 when none does (only
//   NaNs observed).
double native_histogram_stdvar(const FloatHistogram& h);
// The square root of native_histogram_stdvar (histogram_stddev).
double native_histogram_stddev(const FloatHistogram& h);

// Which observations a trim operator removes.
enum class HistogramTrim {
  kUpper,  // h </ bound: keeps the observations below bound
  kLower,  // h >/ bound: keeps the observations above bound
};

// h with the observations beyond bound removed (the operators `</` and
// `>/`). A bucket containing bound keeps the share of its count on the kept
// side, interpolated as native_histogram_fraction does (linearly in custom
// buckets and the zero bucket, on a log scale in exponential ones); a
// bucket with an infinite bound keeps all or nothing, except the custom
// bucket (-Inf, b] with b > 0, which counts as [0, b]. The zero bucket
// counts as [0, threshold] or [-threshold, 0] when only positive or only
// negative buckets hold observations.
// When anything was removed, count is the kept observations and sum is
// estimated from them (each kept part of a bucket at its midpoint:
// geometric for exponential buckets, arithmetic otherwise), and empty
// buckets are dropped (compact(0)); when nothing was, h comes back as it
// was, count and sum included. Schema, zero threshold, custom bounds and
// the counter-reset hint stay. A NaN bound removes every bucket, and makes
// the zero count, count and sum NaN if the zero bucket had observations.
FloatHistogram trim_histogram(FloatHistogram h, double bound, HistogramTrim trim);

}  // namespace cogwatch::eval::internal
