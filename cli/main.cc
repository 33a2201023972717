// cogwatch: one binary for scraping, storing, querying and alerting.
// Subcommands are added as the modules behind them land. The command line
// is read by cli/args.h first (arguments that start with '-', unknown
// commands), then by CLI11; exit codes are cli/exit_codes.h's.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <re2/re2.h>

#include "cli/args.h"
#include "cli/check_config.h"
#include "cli/check_rules.h"
#include "cli/cog_sim_server.h"
#include "cli/demo.h"
#include "cli/exit_codes.h"
#include "cli/query.h"
#include "cli/run.h"
#include "cli/selfcheck.h"
#include "cli/storage_flags.h"
#include "cli/test_promql.h"
#include "cli/tsdb_analyze.h"
#include "cli/tsdb_import.h"
#include "cli/version.h"
#include "ruletest/runner.h"

namespace {

using namespace cogwatch::cli;

constexpr const char* kFooter = R"(Exit codes: 0 success; 1 a check or test failed, or an input could not be used
(a missing file, a directory, a parse error, an output that cannot be written); 2 usage error (unknown
command or flag, missing or invalid argument); 3 check rules or check config --strict found lint problems.
An argument that starts with '-' (the expression -foo, the file -rules.yml) is taken as an argument
unless it is a flag of the command; after -- every word is an argument.
`cogwatch help COMMAND...` shows a command's help.)";

int usage_error(const std::string& command, const std::string& message) {
  std::cerr << command << ": error: " << message << ", try --help\n";
  return kExitUsage;
}

int input_error(const std::string& command, const cogwatch::Error& e) {
  std::cerr << command << ": error: " << e.message << "\n";
  return kExitFailed;
}

// A repeatable flag takes one value each time (--data a --data b), as
// kingpin's: a vector option would otherwise take the following words too,
// and eat the -- before the arguments (cli/args.h).
CLI::Option* one_value_each(CLI::Option* option) {
  return option->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// The deepest command CLI11 selected.
const CLI::App& selected(const CLI::App& app) {
  const auto subs = app.get_subcommands();
  return subs.empty() ? app : selected(*subs.front());
}

// --lint: promtool's comma-separated values all, duplicate-rules, none.
bool parse_lint(const std::string& value, CheckRulesOptions& options) {
  options.lint = std::nullopt;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = std::min(value.find(',', start), value.size());
    const std::string item = value.substr(start, comma - start);
    if (item == "all") {
      options.lint = cogwatch::rules::LintSet::kAll;
    } else if (item == "duplicate-rules") {
      if (options.lint != cogwatch::rules::LintSet::kAll) options.lint = cogwatch::rules::LintSet::kDuplicateRules;
    } else if (item != "none") {
      return false;
    }
    start = comma + 1;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cogwatch: a lightweight Prometheus-compatible alerting engine for ML model services"};
  app.name("cogwatch");
  app.set_version_flag("--version", std::string("cogwatch ") + kVersion);
  app.require_subcommand(1);
  app.footer(kFooter);

  CLI::App* help = app.add_subcommand("help", "Show help for a command: cogwatch help test rules");
  std::vector<std::string> help_topic;
  help->add_option("command", help_topic, "The command");

  RunFlags run_flags;
  CLI::App* run = app.add_subcommand(
      "run", "Run cogwatch: scrape, store, evaluate rules, notify, and serve the Prometheus HTTP API");
  run_flags.add_to(*run);

  DemoOptions demo;
  std::string demo_duration = "0";
  CLI::App* demo_cmd = app.add_subcommand(
      "demo", "See cogwatch work: a simulated Cog predictor cycles through incidents, alerts fire and notify");
  demo_cmd->add_option("--duration", demo_duration, "Stop after this long (e.g. 3m); 0 runs until Ctrl-C")
      ->capture_default_str();
  demo_cmd->add_option("--listen", demo.listen_address, "host:port for the Prometheus API (port 0: any free port)")
      ->capture_default_str();

  SelfcheckOptions selfcheck;
  CLI::App* sc = app.add_subcommand("selfcheck", "Store synthetic Cog metrics, read them back and verify them");
  sc->add_option("--targets", selfcheck.targets, "Simulated Cog predictors")->check(CLI::Range(1, 100000));
  sc->add_option("--hours", selfcheck.hours, "Hours of 15s samples")->check(CLI::Range(1, 24 * 30));
  StorageFlags storage;
  storage.add_to(*sc);

  CLI::App* test = app.add_subcommand("test", "Run test files");
  test->require_subcommand(1);
  CLI::App* test_promql = test->add_subcommand("promql", "Run PromQL test scripts (Prometheus's promqltest language)");
  std::vector<std::string> promql_files;
  bool show_skipped = false;
  test_promql->add_option("files", promql_files, "Test scripts")->required();
  test_promql->add_flag("--show-skipped", show_skipped, "List each skipped case with its reason");

  CLI::App* check = app.add_subcommand("check", "Check files for errors, as promtool check does");
  check->require_subcommand(1);
  CheckRulesOptions check_rules;
  CLI::App* check_rules_cmd = check->add_subcommand(
      "rules", "Check rule files (standard input without files): promtool's verdicts, then lint warnings");
  check_rules_cmd->add_option("files", check_rules.files, "Rule files; none: read standard input");
  std::string lint = "all";
  check_rules_cmd
      ->add_option("--lint", lint,
                   "Lint checks, comma-separated: all (cogwatch's and promtool's), duplicate-rules (promtool's "
                   "only) or none")
      ->capture_default_str();
  check_rules_cmd->add_flag("--strict,--lint-fatal", check_rules.strict, "Exit 3 when there are lint warnings");
  check_rules_cmd->add_flag("--ignore-unknown-fields", check_rules.ignore_unknown_fields,
                            "Ignore unknown fields in rule groups and rules");

  CheckConfigOptions check_config;
  CLI::App* check_config_cmd = check->add_subcommand(
      "config", "Check config files and the rule files they name: promtool's verdicts, then lint warnings");
  check_config_cmd->add_option("files", check_config.files, "Config files")->required();
  std::string config_lint = "all";
  check_config_cmd
      ->add_option("--lint", config_lint,
                   "Lint checks, comma-separated: all (cogwatch's config and rule lints, and promtool's), "
                   "duplicate-rules (promtool's only) or none")
      ->capture_default_str();
  check_config_cmd->add_flag("--strict,--lint-fatal", check_config.strict, "Exit 3 when there are lint warnings");
  check_config_cmd->add_flag("--syntax-only", check_config.syntax_only,
                             "Only check the config file's syntax, not the files it names");

  CLI::App* test_rules = test->add_subcommand("rules", "Run rule unit tests (promtool test rules files)");
  std::vector<std::string> rule_test_files;
  cogwatch::ruletest::RuleTestOptions rule_test_options;
  std::vector<std::string> run_regexes;
  test_rules->add_option("files", rule_test_files, "Test files")->required();
  one_value_each(test_rules->add_option(
      "--run", run_regexes,
      "Only test groups whose name matches this regular expression (RE2, unanchored); may be repeated. Matching no "
      "test group fails the run"));
  test_rules->add_flag("--ignore-unknown-fields", rule_test_options.ignore_unknown_fields,
                       "Ignore unknown fields in the rule files");
  test_rules->add_flag("--coverage", rule_test_options.coverage,
                       "After the run, list every rule with how many test cases exercised it");
  double fail_under = -1;
  test_rules
      ->add_option("--fail-under", fail_under,
                   "Fail when less than this percentage of rules is exercised, or when no rule was loaded")
      ->check(CLI::Range(0.0, 100.0));
  bool diff_flag = false;
  test_rules->add_flag("--diff", diff_flag,
                       "Accepted for promtool compatibility: cogwatch always shows what differs (\"why:\" lines)");
  std::string junit_file;
  test_rules->add_option("--junit", junit_file, "Write a JUnit XML report to this file (as promtool)");

  QueryOptions query;
  CLI::App* q = app.add_subcommand("query", "Evaluate PromQL over files of timestamped samples; print API JSON");
  one_value_each(
      q->add_option("--data", query.data_files, "Prometheus text or OpenMetrics file with timestamps; may be repeated"))
      ->required();
  q->add_option("--time", query.time, "Instant query time: unix seconds or RFC 3339 (default: newest sample)");
  q->add_option("--start", query.start, "Range query start");
  q->add_option("--end", query.end, "Range query end");
  q->add_option("--step", query.step, "Range query step: duration or seconds");
  q->add_option("expr", query.expr, "PromQL expression (may start with '-')")->required();

  CogSimServerOptions cog_sim;
  std::string scenario = "normal", sim_duration = "0";
  CLI::App* sim = app.add_subcommand("cog-sim", "Serve the /metrics of a simulated Cog predictor");
  sim->add_option("--listen", cog_sim.listen, "host:port to serve on (port 0: any free port)")->capture_default_str();
  sim->add_option("--scenario", scenario, "normal, errors, cpu, drift or throughput")->capture_default_str();
  sim->add_option("--series", cog_sim.sim.extra_series, "Extra padding series for load tests")
      ->check(CLI::Range(0, 10'000'000));
  sim->add_flag("--once", cog_sim.once, "Print one /metrics body to stdout and exit (e.g. | promtool check metrics)");
  sim->add_option("--duration", sim_duration, "Stop after this long (e.g. 30s); 0 runs until interrupted")
      ->capture_default_str();

  CLI::App* tsdb_cmd = app.add_subcommand("tsdb", "Work with a data directory, as promtool tsdb does");
  tsdb_cmd->require_subcommand(1);
  TsdbAnalyzeOptions analyze;
  std::string analyze_path_flag, analyze_path_arg;
  CLI::App* analyze_cmd = tsdb_cmd->add_subcommand(
      "analyze", "Analyze churn, label pair cardinality and chunks of a block or the head (read-only: safe beside "
                 "a running cogwatch)");
  analyze_cmd->add_option("--storage.tsdb.path", analyze_path_flag, "Data directory (default data/)");
  analyze_cmd->add_option("--limit", analyze.limit, "How many items to show in each list")->capture_default_str();
  analyze_cmd->add_option("path", analyze_path_arg, "Data directory (default data/)");
  analyze_cmd->add_option("block", analyze.block,
                          "Block to analyze: its name under blocks/, or head (default: the newest block, or the "
                          "head when there is none)");
  CLI::App* import_cmd = tsdb_cmd->add_subcommand("import", "Import samples from a file into blocks");
  import_cmd->require_subcommand(1);
  TsdbImportOptions import_options;
  std::string max_block_duration = "2h";
  CLI::App* import_om = import_cmd->add_subcommand(
      "openmetrics",
      "Import samples from OpenMetrics input into blocks of a data directory, as promtool tsdb create-blocks-from "
      "openmetrics (refuses time ranges the directory already holds, and a directory a running cogwatch holds)");
  import_om->add_option("input", import_options.input, "OpenMetrics file to read samples from (ends with # EOF)")
      ->required();
  import_om->add_option("output", import_options.output, "Data directory for the blocks")->capture_default_str();
  import_om
      ->add_option("--max-block-duration", max_block_duration,
                   "Longest block to write; longer than 2h picks promtool's largest range 2h*3^k that fits")
      ->capture_default_str();
  import_om->add_flag("-q,--quiet", import_options.quiet, "Do not print the blocks written");

  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty()) {  // as promtool: the help, and success
    std::cout << app.help();
    return kExitOk;
  }
  auto prepared = prepare_args(app, words);
  if (!prepared) return usage_error("cogwatch", prepared.error().message);
  try {
    std::vector<std::string> reversed(prepared->rbegin(), prepared->rend());  // CLI11 pops from the back
    app.parse(reversed);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(command_path(selected(app)), e.what());
  }

  if (help->parsed()) {
    const CLI::App* topic = find_command(app, help_topic);
    if (topic == nullptr) {
      std::string name;
      for (const std::string& w : help_topic) name += (name.empty() ? "" : " ") + w;
      return usage_error("cogwatch help", "unknown command \"" + name + "\" (commands: " + command_list(app) + ")");
    }
    // The formatter, not App::help(): that would show the parsed `help` command's own help.
    std::cout << topic->get_formatter()->make_help(topic, command_path(*topic), CLI::AppFormatMode::Normal);
    return kExitOk;
  }
  if (run->parsed()) return run_daemon(run_flags, *run, std::cerr);
  if (demo_cmd->parsed()) {
    auto d = cogwatch::parse_duration(demo_duration);
    if (!d) return usage_error("cogwatch demo", "--duration: " + d.error().message);
    demo.duration = *d;
    return run_demo(demo, std::cout, std::cerr);
  }
  if (sim->parsed()) {
    auto s = parse_scenario(scenario);
    auto d = cogwatch::parse_duration(sim_duration);
    if (!s) return usage_error("cogwatch cog-sim", "--scenario: unknown scenario \"" + scenario + "\"");
    if (!d) return usage_error("cogwatch cog-sim", "--duration: " + d.error().message);
    cog_sim.sim.scenario = *s;
    cog_sim.duration = *d;
    return run_cog_sim(cog_sim, std::cout, std::cerr);
  }
  if (check_rules_cmd->parsed()) {
    if (!parse_lint(lint, check_rules)) {
      return usage_error("cogwatch check rules",
                         "--lint: unknown lint option in \"" + lint + "\" (all, duplicate-rules, none)");
    }
    if (auto s = check_input_files(check_rules.files); !s) return input_error("cogwatch check rules", s.error());
    return run_check_rules(check_rules, std::cin, std::cout, std::cerr);
  }
  if (check_config_cmd->parsed()) {
    CheckRulesOptions lint_set;
    if (!parse_lint(config_lint, lint_set)) {
      return usage_error("cogwatch check config",
                         "--lint: unknown lint option in \"" + config_lint + "\" (all, duplicate-rules, none)");
    }
    check_config.lint = lint_set.lint;
    if (auto s = check_input_files(check_config.files); !s) return input_error("cogwatch check config", s.error());
    return run_check_config(check_config, std::cout, std::cerr);
  }
  if (q->parsed()) {
    if (auto s = check_input_files(query.data_files); !s) return input_error("cogwatch query", s.error());
    return run_query(query, std::cout, std::cerr);
  }
  if (test_rules->parsed()) {
    if (!run_regexes.empty()) {
      std::string joined;  // as promtool: several --run match any of them
      for (const std::string& r : run_regexes) joined += (joined.empty() ? "" : "|") + r;
      for (const std::string& r : run_regexes) {
        const re2::RE2 re(r, re2::RE2::Quiet);
        if (!re.ok())
          return usage_error("cogwatch test rules", "--run '" + r + "': invalid regular expression: " + re.error());
      }
      rule_test_options.run = joined;
    }
    if (!junit_file.empty()) rule_test_options.junit = junit_file;
    if (fail_under >= 0) rule_test_options.fail_under = fail_under;
    if (auto s = check_input_files(rule_test_files); !s) return input_error("cogwatch test rules", s.error());
    return cogwatch::ruletest::run_rule_tests(rule_test_files, rule_test_options, std::cout, std::cerr);
  }
  if (test_promql->parsed()) {
    if (auto s = check_input_files(promql_files); !s) return input_error("cogwatch test promql", s.error());
    return run_test_promql(promql_files, show_skipped, std::cout);
  }
  if (analyze_cmd->parsed()) {
    if (!analyze_path_flag.empty() && !analyze_path_arg.empty() && analyze.block.empty()) {
      // `--storage.tsdb.path=DIR head`: the one argument is the block.
      analyze.block = std::move(analyze_path_arg);
      analyze_path_arg.clear();
    }
    if (!analyze_path_flag.empty() && !analyze_path_arg.empty()) {
      return usage_error("cogwatch tsdb analyze", "the data directory is given twice (--storage.tsdb.path and path)");
    }
    if (!analyze_path_flag.empty()) analyze.path = analyze_path_flag;
    if (!analyze_path_arg.empty()) analyze.path = analyze_path_arg;
    return run_tsdb_analyze(analyze, std::cout, std::cerr);
  }
  if (import_om->parsed()) {
    auto d = cogwatch::parse_duration(max_block_duration);
    if (!d) return usage_error("cogwatch tsdb import openmetrics", "--max-block-duration: " + d.error().message);
    import_options.max_block_duration = *d;
    if (auto s = check_input_files({import_options.input}); !s)
      return input_error("cogwatch tsdb import openmetrics", s.error());
    return run_tsdb_import(import_options, std::cout, std::cerr);
  }
  if (sc->parsed()) {
    auto opts = storage.head_options();
    if (!opts) return usage_error("cogwatch selfcheck", opts.error().message);
    selfcheck.storage = *opts;
    if (auto fits = check_selfcheck_fits(selfcheck, available_memory()); !fits)
      return usage_error("cogwatch selfcheck", fits.error().message);
    return run_selfcheck(selfcheck, std::cout);
  }
  return kExitOk;
}
