// The PromQL abstract syntax tree: plain structs, one per kind of
// expression, held in an Expr with the byte range it came from.
//
//   Result<ExprPtr> e = parse("sum by (job) (rate(x[5m]))");
//   const auto& agg = std::get<AggregateExpr>((*e)->node);
//
// Consumers dispatch with one switch over Expr::node (std::visit or index).
// The printer (parser/printer.h) turns a tree back into a normalised
// expression, and parse(print(e)) is e again.
//
// Thread-safety: a tree is immutable once parse() returns it and may be
// shared by threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/error.h"
#include "model/matcher.h"
#include "model/time.h"
#include "parser/functions.h"
#include "parser/value_type.h"

namespace cogwatch::parser {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class BinaryOp : uint8_t {
  // In increasing precedence within groups; see precedence().
  kOr,
  kAnd,
  kUnless,
  kEql,  // ==
  kNeq,  // !=
  kGtr,  // >
  kLss,  // <
  kGte,  // >=
  kLte,  // <=
  kTrimUpper,  // </ (native histograms: keeps the observations below the bound)
  kTrimLower,  // >/ (keeps the observations above it)
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kAtan2,
  kPow,
};
const char* binary_op_string(BinaryOp op);  // "or", "==", "atan2", "^", ...
// 1 (or) ... 6 (^), as Prometheus's grammar orders them.
int precedence(BinaryOp op);
bool is_right_associative(BinaryOp op);  // only ^
bool is_comparison(BinaryOp op);  // ==, !=, >, <, >=, <= (not the trim operators)
// Arithmetic (+ - * / % ^ atan2): its result is no longer the metric it
// came from, so the name goes (Prometheus's changesMetricSchema).
bool changes_metric_schema(BinaryOp op);
bool is_set_operator(BinaryOp op);  // and, or, unless

enum class AggregateOp : uint8_t {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};
const char* aggregate_op_string(AggregateOp op);  // "sum", "count_values", ...
// Whether the aggregation takes a parameter before the expression.
bool aggregate_has_param(AggregateOp op);

enum class Cardinality : uint8_t { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// on(...)/ignoring(...) and group_left/group_right of a binary expression.
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                      // on(...) rather than ignoring(...)
  std::vector<std::string> labels;      // the on/ignoring list
  std::vector<std::string> include;     // group_left/right extra labels
  bool explicit_matching = false;       // on/ignoring was written
};

// The @ modifier: a fixed time, or start()/end() of the query.
struct AtModifier {
  enum class Kind : uint8_t { kTimestamp, kStart, kEnd } kind = Kind::kTimestamp;
  Timestamp timestamp = 0;  // for kTimestamp
};

struct NumberLiteral {
  double value = 0;
};
struct StringLiteral {
  std::string value;
};
struct VectorSelector {
  std::string name;                    // "" when only matchers were given
  std::vector<LabelMatcher> matchers;  // includes __name__="name" when named
  Duration offset = 0;                 // as written; may be negative
  std::optional<AtModifier> at;
};
// vector_selector[range]; offset and @ live on the inner selector.
struct MatrixSelector {
  ExprPtr selector;  // a VectorSelector
  Duration range = 0;
};
struct SubqueryExpr {
  ExprPtr expr;
  Duration range = 0;
  Duration step = 0;  // 0: the default evaluation interval
  Duration offset = 0;
  std::optional<AtModifier> at;
};
struct UnaryExpr {
  bool negate = true;  // '-'; a '+' is dropped by the parser
  ExprPtr expr;
};
struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  VectorMatching matching;  // meaningful when both sides are vectors
  uint32_t op_pos = 0;      // byte offset of the operator, where errors about it are reported
};
struct AggregateExpr {
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // for topk, bottomk, quantile, count_values, limitk, limit_ratio
  std::vector<std::string> grouping;
  bool without = false;
  bool grouping_given = false;  // "by ()" was written (prints the same as none)
};
struct Call {
  Function func = Function::kAbs;
  std::vector<ExprPtr> args;
};
struct ParenExpr {
  ExprPtr expr;
};

struct Expr {
  using Node = std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, SubqueryExpr, UnaryExpr,
                            BinaryExpr, AggregateExpr, Call, ParenExpr>;
  Node node;
  Span span;  // bytes of the source this expression came from

  template <typename T>
  const T* as() const {
    return std::get_if<T>(&node);
  }
};

// The type of an expression that passed type checking.
ValueType type_of(const Expr& e);

// e without the parentheses around it: ((x)) is x. (Prometheus's engine
// unwraps the arguments of calls and aggregations before evaluating them, so
// annotations about an argument point inside its parentheses.)
const Expr& strip_parens(const Expr& e);

// The direct sub-expressions of e, in source order.
std::vector<const Expr*> children(const Expr& e);
// The height of the tree (1 for a leaf), computed without recursion.
int max_depth(const Expr& e);

// Structural equality (spans ignored), for tests of print/parse round trips.
bool equal(const Expr& a, const Expr& b);

}  // namespace cogwatch::parser
