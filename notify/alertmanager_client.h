// AlertmanagerClient: feeds Alertmanagers (API v2) with the rule engine's
// alerts as Prometheus's notifier does, and more reliably.
//
//   AlertmanagerClient am(io, {.external_url = "http://cogwatch:9090", .external_labels = global.external_labels});
//   if (Status s = am.apply(*parse_alerting_config(yml, "prometheus.yml"), "/etc/cogwatch"); !s) ...;
//   RuleManager rules(head, head, {.notify = [&](const std::string& expr, const std::vector<rules::Alert>& a) {
//                                    am.send(expr, a);
//                                  }});
//   ...
//   am.shutdown(clock.now() + 5 * kSecond);  // sends what is queued, then stops
//
// What is sent: each alert converted as notify/outgoing_alerts.h says
// (startsAt, endsAt, generatorURL), external labels added where missing,
// the section's alert_relabel_configs, then each Alertmanager entry's own;
// an alert dropped by relabelling is not sent there. Bodies are
// postable_alerts_json (byte for byte as Prometheus 2.42), POSTed with
// Content-Type: application/json to each Alertmanager's URL
// (discover_alertmanagers), with its entry's HTTP client settings and
// timeout per POST.
//
// Queues, batches, retries:
//   - Each Alertmanager has its own bounded queue (queue_capacity) and its
//     own send loop with its own connection: a slow or hung Alertmanager
//     never holds back another. A full queue drops its oldest alerts,
//     counted (`dropped`) and reported (kDropped).
//   - A POST carries at most max_batch (256) alerts, the oldest first; the
//     next starts when it is answered.
//   - Connection errors, timeouts and 5xx answers are retried (Prometheus
//     drops the batch) with exponential backoff and ±50% jitter, until the
//     batch's deadline: the enqueue time of its oldest alert plus
//     resend_delay, when the rule engine sends those alerts again anyway.
//     Any other answer (4xx) fails the batch at once, counted and reported.
//   - Time that decides (deadlines) is read from `clock`; waits are Asio
//     steady timers.
//
// Thread-safety: send(), apply(), refresh(), counters(), alertmanagers()
// may be called from any thread; send() only locks, enqueues and posts to
// the io_context, never waiting on the network. flush() and shutdown()
// block: REQUIRES: called outside the io_context's thread, while it runs.
// HTTP work runs on the io_context's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/error.h"
#include "model/labels.h"
#include "notify/alerting_config.h"
#include "notify/postable_alerts.h"
#include "rules/rule.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::notify {

// Something that happened to alerts on their way to one Alertmanager.
struct AlertmanagerEvent {
  enum class Kind : uint8_t {
    kRetrying,  // a POST failed (error, timeout, 5xx); it will be tried again
    kFailed,    // a batch given up: 4xx, retries out of time, shutdown, a request that cannot be built
    kDropped,   // alerts dropped from a full queue, the oldest
  };
  Kind kind = Kind::kFailed;
  std::string alertmanager;  // its URL
  size_t alerts = 0;
  int attempt = 0;     // of the POST, 1 for the first; 0 for kDropped
  std::string reason;  // "unexpected status code 500", the client's error, "queue full", ...
};

// Per Alertmanager, for the daemon's self metrics.
struct AlertmanagerCounters {
  uint64_t sent = 0;     // alerts delivered (a 2xx answer)
  uint64_t failed = 0;   // alerts given up (kFailed)
  uint64_t errors = 0;   // POSTs that did not deliver
  uint64_t retried = 0;  // POSTs that were retries
  uint64_t dropped = 0;  // alerts dropped from a full queue
  double latency_seconds_sum = 0;  // of every POST answered or failed (a summary's _sum)
  uint64_t latency_count = 0;
  size_t queue_length = 0;
  size_t queue_capacity = 0;
};

// How long after its end an alert is still worth sending: Prometheus's
// resolvedRetention, for which its rule engine goes on sending a resolved
// alert.
inline constexpr Duration kResolvedAlertRetention = 15 * kMinute;

struct AlertmanagerClientOptions {
  std::string external_url;  // generatorURL's base: --web.external-url
  Labels external_labels;    // global.external_labels, added to alerts that lack them
  size_t queue_capacity = 10000;  // per Alertmanager: --alertmanager.notification-queue-capacity
  size_t max_batch = 256;         // alerts per POST, Prometheus's maxBatchSize
  Duration resend_delay = kMinute;  // --rules.alert.resend-delay: how long a batch is retried
  Duration initial_backoff = 100;   // before the first retry, then x multiplier, at most max_backoff
  double backoff_multiplier = 2;
  Duration max_backoff = 10 * kSecond;
  const Clock* clock = nullptr;  // for deadlines; default: the system clock
  std::function<void(const AlertmanagerEvent&)> on_event;  // called without locks held, any thread
};

class AlertmanagerClient {
 public:
  AlertmanagerClient(boost::asio::io_context& io, AlertmanagerClientOptions options);
  // Stops at once: queued alerts are discarded, POSTs in flight abandoned.
  ~AlertmanagerClient();
  AlertmanagerClient(const AlertmanagerClient&) = delete;
  AlertmanagerClient& operator=(const AlertmanagerClient&) = delete;

  // Discovers the Alertmanagers of `config` now (file_sd files and secret
  // and TLS files relative to config_dir) and sends to them from now on.
  // An Alertmanager whose URL stays keeps its queue and counters; one that
  // is gone stops (its queue is discarded). Errors: discover_alertmanagers';
  // then nothing changes.
  Status apply(const AlertingConfig& config, const std::string& config_dir = "");
  // apply() again with the last config, so changed file_sd files are seen
  // (the daemon calls it on a timer).
  Status refresh();

  // The URLs alerts go to, in discovery order.
  std::vector<std::string> alertmanagers() const;

  // Queues the alerts of one rule evaluation for every Alertmanager
  // (rules::NotifyFunc's shape). After shutdown() it drops them.
  void send(const std::string& expr, const std::vector<rules::Alert>& alerts);

  // By Alertmanager URL, including ones no longer in use.
  std::map<std::string, AlertmanagerCounters> counters() const;

  // What has not been delivered yet, by Alertmanager URL: the batch being
  // sent or retried, then the queue, oldest first.
  std::map<std::string, std::vector<PendingAlert>> pending() const;
  // Queues alerts another process had not delivered (its pending()) for
  // the Alertmanagers of the same URLs now in use, ahead of anything queued
  // since, with a new retry window (enqueued now). Alerts for a URL no
  // longer in use, and alerts that ended more than kResolvedAlertRetention
  // ago (expired meanwhile: Prometheus would no longer send them), are
  // left out and counted as dropped (kDropped, "expired while stopped" or
  // "Alertmanager no longer configured"). REQUIRES: after apply().
  void requeue(const std::map<std::string, std::vector<PendingAlert>>& saved);
  // A number that moves whenever pending() may have changed, so that a
  // saver can skip saving when it has not moved.
  uint64_t changes() const;

  // Waits until every queue is empty and no POST is in flight or waiting
  // to be retried, or until the clock reaches `deadline` (retries do not go
  // past it). Returns whether everything was sent or given up in time.
  // The deadline is on `clock`: with a clock that stands still (a test's
  // ManualClock) only an idle client ends the wait.
  bool flush(Timestamp deadline);
  // flush(deadline), then stops: what is left is given up (kFailed,
  // "shutting down"), later send()s are dropped.
  void shutdown(Timestamp deadline);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cogwatch::notify
