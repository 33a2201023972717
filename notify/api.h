// Alertmanager's HTTP API v2 over the built-in dispatcher: the part that
// amtool, Grafana's Alertmanager data source and scripts use, so
// `amtool --alertmanager.url=http://cogwatch:9095` works unchanged.
//
//   GET|POST /api/v2/alerts           (filter, silenced, inhibited, active, receiver)
//   GET      /api/v2/alerts/groups
//   GET|POST /api/v2/silences         (filter)
//   GET|DELETE /api/v2/silence/{id}
//   GET      /api/v2/status, /api/v2/receivers
//
//   AlertmanagerApi api(dispatcher, {.config_text = yaml, .version = "0.1.0"});
//   if (auto response = api.handle(request)) return *response;  // else: not an /api/v2 path
//
// Bodies and errors as Alertmanager 0.25 writes them: JSON with go-openapi's
// times (milliseconds, UTC), a JSON string for a 400's reason.
//
// Thread-safety: handle() may be called from any thread (the dispatcher
// locks).
#pragma once

#include <optional>
#include <string>

#include "model/time.h"
#include "notify/dispatcher.h"
#include "net/http_message.h"

namespace cogwatch::notify {

struct ApiInfo {
  std::string config_text;  // served as status.config.original
  std::string version;      // versionInfo.version
  Timestamp started_at = 0; // status.uptime
};

class AlertmanagerApi {
 public:
  AlertmanagerApi(Dispatcher& dispatcher, ApiInfo info) : dispatcher_(dispatcher), info_(std::move(info)) {}

  // The response for an /api/v2/ request; nullopt for any other path.
  std::optional<net::HttpResponse> handle(const net::HttpRequest& request) const;

 private:
  Dispatcher& dispatcher_;
  ApiInfo info_;
};

}  // namespace cogwatch::notify
