// cogwatch's built-in Alertmanager as a peer of the tests, the counterpart
// of AlertmanagerProcess: an alertmanager.yml parsed by parse_notify_config,
// a BuiltinNotifier on an io_context thread of its own, and its API v2
// served by net::HttpServer on 127.0.0.1 at a free port, so the same
// scenarios, HTTP posts and amtool commands reach either.
//
//   auto cw = CogwatchServer::start({.config_yaml = yaml});
//   ASSERT_TRUE(cw.ok()) << cw.error().message;
//   http_request("POST", (*cw)->url("/api/v2/alerts"), alerts_json);
//   run_amtool({"--alertmanager.url=" + (*cw)->url(), "silence", "query"});
//   // the destructor stops it
//
// Thread-safety: one thread drives an instance; log() and url() may be
// called from any.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "model/error.h"

namespace boost::asio {
class io_context;
}
namespace cogwatch::net {
class HttpServer;
}
namespace cogwatch::notify {
class BuiltinNotifier;
}

namespace cogwatch::notify::peer {

struct CogwatchOptions {
  std::string config_yaml;  // the alertmanager.yml text
  // BuiltinNotifierOptions.external_url: the "externalURL" of every webhook
  // body; the same default as AlertmanagerOptions.
  std::string external_url = "http://am.example:9093/am";
};

class CogwatchServer {
 public:
  // Parses the config, starts the notifier and the server and their thread.
  // Errors: the config's (kInvalidArgument, "alertmanager.yml:3:5: ..."),
  // the server's (kResourceExhausted when no port could be bound).
  static Result<std::unique_ptr<CogwatchServer>> start(CogwatchOptions options);
  // stop().
  ~CogwatchServer();
  CogwatchServer(const CogwatchServer&) = delete;
  CogwatchServer& operator=(const CogwatchServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "") const;
  // Stops the server, the notifier's timers and the thread; deliveries in
  // flight are abandoned. Idempotent.
  void stop();
  // One line per delivery attempt (the notifier's DeliveryEvents), the
  // counterpart of Alertmanager's log in failure messages.
  std::string log() const;

 private:
  CogwatchServer();

  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<BuiltinNotifier> notifier_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;

  mutable std::mutex mu_;
  std::string log_;  // guarded by mu_
};

}  // namespace cogwatch::notify::peer
