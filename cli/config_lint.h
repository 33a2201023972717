// Lint for prometheus.yml (cogwatch.yml): configurations that load but do
// not do what their author meant, each with why and what to write instead.
// `cogwatch check config` prints them after a file's verdict.
//
//   for (const ConfigWarning& w : lint_config(*cfg, "cogwatch.yml")) std::cout << w.text() << "\n";
//   // cogwatch.yml:12:7: labeldrop in relabel_configs does nothing here: ...
//
// What is flagged (never a guess: a static job's relabel_configs are run
// on its real targets; a job with file_sd_configs, whose targets are not
// known, only for labels no target has: per-request ids and __name__):
//   - a relabel_configs step that cannot see what it reads: a labeldrop of a
//     series label such as trace_id (targets have no such label; series
//     are relabelled by metric_relabel_configs), a keep/drop/replace whose
//     source_labels no target has, so it drops every target or does
//     nothing; the step the author meant, under metric_relabel_configs;
//   - a metric_relabel_configs step that reads only target labels starting
//     with "__" (__meta_*, __address__), which scraped series no longer have;
//   - a scrape_timeout of 90% of the scrape_interval or more;
//   - a scrape_interval of 5m or more (the lookback of queries and rules);
//   - the same target twice in a job, or in two jobs that scrape it alike;
//   - a rule_files pattern that matches no file;
//   - rate()-like functions over a window shorter than twice the shortest
//     scrape or evaluation interval (some evaluations see one sample);
//   - alerting rules with nowhere to send their alerts (no alertmanagers,
//     no notify: section).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/daemon_config.h"

namespace cogwatch::cli {

struct ConfigWarning {
  std::string file;  // the config file, or the rule file the warning is about
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;  // may span lines (the YAML to write instead)

  // "file:line:col: message"
  std::string text() const;
};

// The warnings for a config that loaded (config.text parses; the rule
// files are those config.rule_files holds). `filename` names the config
// file in warnings. check_files: whether the lints that look at files run
// (rule_files patterns; false for check config --syntax-only).
std::vector<ConfigWarning> lint_config(const DaemonConfig& config, const std::string& filename,
                                       bool check_files = true);

// For a config that failed to load: what the author probably meant where
// the error comes from a well-known mistake (a labeldrop or labelkeep
// written with source_labels, which Prometheus refuses). Empty when the
// text is not YAML or nothing is recognised.
std::vector<ConfigWarning> config_error_hints(std::string_view text, const std::string& filename);

}  // namespace cogwatch::cli
