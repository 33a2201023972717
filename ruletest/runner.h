// Rule unit tests in promtool's format (`cogwatch test rules`): the same
// files, the same semantics, the same verdicts, exit codes and failure
// layout as `promtool test rules`.
//
//   int code = run_rule_tests({"tests.yml"}, {}, std::cout, std::cerr);
//
// A test file names rule files (relative to itself, globs), an
// evaluation_interval (1m), an optional group_eval_order, and tests: each
// loads input_series (the promqltest series notation, at the test's
// interval), evaluates every rule group at every evaluation_interval from 0
// to the largest eval_time (groups in group_eval_order, the others in file
// order), checks alert_rule_test cases against the firing alerts at their
// eval_time, then promql_expr_test cases against instant queries. Alerts
// and samples compare as sets, exactly (fuzzy_compare: within one ulp).
// Native histograms (input series and exp_samples' `histogram`, in the
// series notation) compare as promtool compares them: by their notation
// after compaction, the counter reset hint included; an expected sample's
// `value` is compared too (a histogram sample's value is 0).
//
// Output, as promtool's: "Unit Testing:  FILE", then "  SUCCESS" on stdout,
// or "  FAILED:" and each failure on stderr. Exit code 0 if every file
// passed, 1 otherwise; also 1 (beyond promtool) when --run matched no test
// group, when --fail-under finds no rule loaded, and when the --junit file
// cannot be opened (checked before anything runs) or written.
//
// Added to promtool's lines, each recognisable by its prefix: "  PASS
// name" / "  FAIL  name" per test group, "  N passed, M failed" per file,
// "Total: ..." at the end, and under a failed alert test "        why: ..."
// lines (pending since when and until when, which labels or annotations
// differ, an empty expression, an unknown alert name), and under a failed
// expression test which series are missing, extra or different (for
// histograms, which items of the notation differ), and which
// samples sit exactly on a window's start
// (ruletest/window_edges.h).
//
// Thread-safety: no shared state.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cogwatch::ruletest {

struct RuleTestOptions {
  std::optional<std::string> run;      // --run: only test groups whose name matches (RE2, unanchored;
                                       // promtool's several --run joined with |). REQUIRES: a valid
                                       // RE2 pattern (the CLI refuses others as a usage error)
  bool ignore_unknown_fields = false;  // in the rule files
  std::optional<std::string> junit;    // --junit: write promtool's JUnit XML report there
  bool coverage = false;               // --coverage: list each rule with how the tests exercised it
  std::optional<double> fail_under;    // --fail-under=PCT: exit 1 when coverage is below (implies --coverage)
};

int run_rule_tests(const std::vector<std::string>& files, const RuleTestOptions& options, std::ostream& out,
                   std::ostream& err);

}  // namespace cogwatch::ruletest
