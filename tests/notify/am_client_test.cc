// AlertmanagerClient against fake Alertmanagers (RecordingWebhook: an HTTP
// server on loopback answering from a plan): bodies and paths, queue
// overflow, batches, retries, and independence of Alertmanagers. The real
// Alertmanager 0.25 is in alertmanager_client_peer_test.cc.
#include "notify/alertmanager_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <boost/asio/executor_work_guard.hpp>
#include <filesystem>
#include <fstream>
#include <boost/asio/io_context.hpp>
#include <mutex>
#include <thread>

#include "notify/outgoing_alerts.h"
#include "tests/notify/peer/recording_webhook.h"

namespace cogwatch::notify {
namespace {

using namespace std::chrono_literals;
using peer::RecordingWebhook;
using peer::Reply;

rules::Alert alert(const std::string& name, Timestamp now) {
  rules::Alert a;
  a.labels = Labels{{"alertname", name}};
  a.annotations = Annotations{{"summary", "s"}};
  a.state = rules::AlertState::kFiring;
  a.active_at = now;
  a.fired_at = now;
  a.valid_until = now + 4 * kMinute;
  return a;
}

size_t alerts_in(const std::string& body) {
  size_t n = 0;
  for (size_t at = body.find("\"alertname\""); at != std::string::npos; at = body.find("\"alertname\"", at + 1)) ++n;
  return n;
}

class AmClientTest : public ::testing::Test {
 protected:
  AmClientTest() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~AmClientTest() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::unique_ptr<RecordingWebhook> hook() {
    auto h = RecordingWebhook::start();
    EXPECT_TRUE(h.ok()) << h.error().message;
    return h.ok() ? *std::move(h) : nullptr;
  }

  // One alertmanagers entry per hook, each with `extra` YAML.
  static AlertingConfig config(const std::vector<RecordingWebhook*>& hooks, const std::string& extra = "") {
    std::string yml = "alerting:\n  alertmanagers:\n";
    for (RecordingWebhook* h : hooks) {
      yml += "    - static_configs: [{targets: ['127.0.0.1:" + std::to_string(h->port()) + "']}]\n" + extra;
    }
    auto c = parse_alerting_config(yml, "p.yml");
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : AlertingConfig{};
  }

  AlertmanagerClientOptions options() {
    return {.external_url = "http://cogwatch:9090",
            .initial_backoff = 20,
            .on_event = [this](const AlertmanagerEvent& e) {
              std::lock_guard lock(mu_);
              events_.push_back(e);
            }};
  }

  std::vector<AlertmanagerEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  Timestamp in(Duration d) const { return system_clock().now() + d; }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<AlertmanagerEvent> events_;
};

TEST_F(AmClientTest, PostsPrometheusBodyToEveryAlertmanager) {
  auto a = hook(), b = hook();
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({a.get(), b.get()}, "      path_prefix: /am\n")).ok());
  EXPECT_EQ(client.alertmanagers(), (std::vector<std::string>{a->url("/am/api/v2/alerts"), b->url("/am/api/v2/alerts")}));
  const Timestamp now = system_clock().now();
  const std::vector<rules::Alert> alerts = {alert("A", now), alert("B", now)};
  client.send("up == 0", alerts);
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  const std::string want = postable_alerts_json(postable_alerts("up == 0", alerts, "http://cogwatch:9090"));
  for (RecordingWebhook* h : {a.get(), b.get()}) {
    auto got = h->requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].method, "POST");
    EXPECT_EQ(got[0].target, "/am/api/v2/alerts");
    EXPECT_EQ(got[0].header("Content-Type"), "application/json");
    EXPECT_EQ(got[0].body, want);
  }
  auto counters = client.counters();
  EXPECT_EQ(counters[a->url("/am/api/v2/alerts")].sent, 2u);
  EXPECT_EQ(counters[b->url("/am/api/v2/alerts")].sent, 2u);
  EXPECT_EQ(counters[a->url("/am/api/v2/alerts")].latency_count, 1u);  // one POST, timed
  EXPECT_GT(counters[a->url("/am/api/v2/alerts")].latency_seconds_sum, 0);
  EXPECT_TRUE(events().empty());
}

TEST_F(AmClientTest, AlertRelabellingPerAlertmanager) {
  auto a = hook(), b = hook();
  AlertingConfig c = config({a.get(), b.get()});
  auto drop = net::RelabelConfig::make(
      {.action = net::RelabelAction::kDrop, .source_labels = {"alertname"}, .regex = "B", .regex_set = true});
  ASSERT_TRUE(drop.ok());
  c.alertmanagers[1].alert_relabel_configs = {*drop};
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(c).ok());
  const Timestamp now = system_clock().now();
  client.send("x", {alert("A", now), alert("B", now)});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  EXPECT_EQ(alerts_in(a->requests().at(0).body), 2u);
  EXPECT_EQ(alerts_in(b->requests().at(0).body), 1u);
  EXPECT_EQ(b->requests().at(0).body.find("\"B\""), std::string::npos);
}

TEST_F(AmClientTest, FullQueueDropsTheOldest) {
  auto a = hook();
  a->set_plan({{.status = 200, .delay = 500ms}});
  auto o = options();
  o.queue_capacity = 3;
  AlertmanagerClient client(io_, o);
  ASSERT_TRUE(client.apply(config({a.get()})).ok());
  const Timestamp now = system_clock().now();
  client.send("x", {alert("First", now)});
  ASSERT_TRUE(a->wait_for(1, 5s));  // held for 500ms: the loop is busy
  client.send("x", {alert("A1", now), alert("A2", now), alert("A3", now), alert("A4", now), alert("A5", now)});
  const std::string url = a->url("/api/v2/alerts");
  EXPECT_EQ(client.counters()[url].dropped, 2u);
  EXPECT_EQ(client.counters()[url].queue_length, 3u);
  EXPECT_EQ(client.counters()[url].queue_capacity, 3u);
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  auto got = a->requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(alerts_in(got[1].body), 3u);
  EXPECT_EQ(got[1].body.find("\"A2\""), std::string::npos);
  EXPECT_NE(got[1].body.find("\"A3\""), std::string::npos);
  auto e = events();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, AlertmanagerEvent::Kind::kDropped);
  EXPECT_EQ(e[0].alerts, 2u);
  EXPECT_EQ(client.counters()[url].sent, 4u);
}

TEST_F(AmClientTest, BatchesOfAtMost256) {
  auto a = hook();
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({a.get()})).ok());
  const Timestamp now = system_clock().now();
  std::vector<rules::Alert> many;
  for (int i = 0; i < 600; ++i) many.push_back(alert("A" + std::to_string(i), now));
  client.send("x", many);
  ASSERT_TRUE(client.flush(in(10 * kSecond)));
  auto got = a->requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(alerts_in(got[0].body), 256u);
  EXPECT_EQ(alerts_in(got[1].body), 256u);
  EXPECT_EQ(alerts_in(got[2].body), 88u);
  EXPECT_NE(got[0].body.find("\"A0\""), std::string::npos);  // oldest first
  EXPECT_NE(got[2].body.find("\"A599\""), std::string::npos);
}

TEST_F(AmClientTest, NoRetryOn4xx) {
  auto a = hook();
  a->set_plan({{.status = 400}});
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({a.get()})).ok());
  client.send("x", {alert("A", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  std::this_thread::sleep_for(200ms);  // a retry would come after 10-30 ms
  EXPECT_EQ(a->count(), 1u);
  const auto c = client.counters()[a->url("/api/v2/alerts")];
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.errors, 1u);
  EXPECT_EQ(c.retried, 0u);
  EXPECT_EQ(c.sent, 0u);
  auto e = events();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, AlertmanagerEvent::Kind::kFailed);
  EXPECT_EQ(e[0].reason, "unexpected status code 400");
}

TEST_F(AmClientTest, RetriesOn5xxThenDelivers) {
  auto a = hook();
  a->set_plan({{.status = 500}, {.status = 503}, {.status = 200}});
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({a.get()})).ok());
  client.send("x", {alert("A", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  auto got = a->requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].body, got[0].body);
  EXPECT_EQ(got[2].body, got[0].body);
  const auto c = client.counters()[a->url("/api/v2/alerts")];
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.errors, 2u);
  EXPECT_EQ(c.retried, 2u);
  EXPECT_EQ(c.failed, 0u);
  auto e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].kind, AlertmanagerEvent::Kind::kRetrying);
  EXPECT_EQ(e[0].reason, "unexpected status code 500");
  EXPECT_EQ(e[1].attempt, 2);
}

TEST_F(AmClientTest, RetriesStopAtTheResendDeadline) {
  auto a = hook();
  a->set_plan(std::vector<Reply>(1000, Reply{.status = 500}));
  ManualClock clock(1'800'000'000'000);
  auto o = options();
  o.clock = &clock;
  o.resend_delay = kMinute;
  // Short waits whatever the load: retries go on (x2 each) while this
  // thread waits to step the clock, and the next deadline check comes only
  // when the pending wait is over.
  o.max_backoff = 100;
  AlertmanagerClient client(io_, o);
  ASSERT_TRUE(client.apply(config({a.get()})).ok());
  client.send("x", {alert("A", clock.now())});
  ASSERT_TRUE(a->wait_for(3, 5s));
  clock.advance(kMinute);  // the rule engine sends the alert again now
  // Polled on the steady clock: flush() waits on `clock`, which stands still.
  const std::string url = a->url("/api/v2/alerts");
  for (auto until = std::chrono::steady_clock::now() + 5s;
       client.counters()[url].failed == 0 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(10ms);
  }
  const size_t attempts = a->count();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(a->count(), attempts);
  const auto c = client.counters()[url];
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.sent, 0u);
  auto e = events();
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.back().kind, AlertmanagerEvent::Kind::kFailed);
  EXPECT_EQ(e.back().reason, "unexpected status code 500 (retries stopped at the deadline)");
}

TEST_F(AmClientTest, HungAlertmanagerDoesNotDelayAnother) {
  auto hung = hook(), ok = hook();
  hung->set_plan({{.status = 200, .delay = 3000ms}});
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({hung.get(), ok.get()})).ok());
  const auto start = std::chrono::steady_clock::now();
  client.send("x", {alert("A", system_clock().now())});
  ASSERT_TRUE(ok->wait_for(1, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  client.send("x", {alert("B", system_clock().now())});
  ASSERT_TRUE(ok->wait_for(2, 2s));  // the hung one is still holding its first POST
  // flush stops at its deadline with the hung one still busy.
  EXPECT_FALSE(client.flush(in(500)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(client.counters()[ok->url("/api/v2/alerts")].sent, 2u);
  EXPECT_EQ(client.counters()[hung->url("/api/v2/alerts")].sent, 0u);
  client.shutdown(system_clock().now());
  const auto c = client.counters()[hung->url("/api/v2/alerts")];
  EXPECT_EQ(c.sent + c.failed, 2u);  // given up at shutdown (or answered just before)
}

TEST_F(AmClientTest, TimeoutIsRetriedAndShutdownGivesUp) {
  auto a = hook();
  a->set_plan({{.status = 200, .delay = 2000ms}});
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({a.get()}, "      timeout: 200ms\n")).ok());
  client.send("x", {alert("A", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  ASSERT_GE(a->count(), 2u);
  const auto c = client.counters()[a->url("/api/v2/alerts")];
  EXPECT_EQ(c.sent, 1u);
  EXPECT_GE(c.retried, 1u);
  auto e = events();
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].reason.find("context deadline exceeded"), std::string::npos) << e[0].reason;
  client.shutdown(system_clock().now());
  client.send("x", {alert("B", system_clock().now())});  // dropped after shutdown
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(client.counters()[a->url("/api/v2/alerts")].sent, 1u);
}

TEST_F(AmClientTest, ApplyKeepsQueuesOfAlertmanagersThatStay) {
  auto a = hook(), b = hook();
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(config({a.get()})).ok());
  client.send("x", {alert("A", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  ASSERT_TRUE(client.apply(config({a.get(), b.get()})).ok());
  client.send("x", {alert("B", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  EXPECT_EQ(client.counters()[a->url("/api/v2/alerts")].sent, 2u);
  EXPECT_EQ(client.counters()[b->url("/api/v2/alerts")].sent, 1u);
  ASSERT_TRUE(client.apply(config({b.get()})).ok());
  EXPECT_EQ(client.alertmanagers(), std::vector<std::string>{b->url("/api/v2/alerts")});
}

TEST_F(AmClientTest, FileSdAndSecretFilesRelativeToTheConfigAndRefresh) {
  auto a = hook(), b = hook();
  const auto dir = std::filesystem::temp_directory_path() / "cogwatch_am_client_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ams.json") << "[{\"targets\": [\"127.0.0.1:" << a->port() << "\"]}]";
  std::ofstream(dir / "am.pass") << "secret\n";
  auto c = parse_alerting_config(R"(
alerting:
  alertmanagers:
    - file_sd_configs: [{files: [ams.json]}]
      basic_auth: {username: prom, password_file: am.pass}
)",
                                 "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  AlertmanagerClient client(io_, options());
  ASSERT_TRUE(client.apply(*c, dir.string()).ok());
  EXPECT_EQ(client.alertmanagers(), std::vector<std::string>{a->url("/api/v2/alerts")});
  client.send("x", {alert("A", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  ASSERT_EQ(a->count(), 1u);
  EXPECT_EQ(a->requests()[0].header("Authorization"), "Basic cHJvbTpzZWNyZXQ=");  // prom:secret
  std::ofstream(dir / "ams.json") << "[{\"targets\": [\"127.0.0.1:" << b->port() << "\"]}]";
  ASSERT_TRUE(client.refresh().ok());
  EXPECT_EQ(client.alertmanagers(), std::vector<std::string>{b->url("/api/v2/alerts")});
  client.send("x", {alert("B", system_clock().now())});
  ASSERT_TRUE(client.flush(in(5 * kSecond)));
  EXPECT_EQ(b->count(), 1u);
  EXPECT_EQ(b->requests()[0].header("Authorization"), "Basic cHJvbTpzZWNyZXQ=");
  std::ofstream(dir / "ams.json") << "[{";
  EXPECT_FALSE(client.refresh().ok());  // a file that does not parse changes nothing
  EXPECT_EQ(client.alertmanagers(), std::vector<std::string>{b->url("/api/v2/alerts")});
  std::filesystem::remove_all(dir);
}

// What a process had not delivered when it died, as the daemon saves it
// (pending()) and the next process queues it again (requeue()).
TEST_F(AmClientTest, WhatWasNotDeliveredIsPendingAndRequeuedByTheNextProcess) {
  auto a = hook();
  a->set_plan(std::vector<Reply>(1000, Reply{.status = 503}));
  const std::string url = a->url("/api/v2/alerts");
  std::map<std::string, std::vector<PendingAlert>> saved;
  {
    AlertmanagerClient first(io_, options());
    ASSERT_TRUE(first.apply(config({a.get()})).ok());
    const uint64_t changes = first.changes();
    first.send("x", {alert("A", system_clock().now())});
    EXPECT_NE(first.changes(), changes);
    ASSERT_TRUE(a->wait_for(2, 5s));  // A is being retried
    first.send("x", {alert("B", system_clock().now())});
    saved = first.pending();
    ASSERT_EQ(saved.size(), 1u);
    ASSERT_EQ(saved[url].size(), 2u);  // the batch in flight, then the queue
    EXPECT_EQ(saved[url][0].alert.labels.get("alertname"), "A");
    EXPECT_EQ(saved[url][1].alert.labels.get("alertname"), "B");
  }  // the process dies
  // An alert that ended long ago, and one for an Alertmanager gone since.
  const Timestamp now = system_clock().now();
  PendingAlert old{.alert = {.labels = Labels{{"alertname", "Old"}}, .starts_at = now - kHour,
                             .ends_at = now - kResolvedAlertRetention - kMinute},
                   .enqueued = now - 20 * kMinute};
  saved[url].push_back(old);
  saved["http://127.0.0.1:1/api/v2/alerts"] = {old};
  a->set_plan({});
  AlertmanagerClient second(io_, options());
  ASSERT_TRUE(second.apply(config({a.get()})).ok());
  const size_t before = a->count();
  second.requeue(saved);
  ASSERT_TRUE(second.flush(in(5 * kSecond)));
  auto got = a->requests();
  ASSERT_EQ(got.size(), before + 1);
  EXPECT_EQ(alerts_in(got.back().body), 2u);
  EXPECT_NE(got.back().body.find("\"A\""), std::string::npos);
  EXPECT_NE(got.back().body.find("\"B\""), std::string::npos);
  EXPECT_EQ(got.back().body.find("\"Old\""), std::string::npos);
  EXPECT_TRUE(second.pending().empty());
  auto counters = second.counters();
  EXPECT_EQ(counters[url].sent, 2u);
  EXPECT_EQ(counters[url].dropped, 1u);
  EXPECT_EQ(counters["http://127.0.0.1:1/api/v2/alerts"].dropped, 1u);
  std::vector<std::string> reasons;
  for (const AlertmanagerEvent& e : events()) {
    if (e.kind == AlertmanagerEvent::Kind::kDropped) reasons.push_back(e.reason);
  }
  std::sort(reasons.begin(), reasons.end());
  EXPECT_EQ(reasons, (std::vector<std::string>{"Alertmanager no longer configured", "expired while stopped"}));
}

}  // namespace
}  // namespace cogwatch::notify
