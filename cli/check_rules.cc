#include "cli/check_rules.h"

#include <istream>
#include <iterator>
#include <ostream>

#include "cli/exit_codes.h"
#include "rules/rule_file.h"
#include "template/template.h"

namespace cogwatch::cli {

RuleFileVerdict report_rule_file(const rules::RuleFile& file, const std::string& shown_as,
                                 const std::optional<rules::LintSet>& lint, std::ostream& out, std::ostream& err) {
  out << "Checking " << shown_as << "\n";
  if (!file.ok()) {
    out.flush();
    err << "  FAILED:\n";
    for (const std::string& e : file.errors) err << e << "\n";
    err.flush();
    out << "\n";
    return {.failed = true, .warned = false};
  }
  out << "  SUCCESS: " << file.rule_count() << " rules found\n";
  bool warned = false;
  if (lint) {
    for (const rules::LintWarning& w : rules::lint_rules(file, *lint)) {
      out << "  WARNING: " << w.text() << "\n";
      warned = true;
    }
  }
  out << "\n";
  return {.failed = false, .warned = warned};
}

int run_check_rules(const CheckRulesOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  rules::RuleFileOptions parse_options;
  parse_options.check_template = tmpl::check_alert_template;
  parse_options.ignore_unknown_fields = options.ignore_unknown_fields;
  bool failed = false;
  bool warned = false;
  auto add = [&](RuleFileVerdict verdict) {
    failed = failed || verdict.failed;
    warned = warned || verdict.warned;
  };
  if (options.files.empty()) {
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    add(report_rule_file(rules::parse_rule_file(text, "standard input", parse_options), "standard input",
                         options.lint, out, err));
  }
  for (const std::string& path : options.files) {
    add(report_rule_file(rules::load_rule_file(path, parse_options), path, options.lint, out, err));
  }
  if (failed) return kExitFailed;
  if (warned && options.strict) return kExitLint;
  return kExitOk;
}

}  // namespace cogwatch::cli
