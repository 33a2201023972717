// Scenarios for the differential tests of the notifier: an alertmanager.yml,
// alerts POSTed at set offsets from the start, a duration; and the
// recording of what a real Alertmanager 0.25 sent to each webhook
// receiver in that time. The same Scenario is meant to run against
// cogwatch's dispatcher, so the two recordings can be compared.
//
//   Scenario s{
//       .config = R"(route: {receiver: ops, group_wait: 1s, ...}
//                    receivers: [{name: ops, webhook_configs: [{url: '${webhook:ops}'}]}])",
//       .posts = {{0ms, R"([{"labels":{"alertname":"A"},"startsAt":"${now}","endsAt":"${now+5m}"}])"}},
//       .duration = 1500ms};
//   Result<Recording> r = record_alertmanager(s);
//   for (const Notification& n : r->notifications) ... n.webhook, n.at, n.body ...
//
// Placeholders: in the config, ${webhook:NAME} is the URL of the recording
// webhook NAME, http://127.0.0.1:PORT/NAME (one server per NAME: a hung
// one blocks only itself); in a
// post, ${now} is the wall-clock time the post is scheduled for (the
// recording's start + its offset; it goes out as soon after as the machine
// allows) as Prometheus prints it (three decimals), so that times in the
// bodies of two recordings are the same offsets from their starts, and ${now+DUR} / ${now-DUR} add or subtract a
// Prometheus duration ("5m", "1500ms").
//
// Beware startsAt in the past: Alertmanager then flushes a new group as its
// first alert arrives, possibly before the rest of the same POST
// (ALERTMANAGER_BEHAVIOUR.md); keep such groups to one alert or read the
// message of the next tick.
//
// Thread-safety: plain values and a blocking function.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/time.h"
#include "tests/notify/peer/alertmanager_process.h"
#include "tests/notify/peer/cogwatch_server.h"
#include "tests/notify/peer/recording_webhook.h"

namespace cogwatch::notify::peer {

struct AlertPost {
  std::chrono::milliseconds at{0};  // offset from the start
  std::string alerts;               // the JSON array Prometheus POSTs to /api/v2/alerts
};

struct Scenario {
  std::string config;                               // alertmanager.yml with ${webhook:NAME}
  std::map<std::string, std::vector<Reply>> plans;  // answers of webhook NAME (default: 200s)
  std::vector<AlertPost> posts;                     // in order of `at`
  std::chrono::milliseconds duration{0};            // recording ends this long after the start
};

struct Notification {
  std::string webhook;              // the NAME of ${webhook:NAME}
  std::chrono::milliseconds at{0};  // arrival, from the start
  RecordedRequest request;          // method, path, headers, body, the status it was answered
  boost::json::value body;          // request.body parsed; null if it is not JSON

  const std::string& raw() const { return request.body; }
};

// A notification in one line: its status, groupKey, and each alert as
// alertname{other labels}=status, in the body's order, then
// " truncated=N" when truncatedAlerts is not 0:
//   firing {}:{alertname="A"} [A{instance=a}=resolved, A{instance=b}=firing]
std::string describe(const Notification& n);

struct Recording {
  Timestamp start = 0;                      // wall clock (ms) at offset 0
  std::vector<Timestamp> posted;            // each post's ${now}: start + its offset
  std::vector<Notification> notifications;  // in arrival order
  std::string alertmanager_log;             // the notifier's log (Alertmanager's, or cogwatch's events)

  // The notifications one webhook received, in order.
  std::vector<Notification> to(std::string_view webhook) const;
  // One line per notification, for failure messages: offset, webhook,
  // describe(), and the status answered when not 200.
  std::string timeline() const;
};

// Runs a scenario against the real Alertmanager (started with `options`,
// whose config_yaml is replaced by the expanded scenario config): starts
// it and the webhooks, then posts each batch to its /api/v2/alerts at its
// offset, then waits out the duration. Errors: Alertmanager not starting,
// a post not answered 200 (the message carries the answer and
// Alertmanager's log), bad placeholders.
Result<Recording> record_alertmanager(const Scenario& scenario, AlertmanagerOptions options = {});

// The same against cogwatch's built-in Alertmanager (CogwatchServer: the
// config through parse_notify_config, the alerts POSTed over HTTP to its
// API v2 exactly as to Alertmanager), recorded in the same form; the
// Recording's alertmanager_log holds cogwatch's delivery events. Errors:
// the config refused, as above otherwise.
Result<Recording> record_cogwatch(const Scenario& scenario, CogwatchOptions options = {});

// The webhook NAMEs of ${webhook:NAME} in a config, sorted, unique.
std::vector<std::string> webhook_names(std::string_view config);
// The config with each ${webhook:NAME} replaced by url_of(NAME).
std::string expand_webhooks(std::string_view config, const std::function<std::string(std::string_view)>& url_of);
// The alerts with ${now}, ${now+DUR}, ${now-DUR} replaced for `now`.
// Errors: kInvalidArgument for an unknown placeholder or a bad duration.
Result<std::string> expand_times(std::string_view alerts, Timestamp now);

}  // namespace cogwatch::notify::peer
