// From the flat parse tree to the AST, reporting what Prometheus's grammar
// actions report, in the order they run (a construct's parts before the
// construct, left to right), each at the position Prometheus gives.
#include "parser/internal/builder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "model/unquote.h"
#include "parser/internal/literals.h"
#include "parser/parser.h"

namespace cogwatch::parser::internal {
namespace {

// Thrown inside the builder, caught at its entry points.
struct BuildError {
  std::string message;
  Span span;
};

[[noreturn]] void fail_at(uint32_t begin, uint32_t end, std::string message) {
  throw BuildError{std::move(message), Span{begin, end}};
}
[[noreturn]] void fail(const Node& n, std::string message) { fail_at(n.begin(), n.end(), std::move(message)); }

Span span_of(const Node& n) { return Span{n.begin(), n.end()}; }

ExprPtr make(Expr::Node node, Span span) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(node);
  e->span = span;
  return e;
}

std::string unquote_or_fail(const Node& n) {
  auto s = unquote(n.text());
  if (!s) fail(n, s.error().message);  // only an escape naming an invalid code point gets here
  return *std::move(s);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A number or duration literal: its value in seconds, and for a duration
// its exact milliseconds (Prometheus's number_duration_literal).
struct Literal {
  double seconds = 0;
  std::optional<Duration> ms;  // set for a duration token
};
Literal literal(const Node& n) {
  auto v = literal_value(n.text());
  if (!v) fail(n, v.error().message);
  return Literal{v->seconds, v->ms};
}

// Prometheus's durationLiteralOutOfRange: seconds beyond time.Duration.
bool duration_out_of_range(double seconds) { return seconds > 9223372036.854775807 || seconds < -9223372036.854775808; }

// Seconds (a PromQL literal) to milliseconds, exact for duration tokens.
Duration to_ms(const Literal& l, double seconds) {
  if (l.ms && seconds == l.seconds) return *l.ms;
  if (l.ms && seconds == -l.seconds) return -*l.ms;
  return static_cast<Duration>(seconds * 1000.0);
}

// ---- Duration expressions ----
// Prometheus evaluates duration expressions in its grammar actions, so
// their errors come in post-order (operands before the operator, left to
// right) with the positions below. Plain (signed) literals are durations;
// anything else is Prometheus's experimental promql-duration-expr,
// reported where Prometheus reports it with the feature off.
constexpr const char* kExperimentalDuration = "experimental duration expression is not enabled";

struct DurationValue {
  bool is_literal = false;  // a NumberLiteral in Prometheus's terms
  Literal lit;
  double seconds = 0;
  uint32_t pos = 0;  // where Prometheus's node starts (its PositionRange().Start)
};

class DurationBuilder {
 public:
  // A kDurationExpr: operand (op operand)*.
  DurationValue expr(const Node& n) {
    if (const Node operand = n.children().front(); n.children().size() == 1 && operand.children().size() == 1) {
      return primary(operand.children().front());  // a plain literal, the usual [5m]
    }
    std::vector<Node> operands;
    std::vector<Node> ops;
    for (const Node& c : n.children()) (c.is(NodeKind::kDurationOp) ? ops : operands).push_back(c);
    // The tree Prometheus's precedences give (^ right-associative and above
    // the signs, then * / %, then + -), built as indices, then walked.
    tree_.clear();
    const int root = shape(operands, ops);
    return walk(root, operands);
  }

  // A kDurationOperand after offset: signs and a primary. Prometheus's
  // offset_duration_expr takes `-(d)` without its experimental check.
  DurationValue offset(const Node& n) {
    std::vector<Node> signs;
    std::optional<Node> primary;
    for (const Node& c : n.children()) {
      if (c.is(NodeKind::kDurationSign)) {
        signs.push_back(c);
      } else {
        primary = c;
      }
    }
    if (signs.size() == 1 && primary->is(NodeKind::kDurationParen)) {
      DurationValue v = expr(primary->children().front());
      return unary(signs[0], v);
    }
    if (signs.size() == 1 && primary->is(NodeKind::kNumber)) {
      // `unary_op number_duration_literal`: only the signed value is checked, at the sign.
      DurationValue v{true, literal(*primary), 0, primary->begin()};
      v.seconds = v.lit.seconds;
      return unary(signs[0], v);
    }
    DurationValue v = this->primary(*primary);
    for (size_t i = signs.size(); i-- > 0;) v = unary(signs[i], v);
    return v;
  }

 private:
  // A leaf (operand: the index of a dur_operand, its primary only), a
  // binary node (op, lhs, rhs) or a sign (operand sign_of's signs[sign],
  // applied to lhs).
  struct Shape {
    int operand = -1;
    char op = 0;
    int lhs = -1, rhs = -1;
    int sign_of = -1;
    int sign = -1;
  };
  std::vector<Shape> tree_;

  static std::vector<Node> signs_of(const Node& operand) {
    std::vector<Node> out;
    for (const Node& c : operand.children()) {
      if (c.is(NodeKind::kDurationSign)) out.push_back(c);
    }
    return out;
  }
  static Node primary_of(const Node& operand) { return operand.children().back(); }

  int add(Shape s) {
    tree_.push_back(s);
    return static_cast<int>(tree_.size()) - 1;
  }
  int with_signs(int node, int operand, size_t n_signs) {
    for (size_t k = n_signs; k-- > 0;) node = add(Shape{-1, 0, node, -1, operand, static_cast<int>(k)});
    return node;
  }
  static int level(char op) { return op == '+' || op == '-' ? 1 : 2; }

  int shape(const std::vector<Node>& operands, const std::vector<Node>& ops) {
    auto op_at = [&](size_t k) { return ops[k].text().front(); };
    // Runs of ^ with their signs, as build_binary does for expressions.
    std::vector<int> atoms;
    std::vector<char> atom_ops;
    size_t i = 0;
    while (i < operands.size()) {
      size_t j = i;
      while (j < ops.size() && op_at(j) == '^') ++j;
      int chain = with_signs(add(Shape{static_cast<int>(j)}), static_cast<int>(j), signs_of(operands[j]).size());
      for (size_t k = j; k-- > i;) {
        const int base = add(Shape{static_cast<int>(k)});
        chain = add(Shape{-1, '^', base, chain});
        chain = with_signs(chain, static_cast<int>(k), signs_of(operands[k]).size());
      }
      atoms.push_back(chain);
      if (j < ops.size()) atom_ops.push_back(op_at(j));
      i = j + 1;
    }
    std::vector<int> out{atoms[0]};
    std::vector<char> stack;
    auto reduce = [&] {
      const int rhs = out.back();
      out.pop_back();
      const int lhs = out.back();
      out.back() = add(Shape{-1, stack.back(), lhs, rhs});
      stack.pop_back();
    };
    for (size_t k = 0; k < atom_ops.size(); ++k) {
      while (!stack.empty() && level(stack.back()) >= level(atom_ops[k])) reduce();
      stack.push_back(atom_ops[k]);
      out.push_back(atoms[k + 1]);
    }
    while (!stack.empty()) reduce();
    return out.back();
  }

  DurationValue walk(int index, const std::vector<Node>& operands) {
    const Shape s = tree_[static_cast<size_t>(index)];
    if (s.operand >= 0) return primary(primary_of(operands[static_cast<size_t>(s.operand)]));
    if (s.sign_of >= 0) {
      DurationValue v = walk(s.lhs, operands);
      return unary(signs_of(operands[static_cast<size_t>(s.sign_of)])[static_cast<size_t>(s.sign)], v);
    }
    const DurationValue lhs = walk(s.lhs, operands);
    walk(s.rhs, operands);
    fail_at(lhs.pos, lhs.pos, kExperimentalDuration);  // duration_expr op duration_expr: experimentalDurationExpr($1)
  }

  // Prometheus's applyUnaryOpToDurationExpr.
  static DurationValue unary(const Node& sign, DurationValue v) {
    if (!v.is_literal) {
      if (sign.text() == "-") v.pos = sign.begin();
      return v;
    }
    if (sign.text() == "-") v.seconds = -v.seconds;
    if (duration_out_of_range(v.seconds)) fail(sign, "duration out of range");
    v.pos = sign.begin();
    return v;
  }

  DurationValue primary(const Node& n) {
    if (n.is(NodeKind::kNumber)) {
      DurationValue v;
      v.is_literal = true;
      v.lit = literal(n);
      v.seconds = v.lit.seconds;
      v.pos = n.begin();
      if (duration_out_of_range(v.seconds)) fail(n, "duration out of range");
      return v;
    }
    if (n.is(NodeKind::kDurationParen)) {
      const DurationValue inner = expr(n.children().front());
      fail_at(inner.pos, inner.pos, kExperimentalDuration);
    }
    if (n.is(NodeKind::kDurationMinMax)) {
      const DurationValue a = expr(n.children()[0]);
      expr(n.children()[1]);
      fail_at(a.pos, a.pos, kExperimentalDuration);  // its PositionRange merges the arguments'
    }
    fail(n, kExperimentalDuration);  // step(), range()
  }
};

// A range or subquery step: a positive duration (positive_duration_expr).
Duration positive_duration(const Node& n) {
  const DurationValue v = DurationBuilder().expr(n);
  if (v.seconds <= 0) fail_at(v.pos, v.pos, "duration must be greater than 0");
  return to_ms(v.lit, v.seconds);
}

class Builder {
 public:
  explicit Builder(std::string_view input) : input_(input) {}

  ExprPtr expr(const Node& n) {
    DepthGuard guard(*this, n);
    // Children: operand, then binary_tail...
    std::vector<ExprPtr> operands;
    std::vector<std::vector<Node>> signs;  // per operand, outermost first
    std::vector<BinaryInfo> ops;
    for (const Node& c : n.children()) {
      Node op_node = c;
      if (c.is(NodeKind::kBinaryTail)) {
        ops.push_back(binary_info(c));  // the modifiers come before the operand
        op_node = c.children().back();  // its operand
      }
      signs.emplace_back();
      operands.push_back(operand(op_node, signs.back()));
      if (signs.back().size() > static_cast<size_t>(kMaxNesting)) fail(op_node, "too many signs in a row");
    }
    return build_binary(operands, signs, ops);
  }

 private:
  struct DepthGuard {
    DepthGuard(Builder& b, const Node& n) : b_(b) {
      if (++b_.depth_ > kMaxNesting) {
        fail(n, "expression nests too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
      }
    }
    ~DepthGuard() { --b_.depth_; }
    Builder& b_;
  };

  struct BinaryInfo {
    BinaryOp op;
    uint32_t op_pos = 0;
    bool return_bool = false;
    bool fill = false;
    VectorMatching matching;
  };

  static BinaryOp binary_op(const Node& n) {
    const std::string s = lower(n.text());
    static const std::pair<const char*, BinaryOp> kOps[] = {
        {"or", BinaryOp::kOr},  {"and", BinaryOp::kAnd}, {"unless", BinaryOp::kUnless}, {"==", BinaryOp::kEql},
        {"!=", BinaryOp::kNeq}, {">", BinaryOp::kGtr},   {"<", BinaryOp::kLss},         {">=", BinaryOp::kGte},
        {"<=", BinaryOp::kLte}, {"+", BinaryOp::kAdd},   {"-", BinaryOp::kSub},         {"*", BinaryOp::kMul},
        {"/", BinaryOp::kDiv},  {"%", BinaryOp::kMod},   {"atan2", BinaryOp::kAtan2},   {"^", BinaryOp::kPow},
        {"</", BinaryOp::kTrimUpper}, {">/", BinaryOp::kTrimLower},
    };
    for (const auto& [text, op] : kOps) {
      if (s == text) return op;
    }
    fail(n, "unknown operator " + s);
  }

  // A grouping list; Prometheus checks each label as it reads it.
  static std::vector<std::string> grouping_labels(const Node& list) {
    std::vector<std::string> out;
    for (const Node& c : list.children()) {
      const std::string_view text = c.text();
      const bool quoted = text.front() == '"' || text.front() == '\'' || text.front() == '`';
      std::string name = quoted ? unquote_or_fail(c) : std::string(text);
      if (!is_valid_label_name(name)) fail(c, "invalid label name for grouping: " + go_quote(name));
      out.push_back(std::move(name));
    }
    return out;
  }

  static BinaryInfo binary_info(const Node& tail) {
    BinaryInfo info;
    for (const Node& c : tail.children()) {
      switch (c.kind()) {
        case NodeKind::kBinaryOp:
          info.op = binary_op(c);
          break;
        case NodeKind::kBool:
          info.return_bool = true;
          break;
        case NodeKind::kOnIgnoring:
          info.matching.explicit_matching = true;
          info.matching.on = c.children().front().is(NodeKind::kOn);
          info.matching.labels = grouping_labels(c.children().back());
          break;
        case NodeKind::kGroupSide:
          info.matching.card =
              c.children().front().is(NodeKind::kGroupLeft) ? Cardinality::kManyToOne : Cardinality::kOneToMany;
          if (c.children().size() > 1) info.matching.include = grouping_labels(c.children().back());
          break;
        case NodeKind::kFillModifier:
          for (const Node& v : c.children()) {
            if (v.is(NodeKind::kNumber)) literal(v);  // fill_value's number is read first
          }
          info.fill = true;
          break;
        default:
          break;
      }
    }
    if (is_set_operator(info.op) && info.matching.card == Cardinality::kOneToOne) {
      info.matching.card = Cardinality::kManyToMany;
    }
    return info;
  }

  static ExprPtr apply_signs(ExprPtr e, const std::vector<Node>& signs) {
    // Innermost sign last in the list: apply from the end.
    for (size_t i = signs.size(); i-- > 0;) {
      const Span span{signs[i].begin(), e->span.end};
      const bool negate = signs[i].text() == "-";
      if (auto* num = std::get_if<NumberLiteral>(&e->node)) {
        // -1 is a literal, as in Prometheus.
        if (negate) num->value = -num->value;
        e->span = span;
        continue;
      }
      e = make(UnaryExpr{negate, std::move(e)}, span);
    }
    return e;
  }

  // Applies precedence and associativity to operand (op operand)*.
  // Signs bind looser than ^ and tighter than everything else, as in
  // Prometheus: -a^b is -(a^b), -a*b is (-a)*b.
  ExprPtr build_binary(std::vector<ExprPtr>& operands, std::vector<std::vector<Node>>& signs,
                       std::vector<BinaryInfo>& ops) {
    auto combine = [this](BinaryInfo info, ExprPtr lhs, ExprPtr rhs) {
      const Span span{lhs->span.begin, rhs->span.end};
      // Errors about the operator are reported where Prometheus's opRange
      // starts: the first byte after the left operand that is no space (a
      // comment there is not skipped).
      info.op_pos = lhs->span.end;
      while (info.op_pos < input_.size() && is_space(input_[info.op_pos])) ++info.op_pos;
      // newBinaryExpression, at the binary expression's position.
      if (info.fill) fail_at(span.begin, span.end, "binop fill modifiers are experimental and not enabled");
      return make(
          BinaryExpr{info.op, std::move(lhs), std::move(rhs), info.return_bool, std::move(info.matching), info.op_pos},
          span);
    };

    // 1. Fold each maximal run of ^ (right-associative) with its signs.
    std::vector<ExprPtr> atoms;
    std::vector<BinaryInfo> atom_ops;
    size_t i = 0;
    while (i < operands.size()) {
      size_t j = i;
      while (j < ops.size() && ops[j].op == BinaryOp::kPow) ++j;
      ExprPtr chain = apply_signs(std::move(operands[j]), signs[j]);
      for (size_t k = j; k-- > i;) {
        chain = combine(std::move(ops[k]), std::move(operands[k]), std::move(chain));
        chain = apply_signs(std::move(chain), signs[k]);
      }
      atoms.push_back(std::move(chain));
      if (j < ops.size()) atom_ops.push_back(std::move(ops[j]));
      i = j + 1;
    }

    // 2. Left-associative levels with an operator stack (shunting-yard).
    std::vector<ExprPtr> out;
    std::vector<BinaryInfo> stack;
    auto reduce = [&] {
      BinaryInfo info = std::move(stack.back());
      stack.pop_back();
      ExprPtr rhs = std::move(out.back());
      out.pop_back();
      ExprPtr lhs = std::move(out.back());
      out.pop_back();
      out.push_back(combine(std::move(info), std::move(lhs), std::move(rhs)));
    };
    out.push_back(std::move(atoms[0]));
    for (size_t k = 0; k < atom_ops.size(); ++k) {
      while (!stack.empty() && precedence(stack.back().op) >= precedence(atom_ops[k].op)) reduce();
      stack.push_back(std::move(atom_ops[k]));
      out.push_back(std::move(atoms[k + 1]));
    }
    while (!stack.empty()) reduce();
    return std::move(out.back());
  }

  ExprPtr operand(const Node& n, std::vector<Node>& signs) {
    ExprPtr e;
    for (const Node& c : n.children()) {
      if (c.is(NodeKind::kUnaryOp)) {
        signs.push_back(c);
      } else if (!e) {
        e = primary(c);
      } else {
        e = postfix(std::move(e), c);
      }
    }
    return e;
  }

  ExprPtr primary(const Node& n) {
    switch (n.kind()) {
      case NodeKind::kNumber:
        return make(NumberLiteral{literal(n).seconds}, span_of(n));
      case NodeKind::kString:
        return make(StringLiteral{unquote_or_fail(n)}, span_of(n));
      case NodeKind::kVectorSelector:
        return vector_selector(n);
      case NodeKind::kParenExpr: {
        DepthGuard guard(*this, n);
        return make(ParenExpr{expr(n.children().front())}, span_of(n));
      }
      case NodeKind::kFunctionCall:
        return function_call(n);
      case NodeKind::kAggregate:
        return aggregate(n);
      default:
        fail(n, "unexpected parse tree node");
    }
  }

  std::vector<ExprPtr> call_args(const Node& body) {
    std::vector<ExprPtr> args;
    for (const Node& c : body.children()) args.push_back(expr(c));
    return args;
  }

  ExprPtr function_call(const Node& n) {
    const Node name = n.children().front();
    std::vector<ExprPtr> args = call_args(n.children().back());  // Prometheus reads them first
    auto f = find_function(name.text());
    if (!f) {
      // Prometheus's message, and for a function Prometheus 3 renamed, its
      // new name (rules written for 2.x meet this first).
      static constexpr std::pair<std::string_view, std::string_view> kRenamed[] = {
          {"holt_winters", "double_exponential_smoothing"},
      };
      std::string hint;
      for (const auto& [old_name, new_name] : kRenamed) {
        if (name.text() == old_name) hint = " (renamed " + std::string(new_name) + " in Prometheus 3)";
      }
      fail(name, "unknown function with name " + go_quote(name.text()) + hint);
    }
    return make(Call{*f, std::move(args)}, span_of(n));
  }

  ExprPtr aggregate(const Node& n) {
    AggregateExpr agg;
    const Node op_node = n.children().front();
    const std::string op = lower(op_node.text());
    static const std::pair<const char*, AggregateOp> kOps[] = {
        {"sum", AggregateOp::kSum},           {"avg", AggregateOp::kAvg},
        {"count", AggregateOp::kCount},       {"min", AggregateOp::kMin},
        {"max", AggregateOp::kMax},           {"group", AggregateOp::kGroup},
        {"stddev", AggregateOp::kStddev},     {"stdvar", AggregateOp::kStdvar},
        {"topk", AggregateOp::kTopk},         {"bottomk", AggregateOp::kBottomk},
        {"quantile", AggregateOp::kQuantile}, {"count_values", AggregateOp::kCountValues},
        {"limitk", AggregateOp::kLimitk},     {"limit_ratio", AggregateOp::kLimitRatio},
    };
    for (const auto& [text, value] : kOps) {
      if (op == text) agg.op = value;
    }
    std::vector<ExprPtr> args;
    for (const Node& c : n.children()) {
      if (c.is(NodeKind::kAggGrouping)) {
        agg.without = c.children().front().is(NodeKind::kWithout);
        agg.grouping = grouping_labels(c.children().back());
        agg.grouping_given = true;
      } else if (c.is(NodeKind::kAggBody)) {
        args = call_args(c);
      }
    }
    // newAggregateExpr, at the operator.
    if (args.empty()) fail(op_node, "no arguments for aggregate expression provided");
    const size_t want = aggregate_has_param(agg.op) ? 2 : 1;
    if (args.size() != want) {
      fail(op_node, "wrong number of arguments for aggregate expression provided, expected " + std::to_string(want) +
                        ", got " + std::to_string(args.size()));
    }
    agg.expr = std::move(args.back());
    if (want == 2) agg.param = std::move(args.front());
    return make(std::move(agg), span_of(n));
  }

  ExprPtr vector_selector(const Node& n) {
    VectorSelector vs;
    for (const Node& c : n.children()) {
      if (c.is(NodeKind::kMetricName)) {
        vs.name = std::string(c.text());
      } else if (c.is(NodeKind::kLabelMatchers)) {
        for (const Node& m : c.children()) vs.matchers.push_back(label_matcher(m));
      }
    }
    if (!vs.name.empty())
      vs.matchers.insert(vs.matchers.begin(), *LabelMatcher::make(MatchType::kEqual, kMetricNameLabel, vs.name));
    // The name set twice and the empty-matching selector are check.cc's, as
    // they are Prometheus's checkAST's.
    return make(std::move(vs), span_of(n));
  }

  static LabelMatcher label_matcher(const Node& n) {
    const Node name_node = n.children().front();
    std::string name =
        name_node.is(NodeKind::kQuotedLabelName) ? unquote_or_fail(name_node) : std::string(name_node.text());
    if (n.children().size() == 1) {
      // {"metric.name"}: a quoted name alone is the metric name (Prometheus 3).
      return *LabelMatcher::make(MatchType::kEqual, kMetricNameLabel, name);
    }
    const std::string_view op = n.children()[1].text();
    const MatchType type = op == "="    ? MatchType::kEqual
                           : op == "!=" ? MatchType::kNotEqual
                           : op == "=~" ? MatchType::kRegexMatch
                                        : MatchType::kRegexNoMatch;
    const Node value = n.children()[2];
    auto m = LabelMatcher::make(type, name, unquote_or_fail(value));
    if (!m) fail_at(name_node.begin(), value.end(), m.error().message);  // newLabelMatcher: from the label
    return *std::move(m);
  }

  static std::optional<AtModifier>& at_of(Expr& e) {
    if (auto* vs = std::get_if<VectorSelector>(&e.node)) return vs->at;
    if (auto* ms = std::get_if<MatrixSelector>(&e.node)) return std::get<VectorSelector>(ms->selector->node).at;
    return std::get<SubqueryExpr>(e.node).at;
  }
  static Duration& offset_of(Expr& e) {
    if (auto* vs = std::get_if<VectorSelector>(&e.node)) return vs->offset;
    if (auto* ms = std::get_if<MatrixSelector>(&e.node)) return std::get<VectorSelector>(ms->selector->node).offset;
    return std::get<SubqueryExpr>(e.node).offset;
  }
  static bool takes_modifiers(const Expr& e) {
    return e.as<VectorSelector>() || e.as<MatrixSelector>() || e.as<SubqueryExpr>();
  }

  // Prometheus reports a modifier's errors at the expression it modifies.
  [[noreturn]] static void fail_on(const Expr& e, std::string message) {
    fail_at(e.span.begin, e.span.end, std::move(message));
  }

  ExprPtr postfix(ExprPtr e, const Node& n) {
    const Span span{e->span.begin, n.end()};
    switch (n.kind()) {
      case NodeKind::kRangePostfix: {
        const Duration r = positive_duration(n.children().front());
        if (n.children().size() > 1) {  // [range:step]
          DepthGuard guard(*this, n);
          SubqueryExpr sq;
          sq.range = r;
          const Node tail = n.children()[1];
          if (!tail.children().empty()) sq.step = positive_duration(tail.children().front());
          sq.expr = std::move(e);
          return make(std::move(sq), span);
        }
        const auto* vs = e->as<VectorSelector>();
        if (vs == nullptr) fail(n, "ranges only allowed for vector selectors");
        if (vs->offset != 0) fail(n, "no offset modifiers allowed before range");
        if (vs->at) fail(n, "no @ modifiers allowed before range");
        return make(MatrixSelector{std::move(e), r}, span);
      }
      case NodeKind::kOffsetPostfix: {
        const DurationValue v = DurationBuilder().offset(n.children().back());
        if (!takes_modifiers(*e)) {
          fail_on(*e,
                  "offset modifier must be preceded by an instant vector selector or range vector selector or a "
                  "subquery");
        }
        if (offset_of(*e) != 0) fail_on(*e, "offset may not be set multiple times");
        offset_of(*e) = to_ms(v.lit, v.seconds);
        e->span = span;
        return e;
      }
      case NodeKind::kAtPostfix: {
        AtModifier at;
        bool negative = false;
        for (const Node& c : n.children()) {
          if (c.is(NodeKind::kStart)) at.kind = AtModifier::Kind::kStart;
          if (c.is(NodeKind::kEnd)) at.kind = AtModifier::Kind::kEnd;
          if (c.is(NodeKind::kAtSign)) negative = c.text() == "-";
          if (c.is(NodeKind::kNumber)) {
            double ts = literal(c).seconds;
            if (negative) ts = -ts;
            // setTimestamp: seconds as an int64, then milliseconds as Go converts them.
            if (!(ts < 9223372036854775807.0 && ts > -9223372036854775808.0)) {
              fail_on(*e, "timestamp out of bounds for @ modifier: " + go_float_f(ts));
            }
            const double ms = std::round(ts * 1000.0);
            at.timestamp = std::fabs(ms) < 9.2e18 ? static_cast<Timestamp>(ms) : std::numeric_limits<Timestamp>::min();
          }
        }
        if (!takes_modifiers(*e)) {
          fail_on(*e,
                  "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
        }
        if (at_of(*e)) fail_on(*e, "@ <timestamp> may not be set multiple times");
        at_of(*e) = at;
        e->span = span;
        return e;
      }
      case NodeKind::kSmoothed:
        fail_on(*e, "smoothed modifier is experimental and not enabled");
      case NodeKind::kAnchored:
        fail_on(*e, "anchored modifier is experimental and not enabled");
      default:
        fail(n, "unexpected parse tree node");
    }
  }

  std::string_view input_;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> build_expr(const Node& expr) {
  try {
    return Builder(expr.input()).expr(expr);
  } catch (const BuildError& e) {
    return make_error(ErrorCode::kParse, e.message, e.span);
  }
}

Result<Labels> build_metric(const Node& metric) {
  try {
    LabelsBuilder b;
    std::optional<Node> name_outside;  // set last: it wins over a __name__ in the braces
    for (const Node& c : metric.children()) {
      if (c.is(NodeKind::kMetricName)) {
        name_outside = c;
        continue;
      }
      // A label set item: name [= value]; a quoted name alone is the metric name.
      const Node name = c.children().front();
      std::string label = name.is(NodeKind::kQuotedLabelName) ? unquote_or_fail(name) : std::string(name.text());
      if (c.children().size() == 1) {
        b.set(kMetricNameLabel, label);
      } else {
        b.set(label, unquote_or_fail(c.children().back()));  // an empty value is no label
      }
    }
    if (name_outside) b.set(kMetricNameLabel, std::string(name_outside->text()));
    return b.build();
  } catch (const BuildError& e) {
    return make_error(ErrorCode::kParse, e.message, e.span);
  }
}

}  // namespace cogwatch::parser::internal
