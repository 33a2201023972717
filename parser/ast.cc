#include "parser/ast.h"

#include <algorithm>
#include <cmath>

namespace cogwatch::parser {

const char* binary_op_string(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return "or";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kUnless: return "unless";
    case BinaryOp::kEql: return "==";
    case BinaryOp::kNeq: return "!=";
    case BinaryOp::kGtr: return ">";
    case BinaryOp::kLss: return "<";
    case BinaryOp::kGte: return ">=";
    case BinaryOp::kLte: return "<=";
    case BinaryOp::kTrimUpper: return "</";
    case BinaryOp::kTrimLower: return ">/";
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kAtan2: return "atan2";
    case BinaryOp::kPow: return "^";
  }
  return "?";
}

int precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return 1;
    case BinaryOp::kAnd: case BinaryOp::kUnless: return 2;
    case BinaryOp::kEql: case BinaryOp::kNeq: case BinaryOp::kGtr: case BinaryOp::kLss: case BinaryOp::kGte:
    case BinaryOp::kLte: case BinaryOp::kTrimUpper: case BinaryOp::kTrimLower: return 3;
    case BinaryOp::kAdd: case BinaryOp::kSub: return 4;
    case BinaryOp::kMul: case BinaryOp::kDiv: case BinaryOp::kMod: case BinaryOp::kAtan2: return 5;
    case BinaryOp::kPow: return 6;
  }
  return 0;
}

bool is_right_associative(BinaryOp op) { return op == BinaryOp::kPow; }
bool is_comparison(BinaryOp op) {
  return precedence(op) == 3 && op != BinaryOp::kTrimUpper && op != BinaryOp::kTrimLower;
}
bool changes_metric_schema(BinaryOp op) { return precedence(op) >= 4; }
bool is_set_operator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

const char* aggregate_op_string(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum: return "sum";
    case AggregateOp::kAvg: return "avg";
    case AggregateOp::kCount: return "count";
    case AggregateOp::kMin: return "min";
    case AggregateOp::kMax: return "max";
    case AggregateOp::kGroup: return "group";
    case AggregateOp::kStddev: return "stddev";
    case AggregateOp::kStdvar: return "stdvar";
    case AggregateOp::kTopk: return "topk";
    case AggregateOp::kBottomk: return "bottomk";
    case AggregateOp::kQuantile: return "quantile";
    case AggregateOp::kCountValues: return "count_values";
    case AggregateOp::kLimitk: return "limitk";
    case AggregateOp::kLimitRatio: return "limit_ratio";
  }
  return "?";
}

bool aggregate_has_param(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk: case AggregateOp::kBottomk: case AggregateOp::kQuantile:
    case AggregateOp::kCountValues: case AggregateOp::kLimitk: case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

ValueType type_of(const Expr& e) {
  struct Visitor {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
    ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
    ValueType operator()(const UnaryExpr& u) const { return type_of(*u.expr); }
    ValueType operator()(const BinaryExpr& b) const {
      return type_of(*b.lhs) == ValueType::kScalar && type_of(*b.rhs) == ValueType::kScalar ? ValueType::kScalar
                                                                                            : ValueType::kVector;
    }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const Call& c) const { return function_info(c.func).return_type; }
    ValueType operator()(const ParenExpr& p) const { return type_of(*p.expr); }
  };
  return std::visit(Visitor{}, e.node);
}

const Expr& strip_parens(const Expr& e) {
  const Expr* x = &e;
  while (const auto* p = x->as<ParenExpr>()) x = p->expr.get();
  return *x;
}

std::vector<const Expr*> children(const Expr& e) {
  struct Visitor {
    std::vector<const Expr*> out;
    void operator()(const NumberLiteral&) {}
    void operator()(const StringLiteral&) {}
    void operator()(const VectorSelector&) {}
    void operator()(const MatrixSelector& m) { out.push_back(m.selector.get()); }
    void operator()(const SubqueryExpr& s) { out.push_back(s.expr.get()); }
    void operator()(const UnaryExpr& u) { out.push_back(u.expr.get()); }
    void operator()(const BinaryExpr& b) {
      out.push_back(b.lhs.get());
      out.push_back(b.rhs.get());
    }
    void operator()(const AggregateExpr& a) {
      if (a.param) out.push_back(a.param.get());
      out.push_back(a.expr.get());
    }
    void operator()(const Call& c) {
      for (const auto& a : c.args) out.push_back(a.get());
    }
    void operator()(const ParenExpr& p) { out.push_back(p.expr.get()); }
  } v;
  std::visit(v, e.node);
  return std::move(v.out);
}

int max_depth(const Expr& root) {
  int deepest = 0;
  std::vector<std::pair<const Expr*, int>> stack = {{&root, 1}};
  while (!stack.empty()) {
    auto [e, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    for (const Expr* c : children(*e)) stack.emplace_back(c, depth + 1);
  }
  return deepest;
}

namespace {

bool same_number(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// Matchers form a set: the printer sorts them.
bool same_matchers(const std::vector<LabelMatcher>& a, const std::vector<LabelMatcher>& b) {
  if (a.size() != b.size()) return false;
  auto keys = [](const std::vector<LabelMatcher>& ms) {
    std::vector<std::string> out;
    for (const LabelMatcher& m : ms) out.push_back(m.to_string());
    std::sort(out.begin(), out.end());
    return out;
  };
  return keys(a) == keys(b);
}

bool same_at(const std::optional<AtModifier>& a, const std::optional<AtModifier>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->kind == b->kind && a->timestamp == b->timestamp);
}

bool same_matching(const VectorMatching& a, const VectorMatching& b) {
  return a.card == b.card && a.on == b.on && a.labels == b.labels && a.include == b.include;
}

}  // namespace

bool equal(const Expr& a, const Expr& b) {
  if (a.node.index() != b.node.index()) return false;
  if (const auto* x = a.as<NumberLiteral>()) return same_number(x->value, b.as<NumberLiteral>()->value);
  if (const auto* x = a.as<StringLiteral>()) return x->value == b.as<StringLiteral>()->value;
  if (const auto* x = a.as<VectorSelector>()) {
    const auto* y = b.as<VectorSelector>();
    return x->name == y->name && same_matchers(x->matchers, y->matchers) && x->offset == y->offset &&
           same_at(x->at, y->at);
  }
  if (const auto* x = a.as<MatrixSelector>()) {
    const auto* y = b.as<MatrixSelector>();
    return x->range == y->range && equal(*x->selector, *y->selector);
  }
  if (const auto* x = a.as<SubqueryExpr>()) {
    const auto* y = b.as<SubqueryExpr>();
    return x->range == y->range && x->step == y->step && x->offset == y->offset && same_at(x->at, y->at) &&
           equal(*x->expr, *y->expr);
  }
  if (const auto* x = a.as<UnaryExpr>()) {
    const auto* y = b.as<UnaryExpr>();
    return x->negate == y->negate && equal(*x->expr, *y->expr);
  }
  if (const auto* x = a.as<BinaryExpr>()) {
    const auto* y = b.as<BinaryExpr>();
    return x->op == y->op && x->return_bool == y->return_bool && same_matching(x->matching, y->matching) &&
           equal(*x->lhs, *y->lhs) && equal(*x->rhs, *y->rhs);
  }
  if (const auto* x = a.as<AggregateExpr>()) {
    const auto* y = b.as<AggregateExpr>();
    return x->op == y->op && x->grouping == y->grouping && x->without == y->without &&
           (x->param == nullptr) == (y->param == nullptr) && (!x->param || equal(*x->param, *y->param)) &&
           equal(*x->expr, *y->expr);
  }
  if (const auto* x = a.as<Call>()) {
    const auto* y = b.as<Call>();
    if (x->func != y->func || x->args.size() != y->args.size()) return false;
    for (size_t i = 0; i < x->args.size(); ++i) {
      if (!equal(*x->args[i], *y->args[i])) return false;
    }
    return true;
  }
  return equal(*a.as<ParenExpr>()->expr, *b.as<ParenExpr>()->expr);
}

}  // namespace cogwatch::parser
