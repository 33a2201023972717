// `cogwatch check rules [FILE...]`: promtool check rules' verdicts and
// layout, then cogwatch's lint warnings. Without files, the rules are read
// from standard input ("Checking standard input"), as Prometheus 3's
// promtool does.
//
//   Checking rules.yml
//     SUCCESS: 3 rules found
//     WARNING: rules.yml:4: group "cog_alerts", rule 1, "HighCpuUsage": ...
//
// A file with errors prints "  FAILED:" and every error (file:line:col:
// message) on stderr. Exit codes as promtool's: 0, 1 if any file has
// errors, 3 for warnings with --strict (promtool's lint exit code). The
// caller has checked that the files exist and are not directories
// (cli/args.h's check_input_files).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "rules/lint.h"
#include "rules/rule_file.h"

namespace cogwatch::cli {

struct CheckRulesOptions {
  std::vector<std::string> files;                             // none: standard input
  std::optional<rules::LintSet> lint = rules::LintSet::kAll;  // --lint; nullopt for --lint=none
  bool strict = false;                 // --strict (also --lint-fatal): warnings fail
  bool ignore_unknown_fields = false;  // as promtool's flag
};

int run_check_rules(const CheckRulesOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

// One parsed rule file's verdict as check rules prints it ("Checking
// <shown_as>", SUCCESS or FAILED and the errors, the lint warnings of
// `lint`, a blank line); check config prints the rule files it finds so.
struct RuleFileVerdict {
  bool failed = false;
  bool warned = false;
};
RuleFileVerdict report_rule_file(const rules::RuleFile& file, const std::string& shown_as,
                                 const std::optional<rules::LintSet>& lint, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
