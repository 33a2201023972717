// Webhook delivery for the built-in dispatcher, as Alertmanager's webhook
// integration and retry stage do it: the version 4 message POSTed as JSON;
// a 2xx answer delivers; 5xx answers, connection errors and timeouts are
// retried with exponential backoff and jitter (0.5s, x1.5, +-50%, at most
// 1m apart) until the notification's deadline (the group's next
// group_interval); other answers (4xx) fail at once. Each attempt has the
// webhook's timeout (10s unless set), never past the deadline, so a hung
// receiver costs that much and nothing more; every notification is
// delivered on its own, so one slow receiver never delays another.
//
//   WebhookSender webhooks(io, {.external_url = "http://cogwatch:9095"});
//   Dispatcher dispatcher(config, webhooks);   // webhooks implements Integrations
//   webhooks.counters();                       // per receiver, for /metrics
//
// Every attempt's outcome is also reported to `on_event` (the daemon logs
// it), with the reason of a failure.
//
// Thread-safety: deliver() and counters() may be called from any thread;
// the HTTP work runs on the io_context's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "model/clock.h"
#include "notify/dispatcher.h"
#include "notify/webhook_message.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::notify {

// What happened to one attempt of one notification.
struct DeliveryEvent {
  enum class Kind : uint8_t { kDelivered, kRetrying, kFailed };
  Kind kind = Kind::kDelivered;
  std::string receiver;
  size_t integration = 0;
  std::string group_key;
  int attempt = 1;
  size_t alerts = 0;
  std::string reason;  // for kRetrying and kFailed: the status or the error
};

struct WebhookCounters {
  uint64_t notifications = 0;        // delivered
  uint64_t notifications_failed = 0; // given up: 4xx, or still failing at the deadline
  uint64_t requests = 0;             // attempts
  uint64_t requests_failed = 0;      // attempts that did not deliver
  double request_seconds_sum = 0;    // how long the attempts took (a summary's _sum; _count is requests)
};

struct WebhookSenderOptions {
  std::string external_url;  // the message's externalURL: cogwatch's --web.external-url
  const Clock* clock = nullptr;  // for deadlines; default: the system clock
  Duration initial_backoff = 500;
  double backoff_multiplier = 1.5;
  Duration max_backoff = kMinute;
  std::function<void(const DeliveryEvent&)> on_event;
};

class WebhookSender final : public Integrations {
 public:
  WebhookSender(boost::asio::io_context& io, WebhookSenderOptions options);
  ~WebhookSender() override;
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void deliver(Notification n, std::function<void(bool delivered)> done) override;

  // By receiver name.
  std::map<std::string, WebhookCounters> counters() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The message a notification becomes (max_alerts applied), for tests and
// the sender.
WebhookMessage webhook_message(const Notification& n, const std::string& external_url);

}  // namespace cogwatch::notify
