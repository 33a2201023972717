#include "model/histogram_ops.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "model/internal/histogram_buckets.h"
#include "model/kahan.h"

namespace cogwatch {
namespace {

// A bucket with its Kahan compensation (0 when not compensating).
struct Entry {
  int32_t index;
  double v;
  double c;
};
using Entries = std::vector<Entry>;

Entries load(const HistogramSpans& spans, const std::vector<double>& buckets, const std::vector<double>* comp) {
  Entries out;
  out.reserve(buckets.size());
  size_t i = 0;
  for (const internal::IndexedCount& b : internal::expand_buckets(spans, buckets)) {
    double c = comp != nullptr && i < comp->size() ? (*comp)[i] : 0;
    out.push_back({b.index, b.count, c});
    ++i;
  }
  return out;
}

// Writes entries back: values into (spans, buckets), compensations (when
// wanted) into comp_buckets, which share the spans. A bucket stays while
// its value or its compensation is non-zero.
void store(const Entries& entries, HistogramSpans& spans, std::vector<double>& buckets,
           std::vector<double>* comp_buckets) {
  spans.clear();
  buckets.clear();
  if (comp_buckets != nullptr) comp_buckets->clear();
  int32_t next_index = 0;
  for (const Entry& e : entries) {
    if (e.v == 0 && e.c == 0) continue;
    if (spans.empty()) {
      spans.push_back({e.index, 1});
    } else if (e.index == next_index) {
      ++spans.back().length;
    } else {
      spans.push_back({e.index - next_index, 1});
    }
    buckets.push_back(e.v);
    if (comp_buckets != nullptr) comp_buckets->push_back(e.c);
    next_index = e.index + 1;
  }
}

// Merges buckets into target_schema, compensated.
Entries reduce(const Entries& in, int32_t schema, int32_t target_schema) {
  if (schema == target_schema) return in;
  Entries out;
  out.reserve(in.size());
  for (const Entry& e : in) {
    int32_t target = internal::target_bucket_index(e.index, schema, target_schema);
    if (!out.empty() && out.back().index == target) {
      kahan_add(e.v, out.back().v, out.back().c);
      kahan_add(e.c, out.back().v, out.back().c);
    } else {
      out.push_back({target, e.v, e.c});
    }
  }
  return out;
}

// a += sign * b, bucket by bucket (b's compensations too). Buckets of b
// before the first one whose upper bound exceeds `skip_below` (they lie in
// a's zero bucket, whose count already has them) are left out.
Entries merge(const Entries& a, const Entries& b, double sign, int32_t schema, double skip_below) {
  Entries out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  if (is_exponential_schema(schema) && skip_below > 0) {
    static const std::vector<double> kNoCustomValues;
    while (j < b.size() && histogram_bucket_bound(b[j].index, schema, kNoCustomValues) <= skip_below) ++j;
  }
  while (i < a.size() || j < b.size()) {
    if (j >= b.size() || (i < a.size() && a[i].index < b[j].index)) {
      out.push_back(a[i++]);
    } else if (i >= a.size() || b[j].index < a[i].index) {
      out.push_back({b[j].index, sign * b[j].v, sign * b[j].c});
      ++j;
    } else {
      Entry e = a[i++];
      kahan_add(sign * b[j].v, e.v, e.c);
      kahan_add(sign * b[j].c, e.v, e.c);
      out.push_back(e);
      ++j;
    }
  }
  return out;
}

// One histogram's buckets and zero bucket, expanded.
struct Expanded {
  int32_t schema;
  double zero_threshold;
  double zero_count;
  double zero_comp;
  Entries positive, negative;
};

Expanded expand(const FloatHistogram& h, const FloatHistogram* comp) {
  return Expanded{h.schema,
                  h.zero_threshold,
                  h.zero_count,
                  comp != nullptr ? comp->zero_count : 0,
                  load(h.positive_spans, h.positive_buckets, comp != nullptr ? &comp->positive_buckets : nullptr),
                  load(h.negative_spans, h.negative_buckets, comp != nullptr ? &comp->negative_buckets : nullptr)};
}

double bound(int32_t index, int32_t schema) {
  static const std::vector<double> kNoCustomValues;
  return histogram_bucket_bound(index, schema, kNoCustomValues);
}

// The zero count `h` would have with a zero threshold of at least
// `threshold`: its zero count plus the buckets inside. Where the threshold
// falls inside a populated bucket it is raised to that bucket's far edge,
// and the bucket counted. Returns the count, its compensation, and the
// threshold. As Prometheus's zeroCountForLargerThreshold.
struct ZeroCount {
  double count, comp, threshold;
};
ZeroCount zero_count_for_larger_threshold(const Expanded& h, double threshold) {
  if (threshold == h.zero_threshold) return {h.zero_count, h.zero_comp, threshold};
  for (;;) {
    ZeroCount z{h.zero_count, h.zero_comp, threshold};
    for (const Entry& e : h.positive) {
      if (bound(e.index - 1, h.schema) >= threshold) break;
      kahan_add(e.v, z.count, z.comp);
      kahan_add(e.c, z.count, z.comp);
      if (bound(e.index, h.schema) > threshold) {
        if (e.v != 0) z.threshold = threshold = bound(e.index, h.schema);
        break;
      }
    }
    bool raised = false;
    for (const Entry& e : h.negative) {
      if (bound(e.index - 1, h.schema) >= threshold) break;
      kahan_add(e.v, z.count, z.comp);
      kahan_add(e.c, z.count, z.comp);
      if (bound(e.index, h.schema) > threshold) {
        // Raised on the negative side: the positive side must be counted
        // again against the new threshold.
        if (e.v != 0) threshold = bound(e.index, h.schema), raised = true;
        break;
      }
    }
    if (!raised) return z;
  }
}

// Drops the buckets now inside the zero bucket (their counts are in it).
void trim_zero_bucket(Expanded& h) {
  auto inside = [&](const Entry& e) { return bound(e.index - 1, h.schema) < h.zero_threshold; };
  std::erase_if(h.positive, inside);
  std::erase_if(h.negative, inside);
}

void adjust_counter_reset(FloatHistogram& h, const FloatHistogram& other, HistogramCombineInfo* info) {
  using H = CounterResetHint;
  H a = h.counter_reset_hint, b = other.counter_reset_hint;
  if (a == b || a == H::kGauge) return;
  if (b == H::kGauge) {
    h.counter_reset_hint = H::kGauge;
  } else if (a == H::kUnknown) {
    // stays unknown
  } else if (b == H::kUnknown) {
    h.counter_reset_hint = H::kUnknown;
  } else {  // reset against not-reset
    h.counter_reset_hint = H::kUnknown;
    if (info != nullptr) info->counter_reset_collision = true;
  }
}

std::vector<double> intersect_bounds(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      out.push_back(a[i]);
      ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

// Custom buckets moved onto coarser bounds: a bucket goes to the first
// target bucket whose upper bound is at least its own.
Entries map_custom_buckets(const Entries& in, const std::vector<double>& bounds, const std::vector<double>& target) {
  Entries out;
  for (const Entry& e : in) {
    double upper = histogram_bucket_bound(e.index, kCustomBucketsSchema, bounds);
    auto index = static_cast<int32_t>(std::lower_bound(target.begin(), target.end(), upper) - target.begin());
    if (!out.empty() && out.back().index == index) {
      kahan_add(e.v, out.back().v, out.back().c);
      kahan_add(e.c, out.back().v, out.back().c);
    } else {
      out.push_back({index, e.v, e.c});
    }
  }
  return out;
}

void inc(double v, double& sum, double* comp) {
  if (comp != nullptr) {
    kahan_add(v, sum, *comp);
  } else {
    sum += v;
  }
}

Status combine(FloatHistogram& h, const FloatHistogram& other, double sign, HistogramCombineInfo* info,
               FloatHistogram* comp) {
  if (h.uses_custom_buckets() != other.uses_custom_buckets()) {
    return make_error(ErrorCode::kInvalidArgument, kIncompatibleSchemaMessage);
  }
  adjust_counter_reset(h, other, info);
  Expanded a = expand(h, comp);
  Expanded b = expand(other, nullptr);
  inc(sign * other.count, h.count, comp != nullptr ? &comp->count : nullptr);
  inc(sign * other.sum, h.sum, comp != nullptr ? &comp->sum : nullptr);

  if (h.uses_custom_buckets()) {
    if (h.custom_values != other.custom_values) {
      std::vector<double> common = intersect_bounds(h.custom_values, other.custom_values);
      a.positive = map_custom_buckets(a.positive, h.custom_values, common);
      b.positive = map_custom_buckets(b.positive, other.custom_values, common);
      h.custom_values = std::move(common);
      if (info != nullptr) info->nhcb_bounds_reconciled = true;
    }
    a.positive = merge(a.positive, b.positive, sign, h.schema, 0);
  } else {
    // The larger zero bucket wins; each side's buckets inside it join it.
    double b_zero = b.zero_count, b_zero_comp = 0;
    while (b.zero_threshold != a.zero_threshold) {
      if (a.zero_threshold > b.zero_threshold) {
        ZeroCount z = zero_count_for_larger_threshold(b, a.zero_threshold);
        b_zero = z.count, b_zero_comp = z.comp, b.zero_threshold = z.threshold;
      }
      if (b.zero_threshold > a.zero_threshold) {
        ZeroCount z = zero_count_for_larger_threshold(a, b.zero_threshold);
        a.zero_count = z.count, a.zero_comp = z.comp, a.zero_threshold = z.threshold;
        trim_zero_bucket(a);
      }
    }
    if (comp != nullptr) {
      kahan_add(sign * b_zero, a.zero_count, a.zero_comp);
      kahan_add(sign * b_zero_comp, a.zero_count, a.zero_comp);
    } else {
      a.zero_count += sign * b_zero;
    }
    if (b.schema < a.schema) {
      a.positive = reduce(a.positive, a.schema, b.schema);
      a.negative = reduce(a.negative, a.schema, b.schema);
      a.schema = b.schema;
    } else if (b.schema > a.schema) {
      b.positive = reduce(b.positive, b.schema, a.schema);
      b.negative = reduce(b.negative, b.schema, a.schema);
    }
    a.positive = merge(a.positive, b.positive, sign, a.schema, a.zero_threshold);
    a.negative = merge(a.negative, b.negative, sign, a.schema, a.zero_threshold);
    h.schema = a.schema;
    h.zero_threshold = a.zero_threshold;
    h.zero_count = a.zero_count;
    store(a.negative, h.negative_spans, h.negative_buckets, comp != nullptr ? &comp->negative_buckets : nullptr);
  }
  store(a.positive, h.positive_spans, h.positive_buckets, comp != nullptr ? &comp->positive_buckets : nullptr);
  if (comp != nullptr) {
    // The compensation is laid out like h.
    comp->schema = h.schema;
    comp->zero_threshold = h.zero_threshold;
    comp->zero_count = a.zero_comp;
    comp->custom_values = h.custom_values;
    comp->positive_spans = h.positive_spans;
    comp->negative_spans = h.negative_spans;
  }
  return {};
}

bool any_bucket_lower(const Entries& current, const Entries& previous) {
  // A populated bucket of `previous` that `current` lacks, or has less in.
  size_t i = 0;
  for (const Entry& p : previous) {
    while (i < current.size() && current[i].index < p.index) ++i;
    if (i < current.size() && current[i].index == p.index) {
      if (current[i].v < p.v) return true;
    } else if (p.v != 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

Status histogram_add(FloatHistogram& h, const FloatHistogram& other, HistogramCombineInfo* info,
                     FloatHistogram* comp) {
  return combine(h, other, 1, info, comp);
}

FloatHistogram new_compensation(const FloatHistogram& h) {
  FloatHistogram c;
  c.counter_reset_hint = h.counter_reset_hint;
  c.schema = h.schema;
  c.zero_threshold = h.zero_threshold;
  c.custom_values = h.custom_values;
  c.positive_spans = h.positive_spans;
  c.negative_spans = h.negative_spans;
  c.positive_buckets.assign(h.positive_buckets.size(), 0);
  c.negative_buckets.assign(h.negative_buckets.size(), 0);
  return c;
}

Status histogram_sub(FloatHistogram& h, const FloatHistogram& other, HistogramCombineInfo* info) {
  return combine(h, other, -1, info, nullptr);
}

bool histogram_overflows(const FloatHistogram& h) {
  auto inf = [](double v) { return std::isinf(v); };
  return inf(h.count) || inf(h.sum) || inf(h.zero_count) ||
         std::any_of(h.positive_buckets.begin(), h.positive_buckets.end(), inf) ||
         std::any_of(h.negative_buckets.begin(), h.negative_buckets.end(), inf);
}

void histogram_reduce_resolution(FloatHistogram& h, int32_t target_schema) {
  if (h.uses_custom_buckets() || target_schema >= h.schema) return;
  store(reduce(load(h.positive_spans, h.positive_buckets, nullptr), h.schema, target_schema), h.positive_spans,
        h.positive_buckets, nullptr);
  store(reduce(load(h.negative_spans, h.negative_buckets, nullptr), h.schema, target_schema), h.negative_spans,
        h.negative_buckets, nullptr);
  h.schema = target_schema;
}

bool histogram_detect_reset(const FloatHistogram& current, const FloatHistogram& previous) {
  // Gauge histograms are checked like counters: a function meant for
  // counters applied to a gauge still needs an answer (with a warning).
  if (current.counter_reset_hint == CounterResetHint::kCounterReset) return true;
  if (current.counter_reset_hint == CounterResetHint::kNotCounterReset) return false;
  if (current.count < previous.count) return true;
  if (current.uses_custom_buckets()) {
    if (!previous.uses_custom_buckets()) return true;
    if (current.custom_values != previous.custom_values) {
      // Compare on the bounds both have.
      std::vector<double> common = intersect_bounds(current.custom_values, previous.custom_values);
      return any_bucket_lower(
          map_custom_buckets(load(current.positive_spans, current.positive_buckets, nullptr), current.custom_values,
                             common),
          map_custom_buckets(load(previous.positive_spans, previous.positive_buckets, nullptr),
                             previous.custom_values, common));
    }
  }
  // An exponential histogram after a custom-bucket one has the higher
  // schema (-53 is below all others): a reset, as in Prometheus.
  if (current.schema > previous.schema) return true;
  if (current.zero_threshold < previous.zero_threshold) return true;
  Expanded prev = expand(previous, nullptr);
  ZeroCount z = zero_count_for_larger_threshold(prev, current.zero_threshold);
  // The new threshold splits a populated bucket of the previous histogram.
  if (z.threshold != current.zero_threshold) return true;
  if (current.zero_count < z.count) return true;
  // Buckets inside the zero bucket were compared through it.
  const double threshold = current.zero_threshold;
  auto outside_zero_bucket = [&](Entries e) {
    if (is_exponential_schema(current.schema)) {
      std::erase_if(e, [&](const Entry& x) { return bound(x.index, current.schema) <= threshold; });
    }
    return e;
  };
  Expanded cur = expand(current, nullptr);
  return any_bucket_lower(outside_zero_bucket(cur.positive),
                          outside_zero_bucket(reduce(prev.positive, prev.schema, current.schema))) ||
         any_bucket_lower(outside_zero_bucket(cur.negative),
                          outside_zero_bucket(reduce(prev.negative, prev.schema, current.schema)));
}

}  // namespace cogwatch
