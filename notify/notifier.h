// The built-in Alertmanager at work: the dispatcher (notify/dispatcher.h)
// with webhook delivery (notify/webhook.h), its timers run on an
// io_context, and its API v2 handlers (notify/api.h) — what the daemon
// owns when alertmanager.yml routes are configured.
//
//   BuiltinNotifier notifier(io, *config, {.external_url = url});
//   notifier.put(alerts);                           // any thread: what Prometheus would POST
//   server handler: if (auto r = notifier.api().handle(request)) return *r;
//   notifier.stop();                                // timers cancelled
//
// Thread-safety: put(), reload(), stop() and the API may be called from
// any thread; the timers and deliveries run on the io_context's thread.
// Destroy the notifier on that thread, or once the io_context has stopped
// running (deliveries in flight hold on to what they need).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/error.h"
#include "notify/api.h"
#include "notify/config.h"
#include "notify/dispatcher.h"
#include "notify/webhook.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::notify {

struct BuiltinNotifierOptions {
  std::string external_url;  // the webhook messages' externalURL
  std::string config_text;   // served by GET /api/v2/status
  std::string version;
  std::function<void(const DeliveryEvent&)> on_event;
  // Receives the notifications of log_configs receivers (the daemon writes
  // them to its log); called on the io_context's thread. Without it they
  // are dropped.
  std::function<void(const Notification&)> log_notification;
};

class BuiltinNotifier {
 public:
  BuiltinNotifier(boost::asio::io_context& io, NotifyConfig config, BuiltinNotifierOptions options);
  ~BuiltinNotifier();
  BuiltinNotifier(const BuiltinNotifier&) = delete;
  BuiltinNotifier& operator=(const BuiltinNotifier&) = delete;

  Status put(const std::vector<PostableAlert>& alerts);
  void reload(NotifyConfig config);
  // Cancels the timer; deliveries in flight end on their own.
  void stop();

  Dispatcher& dispatcher() { return *dispatcher_; }
  const AlertmanagerApi& api() const { return *api_; }
  std::map<std::string, WebhookCounters> counters() const { return webhooks_->counters(); }

  struct Timer;
  class Router;

 private:
  std::shared_ptr<Timer> timer_;
  std::unique_ptr<WebhookSender> webhooks_;
  std::unique_ptr<Router> router_;  // log_configs to the log, the rest to webhooks_
  std::shared_ptr<Dispatcher> dispatcher_;  // shared with the timer's run in progress
  std::unique_ptr<AlertmanagerApi> api_;
};

}  // namespace cogwatch::notify
