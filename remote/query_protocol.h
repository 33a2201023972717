// An instant query to a Prometheus-API backend (VictoriaMetrics, Mimir,
// Thanos, Prometheus) and its answer read back into cogwatch's values: how
// rules evaluated over a backend talk to it (remote/query_datasource.h).
// No sockets here: requests are built and answers read in code that tests
// run without a network.
//
//   auto request = make_query_request(options, "up == 0", t);
//   ... send it (net::HttpClient) ...
//   Result<eval::Value> v = parse_query_response(response.status, response.reason, response.body);
//
// The request: POST <url>/api/v1/query, form-encoded query, time (seconds
// with milliseconds), step = the lookback delta (VictoriaMetrics takes
// `step` as how far back an instant query looks for a sample, which for
// Prometheus is --query.lookback-delta; Prometheus ignores it) and
// nocache=1 (VictoriaMetrics otherwise moves a time within
// -search.latencyOffset of now back to now minus that offset).
//
// The answer's body is Prometheus's envelope, {"status":"success","data":{
// "resultType":..., "result":...}} — vector ({"metric","value"} or
// {"metric","histogram"} each), matrix ({"metric","values","histograms"}),
// scalar and string ([time, "text"]) — or
// {"status":"error","errorType":...,"error":...}. Times are seconds with
// up to millisecond decimals; values are strings in Go's float syntax
// ("1.5", "NaN", "+Inf"). Native histograms ([time, {"count","sum",
// "buckets"}]) are read into FloatHistograms, their schema and spans
// inferred from the buckets' bounds (remote/internal/histogram_json.h).
//
// Errors (kUnavailable for the backend's own errors, so a rule reports
// what the backend said; kInvalidArgument for a body that is not the API's):
//   "bad_data: 1:5: parse error: ..." (the API's errorType and error),
//   "server returned HTTP status 502 Bad Gateway" for a non-JSON failure,
//   "unexpected response: <what is wrong>".
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

#include "eval/value.h"
#include "model/error.h"
#include "model/time.h"
#include "net/http_client_request.h"
#include "net/http_config.h"

namespace cogwatch::remote {

struct QueryEndpoint {
  // The API's base: "http://victoria:8428", "http://vmselect:8481/select/0/prometheus",
  // "https://mimir/prometheus"; /api/v1/query is appended.
  std::string url;
  net::HttpClientConfig http;            // basic_auth, authorization, tls_config
  Duration timeout = 30 * kSecond;       // one query, connection included
  Duration lookback_delta = 5 * kMinute;  // sent as step
};

// Errors: make_http_request's (a URL that does not parse, a secret file
// that cannot be read).
Result<net::HttpClientRequest> make_query_request(const QueryEndpoint& endpoint, std::string_view query, Timestamp t);

Result<eval::Value> parse_query_response(int http_status, std::string_view reason, std::string_view body);

}  // namespace cogwatch::remote
