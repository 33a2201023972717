// Every route `cogwatch run` serves, as one handler: the APIs (tried in
// order, each answering the paths it knows), /metrics, and Prometheus's
// lifecycle endpoints, with request metrics by handler and status code.
//
//   Web web({.enable_lifecycle = true, .reload = [&] { return daemon.reload(); }, ...,
//            .routes = {query_api_route, status_api_route, alertmanager_api_route}});
//   net::HttpServer::start(io, {...}, [&](const net::HttpRequest& r) { return web.handle(r); });
//
// Under a route prefix, every path below is relative to it.
//
// Lifecycle as Prometheus's web.go: /-/healthy and /-/ready answer GET and
// HEAD (ready: 503 until the daemon says so; the APIs and /metrics answer
// 503 too while not ready); /-/reload and /-/quit need
// --web.enable-lifecycle (403 otherwise) and POST or PUT (405 otherwise);
// a failed reload answers 500 with its errors.
//
// Thread-safety: handle() may be called from several threads at once; the
// callbacks must allow that.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/error.h"
#include "net/http_message.h"
#include "server/metrics_text.h"

namespace cogwatch::server {

// Answers the requests whose path it serves, nullopt for the others.
using Route = std::function<std::optional<net::HttpResponse>(const net::HttpRequest&)>;

struct WebOptions {
  bool enable_lifecycle = false;         // --web.enable-lifecycle
  std::function<Status()> reload;        // POST /-/reload: every error of a rejected config
  std::function<void()> quit;            // POST /-/quit
  std::function<bool()> ready;           // /-/ready; absent: always ready
  std::function<std::string()> metrics;  // the body of /metrics, before the web's own metrics
  std::vector<Route> routes;
  // --web.route-prefix: every path is served under it ("/cogwatch/api/v1/query"),
  // "/cogwatch" itself redirects to "/cogwatch/", and paths outside it are
  // 404. "" or "/": the root.
  std::string route_prefix;
};

class Web {
 public:
  explicit Web(WebOptions options);

  net::HttpResponse handle(const net::HttpRequest& request);

  // cogwatch_http_requests_total{handler,code} and
  // cogwatch_http_request_duration_seconds{handler}.
  void write_metrics(MetricsWriter& w) const;

  // The handler label of a path: the route's pattern ("/api/v1/label/:name/values"),
  // "other" for paths no route knows, so the label's values stay few.
  static std::string handler_label(std::string_view path);

 private:
  net::HttpResponse route(const net::HttpRequest& request);
  void record(const std::string& handler, int code, double seconds);

  WebOptions options_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;            // by handler, code
  std::map<std::string, std::unique_ptr<Histogram>> durations_;         // by handler
};

}  // namespace cogwatch::server
