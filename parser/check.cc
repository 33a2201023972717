// Type checking after parsing, as Prometheus's checkAST: the same checks in
// the same order (the first error is the one reported), each at the
// position Prometheus gives it. The walk keeps its own stack, so a tree of
// any depth is checked before parse_expr refuses it for its depth, as
// Prometheus reports its first error whatever the depth.
#include <algorithm>
#include <string>
#include <vector>

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

Error wrong_type(const Expr& e, ValueType want, ValueType got, const std::string& context) {
  return error_at(
      e, std::string("expected type ") + value_type_name(want) + " in " + context + ", got " + value_type_name(got));
}

// A post-order walk with an explicit stack. Each step of a node either
// descends into a child (whose type is then on `types_`) or checks and
// finishes the node, leaving its type.
class Checker {
 public:
  Status run(const Expr& root) {
    frames_.clear();
    types_.clear();
    frames_.push_back({&root, 0});
    while (!frames_.empty()) {
      const Frame f = frames_.back();
      Status s = std::visit([&](const auto& node) { return step(*f.e, node, f.phase); }, f.e->node);
      if (!s) return s;
    }
    return {};
  }

 private:
  struct Frame {
    const Expr* e;
    size_t phase;  // how many steps of the node are done
  };
  std::vector<Frame> frames_;
  std::vector<ValueType> types_;

  Status descend(const Expr& child) {
    ++frames_.back().phase;
    frames_.push_back({&child, 0});
    return {};
  }
  Status finish(ValueType type) {
    frames_.pop_back();
    types_.push_back(type);
    return {};
  }
  ValueType child_type() {
    const ValueType t = types_.back();
    types_.pop_back();
    return t;
  }

  Status step(const Expr&, const NumberLiteral&, size_t) { return finish(ValueType::kScalar); }
  Status step(const Expr&, const StringLiteral&, size_t) { return finish(ValueType::kString); }

  Status step(const Expr& e, const VectorSelector& vs, size_t) {
    if (!vs.name.empty()) {
      // The first matcher is the name written outside the braces; a name is
      // a non-empty matcher.
      for (size_t i = 1; i < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == kMetricNameLabel) {
          return error_at(
              e, "metric name must not be set twice: " + go_quote(vs.name) + " or " + go_quote(vs.matchers[i].value()));
        }
      }
      return finish(ValueType::kVector);
    }
    for (const LabelMatcher& m : vs.matchers) {
      if (!m.matches_empty()) return finish(ValueType::kVector);
    }
    return error_at(e, "vector selector must contain at least one non-empty matcher");
  }

  Status step(const Expr&, const MatrixSelector& m, size_t phase) {
    if (phase == 0) return descend(*m.selector);
    child_type();
    return finish(ValueType::kMatrix);
  }

  Status step(const Expr&, const ParenExpr& p, size_t phase) {
    if (phase == 0) return descend(*p.expr);
    return finish(child_type());
  }

  Status step(const Expr& e, const UnaryExpr& u, size_t phase) {
    if (phase == 0) return descend(*u.expr);
    const ValueType t = child_type();
    if (t != ValueType::kScalar && t != ValueType::kVector) {
      return error_at(e, std::string("unary expression only allowed on expressions of type scalar or instant "
                                     "vector, got \"") +
                             value_type_name(t) + "\"");
    }
    return finish(t);
  }

  Status step(const Expr& e, const SubqueryExpr& s, size_t phase) {
    if (phase == 0) return descend(*s.expr);
    const ValueType t = child_type();
    if (t != ValueType::kVector) {
      return error_at(
          e, std::string("subquery is only allowed on instant vector, got ") + internal_type_name(t) + " instead");
    }
    return finish(ValueType::kMatrix);
  }

  // The expression, then the parameter (Prometheus's expectType order).
  Status step(const Expr&, const AggregateExpr& a, size_t phase) {
    if (phase == 0) return descend(*a.expr);
    if (phase == 1) {
      if (const ValueType t = child_type(); t != ValueType::kVector) {
        return wrong_type(*a.expr, ValueType::kVector, t, "aggregation expression");
      }
      if (a.param) return descend(*a.param);
      return finish(ValueType::kVector);
    }
    const ValueType want = a.op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar;
    if (const ValueType t = child_type(); t != want) return wrong_type(*a.param, want, t, "aggregation parameter");
    return finish(ValueType::kVector);
  }

  Status step(const Expr& e, const BinaryExpr& b, size_t phase) {
    if (phase == 0) return descend(*b.lhs);
    if (phase == 1) return descend(*b.rhs);
    const ValueType rt = child_type();
    const ValueType lt = child_type();
    const std::string op = binary_op_string(b.op);
    // Errors about the operator are reported at it (Prometheus's opRange).
    if (b.return_bool && !is_comparison(b.op)) {
      return error_at(b.op_pos, "bool modifier can only be used on comparison operators");
    }
    if (is_comparison(b.op) && !b.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
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
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      return error_at(*b.lhs, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      return error_at(*b.rhs, "binary expression must contain only scalar and instant vector types");
    }
    const bool both_vectors = lt == ValueType::kVector && rt == ValueType::kVector;
    if (!both_vectors && !b.matching.labels.empty()) {
      return error_at(e, "vector matching only allowed between instant vectors");
    }
    if (both_vectors && is_set_operator(b.op) &&
        (b.matching.card == Cardinality::kOneToMany || b.matching.card == Cardinality::kManyToOne)) {
      return error_at(e, "no grouping allowed for \"" + op + "\" operation");
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && is_set_operator(b.op)) {
      return error_at(e, "set operator \"" + op + "\" not allowed in binary scalar expression");
    }
    return finish(lt == ValueType::kScalar && rt == ValueType::kScalar ? ValueType::kScalar : ValueType::kVector);
  }

  // The number of arguments first, then each argument and its type.
  Status step(const Expr& e, const Call& c, size_t phase) {
    const FunctionInfo& f = function_info(c.func);
    const std::string name(f.name);
    const int nargs = f.num_args;
    const int given = static_cast<int>(c.args.size());
    if (phase == 0) {
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
    } else {  // argument phase - 1 is checked
      const size_t i = phase - 1;
      const ValueType want = f.arg_types[std::min(i, static_cast<size_t>(nargs - 1))];
      if (const ValueType t = child_type(); t != want) {
        return wrong_type(*c.args[i], want, t, "call to function \"" + name + "\"");
      }
    }
    if (phase < c.args.size()) return descend(*c.args[phase]);
    return finish(f.return_type);
  }
};

}  // namespace

Status check_ast(const Expr& e) {
  thread_local Checker checker;  // reused: its stacks allocate nothing once warm
  return checker.run(e);
}

}  // namespace cogwatch::parser
