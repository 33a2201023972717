// The PromQL grammar (PEGTL) and the step from its parse tree to the AST.
// This is the only translation unit that includes PEGTL.
//
// The grammar recognises an expression as a flat sequence
//   operand (binary_op modifiers operand)*
// where an operand is signs, a primary and postfix modifiers ([range],
// [range:step], offset, @). Operator precedence and associativity are then
// applied by build_binary() from one table (ast.h: precedence()), not by
// nested rules. Errors are raised by must<> at the point of commitment, with
// messages from the one table error_messages<>.
#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include <charconv>
#include <optional>
#include <type_traits>
#include <cmath>
#include <limits>

#include "parser/internal/grammar_check.h"
#include "model/unquote.h"
#include "parser/parser.h"

namespace cogwatch::parser {
namespace grammar {

namespace pegtl = tao::pegtl;
using pegtl::any;
using pegtl::at;
using pegtl::digit;
using pegtl::eof;
using pegtl::eolf;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::ranges;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;
using pegtl::string;
using pegtl::until;
using pegtl::xdigit;
template <typename... R>
using must = pegtl::must<R...>;

// Tries Rule only when Guard matches here. Each attempt of a rule the parse
// tree keeps allocates a node, so cheap (unselected) lookaheads keep
// failing alternatives from costing allocations.
template <typename Guard, typename Rule>
struct guarded : seq<at<Guard>, Rule> {};

// ---- Whitespace and comments ----
struct comment : seq<one<'#'>, until<eolf>> {};
struct blank : sor<one<' ', '\t', '\n', '\r', '\f', '\v'>, comment> {};
struct ws : star<blank> {};

// ---- Names ----
struct ident_first : sor<ranges<'a', 'z', 'A', 'Z'>, one<'_'>> {};
struct ident_rest : sor<ranges<'a', 'z', 'A', 'Z', '0', '9'>, one<'_'>> {};
struct metric_rest : sor<ident_rest, one<':'>> {};
struct identifier : seq<ident_first, star<ident_rest>> {};
struct metric_identifier : seq<sor<ident_first, one<':'>>, star<metric_rest>> {};
// Keywords are case-insensitive and must not run on into a name.
template <typename Word>
struct keyword : seq<Word, not_at<metric_rest>> {};
// word_* are for lookaheads; the kw_* the parse tree keeps derive from them.
struct word_by : keyword<TAO_PEGTL_ISTRING("by")> {};
struct word_without : keyword<TAO_PEGTL_ISTRING("without")> {};
struct word_on : keyword<TAO_PEGTL_ISTRING("on")> {};
struct word_ignoring : keyword<TAO_PEGTL_ISTRING("ignoring")> {};
struct word_group_left : keyword<TAO_PEGTL_ISTRING("group_left")> {};
struct word_group_right : keyword<TAO_PEGTL_ISTRING("group_right")> {};
struct word_offset : keyword<TAO_PEGTL_ISTRING("offset")> {};
struct kw_bool : keyword<TAO_PEGTL_ISTRING("bool")> {};
struct kw_by : word_by {};
struct kw_without : word_without {};
struct kw_on : word_on {};
struct kw_ignoring : word_ignoring {};
struct kw_group_left : word_group_left {};
struct kw_group_right : word_group_right {};
struct kw_offset : word_offset {};
struct kw_start : keyword<TAO_PEGTL_ISTRING("start")> {};
struct kw_end : keyword<TAO_PEGTL_ISTRING("end")> {};

// ---- Literals ----
struct duration_unit : sor<string<'m', 's'>, one<'s', 'm', 'h', 'd', 'w', 'y'>> {};
struct duration_lit : seq<plus<plus<digit>, duration_unit>, not_at<ident_rest>> {};
struct hex_lit : seq<one<'0'>, one<'x', 'X'>, plus<xdigit>, not_at<ident_rest>> {};
struct exponent : seq<one<'e', 'E'>, opt<one<'+', '-'>>, plus<digit>> {};
struct decimal_lit
    : seq<sor<seq<plus<digit>, opt<one<'.'>, star<digit>>>, seq<one<'.'>, plus<digit>>>, opt<exponent>,
          not_at<ident_rest>> {};
struct inf_nan_lit : seq<sor<TAO_PEGTL_ISTRING("inf"), TAO_PEGTL_ISTRING("nan")>, not_at<metric_rest>> {};
// A number, or a duration standing for its seconds (Prometheus 3).
struct number_lit : sor<duration_lit, hex_lit, decimal_lit, inf_nan_lit> {};

struct escaped : seq<one<'\\'>, any> {};
struct dq_close : one<'"'> {};
struct sq_close : one<'\''> {};
struct bq_close : one<'`'> {};
struct dq_string : seq<one<'"'>, star<sor<escaped, not_one<'"', '\\', '\n'>>>, must<dq_close>> {};
struct sq_string : seq<one<'\''>, star<sor<escaped, not_one<'\'', '\\', '\n'>>>, must<sq_close>> {};
struct bq_string : seq<one<'`'>, star<not_one<'`'>>, must<bq_close>> {};
struct string_lit : sor<dq_string, sq_string, bq_string> {};

struct expr;

// ---- Vector selectors ----
struct match_op : sor<string<'=', '~'>, string<'!', '='>, string<'!', '~'>, one<'='>> {};
struct matcher_name : sor<string_lit, identifier> {};
struct matcher_value : string_lit {};
struct label_matcher : seq<matcher_name, opt<ws, match_op, ws, must<matcher_value>>> {};
struct matchers_close : one<'}'> {};
struct label_matchers
    : seq<one<'{'>, ws, opt<label_matcher, star<ws, one<','>, ws, label_matcher>, ws, opt<one<','>, ws>>,
          must<matchers_close>> {};
struct metric_name : metric_identifier {};
struct vector_selector
    : sor<seq<metric_name, opt<ws, guarded<one<'{'>, label_matchers>>>, guarded<one<'{'>, label_matchers>> {};

// ---- Grouping lists: by (...), on (...), group_left (...) ----
struct grouping_label : sor<string_lit, metric_identifier> {};
struct grouping_close : one<')'> {};
struct grouping_list
    : seq<one<'('>, ws, opt<grouping_label, star<ws, one<','>, ws, grouping_label>, ws, opt<one<','>, ws>>,
          must<grouping_close>> {};
struct required_grouping : seq<grouping_list> {};

// ---- Calls and aggregations ----
struct call_close : one<')'> {};
struct call_args : seq<expr, star<ws, one<','>, ws, expr>> {};
struct call_body : seq<one<'('>, ws, opt<call_args, ws>, must<call_close>> {};
struct function_name : identifier {};
struct function_call : seq<function_name, ws, call_body> {};
struct agg_word
    : sor<keyword<TAO_PEGTL_ISTRING("sum")>, keyword<TAO_PEGTL_ISTRING("avg")>, keyword<TAO_PEGTL_ISTRING("count")>,
          keyword<TAO_PEGTL_ISTRING("min")>, keyword<TAO_PEGTL_ISTRING("max")>, keyword<TAO_PEGTL_ISTRING("group")>,
          keyword<TAO_PEGTL_ISTRING("stddev")>, keyword<TAO_PEGTL_ISTRING("stdvar")>,
          keyword<TAO_PEGTL_ISTRING("topk")>, keyword<TAO_PEGTL_ISTRING("bottomk")>,
          keyword<TAO_PEGTL_ISTRING("quantile")>, keyword<TAO_PEGTL_ISTRING("count_values")>,
          keyword<TAO_PEGTL_ISTRING("limitk")>, keyword<TAO_PEGTL_ISTRING("limit_ratio")>> {};
struct agg_op : agg_word {};
struct agg_grouping : seq<sor<kw_by, kw_without>, ws, must<required_grouping>> {};
struct agg_body : call_body {};
struct required_agg_body : seq<agg_body> {};
struct aggregate
    : seq<agg_op, ws,
          sor<seq<agg_grouping, ws, must<required_agg_body>>,
              seq<guarded<one<'('>, agg_body>, opt<ws, guarded<sor<word_by, word_without>, agg_grouping>>>>> {};

// ---- Parentheses ----
struct paren_close : one<')'> {};
struct required_expr : seq<expr> {};
struct paren_expr : seq<one<'('>, ws, must<required_expr>, ws, must<paren_close>> {};

// ---- Postfix modifiers ----
struct range_value : number_lit {};
struct subquery_step : number_lit {};
struct subquery_close : one<']'> {};
struct subquery_tail : seq<one<':'>, ws, opt<subquery_step, ws>, must<subquery_close>> {};
struct range_end : sor<one<']'>, subquery_tail> {};
struct range_postfix : seq<one<'['>, ws, must<range_value>, ws, must<range_end>> {};
struct offset_minus : one<'-'> {};
struct offset_value : seq<opt<offset_minus, ws>, number_lit> {};
struct offset_postfix : seq<kw_offset, ws, must<offset_value>> {};
struct at_sign : one<'+', '-'> {};
struct at_value
    : sor<seq<kw_start, ws, one<'('>, ws, one<')'>>, seq<kw_end, ws, one<'('>, ws, one<')'>>,
          seq<opt<at_sign, ws>, number_lit>> {};
struct at_postfix : seq<one<'@'>, ws, must<at_value>> {};
struct postfix
    : sor<guarded<one<'['>, range_postfix>, guarded<word_offset, offset_postfix>, guarded<one<'@'>, at_postfix>> {};

// ---- Operands and binary expressions ----
struct unary_op : one<'+', '-'> {};
struct primary
    : sor<guarded<one<'('>, paren_expr>, guarded<seq<agg_word, ws, sor<one<'('>, word_by, word_without>>, aggregate>,
          guarded<seq<identifier, ws, one<'('>>, function_call>,
          guarded<sor<digit, one<'.', 'i', 'I', 'n', 'N'>>, number_lit>, guarded<one<'"', '\'', '`'>, string_lit>,
          vector_selector> {};
struct operand_body : seq<primary, star<ws, postfix>> {};
struct required_operand_body : seq<operand_body> {};
struct operand : sor<seq<plus<unary_op, ws>, must<required_operand_body>>, operand_body> {};
struct binary_word
    : sor<string<'=', '='>, string<'!', '='>, string<'>', '='>, string<'<', '='>, one<'>'>, one<'<'>, one<'+'>,
          one<'-'>, one<'*'>, one<'/'>, one<'%'>, one<'^'>, keyword<TAO_PEGTL_ISTRING("and")>,
          keyword<TAO_PEGTL_ISTRING("or")>, keyword<TAO_PEGTL_ISTRING("unless")>,
          keyword<TAO_PEGTL_ISTRING("atan2")>> {};
struct binary_op : binary_word {};
struct on_ignoring : seq<sor<kw_on, kw_ignoring>, ws, must<required_grouping>> {};
struct group_side : seq<sor<kw_group_left, kw_group_right>, opt<ws, grouping_list>> {};
struct binary_rhs : seq<operand> {};
struct binary_tail
    : seq<binary_op, ws, opt<guarded<TAO_PEGTL_ISTRING("bool"), kw_bool>, ws>,
          opt<guarded<sor<word_on, word_ignoring>, on_ignoring>, ws,
              opt<guarded<sor<word_group_left, word_group_right>, group_side>, ws>>,
          must<binary_rhs>> {};
struct expr : seq<operand, star<ws, guarded<binary_word, binary_tail>>> {};

struct query : seq<ws, must<required_expr>, ws, must<eof>> {};
struct required_selector : seq<vector_selector> {};
struct selector_query : seq<ws, must<required_selector>, ws, must<eof>> {};

// ---- Error messages, at the point of commitment ----
// A leading '!' means "the whole message"; otherwise the text follows
// "unexpected <token>". must_if raises whenever a rule with a message
// fails, so these rules appear only inside must<>; the required_* wrappers
// give rules used elsewhere too a must-only name.
template <typename Rule>
inline constexpr const char* error_message = nullptr;
template <> inline constexpr const char* error_message<dq_close> = "!unterminated quoted string";
template <> inline constexpr const char* error_message<sq_close> = "!unterminated quoted string";
template <> inline constexpr const char* error_message<bq_close> = "!unterminated raw string";
template <> inline constexpr const char* error_message<matcher_value> = " in label matching, expected string";
template <> inline constexpr const char* error_message<matchers_close> = " in label matching, expected \",\" or \"}\"";
template <> inline constexpr const char* error_message<required_grouping> = " in grouping opts, expected \"(\"";
template <> inline constexpr const char* error_message<grouping_close> = " in grouping opts, expected \",\" or \")\"";
template <> inline constexpr const char* error_message<call_close> = " in call, expected \",\" or \")\"";
template <> inline constexpr const char* error_message<required_agg_body> = " in aggregation, expected \"(\"";
template <> inline constexpr const char* error_message<paren_close> = " in parentheses, expected \")\"";
template <> inline constexpr const char* error_message<range_value> = " in subquery or range, expected number or duration";
template <> inline constexpr const char* error_message<range_end> = " in subquery or range, expected \":\" or \"]\"";
template <> inline constexpr const char* error_message<subquery_close> = " in subquery, expected \"]\"";
template <> inline constexpr const char* error_message<offset_value> = " in offset, expected number or duration";
template <> inline constexpr const char* error_message<at_value> = " in @, expected timestamp, start() or end()";
template <> inline constexpr const char* error_message<required_operand_body> = ", expected an expression after the sign";
template <> inline constexpr const char* error_message<binary_rhs> = ", expected an expression after the operator";
template <> inline constexpr const char* error_message<required_expr> = ", expected an expression";
template <> inline constexpr const char* error_message<required_selector> = ", expected a series selector";
template <> inline constexpr const char* error_message<eof> = "";

struct errors {
  template <typename Rule>
  static constexpr const char* message = error_message<Rule>;
};
template <typename Rule>
using control = pegtl::must_if<errors>::control<Rule>;

// The rules the builder looks at; all others leave no trace in the tree.
template <typename Rule, typename... Rules>
inline constexpr bool one_of = (std::is_same_v<Rule, Rules> || ...);
template <typename Rule>
inline constexpr bool kept =
    one_of<Rule, number_lit, string_lit, metric_name, matcher_name, match_op, matcher_value, label_matcher,
           label_matchers, vector_selector, grouping_label, grouping_list, function_name, function_call, call_body,
           agg_op, agg_grouping, kw_by, kw_without, aggregate, agg_body, paren_expr, range_value, subquery_step,
           subquery_tail, range_postfix, offset_minus, offset_postfix, at_sign, at_postfix, kw_start, kw_end,
           unary_op, operand, binary_op, kw_bool, on_ignoring, kw_on, kw_ignoring, group_side, kw_group_left,
           kw_group_right, binary_tail, expr>;

}  // namespace grammar

namespace {

// The parse tree, flat: kept rules in pre-order, each knowing where its
// subtree ends. One vector, reused, instead of a heap node per rule tried.
template <typename Rule>
inline constexpr char kRuleTag = 0;

struct FlatTree {
  struct Entry {
    const void* rule;  // &kRuleTag<Rule>
    uint32_t begin;    // byte range in the input
    uint32_t end;
    uint32_t after;    // index just past this entry's subtree
  };
  std::vector<Entry> nodes;
  std::vector<uint32_t> open;  // entries whose rule is still matching

  void start(const void* rule, uint32_t begin) {
    open.push_back(static_cast<uint32_t>(nodes.size()));
    nodes.push_back({rule, begin, begin, 0});
  }
  void success(uint32_t end) {
    const uint32_t i = open.back();
    open.pop_back();
    nodes[i].end = end;
    nodes[i].after = static_cast<uint32_t>(nodes.size());
  }
  void failure() {
    nodes.resize(open.back());
    open.pop_back();
  }
};

// A view of one entry with the interface the builder uses.
class Node {
 public:
  class Children;
  Node(const FlatTree* tree, std::string_view input, uint32_t index) : tree_(tree), input_(input), index_(index) {}

  template <typename Rule>
  bool is_type() const {
    return entry().rule == &kRuleTag<Rule>;
  }
  std::string_view string_view() const { return input_.substr(entry().begin, entry().end - entry().begin); }
  uint32_t begin() const { return entry().begin; }
  uint32_t end() const { return entry().end; }
  Children children() const;

 private:
  const FlatTree::Entry& entry() const { return tree_->nodes[index_]; }
  const FlatTree* tree_;
  std::string_view input_;
  uint32_t index_;
};

class Node::Children {
 public:
  class Iterator {
   public:
    Iterator(const Node& parent, uint32_t i) : parent_(parent), i_(i) {}
    Node operator*() const { return Node(parent_.tree_, parent_.input_, i_); }
    Iterator& operator++() {
      i_ = parent_.tree_->nodes[i_].after;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const Node& parent_;
    uint32_t i_;
  };
  explicit Children(const Node& parent) : parent_(parent) {}
  Iterator begin() const { return Iterator(parent_, parent_.index_ + 1); }
  Iterator end() const { return Iterator(parent_, parent_.entry().after); }
  bool empty() const { return parent_.index_ + 1 == parent_.entry().after; }
  size_t size() const {
    size_t n = 0;
    for (auto it = begin(); it != end(); ++it) ++n;
    return n;
  }
  Node operator[](size_t k) const {
    auto it = begin();
    while (k-- > 0) ++it;
    return *it;
  }
  Node front() const { return *begin(); }
  Node back() const {
    uint32_t last = parent_.index_ + 1;
    for (uint32_t i = last; i != parent_.entry().after; i = parent_.tree_->nodes[i].after) last = i;
    return Node(parent_.tree_, parent_.input_, last);
  }

 private:
  const Node& parent_;
};

Node::Children Node::children() const { return Children(*this); }

// PEGTL control: records kept rules in the FlatTree, and raises the
// grammar's error messages.
template <typename Rule>
struct tree_control : grammar::control<Rule> {
  template <typename ParseInput, typename... States>
  static void start(const ParseInput& in, FlatTree& tree, States&&...) {
    if constexpr (grammar::kept<Rule>) tree.start(&kRuleTag<Rule>, static_cast<uint32_t>(in.current() - in.begin()));
  }
  template <typename ParseInput, typename... States>
  static void success(const ParseInput& in, FlatTree& tree, States&&...) {
    if constexpr (grammar::kept<Rule>) tree.success(static_cast<uint32_t>(in.current() - in.begin()));
  }
  template <typename ParseInput, typename... States>
  static void failure(const ParseInput& in, FlatTree& tree, States&&... st) {
    if constexpr (grammar::kept<Rule>) tree.failure();
    grammar::control<Rule>::failure(in, tree, st...);
  }
};

Span span_of(const Node& n) { return Span{n.begin(), n.end()}; }

// Thrown inside the builder, caught at parse_expr(); never crosses the
// module boundary.
struct BuildError {
  std::string message;
  Span span;
};

[[noreturn]] void fail(const Node& n, std::string message) { throw BuildError{std::move(message), span_of(n)}; }

ExprPtr make(Expr::Node node, Span span) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(node);
  e->span = span;
  return e;
}

std::string unquote_or_fail(const Node& n) {
  auto s = unquote(n.string_view());
  if (!s) fail(n, s.error().message);
  return *std::move(s);
}

// A number literal's value; durations are seconds.
double number_value(const Node& n) {
  const std::string_view text = n.string_view();
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), v, 16);
    if (ec != std::errc() || ptr != text.data() + text.size()) fail(n, "number out of range: " + std::string(text));
    return static_cast<double>(v);
  }
  if (std::isalpha(static_cast<unsigned char>(text.front()))) {  // inf or nan, any case
    return std::tolower(static_cast<unsigned char>(text.front())) == 'i' ? std::numeric_limits<double>::infinity()
                                                                       : std::numeric_limits<double>::quiet_NaN();
  }
  if (std::string_view("smhdwy").find(text.back()) != std::string_view::npos) {  // a duration
    auto d = parse_duration(text);
    if (!d) fail(n, d.error().message);
    return static_cast<double>(*d) / 1000.0;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) fail(n, "number out of range: " + std::string(text));
  if (ec != std::errc() || ptr != text.data() + text.size()) fail(n, "bad number: " + std::string(text));
  return v;
}

// Seconds (as a PromQL literal) to a Duration in ms, truncating toward zero
// as Prometheus's time.Duration(v*1000)*time.Millisecond does.
Duration to_duration(const Node& n, double seconds) {
  const double ms = seconds * 1000.0;
  if (!(std::fabs(ms) < 9.2e18)) fail(n, "duration out of range");
  return static_cast<Duration>(ms);
}

// A number literal used as a duration ([5m], offset 1h, [30m:1m]): exact
// milliseconds for a duration literal, seconds times 1000 for a number.
Duration duration_value(const Node& n) {
  const std::string_view text = n.string_view();
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  if (!hex && std::isdigit(static_cast<unsigned char>(text.front())) &&
      std::string_view("smhdwy").find(text.back()) != std::string_view::npos) {
    auto d = parse_duration(text);
    if (!d) fail(n, d.error().message);
    return *d;
  }
  return to_duration(n, number_value(n));
}

class Builder {
 public:
  explicit Builder(std::string_view input) : input_(input) {}

  ExprPtr expr(const Node& n) {
    DepthGuard guard(*this, n);
    // Children: operand, then binary_tail...
    std::vector<ExprPtr> operands;
    std::vector<std::vector<bool>> signs;  // per operand, outermost first; true = '-'
    std::vector<std::vector<Span>> sign_spans;
    std::vector<Node> tails;
    for (const Node& c : n.children()) {
      Node op_node = c;
      if (c.is_type<grammar::binary_tail>()) {
        tails.push_back(c);
        op_node = c.children().back();  // its operand
      }
      signs.emplace_back();
      sign_spans.emplace_back();
      operands.push_back(operand(op_node, signs.back(), sign_spans.back()));
      if (signs.back().size() > static_cast<size_t>(kMaxNesting)) fail(op_node, "too many signs in a row");
    }
    return build_binary(operands, signs, sign_spans, tails);
  }

  ExprPtr selector_only(const Node& n) { return vector_selector(n); }

 private:
  struct DepthGuard {
    DepthGuard(Builder& b, const Node& n) : b_(b) {
      if (++b_.depth_ > kMaxNesting) fail(n, "expression nests too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
    }
    ~DepthGuard() { --b_.depth_; }
    Builder& b_;
  };

  struct BinaryInfo {
    BinaryOp op;
    bool return_bool = false;
    VectorMatching matching;
  };

  static BinaryOp binary_op(const Node& n) {
    std::string s(n.string_view());
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const std::pair<const char*, BinaryOp> kOps[] = {
        {"or", BinaryOp::kOr},   {"and", BinaryOp::kAnd}, {"unless", BinaryOp::kUnless}, {"==", BinaryOp::kEql},
        {"!=", BinaryOp::kNeq},  {">", BinaryOp::kGtr},   {"<", BinaryOp::kLss},         {">=", BinaryOp::kGte},
        {"<=", BinaryOp::kLte},  {"+", BinaryOp::kAdd},   {"-", BinaryOp::kSub},         {"*", BinaryOp::kMul},
        {"/", BinaryOp::kDiv},   {"%", BinaryOp::kMod},   {"atan2", BinaryOp::kAtan2},   {"^", BinaryOp::kPow},
    };
    for (const auto& [text, op] : kOps) {
      if (s == text) return op;
    }
    fail(n, "unknown operator " + s);
  }

  std::vector<std::string> grouping_labels(const Node& list) {
    std::vector<std::string> out;
    for (const Node& c : list.children()) {
      if (!c.is_type<grammar::grouping_label>()) continue;
      const std::string_view text = c.string_view();
      std::string name = text.front() == '"' || text.front() == '\'' || text.front() == '`'
                             ? unquote_or_fail(c)
                             : std::string(text);
      if (name.empty()) fail(c, "invalid label name for grouping: \"\"");
      out.push_back(std::move(name));
    }
    return out;
  }

  BinaryInfo binary_info(const Node& tail) {
    BinaryInfo info;
    for (const Node& c : tail.children()) {
      if (c.is_type<grammar::binary_op>()) {
        info.op = binary_op(c);
      } else if (c.is_type<grammar::kw_bool>()) {
        info.return_bool = true;
      } else if (c.is_type<grammar::on_ignoring>()) {
        info.matching.explicit_matching = true;
        info.matching.on = c.children().front().is_type<grammar::kw_on>();
        info.matching.labels = grouping_labels(c.children().back());
      } else if (c.is_type<grammar::group_side>()) {
        info.matching.card = c.children().front().is_type<grammar::kw_group_left>() ? Cardinality::kManyToOne
                                                                                     : Cardinality::kOneToMany;
        if (c.children().size() > 1) info.matching.include = grouping_labels(c.children().back());
      }
    }
    if (is_set_operator(info.op) && info.matching.card == Cardinality::kOneToOne) {
      info.matching.card = Cardinality::kManyToMany;
    }
    return info;
  }

  ExprPtr apply_signs(ExprPtr e, const std::vector<bool>& signs, const std::vector<Span>& spans) {
    // Innermost sign last in the list: apply from the end.
    for (size_t i = signs.size(); i-- > 0;) {
      const Span span{spans[i].begin, e->span.end};
      if (auto* num = std::get_if<NumberLiteral>(&e->node)) {
        // -1 is a literal, as in Prometheus.
        if (signs[i]) num->value = -num->value;
        e->span = span;
        continue;
      }
      e = make(UnaryExpr{signs[i], std::move(e)}, span);
    }
    return e;
  }

  // Applies precedence and associativity to operand (op operand)*.
  // Signs bind looser than ^ and tighter than everything else, as in
  // Prometheus: -a^b is -(a^b), -a*b is (-a)*b.
  ExprPtr build_binary(std::vector<ExprPtr>& operands, std::vector<std::vector<bool>>& signs,
                       std::vector<std::vector<Span>>& sign_spans, const std::vector<Node>& tails) {
    std::vector<BinaryInfo> ops;
    for (const Node& t : tails) ops.push_back(binary_info(t));

    // 1. Fold each maximal run of ^ (right-associative) with its signs.
    std::vector<ExprPtr> atoms;
    std::vector<BinaryInfo> atom_ops;
    size_t i = 0;
    while (i < operands.size()) {
      size_t j = i;
      while (j < ops.size() && ops[j].op == BinaryOp::kPow) ++j;
      ExprPtr chain = apply_signs(std::move(operands[j]), signs[j], sign_spans[j]);
      for (size_t k = j; k-- > i;) {
        Span span{operands[k]->span.begin, chain->span.end};
        chain = make(BinaryExpr{BinaryOp::kPow, std::move(operands[k]), std::move(chain), ops[k].return_bool,
                                std::move(ops[k].matching)},
                     span);
        chain = apply_signs(std::move(chain), signs[k], sign_spans[k]);
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
      Span span{lhs->span.begin, rhs->span.end};
      out.push_back(make(BinaryExpr{info.op, std::move(lhs), std::move(rhs), info.return_bool, std::move(info.matching)},
                         span));
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

  ExprPtr operand(const Node& n, std::vector<bool>& signs, std::vector<Span>& sign_spans) {
    ExprPtr e;
    for (const Node& c : n.children()) {
      if (c.is_type<grammar::unary_op>()) {
        signs.push_back(c.string_view() == "-");
        sign_spans.push_back(span_of(c));
      } else if (!e) {
        e = primary(c);
      } else {
        e = postfix(std::move(e), c);
      }
    }
    return e;
  }

  ExprPtr primary(const Node& n) {
    if (n.is_type<grammar::number_lit>()) return make(NumberLiteral{number_value(n)}, span_of(n));
    if (n.is_type<grammar::string_lit>()) return make(StringLiteral{unquote_or_fail(n)}, span_of(n));
    if (n.is_type<grammar::vector_selector>()) return vector_selector(n);
    if (n.is_type<grammar::paren_expr>()) {
      DepthGuard guard(*this, n);
      return make(ParenExpr{expr(n.children().front())}, span_of(n));
    }
    if (n.is_type<grammar::function_call>()) return function_call(n);
    if (n.is_type<grammar::aggregate>()) return aggregate(n);
    fail(n, "unexpected parse tree node");
  }

  std::vector<ExprPtr> call_args(const Node& body) {
    std::vector<ExprPtr> args;
    for (const Node& c : body.children()) {
      if (c.is_type<grammar::expr>()) args.push_back(expr(c));
    }
    return args;
  }

  ExprPtr function_call(const Node& n) {
    const Node name = n.children().front();
    auto f = find_function(name.string_view());
    if (!f) {
      // Prometheus's message, and for a function Prometheus 3 renamed, its
      // new name (rules written for 2.x meet this first).
      static constexpr std::pair<std::string_view, std::string_view> kRenamed[] = {
          {"holt_winters", "double_exponential_smoothing"},
      };
      std::string hint;
      for (const auto& [old_name, new_name] : kRenamed) {
        if (name.string_view() == old_name) hint = " (renamed " + std::string(new_name) + " in Prometheus 3)";
      }
      fail(name, "unknown function with name \"" + std::string(name.string_view()) + "\"" + hint);
    }
    return make(Call{*f, call_args(n.children().back())}, span_of(n));
  }

  ExprPtr aggregate(const Node& n) {
    AggregateExpr agg;
    std::string op(n.children().front().string_view());
    for (char& c : op) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const std::pair<const char*, AggregateOp> kOps[] = {
        {"sum", AggregateOp::kSum},       {"avg", AggregateOp::kAvg},         {"count", AggregateOp::kCount},
        {"min", AggregateOp::kMin},       {"max", AggregateOp::kMax},         {"group", AggregateOp::kGroup},
        {"stddev", AggregateOp::kStddev}, {"stdvar", AggregateOp::kStdvar},   {"topk", AggregateOp::kTopk},
        {"bottomk", AggregateOp::kBottomk}, {"quantile", AggregateOp::kQuantile},
        {"count_values", AggregateOp::kCountValues}, {"limitk", AggregateOp::kLimitk},
        {"limit_ratio", AggregateOp::kLimitRatio},
    };
    for (const auto& [text, value] : kOps) {
      if (op == text) agg.op = value;
    }
    std::vector<ExprPtr> args;
    for (const Node& c : n.children()) {
      if (c.is_type<grammar::agg_grouping>()) {
        agg.without = c.children().front().is_type<grammar::kw_without>();
        agg.grouping = grouping_labels(c.children().back());
        agg.grouping_given = true;
      } else if (c.is_type<grammar::agg_body>()) {
        args = call_args(c);
      }
    }
    const size_t want = aggregate_has_param(agg.op) ? 2 : 1;
    if (args.size() != want) {
      fail(n, "wrong number of arguments for aggregate expression provided, expected " + std::to_string(want) +
                  ", got " + std::to_string(args.size()));
    }
    agg.expr = std::move(args.back());
    if (want == 2) agg.param = std::move(args.front());
    return make(std::move(agg), span_of(n));
  }

  ExprPtr vector_selector(const Node& n) {
    VectorSelector vs;
    std::optional<Node> name_node;
    for (const Node& c : n.children()) {
      if (c.is_type<grammar::metric_name>()) {
        name_node = c;
        vs.name = std::string(c.string_view());
      } else if (c.is_type<grammar::label_matchers>()) {
        for (const Node& m : c.children()) {
          if (m.is_type<grammar::label_matcher>()) vs.matchers.push_back(label_matcher(m));
        }
      }
    }
    if (name_node) {
      for (const LabelMatcher& m : vs.matchers) {
        if (m.name() == kMetricNameLabel) {
          fail(n, "metric name must not be set twice: \"" + vs.name + "\" or \"" + m.value() + "\"");
        }
      }
      auto m = LabelMatcher::make(MatchType::kEqual, kMetricNameLabel, vs.name);
      vs.matchers.insert(vs.matchers.begin(), *std::move(m));
    }
    const bool any_non_empty =
        std::any_of(vs.matchers.begin(), vs.matchers.end(), [](const LabelMatcher& m) { return !m.matches_empty(); });
    if (!any_non_empty) fail(n, "vector selector must contain at least one non-empty matcher");
    return make(std::move(vs), span_of(n));
  }

  LabelMatcher label_matcher(const Node& n) {
    const Node name_node = n.children().front();
    const std::string_view raw = name_node.string_view();
    const bool quoted = raw.front() == '"' || raw.front() == '\'' || raw.front() == '`';
    std::string name = quoted ? unquote_or_fail(name_node) : std::string(raw);
    if (n.children().size() == 1) {
      // {"metric.name"}: a quoted name alone is the metric name (Prometheus 3).
      if (!quoted) fail(name_node, "unexpected identifier \"" + name + "\" in label matching, expected label matching operator");
      auto m = LabelMatcher::make(MatchType::kEqual, kMetricNameLabel, name);
      return *std::move(m);
    }
    const std::string_view op = n.children()[1].string_view();
    const MatchType type = op == "=" ? MatchType::kEqual
                           : op == "!=" ? MatchType::kNotEqual
                           : op == "=~" ? MatchType::kRegexMatch
                                        : MatchType::kRegexNoMatch;
    if (name.empty()) fail(name_node, "invalid label name \"\"");
    std::string value = unquote_or_fail(n.children()[2]);
    auto m = LabelMatcher::make(type, name, value);
    if (!m) fail(n.children()[2], m.error().message);
    return *std::move(m);
  }

  std::optional<AtModifier>& at_of(Expr& e) {
    if (auto* vs = std::get_if<VectorSelector>(&e.node)) return vs->at;
    if (auto* ms = std::get_if<MatrixSelector>(&e.node)) return std::get<VectorSelector>(ms->selector->node).at;
    return std::get<SubqueryExpr>(e.node).at;
  }
  Duration& offset_of(Expr& e) {
    if (auto* vs = std::get_if<VectorSelector>(&e.node)) return vs->offset;
    if (auto* ms = std::get_if<MatrixSelector>(&e.node)) return std::get<VectorSelector>(ms->selector->node).offset;
    return std::get<SubqueryExpr>(e.node).offset;
  }
  static bool takes_modifiers(const Expr& e) {
    return e.as<VectorSelector>() || e.as<MatrixSelector>() || e.as<SubqueryExpr>();
  }

  ExprPtr postfix(ExprPtr e, const Node& n) {
    const Span span{e->span.begin, n.end()};
    if (n.is_type<grammar::range_postfix>()) {
      const Node range = n.children().front();
      const Duration r = duration_value(range);
      if (n.children().size() > 1 && n.children()[1].is_type<grammar::subquery_tail>()) {
        DepthGuard guard(*this, n);
        SubqueryExpr sq;
        sq.range = r;
        const Node tail = n.children()[1];
        if (!tail.children().empty()) sq.step = duration_value(tail.children().front());
        sq.expr = std::move(e);
        return make(std::move(sq), span);
      }
      const auto* vs = e->as<VectorSelector>();
      if (vs == nullptr) fail(n, "ranges only allowed for vector selectors");
      if (vs->offset != 0) fail(n, "no offset modifiers allowed before range");
      if (vs->at) fail(n, "no @ modifiers allowed before range");
      return make(MatrixSelector{std::move(e), r}, span);
    }
    if (n.is_type<grammar::offset_postfix>()) {
      if (!takes_modifiers(*e)) {
        fail(n, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
      }
      if (offset_of(*e) != 0) fail(n, "offset may not be set multiple times");
      bool negative = false;
      Duration d = 0;
      for (const Node& c : n.children()) {
        if (c.is_type<grammar::offset_minus>()) negative = true;
        if (c.is_type<grammar::number_lit>()) d = duration_value(c);
      }
      offset_of(*e) = negative ? -d : d;
      e->span = span;
      return e;
    }
    // at_postfix
    if (!takes_modifiers(*e)) {
      fail(n, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }
    if (at_of(*e)) fail(n, "@ <timestamp> may not be set multiple times");
    AtModifier at;
    bool negative = false;
    for (const Node& c : n.children()) {
      if (c.is_type<grammar::kw_start>()) at.kind = AtModifier::Kind::kStart;
      if (c.is_type<grammar::kw_end>()) at.kind = AtModifier::Kind::kEnd;
      if (c.is_type<grammar::at_sign>()) negative = c.string_view() == "-";
      if (c.is_type<grammar::number_lit>()) {
        double ts = number_value(c);
        if (negative) ts = -ts;
        if (!std::isfinite(ts) || ts >= 9.2e15 || ts <= -9.2e15) {
          fail(n, "timestamp out of bounds for @ modifier: " + std::to_string(ts));
        }
        at.timestamp = static_cast<Timestamp>(std::llround(ts * 1000.0));
      }
    }
    at_of(*e) = at;
    e->span = span;
    return e;
  }

  std::string_view input_;
  int depth_ = 0;
};

// Describes the text at byte `pos` for an "unexpected ..." message.
std::string describe_token(std::string_view input, size_t pos) {
  if (pos >= input.size()) return "end of input";
  const unsigned char c = static_cast<unsigned char>(input[pos]);
  auto is_name = [](unsigned char ch) { return std::isalnum(ch) || ch == '_' || ch == ':'; };
  if (std::isalpha(c) || c == '_') {
    size_t end = pos;
    while (end < input.size() && is_name(static_cast<unsigned char>(input[end]))) ++end;
    return "identifier \"" + std::string(input.substr(pos, end - pos)) + "\"";
  }
  if (std::isdigit(c)) {
    size_t end = pos;
    while (end < input.size() && (std::isalnum(static_cast<unsigned char>(input[end])) || input[end] == '.')) ++end;
    return "number \"" + std::string(input.substr(pos, end - pos)) + "\"";
  }
  if (c == '\n') return "newline";
  if (c < 0x20 || c >= 0x7f) return "character " + go_quote(input.substr(pos, 1));
  return "\"" + std::string(1, static_cast<char>(c)) + "\"";
}

// Whether the input holds nothing but blanks and comments.
bool only_blank(std::string_view input) {
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '#') {
      while (i < input.size() && input[i] != '\n') ++i;
    } else if (!std::isspace(static_cast<unsigned char>(input[i]))) {
      return false;
    }
  }
  return true;
}

// Rejects inputs whose brackets nest deeper than kMaxNesting before PEGTL
// recurses into them.
Status check_nesting(std::string_view input) {
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (quote != 0) {
      if (c == '\\' && quote != '`') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    switch (c) {
      case '"': case '\'': case '`': quote = c; break;
      case '#': while (i < input.size() && input[i] != '\n') ++i; break;
      case '(': case '[': case '{':
        if (++depth > kMaxNesting) {
          return make_error(ErrorCode::kParse,
                            "expression nests too deeply (more than " + std::to_string(kMaxNesting) + " levels)",
                            Span{static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)});
        }
        break;
      case ')': case ']': case '}': --depth; break;
      default: break;
    }
  }
  return {};
}

template <typename Rule, typename Build>
Result<ExprPtr> run(std::string_view input, Build build) {
  namespace pegtl = tao::pegtl;
  if (Status s = check_nesting(input); !s) return s.take_error();
  try {
    pegtl::memory_input in(input.data(), input.size(), "");
    thread_local FlatTree tree;  // reused: parsing allocates nothing once warm
    tree.nodes.clear();
    tree.open.clear();
    tree.start(nullptr, 0);  // the root
    pegtl::parse<Rule, pegtl::nothing, tree_control>(in, tree);
    tree.success(static_cast<uint32_t>(input.size()));
    const Node root(&tree, input, 0);
    if (root.children().empty()) return make_error(ErrorCode::kParse, "no expression found in input", Span{0, 0});
    Builder b(input);
    ExprPtr e = build(b, root.children().front());
    if (max_depth(*e) > kMaxDepth) {
      return make_error(ErrorCode::kParse,
                        "expression nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)", e->span);
    }
    return e;
  } catch (const pegtl::parse_error& e) {
    const size_t pos = e.positions().empty() ? 0 : e.positions().front().byte;
    std::string_view msg = e.message();
    std::string text;
    if (!msg.empty() && msg.front() == '!') {
      text = std::string(msg.substr(1));
    } else if (only_blank(input)) {
      text = "no expression found in input";
    } else {
      text = "unexpected " + describe_token(input, pos) + std::string(msg);
    }
    return make_error(ErrorCode::kParse, std::move(text),
                      Span{static_cast<uint32_t>(pos), static_cast<uint32_t>(std::min(pos + 1, input.size()))});
  } catch (const BuildError& e) {
    return make_error(ErrorCode::kParse, e.message, e.span);
  }
}

}  // namespace

Status check_ast(const Expr& e);  // check.cc

std::size_t internal::grammar_issues() {
  return tao::pegtl::analyze<grammar::query>(false) + tao::pegtl::analyze<grammar::selector_query>(false);
}

Result<ExprPtr> parse_expr(std::string_view input) {
  auto e = run<grammar::query>(input, [](Builder& b, const Node& n) { return b.expr(n); });
  if (!e) return e;
  if (Status s = check_ast(**e); !s) return s.take_error();
  return e;
}

Result<std::vector<LabelMatcher>> parse_selector(std::string_view input) {
  auto e = run<grammar::selector_query>(input, [](Builder& b, const Node& n) { return b.selector_only(n); });
  if (!e) return e.take_error();
  return std::get<VectorSelector>((*e)->node).matchers;
}

}  // namespace cogwatch::parser
