// The rule engine's alerts as Prometheus's rules.SendAlerts and notifier
// turn them into the body POSTed to Alertmanager.
#include "notify/outgoing_alerts.h"

#include <gtest/gtest.h>

#include "model/file.h"

namespace cogwatch::notify {
namespace {

rules::Alert firing(Labels labels, Timestamp active, Timestamp valid_until) {
  rules::Alert a;
  a.labels = std::move(labels);
  a.state = rules::AlertState::kFiring;
  a.active_at = active - 5000;  // went pending earlier
  a.fired_at = active;
  a.valid_until = valid_until;
  return a;
}

// The alert behind tests/notify/data/prometheus242_post_alerts.json (see
// postable_alerts_test.cc): Prometheus 2.42's body for it, byte for byte,
// external labels region: eu, team: ext (the alert's team wins).
TEST(OutgoingAlerts, AsPrometheus242PostedIt) {
  auto want = read_file(std::string(COGWATCH_NOTIFY_TEST_DATA) + "/prometheus242_post_alerts.json");
  ASSERT_TRUE(want.ok());
  rules::Alert a = firing(Labels{{"alertname", "Always"}, {"severity", "warn<&>"}, {"team", "ml"}},
                          *parse_api_time("2026-12-01T03:50:07.632Z"), *parse_api_time("2026-12-01T03:50:21.632Z"));
  a.annotations = Annotations{{"empty", ""}, {"summary", "value 1 & <b>"}};
  const Labels external{{"region", "eu"}, {"team", "ext"}};
  auto out = relabel_alerts(postable_alerts("vector(1) > 0", {a}, "http://prom.example:9090/p"), external, {});
  EXPECT_EQ(postable_alerts_json(out), *want);
}

TEST(OutgoingAlerts, StartsAtIsFiredAtAndEndsAtResolvedOrValidUntil) {
  rules::Alert a = firing(Labels{{"alertname", "A"}}, 10'000, 250'000);
  PostableAlert p = postable_alert("up == 0", a, "http://x");
  EXPECT_EQ(p.starts_at, 10'000);
  EXPECT_EQ(p.ends_at, 250'000);
  EXPECT_EQ(p.generator_url, "http://x/graph?g0.expr=up+%3D%3D+0&g0.tab=1");
  a.resolved_at = 70'000;
  a.state = rules::AlertState::kInactive;
  EXPECT_EQ(postable_alert("up == 0", a, "http://x").ends_at, 70'000);
}

TEST(OutgoingAlerts, ExternalLabelsOnlyWhereMissingThenRelabelling) {
  std::vector<PostableAlert> in = {
      {.labels = Labels{{"alertname", "A"}, {"dc", "own"}}},
      {.labels = Labels{{"alertname", "B"}}},
      {.labels = Labels{{"alertname", "Drop"}}},
  };
  auto drop = net::RelabelConfig::make(
      {.action = net::RelabelAction::kDrop, .source_labels = {"alertname"}, .regex = "Drop", .regex_set = true});
  auto tag = net::RelabelConfig::make({.source_labels = {"dc"}, .target_label = "site", .target_label_set = true});
  ASSERT_TRUE(drop.ok() && tag.ok());
  auto out = relabel_alerts(in, Labels{{"dc", "ext"}, {"region", "eu"}}, {*drop, *tag});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].labels, (Labels{{"alertname", "A"}, {"dc", "own"}, {"region", "eu"}, {"site", "own"}}));
  EXPECT_EQ(out[1].labels, (Labels{{"alertname", "B"}, {"dc", "ext"}, {"region", "eu"}, {"site", "ext"}}));
}

}  // namespace
}  // namespace cogwatch::notify
