// Which rules a set of rule unit tests exercises (`cogwatch test rules
// --coverage`).
//
//   TestCoverage c;
//   c.add_rule_file(file);            // every rule file the tests load
//   c.tested_alert("PredictorDown");  // one alert_rule_test case
//   c.tested_expr(*expr);             // one promql_expr_test case
//   c.seen_firing("PredictorDown");   // the alert fired during a test
//   out << c.report();
//
// An alert test exercises the alerting rules of that name; an expression
// test exercises the recording rules whose output it selects (and the
// alerts whose ALERTS series it selects). Either also exercises, through
// them, every recording rule they depend on, transitively; the listing
// says "through X" for those. Rules never exercised are listed first.
//
// Thread-safety: none; one run at a time.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "parser/ast.h"
#include "rules/rule_file.h"

namespace cogwatch::ruletest {

class TestCoverage {
 public:
  void add_rule_file(const rules::RuleFile& file);
  void tested_alert(std::string_view alertname);
  void tested_expr(const parser::Expr& expr);
  void seen_firing(std::string_view alertname);

  size_t rules() const { return entries_.size(); }
  size_t exercised() const;
  double percent() const;  // 0 when there are no rules: nothing was exercised
  // "Coverage: 5 of 6 rules exercised (83.3%)" and one line per rule, or
  // "Coverage: no rules were loaded" when there are none.
  std::string report() const;

 private:
  struct Entry {
    std::string file;
    std::string group;
    std::string name;
    bool alerting = false;
    std::set<std::string> selects;  // metric names its expression reads
    size_t direct = 0;              // test cases that exercised it directly
    size_t indirect = 0;            // ... through the rules in `through`
    std::set<std::string> through;
    bool fired = false;
  };

  void exercise(const std::set<std::string>& recording_names, const std::string& via);

  std::set<std::string> files_;
  std::vector<Entry> entries_;
};

}  // namespace cogwatch::ruletest
