// Type checking after parsing, as Prometheus's checkAST: every error names
// the expression it is about by its span.
#include <string>

#include "parser/ast.h"
#include "parser/parser.h"

namespace cogwatch::parser {
namespace {

Error type_error(const Expr& e, std::string message) { return make_error(ErrorCode::kParse, std::move(message), e.span); }

class Checker {
 public:
  // Returns the type of e after checking it and its children.
  Result<ValueType> check(const Expr& e) {
    for (const Expr* c : children(e)) {
      if (auto r = check(*c); !r) return r;
    }
    if (Status s = std::visit([&](const auto& node) { return check_node(e, node); }, e.node); !s) {
      return s.take_error();
    }
    return type_of(e);
  }

 private:
  static Status expect(const Expr& e, ValueType want, const std::string& context) {
    const ValueType got = type_of(e);
    if (got == want) return {};
    return type_error(e, std::string("expected type ") + value_type_name(want) + " in " + context + ", got " +
                             value_type_name(got));
  }

  template <typename T>
  Status check_node(const Expr&, const T&) {
    return {};
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
    const ValueType lt = type_of(*b.lhs), rt = type_of(*b.rhs);
    const std::string op = binary_op_string(b.op);
    if (b.return_bool && !is_comparison(b.op)) {
      return type_error(e, "bool modifier can only be used on comparison operators");
    }
    if (is_comparison(b.op) && !b.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      return type_error(e, "comparisons between scalars must use BOOL modifier");
    }
    if (b.matching.on) {
      for (const std::string& l : b.matching.labels) {
        for (const std::string& g : b.matching.include) {
          if (l == g) return type_error(e, "label \"" + l + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      return type_error(*b.lhs, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      return type_error(*b.rhs, "binary expression must contain only scalar and instant vector types");
    }
    const bool both_vectors = lt == ValueType::kVector && rt == ValueType::kVector;
    if (!both_vectors && !b.matching.labels.empty()) {
      return type_error(e, "vector matching only allowed between instant vectors");
    }
    if (both_vectors && is_set_operator(b.op) &&
        (b.matching.card == Cardinality::kOneToMany || b.matching.card == Cardinality::kManyToOne)) {
      return type_error(e, "no grouping allowed for \"" + op + "\" operation");
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && is_set_operator(b.op)) {
      return type_error(e, "set operator \"" + op + "\" not allowed in binary scalar expression");
    }
    return {};
  }

  Status check_node(const Expr& e, const Call& c) {
    const FunctionInfo& f = function_info(c.func);
    const std::string name(f.name);
    const int nargs = f.num_args;
    const int given = static_cast<int>(c.args.size());
    if (f.variadic == 0) {
      if (nargs != given) {
        return type_error(e, "expected " + std::to_string(nargs) + " argument(s) in call to \"" + name + "\", got " +
                                 std::to_string(given));
      }
    } else {
      const int min = nargs - 1;
      if (given < min) {
        return type_error(e, "expected at least " + std::to_string(min) + " argument(s) in call to \"" + name +
                                 "\", got " + std::to_string(given));
      }
      if (f.variadic > 0 && given > min + f.variadic) {
        return type_error(e, "expected at most " + std::to_string(min + f.variadic) + " argument(s) in call to \"" +
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
    const ValueType t = type_of(*u.expr);
    if (t != ValueType::kScalar && t != ValueType::kVector) {
      return type_error(e, std::string("unary expression only allowed on expressions of type scalar or instant "
                                       "vector, got \"") +
                               value_type_name(t) + "\"");
    }
    return {};
  }

  Status check_node(const Expr& e, const SubqueryExpr& s) {
    const ValueType t = type_of(*s.expr);
    if (t != ValueType::kVector) {
      return type_error(e, std::string("subquery is only allowed on instant vector, got ") + value_type_name(t) +
                               " instead");
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
