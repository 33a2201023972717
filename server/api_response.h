// The envelope of every /api/v1 answer, as Prometheus's web/api/v1 writes
// it (its Response struct, fields in its order, empty ones left out):
//
//   {"status":"success","data":{...},"warnings":["..."],"infos":["..."]}
//   {"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": ..."}
//
// and the HTTP status each error type answers with (web/api/v1's
// returnAPIError): bad_data 400, execution 422, canceled and timeout and
// unavailable 503, internal 500, not_found 404, not_acceptable 406.
//
//   return api_success(eval::to_api_json(value), warnings);
//   return api_error({ApiErrorType::kBadData, "invalid parameter \"start\": ..."});
//
// Thread-safety: plain functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "net/http_message.h"

namespace cogwatch::server {

enum class ApiErrorType : uint8_t {
  kBadData,        // 400: a parameter or expression the client got wrong
  kExecution,      // 422: the query ran and failed (too many samples, duplicate series, ...)
  kCanceled,       // 503
  kTimeout,        // 503: past --query.timeout or the request's timeout
  kInternal,       // 500
  kNotFound,       // 404
  kUnavailable,    // 503: not ready yet, too many queries waiting
  kNotAcceptable,  // 406
};

struct ApiError {
  ApiErrorType type = ApiErrorType::kInternal;
  std::string message;
};

// "bad_data", "execution", ... as the errorType field.
std::string_view error_type_name(ApiErrorType type);
int http_status(ApiErrorType type);

// How an error of the engine is reported by a query endpoint, as
// Prometheus's returnAPIError: kTimeout -> timeout, kCanceled -> canceled,
// kInternal -> internal, anything else the query raised -> execution.
ApiError query_error(const Error& e);

// `data_json` is the data field's JSON text (empty: no data field, as for
// /-/reload's answer). Warnings and infos are written when non-empty.
net::HttpResponse api_success(std::string_view data_json, const std::vector<std::string>& warnings = {},
                              const std::vector<std::string>& infos = {});
net::HttpResponse api_error(const ApiError& error, std::string_view data_json = {},
                            const std::vector<std::string>& warnings = {});

// JSON helpers for data fields, as Go's encoding/json writes them.
// ["a","b"]
std::string json_string_array(const std::vector<std::string>& values);

}  // namespace cogwatch::server
