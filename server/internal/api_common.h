// What the query handlers share: Prometheus's parameter parsers (limit,
// durations, times, match[]) with their error texts, and the pieces of a
// query answer (annotations as warnings and infos, Go's JSON numbers).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/value.h"
#include "model/error.h"
#include "model/matcher.h"
#include "model/time.h"
#include "net/http_message.h"
#include "server/api_params.h"
#include "server/api_response.h"

namespace cogwatch::server::internal {

// "results truncated due to limit", the warning of every truncating endpoint.
inline constexpr std::string_view kTruncatedWarning = "results truncated due to limit";

// parseLimitParam: "" is 0 (no limit); errors as strconv.Atoi's
// ("strconv.Atoi: parsing \"x\": invalid syntax") or "limit must be
// non-negative".
Result<size_t> parse_limit(std::string_view text);

// parseDuration: float seconds or a Prometheus duration, in milliseconds
// (sub-millisecond parts are dropped, as the engine's durationMilliseconds
// does). Errors: "cannot parse \"x\" to a valid duration" and "... It
// overflows int64".
Result<Duration> parse_duration_param(std::string_view text);

// parseTime: "cannot parse \"x\" to a valid timestamp".
Result<Timestamp> parse_time_value(std::string_view text);

// parseMatchersParam: each match[] as a series selector, then each set must
// have a matcher that does not match "" ("match[] must contain at least one
// non-empty matcher"). Parse errors as Prometheus prints them ("1:4: parse
// error: ...").
Result<std::vector<std::vector<LabelMatcher>>> parse_matcher_sets(const std::vector<std::string>& values);

// invalidParamError: bad_data "invalid parameter \"name\": message".
net::HttpResponse invalid_param(std::string_view name, std::string_view message);
net::HttpResponse bad_data(std::string message);

// Annotations as the API reports them (annotations.AsStrings(query, 10,
// 10)): "PromQL warning: ... (1:8)" into warnings, "PromQL info: ..." into
// infos, at most 10 of each, then "N more warning annotations omitted".
void split_annotations(std::string_view query, const eval::Annotations& annotations, std::vector<std::string>& warnings,
                       std::vector<std::string>& infos);

// A float64 as Go's encoding/json writes it: 'f' form, 'e' form below 1e-6
// or from 1e21 (1e-07 as "1e-7").
void append_go_json_float(std::string& out, double v);

// A label set as a JSON object in label order: {"__name__":"up","job":"x"}.
void append_labels_json(std::string& out, const Labels& labels);

// The form's parameters, or bad_data "error parsing form values: ..." as
// the API's series endpoint (Go's r.ParseForm) words it.
Result<ApiParams> form(const net::HttpRequest& request);

}  // namespace cogwatch::server::internal
