// AlertmanagerClient feeding the real Alertmanager 0.25 (Debian's
// prometheus-alertmanager, started on a free loopback port by
// AlertmanagerProcess): what it stores is read back from its own
// GET /api/v2/alerts, what it notifies from a recording webhook.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "model/clock.h"
#include "notify/alertmanager_client.h"
#include "tests/notify/peer/alertmanager_process.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/recording_webhook.h"

namespace cogwatch::notify {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using peer::AlertmanagerProcess;
using peer::RecordingWebhook;

class AlertmanagerClientPeer : public ::testing::Test {
 protected:
  AlertmanagerClientPeer() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~AlertmanagerClientPeer() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Alertmanager with one route to `hook` (send_resolved), short timers.
  std::unique_ptr<AlertmanagerProcess> start(const RecordingWebhook& hook) {
    auto am = AlertmanagerProcess::start({.config_yaml = R"(
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 500ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: ops
  webhook_configs:
  - url: ')" + hook.url("/ops") + "'\n"});
    EXPECT_TRUE(am.ok()) << am.error().message;
    return am.ok() ? *std::move(am) : nullptr;
  }

  static AlertingConfig config(const AlertmanagerProcess& am) {
    auto c = parse_alerting_config("alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:" +
                                       std::to_string(am.port()) + "']}]\n      timeout: 2s\n",
                                   "p.yml");
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : AlertingConfig{};
  }

  // Alertmanager's GET /api/v2/alerts (active ones), polled until `n` are
  // there or 5 s passed.
  static json::array alerts_of(const AlertmanagerProcess& am, size_t n) {
    json::array got;
    for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
      auto r = peer::http_request("GET", am.url("/api/v2/alerts"));
      if (r && r->status == 200) {
        got = json::parse(r->body).as_array();
        if (got.size() >= n) break;
      }
      std::this_thread::sleep_for(50ms);
    }
    return got;
  }

  static rules::Alert firing(const std::string& name, Timestamp fired) {
    rules::Alert a;
    a.labels = Labels{{"alertname", name}, {"severity", "page"}};
    a.annotations = Annotations{{"empty", ""}, {"summary", "cog <down> & out"}};
    a.state = rules::AlertState::kFiring;
    a.active_at = fired - 30'000;
    a.fired_at = fired;
    a.valid_until = fired + 4 * kMinute;
    return a;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

TEST_F(AlertmanagerClientPeer, AlertsReadBackFromAlertmanager) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  auto am = start(**hook);
  ASSERT_TRUE(am);
  AlertmanagerClient client(io_, {.external_url = "http://cogwatch.example:9090/cw",
                                  .external_labels = Labels{{"region", "eu"}, {"severity", "ext"}}});
  ASSERT_TRUE(client.apply(config(*am)).ok());
  const Timestamp fired = (system_clock().now() - 10'000) / 1000 * 1000 + 123;
  client.send("up{job=\"cog\"} == 0", {firing("CogDown", fired)});
  ASSERT_TRUE(client.flush(system_clock().now() + 5000));
  json::array got = alerts_of(*am, 1);
  ASSERT_EQ(got.size(), 1u);
  const json::object& a = got[0].as_object();
  EXPECT_EQ(json::serialize(a.at("labels")), R"({"alertname":"CogDown","region":"eu","severity":"page"})");
  EXPECT_EQ(json::serialize(a.at("annotations")), R"({"empty":"","summary":"cog <down> & out"})");
  EXPECT_EQ(a.at("startsAt").as_string(), format_rfc3339(fired));
  EXPECT_EQ(a.at("endsAt").as_string(), format_rfc3339(fired + 4 * kMinute));
  EXPECT_EQ(a.at("generatorURL").as_string(),
            "http://cogwatch.example:9090/cw/graph?g0.expr=up%7Bjob%3D%22cog%22%7D+%3D%3D+0&g0.tab=1");
  EXPECT_EQ(a.at("status").at("state").as_string(), "active");
  EXPECT_EQ(client.counters()[am->url("/api/v2/alerts")].sent, 1u);
}

TEST_F(AlertmanagerClientPeer, ResolvedAlertIsResolvedInAlertmanager) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  auto am = start(**hook);
  ASSERT_TRUE(am);
  AlertmanagerClient client(io_, {});
  ASSERT_TRUE(client.apply(config(*am)).ok());
  const Timestamp now = system_clock().now();
  rules::Alert a = firing("CogDown", now - 10'000);
  client.send("x", {a});
  ASSERT_TRUE((*hook)->wait_for(1, 10s));  // the firing notification
  ASSERT_EQ(alerts_of(*am, 1).size(), 1u);
  a.state = rules::AlertState::kInactive;
  a.resolved_at = system_clock().now() - 1000;
  client.send("x", {a});
  ASSERT_TRUE(client.flush(system_clock().now() + 5000));
  ASSERT_TRUE((*hook)->wait_for(2, 10s));  // the resolved one
  const json::object msg = json::parse((*hook)->requests().at(1).body).as_object();
  EXPECT_EQ(msg.at("status").as_string(), "resolved");
  EXPECT_EQ(msg.at("alerts").at(0).at("endsAt").as_string(), format_rfc3339(*a.resolved_at));
  EXPECT_TRUE(alerts_of(*am, 0).empty());  // the API lists active alerts only
}

TEST_F(AlertmanagerClientPeer, AlertmanagerRestartedMidwayGetsTheRetriedAlerts) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  auto am = start(**hook);
  ASSERT_TRUE(am);
  std::vector<AlertmanagerEvent> events;
  std::mutex mu;
  AlertmanagerClient client(io_, {.resend_delay = 30 * kSecond, .max_backoff = 500, .on_event = [&](const auto& e) {
                                    std::lock_guard lock(mu);
                                    events.push_back(e);
                                  }});
  ASSERT_TRUE(client.apply(config(*am)).ok());
  const Timestamp now = system_clock().now();
  client.send("x", {firing("Before", now)});
  ASSERT_TRUE(client.flush(system_clock().now() + 5000));
  ASSERT_EQ(alerts_of(*am, 1).size(), 1u);

  am->stop();  // Alertmanager keeps alerts in memory only: they go with it
  client.send("x", {firing("During", now)});
  for (auto until = std::chrono::steady_clock::now() + 5s;
       client.counters()[am->url("/api/v2/alerts")].retried < 2 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(client.counters()[am->url("/api/v2/alerts")].retried, 2u);
  ASSERT_TRUE(am->restart().ok());
  ASSERT_TRUE(client.flush(system_clock().now() + 10'000));
  json::array got = alerts_of(*am, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("labels").at("alertname").as_string(), "During");
  const auto c = client.counters()[am->url("/api/v2/alerts")];
  EXPECT_EQ(c.sent, 2u);
  EXPECT_EQ(c.failed, 0u);
  std::lock_guard lock(mu);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, AlertmanagerEvent::Kind::kRetrying);
  EXPECT_NE(events[0].reason.find("Post \"" + am->url("/api/v2/alerts") + "\""), std::string::npos) << events[0].reason;
}

}  // namespace
}  // namespace cogwatch::notify
