#include "tests/notify/peer/cogwatch_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "model/clock.h"
#include "net/http_server.h"
#include "notify/config.h"
#include "notify/notifier.h"

namespace cogwatch::notify::peer {
namespace {

std::string_view kind_name(DeliveryEvent::Kind k) {
  switch (k) {
    case DeliveryEvent::Kind::kDelivered: return "delivered";
    case DeliveryEvent::Kind::kRetrying: return "retrying";
    case DeliveryEvent::Kind::kFailed: return "failed";
  }
  return "?";
}

}  // namespace

CogwatchServer::CogwatchServer() : io_(std::make_unique<boost::asio::io_context>()) {}

Result<std::unique_ptr<CogwatchServer>> CogwatchServer::start(CogwatchOptions options) {
  Result<NotifyConfig> config = parse_notify_config(options.config_yaml, "alertmanager.yml");
  if (!config) return config.take_error();
  std::unique_ptr<CogwatchServer> cw(new CogwatchServer());
  CogwatchServer* self = cw.get();
  cw->notifier_ = std::make_unique<BuiltinNotifier>(
      *cw->io_, *std::move(config),
      BuiltinNotifierOptions{.external_url = options.external_url,
                             .config_text = options.config_yaml,
                             .version = "0.25.0",
                             .on_event = [self](const DeliveryEvent& e) {
                               std::lock_guard lock(self->mu_);
                               self->log_ += format_rfc3339_millis(system_clock().now()) + " " +
                                             std::string(kind_name(e.kind)) + " receiver=" + e.receiver +
                                             " integration=" + std::to_string(e.integration) +
                                             " groupKey=" + e.group_key + " attempt=" + std::to_string(e.attempt) +
                                             " alerts=" + std::to_string(e.alerts) +
                                             (e.reason.empty() ? "" : " reason=" + e.reason) + "\n";
                             }});
  BuiltinNotifier* notifier = cw->notifier_.get();
  auto server = net::HttpServer::start(*cw->io_, {.address = "127.0.0.1", .port = 0},
                                       [notifier](const net::HttpRequest& r) {
                                         if (auto response = notifier->api().handle(r)) return *std::move(response);
                                         return net::HttpResponse{.status = 404, .body = "not found\n"};
                                       });
  if (!server) return server.take_error();
  cw->server_ = *std::move(server);
  cw->port_ = cw->server_->port();
  cw->thread_ = std::thread([io = cw->io_.get()] { io->run(); });
  return cw;
}

CogwatchServer::~CogwatchServer() {
  stop();
  // The notifier before the io_context: its pending handlers go with the
  // io_context, which outlives everything they point at.
  server_.reset();
  notifier_.reset();
}

void CogwatchServer::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(*io_, [this] {
    server_->stop();
    notifier_->stop();
    io_->stop();
  });
  thread_.join();
}

std::string CogwatchServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::string CogwatchServer::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

}  // namespace cogwatch::notify::peer
