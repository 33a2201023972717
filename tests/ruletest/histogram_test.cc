// `cogwatch test rules` with native histograms, as Prometheus 3's promtool
// runs them (cmd/promtool/unittest.go): histogram input series, exp_samples
// with `histogram:` compared by their notation (compacted, the counter
// reset hint included), promtool's failure text, the errors of a bad
// expected histogram (with its place in the test file), recording rules
// that store histograms, and alert templates whose $value is a histogram.
// Debian's promtool 2.42 predates all of it, so the expected texts here are
// upstream's, read from its code (CMakeLists.txt also compares the CLI with
// promtool side by side, skipped while promtool is too old for the file).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ruletest/runner.h"

namespace cogwatch::ruletest {
namespace {

class HistogramRuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "cogwatch_ruletest_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes the rule file and the test file (which names "rules.yml"), runs
  // them, and keeps what was printed.
  int run(const std::string& tests, const std::string& rules = kRules) {
    std::ofstream(dir_ / "rules.yml") << rules;
    std::ofstream(path()) << tests;
    out_.str("");
    err_.str("");
    return run_rule_tests({path()}, {}, out_, err_);
  }
  std::string path() const { return (dir_ / "tests.yml").string(); }

  static constexpr const char* kRules = R"(groups:
- name: latency
  rules:
  - record: job:lat:rate5m
    expr: sum by (job) (rate(lat[5m]))
  - alert: LatencyHistogram
    expr: lat{instance="a"}
    annotations:
      value: "{{ $value }}"
      count: "{{ $value.Count }} observations, sum {{ $value.Sum | humanize }}"
      humanized: "{{ $value | humanize }}"
)";

  // Two instances, each adding {sum:6 count:4 buckets:[1 3]} a minute.
  static std::string with_cases(const std::string& cases) {
    return R"(rule_files: [rules.yml]
tests:
  - name: latency
    interval: 1m
    input_series:
      - series: 'lat{job="cog", instance="a"}'
        values: "{{sum:0 count:0}}+{{sum:6 count:4 buckets:[1 3]}}x10"
      - series: 'lat{job="cog", instance="b"}'
        values: "{{sum:0 count:0}}+{{sum:6 count:4 buckets:[1 3]}}x10"
      - series: 'plain'
        values: "1x10"
)" + cases;
  }

  std::filesystem::path dir_;
  std::ostringstream out_, err_;
};

TEST_F(HistogramRuleTest, ExpectedHistogramsMatch) {
  EXPECT_EQ(run(with_cases(R"(    promql_expr_test:
      # The first sample of its chunk: no counter reset hint; every item
      # is 0, so the notation is empty.
      - expr: lat{instance="a"}
        eval_time: 0m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: "{{}}"
      # Later ones are known not to be resets; notations compare after
      # compaction, so leading and trailing empty buckets do not matter.
      - expr: lat{instance="b"}
        eval_time: 3m
        exp_samples:
          - labels: 'lat{job="cog", instance="b"}'
            histogram: "{{count:12 sum:18 counter_reset_hint:not_reset offset:-1 buckets:[0 3 9 0]}}"
      # A recording rule's histogram, read back from storage: a rate is a
      # gauge histogram.
      - expr: job:lat:rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'job:lat:rate5m{job="cog"}'
            histogram: "{{count:0.13333333333333333 sum:0.2 counter_reset_hint:gauge buckets:[0.03333333333333333 0.1]}}"
      # Floats and histograms side by side.
      - expr: plain or lat{instance="a"}
        eval_time: 1m
        exp_samples:
          - labels: plain
            value: 1
          - labels: 'lat{job="cog", instance="a"}'
            histogram: "{{sum:6 count:4 counter_reset_hint:not_reset buckets:[1 3]}}"
)")),
            0)
      << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_NE(out_.str().find("  PASS  latency\n  SUCCESS\n"), std::string::npos) << out_.str();
}

TEST_F(HistogramRuleTest, MismatchPrintsBothNotationsAndWhatDiffers) {
  EXPECT_EQ(run(with_cases(R"(    promql_expr_test:
      - expr: lat{instance="a"}
        eval_time: 2m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: "{{sum:12 count:9 counter_reset_hint:not_reset buckets:[2 7]}}"
      - expr: lat{instance="a"}
        eval_time: 2m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: "{{sum:12 count:8 buckets:[2 6]}}"
      - expr: plain
        eval_time: 0m
        exp_samples:
          - labels: plain
            histogram: "{{sum:1 count:1 buckets:[1]}}"
      - expr: lat{instance="a"}
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            value: 4
      # promtool compares `value` even beside `histogram`.
      - expr: lat{instance="a"}
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            value: 4
            histogram: "{{sum:6 count:4 counter_reset_hint:not_reset buckets:[1 3]}}"
)")),
            1);
  EXPECT_EQ(err_.str(), R"(  FAILED:
    expr: "lat{instance=\"a\"}", time: 2m,
        exp: {__name__="lat", instance="a", job="cog"} {{count:9 sum:12 counter_reset_hint:not_reset buckets:[2 7]}}
        got: {__name__="lat", instance="a", job="cog"} {{count:8 sum:12 counter_reset_hint:not_reset buckets:[2 6]}}
        why: {__name__="lat", instance="a", job="cog"}: buckets is [2 6], expected [2 7]; count is 8, expected 9
    expr: "lat{instance=\"a\"}", time: 2m,
        exp: {__name__="lat", instance="a", job="cog"} {{count:8 sum:12 buckets:[2 6]}}
        got: {__name__="lat", instance="a", job="cog"} {{count:8 sum:12 counter_reset_hint:not_reset buckets:[2 6]}}
        why: {__name__="lat", instance="a", job="cog"}: counter_reset_hint is not_reset, expected none (promtool compares the counter reset hint too, whenever either side has one)
    expr: "plain", time: 0s,
        exp: {__name__="plain"} {{count:1 sum:1 buckets:[1]}}
        got: {__name__="plain"} 1E+00
        why: {__name__="plain"} is a float, expected a native histogram
    expr: "lat{instance=\"a\"}", time: 1m,
        exp: {__name__="lat", instance="a", job="cog"} 4E+00
        got: {__name__="lat", instance="a", job="cog"} {{count:4 sum:6 counter_reset_hint:not_reset buckets:[1 3]}}
        why: {__name__="lat", instance="a", job="cog"} is a native histogram, expected a float
    expr: "lat{instance=\"a\"}", time: 1m,
        exp: {__name__="lat", instance="a", job="cog"} {{count:4 sum:6 counter_reset_hint:not_reset buckets:[1 3]}}
        got: {__name__="lat", instance="a", job="cog"} {{count:4 sum:6 counter_reset_hint:not_reset buckets:[1 3]}}
        why: {__name__="lat", instance="a", job="cog"} expects value 4 besides its histogram: promtool compares it too, and a histogram sample's value is 0
)");
}

TEST_F(HistogramRuleTest, BadExpectedHistogramsFailTheirCaseWithTheirPlace) {
  EXPECT_EQ(run(with_cases(R"(    promql_expr_test:
      - expr: lat
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: "{{sum:6 count:4 buckets:[1 3}}"
      - expr: lat
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: "{{sum:6}}x2"
      - expr: lat
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: 5
      - expr: lat
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job="cog", instance="a"}'
            histogram: _
      # The labels are read first, as promtool reads them.
      - expr: lat
        eval_time: 1m
        exp_samples:
          - labels: 'lat{job=}'
            histogram: "{{sum:6"
)")),
            1);
  const std::string p = path();
  EXPECT_EQ(err_.str(), "  FAILED:\n"
                        "    expr: \"lat\", time: 1m, err: labels \"lat{job=\\\"cog\\\", instance=\\\"a\\\"}\": " +
                            p + ":17:24: invalid histogram \"{{sum:6 count:4 buckets:[1 3}}\": missing \"]\" after buckets\n"
                        "    expr: \"lat\", time: 1m, err: labels \"lat{job=\\\"cog\\\", instance=\\\"a\\\"}\": " +
                            p + ":22:24: expected 1 value, got 3\n"
                        "    expr: \"lat\", time: 1m, err: labels \"lat{job=\\\"cog\\\", instance=\\\"a\\\"}\": " +
                            p + ":27:24: expected histogram, got 5.000000\n"
                        "    expr: \"lat\", time: 1m, err: labels \"lat{job=\\\"cog\\\", instance=\\\"a\\\"}\": " +
                            p + ":32:24: expected histogram, got _\n"
                        "    expr: \"lat\", time: 1m, err: labels \"lat{job=}\": 1:9: parse error: unexpected \"}\" in "
                        "label set, expected string\n");
}

TEST_F(HistogramRuleTest, AlertTemplatesSeeTheHistogram) {
  // $value prints as Prometheus's FloatHistogram.String(); its fields are
  // readable; humanize fails on it as prometheus/common's ConvertToFloat.
  EXPECT_EQ(run(with_cases(R"(    alert_rule_test:
      - eval_time: 2m
        alertname: LatencyHistogram
        exp_alerts:
          - exp_labels: {job: cog, instance: a}
            exp_annotations:
              value: "{count:8, sum:12, (0.5,1]:2, (1,2]:6}"
              count: "8 observations, sum 12"
              humanized: "<error expanding template: error executing template __alert_LatencyHistogram: template: __alert_LatencyHistogram:1:124: executing \"__alert_LatencyHistogram\" at <humanize>: error calling humanize: can't convert *histogram.FloatHistogram to float>"
)")),
            0)
      << err_.str();
}

TEST_F(HistogramRuleTest, RecordedHistogramsFeedLaterRules) {
  EXPECT_EQ(run(R"(rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'lat{job="cog", instance="a"}'
        values: "{{schema:1 sum:0 count:0}}+{{schema:1 sum:3 count:2 buckets:[1 1] offset:2}}x10"
    promql_expr_test:
      - expr: histogram_count(job:lat:rate5m)
        eval_time: 10m
        exp_samples:
          - labels: '{job="cog"}'
            value: 0.03333333333333333
      - expr: job:lat:rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'job:lat:rate5m{job="cog"}'
            histogram: "{{schema:1 count:0.03333333333333333 sum:0.05 counter_reset_hint:gauge offset:2 buckets:[0.016666666666666666 0.016666666666666666]}}"
)",
                R"(groups:
- name: latency
  rules:
  - record: job:lat:rate5m
    expr: sum by (job) (rate(lat[5m]))
)"),
            0)
      << err_.str();
}

}  // namespace
}  // namespace cogwatch::ruletest
