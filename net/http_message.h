// What an HTTP handler sees and answers: a request and a response as plain
// values, so that handlers (cog-sim's /metrics now; the Prometheus API and
// Alertmanager's /api/v2 later) are functions tested without sockets.
// net/http_server.h serves them.
//
//   HttpHandler handler = [](const HttpRequest& r) {
//     if (r.method != "GET") return HttpResponse{.status = 405, .body = "method not allowed\n"};
//     return HttpResponse{.content_type = "application/json", .body = "{}"};
//   };
//
// Thread-safety: plain values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cogwatch::net {

// Header fields in the order they were written; names keep their case,
// lookups ignore it (HTTP field names are case-insensitive).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The value of the first field called `name` (any case), or "" when there
// is none.
std::string_view find_header(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/metrics?x=1"
  HttpHeaders headers;
  std::string body;

  // The first header with this name (case-insensitive), or "".
  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  HttpHeaders headers;  // more fields; Content-Type and Content-Length are set from the above
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace cogwatch::net
