#include "parser/printer.h"

#include <algorithm>
#include <limits>

#include "model/labels.h"
#include "model/value.h"

namespace cogwatch::parser {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += is_legacy_label_name(names[i]) ? names[i] : go_quote(names[i]);
  }
  return out;
}

// " @ 100.000" / " @ start()", then " offset 5m" / " offset -5m".
std::string modifiers(const std::optional<AtModifier>& at, Duration offset) {
  std::string out;
  if (at) {
    switch (at->kind) {
      case AtModifier::Kind::kStart: out += " @ start()"; break;
      case AtModifier::Kind::kEnd: out += " @ end()"; break;
      case AtModifier::Kind::kTimestamp: {
        char buf[48];
        std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(at->timestamp) / 1000.0);
        out += buf;
        break;
      }
    }
  }
  if (offset > 0) out += " offset " + format_duration(offset);
  if (offset < 0) out += " offset -" + format_duration(-offset);
  return out;
}

std::string selector_body(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const LabelMatcher& m : vs.matchers) {
    // The name outside the braces stands for its own matcher.
    if (m.name() == kMetricNameLabel && m.type() == MatchType::kEqual && m.value() == vs.name && !vs.name.empty()) {
      continue;
    }
    parts.push_back(m.to_string());
  }
  std::string name = vs.name;
  if (!name.empty() && !is_legacy_metric_name(name)) {
    // A UTF-8 name goes inside the braces, quoted (Prometheus 3).
    parts.push_back(go_quote(name));
    name.clear();
  }
  if (parts.empty()) return name;
  std::sort(parts.begin(), parts.end());
  std::string out = name + "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";  // Prometheus joins matchers without a space
    out += parts[i];
  }
  return out + "}";
}

// The left side of `^` binds tighter than a unary sign, so "+Inf ^ x"
// reads as +(Inf ^ x): +Inf (what `inf` parses to) is printed unsigned
// there, so that the text parses back to the same tree.
std::string pow_operand(const Expr& lhs, BinaryOp op) {
  const auto* n = std::get_if<NumberLiteral>(&lhs.node);
  if (op == BinaryOp::kPow && n != nullptr && n->value == std::numeric_limits<double>::infinity()) return "Inf";
  return print(lhs);
}

struct Printer {
  std::string operator()(const NumberLiteral& n) const { return format_float(n.value); }
  std::string operator()(const StringLiteral& s) const { return go_quote(s.value); }
  std::string operator()(const VectorSelector& vs) const { return selector_body(vs) + modifiers(vs.at, vs.offset); }
  std::string operator()(const MatrixSelector& m) const {
    const auto& vs = std::get<VectorSelector>(m.selector->node);
    return selector_body(vs) + "[" + format_duration(m.range) + "]" + modifiers(vs.at, vs.offset);
  }
  std::string operator()(const SubqueryExpr& s) const {
    std::string step = s.step != 0 ? format_duration(s.step) : "";
    return print(*s.expr) + "[" + format_duration(s.range) + ":" + step + "]" + modifiers(s.at, s.offset);
  }
  std::string operator()(const UnaryExpr& u) const { return (u.negate ? "-" : "+") + print(*u.expr); }
  std::string operator()(const BinaryExpr& b) const {
    std::string out = pow_operand(*b.lhs, b.op) + " " + binary_op_string(b.op);
    if (b.return_bool) out += " bool";
    const VectorMatching& m = b.matching;
    const bool grouped = m.card == Cardinality::kManyToOne || m.card == Cardinality::kOneToMany;
    if (m.on || !m.labels.empty() || grouped) {
      out += std::string(m.on ? " on" : " ignoring") + " (" + join(m.labels) + ")";
      if (grouped) {
        out += std::string(m.card == Cardinality::kManyToOne ? " group_left" : " group_right") + " (" +
               join(m.include) + ")";
      }
    }
    return out + " " + print(*b.rhs);
  }
  std::string operator()(const AggregateExpr& a) const {
    std::string out = aggregate_op_string(a.op);
    if (a.without) {
      out += " without (" + join(a.grouping) + ") ";
    } else if (!a.grouping.empty()) {
      out += " by (" + join(a.grouping) + ") ";
    }
    out += "(";
    if (a.param) out += print(*a.param) + ", ";
    return out + print(*a.expr) + ")";
  }
  std::string operator()(const Call& c) const {
    std::string out = std::string(function_info(c.func).name) + "(";
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out += ", ";
      out += print(*c.args[i]);
    }
    return out + ")";
  }
  std::string operator()(const ParenExpr& p) const { return "(" + print(*p.expr) + ")"; }
};

}  // namespace

std::string print(const Expr& e) { return std::visit(Printer{}, e.node); }

}  // namespace cogwatch::parser
