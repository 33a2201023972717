// `cogwatch check rules FILE...`: promtool check rules' verdicts and
// layout, then cogwatch's lint warnings.
//
//   Checking rules.yml
//     SUCCESS: 3 rules found
//     WARNING: rules.yml:4: group "cog_alerts", rule 1, "HighCpuUsage": ...
//
// A file with errors prints "  FAILED:" and every error (file:line:col:
// message) on stderr. Exit codes as promtool's: 0, 1 if any file has
// errors, 3 for warnings with --strict (promtool's lint exit code).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cogwatch::cli {

struct CheckRulesOptions {
  std::vector<std::string> files;
  bool lint = true;                    // --lint=none turns the warnings off
  bool strict = false;                 // --strict (also --lint-fatal): warnings fail
  bool ignore_unknown_fields = false;  // as promtool's flag
};

int run_check_rules(const CheckRulesOptions& options, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
