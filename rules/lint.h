// Lint for rule files: mistakes that `promtool check rules` lets through
// but that make a rule silently useless, each with why and what to write
// instead. `cogwatch check rules` prints them after a file's verdict.
//
//   for (const LintWarning& w : lint_rules(file)) std::cout << w.text() << "\n";
//   // rules.yml:4: group "cog_alerts", rule 1, "HighCpuUsage": the two sides
//   //   of ">" can never match: ...
//
// What is flagged:
//   - a binary operation between vectors whose label sets are known (both
//     sides aggregated with `by`) and differ, so default matching can never
//     pair them; on()/ignoring() naming labels a side does not have;
//   - rate/irate/increase on a metric whose name says gauge (_bytes without
//     _total, _entropy, _ratio, _score, _percent, _celsius);
//   - an alert without `for` (one bad evaluation fires it);
//   - histogram_quantile over an aggregation that drops `le`;
//   - a regex matcher that is a plain string (=~"cog": use =);
//   - an alert label whose value uses $value (a new alert series per value);
//   - rules that repeat another rule's name and labels anywhere in the file
//     (the group's labels included): promtool's duplicate-rules lint, the
//     only one `--lint=duplicate-rules` runs.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/rule_file.h"

namespace cogwatch::rules {

struct LintWarning {
  std::string file;
  uint32_t line = 0;
  std::string group;
  int rule = 0;  // 1-based within the group
  std::string rule_name;
  std::string message;

  // "file:line: group "g", rule N, "name": message"
  std::string text() const;
};

// Which lints run, as promtool's --lint values: kDuplicateRules is
// promtool's one lint, kAll adds cogwatch's (--lint=none runs nothing and
// needs no call).
enum class LintSet : uint8_t { kAll, kDuplicateRules };

std::vector<LintWarning> lint_rules(const RuleFile& file, LintSet set = LintSet::kAll);

}  // namespace cogwatch::rules
