// Type checking after parsing, as Prometheus's checkAST: the same checks in
// the same order (the first error is the one reported), each at the
// position Prometheus gives it.
#include <string>

#include "model/labels.h"
#include "parser/ast.h"
#include "parser/parser.h"

namespace cogwatch::parser {
namespace {

Error error_at(uint32_t pos, std::string message) {
  return make_error(ErrorCode::kParse, std::move(message), Span{pos, pos});
}
Error error_at(const Expr& e, std::string message) { return make_error(ErrorCode::kParse, std::move(message), e.span); }

// Prometheus's ValueType names, as "got %s" prints them in the subquery check.
const char* internal_type_name(ValueType t) {
  switch (t) {
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

class Checker {
 public:
  // The type of e after checking e and its children.
  Result<ValueType> check(const Expr& e) {
    Status s = std::visit([&](const auto& node) { return check_node(e, node); }, e.node);
    if (!s) return s.take_error();
    return type_of(e);
  }

 private:
  // checkAST of `e`, then its type against `want` (expectType).
  Status expect(const Expr& e, ValueType want, const std::string& context) {
    auto got = check(e);
    if (!got) return got.take_error();
    if (*got == want) return {};
    return error_at(
        e, std::string("expected type ") + value_type_name(want) + " in " + context + ", got " + value_type_name(*got));
  }
  Status check_child(const Expr& e) {
    auto t = check(e);
    if (!t) return t.take_error();
    return {};
  }

  Status check_node(const Expr&, const NumberLiteral&) { return {}; }
  Status check_node(const Expr&, const StringLiteral&) { return {}; }
  Status check_node(const Expr&, const MatrixSelector& m) { return check_child(*m.selector); }
  Status check_node(const Expr&, const ParenExpr& p) { return check_child(*p.expr); }

  Status check_node(const Expr& e, const VectorSelector& vs) {
    if (!vs.name.empty()) {
      // The first matcher is the name written outside the braces.
      for (size_t i = 1; i < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == kMetricNameLabel) {
          return error_at(
              e, "metric name must not be set twice: " + go_quote(vs.name) + " or " + go_quote(vs.matchers[i].value()));
        }
      }
      return {};  // a name is a non-empty matcher
    }
    for (const LabelMatcher& m : vs.matchers) {
      if (!m.matches_empty()) return {};
    }
    return error_at(e, "vector selector must contain at least one non-empty matcher");
  }

  Status check_node(const Expr& e, const AggregateExpr& a) {
    if (Status s = expect(*a.expr, ValueType::kVector, "aggregation expression"); !s) return s;
    if (a.param) {
      const ValueType want = a.op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      if (Status s = expect(*a.param, want, "aggregation parameter"); !s) return s;
    }
    (void)e;
    return {};
  }

  Status check_node(const Expr& e, const BinaryExpr& b) {
    auto lt = check(*b.lhs);
    if (!lt) return lt.take_error();
    auto rt = check(*b.rhs);
    if (!rt) return rt.take_error();
    const std::string op = binary_op_string(b.op);
    // Errors about the operator are reported at it (Prometheus's opRange).
    if (b.return_bool && !is_comparison(b.op)) {
      return error_at(b.op_pos, "bool modifier can only be used on comparison operators");
    }
    if (is_comparison(b.op) && !b.return_bool && *lt == ValueType::kScalar && *rt == ValueType::kScalar) {
      return error_at(b.op_pos, "comparisons between scalars must use BOOL modifier");
    }
    if (b.matching.on) {
      for (const std::string& l : b.matching.labels) {
        for (const std::string& g : b.matching.include) {
          if (l == g)
            return error_at(b.op_pos, "label " + go_quote(l) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (*lt != ValueType::kScalar && *lt != ValueType::kVector) {
      return error_at(*b.lhs, "binary expression must contain only scalar and instant vector types");
    }
    if (*rt != ValueType::kScalar && *rt != ValueType::kVector) {
      return error_at(*b.rhs, "binary expression must contain only scalar and instant vector types");
    }
    const bool both_vectors = *lt == ValueType::kVector && *rt == ValueType::kVector;
    if (!both_vectors && !b.matching.labels.empty()) {
      return error_at(e, "vector matching only allowed between instant vectors");
    }
    if (both_vectors && is_set_operator(b.op) &&
        (b.matching.card == Cardinality::kOneToMany || b.matching.card == Cardinality::kManyToOne)) {
      return error_at(e, "no grouping allowed for \"" + op + "\" operation");
    }
    if ((*lt == ValueType::kScalar || *rt == ValueType::kScalar) && is_set_operator(b.op)) {
      return error_at(e, "set operator \"" + op + "\" not allowed in binary scalar expression");
    }
    return {};
  }

  Status check_node(const Expr& e, const Call& c) {
    // The number of arguments first, then each argument.
    const FunctionInfo& f = function_info(c.func);
    const std::string name(f.name);
    const int nargs = f.num_args;
    const int given = static_cast<int>(c.args.size());
    if (f.variadic == 0) {
      if (nargs != given) {
        return error_at(e, "expected " + std::to_string(nargs) + " argument(s) in call to \"" + name + "\", got " +
                               std::to_string(given));
      }
    } else {
      const int min = nargs - 1;
      if (given < min) {
        return error_at(e, "expected at least " + std::to_string(min) + " argument(s) in call to \"" + name +
                               "\", got " + std::to_string(given));
      }
      if (f.variadic > 0 && given > min + f.variadic) {
        return error_at(e, "expected at most " + std::to_string(min + f.variadic) + " argument(s) in call to \"" +
                               name + "\", got " + std::to_string(given));
      }
    }
    for (int i = 0; i < given; ++i) {
      const int slot = std::min(i, nargs - 1);
      if (Status s = expect(*c.args[static_cast<size_t>(i)], f.arg_types[static_cast<size_t>(slot)],
                            "call to function \"" + name + "\"");
          !s) {
        return s;
      }
    }
    return {};
  }

  Status check_node(const Expr& e, const UnaryExpr& u) {
    auto t = check(*u.expr);
    if (!t) return t.take_error();
    if (*t != ValueType::kScalar && *t != ValueType::kVector) {
      return error_at(e, std::string("unary expression only allowed on expressions of type scalar or instant "
                                     "vector, got \"") +
                             value_type_name(*t) + "\"");
    }
    return {};
  }

  Status check_node(const Expr& e, const SubqueryExpr& s) {
    auto t = check(*s.expr);
    if (!t) return t.take_error();
    if (*t != ValueType::kVector) {
      return error_at(
          e, std::string("subquery is only allowed on instant vector, got ") + internal_type_name(*t) + " instead");
    }
    return {};
  }
};

}  // namespace

Status check_ast(const Expr& e) {
  Checker checker;
  auto r = checker.check(e);
  if (!r) return r.take_error();
  return {};
}

}  // namespace cogwatch::parser
