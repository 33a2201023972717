#include "cli/check_rules.h"

#include <ostream>

#include "rules/lint.h"
#include "rules/rule_file.h"
#include "template/template.h"

namespace cogwatch::cli {

int run_check_rules(const CheckRulesOptions& options, std::ostream& out, std::ostream& err) {
  rules::RuleFileOptions parse_options;
  parse_options.check_template = tmpl::check_alert_template;
  parse_options.ignore_unknown_fields = options.ignore_unknown_fields;
  bool failed = false;
  bool warned = false;
  for (const std::string& path : options.files) {
    out << "Checking " << path << "\n";
    const rules::RuleFile file = rules::load_rule_file(path, parse_options);
    if (!file.ok()) {
      out.flush();
      err << "  FAILED:\n";
      for (const std::string& e : file.errors) err << e << "\n";
      err.flush();
      failed = true;
      out << "\n";
      continue;
    }
    out << "  SUCCESS: " << file.rule_count() << " rules found\n";
    if (options.lint) {
      for (const rules::LintWarning& w : rules::lint_rules(file)) {
        out << "  WARNING: " << w.text() << "\n";
        warned = true;
      }
    }
    out << "\n";
  }
  if (failed) return 1;
  if (warned && options.strict) return 3;
  return 0;
}

}  // namespace cogwatch::cli
