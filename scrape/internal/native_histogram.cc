#include "scrape/internal/native_histogram.h"

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>


namespace cogwatch::scrape::internal {
namespace {

// Deltas from a target are any int64: sums wrap around as Go's do rather
// than overflow (a histogram whose counts wrap fails validation later).
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// A bucket by its index on the schema's grid and its absolute count.
// Indices are kept in 64 bits: spans from a target may add up past int32.
template <typename Count>
struct IndexedCount {
  int64_t index;
  Count count;
};

// Integer histograms store deltas, float histograms absolute counts.
int64_t absolute(int64_t previous, int64_t delta) { return wrapping_add(previous, delta); }
double absolute(double, double count) { return count; }
int64_t encoded(int64_t count, int64_t previous) { return wrapping_sub(count, previous); }
double encoded(double count, double) { return count; }

// Rebuilds spans and buckets from buckets in order of index; with
// `drop_empty`, buckets of count 0 are left out. A bucket whose index is
// not the next one starts a span (an index going backwards, from a
// negative offset, keeps its negative gap for validate() to refuse).
template <typename Count>
void store(const std::vector<IndexedCount<Count>>& buckets, bool drop_empty, HistogramSpans& spans,
           std::vector<Count>& encoded_buckets) {
  spans.clear();
  encoded_buckets.clear();
  int64_t next_index = 0;
  Count previous = 0;
  for (const IndexedCount<Count>& b : buckets) {
    if (drop_empty && b.count == 0) continue;
    if (spans.empty()) {
      spans.push_back({static_cast<int32_t>(b.index), 1});
    } else if (b.index == next_index) {
      ++spans.back().length;
    } else {
      spans.push_back({static_cast<int32_t>(b.index - next_index), 1});
    }
    encoded_buckets.push_back(encoded(b.count, previous));
    previous = b.count;
    next_index = b.index + 1;
  }
}

// The buckets of one side with their indices and absolute counts.
template <typename Count>
std::vector<IndexedCount<Count>> expand(const HistogramSpans& spans, const std::vector<Count>& buckets) {
  std::vector<IndexedCount<Count>> out;
  out.reserve(buckets.size());
  int64_t index = 0;
  Count count = 0;
  size_t i = 0;
  for (const HistogramSpan& span : spans) {
    index += span.offset;
    for (uint32_t j = 0; j < span.length && i < buckets.size(); ++j) {
      count = absolute(count, buckets[i++]);
      out.push_back({index++, count});
    }
  }
  return out;
}

// Whether compaction would change nothing: no empty bucket, no span of
// length 0, and every span after the first leaves a gap.
template <typename Count>
bool is_compact(const HistogramSpans& spans, const std::vector<Count>& buckets) {
  Count count = 0;
  for (Count b : buckets) {
    count = absolute(count, b);
    if (count == 0) return false;
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].length == 0 || (i > 0 && spans[i].offset <= 0)) return false;
  }
  return true;
}

template <typename Count>
void compact_side(HistogramSpans& spans, std::vector<Count>& buckets) {
  if (is_compact(spans, buckets)) return;
  store(expand(spans, buckets), /*drop_empty=*/true, spans, buckets);
}

Status check_offsets(const HistogramSpans& spans) {
  for (size_t n = 1; n < spans.size(); ++n) {
    if (spans[n].offset < 0) {
      return make_error(ErrorCode::kInvalidArgument, "span number " + std::to_string(n + 1) + " with offset " +
                                                         std::to_string(spans[n].offset) +
                                                         ": histogram has a span whose offset is negative");
    }
  }
  return {};
}

// Prometheus's targetIdx: the bucket of the lower schema that holds bucket
// `index` of the higher one (bucket 1 is (1, base] on every schema).
int64_t target_index(int64_t index, int32_t schema, int32_t target_schema) {
  const int shift = schema - target_schema;
  if (shift <= 0) return index;
  if (shift >= 63) return index - 1 < 0 ? 0 : 1;
  return ((index - 1) >> shift) + 1;
}

template <typename Count>
Status reduce_side(HistogramSpans& spans, std::vector<Count>& buckets, int32_t schema, int32_t target_schema) {
  if (Status s = check_offsets(spans); !s) return s;
  std::vector<IndexedCount<Count>> reduced;
  for (const IndexedCount<Count>& b : expand(spans, buckets)) {
    const int64_t index = target_index(b.index, schema, target_schema);
    if (!reduced.empty() && reduced.back().index == index) {
      if constexpr (std::is_same_v<Count, int64_t>) {
        reduced.back().count = wrapping_add(reduced.back().count, b.count);
      } else {
        reduced.back().count += b.count;
      }
    } else {
      reduced.push_back({index, b.count});
    }
  }
  store(reduced, /*drop_empty=*/false, spans, buckets);
  return {};
}

template <typename H>
Status reduce(H& h, int32_t target_schema) {
  if (Status s = reduce_side(h.positive_spans, h.positive_buckets, h.schema, target_schema); !s) return s;
  if (Status s = reduce_side(h.negative_spans, h.negative_buckets, h.schema, target_schema); !s) return s;
  h.schema = target_schema;
  return {};
}

template <typename H>
size_t bucket_count(const H& h) {
  return h.positive_buckets.size() + h.negative_buckets.size();
}

template <typename H>
Status apply(H& h, const NativeHistogramLimits& limits) {
  const bool reserved = h.schema >= kExponentialSchemaMinReserved && h.schema <= kExponentialSchemaMaxReserved;
  if (limits.max_schema < kExponentialSchemaMax && reserved && h.schema > limits.max_schema) {
    if (Status s = reduce(h, limits.max_schema); !s) return s;
  }
  if (limits.bucket_limit == 0) return {};
  if (bucket_count(h) > limits.bucket_limit && !is_exponential_schema(h.schema)) {
    return make_error(ErrorCode::kResourceExhausted, kBucketLimitMessage);
  }
  while (bucket_count(h) > limits.bucket_limit) {
    if (h.schema <= kExponentialSchemaMin) return make_error(ErrorCode::kResourceExhausted, kBucketLimitMessage);
    if (Status s = reduce(h, h.schema - 1); !s) return s;
  }
  return {};
}

}  // namespace

void compact_buckets(Histogram& h) {
  compact_side(h.positive_spans, h.positive_buckets);
  compact_side(h.negative_spans, h.negative_buckets);
}
void compact_buckets(FloatHistogram& h) {
  compact_side(h.positive_spans, h.positive_buckets);
  compact_side(h.negative_spans, h.negative_buckets);
}

Status reduce_resolution(Histogram& h, int32_t target_schema) { return reduce(h, target_schema); }
Status reduce_resolution(FloatHistogram& h, int32_t target_schema) { return reduce(h, target_schema); }

int32_t schema_for_bucket_factor(double factor) {
  if (factor <= 1) factor = 1.00271;
  const double floor = std::floor(-std::log2(std::log2(factor)));
  if (floor >= kExponentialSchemaMax) return kExponentialSchemaMax;
  if (floor <= kExponentialSchemaMin) return kExponentialSchemaMin;
  return static_cast<int32_t>(floor);
}

Status apply_limits(Histogram& h, const NativeHistogramLimits& limits) { return apply(h, limits); }
Status apply_limits(FloatHistogram& h, const NativeHistogramLimits& limits) { return apply(h, limits); }

}  // namespace cogwatch::scrape::internal
