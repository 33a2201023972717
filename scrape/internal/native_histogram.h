// What a scrape does to a native histogram before storing it, as
// Prometheus does it: compacting the buckets a target sent
// (Histogram.Compact(0)), lowering the resolution to a schema that
// native_histogram_min_bucket_factor allows (maxSchemaAppender) and until
// native_histogram_bucket_limit holds (bucketLimitAppender).
//
// Both forms, integer (on the deltas targets send) and float, work on what
// a target sent before validation: indices in 64 bits, integer counts
// wrapping as Go's do, no bucket bounds computed (they exist for valid
// schemas only), so any input is safe. Empty buckets merged by a lower
// resolution stay, as in Prometheus (model/'s histogram_reduce_resolution
// drops them and compensates sums, as PromQL wants).
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>

#include "model/error.h"
#include "model/histogram.h"

namespace cogwatch::scrape::internal {

// The limits a scrape config puts on native histograms.
struct NativeHistogramLimits {
  // Highest schema to store (from native_histogram_min_bucket_factor);
  // kExponentialSchemaMax applies no limit.
  int32_t max_schema = kExponentialSchemaMax;
  uint64_t bucket_limit = 0;  // buckets on both sides together; 0: none
};

// The words of Prometheus's errBucketLimit, which fails the scrape as the
// sample limit does.
inline constexpr const char* kBucketLimitMessage = "histogram bucket limit exceeded";

// Prometheus's Compact(0): drops buckets whose count is 0 and spans of
// length 0, and joins spans that touch. Deltas stay deltas.
void compact_buckets(Histogram& h);
void compact_buckets(FloatHistogram& h);

// Prometheus's ReduceResolution: merges buckets into target_schema
// (< h.schema; an exponential histogram). Empty buckets stay. Errors:
// kInvalidArgument when a span after the first has a negative offset
// ("span number 2 with offset -1: histogram has a span whose offset is
// negative"); the histogram may then be partly reduced. REQUIRES: the
// spans' lengths add up to the bucket count.
Status reduce_resolution(Histogram& h, int32_t target_schema);
Status reduce_resolution(FloatHistogram& h, int32_t target_schema);

// Prometheus's pickSchema: the highest schema whose bucket growth factor
// is at least `factor` (a factor <= 1 means the finest, 8), between -4 and 8.
int32_t schema_for_bucket_factor(double factor);

// Applies limits in Prometheus's order: an exponential schema above
// max_schema (incl. the reserved 9..52) is lowered to it — only when
// max_schema is below 8, as Prometheus installs that step only then — and
// then, while the buckets exceed bucket_limit, the schema is lowered by one.
// Errors: kResourceExhausted kBucketLimitMessage when the limit cannot be
// met (custom buckets, a schema outside -4..8, or already at -4); the
// histogram may then be partly reduced. kInvalidArgument from
// reduce_resolution. REQUIRES: spans match the buckets.
Status apply_limits(Histogram& h, const NativeHistogramLimits& limits);
Status apply_limits(FloatHistogram& h, const NativeHistogramLimits& limits);

}  // namespace cogwatch::scrape::internal
