#include "ruletest/coverage.h"

#include <algorithm>
#include <cstdio>

#include "rules/rule.h"

namespace cogwatch::ruletest {
namespace {

// The metric names an expression selects, and the alert names of the
// ALERTS / ALERTS_FOR_STATE series it selects.
void selected_names(const parser::Expr& root, std::set<std::string>& metrics, std::set<std::string>& alerts) {
  std::vector<const parser::Expr*> stack{&root};
  while (!stack.empty()) {
    const parser::Expr& e = *stack.back();
    stack.pop_back();
    if (const auto* s = e.as<parser::VectorSelector>()) {
      std::string name = s->name;
      std::string alertname;
      for (const LabelMatcher& m : s->matchers) {
        if (m.type() != MatchType::kEqual) continue;
        if (m.name() == kMetricNameLabel) name = m.value();
        if (m.name() == rules::kAlertNameLabel) alertname = m.value();
      }
      if (!name.empty()) metrics.insert(name);
      if ((name == rules::kAlertMetricName || name == rules::kAlertForStateMetricName) && !alertname.empty()) {
        alerts.insert(alertname);
      }
    }
    for (const parser::Expr* child : parser::children(e)) stack.push_back(child);
  }
}

}  // namespace

void TestCoverage::add_rule_file(const rules::RuleFile& file) {
  if (!files_.insert(file.path).second) return;
  for (const rules::GroupSpec& g : file.groups) {
    for (const rules::RuleSpec& r : g.rules) {
      Entry e{file.path, g.name, r.name, r.kind == rules::RuleKind::kAlerting, {}, 0, 0, {}, false};
      std::set<std::string> alerts;
      if (r.expr) selected_names(*r.expr, e.selects, alerts);
      entries_.push_back(std::move(e));
    }
  }
}

// The recording rules behind `names`, transitively, each counted once as
// exercised through `via`.
void TestCoverage::exercise(const std::set<std::string>& names, const std::string& via) {
  std::set<std::string> seen;
  std::vector<std::string> queue(names.begin(), names.end());
  while (!queue.empty()) {
    const std::string name = queue.back();
    queue.pop_back();
    if (!seen.insert(name).second) continue;
    for (Entry& e : entries_) {
      if (e.alerting || e.name != name) continue;
      ++e.indirect;
      e.through.insert(via);
      queue.insert(queue.end(), e.selects.begin(), e.selects.end());
    }
  }
}

void TestCoverage::tested_alert(std::string_view alertname) {
  std::set<std::string> deps;
  for (Entry& e : entries_) {
    if (!e.alerting || e.name != alertname) continue;
    ++e.direct;
    deps.insert(e.selects.begin(), e.selects.end());
  }
  exercise(deps, std::string(alertname));
}

void TestCoverage::tested_expr(const parser::Expr& expr) {
  std::set<std::string> metrics, alerts;
  selected_names(expr, metrics, alerts);
  for (const std::string& a : alerts) tested_alert(a);
  std::set<std::string> deps;
  for (Entry& e : entries_) {
    if (e.alerting || !metrics.contains(e.name)) continue;
    ++e.direct;
    deps.insert(e.selects.begin(), e.selects.end());
  }
  exercise(deps, "a tested expression");
}

void TestCoverage::seen_firing(std::string_view alertname) {
  for (Entry& e : entries_) {
    if (e.alerting && e.name == alertname) e.fired = true;
  }
}

size_t TestCoverage::exercised() const {
  return static_cast<size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.direct + e.indirect > 0; }));
}

double TestCoverage::percent() const {
  return entries_.empty() ? 0.0 : 100.0 * static_cast<double>(exercised()) / static_cast<double>(entries_.size());
}

std::string TestCoverage::report() const {
  if (entries_.empty()) return "Coverage: no rules were loaded\n";
  char head[128];
  std::snprintf(head, sizeof head, "Coverage: %zu of %zu rules exercised (%.1f%%)\n", exercised(), entries_.size(),
                percent());
  std::string out = head;
  std::vector<const Entry*> order;
  for (const Entry& e : entries_) order.push_back(&e);
  // Never exercised first, then by file order.
  std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return (a->direct + a->indirect == 0) > (b->direct + b->indirect == 0);
  });
  for (const Entry* e : order) {
    std::string line = e->alerting ? "  alert     " : "  recording ";
    line += e->name + " (" + e->file + ", group " + e->group + "): ";
    if (e->direct + e->indirect == 0) {
      line += "NOT TESTED";
    } else {
      line += std::to_string(e->direct) + (e->direct == 1 ? " test case" : " test cases");
      if (e->indirect > 0) {
        std::string via;
        for (const std::string& t : e->through) via += (via.empty() ? "" : ", ") + t;
        line += ", " + std::to_string(e->indirect) + " through " + via;
      }
      if (e->alerting) line += e->fired ? ", seen firing" : ", never seen firing";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace cogwatch::ruletest
