#include "remote/internal/histogram_json.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/go_strconv.h"
#include "model/value.h"

namespace cogwatch::remote::internal {
namespace {

namespace json = boost::json;

Error bad(const std::string& what) { return make_error(ErrorCode::kInvalidArgument, "a histogram is not " + what); }

// "1.5", "+Inf", "NaN": the API writes numbers as strings.
std::optional<double> number(const json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  double out = 0;
  if (go_parse_float(std::string_view(v->get_string().data(), v->get_string().size()), out) == GoNumError::kSyntax) {
    return std::nullopt;
  }
  return out;
}

struct JsonBucket {
  int boundaries = 0;  // 0: (lower, upper]; 1: [lower, upper); 2: (lower, upper); 3: [lower, upper]
  double lower = 0, upper = 0, count = 0;
};

Result<JsonBucket> read_bucket(const json::value& v) {
  const json::array* a = v.if_array();
  const auto wrong = [&] {
    return bad("[boundaries, \"lower\", \"upper\", \"count\"] in a bucket: " + json::serialize(v));
  };
  if (a == nullptr || a->size() != 4 || !(*a)[0].is_number()) return wrong();
  JsonBucket b;
  boost::system::error_code ec;
  const int64_t boundaries = (*a)[0].to_number<int64_t>(ec);
  if (ec || boundaries < 0 || boundaries > 3) return wrong();
  b.boundaries = static_cast<int>(boundaries);
  const auto lower = number(&(*a)[1]), upper = number(&(*a)[2]), count = number(&(*a)[3]);
  if (!lower || !upper || !count) return wrong();
  b.lower = *lower;
  b.upper = *upper;
  b.count = *count;
  return b;
}

// The index i of schema s whose upper bound is exactly `bound` (> 0), if any.
std::optional<int32_t> exponential_index(double bound, int32_t schema) {
  if (!(bound > 0) || !std::isfinite(bound)) return std::nullopt;
  const double estimate = std::ceil(std::ldexp(std::log2(bound), schema));
  if (!(std::fabs(estimate) < 1e9)) return std::nullopt;
  for (int32_t i = static_cast<int32_t>(estimate) - 1; i <= static_cast<int32_t>(estimate) + 1; ++i) {
    if (histogram_bucket_bound(i, schema, {}) == bound) return i;
  }
  return std::nullopt;
}

// A bucket's index on schema s as for_each_bucket would have printed it
// (positive (lower, upper], negative [lower, upper), an end inside the
// zero bucket cut at its edge), or nullopt if it is not on that grid.
// `positive` is set to its side.
std::optional<int32_t> fit(const JsonBucket& b, int32_t schema, double zero_threshold, bool& positive) {
  positive = b.boundaries == 0;
  if (!positive && b.boundaries != 1) return std::nullopt;
  const double outer = positive ? b.upper : -b.lower;   // away from zero
  const double inner = positive ? b.lower : -b.upper;   // towards zero
  const std::optional<int32_t> i = exponential_index(outer, schema);
  if (!i) return std::nullopt;
  const double start = histogram_bucket_bound(*i - 1, schema, {});
  if (inner == start || (inner == zero_threshold && start < zero_threshold)) return i;
  return std::nullopt;
}

// Spans and buckets of (index, count) pairs sorted by index: consecutive
// indices share a span. False if two buckets have the same index.
bool encode(std::vector<std::pair<int32_t, double>>& counts, HistogramSpans& spans, std::vector<double>& buckets) {
  std::sort(counts.begin(), counts.end());
  int64_t next = 0;
  for (const auto& [index, count] : counts) {
    if (!spans.empty() && index < next) return false;
    if (!spans.empty() && index == next) {
      ++spans.back().length;
    } else {
      spans.push_back({static_cast<int32_t>(spans.empty() ? index : index - next), 1});
    }
    buckets.push_back(count);
    next = static_cast<int64_t>(index) + 1;
  }
  return true;
}

// The finest exponential schema every bucket fits, if any (0 when there
// are no buckets, Prometheus's usual one).
std::optional<int32_t> exponential_schema(const std::vector<JsonBucket>& buckets, double zero_threshold) {
  if (buckets.empty()) return 0;
  for (int32_t s = kExponentialSchemaMax; s >= kExponentialSchemaMin; --s) {
    bool positive = false;
    if (std::all_of(buckets.begin(), buckets.end(),
                    [&](const JsonBucket& b) { return fit(b, s, zero_threshold, positive).has_value(); })) {
      return s;
    }
  }
  return std::nullopt;
}

Status fill_exponential(const std::vector<JsonBucket>& buckets, int32_t schema, FloatHistogram& h) {
  h.schema = schema;
  std::vector<std::pair<int32_t, double>> positive, negative;
  for (const JsonBucket& b : buckets) {
    bool is_positive = false;
    const int32_t i = *fit(b, schema, h.zero_threshold, is_positive);
    (is_positive ? positive : negative).emplace_back(i, b.count);
  }
  if (!encode(positive, h.positive_spans, h.positive_buckets) ||
      !encode(negative, h.negative_spans, h.negative_buckets)) {
    return bad("made of distinct buckets: two buckets have the same bounds");
  }
  return {};
}

Status fill_custom(const std::vector<JsonBucket>& buckets, FloatHistogram& h) {
  h.schema = kCustomBucketsSchema;
  for (const JsonBucket& b : buckets) {
    for (double bound : {b.lower, b.upper}) {
      if (std::isfinite(bound)) h.custom_values.push_back(bound);
    }
  }
  std::sort(h.custom_values.begin(), h.custom_values.end());
  h.custom_values.erase(std::unique(h.custom_values.begin(), h.custom_values.end()), h.custom_values.end());
  const std::vector<double>& bounds = h.custom_values;
  std::vector<std::pair<int32_t, double>> counts;
  for (const JsonBucket& b : buckets) {
    // The bucket ending at its upper bound; it must start at the bound before.
    const auto at = std::lower_bound(bounds.begin(), bounds.end(), b.upper);
    const auto index = static_cast<int32_t>(at - bounds.begin());
    const double start = index == 0 ? -INFINITY : bounds[static_cast<size_t>(index) - 1];
    if ((at != bounds.end() && *at != b.upper) || (at == bounds.end() && b.upper != INFINITY) || b.lower != start) {
      return bad("made of adjacent custom buckets: bucket (" + format_float(b.lower) + ", " + format_float(b.upper) +
                 "] overlaps another");
    }
    counts.emplace_back(index, b.count);
  }
  if (!encode(counts, h.positive_spans, h.positive_buckets)) {
    return bad("made of distinct buckets: two buckets have the same bounds");
  }
  return {};
}

}  // namespace

Result<FloatHistogram> read_histogram_json(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return bad("an object: " + json::serialize(v));
  FloatHistogram h;
  const auto count = number(o->if_contains("count"));
  const auto sum = number(o->if_contains("sum"));
  if (!count) return bad("well formed: \"count\" is not a number in a string");
  if (!sum) return bad("well formed: \"sum\" is not a number in a string");
  h.count = *count;
  h.sum = *sum;
  std::vector<JsonBucket> buckets;
  bool zero_bucket = false;
  if (const json::value* list = o->if_contains("buckets")) {
    const json::array* a = list->if_array();
    if (a == nullptr) return bad("well formed: \"buckets\" is not an array");
    for (const json::value& item : *a) {
      auto b = read_bucket(item);
      if (!b) return b.take_error();
      if (!zero_bucket && b->boundaries == 3 && std::isfinite(b->upper) && b->upper >= 0 && b->lower == -b->upper) {
        zero_bucket = true;
        h.zero_threshold = b->upper;
        h.zero_count = b->count;
      } else {
        buckets.push_back(*b);
      }
    }
  }
  std::optional<int32_t> schema = exponential_schema(buckets, h.zero_threshold);
  if (!schema && !zero_bucket && !buckets.empty()) {
    // An empty zero bucket is not printed, but its width still cut the
    // buckets next to it: the innermost bound may be that edge.
    double inner = INFINITY;
    for (const JsonBucket& b : buckets) {
      if (b.boundaries == 0 && b.lower > 0) inner = std::min(inner, b.lower);
      if (b.boundaries == 1 && b.upper < 0) inner = std::min(inner, -b.upper);
    }
    if (std::isfinite(inner) && (schema = exponential_schema(buckets, inner))) h.zero_threshold = inner;
  }
  if (schema) {
    if (Status s = fill_exponential(buckets, *schema, h); !s) return s.error();
  } else if (zero_bucket) {
    return bad("on one bucket layout: a zero bucket with buckets on no exponential schema");
  } else if (Status s = fill_custom(buckets, h); !s) {
    return s.error();
  }
  if (Status s = h.validate(); !s) return bad("valid: " + s.error().message);
  return h;
}

}  // namespace cogwatch::remote::internal
