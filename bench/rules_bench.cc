// Rule unit tests and rule evaluation: how long `cogwatch test rules` takes
// on the project's test files (without process start-up, which
// bench/test_rules_vs_promtool.sh measures), and one evaluation of the Cog
// alert group over a fleet.
#include <benchmark/benchmark.h>

#include <sstream>
#include <string>

#include "rules/group.h"
#include "rules/rule_file.h"
#include "template/template.h"
#include "ruletest/runner.h"
#include "tsdb/head.h"

namespace cogwatch::bench {
namespace {

// arg 0: the Cog alert tests (3 groups, 10-21 points per series, 6 alert
// cases and a PromQL case); arg 1: the failing file (every failure kind,
// with explanations).
void BM_TestRules(benchmark::State& state) {
  const std::string dir = std::string(COGWATCH_SOURCE_DIR) + "/tests/ruletest/";
  const std::string file = state.range(0) == 0 ? dir + "unit/cog_alerts_test.yml" : dir + "unit_failing/failing_test.yml";
  for (auto _ : state) {
    std::ostringstream out, err;
    benchmark::DoNotOptimize(ruletest::run_rule_tests({file}, {}, out, err));
  }
}
BENCHMARK(BM_TestRules)->ArgName("failing")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The shipped Cog alert group evaluated once over 200 predictors' worth of
// series, 30 minutes of 15 s samples loaded.
void BM_EvalCogAlertGroup(benchmark::State& state) {
  const rules::RuleFile file = rules::load_rule_file(std::string(COGWATCH_SOURCE_DIR) + "/examples/rules/cog_alerts.yml");
  tsdb::Head head;
  constexpr int kTargets = 200;
  constexpr Timestamp kEnd = 30 * kMinute;
  {
    auto app = head.appender();
    for (int t = 0; t < kTargets; ++t) {
      const std::string instance = "cog-" + std::to_string(t) + ":5000";
      for (Timestamp ts = 0; ts <= kEnd; ts += 15 * kSecond) {
        const double n = static_cast<double>(ts) / 1000;
        (void)app->append(Labels{{"__name__", "cog_predict_requests_total"}, {"instance", instance}}, ts, 10 * n);
        (void)app->append(Labels{{"__name__", "cog_predict_errors_total"}, {"instance", instance}}, ts, 0.05 * n);
        (void)app->append(Labels{{"__name__", "cog_input_data_entropy"}, {"instance", instance}}, ts, 1 + t % 3);
        (void)app->append(Labels{{"__name__", "container_cpu_usage_seconds_total"}, {"name", "cog-" + std::to_string(t)},
                                 {"container_name", "predictor-" + std::to_string(t)}},
                          ts, 0.5 * n);
      }
    }
    for (int cpu = 0; cpu < 4; ++cpu) {
      for (Timestamp ts = 0; ts <= kEnd; ts += 15 * kSecond) {
        (void)app->append(Labels{{"__name__", "node_cpu_seconds_total"}, {"cpu", std::to_string(cpu)}, {"mode", "idle"}},
                          ts, static_cast<double>(ts) / 2000);
      }
    }
    app->commit();
  }
  rules::Group group(file.groups.at(0), "cog_alerts.yml", {});
  Timestamp ts = kEnd - 10 * kMinute;
  for (auto _ : state) {
    group.eval(ts, head, head);
    ts += 15 * kSecond;
    if (ts > kEnd) ts = kEnd - 10 * kMinute;
  }
  state.counters["alerts"] = static_cast<double>(
      std::get<rules::AlertingRule>(group.rules()[2].rule).active_alerts().size());
}
BENCHMARK(BM_EvalCogAlertGroup)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cogwatch::bench
