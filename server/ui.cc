#include "server/ui.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "server/api_params.h"

namespace cogwatch::server {
namespace {

std::string_view content_type_of(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  return "text/plain; charset=utf-8";
}

struct Served {
  std::string_view body;
  std::string content_type;
  std::string etag;
};

// path ("/static/app.js", "/cog") -> what it serves.
const std::map<std::string, Served, std::less<>>& served() {
  static const std::map<std::string, Served, std::less<>> table = [] {
    std::map<std::string, Served, std::less<>> t;
    for (const UiAsset& a : ui_assets()) {
      char etag[24];
      std::snprintf(etag, sizeof etag, "\"%016llx\"",
                    static_cast<unsigned long long>(XXH64(a.body.data(), a.body.size(), 0)));
      Served s{a.body, std::string(content_type_of(a.path)), etag};
      if (a.path == "index.html") {
        for (std::string_view page : kUiPages) t.emplace("/" + std::string(page), s);
      } else {
        t.emplace("/static/" + std::string(a.path), s);
      }
    }
    return t;
  }();
  return table;
}

// If-None-Match as RFC 9110 compares it: "*", or any of a list, weak or
// strong (a proxy that compresses makes ours weak).
bool etag_matches(std::string_view header, std::string_view etag) {
  if (header.empty()) return false;
  if (header == "*") return true;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view tag = header.substr(pos, end - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

Route ui_route() {
  return [](const net::HttpRequest& request) -> std::optional<net::HttpResponse> {
    const std::string_view path = request_path(request);
    const bool read = request.method == "GET" || request.method == "HEAD";
    if (path == "/") {
      if (!read) return std::nullopt;
      // Relative, so it works under any prefix.
      net::HttpResponse r{.status = 302, .body = "<a href=\"cog\">Found</a>.\n"};
      r.content_type = "text/html; charset=utf-8";
      r.headers.emplace_back("Location", "cog");
      return r;
    }
    auto it = served().find(path);
    if (it == served().end()) return std::nullopt;
    if (!read) {
      return net::HttpResponse{.status = 405, .body = "Only GET or HEAD requests allowed\n"};
    }
    net::HttpResponse r;
    r.content_type = it->second.content_type;
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("ETag", it->second.etag);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (etag_matches(request.header("If-None-Match"), it->second.etag)) {
      r.status = 304;
      return r;
    }
    r.body = std::string(it->second.body);  // for HEAD too: the server sends its length, not it
    return r;
  };
}

}  // namespace cogwatch::server
