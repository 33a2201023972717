// One side of a histogram's buckets as a sorted list of (index, count):
// the form cogwatch computes on. Prometheus merges span lists in place; we
// expand, merge two sorted lists, and encode the result back into spans,
// which gives the layout Prometheus's Compact would (empty buckets dropped,
// short gaps filled).
//
// Thread-safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <vector>

#include "model/histogram.h"

namespace cogwatch::internal {

struct IndexedCount {
  int32_t index = 0;
  double count = 0;
};
using IndexedCounts = std::vector<IndexedCount>;

// Every bucket the spans name, empty ones included, in index order.
// Missing bucket values (an invalid histogram) end the list early.
IndexedCounts expand_buckets(const HistogramSpans& spans, const std::vector<double>& buckets);
// The same for delta-encoded integer buckets.
IndexedCounts expand_delta_buckets(const HistogramSpans& spans, const std::vector<int64_t>& deltas);

// Writes `counts` (sorted by index) as spans and absolute buckets. Buckets
// whose count is 0 are dropped, then a gap of at most max_empty_buckets
// between two buckets is filled with zeros instead of starting a new span.
void encode_buckets(const IndexedCounts& counts, int max_empty_buckets, HistogramSpans& spans,
                    std::vector<double>& buckets);

// The bucket with index `target_index` at schema `target_schema` that bucket
// `index` of `schema` falls into (target_schema <= schema).
inline int32_t target_bucket_index(int32_t index, int32_t schema, int32_t target_schema) {
  return ((index - 1) >> (schema - target_schema)) + 1;
}

// Merges buckets into the lower resolution `target_schema`, summing counts.
IndexedCounts reduce_buckets(const IndexedCounts& counts, int32_t schema, int32_t target_schema);

}  // namespace cogwatch::internal
