// The real Alertmanager 0.25 (Debian's prometheus-alertmanager) driven by
// the peer harness: what it sends to webhooks, when, and how amtool talks
// to it. These tests are the recorded specification of cogwatch's
// notifier; tests/notify/ALERTMANAGER_BEHAVIOUR.md writes the facts down.
//
// Every scenario runs on Alertmanager's own timers (group_wait 1s,
// group_interval 2s): offsets are checked within kSlack, and every
// scenario keeps its events at least 0.5 s away from a tick.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "model/clock.h"
#include "model/file.h"
#include "notify/label_set.h"
#include "notify/webhook_message.h"
#include "tests/notify/peer/alertmanager_process.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/recording_webhook.h"
#include "tests/notify/peer/scenario.h"

namespace cogwatch::notify::peer {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// How far from the expected offset a notification may arrive (2 shared
// cores, ctest -j2). Alertmanager's ticks are 1 s apart or more.
constexpr int64_t kSlack = 400;

// An alert as Prometheus POSTs it (go-openapi's field order). Times default
// to the post's own "now" and Prometheus's valid-until (4 minutes ahead).
std::string alert(std::string_view labels, std::string_view starts = "${now}", std::string_view ends = "${now+4m}",
                  std::string_view annotations = "{}", std::string_view generator = "http://prometheus.example/graph") {
  return R"({"annotations":)" + std::string(annotations) + R"(,"endsAt":")" + std::string(ends) + R"(","startsAt":")" +
         std::string(starts) + R"(","generatorURL":")" + std::string(generator) + R"(","labels":)" +
         std::string(labels) + "}";
}

std::string batch(std::initializer_list<std::string> alerts) {
  std::string out = "[";
  for (const std::string& a : alerts) out += (out.size() > 1 ? "," : "") + a;
  return out + "]";
}

// One route, one webhook receiver `ops`, short timers.
std::string one_receiver_config(std::string_view repeat = "1h") {
  return R"(
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: )" +
         std::string(repeat) + R"(
receivers:
- name: ops
  webhook_configs:
  - url: '${webhook:ops}'
)";
}

Recording record(const Scenario& s) {
  Result<Recording> r = record_alertmanager(s);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  return *std::move(r);
}

// The notifications of one group (its groupKey), in order.
std::vector<Notification> of_group(const std::vector<Notification>& all, std::string_view group_key) {
  std::vector<Notification> out;
  for (const Notification& n : all) {
    if (n.body.is_object() && n.body.at("groupKey").as_string() == group_key) out.push_back(n);
  }
  return out;
}

// A JSON string's text, or any other value serialized.
std::string text(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); }

std::vector<std::string> descriptions(const std::vector<Notification>& ns) {
  std::vector<std::string> out;
  for (const Notification& n : ns) out.push_back(describe(n));
  return out;
}

std::string golden_path(const std::string& name) { return std::string(COGWATCH_NOTIFY_TEST_DATA) + "/" + name; }

// Compares a recorded body with tests/notify/data/<name>; with
// COGWATCH_UPDATE_GOLDEN=1 in the environment, writes it instead.
void expect_golden(const std::string& name, const std::string& body) {
  if (const char* update = std::getenv("COGWATCH_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream(golden_path(name), std::ios::binary | std::ios::trunc) << body;
    return;
  }
  Result<std::string> want = read_file(golden_path(name));
  ASSERT_TRUE(want.ok()) << name << ": " << want.error().message;
  EXPECT_EQ(body, *want) << name;
}

// --- The harness itself -------------------------------------------------

TEST(AlertmanagerHarness, RecordingWebhookAnswersByItsPlanAndRecords) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok()) << hook.error().message;
  (*hook)->set_plan({{.status = 500}, {.status = 201, .delay = 300ms}});
  auto first = http_request("POST", (*hook)->url("/ops?x=1"), R"({"a":1})");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->status, 500);
  const auto before = std::chrono::steady_clock::now();
  auto second = http_request("PUT", (*hook)->url("/two"), "text", "text/plain");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->status, 201);
  EXPECT_GE(std::chrono::steady_clock::now() - before, 300ms);
  auto third = http_request("GET", (*hook)->url("/three"));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->status, 200);  // the plan is used up

  ASSERT_TRUE((*hook)->wait_for(3, 1s));
  EXPECT_FALSE((*hook)->wait_for(4, 50ms));
  const std::vector<RecordedRequest> got = (*hook)->requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/ops?x=1");
  EXPECT_EQ(got[0].body, R"({"a":1})");
  EXPECT_EQ(got[0].header("content-type"), "application/json");
  EXPECT_EQ(got[0].answered, 500);
  EXPECT_EQ(got[1].method, "PUT");
  EXPECT_EQ(got[1].answered, 201);
  EXPECT_LE(got[0].at, got[1].at);
  EXPECT_LE(got[1].at, got[2].at);
}

TEST(AlertmanagerHarness, AHungReplyIsReleasedWhenTheWebhookStops) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  (*hook)->set_plan({{.delay = 60s}});
  std::thread client([url = (*hook)->url("/hang")] { (void)http_request("POST", url, "{}", "application/json", 2s); });
  ASSERT_TRUE((*hook)->wait_for(1, 5s));
  const auto before = std::chrono::steady_clock::now();
  hook->reset();  // must not wait out the 60 s
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  client.join();
}

TEST(AlertmanagerHarness, PlaceholdersExpand) {
  EXPECT_EQ(webhook_names("a: ${webhook:ops}\nb: '${webhook:x}/p' ${webhook:ops}"),
            (std::vector<std::string>{"ops", "x"}));
  EXPECT_EQ(expand_webhooks("u: '${webhook:ops}' v: ${webhook:x}",
                            [](std::string_view n) { return "http://h/" + std::string(n); }),
            "u: 'http://h/ops' v: http://h/x");
  const Timestamp now = *parse_api_time("2026-12-01T03:00:00.5Z");
  EXPECT_EQ(*expand_times(R"({"s":"${now}","e":"${now+5m}","p":"${now-1500ms}"})", now),
            R"({"s":"2026-12-01T03:00:00.500Z","e":"2026-12-01T03:05:00.500Z","p":"2026-12-01T02:59:59.000Z"})");
  EXPECT_FALSE(expand_times("${then}", now).ok());
  EXPECT_FALSE(expand_times("${now+5x}", now).ok());
}

TEST(AlertmanagerHarness, StartFailsWithAlertmanagersOwnWords) {
  auto am = AlertmanagerProcess::start({.config_yaml = "route:\n  receiver: nobody\nreceivers:\n- name: ops\n"});
  ASSERT_FALSE(am.ok());
  EXPECT_EQ(am.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(am.error().message.find("exited with code 1"), std::string::npos) << am.error().message;
  EXPECT_NE(am.error().message.find(R"(undefined receiver \"nobody\" used in route)"), std::string::npos)
      << am.error().message;

  auto missing = AlertmanagerProcess::start({.config_yaml = "", .binary = "/nonexistent/alertmanager"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("prometheus-alertmanager"), std::string::npos);
}

TEST(AlertmanagerHarness, ReloadAppliesOrRefusesAConfig) {
  const std::string config = "route:\n  receiver: ops\nreceivers:\n- name: ops\n";
  auto am = AlertmanagerProcess::start({.config_yaml = config});
  ASSERT_TRUE(am.ok()) << am.error().message;
  Status bad = (*am)->reload("route:\n  receiver: nobody\nreceivers:\n- name: ops\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find(R"(undefined receiver "nobody" used in route)"), std::string::npos)
      << bad.error().message;
  EXPECT_TRUE((*am)->reload(config + "- name: other\n").ok());
  auto status = http_request("GET", (*am)->url("/api/v2/status"));
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->body.find("name: other"), std::string::npos) << status->body;
}

TEST(AlertmanagerHarness, CommandsAreBounded) {
  auto sleep = run_command({"/bin/sleep", "10"}, 200ms);
  ASSERT_TRUE(sleep.ok());
  EXPECT_TRUE(sleep->timed_out);
  auto version = run_amtool({"--version"});
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(version->exit_code, 0);
  EXPECT_NE((version->out + version->err).find("amtool, version 0.25.0"), std::string::npos) << version->err;
}

// --- (a) one alert, end to end ----------------------------------------

TEST(AlertmanagerPeer, AnAlertReachesTheWebhookAsVersion4) {
  const Recording r =
      record({.config = one_receiver_config(),
              .posts = {{0ms, batch({alert(R"({"alertname":"CogDown","job":"cog","instance":"a:9"})", "${now}",
                                           "${now+4m}", R"({"summary":"down & <out>","empty":""})",
                                           "http://prom:9090/graph?g0.expr=up&g0.tab=1")})}},
              .duration = 1600ms});
  ASSERT_EQ(r.notifications.size(), 1u) << r.timeline();
  const Notification& n = r.notifications[0];
  EXPECT_NEAR(n.at.count(), 1000, kSlack) << "group_wait 1s";
  EXPECT_EQ(n.request.method, "POST");
  EXPECT_EQ(n.request.target, "/ops");
  EXPECT_EQ(n.request.header("Content-Type"), "application/json");
  EXPECT_EQ(n.request.header("User-Agent"), "Alertmanager/0.25.0");
  EXPECT_EQ(describe(n), R"(firing {}:{alertname="CogDown"} [CogDown{instance=a:9,job=cog}=firing])");
  const json::object& body = n.body.as_object();
  EXPECT_EQ(text(body.at("version")), "4");
  EXPECT_EQ(text(body.at("receiver")), "ops");
  EXPECT_EQ(text(body.at("externalURL")), "http://am.example:9093/am");
  EXPECT_EQ(text(body.at("truncatedAlerts")), "0");
  const Labels labels{{"alertname", "CogDown"}, {"instance", "a:9"}, {"job", "cog"}};
  EXPECT_EQ(text(body.at("alerts").at(0).at("fingerprint")), fingerprint_string(labels));
  EXPECT_EQ(text(body.at("alerts").at(0).at("startsAt")), format_rfc3339(r.posted[0]));
  EXPECT_EQ(text(body.at("alerts").at(0).at("endsAt")), "0001-01-01T00:00:00Z");

  // Byte for byte what cogwatch's webhook_message_json writes for it.
  WebhookMessage m{.receiver = "ops",
                   .group_key = R"({}:{alertname="CogDown"})",
                   .group_labels = Labels{{"alertname", "CogDown"}},
                   .alerts = {{labels, Annotations{{"empty", ""}, {"summary", "down & <out>"}}, r.posted[0], false, 0,
                               "http://prom:9090/graph?g0.expr=up&g0.tab=1"}},
                   .external_url = "http://am.example:9093/am"};
  EXPECT_EQ(n.raw(), webhook_message_json(m));
}

// --- (b) group_wait, group_interval, repeat_interval --------------------

TEST(AlertmanagerPeer, GroupWaitThenGroupIntervalTicksThenRepeatInterval) {
  const Recording r = record({.config = one_receiver_config("3s"),
                              .posts = {{0ms, batch({alert(R"({"alertname":"A","job":"cog"})")})},
                                        {500ms, batch({alert(R"({"alertname":"B"})")})},
                                        {1500ms, batch({alert(R"({"alertname":"A","job":"cog","instance":"b"})")})},
                                        // The same label set again with another annotation: not a change.
                                        {4000ms, batch({alert(R"({"alertname":"A","job":"cog"})", "${now-4s}",
                                                              "${now+4m}", R"({"note":"new"})")})}},
                              .duration = 7600ms});
  const std::vector<Notification> a = of_group(r.notifications, R"({}:{alertname="A"})");
  const std::vector<Notification> b = of_group(r.notifications, R"({}:{alertname="B"})");
  ASSERT_EQ(a.size(), 3u) << r.timeline();
  ASSERT_EQ(b.size(), 2u) << r.timeline();
  // A: group_wait after the group's first alert; a second alert waits for
  // the next group_interval tick; nothing at 5 s (only an annotation
  // changed); at 7 s the repeat (first tick more than 3 s after the last
  // notification), with the new annotation.
  EXPECT_NEAR(a[0].at.count(), 1000, kSlack) << r.timeline();
  EXPECT_EQ(describe(a[0]), R"(firing {}:{alertname="A"} [A{job=cog}=firing])");
  EXPECT_NEAR(a[1].at.count(), 3000, kSlack) << r.timeline();
  EXPECT_EQ(describe(a[1]), R"(firing {}:{alertname="A"} [A{instance=b,job=cog}=firing, A{job=cog}=firing])");
  EXPECT_NEAR(a[2].at.count(), 7000, kSlack) << r.timeline();
  EXPECT_EQ(describe(a[2]), describe(a[1]));
  EXPECT_EQ(a[1].body.at("alerts").at(1).at("annotations"), json::object());
  EXPECT_EQ(a[2].body.at("alerts").at(1).at("annotations"), json::parse(R"({"note":"new"})"));
  // B: its own group_wait from its own first alert; repeat at its own tick.
  EXPECT_NEAR(b[0].at.count(), 1500, kSlack) << r.timeline();
  EXPECT_NEAR(b[1].at.count(), 5500, kSlack) << r.timeline();
}

// --- (c) resolved alerts, send_resolved true and false --------------------

TEST(AlertmanagerPeer, ResolvedAlertsGoOutWithSendResolvedOnly) {
  const Recording r =
      record({.config = R"(
route:
  receiver: yes
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - receiver: yes
    continue: true
  - receiver: no
receivers:
- name: yes
  webhook_configs:
  - url: '${webhook:yes}'
- name: no
  webhook_configs:
  - url: '${webhook:no}'
    send_resolved: false
)",
              .posts = {{0ms, batch({alert(R"({"alertname":"A","instance":"a"})"),
                                     alert(R"({"alertname":"A","instance":"b"})"),
                                     // A new group that is already resolved: never notified.
                                     alert(R"({"alertname":"Gone"})", "${now-1m}", "${now-1s}")})},
                        // c fires and resolves between two flushes.
                        {1200ms, batch({alert(R"({"alertname":"A","instance":"c"})")})},
                        {1500ms, batch({alert(R"({"alertname":"A","instance":"a"})", "${now-1500ms}", "${now}")})},
                        {2000ms, batch({alert(R"({"alertname":"A","instance":"c"})", "${now-800ms}", "${now}")})},
                        {3500ms, batch({alert(R"({"alertname":"A","instance":"b"})", "${now-3500ms}", "${now}")})}},
              .duration = 5600ms});
  const std::vector<Notification> yes = r.to("yes");
  const std::vector<Notification> no = r.to("no");
  ASSERT_EQ(yes.size(), 3u) << r.timeline();
  ASSERT_EQ(no.size(), 1u) << r.timeline();
  // A child route without matchers prints as "{}" in the groupKey.
  EXPECT_EQ(describe(yes[0]), R"(firing {}/{}:{alertname="A"} [A{instance=a}=firing, A{instance=b}=firing])");
  EXPECT_EQ(describe(no[0]), describe(yes[0]));
  // Resolved alerts ride along in a firing message, c included though the
  // receiver never heard of it firing.
  EXPECT_NEAR(yes[1].at.count(), 3000, kSlack) << r.timeline();
  EXPECT_EQ(describe(yes[1]),
            R"(firing {}/{}:{alertname="A"} [A{instance=a}=resolved, A{instance=b}=firing, A{instance=c}=resolved])");
  EXPECT_EQ(text(yes[1].body.at("alerts").at(0).at("endsAt")), format_rfc3339(r.posted[2]));
  // Once sent, resolved alerts leave the group: the last message has only b.
  EXPECT_NEAR(yes[2].at.count(), 5000, kSlack) << r.timeline();
  EXPECT_EQ(describe(yes[2]), R"(resolved {}/{}:{alertname="A"} [A{instance=b}=resolved])");
  EXPECT_EQ(yes[2].body.at("commonLabels"), json::parse(R"({"alertname":"A","instance":"b"})"));
}

// --- (d) inhibition ------------------------------------------------------

TEST(AlertmanagerPeer, InhibitionMutesAtFlushTimeAndALiftedOneSendsAtTheNextTick) {
  const Recording r =
      record({.config = R"(
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [cluster]
receivers:
- name: ops
  webhook_configs:
  - url: '${webhook:ops}'
)",
              .posts = {{0ms, batch({alert(R"({"alertname":"Down","severity":"critical","cluster":"a"})"),
                                     alert(R"({"alertname":"Slow","severity":"warning","cluster":"a"})"),
                                     alert(R"({"alertname":"Slow","severity":"warning","cluster":"b"})"),
                                     alert(R"({"alertname":"Lag","severity":"warning","cluster":"a"})")})},
                        {1500ms, batch({alert(R"({"alertname":"Down","severity":"critical","cluster":"a"})",
                                              "${now-1500ms}", "${now}")})}},
              .duration = 3600ms});
  const auto down = descriptions(of_group(r.notifications, R"({}:{alertname="Down"})"));
  const auto slow = of_group(r.notifications, R"({}:{alertname="Slow"})");
  const auto lag = of_group(r.notifications, R"({}:{alertname="Lag"})");
  EXPECT_EQ(down, (std::vector<std::string>{
                      R"(firing {}:{alertname="Down"} [Down{cluster=a,severity=critical}=firing])",
                      R"(resolved {}:{alertname="Down"} [Down{cluster=a,severity=critical}=resolved])"}))
      << r.timeline();
  ASSERT_EQ(slow.size(), 2u) << r.timeline();
  // Only cluster b at first: cluster a is muted by Down{cluster=a}.
  EXPECT_NEAR(slow[0].at.count(), 1000, kSlack);
  EXPECT_EQ(describe(slow[0]), R"(firing {}:{alertname="Slow"} [Slow{cluster=b,severity=warning}=firing])");
  EXPECT_NEAR(slow[1].at.count(), 3000, kSlack);
  EXPECT_EQ(
      describe(slow[1]),
      R"(firing {}:{alertname="Slow"} [Slow{cluster=a,severity=warning}=firing, Slow{cluster=b,severity=warning}=firing])");
  // A group whose every alert is muted sends nothing, then its first
  // message at the tick after the source resolved.
  ASSERT_EQ(lag.size(), 1u) << r.timeline();
  EXPECT_NEAR(lag[0].at.count(), 3000, kSlack);
  EXPECT_EQ(describe(lag[0]), R"(firing {}:{alertname="Lag"} [Lag{cluster=a,severity=warning}=firing])");
}

// --- (e) continue and nested routes ------------------------------------

TEST(AlertmanagerPeer, ContinueAndNestedRoutesMakeOneGroupPerRouteAndGroupLabels) {
  const Recording r = record(
      {.config = R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - matchers: [team="ml"]
    receiver: ml
    continue: true
    group_by: [alertname, instance]
    routes:
    - matchers: [severity="page", env=~"prod|staging"]
      receiver: pager
  - matchers: [team=~"ml|data"]
    receiver: data
    group_by: ['...']
  - matchers: [team!="x"]
    receiver: other
receivers:
- name: default
  webhook_configs:
  - url: '${webhook:default}'
- name: ml
  webhook_configs:
  - url: '${webhook:ml}'
- name: pager
  webhook_configs:
  - url: '${webhook:pager}'
- name: data
  webhook_configs:
  - url: '${webhook:data}'
- name: other
  webhook_configs:
  - url: '${webhook:other}'
)",
       .posts = {{0ms, batch({alert(R"({"alertname":"A","team":"ml","severity":"page","env":"prod","instance":"i1"})"),
                              alert(R"({"alertname":"A","team":"ml","instance":"i2"})"),
                              alert(R"({"alertname":"A","team":"data","instance":"i3"})"),
                              alert(R"({"alertname":"A","team":"web","instance":"i4"})"),
                              alert(R"({"alertname":"A","team":"x","instance":"i5"})")})}},
       .duration = 1600ms});
  std::vector<std::string> got;
  for (const Notification& n : r.notifications) {
    EXPECT_NEAR(n.at.count(), 1000, kSlack) << r.timeline();
    got.push_back(n.webhook + " " + describe(n) + " groupLabels=" + json::serialize(n.body.at("groupLabels")));
  }
  std::sort(got.begin(), got.end());
  // i1: the pager child (ml's own route no longer matches; its group_by is
  // inherited), and data through ml's continue. i2: ml and data. i3: data.
  // i4: other. i5 (team="x"): no child matches, the root.
  EXPECT_EQ(
      got,
      (std::vector<std::string>{
          R"(data firing {}/{team=~"ml|data"}:{alertname="A", env="prod", instance="i1", severity="page", team="ml"} [A{env=prod,instance=i1,severity=page,team=ml}=firing] groupLabels={"alertname":"A","env":"prod","instance":"i1","severity":"page","team":"ml"})",
          R"(data firing {}/{team=~"ml|data"}:{alertname="A", instance="i2", team="ml"} [A{instance=i2,team=ml}=firing] groupLabels={"alertname":"A","instance":"i2","team":"ml"})",
          R"(data firing {}/{team=~"ml|data"}:{alertname="A", instance="i3", team="data"} [A{instance=i3,team=data}=firing] groupLabels={"alertname":"A","instance":"i3","team":"data"})",
          R"(default firing {}:{alertname="A"} [A{instance=i5,team=x}=firing] groupLabels={"alertname":"A"})",
          R"(ml firing {}/{team="ml"}:{alertname="A", instance="i2"} [A{instance=i2,team=ml}=firing] groupLabels={"alertname":"A","instance":"i2"})",
          R"(other firing {}/{team!="x"}:{alertname="A"} [A{instance=i4,team=web}=firing] groupLabels={"alertname":"A"})",
          R"(pager firing {}/{team="ml"}/{env=~"prod|staging",severity="page"}:{alertname="A", instance="i1"} [A{env=prod,instance=i1,severity=page,team=ml}=firing] groupLabels={"alertname":"A","instance":"i1"})",
      }))
      << r.timeline();
}

// --- (f) retries ---------------------------------------------------------

TEST(AlertmanagerPeer, ServerErrorsAreRetriedWithBackoffClientErrorsWaitForTheNextTick) {
  const Recording r = record({.config = R"(
route:
  receiver: flaky
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - receiver: flaky
    continue: true
  - receiver: bad
receivers:
- name: flaky
  webhook_configs:
  - url: '${webhook:flaky}'
- name: bad
  webhook_configs:
  - url: '${webhook:bad}'
)",
                              .plans = {{"flaky", {{.status = 500}, {.status = 503}}}, {"bad", {{.status = 400}}}},
                              .posts = {{0ms, batch({alert(R"({"alertname":"A"})")})}},
                              .duration = 3800ms});
  const std::vector<Notification> flaky = r.to("flaky");
  const std::vector<Notification> bad = r.to("bad");
  // 5xx: retried within the same flush, exponential backoff (0.5 s ± 50%,
  // then × 1.5), the same body each time; after the 200, nothing more.
  ASSERT_EQ(flaky.size(), 3u) << r.timeline();
  EXPECT_NEAR(flaky[0].at.count(), 1000, kSlack) << r.timeline();
  EXPECT_EQ(flaky[0].request.answered, 500);
  EXPECT_EQ(flaky[1].request.answered, 503);
  EXPECT_EQ(flaky[2].request.answered, 200);
  EXPECT_GE((flaky[1].at - flaky[0].at).count(), 200) << r.timeline();
  EXPECT_LE((flaky[1].at - flaky[0].at).count(), 750 + kSlack) << r.timeline();
  EXPECT_GE((flaky[2].at - flaky[1].at).count(), 300) << r.timeline();
  EXPECT_LE((flaky[2].at - flaky[1].at).count(), 1125 + kSlack) << r.timeline();
  EXPECT_EQ(flaky[1].raw(), flaky[0].raw());
  EXPECT_EQ(flaky[2].raw(), flaky[0].raw());
  // 4xx: not retried in that flush; as nothing was logged as sent, the next
  // group_interval tick sends it again.
  ASSERT_EQ(bad.size(), 2u) << r.timeline();
  EXPECT_NEAR(bad[0].at.count(), 1000, kSlack) << r.timeline();
  EXPECT_EQ(bad[0].request.answered, 400);
  EXPECT_NEAR(bad[1].at.count(), 3000, kSlack) << r.timeline();
  EXPECT_EQ(bad[1].request.answered, 200);
  EXPECT_EQ(bad[1].raw(), bad[0].raw());
}

// --- max_alerts, the order of alerts, startsAt in the past ---------------

TEST(AlertmanagerPeer, AlertsSortByJobInstanceLabelsAndMaxAlertsKeepsTheFirst) {
  const auto drift = [](std::string_view labels, std::string_view d) {
    return alert(labels, "${now}", "${now+4m}", R"({"s":"same","d":")" + std::string(d) + R"("})");
  };
  const Recording r =
      record({.config = R"(
route:
  receiver: all
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - receiver: all
    continue: true
  - receiver: two
receivers:
- name: all
  webhook_configs:
  - url: '${webhook:all}'
- name: two
  webhook_configs:
  - url: '${webhook:two}'
    max_alerts: 2
)",
              .posts = {{0ms, batch({drift(R"({"alertname":"A","job":"b","instance":"1","x":"1"})", "1"),
                                     drift(R"({"alertname":"A","job":"a","instance":"2","x":"1"})", "2"),
                                     drift(R"({"alertname":"A","instance":"0","x":"1"})", "3"),
                                     drift(R"({"alertname":"A","x":"2"})", "4"),
                                     drift(R"({"alertname":"A","job":"a","instance":"10","x":"1"})", "5"),
                                     // startsAt + group_wait already past: no group_wait.
                                     alert(R"({"alertname":"Old","job":"a"})", "${now-1m}")})}},
              .duration = 1600ms});
  const auto old = of_group(r.to("all"), R"({}/{}:{alertname="Old"})");
  ASSERT_EQ(old.size(), 1u) << r.timeline();
  EXPECT_LT(old[0].at.count(), 0 + kSlack) << r.timeline();
  const auto all = of_group(r.to("all"), R"({}/{}:{alertname="A"})");
  const auto two = of_group(r.to("two"), R"({}/{}:{alertname="A"})");
  ASSERT_EQ(all.size(), 1u) << r.timeline();
  ASSERT_EQ(two.size(), 1u) << r.timeline();
  // job first (a missing job last), then instance as strings ("10" < "2"),
  // then the whole label set.
  EXPECT_EQ(describe(all[0]),
            R"(firing {}/{}:{alertname="A"} [A{instance=10,job=a,x=1}=firing, A{instance=2,job=a,x=1}=firing, )"
            R"(A{instance=1,job=b,x=1}=firing, A{instance=0,x=1}=firing, A{x=2}=firing])");
  EXPECT_EQ(all[0].body.at("commonLabels"), json::parse(R"({"alertname":"A"})"));
  // max_alerts keeps the first two of that order; commons are over those.
  EXPECT_EQ(
      describe(two[0]),
      R"(firing {}/{}:{alertname="A"} [A{instance=10,job=a,x=1}=firing, A{instance=2,job=a,x=1}=firing] truncated=3)");
  EXPECT_EQ(two[0].body.at("commonLabels"), json::parse(R"({"alertname":"A","job":"a","x":"1"})"));
  EXPECT_EQ(two[0].body.at("commonAnnotations"), json::parse(R"({"s":"same"})"));
  EXPECT_EQ(text(two[0].body.at("status")), "firing");
}

// --- Golden bodies, byte for byte -----------------------------------------

TEST(AlertmanagerPeer, GoldenBodies) {
  // Fixed times in the past, so bodies do not change from run to run. The
  // Drift alerts are those of am025_truncated_firing.json. Such times mean
  // no group_wait: a group flushes as its first alert is inserted, which
  // may be before the rest of the POST is (a race inside Alertmanager);
  // then the whole group goes out at the next tick, 2 s later. So the
  // firing golden is the last message before the resolutions at 2.5 s,
  // and the resolved golden the one at the 4 s tick.
  const std::string a = R"({"alertname":"Drift","instance":"a","job":"cog"})";
  const std::string a_notes = R"({"desc":"tab\there\u2028x","summary":"<b>entropy</b> & more"})";
  const std::string page1 = R"({"alertname":"Page","env":"prod","instance":"i1","severity":"page","team":"ml"})";
  const std::string page2 = R"({"alertname":"Page","env":"prod","instance":"i2","severity":"page","team":"ml"})";
  const std::string page_notes = R"({"runbook":"http://wiki/page?a=1&b=2"})";
  const std::string page_url = "http://prom.example:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1";
  const Recording r = record(
      {.config = R"(
route:
  receiver: 'ops.team (prod)+'
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - matchers: [team="ml"]
    continue: true
    routes:
    - matchers: [severity="page", env=~"prod|staging"]
      receiver: pager
      group_by: [alertname, env]
receivers:
- name: 'ops.team (prod)+'
  webhook_configs:
  - url: '${webhook:ops}'
    max_alerts: 2
- name: pager
  webhook_configs:
  - url: '${webhook:pager}'
)",
       .posts = {{0ms, batch({alert(a, "2026-12-01T03:00:00.500Z", "${now+4m}", a_notes,
                                    "http://g/graph?g0.expr=a%3E1&g0.tab=1"),
                              alert(R"({"alertname":"Drift","instance":"b","job":"cog"})", "2026-12-01T03:00:01.000Z",
                                    "${now+4m}", R"({"desc":"other","summary":"<b>entropy</b> & more"})", ""),
                              alert(R"({"alertname":"Drift","instance":"c","job":"cog2"})", "2026-12-01T03:00:02.000Z",
                                    "${now+4m}", "{}", ""),
                              alert(page1, "2020-01-01T00:00:00.000Z", "${now+4m}", page_notes, page_url),
                              alert(page2, "2020-01-01T00:00:00.250Z", "${now+4m}", page_notes, page_url)})},
                 {2500ms,
                  batch({alert(a, "2026-12-01T03:00:00.500Z", "2026-12-01T03:10:00.000Z", a_notes,
                               "http://g/graph?g0.expr=a%3E1&g0.tab=1"),
                         alert(page1, "2020-01-01T00:00:00.000Z", "2020-01-01T00:10:00.000Z", page_notes, page_url),
                         alert(page2, "2020-01-01T00:00:00.250Z", "2020-01-01T00:10:00.120Z", page_notes, page_url)})}},
       .duration = 4600ms});
  // The last message before the resolutions and the one after them.
  const auto before_and_after = [&](std::string_view webhook) -> std::pair<std::string, std::string> {
    std::pair<std::string, std::string> out;
    for (const Notification& n : r.to(webhook)) (n.at < 2500ms ? out.first : out.second) = n.raw();
    return out;
  };
  const auto ops = before_and_after("ops");
  const auto pager = before_and_after("pager");
  ASSERT_FALSE(pager.first.empty() || pager.second.empty()) << r.timeline();
  // The existing goldens hold times of 2026-12-01: a clock before 03:10
  // that day would see alert a still firing.
  if (system_clock().now() > *parse_api_time("2026-12-01T03:10:00Z")) {
    expect_golden("am025_truncated_firing.json", ops.first);
    expect_golden("am025_one_resolved.json", ops.second);
  }
  expect_golden("am025_nested_firing.json", pager.first);
  expect_golden("am025_nested_resolved.json", pager.second);
  EXPECT_EQ(
      describe(r.to("pager").back()),
      R"(resolved {}/{team="ml"}/{env=~"prod|staging",severity="page"}:{alertname="Page", env="prod"} )"
      R"([Page{env=prod,instance=i1,severity=page,team=ml}=resolved, Page{env=prod,instance=i2,severity=page,team=ml}=resolved])");
}

// --- (g) amtool against the real Alertmanager ----------------------------

TEST(AlertmanagerPeer, AmtoolSilencesAndQueriesAndASilencedAlertIsNotDelivered) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  auto am = AlertmanagerProcess::start(
      {.config_yaml = expand_webhooks(one_receiver_config(), [&](std::string_view) { return (*hook)->url("/ops"); })});
  ASSERT_TRUE(am.ok()) << am.error().message;
  const std::string url = "--alertmanager.url=" + (*am)->url();
  auto amtool = [&](std::vector<std::string> args) {
    args.insert(args.begin(), url);
    Result<CommandResult> r = run_amtool(args);
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      return std::string();
    }
    EXPECT_EQ(r->exit_code, 0) << r->err;
    return r->out;
  };

  std::string id = amtool({"silence", "add", "alertname=X", "-c", "comment", "-a", "author"});
  ASSERT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n"))) << id;
  id.pop_back();
  const std::string listed = amtool({"silence", "query"});
  EXPECT_TRUE(std::regex_search(listed, std::regex("^ID +Matchers +Ends At +Created By +Comment")));
  EXPECT_TRUE(std::regex_search(listed, std::regex(id + R"( +alertname="X" +\S+ \S+ UTC +author +comment)"))) << listed;

  const auto posted = std::chrono::steady_clock::now();
  auto post = http_request(
      "POST", (*am)->url("/api/v2/alerts"),
      *expand_times(batch({alert(R"({"alertname":"X"})"), alert(R"({"alertname":"Y"})")}), system_clock().now()));
  ASSERT_TRUE(post.ok() && post->status == 200);
  // The active alerts: Y only; -s (--silenced) lists X as suppressed.
  const std::string active = amtool({"alert", "query"});
  EXPECT_TRUE(std::regex_search(active, std::regex("\nY +\\S+ \\S+ UTC +active"))) << active;
  EXPECT_EQ(active.find("\nX "), std::string::npos) << active;
  const std::string silenced = amtool({"alert", "query", "-s"});
  EXPECT_TRUE(std::regex_search(silenced, std::regex("\nX +\\S+ \\S+ UTC +suppressed"))) << silenced;
  const json::value alerts = json::parse(amtool({"alert", "query", "-o", "json"}));
  ASSERT_EQ(alerts.as_array().size(), 1u) << alerts;
  EXPECT_EQ(alerts.at(0).at("labels"), json::parse(R"({"alertname":"Y"})"));
  EXPECT_EQ(text(alerts.at(0).at("status").at("state")), "active");

  // At group_wait only Y goes out: X's group flushes too, silenced.
  ASSERT_TRUE((*hook)->wait_for(1, 3s));
  amtool({"silence", "expire", id});
  EXPECT_EQ(amtool({"silence", "query"}).find(id), std::string::npos);
  EXPECT_NE(amtool({"silence", "query", "--expired"}).find(id), std::string::npos);
  // Unsilenced, X goes out at its group's next tick (group_interval later).
  ASSERT_TRUE((*hook)->wait_for(2, 4s));
  const std::vector<RecordedRequest> got = (*hook)->requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].body.find(R"("groupKey":"{}:{alertname=\"Y\"}")"), std::string::npos) << got[0].body;
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::milliseconds>(got[0].at - posted).count(), 1000, kSlack);
  EXPECT_NE(got[1].body.find(R"("groupKey":"{}:{alertname=\"X\"}")"), std::string::npos) << got[1].body;
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::milliseconds>(got[1].at - posted).count(), 3000, kSlack);
}

// --- Restart: what survives ----------------------------------------------

TEST(AlertmanagerPeer, RestartKeepsSilencesAndTheNotificationLogNotAlerts) {
  auto hook = RecordingWebhook::start();
  ASSERT_TRUE(hook.ok());
  auto am = AlertmanagerProcess::start(
      {.config_yaml = expand_webhooks(one_receiver_config(), [&](std::string_view) { return (*hook)->url("/ops"); })});
  ASSERT_TRUE(am.ok()) << am.error().message;
  const std::string url = "--alertmanager.url=" + (*am)->url();
  const std::string x =
      *expand_times(batch({alert(R"({"alertname":"X","instance":"1"})", "${now}", "${now+1h}")}), system_clock().now());
  ASSERT_EQ(http_request("POST", (*am)->url("/api/v2/alerts"), x)->status, 200);
  auto silence = run_amtool({url, "silence", "add", "alertname=Z", "-c", "c", "-a", "a"});
  ASSERT_TRUE(silence.ok() && silence->exit_code == 0);
  ASSERT_TRUE((*hook)->wait_for(1, 3s));
  // The webhook has the request; wait until Alertmanager has its answer
  // (and so logged the notification) before stopping it.
  ASSERT_TRUE(
      (*am)->wait_for_metric(R"(alertmanager_notification_latency_seconds_count{integration="webhook"})", 1, 3s));

  ASSERT_TRUE((*am)->restart().ok()) << (*am)->log();
  auto silences = run_amtool({url, "silence", "query", "-q"});
  EXPECT_EQ(silences->out, silence->out) << "silences are kept in the data directory";
  auto alerts = run_amtool({url, "alert", "query", "-o", "json"});
  EXPECT_EQ(alerts->out, "[]\n") << "alerts are not kept";

  // X again, as Prometheus resends it: its group is new, and flushes at once
  // (startsAt is past), but the notification log remembers X was sent.
  const auto resent = std::chrono::steady_clock::now();
  ASSERT_EQ(http_request("POST", (*am)->url("/api/v2/alerts"), x)->status, 200);
  EXPECT_FALSE((*hook)->wait_for(2, 1500ms)) << (*hook)->requests().back().body;
  // A new alert in the group goes out at the group's next tick, with X.
  ASSERT_EQ(http_request("POST", (*am)->url("/api/v2/alerts"),
                         *expand_times(batch({alert(R"({"alertname":"X","instance":"2"})")}), system_clock().now()))
                ->status,
            200);
  ASSERT_TRUE((*hook)->wait_for(2, 3s));
  const RecordedRequest second = (*hook)->requests()[1];
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::milliseconds>(second.at - resent).count(), 2000, kSlack);
  const json::value body = json::parse(second.body);
  EXPECT_EQ(body.at("alerts").as_array().size(), 2u) << second.body;
}

}  // namespace
}  // namespace cogwatch::notify::peer
