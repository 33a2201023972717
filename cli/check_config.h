// `cogwatch check config FILE...`: promtool check config's verdicts, layout
// and exit codes, judged by the loader the daemon uses (cli/daemon_config.h),
// then cogwatch's lint warnings (cli/config_lint.h):
//
//   Checking cogwatch.yml
//     SUCCESS: 1 rule files found
//    SUCCESS: cogwatch.yml is valid prometheus config file syntax
//     WARNING: cogwatch.yml:12:7: labeldrop in relabel_configs does nothing: ...
//
//   Checking rules/cog.yml
//     SUCCESS: 4 rules found
//
// A config with errors prints "  FAILED:" and every error (file:line:col:
// message) on stderr, and its rule files are not checked; otherwise every
// rule file its rule_files name is checked as check rules checks it. As
// promtool, and unless --syntax-only: a rule_files entry without '*' must
// name a file, file_sd files must parse (a pattern matching nothing is a
// WARNING), and the scrape configs' credentials and client TLS files must
// exist. Exit codes: 0; 1 if any config or rule file has errors; 3 for
// lint warnings with --strict (--lint-fatal). Warnings about what cogwatch
// ignores (remote_write, ...) are NOTEs and never fail. The caller has
// checked that the files exist and are not directories.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "rules/lint.h"

namespace cogwatch::cli {

struct CheckConfigOptions {
  std::vector<std::string> files;
  bool syntax_only = false;  // --syntax-only: no file named by the config is looked at
  // --lint: kAll runs the config lints and every rule lint; kDuplicateRules
  // promtool's one rule lint; nullopt (--lint=none) nothing.
  std::optional<rules::LintSet> lint = rules::LintSet::kAll;
  bool strict = false;  // --strict (also --lint-fatal): warnings fail with exit code 3
};

int run_check_config(const CheckConfigOptions& options, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
