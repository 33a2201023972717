// cogwatch's built-in Alertmanager against the real one (Debian's 0.25):
// each scenario is played against both at once (record_alertmanager and
// record_cogwatch, the same alerts POSTed over HTTP at the same offsets,
// the same external URL), and what each webhook received is compared
// notification by notification: the count, every field of the body, every
// field of every alert in order, and the arrival offset within kSlack.
// "The differential test against the real Alertmanager is the
// specification" (issue 11); ALERTMANAGER_BEHAVIOUR.md says what each
// scenario exercises.
//
// Run alone: cogwatch_notify_peer_tests --gtest_filter='AlertmanagerDifferential.*'.
// A failure lists every difference, then both timelines.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "model/time.h"
#include "tests/notify/peer/scenario.h"

namespace cogwatch::notify::peer {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// How far apart the two may deliver the same notification (2 shared cores,
// ctest -j2; ticks are 1 s apart or more). A retry after a 5xx has the
// backoff's jitter on top (0.5 s ± 50% on either side).
constexpr int64_t kSlack = 400;
constexpr int64_t kRetryJitter = 500;

// An alert as Prometheus POSTs it (go-openapi's field order).
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

// How far apart two times of bodies may be when the notifier set them
// (now + resolve_timeout for an alert posted without endsAt: the post's
// arrival differs by a few ms); the scenario's own times are equal.
constexpr int64_t kTimeSlack = 100;

// A time of a body as an offset in ms from the recording's start when it
// is near it (the scenario's ${now±DUR}, the same in both recordings);
// nullopt for fixed times and Go's zero time, compared as written.
std::optional<int64_t> time_offset(const json::value& v, Timestamp start) {
  if (!v.is_string()) return std::nullopt;
  Result<Timestamp> t = parse_api_time(std::string(v.as_string()));
  if (!t || *t - start > kHour || start - *t > kHour) return std::nullopt;
  return *t - start;
}

std::string time_text(const json::value* v, Timestamp start) {
  if (v == nullptr) return "<missing>";
  if (std::optional<int64_t> offset = time_offset(*v, start)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "start%+.3fs", static_cast<double>(*offset) / 1000);
    return buf;
  }
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// A field as text: strings as they are, objects serialized in their order.
std::string field(const json::value& body, std::string_view key) {
  const json::value* v = body.is_object() ? body.as_object().if_contains(key) : nullptr;
  if (v == nullptr) return "<missing>";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// Whether the request before `i` to the same webhook was answered 5xx:
// then request i is a retry, whose time has the backoff's jitter.
bool is_retry(const std::vector<Notification>& ns, size_t i) {
  return i > 0 && ns[i - 1].request.answered / 100 == 5;
}

using Streams = std::map<std::string, std::vector<Notification>>;

// A recording's notifications by webhook and groupKey, each in arrival
// order. Notifications of different groups that are due at the same
// moment go out concurrently, in no defined order: only each group's
// sequence is compared.
Streams streams(const Recording& r) {
  Streams out;
  for (const Notification& n : r.notifications) out[n.webhook + " " + field(n.body, "groupKey")].push_back(n);
  return out;
}

// Every difference between the two recordings, one line each.
std::vector<std::string> differences(const Recording& am, const Recording& cw) {
  std::vector<std::string> out;
  const Streams sa = streams(am), sc = streams(cw);
  std::set<std::string> keys;
  for (const Streams* s : {&sa, &sc}) {
    for (const auto& [key, ns] : *s) keys.insert(key);
  }
  for (const std::string& w : keys) {
    const std::vector<Notification> a = sa.contains(w) ? sa.at(w) : std::vector<Notification>{};
    const std::vector<Notification> c = sc.contains(w) ? sc.at(w) : std::vector<Notification>{};
    if (a.size() != c.size()) {
      out.push_back(w + ": Alertmanager sent " + std::to_string(a.size()) + " notifications, cogwatch " +
                    std::to_string(c.size()));
    }
    for (size_t i = 0; i < std::min(a.size(), c.size()); ++i) {
      const std::string where = w + " #" + std::to_string(i) + " ";
      const auto differ = [&](const std::string& what, const std::string& x, const std::string& y) {
        if (x != y) out.push_back(where + what + ": Alertmanager " + x + " | cogwatch " + y);
      };
      const int64_t slack = kSlack + (is_retry(a, i) || is_retry(c, i) ? kRetryJitter : 0);
      if (std::abs(a[i].at.count() - c[i].at.count()) > slack) {
        out.push_back(where + "arrived at " + std::to_string(a[i].at.count()) + " ms from Alertmanager, " +
                      std::to_string(c[i].at.count()) + " ms from cogwatch");
      }
      differ("answered", std::to_string(a[i].request.answered), std::to_string(c[i].request.answered));
      differ("method and path", a[i].request.method + " " + a[i].request.target,
             c[i].request.method + " " + c[i].request.target);
      differ("Content-Type", std::string(a[i].request.header("Content-Type")),
             std::string(c[i].request.header("Content-Type")));
      const json::value& x = a[i].body;
      const json::value& y = c[i].body;
      for (std::string_view key : {"version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
                                   "commonLabels", "commonAnnotations", "externalURL"}) {
        differ(std::string(key), field(x, key), field(y, key));
      }
      const json::value* xa = x.is_object() ? x.as_object().if_contains("alerts") : nullptr;
      const json::value* ya = y.is_object() ? y.as_object().if_contains("alerts") : nullptr;
      if (xa == nullptr || ya == nullptr || !xa->is_array() || !ya->is_array()) {
        differ("alerts", xa != nullptr ? json::serialize(*xa) : "<missing>",
               ya != nullptr ? json::serialize(*ya) : "<missing>");
        continue;
      }
      differ("number of alerts", std::to_string(xa->as_array().size()), std::to_string(ya->as_array().size()));
      for (size_t k = 0; k < std::min(xa->as_array().size(), ya->as_array().size()); ++k) {
        const json::value& p = xa->as_array()[k];
        const json::value& q = ya->as_array()[k];
        const std::string at = "alert " + std::to_string(k) + " ";
        for (std::string_view key : {"status", "labels", "annotations", "generatorURL", "fingerprint"}) {
          differ(at + std::string(key), field(p, key), field(q, key));
        }
        for (std::string_view key : {"startsAt", "endsAt"}) {
          const json::value* pt = p.is_object() ? p.as_object().if_contains(key) : nullptr;
          const json::value* qt = q.is_object() ? q.as_object().if_contains(key) : nullptr;
          const std::optional<int64_t> po = pt != nullptr ? time_offset(*pt, am.start) : std::nullopt;
          const std::optional<int64_t> qo = qt != nullptr ? time_offset(*qt, cw.start) : std::nullopt;
          if (po && qo && std::abs(*po - *qo) <= kTimeSlack) continue;
          differ(at + std::string(key), time_text(pt, am.start), time_text(qt, cw.start));
        }
      }
    }
  }
  return out;
}

// Records the scenario against both at once and compares.
void expect_same_notifications(const Scenario& s) {
  std::future<Result<Recording>> am = std::async(std::launch::async, [&] { return record_alertmanager(s); });
  Result<Recording> cw = record_cogwatch(s);
  Result<Recording> real = am.get();
  ASSERT_TRUE(real.ok()) << real.error().message;
  ASSERT_TRUE(cw.ok()) << cw.error().message;
  ASSERT_FALSE(real->notifications.empty()) << "a scenario that sends nothing compares nothing";
  const std::vector<std::string> diffs = differences(*real, *cw);
  std::string listed;
  for (const std::string& d : diffs) listed += "  " + d + "\n";
  EXPECT_TRUE(diffs.empty()) << diffs.size() << " differences:\n"
                             << listed << "Alertmanager:\n"
                             << real->timeline() << "cogwatch:\n"
                             << cw->timeline() << "cogwatch's log:\n"
                             << cw->alertmanager_log;
}

// Routes with group_by [alertname], [alertname, instance], ['...'] and a
// child's own list; nested routes with matchers (regex ones too) and
// continue; two webhooks in one receiver, one with max_alerts; alerts in
// job/instance/label order; a group whose alert started long ago (no
// group_wait); receiver names, label values and annotations that need
// escaping in JSON, in groupKey and in regexp.QuoteMeta; new alerts at
// the next tick.
TEST(AlertmanagerDifferential, RoutingGroupingOrderTruncationAndEscaping) {
  const std::string esc_labels =
      R"j({"alertname":"Esc","team":"q\"uo\\te","path":"C:\\dir\\x","uni":"ünï ✓","svc":"a.b|c+(d)"})j";
  const std::string esc_notes = R"({"summary":"<b>bold</b> & \"q\" 'a'","desc":"line1\nline2\u2028\u2029end"})";
  expect_same_notifications({
      .config = R"y(
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
  - matchers: ['svc=~"a\\.b\\|c\\+\\(d\\)"']
    receiver: 'esc "quoted" \back.slash (prod)+ [ünï] <b>&amp;'
    group_by: [alertname, path, uni]
    continue: true
  - matchers: [team!="x"]
    receiver: other
receivers:
- name: default
  webhook_configs:
  - url: '${webhook:default}'
  - url: '${webhook:default_two}'
    max_alerts: 2
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
- name: 'esc "quoted" \back.slash (prod)+ [ünï] <b>&amp;'
  webhook_configs:
  - url: '${webhook:esc}'
)y",
      .posts = {{0ms, batch({alert(R"({"alertname":"A","team":"ml","severity":"page","env":"prod","instance":"i1"})"),
                             alert(R"({"alertname":"A","team":"ml","instance":"i2"})"),
                             alert(R"({"alertname":"A","team":"data","instance":"i3"})"),
                             alert(R"({"alertname":"A","team":"web","instance":"i4"})"),
                             alert(R"({"alertname":"X","team":"x","job":"b","instance":"1","k":"1"})", "${now}",
                                   "${now+4m}", R"({"s":"same","d":"1"})"),
                             alert(R"({"alertname":"X","team":"x","job":"a","instance":"2","k":"1"})", "${now}",
                                   "${now+4m}", R"({"s":"same","d":"2"})"),
                             alert(R"({"alertname":"X","team":"x","instance":"0","k":"1"})", "${now}", "${now+4m}",
                                   R"({"s":"same","d":"3"})"),
                             alert(R"({"alertname":"X","team":"x","k":"2"})", "${now}", "${now+4m}",
                                   R"({"s":"same","d":"4"})"),
                             alert(R"({"alertname":"X","team":"x","job":"a","instance":"10","k":"1"})", "${now}",
                                   "${now+4m}", R"({"s":"same","d":"5"})", ""),
                             alert(esc_labels, "${now}", "${now+4m}", esc_notes,
                                   "http://prom.example:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1")})},
                // startsAt + group_wait already past: its group flushes at once.
                {300ms, batch({alert(R"({"alertname":"Old","team":"x"})", "${now-1m}")})},
                // New alerts in existing groups: at their next tick (3.0).
                {1500ms, batch({alert(R"({"alertname":"A","team":"ml","instance":"i2","extra":"e"})"),
                                alert(R"({"alertname":"A","team":"web","instance":"i5"})"),
                                alert(R"({"alertname":"X","team":"x","job":"0"})")})}},
      .duration = 3600ms,
  });
}

// send_resolved true and false side by side (continue), alerts resolved
// between flushes and inside a firing group, an already resolved new
// group, all-resolved messages, and repeat_interval (3 s: a steady alert
// repeats at the first tick more than 3 s after its last message, with
// the annotation it was re-posted with meanwhile). Also how re-posts
// merge: an alert posted without endsAt resolves after resolve_timeout;
// a firing re-post with an earlier endsAt keeps the held, later one.
TEST(AlertmanagerDifferential, ResolvedAlertsSendResolvedRepeatIntervalAndMerges) {
  const std::string no_end = R"({"annotations":{},"startsAt":"${now}","labels":{"alertname":"Timeout"}})";
  expect_same_notifications({
      .config = R"(
global:
  resolve_timeout: 2s
route:
  receiver: yes
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 3s
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
      .posts = {{0ms, batch({alert(R"({"alertname":"A","instance":"a"})"), alert(R"({"alertname":"A","instance":"b"})"),
                             alert(R"({"alertname":"Steady"})"), alert(R"({"alertname":"Shrink"})"),
                             alert(R"({"alertname":"Gone"})", "${now-1m}", "${now-1s}"), no_end})},
                {1200ms, batch({alert(R"({"alertname":"A","instance":"c"})"),
                                alert(R"({"alertname":"Shrink"})", "${now-1200ms}", "${now+500ms}")})},
                {1500ms, batch({alert(R"({"alertname":"A","instance":"a"})", "${now-1500ms}", "${now}")})},
                {2000ms, batch({alert(R"({"alertname":"A","instance":"c"})", "${now-800ms}", "${now}")})},
                {2500ms, batch({alert(R"({"alertname":"Steady"})", "${now-2500ms}", "${now+4m}", R"({"note":"new"})")})},
                {3500ms, batch({alert(R"({"alertname":"A","instance":"b"})", "${now-3500ms}", "${now}")})},
                // a fires again after its resolution was told (or, with
                // send_resolved false, logged): a new firing message.
                {5500ms, batch({alert(R"({"alertname":"A","instance":"a"})")})}},
      .duration = 7600ms,
  });
}

// Inhibition decided at flush time (a group sends its uninhibited alerts,
// a fully inhibited group sends nothing), `equal` labels, and the lifting
// when the source resolves: the targets at their groups' next tick.
TEST(AlertmanagerDifferential, InhibitionAndItsLifting) {
  expect_same_notifications({
      .config = R"(
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
                             alert(R"({"alertname":"Slow","severity":"warning"})"),
                             alert(R"({"alertname":"Lag","severity":"warning","cluster":"a"})")})},
                {1500ms, batch({alert(R"({"alertname":"Down","severity":"critical","cluster":"a"})", "${now-1500ms}",
                                      "${now}")})}},
      .duration = 3600ms,
  });
}

// A webhook answering 500 then 200 (retried within the flush, the same
// body), and one answering 400 (not retried; sent again at the next tick).
TEST(AlertmanagerDifferential, RetriesOnServerErrorsNotOnClientErrors) {
  expect_same_notifications({
      .config = R"(
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
      .plans = {{"flaky", {{.status = 500}}}, {"bad", {{.status = 400}}}},
      .posts = {{0ms, batch({alert(R"({"alertname":"A"})")})}},
      .duration = 3600ms,
  });
}

}  // namespace
}  // namespace cogwatch::notify::peer
