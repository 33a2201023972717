// Config lint: each lint fires on the mistake (at its place, saying what
// to write) and stays quiet on the correct config next to it.
#include "cli/config_lint.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfigLintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cogwatch_config_lint_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "rules");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  // The warnings' texts for a config that must load.
  std::vector<std::string> lint(const std::string& yml) {
    auto c = parse_daemon_config(yml, "c.yml", dir_.string());
    EXPECT_TRUE(c.ok()) << c.error().message;
    std::vector<std::string> out;
    if (!c) return out;
    for (const ConfigWarning& w : lint_config(*c, "c.yml")) out.push_back(w.text());
    return out;
  }

  std::filesystem::path dir_;
};

// --- relabel_configs: labeldrop of a series label (the Cog guide's mistake)

TEST_F(ConfigLintTest, LabeldropOfASeriesLabelInRelabelConfigsShowsTheMetricRelabelEntry) {
  const auto w = lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000'], labels: {env: prod}}]
  relabel_configs:
  - action: labeldrop
    regex: trace_id
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0],
            "c.yml:5:5: labeldrop in relabel_configs does nothing: no target of job \"cog\" has a label matching "
            "\"trace_id\" (relabel_configs rewrite the targets' labels before the scrape: __address__, job, __meta_* "
            "and the labels of the target groups; the scraped series' labels are seen only by "
            "metric_relabel_configs); to drop it from the scraped series, write:\n"
            "    metric_relabel_configs:\n"
            "    - action: labeldrop\n"
            "      regex: trace_id");
}

TEST_F(ConfigLintTest, LabeldropThatRemovesATargetLabelOrSitsInMetricRelabelConfigsIsQuiet) {
  EXPECT_THAT(lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000'], labels: {env: prod, trace_id: x}}]
  relabel_configs:
  - {action: labeldrop, regex: 'env|trace_id'}
  metric_relabel_configs:
  - {action: labeldrop, regex: trace_id}
)"),
              IsEmpty());
}

TEST_F(ConfigLintTest, LabeldropOfASeriesLabelWithFileSdIsFlaggedAnOrdinaryOneIsNot) {
  const auto w = lint(R"(scrape_configs:
- job_name: k8s
  file_sd_configs: [{files: ['sd/*.json']}]
  relabel_configs:
  - {action: labeldrop, regex: 'request_id|user_id'}
  - {action: labeldrop, regex: pod}
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:5:5: labeldrop in relabel_configs does nothing: targets have no label "
                              "request_id, user_id"));
  EXPECT_THAT(w[0], HasSubstr("regex: request_id|user_id"));
}

// --- relabel_configs: steps reading labels no target has

TEST_F(ConfigLintTest, KeepOnNameInRelabelConfigsDropsEveryTarget) {
  const auto w = lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000']}]
  relabel_configs:
  - {action: keep, source_labels: [__name__], regex: 'cog_.*'}
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:5:5: keep in relabel_configs drops every target of job \"cog\": no target of job "
                              "\"cog\" has the label __name__ here, so the value read is \"\", which regex \"cog_.*\" "
                              "does not match"));
  EXPECT_THAT(w[0], HasSubstr("you meant:\n    metric_relabel_configs:\n    - action: keep\n      source_labels: "
                              "[__name__]\n      regex: 'cog_.*'"));
}

TEST_F(ConfigLintTest, KeepOrDropOnNameWithFileSdIsFlaggedOnAMetaLabelIsNot) {
  const auto w = lint(R"(scrape_configs:
- job_name: k8s
  file_sd_configs: [{files: ['sd/*.json']}]
  relabel_configs:
  - {action: keep, source_labels: [__name__], regex: 'cog_.*'}
  - {action: drop, source_labels: [request_id], regex: '.+'}
  - {action: keep, source_labels: [__meta_filepath], regex: '.*cog.*'}
  - {action: keep, source_labels: [team], regex: ml}
)");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:5:5: keep in relabel_configs drops every target of job \"k8s\": targets have no "
                              "label __name__, and regex \"cog_.*\" does not match the empty value read"));
  EXPECT_THAT(w[1], HasSubstr("c.yml:6:5: drop in relabel_configs never applies: targets have no label request_id"));
}

TEST_F(ConfigLintTest, DropOnAMissingLabelNeverAppliesAKeepOnAPresentOneIsQuiet) {
  const auto w = lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000', 'cog:5001'], labels: {env: prod}}]
  relabel_configs:
  - {action: drop, source_labels: [request_id], regex: '.+'}
  - {action: keep, source_labels: [env], regex: prod}
  - {action: keep, source_labels: [__address__], regex: 'cog:5000'}
  - {source_labels: [env], target_label: tier, replacement: gold}
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:5:5: drop in relabel_configs never applies: no target of job \"cog\" has the "
                              "label request_id here"));
}

TEST_F(ConfigLintTest, AStepReadingALabelAnEarlierStepSetIsQuiet) {
  EXPECT_THAT(lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000']}]
  relabel_configs:
  - {source_labels: [__address__], target_label: host, regex: '(.*):.*'}
  - {action: keep, source_labels: [host], regex: cog}
)"),
              IsEmpty());
}

TEST_F(ConfigLintTest, KeepOnAStaticLabelNoTargetHasDropsEveryTarget) {
  const auto w = lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000'], labels: {env: staging}}]
  relabel_configs:
  - {action: keep, source_labels: [env], regex: prod}
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("keep in relabel_configs drops every target of job \"cog\": regex \"prod\" matches none "
                              "of their values"));
}

// --- metric_relabel_configs reading target-only labels

TEST_F(ConfigLintTest, MetricRelabelReadingAMetaLabelSaysToCopyIt) {
  const auto w = lint(R"(scrape_configs:
- job_name: k8s
  file_sd_configs: [{files: ['sd/*.json']}]
  metric_relabel_configs:
  - {action: keep, source_labels: [__meta_kubernetes_pod_name], regex: 'cog-.*'}
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:5:5: keep in metric_relabel_configs reads __meta_kubernetes_pod_name, which "
                              "scraped series never have"));
  EXPECT_THAT(w[0], HasSubstr("relabel_configs:\n    - source_labels: [__meta_kubernetes_pod_name]\n      "
                              "target_label: kubernetes_pod_name"));
}

TEST_F(ConfigLintTest, MetricRelabelOnNameOrOnATemporaryLabelItSetIsQuiet) {
  EXPECT_THAT(lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000']}]
  metric_relabel_configs:
  - {source_labels: [__name__], regex: 'go_.*', action: drop}
  - {source_labels: [instance], target_label: __tmp_host}
  - {source_labels: [__tmp_host], regex: 'cog:.*', action: keep}
)"),
              IsEmpty());
}

// --- scrape_timeout close to scrape_interval

TEST_F(ConfigLintTest, ATimeoutOfNinetyPercentOfTheIntervalIsFlaggedOnceAtItsPlace) {
  const auto w = lint(R"(global: {scrape_interval: 10s, scrape_timeout: 9s}
scrape_configs:
- job_name: a
  static_configs: [{targets: ['a:1']}]
- job_name: b
  static_configs: [{targets: ['b:1']}]
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:1:48: scrape_timeout 9s is 90% of the scrape_interval 10s of job \"a\""));
  EXPECT_THAT(w[0], HasSubstr("(e.g. scrape_timeout: 8s)"));
}

TEST_F(ConfigLintTest, ATimeoutWithHeadroomOrTheDefaultIsQuiet) {
  // The default timeout (10s, capped at the interval) equals a 10s
  // interval: Prometheus's own default, not flagged.
  EXPECT_THAT(lint(R"(global: {scrape_interval: 10s}
scrape_configs:
- job_name: a
  scrape_timeout: 8s
  static_configs: [{targets: ['a:1']}]
- job_name: b
  static_configs: [{targets: ['b:1']}]
)"),
              IsEmpty());
}

// --- scrape_interval past the lookback

TEST_F(ConfigLintTest, AnIntervalOfFiveMinutesOrMoreIsFlagged) {
  const auto w = lint("scrape_configs:\n- job_name: a\n  scrape_interval: 5m\n  static_configs: [{targets: ['a:1']}]\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:3:20: scrape_interval 5m (job \"a\") is not shorter than the 5m lookback"));
  EXPECT_THAT(lint("scrape_configs:\n- job_name: a\n  scrape_interval: 2m\n  static_configs: [{targets: ['a:1']}]\n"),
              IsEmpty());
}

// --- the same target twice

TEST_F(ConfigLintTest, TheSameTargetTwiceInAJobIsFlagged) {
  const auto w = lint(R"(scrape_configs:
- job_name: cog
  static_configs:
  - targets: ['cog-1:5000', 'cog-2:5000']
  - targets: ['cog-1:5000']
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "c.yml:5:15: target \"cog-1:5000\" is listed twice in job \"cog\" (first at c.yml:4:15): it is "
                  "scraped once, the second entry does nothing");
}

TEST_F(ConfigLintTest, TheSameTargetInTwoJobsThatScrapeItAlikeIsFlagged) {
  const auto w = lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog-1:5000']}]
- job_name: cog-again
  static_configs: [{targets: ['cog-1:5000']}]
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:5:31: target \"cog-1:5000\" is also scraped by job \"cog\" (at c.yml:3:31)"));
}

TEST_F(ConfigLintTest, TheSameAddressOnAnotherPathOrWithMetricRelabellingIsQuiet) {
  EXPECT_THAT(lint(R"(scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog-1:5000']}]
- job_name: cog-probe
  metrics_path: /probe
  static_configs: [{targets: ['cog-1:5000']}]
- job_name: cog-slow
  scrape_interval: 2m
  static_configs: [{targets: ['cog-1:5000']}]
  metric_relabel_configs: [{action: keep, source_labels: [__name__], regex: 'cog_slow_.*'}]
)"),
              IsEmpty());
}

// --- rule_files patterns matching nothing

TEST_F(ConfigLintTest, ARuleFilesPatternMatchingNoFileIsFlagged) {
  write("rules/a.yml", "groups: []\n");
  const auto w = lint("rule_files: ['rules/*.yml', 'alerts/*.yml']\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "c.yml:1:29: rule_files pattern \"alerts/*.yml\" matches no file in " + dir_.string() +
                      ": no rules are loaded from it");
}

// --- rate windows

TEST_F(ConfigLintTest, ARateWindowShorterThanTwoIntervalsIsFlaggedInTheRuleFile) {
  write("rules/a.yml", R"(groups:
- name: g
  rules:
  - record: fast
    expr: rate(cog_requests_total[20s])
  - record: fine
    expr: rate(cog_requests_total[1m]) + increase(cog_requests_total[30s])
)");
  const auto w = lint(R"(global: {scrape_interval: 15s, evaluation_interval: 15s}
rule_files: ['rules/*.yml']
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], (dir_ / "rules/a.yml").string() +
                      ":5:11: group \"g\", record \"fast\": rate() over a 20s window, while samples come at best every "
                      "15s (the shortest scrape or evaluation interval of c.yml): a window shorter than two intervals "
                      "often holds one sample, and rate() then returns nothing; use at least four intervals (1m)");
}

// --- alerts with nowhere to go

TEST_F(ConfigLintTest, AlertsWithNoAlertmanagerAndNoNotifySectionAreFlagged) {
  write("rules/a.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m\n");
  const auto w = lint("rule_files: ['rules/*.yml']\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("c.yml:1:13: 1 alerting rule is loaded, but its alerts are sent nowhere"));
  EXPECT_THAT(lint("rule_files: ['rules/*.yml']\nnotify: {route: {receiver: a}, receivers: [{name: a}]}\n"),
              IsEmpty());
  EXPECT_THAT(lint("rule_files: ['rules/*.yml']\nalerting: {alertmanagers: [{static_configs: [{targets: ['am:1']}]}]}\n"),
              IsEmpty());
}

// --- hints for configs that fail

TEST(ConfigErrorHints, LabeldropWithSourceLabelsShowsTheEntryMeant) {
  const auto hints = config_error_hints(R"(scrape_configs:
- job_name: cog
  relabel_configs:
  - {action: labeldrop, source_labels: [trace_id]}
  metric_relabel_configs:
  - {action: labelkeep, source_labels: [a, b]}
)",
                                        "c.yml");
  ASSERT_EQ(hints.size(), 2u);
  EXPECT_THAT(hints[0].text(), HasSubstr("c.yml:4:5: labeldrop takes the label names to drop in regex alone, without "
                                         "source_labels; and in relabel_configs it sees only the targets' labels"));
  EXPECT_THAT(hints[0].text(), HasSubstr("metric_relabel_configs:\n    - action: labeldrop\n      regex: trace_id"));
  EXPECT_THAT(hints[1].text(), HasSubstr("c.yml:6:5: labelkeep takes the label names to keep in regex alone"));
  EXPECT_THAT(hints[1].text(), HasSubstr("regex: a|b"));
}

TEST(ConfigErrorHints, NoneForOtherErrors) {
  EXPECT_THAT(config_error_hints("scrape_configs:\n- job_name: a\n  scrape_intervl: 1s\n", "c.yml"), IsEmpty());
  EXPECT_THAT(config_error_hints("[", "c.yml"), IsEmpty());
}

}  // namespace
}  // namespace cogwatch::cli
