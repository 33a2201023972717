// Lint warnings: each mistake flagged once with its place, and the correct
// forms of the same rules left alone.
#include "rules/lint.h"

#include <gtest/gtest.h>

namespace cogwatch::rules {
namespace {

std::vector<std::string> lint(const char* yml, LintSet set = LintSet::kAll) {
  const RuleFile f = parse_rule_file(yml, "r.yml");
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.errors.front());
  std::vector<std::string> out;
  for (const LintWarning& w : lint_rules(f, set)) out.push_back(w.text());
  return out;
}

TEST(Lint, TheGuidesHighCpuUsageCanNeverMatch) {
  const auto w = lint(R"(groups:
- name: cog_alerts
  rules:
  - alert: HighCpuUsage
    expr: avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name) > 0.8 * count(node_cpu_seconds_total{mode!="idle"}) by (instance)
    for: 3m
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0],
            "r.yml:5: group \"cog_alerts\", rule 1, \"HighCpuUsage\": the two sides of \">\" can never match: the left "
            "side is aggregated by (container_name) and the right side by (instance), and without on() a match needs "
            "the same labels on both sides; use on(...) with group_left/group_right, or compare with a number "
            "(scalar(...))");
}

TEST(Lint, EachMistakeOnce) {
  const auto w = lint(R"(groups:
- name: g
  rules:
  - alert: NoFor
    expr: up == 0
  - alert: ValueLabel
    expr: up == 0
    for: 1m
    labels: {current: "{{ $value }}"}
  - record: gauge_rate
    expr: rate(container_memory_usage_bytes[5m]) + increase(cog_input_data_entropy[5m])
  - record: quantile
    expr: histogram_quantile(0.9, sum by (job) (rate(cog_predict_latency_seconds_bucket[5m])))
  - record: quantile_without
    expr: histogram_quantile(0.9, sum without (le) (rate(cog_predict_latency_seconds_bucket[5m])))
  - record: plain_regex
    expr: up{job=~"cog", instance!~"a:1"}
  - record: on_missing
    expr: sum by (job) (up) / on (instance) sum by (job) (up)
  - record: gauge_rate
    expr: rate(container_memory_usage_bytes[5m]) + increase(cog_input_data_entropy[5m])
)");
  const std::vector<std::string> want = {
      R"(r.yml:4: group "g", rule 1, "NoFor": alert has no 'for': it fires on the first evaluation that matches, so one odd scrape pages; add for: (e.g. 2m))",
      R"(r.yml:6: group "g", rule 2, "ValueLabel": label "current" uses $value: every new value makes a new alert (and resolves the old one); put the value in an annotation)",
      R"(r.yml:11: group "g", rule 3, "gauge_rate": increase() of cog_input_data_entropy, whose name says it is a gauge (_entropy without _total): rate and increase treat every drop as a counter reset; use deriv() or delta())",
      R"(r.yml:11: group "g", rule 3, "gauge_rate": rate() of container_memory_usage_bytes, whose name says it is a gauge (_bytes without _total): rate and increase treat every drop as a counter reset; use deriv() or delta())",
      R"(r.yml:13: group "g", rule 4, "quantile": histogram_quantile() over an aggregation that drops "le": the buckets are summed away and the result is empty; aggregate by (le, ...))",
      R"(r.yml:15: group "g", rule 5, "quantile_without": histogram_quantile() over an aggregation that drops "le": the buckets are summed away and the result is empty; aggregate by (le, ...))",
      R"(r.yml:17: group "g", rule 6, "plain_regex": regex matcher instance!~"a:1" is a plain string: write instance!="a:1" (regexes are anchored, so it means the same, and = is cheaper))",
      R"(r.yml:17: group "g", rule 6, "plain_regex": regex matcher job=~"cog" is a plain string: write job="cog" (regexes are anchored, so it means the same, and = is cheaper))",
      R"(r.yml:19: group "g", rule 7, "on_missing": on(instance) of "/" names instance, which the left side does not keep (it is aggregated by (job)), so nothing can match)",
      R"(r.yml:19: group "g", rule 7, "on_missing": on(instance) of "/" names instance, which the right side does not keep (it is aggregated by (job)), so nothing can match)",
      R"(r.yml:20: group "g", rule 8, "gauge_rate": duplicate rule: rule 3 of group "g" also records "gauge_rate" with the same labels; their samples collide)",
      R"(r.yml:21: group "g", rule 8, "gauge_rate": increase() of cog_input_data_entropy, whose name says it is a gauge (_entropy without _total): rate and increase treat every drop as a counter reset; use deriv() or delta())",
      R"(r.yml:21: group "g", rule 8, "gauge_rate": rate() of container_memory_usage_bytes, whose name says it is a gauge (_bytes without _total): rate and increase treat every drop as a counter reset; use deriv() or delta())",
  };
  std::vector<std::string> sorted = w;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> sorted_want = want;
  std::sort(sorted_want.begin(), sorted_want.end());
  EXPECT_EQ(sorted, sorted_want);
}

TEST(Lint, CorrectRulesAreLeftAlone) {
  EXPECT_TRUE(lint(R"(groups:
- name: g
  rules:
  - alert: HighCpuUsage
    expr: avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name) > 0.8 * scalar(count(node_cpu_seconds_total{mode="idle"}))
    for: 3m
    labels: {severity: warning}
    annotations: {description: "{{ $value }}"}
  - alert: Matched
    expr: sum by (instance, job) (rate(a_total[5m])) > on (instance) group_left sum by (instance) (b)
    for: 1m
  - alert: SameGrouping
    expr: sum by (job) (rate(cog_predict_errors_total[5m])) / sum by (job) (rate(cog_predict_requests_total[5m])) > 0.01
    for: 2m
  - alert: Ignoring
    expr: sum by (job, code) (a) / ignoring (code) sum by (job) (b) > 1
    for: 2m
  - record: q
    expr: histogram_quantile(0.9, sum by (le, job) (rate(cog_predict_latency_seconds_bucket[5m])))
  - record: native_q
    expr: histogram_quantile(0.9, sum by (job) (rate(cog_predict_latency_seconds[5m])))
  - record: r
    expr: rate(container_network_transmit_bytes_total{job=~"cog.*"}[5m])
  - record: unknown_sides
    expr: a / b
)").empty());
}

// promtool's duplicate-rules lint: the same name and labels (the group's
// merged with the rule's) anywhere in the file, alerts included; and with
// LintSet::kDuplicateRules (--lint=duplicate-rules) nothing else.
constexpr const char* kDuplicates = R"(groups:
- name: a
  labels: {team: ml}
  rules:
  - record: x
    expr: rate(cog_input_data_entropy[5m])
  - alert: Down
    expr: up == 0
  - record: y
    expr: up
    labels: {team: ml}
- name: b
  rules:
  - record: x
    expr: up
    labels: {team: ml}
  - alert: Down
    expr: up == 0
    labels: {team: ml}
  - record: y
    expr: up
    labels: {team: infra}
)";

TEST(Lint, DuplicateRulesAcrossGroupsWithGroupLabels) {
  EXPECT_EQ(
      lint(kDuplicates, LintSet::kDuplicateRules),
      (std::vector<std::string>{
          R"(r.yml:14: group "b", rule 1, "x": duplicate rule: rule 1 of group "a" also records "x" with the same labels; their samples collide)",
          R"(r.yml:17: group "b", rule 2, "Down": duplicate rule: rule 2 of group "a" is also alert "Down" with the same labels; their ALERTS series collide)",
      }));
}

TEST(Lint, AllAddsCogwatchsLintsToTheDuplicates) {
  const auto all = lint(kDuplicates, LintSet::kAll);
  EXPECT_EQ(all.size(), 5u);  // the two duplicates, two alerts without for, rate() of a gauge
  EXPECT_NE(
      std::find(
          all.begin(), all.end(),
          R"(r.yml:6: group "a", rule 1, "x": rate() of cog_input_data_entropy, whose name says it is a gauge (_entropy without _total): rate and increase treat every drop as a counter reset; use deriv() or delta())"),
      all.end());
}

}  // namespace
}  // namespace cogwatch::rules
