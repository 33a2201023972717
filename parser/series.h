// The series notation of promqltest `load` blocks and promtool's
// input_series: `metric{label="v"} 1+2x3 _ stale -1 1e3x2`.
//
//   a+bxn  a, a+b, ..., a+n*b (n+1 values)   a-bxn  decreasing
//   axn    a repeated n+1 times              _      no sample
//   _xn    n missing samples                 stale  a stale marker
//
// and native histograms, as Prometheus's test notation writes them:
//
//   {{schema:1 count:10 sum:15 z_bucket:1 z_bucket_w:0.001
//     buckets:[3 2 5] offset:-1 n_buckets:[1] n_offset:0
//     custom_values:[0.1 0.5] counter_reset_hint:gauge}}
//   {{...}}xn           the histogram repeated n+1 times
//   {{a}}+{{b}}xn       a, a+b, ..., a+n*b (and {{a}}-{{b}}xn)
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"

namespace cogwatch::parser {

// One interval of a description: a float, a histogram, or no sample.
struct SeriesValue {
  std::optional<double> v;
  std::shared_ptr<const FloatHistogram> h;
  // The histogram's counter_reset_hint was written out. An expected value
  // compares the hint only then (Prometheus's CounterResetHintSet).
  bool hint_set = false;

  bool empty() const { return !v && !h; }
};

struct SeriesDescription {
  Labels labels;
  std::vector<SeriesValue> values;  // one per interval
};

// Parses a whole description (labels and values). Errors: kParse naming
// the bad item, e.g. `invalid value "1+x"`, `duplicate key "sum" in
// histogram`.
Result<SeriesDescription> parse_series_description(std::string_view text);
// Parses only the values part.
Result<std::vector<SeriesValue>> parse_series_values(std::string_view text);
// Parses one histogram, "{{...}}" with nothing around it.
Result<FloatHistogram> parse_histogram_notation(std::string_view text);

// Appends one value through an appender (a tsdb::Appender): a float, or a
// float histogram. REQUIRES: !v.empty().
template <typename AppenderT>
auto append_series_value(AppenderT& app, const Labels& labels, int64_t t, const SeriesValue& v) {
  return v.h ? app.append_float_histogram(labels, t, *v.h) : app.append(labels, t, *v.v);
}

// Parses a metric as Prometheus's ParseMetric does (the labels of a series
// description, promtool's exp_samples labels): `name`, `name{l="v", ...}`,
// `{l="v", ...}` (with `__name__="name"` or Prometheus 3's quoted
// `{"name"}` and `{"utf-8.label"="v"}`), and `{}` or nothing for the empty
// label set (what an aggregation, vector() or absent() returns). A label
// with an empty value is no label: `{a=""}` is `{}`. Errors: kParse with
// Prometheus's message and span (`unexpected <op:!=> in label set, expected
// "="`). Implemented with the PromQL grammar (grammar.cc).
Result<Labels> parse_metric(std::string_view text);

}  // namespace cogwatch::parser
