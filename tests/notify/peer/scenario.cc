#include "tests/notify/peer/scenario.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <set>
#include <thread>

#include "model/clock.h"
#include "tests/notify/peer/http_client.h"

namespace cogwatch::notify::peer {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kWebhookPrefix = "${webhook:";

std::string json_string(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return "";
  const boost::json::value* field = v.as_object().if_contains(key);
  return field != nullptr && field->is_string() ? std::string(field->as_string()) : "";
}

}  // namespace

std::vector<std::string> webhook_names(std::string_view config) {
  std::set<std::string> names;
  for (size_t at = config.find(kWebhookPrefix); at != std::string_view::npos;
       at = config.find(kWebhookPrefix, at + 1)) {
    const size_t begin = at + kWebhookPrefix.size();
    const size_t end = config.find('}', begin);
    if (end == std::string_view::npos) break;
    names.emplace(config.substr(begin, end - begin));
  }
  return {names.begin(), names.end()};
}

std::string expand_webhooks(std::string_view config, const std::function<std::string(std::string_view)>& url_of) {
  std::string out;
  size_t from = 0;
  for (size_t at = config.find(kWebhookPrefix); at != std::string_view::npos; at = config.find(kWebhookPrefix, from)) {
    const size_t begin = at + kWebhookPrefix.size();
    const size_t end = config.find('}', begin);
    if (end == std::string_view::npos) break;
    out.append(config.substr(from, at - from));
    out += url_of(config.substr(begin, end - begin));
    from = end + 1;
  }
  out.append(config.substr(from));
  return out;
}

Result<std::string> expand_times(std::string_view alerts, Timestamp now) {
  std::string out;
  size_t from = 0;
  for (size_t at = alerts.find("${"); at != std::string_view::npos; at = alerts.find("${", from)) {
    const size_t end = alerts.find('}', at);
    if (end == std::string_view::npos) break;
    const std::string_view inside = alerts.substr(at + 2, end - at - 2);
    if (inside.substr(0, 3) != "now") {
      return make_error(ErrorCode::kInvalidArgument, "unknown placeholder ${" + std::string(inside) + "}");
    }
    Timestamp t = now;
    if (inside.size() > 3) {
      const char sign = inside[3];
      Result<Duration> d = parse_duration(inside.substr(4));
      if ((sign != '+' && sign != '-') || !d) {
        return make_error(ErrorCode::kInvalidArgument, "bad placeholder ${" + std::string(inside) + "}");
      }
      t += sign == '+' ? *d : -*d;
    }
    out.append(alerts.substr(from, at - from));
    out += format_rfc3339_millis(t);
    from = end + 1;
  }
  out.append(alerts.substr(from));
  return out;
}

std::vector<Notification> Recording::to(std::string_view webhook) const {
  std::vector<Notification> out;
  for (const Notification& n : notifications) {
    if (n.webhook == webhook) out.push_back(n);
  }
  return out;
}

std::string describe(const Notification& n) {
  std::string out = json_string(n.body, "status") + " " + json_string(n.body, "groupKey") + " [";
  const boost::json::value* alerts = n.body.is_object() ? n.body.as_object().if_contains("alerts") : nullptr;
  if (alerts != nullptr && alerts->is_array()) {
    bool first = true;
    for (const boost::json::value& a : alerts->as_array()) {
      if (!first) out += ", ";
      first = false;
      const boost::json::value* labels = a.is_object() ? a.as_object().if_contains("labels") : nullptr;
      std::string others;
      if (labels != nullptr && labels->is_object()) {
        for (const auto& [name, value] : labels->as_object()) {
          if (name == "alertname" || !value.is_string()) continue;
          others += (others.empty() ? "" : ",") + std::string(name) + "=" + std::string(value.as_string());
        }
      }
      out +=
          (labels != nullptr ? json_string(*labels, "alertname") : "") + "{" + others + "}=" + json_string(a, "status");
    }
  }
  out += "]";
  const boost::json::value* truncated =
      n.body.is_object() ? n.body.as_object().if_contains("truncatedAlerts") : nullptr;
  if (truncated != nullptr && truncated->is_int64() && truncated->as_int64() != 0) {
    out += " truncated=" + std::to_string(truncated->as_int64());
  }
  return out;
}

std::string Recording::timeline() const {
  std::string out;
  for (const Notification& n : notifications) {
    char at[32];
    std::snprintf(at, sizeof at, "%7.3fs ", static_cast<double>(n.at.count()) / 1000);
    out += at + n.webhook + " " + describe(n);
    if (n.request.answered != 200) out += " (answered " + std::to_string(n.request.answered) + ")";
    out += "\n";
  }
  return out;
}

namespace {

// What the recorder needs of the notifier under test, Alertmanager's or
// cogwatch's: where its API is, how it stops, what it logged.
struct Peer {
  std::function<std::string(std::string_view path)> url;
  std::function<void()> stop;
  std::function<std::string()> log;
};

// Plays the scenario against the peer that `start` starts from the expanded
// config: the webhooks first (they outlive the peer, so it never sees one
// vanish under a notification in flight), then each batch POSTed to the
// peer's /api/v2/alerts at its offset, then the rest of the duration.
Result<Recording> play(const Scenario& scenario, const std::function<Result<Peer>(std::string config)>& start) {
  std::map<std::string, std::unique_ptr<RecordingWebhook>, std::less<>> hooks;
  for (const std::string& name : webhook_names(scenario.config)) {
    Result<std::unique_ptr<RecordingWebhook>> hook = RecordingWebhook::start();
    if (!hook) return hook.take_error();
    hooks.emplace(name, *std::move(hook));
  }
  for (const auto& [name, plan] : scenario.plans) {
    auto it = hooks.find(name);
    if (it == hooks.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "a plan for webhook '" + name + "', which the config does not use");
    }
    it->second->set_plan(plan);
  }
  Result<Peer> peer = start(expand_webhooks(
      scenario.config, [&](std::string_view name) { return hooks.find(name)->second->url("/" + std::string(name)); }));
  if (!peer) return peer.take_error();

  Recording recording;
  const auto start_steady = std::chrono::steady_clock::now();
  recording.start = system_clock().now();
  for (const AlertPost& post : scenario.posts) {
    std::this_thread::sleep_until(start_steady + post.at);
    // The post's scheduled time, not the clock's after the sleep: times in
    // bodies are then the same offsets from the start in every recording.
    const Timestamp now = recording.start + post.at.count();
    Result<std::string> body = expand_times(post.alerts, now);
    if (!body) return body.take_error();
    Result<HttpReply> reply = http_request("POST", peer->url("/api/v2/alerts"), *body);
    if (!reply || reply->status != 200) {
      const std::string why = reply ? std::to_string(reply->status) + " " + reply->body : reply.error().message;
      return make_error(ErrorCode::kUnavailable, "POST of the alerts at " + std::to_string(post.at.count()) +
                                                     " ms failed: " + why + "\nThe notifier's log:\n" + peer->log());
    }
    recording.posted.push_back(now);
  }
  std::this_thread::sleep_until(start_steady + scenario.duration);
  peer->stop();
  recording.alertmanager_log = peer->log();

  for (const auto& [name, hook] : hooks) {
    for (RecordedRequest& r : hook->requests()) {
      Notification n;
      n.webhook = name;
      n.at = std::chrono::duration_cast<std::chrono::milliseconds>(r.at - start_steady);
      boost::system::error_code ec;
      n.body = boost::json::parse(r.body, ec);
      if (ec) n.body = nullptr;
      n.request = std::move(r);
      recording.notifications.push_back(std::move(n));
    }
  }
  std::stable_sort(recording.notifications.begin(), recording.notifications.end(),
                   [](const Notification& a, const Notification& b) { return a.at < b.at; });
  return recording;
}

}  // namespace

Result<Recording> record_alertmanager(const Scenario& scenario, AlertmanagerOptions options) {
  std::shared_ptr<AlertmanagerProcess> am;
  return play(scenario, [&](std::string config) -> Result<Peer> {
    options.config_yaml = std::move(config);
    Result<std::unique_ptr<AlertmanagerProcess>> started = AlertmanagerProcess::start(std::move(options));
    if (!started) return started.take_error();
    am = *std::move(started);
    return Peer{.url = [am](std::string_view path) { return am->url(path); },
                .stop = [am] { am->stop(); },
                .log = [am] { return am->log(); }};
  });
}

Result<Recording> record_cogwatch(const Scenario& scenario, CogwatchOptions options) {
  std::shared_ptr<CogwatchServer> cw;
  return play(scenario, [&](std::string config) -> Result<Peer> {
    options.config_yaml = std::move(config);
    Result<std::unique_ptr<CogwatchServer>> started = CogwatchServer::start(std::move(options));
    if (!started) return started.take_error();
    cw = *std::move(started);
    return Peer{.url = [cw](std::string_view path) { return cw->url(path); },
                .stop = [cw] { cw->stop(); },
                .log = [cw] { return cw->log(); }};
  });
}

}  // namespace cogwatch::notify::peer
