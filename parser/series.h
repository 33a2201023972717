// The series notation of promqltest `load` blocks and promtool's
// input_series: `metric{label="v"} 1+2x3 _ stale -1 1e3x2`.
//
//   a+bxn  a, a+b, ..., a+n*b (n+1 values)   a-bxn  decreasing
//   axn    a repeated n+1 times              _      no sample
//   _xn    n missing samples                 stale  a stale marker
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

namespace cogwatch::parser {

struct SeriesDescription {
  Labels labels;
  // One entry per interval; nullopt where the notation skips a sample.
  std::vector<std::optional<double>> values;
};

// Parses a whole description (labels and values). Errors: kParse naming
// the bad item, e.g. `invalid value "1+x"`; native-histogram notation
// ({{...}}) is kInvalidArgument "native histograms are not supported".
Result<SeriesDescription> parse_series_description(std::string_view text);
// Parses only the values part.
Result<std::vector<std::optional<double>>> parse_series_values(std::string_view text);

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
