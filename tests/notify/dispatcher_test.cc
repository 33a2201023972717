#include "notify/dispatcher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "parser/series.h"
#include "tests/notify/recording_integrations.h"

namespace cogwatch::notify {
namespace {

constexpr Timestamp kStart = 1'800'000'000'000;

using testing::Recorder;

AmMatchers matchers(std::string_view text) {
  auto ms = parse_matchers(text);
  EXPECT_TRUE(ms.ok()) << text;
  return ms.ok() ? *ms : AmMatchers{};
}

NotifyConfig config(bool send_resolved = true) { return testing::ops_route_config(send_resolved); }

PostableAlert firing(std::string_view labels, Timestamp starts_at, Timestamp valid_until) {
  return {.labels = parser::parse_metric(labels).value(), .starts_at = starts_at, .ends_at = valid_until};
}

struct Fixture {
  explicit Fixture(NotifyConfig c) : dispatcher(std::move(c), recorder, {.clock = &clock}) {}
  void put(const std::vector<PostableAlert>& alerts) { EXPECT_TRUE(dispatcher.put(alerts).ok()); }
  // Steps the clock in 1s ticks to `t`, running what is due, as the
  // daemon's timer would.
  void run_until(Timestamp t) {
    while (clock.now() < t) {
      clock.advance(kSecond);
      dispatcher.run_due();
    }
  }
  ManualClock clock{kStart};
  Recorder recorder;
  Dispatcher dispatcher;
};

std::vector<std::string> names(const Notification& n) {
  std::vector<std::string> out;
  for (const Alert& a : n.alerts) out.push_back(std::string(a.labels.get("alertname")) + "/" +
                                                std::string(a.labels.get("instance")) +
                                                (a.resolved_at(n.at) ? "(resolved)" : ""));
  return out;
}

TEST(Dispatcher, FirstNotificationAfterGroupWaitThenChangesOnGroupInterval) {
  Fixture f(config());
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + 10 * kHour)});
  f.run_until(kStart + 29 * kSecond);
  EXPECT_TRUE(f.recorder.sent.empty());
  f.run_until(kStart + 30 * kSecond);
  auto sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].group_key, R"({}:{alertname="Err"})");
  EXPECT_EQ(sent[0].receiver, "ops");
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"Err/a"});
  EXPECT_EQ(sent[0].alerts[0].ends_at, kUnsetTime);  // a firing alert's end is hidden

  // A second alert joins at +40s: it goes out on the group_interval tick
  // (+5m30s), not before.
  f.clock.set(kStart + 40 * kSecond);
  f.put({firing(R"({alertname="Err", instance="b"})", kStart + 40 * kSecond, kStart + 10 * kHour)});
  f.run_until(kStart + 5 * kMinute + 29 * kSecond);
  EXPECT_TRUE(f.recorder.sent.empty());
  f.run_until(kStart + 5 * kMinute + 30 * kSecond);
  sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), (std::vector<std::string>{"Err/a", "Err/b"}));
  // Nothing changed: silent until repeat_interval (1h) has passed since
  // the last notification, on the first tick after it.
  f.run_until(kStart + kHour + 5 * kMinute + 30 * kSecond);
  EXPECT_TRUE(f.recorder.sent.empty());
  f.run_until(kStart + kHour + 10 * kMinute + 30 * kSecond);
  sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), (std::vector<std::string>{"Err/a", "Err/b"}));
}

TEST(Dispatcher, LogConfigsAreIntegrationsAfterTheWebhooks) {
  NotifyConfig c = config();
  c.receivers[0].log_configs = {{.send_resolved = false}};
  Fixture f(c);
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + 2 * kMinute)});
  f.run_until(kStart + 30 * kSecond);
  auto sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_FALSE(sent[0].to_log);
  EXPECT_EQ(sent[0].webhook.url, "http://hook/ops");
  EXPECT_TRUE(sent[1].to_log);
  EXPECT_EQ(sent[1].integration, 1u);
  EXPECT_EQ(names(sent[1]), std::vector<std::string>{"Err/a"});
  // Resolved: the webhook (send_resolved) hears of it, the log entry
  // without send_resolved does not.
  f.run_until(kStart + 2 * kMinute + 5 * kMinute + 30 * kSecond);
  sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].to_log);
}

TEST(Dispatcher, AlertThatStartedLongAgoFlushesAtOnce) {
  Fixture f(config());
  // Prometheus sends startsAt = when the alert became active: with `for: 2m`
  // that is two minutes before it first arrives, past group_wait.
  f.put({firing(R"({alertname="Err"})", kStart - 2 * kMinute, kStart + kHour)});
  f.dispatcher.run_due();
  EXPECT_EQ(f.recorder.take().size(), 1u);
}

TEST(Dispatcher, ResolvedSentOnceWithSendResolvedThenForgotten) {
  Fixture f(config());
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + kHour),
                    firing(R"({alertname="Err", instance="b"})", kStart, kStart + kHour)});
  f.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(f.recorder.take().size(), 1u);
  // b resolves at +1m (Prometheus sends endsAt = resolve time).
  f.clock.set(kStart + kMinute);
  f.put({firing(R"({alertname="Err", instance="b"})", kStart, kStart + kMinute)});
  f.run_until(kStart + 5 * kMinute + 30 * kSecond);
  auto sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), (std::vector<std::string>{"Err/a", "Err/b(resolved)"}));
  EXPECT_EQ(sent[0].alerts[1].ends_at, kStart + kMinute);
  // Delivered: b left the group; the next ticks have nothing new.
  f.run_until(kStart + 15 * kMinute + 30 * kSecond);
  EXPECT_TRUE(f.recorder.sent.empty());
  // Everything resolves: one last notification.
  f.clock.set(kStart + 16 * kMinute);
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + 16 * kMinute)});
  f.run_until(kStart + 20 * kMinute + 30 * kSecond);
  sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"Err/a(resolved)"});
  f.run_until(kStart + 3 * kHour);
  EXPECT_TRUE(f.recorder.sent.empty());
}

TEST(Dispatcher, WithoutSendResolvedResolvedAlertsAreNotSent) {
  Fixture f(config(/*send_resolved=*/false));
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + kHour),
                    firing(R"({alertname="Err", instance="b"})", kStart, kStart + kHour)});
  f.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(f.recorder.take().size(), 1u);
  f.clock.set(kStart + kMinute);
  f.put({firing(R"({alertname="Err", instance="b"})", kStart, kStart + kMinute)});
  // b's resolution alone is no reason to notify.
  f.run_until(kStart + 50 * kMinute);
  EXPECT_TRUE(f.recorder.sent.empty());
  // All resolved: the log is told, the receiver is not.
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, f.clock.now())});
  f.run_until(kStart + 3 * kHour);
  EXPECT_TRUE(f.recorder.sent.empty());
  // Firing again later: a new notification at once on the next tick.
  f.put({firing(R"({alertname="Err", instance="a"})", f.clock.now(), f.clock.now() + kHour)});
  f.run_until(f.clock.now() + 5 * kMinute);
  EXPECT_EQ(f.recorder.take().size(), 1u);
}

TEST(Dispatcher, FailedDeliveryKeepsResolvedAlertsAndRetriesNextTick) {
  Fixture f(config());
  f.put({firing(R"({alertname="Err"})", kStart, kStart + kHour)});
  f.recorder.answer = false;
  f.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(f.recorder.take().size(), 1u);
  // Not logged as sent: the next tick sends it again.
  f.recorder.answer = true;
  f.run_until(kStart + 5 * kMinute + 30 * kSecond);
  EXPECT_EQ(f.recorder.take().size(), 1u);
  f.run_until(kStart + 10 * kMinute + 30 * kSecond);
  EXPECT_TRUE(f.recorder.sent.empty());
}

TEST(Dispatcher, TickWaitsForTheFlushInFlight) {
  Fixture f(config());
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + kHour)});
  f.recorder.hold = true;
  f.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(f.recorder.sent.size(), 1u);
  f.put({firing(R"({alertname="Err", instance="b"})", f.clock.now(), kStart + kHour)});
  // The +5m30s tick comes while the first delivery hangs: nothing new goes out.
  f.run_until(kStart + 6 * kMinute);
  EXPECT_EQ(f.recorder.sent.size(), 1u);
  EXPECT_LE(f.dispatcher.next_wakeup(), kStart + 30 * kMinute);  // maintenance, not the group
  f.recorder.hold = false;
  f.recorder.release(true);
  // Due at once: the tick passed while it was in flight.
  f.dispatcher.run_due();
  ASSERT_EQ(f.recorder.sent.size(), 2u);
  EXPECT_EQ(names(f.recorder.sent[1]), (std::vector<std::string>{"Err/a", "Err/b"}));
}

TEST(Dispatcher, ContinueAndNestedRoutes) {
  NotifyConfig c = config();
  c.receivers.push_back({.name = "ml", .webhook_configs = {{.url = "http://hook/ml"}}});
  c.receivers.push_back({.name = "pager", .webhook_configs = {{.url = "http://hook/pager"}}});
  RouteConfig ml{.receiver = "ml", .matchers = matchers(R"(team="ml")"), .continue_matching = true};
  ml.routes.push_back(RouteConfig{.receiver = "pager", .matchers = matchers(R"(severity="page")")});
  c.route.routes = {ml, RouteConfig{.receiver = "ops", .group_by = std::vector<std::string>{"team"},
                                    .matchers = matchers(R"(team=~".+")")}};
  Fixture f(std::move(c));
  f.put({firing(R"({alertname="Err", team="ml", severity="page"})", kStart - kMinute, kStart + kHour),
                    firing(R"({alertname="Lat", team="ml"})", kStart - kMinute, kStart + kHour)});
  f.dispatcher.run_due();
  std::vector<std::string> got;
  for (const Notification& n : f.recorder.take()) got.push_back(n.receiver + " " + n.group_key);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{
                     R"(ml {}/{team="ml"}:{alertname="Lat"})",
                     R"(ops {}/{team=~".+"}:{team="ml"})",
                     R"(pager {}/{team="ml"}/{severity="page"}:{alertname="Err"})",
                 }));
}

TEST(Dispatcher, InhibitedWhileTheSourceFiresNotifiedWhenItLifts) {
  NotifyConfig c = config();
  c.inhibit_rules.push_back({.source_matchers = matchers(R"(severity="critical")"),
                             .target_matchers = matchers(R"(severity="warning")"),
                             .equal = {"instance"}});
  c.route.group_by = std::vector<std::string>{"instance"};
  Fixture f(std::move(c));
  f.put({firing(R"({alertname="Down", instance="a", severity="critical"})", kStart, kStart + kHour),
                    firing(R"({alertname="Slow", instance="a", severity="warning"})", kStart, kStart + kHour),
                    firing(R"({alertname="Slow", instance="b", severity="warning"})", kStart, kStart + kHour)});
  f.run_until(kStart + 30 * kSecond);
  auto sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 2u);
  std::sort(sent.begin(), sent.end(), [](const auto& x, const auto& y) { return x.group_key < y.group_key; });
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"Down/a"});  // Slow/a inhibited
  EXPECT_EQ(names(sent[1]), std::vector<std::string>{"Slow/b"});
  auto views = f.dispatcher.alerts();
  ASSERT_EQ(views.size(), 3u);
  size_t inhibited = 0;
  for (const AlertView& v : views) inhibited += v.inhibited_by.size();
  EXPECT_EQ(inhibited, 1u);
  // The critical alert resolves: Slow/a is notified on the next tick.
  f.clock.set(kStart + kMinute);
  f.put({firing(R"({alertname="Down", instance="a", severity="critical"})", kStart, kStart + kMinute)});
  f.run_until(kStart + 5 * kMinute + 30 * kSecond);
  sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), (std::vector<std::string>{"Down/a(resolved)", "Slow/a"}));
}

TEST(Dispatcher, SilencedAlertsAreLeftOut) {
  Fixture f(config());
  auto id = f.dispatcher.set_silence({.matchers = matchers(R"(instance="a")"), .starts_at = kStart,
                                      .ends_at = kStart + kHour, .created_by = "me", .comment = "maintenance"});
  ASSERT_TRUE(id.ok());
  f.put({firing(R"({alertname="Err", instance="a"})", kStart, kStart + 2 * kHour),
                    firing(R"({alertname="Err", instance="b"})", kStart, kStart + 2 * kHour)});
  f.run_until(kStart + 30 * kSecond);
  auto sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"Err/b"});
  for (const AlertView& v : f.dispatcher.alerts()) {
    EXPECT_EQ(v.silenced_by, v.alert.labels.get("instance") == "a" ? std::vector<std::string>{*id}
                                                                    : std::vector<std::string>{});
  }
  // Expired: the alert is new to the receiver, on the next tick.
  ASSERT_TRUE(f.dispatcher.expire_silence(*id).ok());
  f.run_until(kStart + 5 * kMinute + 30 * kSecond);
  sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), (std::vector<std::string>{"Err/a", "Err/b"}));
}

TEST(Dispatcher, AlertWithoutEndTimesOutAfterResolveTimeout) {
  Fixture f(config());
  f.put({{.labels = Labels{{"alertname", "Err"}}, .starts_at = kStart, .ends_at = kUnsetTime}});
  f.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(f.recorder.take().size(), 1u);
  // resolve_timeout 5m: resolved by the +5m30s tick.
  f.run_until(kStart + 5 * kMinute + 30 * kSecond);
  auto sent = f.recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"Err/(resolved)"});
  EXPECT_EQ(sent[0].alerts[0].ends_at, kStart + 5 * kMinute);
}

TEST(Dispatcher, InvalidAlertsRejectedOthersKept) {
  Fixture f(config());
  Status s = f.dispatcher.put({{.labels = Labels{}, .starts_at = kStart, .ends_at = kStart + 1},
                               firing(R"({alertname="Err"})", kStart, kStart + kHour)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "at least one label pair required");
  EXPECT_EQ(f.dispatcher.alerts().size(), 1u);
  const DispatcherCounters c = f.dispatcher.counters();
  EXPECT_EQ(c.alerts_invalid, 1u);
  EXPECT_EQ(c.alerts_received_firing, 1u);
  EXPECT_EQ(c.aggregation_groups, 1u);
}

// GET /api/v2/alerts/groups shows groups as Dispatcher.Groups sorts them:
// by their labels (LabelSet.Before), then by receiver; an alert's
// receivers there are those of the groups holding it, sorted. (The
// groups came in the map's order before, which the differential test
// against Alertmanager showed.)
TEST(Dispatcher, GroupsSortByLabelsThenReceiverWithSortedReceivers) {
  NotifyConfig c = config();
  c.receivers.push_back({.name = "aaa"});
  c.route.routes = {RouteConfig{.receiver = "ops", .continue_matching = true},
                    RouteConfig{.receiver = "aaa"}};
  Fixture f(c);
  f.put({firing(R"({alertname="Y"})", kStart, kStart + kHour), firing(R"({alertname="X", job="a"})", kStart, kStart + kHour),
         firing(R"({alertname="W"})", kStart, kStart + kHour)});
  std::vector<std::string> order;
  for (const GroupView& g : f.dispatcher.groups()) {
    order.push_back(std::string(g.labels.get("alertname")) + "/" + g.receiver);
    ASSERT_EQ(g.alerts.size(), 1u);
    EXPECT_EQ(g.alerts[0].receivers, (std::vector<std::string>{"aaa", "ops"}));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"W/aaa", "W/ops", "X/aaa", "X/ops", "Y/aaa", "Y/ops"}));
  // Only the groups of the routes whose receiver is kept, and their receivers.
  const auto ops = f.dispatcher.groups([](const std::string& r) { return r == "ops"; });
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].alerts[0].receivers, std::vector<std::string>{"ops"});
}

}  // namespace
}  // namespace cogwatch::notify
