// A request's parameters as Prometheus's handlers read them: Go's
// r.ParseForm (the URL's query, and for POST/PUT/PATCH an
// application/x-www-form-urlencoded body, whose values come first, so
// r.FormValue prefers the body), '+' as a space, percent-escapes decoded.
//
//   auto params = parse_params(request);
//   if (!params) return api_error({ApiErrorType::kBadData, params.error().message});
//   std::string query = params->value("query");            // r.FormValue
//   std::vector<std::string> matches = params->all("match[]");  // r.Form["match[]"]
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/time.h"
#include "net/http_message.h"

namespace cogwatch::server {

class ApiParams {
 public:
  void add(std::string name, std::string value) { values_.emplace_back(std::move(name), std::move(value)); }
  // The first value of `name`, "" when there is none (r.FormValue).
  std::string value(std::string_view name) const;
  // Whether the parameter was given at all (even empty).
  bool has(std::string_view name) const;
  // Every value of `name` in order (r.Form[name]).
  std::vector<std::string> all(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// The request's path without its query ("/api/v1/query").
std::string_view request_path(const net::HttpRequest& request);

// Errors: kInvalidArgument, worded as Go's url.ParseQuery ("invalid URL
// escape \"%zz\"", "invalid semicolon separator in query").
Result<ApiParams> parse_params(const net::HttpRequest& request);

// The times the API uses for "no bound" (Prometheus's v1.MinTime and
// v1.MaxTime, in milliseconds as timestamp.FromTime gives them): a series
// or label request without start/end covers [kApiMinTime, kApiMaxTime].
inline constexpr Timestamp kApiMinTime = -9223309901257974000;
inline constexpr Timestamp kApiMaxTime = 9223309901257974999;

}  // namespace cogwatch::server
