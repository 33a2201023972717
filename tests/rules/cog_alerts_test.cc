// The shipped Cog alert rules (examples/rules/cog_alerts.yml) against the
// simulated Cog service: its bodies are scraped every 15 s into a store and
// the rule group evaluated every 30 s, for 20 minutes of fake time, in each
// scenario. Each incident fires its alert, after its `for`, and only it.
#include <cstdio>

#include <gtest/gtest.h>

#include "cli/cog_sim.h"
#include "rules/group.h"
#include "rules/rule_file.h"
#include "template/template.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

namespace cogwatch::rules {
namespace {

constexpr Timestamp kStart = 1'700'000'000'000;

std::string go_printf_2f(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

struct Outcome {
  std::map<std::string, Alert> firing;  // by alert name, at the end
  std::map<std::string, Timestamp> first_fired;
  int pending_or_firing_evaluations = 0;
};

Outcome run(cli::Scenario scenario, Duration length = 20 * kMinute) {
  const RuleFile file =
      load_rule_file(std::string(COGWATCH_SOURCE_DIR) + "/examples/rules/cog_alerts.yml",
                     {.check_template = tmpl::check_alert_template});
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.errors.front());
  tsdb::Head head;
  Group group(file.groups.at(0), "cog_alerts.yml", {.evaluation_interval = 30 * kSecond});
  const cli::CogSimulator sim({.scenario = scenario});
  scrape::ScrapeLoopOptions o;
  o.target = Labels{{"__address__", "cog-1:5000"}, {"instance", "cog-1:5000"}, {"job", "cog"}};
  o.interval = 15 * kSecond;
  scrape::ScrapeLoop loop(head, o);
  Outcome out;
  for (Timestamp t = kStart; t <= kStart + length; t += 15 * kSecond) {
    const std::string body = sim.body(t);
    EXPECT_TRUE(loop.append(t, 10, std::string_view(body), scrape::ExpositionFormat::kPrometheusText).up);
    if ((t - kStart) % (30 * kSecond) != 0) continue;
    group.eval(t, head, head);
    for (const GroupRule& r : group.rules()) {
      EXPECT_EQ(r.status.health, RuleHealth::kOk) << r.name() << ": " << r.status.last_error;
      for (const auto& [labels, alert] : std::get<AlertingRule>(r.rule).active_alerts()) {
        if (alert.state != AlertState::kInactive) ++out.pending_or_firing_evaluations;
        if (alert.state == AlertState::kFiring) out.first_fired.try_emplace(r.name(), t);
      }
    }
  }
  for (const GroupRule& r : group.rules()) {
    for (const auto& [labels, alert] : std::get<AlertingRule>(r.rule).active_alerts()) {
      if (alert.state == AlertState::kFiring) out.firing.emplace(r.name(), alert);
    }
  }
  return out;
}

TEST(CogAlerts, NormalTrafficRaisesNothing) {
  const Outcome o = run(cli::Scenario::kNormal);
  EXPECT_TRUE(o.firing.empty());
  EXPECT_EQ(o.pending_or_firing_evaluations, 0);
}

TEST(CogAlerts, ErrorBurstFiresPredictionErrorRateAfterTwoMinutes) {
  const Outcome o = run(cli::Scenario::kErrors);
  ASSERT_EQ(o.firing.size(), 1u);
  const Alert& a = o.firing.at("PredictionErrorRate");
  EXPECT_EQ(a.labels, (Labels{{"alertname", "PredictionErrorRate"}, {"severity", "critical"}}));
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.4g%%", a.value * 100);
  EXPECT_EQ(annotation_value(a.annotations, "description"), std::string("error rate above 1% (current: ") + percent + ")");
  EXPECT_NEAR(a.value, 0.05, 0.002);
  // Pending from the first evaluation with two error samples, firing
  // exactly `for: 2m` later: firing late fails as firing early does.
  EXPECT_EQ(a.active_at - kStart, 30 * kSecond);
  EXPECT_EQ(o.first_fired.at("PredictionErrorRate") - a.active_at, 2 * kMinute);
}

TEST(CogAlerts, DriftFiresDataDriftDetectedAfterTenMinutes) {
  const Outcome o = run(cli::Scenario::kDrift);
  ASSERT_EQ(o.firing.size(), 1u);
  const Alert& a = o.firing.at("DataDriftDetected");
  EXPECT_EQ(a.labels.get("instance"), "cog-1:5000");
  EXPECT_EQ(a.active_at - kStart, 0);
  EXPECT_EQ(o.first_fired.at("DataDriftDetected") - a.active_at, 10 * kMinute);
  EXPECT_EQ(annotation_value(a.annotations, "description"), "input entropy " + go_printf_2f(a.value) + " on cog-1:5000 (threshold 1.5)");
  // Not yet after 9 minutes.
  EXPECT_TRUE(run(cli::Scenario::kDrift, 9 * kMinute).firing.empty());
}

TEST(CogAlerts, CpuSaturationFiresHighCpuUsage) {
  const Outcome o = run(cli::Scenario::kCpu);
  ASSERT_EQ(o.firing.size(), 1u);
  const Alert& a = o.firing.at("HighCpuUsage");
  EXPECT_FALSE(a.labels.get("container_name").empty());
  EXPECT_EQ(a.active_at - kStart, 4 * kMinute);
  EXPECT_EQ(o.first_fired.at("HighCpuUsage") - a.active_at, 3 * kMinute);
  EXPECT_NEAR(a.value, 3.9, 0.05);
}

}  // namespace
}  // namespace cogwatch::rules
