// What the notification side keeps across a restart: the JSON document
// (notify/durable_state.h) read back as written, its errors, and a
// dispatcher restored from it (via the document, as the daemon does) that
// neither forgets nor repeats: silences stay, what was told is not told
// again, what was not delivered is.
#include "notify/durable_state.h"

#include <gtest/gtest.h>

#include <utility>

#include "parser/series.h"
#include "tests/notify/recording_integrations.h"

namespace cogwatch::notify {
namespace {

constexpr Timestamp kStart = 1'800'000'000'000;

AmMatchers matchers(std::string_view text) {
  auto ms = parse_matchers(text);
  EXPECT_TRUE(ms.ok()) << text;
  return ms.ok() ? *ms : AmMatchers{};
}

Labels labels(std::string_view text) { return parser::parse_metric(text).value(); }

NotifyState sample_state() {
  NotifyState s;
  s.dispatcher.alerts = {
      {.labels = labels(R"({alertname="Err", instance="a:1"})"),
       .annotations = {{"summary", "errors \"high\" ✓"}, {"description", "line\nbreak"}},
       .starts_at = kStart,
       .ends_at = kUnsetTime,
       .generator_url = "http://cogwatch:9090/graph?g0.expr=x",
       .updated_at = kStart + 1,
       .timeout = true}};
  s.dispatcher.log = {{.integration = "ops/webhook/0",
                       .group_key = R"({}:{alertname="Err"})",
                       .firing = {0x0123456789abcdefULL, 0xffffffffffffffffULL},
                       .resolved = {1},
                       .at = kStart + 30 * kSecond,
                       .expires = kStart + 2 * kHour}};
  s.dispatcher.silences = {{.id = "6e5ba6cc-0001",
                            .matchers = matchers(R"({instance=~"a:.*", team!="x\"y"})"),
                            .starts_at = kStart,
                            .ends_at = kStart + kHour,
                            .updated_at = kStart,
                            .created_by = "ops",
                            .comment = "maintenance"}};
  s.alertmanagers["http://127.0.0.1:9093/api/v2/alerts"] = {
      {.alert = {.labels = labels(R"({alertname="Err"})"),
                 .annotations = {{"summary", "s"}},
                 .starts_at = kStart,
                 .ends_at = kStart + 4 * kMinute,
                 .generator_url = "g"},
       .enqueued = kStart + 2}};
  return s;
}

bool same_silence(const Silence& a, const Silence& b) {
  return a.id == b.id && matchers_string(a.matchers) == matchers_string(b.matchers) && a.starts_at == b.starts_at &&
         a.ends_at == b.ends_at && a.updated_at == b.updated_at && a.created_by == b.created_by &&
         a.comment == b.comment;
}

TEST(NotifyState, ReadsBackWhatItWrote) {
  const NotifyState s = sample_state();
  auto back = decode_notify_state(encode_notify_state(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->dispatcher.alerts.size(), 1u);
  const Alert& a = back->dispatcher.alerts[0];
  const Alert& want = s.dispatcher.alerts[0];
  EXPECT_EQ(a.labels, want.labels);
  EXPECT_EQ(a.annotations, want.annotations);  // in their order
  EXPECT_EQ(a.starts_at, want.starts_at);
  EXPECT_EQ(a.ends_at, kUnsetTime);
  EXPECT_EQ(a.generator_url, want.generator_url);
  EXPECT_EQ(a.updated_at, want.updated_at);
  EXPECT_TRUE(a.timeout);
  ASSERT_EQ(back->dispatcher.log.size(), 1u);
  const NotificationLogEntry& e = back->dispatcher.log[0];
  EXPECT_EQ(e.integration, "ops/webhook/0");
  EXPECT_EQ(e.group_key, s.dispatcher.log[0].group_key);
  EXPECT_EQ(e.firing, s.dispatcher.log[0].firing);
  EXPECT_EQ(e.resolved, s.dispatcher.log[0].resolved);
  EXPECT_EQ(e.at, s.dispatcher.log[0].at);
  EXPECT_EQ(e.expires, s.dispatcher.log[0].expires);
  ASSERT_EQ(back->dispatcher.silences.size(), 1u);
  EXPECT_TRUE(same_silence(back->dispatcher.silences[0], s.dispatcher.silences[0]));
  EXPECT_TRUE(back->dispatcher.silences[0].matchers[1].matches(Labels{{"team", "x\"z"}}));
  ASSERT_EQ(back->alertmanagers.size(), 1u);
  const auto& [url, pending] = *back->alertmanagers.begin();
  EXPECT_EQ(url, "http://127.0.0.1:9093/api/v2/alerts");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].alert.labels, labels(R"({alertname="Err"})"));
  EXPECT_EQ(pending[0].alert.ends_at, kStart + 4 * kMinute);
  EXPECT_EQ(pending[0].enqueued, kStart + 2);
  // And writes it again the same.
  EXPECT_EQ(encode_notify_state(*back), encode_notify_state(s));
}

TEST(NotifyState, ErrorsNameThePlace) {
  auto error = [](std::string_view text) {
    auto r = decode_notify_state(text);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(error(R"({"version": 2, "dispatcher": {}})"),
            "written by a newer cogwatch (notify state version 2; this one reads 1)");
  EXPECT_EQ(error("{\"version\": 1"), "not JSON: incomplete JSON");
  EXPECT_EQ(error("[]"), "the document: not an object");
  EXPECT_EQ(error(R"({"dispatcher": {}})"), "version: missing or not a number");
  std::string text = encode_notify_state(sample_state());
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string t = text;
    const size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  EXPECT_EQ(error(replaced(R"("instance":"a:1")", R"("instance":1)")),
            "dispatcher.alerts[0].labels.instance: not a string");
  EXPECT_EQ(error(replaced(R"("timeout":true)", R"("timeout":"yes")")), "dispatcher.alerts[0].timeout: not true or false");
  EXPECT_EQ(error(replaced("\"ffffffffffffffff\"", "\"fffz\"")), "dispatcher.log[0].firing[1]: not a fingerprint");
  EXPECT_EQ(error(replaced(R"("matchers":"{)", R"("matchers":"{instance=~\"(\",)")).substr(0, 44),
            "dispatcher.silences[0].matchers: error parsi");
  EXPECT_EQ(error(replaced(R"("enqueued":)", R"("queued":)")),
            "alertmanagers[\"http://127.0.0.1:9093/api/v2/alerts\"][0].enqueued: missing");
}

// --- a dispatcher restored from the document ---

using testing::Recorder;

NotifyConfig config() { return testing::ops_route_config(); }

PostableAlert alert(std::string_view l, Timestamp starts_at, Timestamp ends_at) {
  return {.labels = labels(l), .starts_at = starts_at, .ends_at = ends_at};
}

// One life of the process: a dispatcher on a shared clock.
struct Life {
  explicit Life(ManualClock& c) : clock(c), dispatcher(config(), recorder, {.clock = &clock}) {}
  void put(const std::vector<PostableAlert>& alerts) { EXPECT_TRUE(dispatcher.put(alerts).ok()); }
  void run_until(Timestamp t) {
    while (clock.now() < t) {
      clock.advance(kSecond);
      dispatcher.run_due();
    }
  }
  // What the daemon writes at its last save before dying.
  std::string saved() const { return encode_notify_state({.dispatcher = dispatcher.state()}); }
  // The next life, restored from `text`.
  static std::unique_ptr<Life> after(ManualClock& clock, const std::string& text) {
    auto next = std::make_unique<Life>(clock);
    auto state = decode_notify_state(text);
    EXPECT_TRUE(state.ok()) << state.error().message;
    if (state.ok()) next->dispatcher.restore(std::move(state->dispatcher));
    return next;
  }
  ManualClock& clock;
  Recorder recorder;
  Dispatcher dispatcher;
};

std::vector<std::string> names(const Notification& n) {
  std::vector<std::string> out;
  for (const Alert& a : n.alerts) {
    out.push_back(std::string(a.labels.get("instance")) + (a.resolved_at(n.at) ? "(resolved)" : ""));
  }
  return out;
}

TEST(DispatcherRestore, ASilenceSurvivesARestart) {
  ManualClock clock(kStart);
  Life first(clock);
  const uint64_t before = first.dispatcher.changes();
  auto id = first.dispatcher.set_silence({.matchers = matchers(R"(instance="a")"), .starts_at = kStart,
                                          .ends_at = kStart + kHour, .created_by = "me", .comment = "upgrade"});
  ASSERT_TRUE(id.ok());
  EXPECT_NE(first.dispatcher.changes(), before);  // the daemon saves when this moves
  auto second = Life::after(clock, first.saved());
  ASSERT_TRUE(second->dispatcher.silence(*id).has_value());
  EXPECT_EQ(second->dispatcher.silence(*id)->comment, "upgrade");
  second->put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + 2 * kHour),
               alert(R"({alertname="Err", instance="b"})", kStart, kStart + 2 * kHour)});
  second->run_until(kStart + 30 * kSecond);
  auto sent = second->recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"b"});
  // Expired silences go after their retention (120h), not at a restart.
  ASSERT_TRUE(second->dispatcher.expire_silence(*id).ok());
  clock.set(kStart + 100 * kHour);
  EXPECT_TRUE(Life::after(clock, second->saved())->dispatcher.silence(*id).has_value());
  clock.set(kStart + 121 * kHour);
  EXPECT_FALSE(Life::after(clock, second->saved())->dispatcher.silence(*id).has_value());
}

TEST(DispatcherRestore, WhatWasToldIsNotToldAgain) {
  ManualClock clock(kStart);
  Life first(clock);
  first.put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + kHour)});
  first.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(first.recorder.take().size(), 1u);
  first.run_until(kStart + 2 * kMinute);
  auto second = Life::after(clock, first.saved());
  // Prometheus (or the restored rule engine) sends the alert again.
  second->put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + kHour)});
  second->run_until(kStart + 50 * kMinute);
  EXPECT_TRUE(second->recorder.sent.empty());
  // The repeat comes when it would have without the restart.
  second->run_until(kStart + 1 * kHour + 5 * kMinute + 30 * kSecond);
  EXPECT_EQ(second->recorder.take().size(), 1u);
}

TEST(DispatcherRestore, ANotificationNotDeliveredIsDeliveredAfterTheRestart) {
  ManualClock clock(kStart);
  Life first(clock);
  first.put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + kHour)});
  first.recorder.hold = true;  // the webhook is slow: still retrying when the process dies
  first.run_until(kStart + 40 * kSecond);
  ASSERT_EQ(first.recorder.take().size(), 1u);
  auto second = Life::after(clock, first.saved());
  // Without any new put: the alert it held goes out at once (it started
  // long before group_wait).
  second->dispatcher.run_due();
  auto sent = second->recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"a"});
}

TEST(DispatcherRestore, AResolutionNotDeliveredIsDeliveredAfterTheRestart) {
  ManualClock clock(kStart);
  Life first(clock);
  first.put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + kHour)});
  first.run_until(kStart + 30 * kSecond);
  ASSERT_EQ(first.recorder.take().size(), 1u);
  // It resolves; the rule engine sends that once more and then forgets
  // the alert, so after a restart only this process can tell.
  clock.set(kStart + kMinute);
  first.put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + kMinute)});
  first.recorder.answer = false;
  first.run_until(kStart + 5 * kMinute + 30 * kSecond);
  ASSERT_EQ(first.recorder.take().size(), 1u);  // failed
  auto second = Life::after(clock, first.saved());
  second->run_until(clock.now() + 10 * kSecond);
  auto sent = second->recorder.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(names(sent[0]), std::vector<std::string>{"a(resolved)"});
  // Told: not again, in this life or the next.
  second->run_until(clock.now() + 20 * kMinute);
  EXPECT_TRUE(second->recorder.sent.empty());
  auto third = Life::after(clock, second->saved());
  third->run_until(clock.now() + 20 * kMinute);
  EXPECT_TRUE(third->recorder.sent.empty());
}

TEST(DispatcherRestore, WhatExpiredWhileStoppedIsLeftOut) {
  ManualClock clock(kStart);
  Life first(clock);
  first.put({alert(R"({alertname="Err", instance="a"})", kStart, kStart + kMinute)});  // resolves at +1m
  first.recorder.answer = false;
  first.run_until(kStart + 40 * kSecond);
  const std::string saved = first.saved();
  // Down for longer than the resolved alert is kept (alerts.gc-interval, 30m).
  clock.set(kStart + kMinute + 31 * kMinute);
  auto second = Life::after(clock, saved);
  second->run_until(clock.now() + 10 * kMinute);
  EXPECT_TRUE(second->recorder.sent.empty());
  EXPECT_TRUE(second->dispatcher.state().alerts.empty());
}

}  // namespace
}  // namespace cogwatch::notify
