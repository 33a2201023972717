#include "server/api_response.h"

#include "model/go_json.h"

namespace cogwatch::server {

std::string_view error_type_name(ApiErrorType type) {
  switch (type) {
    case ApiErrorType::kBadData: return "bad_data";
    case ApiErrorType::kExecution: return "execution";
    case ApiErrorType::kCanceled: return "canceled";
    case ApiErrorType::kTimeout: return "timeout";
    case ApiErrorType::kInternal: return "internal";
    case ApiErrorType::kNotFound: return "not_found";
    case ApiErrorType::kUnavailable: return "unavailable";
    case ApiErrorType::kNotAcceptable: return "not_acceptable";
  }
  return "internal";
}

int http_status(ApiErrorType type) {
  switch (type) {
    case ApiErrorType::kBadData: return 400;
    case ApiErrorType::kExecution: return 422;
    case ApiErrorType::kCanceled:
    case ApiErrorType::kTimeout:
    case ApiErrorType::kUnavailable: return 503;
    case ApiErrorType::kInternal: return 500;
    case ApiErrorType::kNotFound: return 404;
    case ApiErrorType::kNotAcceptable: return 406;
  }
  return 500;
}

ApiError query_error(const Error& e) {
  switch (e.code) {
    case ErrorCode::kTimeout: return {ApiErrorType::kTimeout, e.message};
    case ErrorCode::kCanceled: return {ApiErrorType::kCanceled, e.message};
    case ErrorCode::kInternal: return {ApiErrorType::kInternal, e.message};
    default: return {ApiErrorType::kExecution, e.message};
  }
}

namespace {

void append_string_list(std::string& out, std::string_view field, const std::vector<std::string>& values) {
  if (values.empty()) return;
  out += ",\"";
  out += field;
  out += "\":";
  out += json_string_array(values);
}

net::HttpResponse json_response(int status, std::string body) {
  return net::HttpResponse{.status = status, .content_type = "application/json", .body = std::move(body)};
}

}  // namespace

std::string json_string_array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_go_json_string(out, values[i]);
  }
  out += ']';
  return out;
}

net::HttpResponse api_success(std::string_view data_json, const std::vector<std::string>& warnings,
                              const std::vector<std::string>& infos) {
  std::string body = "{\"status\":\"success\"";
  if (!data_json.empty()) {
    body += ",\"data\":";
    body += data_json;
  }
  append_string_list(body, "warnings", warnings);
  append_string_list(body, "infos", infos);
  body += '}';
  return json_response(200, std::move(body));
}

net::HttpResponse api_error(const ApiError& error, std::string_view data_json,
                            const std::vector<std::string>& warnings) {
  std::string body = "{\"status\":\"error\"";
  if (!data_json.empty()) {
    body += ",\"data\":";
    body += data_json;
  }
  body += ",\"errorType\":";
  append_go_json_string(body, error_type_name(error.type));
  body += ",\"error\":";
  append_go_json_string(body, error.message);
  append_string_list(body, "warnings", warnings);
  body += '}';
  return json_response(http_status(error.type), std::move(body));
}

}  // namespace cogwatch::server
