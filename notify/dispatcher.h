// The built-in Alertmanager: the alerts held, the routing tree, grouping
// and its timers, inhibition, silences and the notification log, as
// Alertmanager 0.25's provider, dispatch and notify packages do it, so the
// same alerts in give the same notifications out. Delivery itself is
// behind `Integrations` (webhooks in the daemon, a recorder in tests).
//
//   Dispatcher d(config, webhooks, clock);
//   d.put(alerts);                 // what Prometheus would POST to /api/v2/alerts
//   d.run_due();                   // flushes the groups whose timer came
//   arm_timer(d.next_wakeup());    // and again when the `wake` callback runs
//
// Timing, per aggregation group (one per route and set of group labels):
// the first flush group_wait after the group was created (at once when an
// alert's startsAt + group_wait has already passed and the group never
// flushed), then every group_interval. A flush goes out to each of the
// receiver's webhooks when, for that webhook's notification log entry,
// there are new firing alerts, all alerts resolved after firing ones were
// sent, new resolved alerts (send_resolved), or repeat_interval has passed.
// Inhibited and silenced alerts are left out before that decision. A tick
// that comes while the previous flush is still being delivered waits for
// it, as Alertmanager's group goroutine does.
//
// Thread-safety: every method may be called from any thread (one lock);
// Integrations::deliver is called without the lock held, and its `done`
// may run on any thread, at once or later.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/error.h"
#include "model/labels.h"
#include "notify/alert.h"
#include "notify/config.h"
#include "notify/silences.h"

namespace cogwatch::notify {

// One notification to one integration of a receiver: a webhook, or the
// log (a log_configs entry).
struct Notification {
  std::string receiver;          // the route's receiver name
  size_t integration = 0;        // webhook_configs' index, then log_configs' after them
  bool to_log = false;           // a log_configs entry; `webhook` is then unset
  WebhookConfig webhook;
  std::string group_key;         // "{}/{team=\"ml\"}:{alertname=\"X\"}"
  Labels group_labels;
  std::vector<Alert> alerts;     // in notification order; resolved ones only with send_resolved;
                                 // a firing alert's ends_at is kUnsetTime
  Timestamp at = 0;              // the flush time: an alert with ends_at <= at is resolved
  Timestamp deadline = 0;        // retries stop here
};

class Integrations {
 public:
  virtual ~Integrations() = default;
  // Delivers, retrying as it sees fit until n.deadline; calls done exactly
  // once with whether the receiver accepted it.
  virtual void deliver(Notification n, std::function<void(bool delivered)> done) = 0;
};

// An alert as the API shows it (GET /api/v2/alerts).
struct AlertView {
  Alert alert;
  std::vector<std::string> receivers;       // of the routes it matches
  std::vector<std::string> silenced_by;     // silence IDs
  std::vector<std::string> inhibited_by;    // fingerprints, 16 hex digits
};

// One aggregation group as GET /api/v2/alerts/groups shows it. The alerts'
// receivers there are those of the groups holding the alert, sorted.
struct GroupView {
  Labels labels;
  std::string receiver;
  std::vector<AlertView> alerts;
};

// What the dispatcher received, for the daemon's self-metrics (as
// Alertmanager's alertmanager_alerts_received_total and _invalid_total).
struct DispatcherCounters {
  uint64_t alerts_received_firing = 0;
  uint64_t alerts_received_resolved = 0;
  uint64_t alerts_invalid = 0;
  uint64_t aggregation_groups = 0;  // a gauge: groups now
};

// One notification log entry (Alertmanager's nflog): what one integration
// of a receiver was last told about a group, when, and when the entry is
// forgotten.
struct NotificationLogEntry {
  std::string integration;  // "<receiver>/webhook/<i>"
  std::string group_key;
  std::vector<uint64_t> firing;    // fingerprints of the alerts told firing
  std::vector<uint64_t> resolved;  // and resolved
  Timestamp at = 0;
  Timestamp expires = 0;
};

// What the dispatcher must not forget across a restart: the notification
// log and the silences, as Alertmanager keeps them in --storage.path, and
// also the alerts held, which Alertmanager forgets (Prometheus posts the
// firing ones again, but one that resolved meanwhile would never be told
// resolved, and a notification not yet delivered would be lost).
struct DispatcherState {
  std::vector<Alert> alerts;
  std::vector<NotificationLogEntry> log;
  std::vector<Silence> silences;
};

struct DispatcherOptions {
  const Clock* clock = nullptr;            // default: the system clock
  Duration maintenance_interval = 30 * kSecond;  // empty groups dropped, resolved alerts collected
  Duration alert_gc_interval = 30 * kMinute;     // Alertmanager's --alerts.gc-interval
  Duration silence_retention = 120 * kHour;      // Alertmanager's --data.retention
  std::function<void()> wake;  // next_wakeup() may be earlier: alerts arrived, a flush finished, a reload
};

class Dispatcher {
 public:
  Dispatcher(NotifyConfig config, Integrations& integrations, DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Receives alerts as Alertmanager's POST /api/v2/alerts does (times and
  // merging by notify/alert.h) and routes them into their groups.
  Status put(const std::vector<PostableAlert>& alerts);

  // Flushes every group whose timer came; returns next_wakeup().
  Timestamp run_due();
  // When run_due() has work next (kMaxTimestamp: none).
  Timestamp next_wakeup() const;

  // A new configuration: groups restart (group_wait again) from the alerts
  // held, as Alertmanager's reload does; the notification log and the
  // silences stay.
  void reload(NotifyConfig config);

  // Silences (notify/silences.h), for the API.
  Result<std::string> set_silence(Silence s);
  Status expire_silence(const std::string& id);
  std::optional<Silence> silence(const std::string& id) const;
  std::vector<Silence> silences() const;

  // A copy of what must survive a restart.
  DispatcherState state() const;
  // Takes back a state another process saved. Left out: alerts resolved
  // more than alert_gc_interval ago, log entries that expired, silences
  // past their retention. The alerts are routed into groups anew, as a
  // reload does, so a group whose alerts are older than group_wait flushes
  // at once; the log keeps integrations from being told again what they
  // were told before the restart, and tells them what they were not (a
  // webhook that was still being retried). REQUIRES: before the first put().
  void restore(DispatcherState saved);
  // A number that moves whenever state() may have changed (alerts put, the
  // log written, silences set or expired, anything collected), so that a
  // saver can skip saving when it has not moved.
  uint64_t changes() const;

  // The alerts held that have not resolved, with their status.
  std::vector<AlertView> alerts() const;
  // The groups that hold unresolved alerts, of the routes whose receiver
  // `keep_receiver` accepts (all without it), by labels (labels_before),
  // then receiver, as Alertmanager's Dispatcher.Groups sorts them.
  std::vector<GroupView> groups(const std::function<bool(const std::string&)>& keep_receiver = nullptr) const;
  // The configured receiver names.
  std::vector<std::string> receivers() const;
  // The dispatcher's clock's time.
  Timestamp now() const;
  DispatcherCounters counters() const;

  struct State;  // the implementation's, shared with deliveries in flight

 private:
  Status put_locked(const std::vector<PostableAlert>& alerts);

  std::shared_ptr<State> state_;
  Integrations& integrations_;
};

}  // namespace cogwatch::notify
