// The rule manager with a stepped clock: schedule slots and missed
// iterations, reloads that are all-or-nothing and keep alert state, stale
// markers for removed rules, and notifications with external labels.
#include "rules/manager.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::rules {
namespace {

class RuleManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/cogwatch_rule_manager_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }

  // x{job="cog"} = v at every 15 s from 0 to `until`.
  void load_series(double v, Timestamp from, Timestamp until) {
    auto app = head_.appender();
    for (Timestamp t = from; t <= until; t += 15 * kSecond) {
      ASSERT_TRUE(app->append(Labels{{"__name__", "x"}, {"job", "cog"}}, t, v).ok());
    }
    app->commit();
  }

  std::vector<std::pair<Timestamp, double>> samples(std::string_view name) {
    return tsdb::testing::read_named(head_, name);
  }

  std::string dir_;
  tsdb::Head head_;
};

constexpr const char* kRules = R"(groups:
- name: cog
  interval: 30s
  rules:
  - record: x:doubled
    expr: x * 2
  - alert: XHigh
    expr: x > 1
    for: 2m
    labels: {severity: page}
)";

TEST_F(RuleManagerTest, EvaluatesOnItsSlotsAndCountsMissedOnes) {
  write("cog.yml", kRules);
  RuleManager m(head_, head_, {});
  const Timestamp now = 1'000'000;
  ASSERT_TRUE(m.load({"*.yml"}, dir_, now).ok());
  ASSERT_EQ(m.files(), std::vector<std::string>{dir_ + "/cog.yml"});
  const Timestamp first = m.run_due(now);  // nothing due yet
  EXPECT_GT(first, now);
  EXPECT_LE(first, now + 30 * kSecond);
  EXPECT_EQ(m.groups()[0].stats.evaluations, 0u);
  EXPECT_EQ(m.run_due(first), first + 30 * kSecond);
  EXPECT_EQ(m.groups()[0].stats.evaluations, 1u);
  EXPECT_EQ(m.groups()[0].stats.last_evaluation, first);
  // 95 s late: one evaluation at the latest slot, two missed.
  EXPECT_EQ(m.run_due(first + 30 * kSecond + 95 * kSecond), first + 150 * kSecond);
  const GroupStatus g = m.groups()[0];
  EXPECT_EQ(g.stats.evaluations, 2u);
  EXPECT_EQ(g.stats.missed_iterations, 3u);
  EXPECT_EQ(g.stats.last_evaluation, first + 120 * kSecond);
}

// A reload that keeps a group's interval keeps its schedule: a slot that
// passed while reloading is still due. A new interval starts a new one.
TEST_F(RuleManagerTest, AReloadKeepsTheScheduleUnlessTheIntervalChanges) {
  write("cog.yml", kRules);
  RuleManager m(head_, head_, {});
  const Timestamp now = 1'000'000;
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, now).ok());
  const Timestamp first = m.run_due(now);
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, first + 65 * kSecond).ok());
  EXPECT_EQ(m.groups()[0].next_evaluation, first);
  EXPECT_EQ(m.run_due(first + 65 * kSecond), first + 90 * kSecond);
  EXPECT_EQ(m.groups()[0].stats.evaluations, 1u);
  EXPECT_EQ(m.groups()[0].stats.last_evaluation, first + 60 * kSecond);
  EXPECT_EQ(m.groups()[0].stats.missed_iterations, 2u);

  std::string slower = kRules;
  slower.replace(slower.find("30s"), 3, "1m");
  write("cog.yml", slower);
  const Timestamp reload = first + 100 * kSecond;
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, reload).ok());
  EXPECT_GT(m.groups()[0].next_evaluation, reload);
  EXPECT_LE(m.groups()[0].next_evaluation, reload + kMinute);
}

TEST_F(RuleManagerTest, ABadReloadKeepsTheRunningRulesAndNamesEveryError) {
  write("cog.yml", kRules);
  RuleManager m(head_, head_, {});
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
  write("bad.yml", "groups:\n- name: b\n  rules:\n  - record: r\n    expr: 'sum('\n  - alert: A\n    expr: up\n    for: 1x\n");
  write("cog.yml", "groups: [\n");
  Status s = m.load({"cog.yml", "bad.yml"}, dir_, kMinute);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cog.yml:2:1:"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("bad.yml:5:11: group \"b\", rule 1, \"r\": could not parse expression"),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("bad.yml:8:10: not a valid duration string"), std::string::npos) << s.error().message;
  ASSERT_EQ(m.groups().size(), 1u);
  EXPECT_EQ(m.groups()[0].name, "cog");
  EXPECT_EQ(m.files(), std::vector<std::string>{dir_ + "/cog.yml"});
}

TEST_F(RuleManagerTest, ReloadKeepsAlertStateAndMarksRemovedRulesStale) {
  load_series(2, 0, 20 * kMinute);
  write("cog.yml", kRules);
  std::vector<std::string> sent;
  RuleManager m(head_, head_,
                {.defaults = {.external_labels = Labels{{"site", "edge-1"}, {"severity", "ignored"}}},
                 .notify = [&](const std::string&, const std::vector<Alert>& alerts) {
                   for (const Alert& a : alerts) sent.push_back(a.labels.to_string());
                 }});
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
  Timestamp t = m.run_due(0);
  t = m.run_due(t);  // pending
  t = m.run_due(t);
  ASSERT_EQ(m.alerts().size(), 1u);
  const Timestamp active_at = m.alerts()[0].active_at;
  EXPECT_EQ(m.alerts()[0].state, AlertState::kPending);
  // Reload: the recording rule goes, the alert's `for` changes; its
  // pending state (and active_at) carry over.
  write("cog.yml", R"(groups:
- name: cog
  interval: 30s
  rules:
  - alert: XHigh
    expr: x > 1
    for: 90s
    labels: {severity: page}
)");
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, t + kSecond).ok());
  EXPECT_TRUE(is_stale_nan(samples("x:doubled").back().second));
  EXPECT_EQ(samples("x:doubled").back().first, t + kSecond);
  ASSERT_EQ(m.alerts().size(), 1u);
  EXPECT_EQ(m.alerts()[0].active_at, active_at);
  while (m.alerts()[0].state != AlertState::kFiring && t < 10 * kMinute) t = m.run_due(t);
  EXPECT_EQ(m.alerts()[0].fired_at.value_or(0) - active_at, 90 * kSecond);
  // Sent with the external label the alert lacked, not the one it has.
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0], R"({alertname="XHigh", job="cog", severity="page", site="edge-1"})");
}

TEST_F(RuleManagerTest, RemovedGroupsEndTheirSeries) {
  load_series(2, 0, 5 * kMinute);
  write("cog.yml", kRules);
  RuleManager m(head_, head_, {});
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
  Timestamp t = m.run_due(0);
  t = m.run_due(t);
  ASSERT_FALSE(samples("x:doubled").empty());
  write("cog.yml", "groups: []\n");
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, t + kSecond).ok());
  EXPECT_TRUE(m.groups().empty());
  EXPECT_TRUE(is_stale_nan(samples("x:doubled").back().second));
  EXPECT_TRUE(is_stale_nan(samples("ALERTS").back().second));
  EXPECT_EQ(m.run_due(t + kMinute), kMaxTimestamp);
}

}  // namespace
}  // namespace cogwatch::rules

namespace cogwatch::rules {
namespace {

// Restoring `for` state after a restart (Prometheus's RestoreForState):
// one manager runs until its alert has been pending 6 minutes and stops
// (the process dies); another starts on the same store, as after a
// restart with persistence.
class ForStateRestoreTest : public RuleManagerTest {
 protected:
  static constexpr const char* kTenMinuteRule = R"(groups:
- name: cog
  interval: 30s
  rules:
  - alert: XHigh
    expr: x > 1
    for: 10m
    labels: {severity: page}
)";

  // Runs the first life until the alert has been pending `pending_for`;
  // returns its active time and the time it stopped.
  std::pair<Timestamp, Timestamp> first_life(Duration pending_for) {
    write("cog.yml", kTenMinuteRule);
    RuleManager m(head_, head_, {});
    EXPECT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
    Timestamp t = m.run_due(0);
    while (m.alerts().empty() || t - m.alerts()[0].active_at < pending_for) t = m.run_due(t);
    EXPECT_EQ(m.alerts()[0].state, AlertState::kPending);
    return {m.alerts()[0].active_at, t};
  }

  // The second life, started at `start`: runs until the alert fires;
  // returns when it fired and the time of the evaluation that restored it.
  std::pair<Timestamp, Timestamp> second_life(Timestamp start, RuleManagerOptions options) {
    RuleManager m(head_, head_, std::move(options));
    EXPECT_TRUE(m.load({"cog.yml"}, dir_, start).ok());
    Timestamp t = m.run_due(start);
    int evaluations = 0;
    Timestamp restored_at = 0;
    while (m.alerts().empty() || m.alerts()[0].state != AlertState::kFiring) {
      const Timestamp now = t;
      t = m.run_due(t);
      if (++evaluations == 2) restored_at = now;
      if (t > start + 2 * kHour) break;
    }
    EXPECT_FALSE(m.alerts().empty());
    return {m.alerts().empty() ? 0 : m.alerts()[0].fired_at.value_or(0), restored_at};
  }

  // The newest ALERTS_FOR_STATE sample written before `t`.
  Timestamp last_for_state_before(Timestamp t) {
    Timestamp last = 0;
    for (const auto& [ts, v] : samples("ALERTS_FOR_STATE")) {
      if (ts < t) last = ts;
    }
    return last;
  }
};

TEST_F(ForStateRestoreTest, WithoutRestoreAPendingAlertStartsItsForAgain) {
  load_series(2, 0, 60 * kMinute);
  const auto [active_at, stopped] = first_life(6 * kMinute);
  const Timestamp restart = stopped + 30 * kSecond;
  const auto [fired_at, restored_at] = second_life(restart, {});
  EXPECT_GE(fired_at, restart + 10 * kMinute);
}

TEST_F(ForStateRestoreTest, ARestoredAlertFiresWhenItsForRunsOutCountingOnlyTheTimeUp) {
  load_series(2, 0, 60 * kMinute);
  const auto [active_at, stopped] = first_life(6 * kMinute);
  const Timestamp down_at = last_for_state_before(stopped + 1);
  const Timestamp restart = stopped + 30 * kSecond;
  RuleManagerOptions o;
  o.restore_for_state = true;
  o.defaults.for_grace_period = 0;
  const auto [fired_at, restored_at] = second_life(restart, o);
  // Pending 6 of its 10 minutes before the stop; the minutes it was down
  // (until the restoring evaluation) do not count.
  EXPECT_LT(fired_at, restart + 10 * kMinute);
  EXPECT_GE(fired_at, active_at / 1000 * 1000 + 10 * kMinute + (restored_at - down_at));
  EXPECT_LT(fired_at, active_at / 1000 * 1000 + 10 * kMinute + (restored_at - down_at) + 30 * kSecond);
  // No ALERTS samples between the restart and the restore: the fresh
  // active time of the first evaluations never reached the store.
  for (const auto& [t, v] : samples("ALERTS")) EXPECT_FALSE(t >= restart && t <= restored_at) << t;
}

TEST_F(ForStateRestoreTest, AnAlertDueWithinTheGracePeriodWaitsForIt) {
  load_series(2, 0, 60 * kMinute);
  const auto [active_at, stopped] = first_life(6 * kMinute);
  RuleManagerOptions o;
  o.restore_for_state = true;  // grace period 10m (the default): 4m left < 10m
  const auto [fired_at, restored_at] = second_life(stopped + 30 * kSecond, o);
  EXPECT_GE(fired_at, restored_at + 10 * kMinute);
  EXPECT_LT(fired_at, restored_at + 10 * kMinute + 30 * kSecond);
}

TEST_F(ForStateRestoreTest, AfterTheOutageToleranceTheAlertStartsAfresh) {
  load_series(2, 0, 4 * kHour);
  const auto [active_at, stopped] = first_life(6 * kMinute);
  const Timestamp restart = stopped + 2 * kHour;  // tolerance 1h
  RuleManagerOptions o;
  o.restore_for_state = true;
  o.defaults.for_grace_period = 0;
  const auto [fired_at, restored_at] = second_life(restart, o);
  EXPECT_GE(fired_at, restart + 10 * kMinute);
}

// keep_firing_for across a restart, beyond Prometheus: an alert kept
// firing after its series went missing is written as
// ALERTS_KEEP_FIRING_SINCE and comes back after a restart.
class KeepFiringRestoreTest : public RuleManagerTest {
 protected:
  static constexpr const char* kKeepFiringRule = R"(groups:
- name: cog
  interval: 30s
  rules:
  - alert: XHigh
    expr: x > 1
    for: 1m
    keep_firing_for: 10m
    labels: {severity: page}
    annotations: {summary: "x is {{ $value }}"}
)";

  static RuleManagerOptions restoring(std::vector<Alert>* sent = nullptr) {
    RuleManagerOptions o;
    o.restore_for_state = true;
    if (sent != nullptr) {
      o.notify = [sent](const std::string&, const std::vector<Alert>& alerts) {
        sent->insert(sent->end(), alerts.begin(), alerts.end());
      };
    }
    return o;
  }

  // x = 2 for 5 minutes, then gone. Runs until the alert has been kept
  // firing `kept_for`; returns the alert and the time it stopped.
  std::pair<Alert, Timestamp> first_life(Duration kept_for) {
    write("cog.yml", kKeepFiringRule);
    load_series(2, 0, 5 * kMinute);
    RuleManager m(head_, head_, restoring());
    EXPECT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
    Timestamp t = m.run_due(0);
    auto kept = [&] {
      auto alerts = m.alerts();
      return !alerts.empty() && alerts[0].keep_firing_since && t - *alerts[0].keep_firing_since >= kept_for;
    };
    while (!kept() && t < 2 * kHour) t = m.run_due(t);
    EXPECT_TRUE(kept());
    return {m.alerts().at(0), t};
  }
};

TEST_F(KeepFiringRestoreTest, AKeptFiringAlertKeepsFiringUntilItsTimeRunsOut) {
  const auto [before, stopped] = first_life(4 * kMinute);
  ASSERT_EQ(before.state, AlertState::kFiring);
  const Timestamp restart = stopped + 30 * kSecond;
  std::vector<Alert> sent;
  RuleManager m(head_, head_, restoring(&sent));
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, restart).ok());
  Timestamp t = m.run_due(restart);  // the first slot after the restart
  t = m.run_due(t);
  t = m.run_due(t);  // the second evaluation restores
  std::vector<Alert> alerts = m.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].labels, before.labels);
  EXPECT_EQ(alerts[0].active_at / 1000, before.active_at / 1000);
  EXPECT_EQ(alerts[0].keep_firing_since, before.keep_firing_since);
  // Value and annotations of the last evaluation that saw the series.
  EXPECT_EQ(alerts[0].value, 2);
  EXPECT_EQ(alerts[0].annotations, (Annotations{{"summary", "x is 2"}}));
  // Firing until 10 minutes after the series went missing, then resolved
  // and sent as such.
  const Timestamp ends = *before.keep_firing_since + 10 * kMinute;
  std::optional<Timestamp> resolved_at;
  while (t < ends + 5 * kMinute) {
    const Timestamp now = t;
    t = m.run_due(t);
    for (const Alert& a : sent) {
      if (a.state == AlertState::kInactive && !resolved_at) resolved_at = now;
    }
  }
  ASSERT_TRUE(resolved_at.has_value());
  EXPECT_GE(*resolved_at, ends);
  EXPECT_LT(*resolved_at, ends + 30 * kSecond);
  // Firing notifications went out between the restore and then.
  EXPECT_TRUE(std::any_of(sent.begin(), sent.end(), [](const Alert& a) { return a.state == AlertState::kFiring; }));
}

TEST_F(KeepFiringRestoreTest, WithoutRestoreTheKeptFiringAlertIsLost) {
  const auto [before, stopped] = first_life(4 * kMinute);
  RuleManager m(head_, head_, {});
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, stopped + 30 * kSecond).ok());
  Timestamp t = m.run_due(stopped + 30 * kSecond);
  for (int evaluations = 0; evaluations < 4; ++evaluations) t = m.run_due(t);
  EXPECT_TRUE(m.alerts().empty());
}

TEST_F(KeepFiringRestoreTest, AnAlertWhoseTimeRanOutWhileDownComesBackResolvedAndIsSent) {
  const auto [before, stopped] = first_life(4 * kMinute);
  const Timestamp restart = stopped + 8 * kMinute;  // 12 of its 10 minutes kept
  std::vector<Alert> sent;
  RuleManager m(head_, head_, restoring(&sent));
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, restart).ok());
  Timestamp t = m.run_due(restart);
  for (int evaluations = 0; evaluations < 4; ++evaluations) t = m.run_due(t);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, AlertState::kInactive);
  EXPECT_EQ(sent[0].labels, before.labels);
  EXPECT_TRUE(m.alerts().empty());  // pending and firing only
}

TEST_F(KeepFiringRestoreTest, AfterTheOutageToleranceNothingComesBack) {
  const auto [before, stopped] = first_life(4 * kMinute);
  RuleManager m(head_, head_, restoring());
  const Timestamp restart = stopped + 2 * kHour;  // tolerance 1h
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, restart).ok());
  Timestamp t = m.run_due(restart);
  for (int evaluations = 0; evaluations < 4; ++evaluations) t = m.run_due(t);
  EXPECT_TRUE(m.alerts().empty());
}

TEST_F(KeepFiringRestoreTest, TheStateSeriesEndsWhenTheAlertStopsBeingKept) {
  write("cog.yml", kKeepFiringRule);
  load_series(2, 0, 5 * kMinute);
  RuleManager m(head_, head_, restoring());
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
  for (Timestamp t = m.run_due(0); t < 30 * kMinute;) t = m.run_due(t);
  const auto since = samples("ALERTS_KEEP_FIRING_SINCE");
  ASSERT_GE(since.size(), 2u);
  EXPECT_FALSE(is_stale_nan(since.front().second));
  EXPECT_TRUE(is_stale_nan(since.back().second));
}

TEST_F(KeepFiringRestoreTest, WithoutRestoreNoStateSeriesIsWritten) {
  // promtool's behaviour, which `test rules` follows.
  write("cog.yml", kKeepFiringRule);
  load_series(2, 0, 5 * kMinute);
  RuleManager m(head_, head_, {});
  ASSERT_TRUE(m.load({"cog.yml"}, dir_, 0).ok());
  for (Timestamp t = m.run_due(0); t < 30 * kMinute;) t = m.run_due(t);
  EXPECT_TRUE(samples("ALERTS_KEEP_FIRING_SINCE").empty());
  EXPECT_FALSE(samples("ALERTS").empty());
}

}  // namespace
}  // namespace cogwatch::rules
