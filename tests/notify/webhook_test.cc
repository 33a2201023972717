// Webhook delivery against recording receivers on loopback: the body, the
// retries Alertmanager makes (5xx again, 4xx never), a receiver that
// hangs costing its timeout and nothing more.
#include "notify/webhook.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "notify/notifier.h"
#include "tests/notify/peer/recording_webhook.h"

namespace cogwatch::notify {
namespace {

using namespace std::chrono_literals;
using peer::RecordingWebhook;
using peer::Reply;

// The sender on its own io thread, as in the daemon.
struct SenderFixture {
  SenderFixture() : sender(io, {.external_url = "http://cogwatch:9095"}) {
    thread = std::thread([this] { io.run(); });
  }
  ~SenderFixture() {
    work.reset();
    io.stop();
    thread.join();
  }
  // Delivers and waits (bounded) for the outcome.
  std::optional<bool> deliver(Notification n, std::chrono::milliseconds wait = 10s) {
    auto promise = std::make_shared<std::promise<bool>>();
    auto result = promise->get_future();
    sender.deliver(std::move(n), [promise](bool ok) { promise->set_value(ok); });
    if (result.wait_for(wait) != std::future_status::ready) return std::nullopt;
    return result.get();
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
  WebhookSender sender;
  std::thread thread;
};

Notification notification(const std::string& url, Duration deadline_in = 5 * kSecond) {
  const Timestamp now = system_clock().now();
  Notification n{.receiver = "ops", .webhook = {.url = url}, .group_key = R"({}:{alertname="Err"})",
                 .group_labels = Labels{{"alertname", "Err"}}, .at = now, .deadline = now + deadline_in};
  n.alerts.push_back({.labels = Labels{{"alertname", "Err"}, {"instance", "a"}}, .starts_at = now - kMinute});
  n.alerts.push_back({.labels = Labels{{"alertname", "Err"}, {"instance", "b"}}, .starts_at = now - kMinute,
                      .ends_at = now - kSecond});
  return n;
}

TEST(WebhookSender, PostsTheMessageAsJson) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  SenderFixture f;
  Notification n = notification((*hook)->url("/ops"));
  n.webhook.max_alerts = 1;
  const std::string expected = webhook_message_json(webhook_message(n, "http://cogwatch:9095"));
  EXPECT_EQ(f.deliver(n), true);
  auto got = (*hook)->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/ops");
  EXPECT_EQ(got[0].header("Content-Type"), "application/json");
  EXPECT_EQ(got[0].body, expected);
  EXPECT_NE(got[0].body.find(R"("truncatedAlerts":1)"), std::string::npos);
  EXPECT_NE(got[0].body.find(R"("status":"firing")"), std::string::npos);
  EXPECT_EQ(f.sender.counters()["ops"].notifications, 1u);
}

// url_file is read at each delivery, its whitespace trimmed, so a rotated
// secret URL is picked up; an unreadable one fails the notification.
TEST(WebhookSender, UrlFileIsReadAtEachDelivery) {
  auto first = RecordingWebhook::start();
  auto second = RecordingWebhook::start();
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string path = ::testing::TempDir() + "/cogwatch_webhook_url";
  const auto write = [&](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  };
  SenderFixture f;
  Notification n = notification("");
  n.webhook.url_file = path;
  write("  " + (*first)->url("/a") + "\n");
  EXPECT_EQ(f.deliver(n), true);
  write((*second)->url("/b") + "\n");
  EXPECT_EQ(f.deliver(n), true);
  EXPECT_EQ((*first)->requests().size(), 1u);
  ASSERT_EQ((*second)->requests().size(), 1u);
  EXPECT_EQ((*second)->requests()[0].target, "/b");
  std::remove(path.c_str());
  std::string reason;
  WebhookSender sender(f.io, {.on_event = [&](const DeliveryEvent& e) { reason = e.reason; }});
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  sender.deliver(n, [done](bool ok) { done->set_value(ok); });
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(result.get());
  EXPECT_EQ(reason, "url_file: cannot read secret file \"" + path + "\"");
}

TEST(WebhookSender, RetriesServerErrorsUntilAccepted) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  (*hook)->set_plan({{.status = 500}, {.status = 503}});
  SenderFixture f;
  EXPECT_EQ(f.deliver(notification((*hook)->url("/ops"))), true);
  auto got = (*hook)->requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].body, got[2].body);  // the same message each time
  // Backoff 0.5s +-50%, then 0.75s +-50%.
  EXPECT_GE(got[1].at - got[0].at, 200ms);
  EXPECT_GE(got[2].at - got[1].at, 300ms);
  const WebhookCounters c = f.sender.counters()["ops"];
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.requests_failed, 2u);
  EXPECT_EQ(c.notifications, 1u);
}

TEST(WebhookSender, ClientErrorsAreNotRetried) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  (*hook)->set_plan({{.status = 400}});
  SenderFixture f;
  EXPECT_EQ(f.deliver(notification((*hook)->url("/ops"))), false);
  std::this_thread::sleep_for(1500ms);  // a retry would have come by now
  EXPECT_EQ((*hook)->requests().size(), 1u);
  EXPECT_EQ(f.sender.counters()["ops"].notifications_failed, 1u);
}

TEST(WebhookSender, RetriesStopAtTheDeadline) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  (*hook)->set_plan(std::vector<Reply>(50, Reply{.status = 500}));
  SenderFixture f;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(f.deliver(notification((*hook)->url("/ops"), 2 * kSecond)), false);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
  EXPECT_GE((*hook)->requests().size(), 2u);
}

TEST(WebhookSender, AHungReceiverCostsItsTimeoutAndDelaysNoOther) {
  auto hung = RecordingWebhook::start();
  auto fine = RecordingWebhook::start();
  ASSERT_TRUE(hung.ok() && fine.ok());
  (*hung)->set_plan(std::vector<Reply>(10, Reply{.status = 200, .delay = 5s}));
  SenderFixture f;
  Notification slow = notification((*hung)->url("/slow"), 30 * kSecond);
  slow.webhook.timeout = 700;
  auto slow_result = std::make_shared<std::promise<bool>>();
  auto slow_future = slow_result->get_future();
  const auto started = std::chrono::steady_clock::now();
  f.sender.deliver(slow, [slow_result](bool ok) { slow_result->set_value(ok); });
  // The other receiver is served while the first hangs.
  EXPECT_EQ(f.deliver(notification((*fine)->url("/fast"))), true);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  // The hung one times out per attempt (0.7s) and is retried (the
  // recording server, stuck in its first answer, does not take the next
  // one in); it has not delivered after two seconds.
  ASSERT_EQ(slow_future.wait_for(2s), std::future_status::timeout);
  EXPECT_GE(f.sender.counters()["ops"].requests_failed, 1u);
  EXPECT_GE(f.sender.counters()["ops"].requests, 3u);  // the fast one, the hung one twice
}

TEST(WebhookSender, UnreachableReceiverIsRetriedThenFails) {
  SenderFixture f;
  // A port nobody listens on: connection refused, retried until the deadline.
  EXPECT_EQ(f.deliver(notification("http://127.0.0.1:1/x", 1500)), false);
  const WebhookCounters c = f.sender.counters()["ops"];
  EXPECT_GE(c.requests, 2u);
  EXPECT_EQ(c.notifications_failed, 1u);
}

}  // namespace
}  // namespace cogwatch::notify

namespace cogwatch::notify {
namespace {

// The notifier runs its own timer: the first notification comes group_wait
// after the alert arrived, with nobody calling run_due().
TEST(BuiltinNotifier, DeliversOnItsOwnTimer) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });
  NotifyConfig c;
  c.route = {.receiver = "ops", .group_by = std::vector<std::string>{"alertname"}, .group_wait = 400,
             .group_interval = 10 * kSecond};
  c.receivers = {{.name = "ops", .webhook_configs = {{.url = (*hook)->url("/ops")}}}};
  auto notifier = std::make_unique<BuiltinNotifier>(io, c, BuiltinNotifierOptions{.external_url = "http://cogwatch:9095"});
  const auto posted = std::chrono::steady_clock::now();
  // Through the API, as amtool or Prometheus would post it.
  auto r = notifier->api().handle({.method = "POST", .target = "/api/v2/alerts",
                                   .body = R"([{"labels":{"alertname":"Drift"},"startsAt":")" +
                                           format_rfc3339_millis(system_clock().now()) + R"("}])"});
  EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");  // no ASSERT before the join
  const bool delivered = (*hook)->wait_for(1, 5s);
  work.reset();
  io.stop();
  thread.join();
  notifier.reset();  // once the io_context stopped, as the header asks
  ASSERT_TRUE(delivered);
  const auto got = (*hook)->requests();
  EXPECT_GE(got[0].at - posted, 350ms);
  EXPECT_NE(got[0].body.find(R"("groupKey":"{}:{alertname=\"Drift\"}")"), std::string::npos) << got[0].body;
}

}  // namespace
}  // namespace cogwatch::notify
