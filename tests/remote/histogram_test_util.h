// Native histograms the remote tests send, store and compare.
#pragma once

#include <cmath>
#include <limits>

#include "model/histogram.h"
#include "model/value.h"

namespace cogwatch::remote::testing {

// An integer histogram of schema 1 with a zero bucket, two positive spans
// (a gap between them) and a negative bucket; `scale` multiplies every
// count, so growing scales make a counter. Zero bucket 3, positive 1+2+3,
// negative 4: 13 observations per scale.
inline Histogram integer_histogram(uint64_t scale = 1, CounterResetHint hint = CounterResetHint::kUnknown) {
  const auto s = static_cast<int64_t>(scale);
  Histogram h;
  h.counter_reset_hint = hint;
  h.schema = 1;
  h.zero_threshold = 0.001;
  h.zero_count = 3 * scale;
  h.count = 13 * scale;
  h.sum = 17.5 * static_cast<double>(scale);
  h.positive_spans = {{0, 2}, {2, 1}};  // indices 0, 1 and 4
  h.positive_buckets = {1 * s, 1 * s, 1 * s};  // deltas of 1, 2, 3
  h.negative_spans = {{-1, 1}};
  h.negative_buckets = {4 * s};
  return h;
}

// A float histogram (what a recording rule computes) of schema 0 with
// fractional counts.
inline FloatHistogram float_histogram(double scale = 1, CounterResetHint hint = CounterResetHint::kGauge) {
  FloatHistogram h;
  h.counter_reset_hint = hint;
  h.schema = 0;
  h.zero_threshold = 0.5;
  h.zero_count = 0.25 * scale;
  h.count = 3.75 * scale;
  h.sum = 9.5 * scale;
  h.positive_spans = {{1, 3}};
  h.positive_buckets = {0.5 * scale, 1.5 * scale, 1 * scale};
  h.negative_spans = {{2, 1}};
  h.negative_buckets = {0.5 * scale};
  return h;
}

// A custom-bucket histogram (schema -53) over bounds 0.1, 0.5, 1, 5: the
// buckets (0.1, 0.5], (1, 5] and (5, +Inf].
inline Histogram custom_histogram(uint64_t scale = 1) {
  Histogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = {0.1, 0.5, 1, 5};
  const auto s = static_cast<int64_t>(scale);
  h.positive_spans = {{1, 1}, {1, 2}};
  h.positive_buckets = {3 * s, -1 * s, -1 * s};  // 3, 2, 1
  h.count = 6 * scale;
  h.sum = 12.25 * static_cast<double>(scale);
  return h;
}

inline Histogram stale_histogram() {
  Histogram h;
  h.sum = stale_nan();
  return h;
}

inline FloatHistogram stale_float_histogram() {
  FloatHistogram h;
  h.sum = stale_nan();
  return h;
}

}  // namespace cogwatch::remote::testing
