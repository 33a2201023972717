#include "rules/lint.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "parser/ast.h"
#include "parser/printer.h"

namespace cogwatch::rules {
namespace {

using parser::Expr;
using LabelSet = std::set<std::string>;

std::string join(const LabelSet& labels) {
  std::string s;
  for (const std::string& l : labels) s += (s.empty() ? "" : ", ") + l;
  return s;
}

// The label names every sample of e carries at most, when the expression
// fixes them (an aggregation with `by`, or what passes one through);
// nothing when they depend on the data.
std::optional<LabelSet> known_labels(const Expr& e) {
  const Expr& x = parser::strip_parens(e);
  if (const auto* a = x.as<parser::AggregateExpr>()) {
    using Op = parser::AggregateOp;
    if (a->without || a->op == Op::kTopk || a->op == Op::kBottomk || a->op == Op::kLimitk ||
        a->op == Op::kLimitRatio) {
      return std::nullopt;
    }
    LabelSet s(a->grouping.begin(), a->grouping.end());
    if (a->op == Op::kCountValues) {
      if (const auto* label = a->param ? parser::strip_parens(*a->param).as<parser::StringLiteral>() : nullptr) s.insert(label->value);
    }
    return s;
  }
  if (const auto* u = x.as<parser::UnaryExpr>()) return known_labels(*u->expr);
  if (const auto* c = x.as<parser::Call>()) {
    using F = parser::Function;
    switch (c->func) {
      case F::kVector: return LabelSet{};
      case F::kLabelReplace:
      case F::kLabelJoin:
      case F::kScalar:
      case F::kTime: return std::nullopt;
      case F::kHistogramQuantile:
      case F::kHistogramFraction: {
        auto s = known_labels(*c->args.back());
        if (s) s->erase("le");
        return s;
      }
      default:
        // Functions of one vector keep its labels (rate, abs, clamp, ...).
        for (const auto& arg : c->args) {
          const parser::ValueType t = parser::type_of(*arg);
          if (t == parser::ValueType::kVector || t == parser::ValueType::kMatrix) return known_labels(*arg);
        }
        return std::nullopt;
    }
  }
  if (const auto* b = x.as<parser::BinaryExpr>()) {
    const bool lhs_scalar = parser::type_of(*b->lhs) == parser::ValueType::kScalar;
    const bool rhs_scalar = parser::type_of(*b->rhs) == parser::ValueType::kScalar;
    if (lhs_scalar && !rhs_scalar) return known_labels(*b->rhs);
    if (rhs_scalar && !lhs_scalar) return known_labels(*b->lhs);
  }
  return std::nullopt;
}

class Linter {
 public:
  Linter(const RuleFile& file, LintSet set, std::vector<LintWarning>& out) : file_(file), set_(set), out_(out) {}

  void run() {
    // promtool's duplicate-rules: the same rule name with the same labels
    // (the group's merged with the rule's, the rule's winning), file-wide.
    std::map<std::pair<std::string, Labels>, std::pair<const GroupSpec*, int>> first;
    for (const GroupSpec& g : file_.groups) {
      for (size_t i = 0; i < g.rules.size(); ++i) {
        const RuleSpec& r = g.rules[i];
        group_ = &g;
        index_ = static_cast<int>(i) + 1;
        rule_ = &r;
        LabelsBuilder merged(g.labels);
        for (const Label l : r.labels) merged.set(l.name, l.value);
        const auto [it, fresh] = first.try_emplace({r.name, merged.build()}, &g, index_);
        if (!fresh) {
          const std::string other =
              "rule " + std::to_string(it->second.second) + " of group \"" + it->second.first->name + "\"";
          warn(r.position.line, r.kind == RuleKind::kRecording
                                    ? "duplicate rule: " + other + " also records \"" + r.name +
                                          "\" with the same labels; their samples collide"
                                    : "duplicate rule: " + other + " is also alert \"" + r.name +
                                          "\" with the same labels; their ALERTS series collide");
        }
        if (set_ != LintSet::kAll) continue;
        if (r.kind == RuleKind::kAlerting) alert_checks(r);
        if (r.expr) walk(*r.expr);
      }
    }
  }

 private:
  void warn(uint32_t line, std::string message) {
    out_.push_back({file_.path, line, group_->name, index_, rule_->name, std::move(message)});
  }
  void warn(std::string message) { warn(rule_->expr_position.line, std::move(message)); }

  void alert_checks(const RuleSpec& r) {
    if (r.for_duration == 0) {
      warn(r.position.line,
           "alert has no 'for': it fires on the first evaluation that matches, so one odd scrape pages; add "
           "for: (e.g. 2m)");
    }
    for (const Label l : r.labels) {
      if (l.value.find("$value") != std::string_view::npos || l.value.find(".Value") != std::string_view::npos) {
        warn(r.position.line, "label \"" + std::string(l.name) +
                                  "\" uses $value: every new value makes a new alert (and resolves the old one); "
                                  "put the value in an annotation");
      }
    }
  }

  void walk(const Expr& root) {
    std::vector<const Expr*> stack{&root};
    while (!stack.empty()) {
      const Expr& e = *stack.back();
      stack.pop_back();
      if (const auto* b = e.as<parser::BinaryExpr>()) binary(*b);
      if (const auto* c = e.as<parser::Call>()) call(*c);
      if (const auto* s = e.as<parser::VectorSelector>()) selector(*s);
      for (const Expr* child : parser::children(e)) stack.push_back(child);
    }
  }

  void binary(const parser::BinaryExpr& b) {
    if (parser::type_of(*b.lhs) != parser::ValueType::kVector || parser::type_of(*b.rhs) != parser::ValueType::kVector) {
      return;
    }
    if (b.matching.card != parser::Cardinality::kOneToOne && b.matching.card != parser::Cardinality::kManyToMany) {
      return;  // group_left/right: the user chose the matching
    }
    const std::string op = "\"" + std::string(parser::binary_op_string(b.op)) + "\"";
    std::optional<LabelSet> lhs = known_labels(*b.lhs);
    std::optional<LabelSet> rhs = known_labels(*b.rhs);
    const LabelSet matching(b.matching.labels.begin(), b.matching.labels.end());
    if (b.matching.on) {
      for (const auto& [side, labels] : {std::pair{"left", lhs}, std::pair{"right", rhs}}) {
        if (!labels) continue;
        LabelSet missing;
        std::set_difference(matching.begin(), matching.end(), labels->begin(), labels->end(),
                            std::inserter(missing, missing.end()));
        if (!missing.empty()) {
          warn("on(" + join(matching) + ") of " + op + " names " + join(missing) + ", which the " + side +
               " side does not keep (it is aggregated by (" + join(*labels) + ")), so nothing can match");
        }
      }
      return;
    }
    if (!lhs || !rhs) return;
    for (const std::string& l : matching) {  // ignoring(...)
      lhs->erase(l);
      rhs->erase(l);
    }
    if (*lhs == *rhs) return;
    warn("the two sides of " + op + " can never match: the left side is aggregated by (" + join(*lhs) +
         ") and the right side by (" + join(*rhs) +
         "), and without on() a match needs the same labels on both sides; use on(...) with group_left/group_right, "
         "or compare with a number (scalar(...))");
  }

  void call(const parser::Call& c) {
    using F = parser::Function;
    if (c.func == F::kRate || c.func == F::kIrate || c.func == F::kIncrease) {
      const auto* m = parser::strip_parens(*c.args[0]).as<parser::MatrixSelector>();
      const auto* s = m ? m->selector->as<parser::VectorSelector>() : nullptr;
      if (s == nullptr || s->name.empty() || s->name.ends_with("_total")) return;
      for (const char* suffix : {"_bytes", "_entropy", "_ratio", "_score", "_percent", "_celsius"}) {
        if (s->name.ends_with(suffix)) {
          warn(std::string(parser::function_info(c.func).name) + "() of " + s->name +
               ", whose name says it is a gauge (" + suffix +
               " without _total): rate and increase treat every drop as a counter reset; use deriv() or delta()");
          return;
        }
      }
    }
    if (c.func == F::kHistogramQuantile && c.args.size() == 2) {
      const auto* a = parser::strip_parens(*c.args[1]).as<parser::AggregateExpr>();
      if (a == nullptr || reads_native_histograms(*a->expr)) return;
      const bool has_le = std::find(a->grouping.begin(), a->grouping.end(), "le") != a->grouping.end();
      if (a->without ? has_le : !has_le) {
        warn("histogram_quantile() over an aggregation that drops \"le\": the buckets are summed away and the "
             "result is empty; aggregate by (le, ...)");
      }
    }
  }

  // Whether e reads a series by a name without _bucket: a native
  // histogram has no le to keep (`sum by (job) (rate(latency_seconds[5m]))`).
  static bool reads_native_histograms(const Expr& e) {
    if (const auto* s = e.as<parser::VectorSelector>()) return !s->name.empty() && !s->name.ends_with("_bucket");
    for (const Expr* child : parser::children(e)) {
      if (reads_native_histograms(*child)) return true;
    }
    return false;
  }

  void selector(const parser::VectorSelector& s) {
    for (const LabelMatcher& m : s.matchers) {
      if (!m.is_regex() || m.value().empty()) continue;
      if (m.value().find_first_of(".*+?()[]{}|^$\\") != std::string::npos) continue;
      const char* plain = m.type() == MatchType::kRegexMatch ? "=" : "!=";
      warn("regex matcher " + m.to_string() + " is a plain string: write " + m.name() + plain + "\"" + m.value() +
           "\" (regexes are anchored, so it means the same, and = is cheaper)");
    }
  }

  const RuleFile& file_;
  const LintSet set_;
  std::vector<LintWarning>& out_;
  const GroupSpec* group_ = nullptr;
  int index_ = 0;
  const RuleSpec* rule_ = nullptr;
};

}  // namespace

std::string LintWarning::text() const {
  return file + ":" + std::to_string(line) + ": group \"" + group + "\", rule " + std::to_string(rule) + ", \"" +
         rule_name + "\": " + message;
}

std::vector<LintWarning> lint_rules(const RuleFile& file, LintSet set) {
  std::vector<LintWarning> out;
  Linter(file, set, out).run();
  return out;
}

}  // namespace cogwatch::rules
