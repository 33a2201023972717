#include "server/web.h"

#include <array>
#include <chrono>

#include "server/api_params.h"

namespace cogwatch::server {
namespace {

net::HttpResponse text(int status, std::string body) {
  return net::HttpResponse{.status = status, .body = std::move(body)};
}

// The paths of Prometheus's API and web handlers that cogwatch serves.
constexpr std::array<std::string_view, 38> kKnownPaths = {
    "/metrics",
    "/federate",
    "/-/healthy",
    "/-/ready",
    "/-/reload",
    "/-/quit",
    "/api/v1/query",
    "/api/v1/query_range",
    "/api/v1/query_exemplars",
    "/api/v1/format_query",
    "/api/v1/parse_query",
    "/api/v1/series",
    "/api/v1/labels",
    "/api/v1/metadata",
    "/api/v1/targets",
    "/api/v1/targets/metadata",
    "/api/v1/rules",
    "/api/v1/alerts",
    "/api/v1/alertmanagers",
    "/api/v1/status/buildinfo",
    "/api/v1/status/runtimeinfo",
    "/api/v1/status/config",
    "/api/v1/status/flags",
    "/api/v1/status/tsdb",
    "/api/v1/status/walreplay",
    "/api/v2/alerts",
    "/api/v2/alerts/groups",
    "/api/v2/silences",
    "/api/v2/status",
    "/api/v2/receivers",
    "/",
    "/cog",
    "/graph",
    "/query",
    "/alerts",
    "/rules",
    "/targets",
    "/status",
};

}  // namespace

Web::Web(WebOptions options) : options_(std::move(options)) {}

std::string Web::handler_label(std::string_view path) {
  for (std::string_view known : kKnownPaths) {
    if (path == known) return std::string(known);
  }
  if (path.starts_with("/api/v1/label/") && path.ends_with("/values")) return "/api/v1/label/:name/values";
  if (path.starts_with("/api/v2/silence/")) return "/api/v2/silence/:id";
  if (path.starts_with("/static/")) return "/static/*filepath";
  return "other";
}

net::HttpResponse Web::handle(const net::HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  std::string_view prefix = options_.route_prefix;
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  // Under a prefix, the routes see the request without it (a copy: the
  // handler gets the request as the server read it).
  std::optional<net::HttpRequest> stripped;
  if (!prefix.empty()) {
    const std::string_view path = request_path(request);
    if (path == prefix) {
      net::HttpResponse r = text(302, "");
      const size_t query = request.target.find('?');
      r.headers.emplace_back("Location", std::string(prefix) + "/" +
                                             (query == std::string::npos ? "" : request.target.substr(query)));
      return r;
    }
    if (!path.starts_with(prefix) || path[prefix.size()] != '/') return text(404, "404 page not found\n");
    stripped = request;
    stripped->target = request.target.substr(prefix.size());
  }
  const net::HttpRequest& routed = stripped ? *stripped : request;
  net::HttpResponse response = route(routed);
  record(handler_label(request_path(routed)), response.status,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return response;
}

net::HttpResponse Web::route(const net::HttpRequest& request) {
  const std::string_view path = request_path(request);
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (path == "/-/healthy") {
    if (!read) return text(405, "Only GET or HEAD requests allowed\n");
    return text(200, "cogwatch Server is Healthy.\n");
  }
  if (path == "/-/ready") {
    if (!read) return text(405, "Only GET or HEAD requests allowed\n");
    if (options_.ready && !options_.ready()) return text(503, "Service Unavailable\n");
    return text(200, "cogwatch Server is Ready.\n");
  }
  if (path == "/-/reload" || path == "/-/quit") {
    if (!options_.enable_lifecycle) return text(403, "Lifecycle API is not enabled.\n");
    if (request.method != "POST" && request.method != "PUT") return text(405, "Only POST or PUT requests allowed\n");
    if (path == "/-/quit") {
      if (options_.quit) options_.quit();
      return text(200, "Requesting termination... Goodbye!\n");
    }
    if (!options_.reload) return text(500, "failed to reload config: reload is not available\n");
    if (Status s = options_.reload(); !s) return text(500, "failed to reload config: " + s.error().message + "\n");
    return text(200, "");
  }
  if (path == "/metrics") {
    if (!read) return text(405, "Only GET or HEAD requests allowed\n");
    if (options_.ready && !options_.ready()) return text(503, "Service Unavailable\n");
    MetricsWriter w;
    std::string body = options_.metrics ? options_.metrics() : "";
    write_metrics(w);
    body += w.text();
    return net::HttpResponse{.content_type = "text/plain; version=0.0.4; charset=utf-8", .body = std::move(body)};
  }
  // The APIs read parts that exist only while the daemon is ready (not
  // yet at start, no longer at shutdown), as Prometheus answers 503 then.
  if (options_.ready && !options_.ready()) return text(503, "Service Unavailable\n");
  for (const Route& r : options_.routes) {
    if (auto response = r(request)) return std::move(*response);
  }
  return text(404, "404 page not found\n");
}

void Web::record(const std::string& handler, int code, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{handler, code}];
  auto& h = durations_[handler];
  if (!h) h = std::make_unique<Histogram>(std::array<double, 9>{0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120});
  h->observe(seconds);
}

void Web::write_metrics(MetricsWriter& w) const {
  std::lock_guard lock(mu_);
  w.family("cogwatch_http_requests_total", "counter", "Counter of HTTP requests.");
  for (const auto& [key, n] : requests_) {
    w.sample("cogwatch_http_requests_total", {{"code", std::to_string(key.second)}, {"handler", key.first}},
             static_cast<double>(n));
  }
  w.family("cogwatch_http_request_duration_seconds", "histogram", "Histogram of latencies for HTTP requests.");
  for (const auto& [handler, h] : durations_) {
    write_histogram(w, "cogwatch_http_request_duration_seconds", {{"handler", handler}}, h->snapshot());
  }
}

}  // namespace cogwatch::server
