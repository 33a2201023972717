// cogwatch: one binary for scraping, storing, querying and alerting.
// Subcommands are added as the modules behind them land.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/check_rules.h"
#include "cli/cog_sim_server.h"
#include "cli/query.h"
#include "cli/selfcheck.h"
#include "cli/storage_flags.h"
#include "cli/test_promql.h"
#include "cli/version.h"
#include "ruletest/runner.h"

int main(int argc, char** argv) {
  CLI::App app{"cogwatch: a lightweight Prometheus-compatible alerting engine for ML model services"};
  app.name("cogwatch");
  app.set_version_flag("--version", std::string("cogwatch ") + cogwatch::cli::kVersion);
  app.require_subcommand(1);

  cogwatch::cli::SelfcheckOptions selfcheck;
  CLI::App* sc = app.add_subcommand("selfcheck", "Store synthetic Cog metrics, read them back and verify them");
  sc->add_option("--targets", selfcheck.targets, "Simulated Cog predictors")->check(CLI::Range(1, 100000));
  sc->add_option("--hours", selfcheck.hours, "Hours of 15s samples")->check(CLI::Range(1, 24 * 30));
  cogwatch::cli::StorageFlags storage;
  storage.add_to(*sc);

  CLI::App* test = app.add_subcommand("test", "Run test files");
  test->require_subcommand(1);
  CLI::App* test_promql = test->add_subcommand("promql", "Run PromQL test scripts (Prometheus's promqltest language)");
  std::vector<std::string> promql_files;
  bool show_skipped = false;
  test_promql->add_option("files", promql_files, "Test scripts")->required()->check(CLI::ExistingFile);
  test_promql->add_flag("--show-skipped", show_skipped, "List each skipped case with its reason");

  CLI::App* check = app.add_subcommand("check", "Check files for errors, as promtool check does");
  check->require_subcommand(1);
  cogwatch::cli::CheckRulesOptions check_rules;
  CLI::App* check_rules_cmd = check->add_subcommand("rules", "Check rule files: promtool's verdicts, then lint warnings");
  check_rules_cmd->add_option("files", check_rules.files, "Rule files")->required();
  std::string lint = "all";
  check_rules_cmd->add_option("--lint", lint, "Lint warnings: all or none")
      ->check(CLI::IsMember({"all", "none", "duplicate-rules"}))
      ->capture_default_str();
  check_rules_cmd->add_flag("--strict,--lint-fatal", check_rules.strict, "Exit 3 when there are lint warnings");
  check_rules_cmd->add_flag("--ignore-unknown-fields", check_rules.ignore_unknown_fields,
                            "Ignore unknown fields in rule groups and rules");

  CLI::App* test_rules = test->add_subcommand("rules", "Run rule unit tests (promtool test rules files)");
  std::vector<std::string> rule_test_files;
  cogwatch::ruletest::RuleTestOptions rule_test_options;
  std::string run_regex;
  test_rules->add_option("files", rule_test_files, "Test files")->required();
  test_rules->add_option("--run", run_regex, "Only test groups whose name matches this regular expression");
  test_rules->add_flag("--ignore-unknown-fields", rule_test_options.ignore_unknown_fields,
                       "Ignore unknown fields in the rule files");
  test_rules->add_flag("--coverage", rule_test_options.coverage,
                       "After the run, list every rule with how many test cases exercised it");
  double fail_under = -1;
  test_rules->add_option("--fail-under", fail_under, "Fail when less than this percentage of rules is exercised")
      ->check(CLI::Range(0.0, 100.0));
  bool diff_flag = false;
  test_rules->add_flag("--diff", diff_flag,
                       "Accepted for promtool compatibility: cogwatch always shows what differs (\"why:\" lines)");
  std::string junit_file;
  test_rules->add_option("--junit", junit_file, "Write a JUnit XML report to this file (as promtool)");

  cogwatch::cli::QueryOptions query;
  CLI::App* q = app.add_subcommand("query", "Evaluate PromQL over files of timestamped samples; print API JSON");
  q->add_option("--data", query.data_files, "Prometheus text or OpenMetrics file with timestamps")
      ->required()
      ->check(CLI::ExistingFile);
  q->add_option("--time", query.time, "Instant query time: unix seconds or RFC 3339 (default: newest sample)");
  q->add_option("--start", query.start, "Range query start");
  q->add_option("--end", query.end, "Range query end");
  q->add_option("--step", query.step, "Range query step: duration or seconds");
  q->add_option("expr", query.expr, "PromQL expression")->required();

  cogwatch::cli::CogSimServerOptions cog_sim;
  std::string scenario = "normal", sim_duration = "0";
  CLI::App* sim = app.add_subcommand("cog-sim", "Serve the /metrics of a simulated Cog predictor");
  sim->add_option("--listen", cog_sim.listen, "host:port to serve on (port 0: any free port)")->capture_default_str();
  sim->add_option("--scenario", scenario, "normal, errors, cpu, drift or throughput")->capture_default_str();
  sim->add_option("--series", cog_sim.sim.extra_series, "Extra padding series for load tests")->check(CLI::Range(0, 10'000'000));
  sim->add_flag("--once", cog_sim.once, "Print one /metrics body to stdout and exit (e.g. | promtool check metrics)");
  sim->add_option("--duration", sim_duration, "Stop after this long (e.g. 30s); 0 runs until interrupted")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (sim->parsed()) {
    auto s = cogwatch::cli::parse_scenario(scenario);
    auto d = cogwatch::parse_duration(sim_duration);
    if (!s || !d) {
      std::cerr << "cogwatch cog-sim: " << (!s ? "unknown scenario \"" + scenario + "\"" : d.error().message) << "\n";
      return 2;
    }
    cog_sim.sim.scenario = *s;
    cog_sim.duration = *d;
    return cogwatch::cli::run_cog_sim(cog_sim, std::cout, std::cerr);
  }
  if (check_rules_cmd->parsed()) {
    check_rules.lint = lint != "none";
    return cogwatch::cli::run_check_rules(check_rules, std::cout, std::cerr);
  }
  if (q->parsed()) return cogwatch::cli::run_query(query, std::cout, std::cerr);
  if (test_rules->parsed()) {
    if (!run_regex.empty()) rule_test_options.run = run_regex;
    if (!junit_file.empty()) rule_test_options.junit = junit_file;
    if (fail_under >= 0) rule_test_options.fail_under = fail_under;
    return cogwatch::ruletest::run_rule_tests(rule_test_files, rule_test_options, std::cout, std::cerr);
  }
  if (test_promql->parsed()) return cogwatch::cli::run_test_promql(promql_files, show_skipped, std::cout);
  if (sc->parsed()) {
    auto opts = storage.head_options();
    if (!opts) {
      std::cerr << "cogwatch: " << opts.error().message << "\n";
      return 2;
    }
    selfcheck.storage = *opts;
    return cogwatch::cli::run_selfcheck(selfcheck, std::cout);
  }
  return 0;
}
