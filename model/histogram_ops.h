// Arithmetic on float histograms with Prometheus's semantics
// (model/histogram/float_histogram.go): adding and subtracting histograms
// of different schemas and zero thresholds, custom-bucket histograms with
// different bounds, counter-reset detection, and lowering the resolution.
//
//   FloatHistogram sum = a;
//   HistogramCombineInfo info;
//   if (Status s = histogram_add(sum, b, &info); !s) ...;  // incompatible
//   sum.compact();
//
// Results keep the layout canonical: empty buckets dropped, as after
// Prometheus's Compact(0). Inputs are never modified except the first.
//
// Thread-safety: free functions on values.
#pragma once

#include "model/error.h"
#include "model/histogram.h"

namespace cogwatch {

// What an addition or subtraction had to do that a query should mention.
struct HistogramCombineInfo {
  // One operand said counter reset, the other not: the hint became unknown.
  bool counter_reset_collision = false;
  // Custom-bucket histograms with different bounds were combined on the
  // bounds they share.
  bool nhcb_bounds_reconciled = false;
};

// The error of combining an exponential with a custom-bucket histogram.
inline constexpr const char* kIncompatibleSchemaMessage =
    "cannot apply this operation on histograms with a mix of exponential and custom bucket schemas";

// h += other. The result has the lower of the two schemas and the larger
// zero threshold (raised to a bucket boundary where it would split a
// populated bucket); custom bounds that differ are reduced to the bounds
// both have. With `comp` (the Kahan compensation of h, laid out like h:
// start with new_compensation(h)), the sum is compensated as Prometheus's
// KahanAdd; the true value is then h + comp. Errors: kInvalidArgument
// (kIncompatibleSchemaMessage); h is unchanged then.
Status histogram_add(FloatHistogram& h, const FloatHistogram& other, HistogramCombineInfo* info = nullptr,
                     FloatHistogram* comp = nullptr);
// A compensation for h with nothing in it yet: h's layout, hint and
// bounds, zero counts (Prometheus's newCompensationHistogram).
FloatHistogram new_compensation(const FloatHistogram& h);

// h -= other, as histogram_add. Buckets may become negative; the counter
// reset hint follows the same rules as addition (the "-" operator then
// makes the result a gauge).
Status histogram_sub(FloatHistogram& h, const FloatHistogram& other, HistogramCombineInfo* info = nullptr);

// Whether a count, the sum or a bucket is infinite (Prometheus's
// HasOverflow): a running sum that overflowed.
bool histogram_overflows(const FloatHistogram& h);

// Merges buckets into the lower resolution target_schema (<= h.schema).
// Custom-bucket histograms are left as they are.
void histogram_reduce_resolution(FloatHistogram& h, int32_t target_schema);

// Whether `current` starts anew after `previous`: its hint says so, or any
// count (total, zero bucket, a bucket) is lower, or a populated bucket is
// gone, or the resolution went up or the zero bucket shrank (only possible
// with a reset). A kNotCounterReset hint says no. As Prometheus's
// DetectReset.
bool histogram_detect_reset(const FloatHistogram& current, const FloatHistogram& previous);

}  // namespace cogwatch
