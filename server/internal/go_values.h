// Values as Go writes them in Prometheus's API answers, for the status
// handlers: encoding/json's float64 and time.Time forms, strconv's 'e'
// float and Atoi/ParseBool/ParseInt, and PromQL metric selectors as
// parser.ParseMetricSelector reads them.
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/time.h"

namespace cogwatch::server::internal {

// encoding/json's float64: strconv 'f' shortest, but 'e' below 1e-6 and
// from 1e21 ("1e-7", "1e+21"). Seconds fields (durations, intervals).
void append_json_float(std::string& out, double v);
inline void append_json_seconds(std::string& out, Duration ms) { append_json_float(out, static_cast<double>(ms) / 1000); }

// strconv.FormatFloat(v, 'e', -1, 64): "1e+00", "1.5e-07", "+Inf", "NaN"
// (an alert's value).
std::string format_float_e(double v);

// A time.Time as JSON ("2026-12-01T08:04:18.514Z"); nullopt is Go's zero
// time, "0001-01-01T00:00:00Z".
void append_json_time(std::string& out, std::optional<Timestamp> t);

// {"a":"1","b":""}: labels, sorted by name.
void append_labels(std::string& out, const Labels& labels);
// Annotations as Prometheus's labels.Labels: sorted by name, empty values
// kept.
void append_annotations(std::string& out, const Annotations& annotations);

// strconv.Atoi: an optional sign and decimal digits within int64.
std::optional<int64_t> go_atoi(std::string_view s);
// strconv.ParseInt(s, 10, bits): the value, or Go's error text
// ("strconv.ParseInt: parsing \"x\": invalid syntax", "... value out of range").
Result<int64_t> go_parse_int(std::string_view s, int bits);
// strconv.ParseBool, with its error text.
Result<bool> go_parse_bool(std::string_view s);

// A vector selector's matchers, as parser.ParseMetricSelector: errors are
// kParse with the parser's "1:4: parse error: ..." text.
Result<std::vector<LabelMatcher>> parse_metric_selector(std::string_view text);

// Go's strings.ToLower for ASCII.
std::string ascii_lower(std::string_view s);

}  // namespace cogwatch::server::internal
