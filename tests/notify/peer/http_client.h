// A blocking HTTP/1.1 client for the peer tests: one request on its own
// connection, loopback or any plain-http host given by address, with one
// deadline over the whole exchange. Test-only, and independent of
// net::HttpClient (which the code under test uses), so a fault there
// cannot hide itself.
//
//   auto r = http_request("POST", am.url() + "/api/v2/alerts", body);
//   if (r && r->status == 200) ...
//
// Thread-safety: none needed; every call has its own io_context.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"

namespace cogwatch::notify::peer {

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// `url` is "http://HOST:PORT/path?query" with HOST an IP address. The body
// goes with Content-Type `content_type` when not empty. Errors:
// kInvalidArgument for a URL of another form, kTimeout, kUnavailable
// (connection refused or broken). Any status is a reply, not an error.
Result<HttpReply> http_request(std::string_view method, std::string_view url, std::string body = "",
                               std::string_view content_type = "application/json",
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace cogwatch::notify::peer
