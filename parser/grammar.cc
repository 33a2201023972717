// The PromQL grammar (PEGTL): the only translation unit that includes PEGTL.
//
// The grammar recognises an expression as a flat sequence
//   operand (binary_op modifiers operand)*
// where an operand is signs, a primary and postfix modifiers ([range],
// [range:step], offset, @). Operator precedence and associativity are then
// applied by builder.cc from one table (ast.h: precedence()), not by nested
// rules.
//
// Errors are Prometheus 3's. The grammar accepts what Prometheus's lexer
// and parser accept, and fails at the token where Prometheus's parser
// fails (must<> at each point of commitment). The message is then
//   - the lexical error Prometheus's lexer meets first, if it meets one at
//     or before that token (internal/lexer.h), else
//   - "unexpected <token>" worded as Prometheus words tokens, followed by
//     the error_message<> of the rule that failed: Prometheus's " in
//     <context>, expected <what>" of the yacc error production that catches
//     the token there; "" where none does, and then " in aggregation" if an
//     aggregation is open (its production catches everything inside it).
#include <string_view>
#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include "parser/internal/builder.h"
#include "parser/internal/grammar_check.h"
#include "parser/internal/lexer.h"
#include "parser/internal/parse_tree.h"
#include "parser/parser.h"
#include "parser/series.h"

namespace cogwatch::parser {
namespace grammar {

namespace pegtl = tao::pegtl;
using internal::NodeKind;
using pegtl::at;
using pegtl::digit;
using pegtl::eof;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::range;
using pegtl::ranges;
using pegtl::rep;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;
using pegtl::string;
using pegtl::xdigit;
template <typename... R>
using must = pegtl::must<R...>;

// Tries Rule only when Guard matches here. Each attempt of a rule the parse
// tree keeps records an entry, so cheap (unselected) lookaheads keep
// failing alternatives from costing anything. A kept rule's failure removes
// its entries, but a rule that is not kept leaves those of kept rules that
// matched inside it: guards and soft-failing sequences hold no kept rule.
template <typename Guard, typename Rule>
struct guarded : seq<at<Guard>, Rule> {};

// ---- Whitespace and comments: the lexer's four spaces; a comment ends at \r or \n ----
struct comment : seq<one<'#'>, star<not_one<'\n', '\r'>>> {};
struct space : one<' ', '\t', '\n', '\r'> {};
struct ws : star<sor<space, comment>> {};
struct spaces : star<space> {};  // right after '[' and inside duration expressions, where the lexer takes no comment

// ---- Names and keywords ----
struct ident_first : sor<ranges<'a', 'z', 'A', 'Z'>, one<'_'>> {};
struct ident_rest : sor<ranges<'a', 'z', 'A', 'Z', '0', '9'>, one<'_'>> {};
struct metric_rest : sor<ident_rest, one<':'>> {};
struct identifier : seq<ident_first, star<ident_rest>> {};
struct metric_identifier : seq<sor<ident_first, one<':'>>, star<metric_rest>> {};
// The lexer reads a word [a-zA-Z0-9_:]* and looks it up case-insensitively.
template <typename Word>
struct keyword : seq<Word, not_at<metric_rest>> {};
template <typename... Words>
struct any_keyword : sor<keyword<Words>...> {};
using w_offset = TAO_PEGTL_ISTRING("offset");
using w_smoothed = TAO_PEGTL_ISTRING("smoothed");
using w_anchored = TAO_PEGTL_ISTRING("anchored");
using w_by = TAO_PEGTL_ISTRING("by");
using w_without = TAO_PEGTL_ISTRING("without");
using w_on = TAO_PEGTL_ISTRING("on");
using w_ignoring = TAO_PEGTL_ISTRING("ignoring");
using w_group_left = TAO_PEGTL_ISTRING("group_left");
using w_group_right = TAO_PEGTL_ISTRING("group_right");
using w_fill = TAO_PEGTL_ISTRING("fill");
using w_fill_left = TAO_PEGTL_ISTRING("fill_left");
using w_fill_right = TAO_PEGTL_ISTRING("fill_right");
using w_bool = TAO_PEGTL_ISTRING("bool");
using w_start = TAO_PEGTL_ISTRING("start");
using w_end = TAO_PEGTL_ISTRING("end");
using w_step = TAO_PEGTL_ISTRING("step");
using w_range = TAO_PEGTL_ISTRING("range");
using w_min_of = TAO_PEGTL_ISTRING("min_of");
using w_max_of = TAO_PEGTL_ISTRING("max_of");
using w_inf = TAO_PEGTL_ISTRING("inf");
using w_nan = TAO_PEGTL_ISTRING("nan");
// A whole word (the lexer's [a-zA-Z0-9_:]*) that is, ignoring case, one of
// Set::words (lower case): one rule instead of a keyword<> per word.
constexpr bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}
template <typename Set>
struct word_of {
  using rule_t = word_of;
  using subs_t = pegtl::empty_list;
  static constexpr uint32_t kFirstLetters = [] {
    uint32_t mask = 0;
    for (const std::string_view w : Set::words) mask |= 1U << (w[0] - 'a');
    return mask;
  }();
  template <typename ParseInput>
  static bool match(ParseInput& in) {
    const char* p = in.current();
    const size_t avail = static_cast<size_t>(in.end() - p);
    const char first = avail == 0 ? 0 : p[0] >= 'A' && p[0] <= 'Z' ? static_cast<char>(p[0] | 0x20) : p[0];
    if (first < 'a' || first > 'z' || ((kFirstLetters >> (first - 'a')) & 1U) == 0) return false;  // the usual case
    for (const std::string_view w : Set::words) {
      size_t i = 0;
      while (i < w.size() && i < avail && (p[i] >= 'A' && p[i] <= 'Z' ? p[i] | 0x20 : p[i]) == w[i]) ++i;
      if (i == w.size() && (i == avail || !is_word_char(p[i]))) {
        in.bump(i);
        return true;
      }
    }
    return false;
  }
};
struct agg_word
    : any_keyword<TAO_PEGTL_ISTRING("sum"), TAO_PEGTL_ISTRING("avg"), TAO_PEGTL_ISTRING("count"),
                  TAO_PEGTL_ISTRING("min"), TAO_PEGTL_ISTRING("max"), TAO_PEGTL_ISTRING("group"),
                  TAO_PEGTL_ISTRING("stddev"), TAO_PEGTL_ISTRING("stdvar"), TAO_PEGTL_ISTRING("topk"),
                  TAO_PEGTL_ISTRING("bottomk"), TAO_PEGTL_ISTRING("quantile"), TAO_PEGTL_ISTRING("count_values"),
                  TAO_PEGTL_ISTRING("limitk"), TAO_PEGTL_ISTRING("limit_ratio")> {};
// Keyword tokens that are not in Prometheus's metric_identifier (nor numbers).
struct not_metric_words {
  static constexpr std::string_view words[] = {"on",   "ignoring", "group_left", "group_right",
                                               "bool", "atan2",    "inf",        "nan"};
};
struct not_metric_word : word_of<not_metric_words> {};
// Keyword tokens that cannot name a function (start, end, step, range, min_of and max_of can: unknown ones).
struct not_function_words {
  static constexpr std::string_view words[] = {
      "and",      "or",         "unless",      "atan2", "offset",    "smoothed",   "anchored", "by",  "without", "on",
      "ignoring", "group_left", "group_right", "fill",  "fill_left", "fill_right", "bool",     "inf", "nan"};
};
struct not_function_word : word_of<not_function_words> {};
struct set_operator_words {
  static constexpr std::string_view words[] = {"and", "or", "unless", "atan2"};
};
struct not_grouping_words {
  static constexpr std::string_view words[] = {"without", "inf", "nan"};
};
// fill, fill_left and fill_right are keywords only before '('.
template <typename Word>
struct fill_word : seq<keyword<Word>, at<star<space>, one<'('>>> {};
struct kw_bool : keyword<w_bool> {};
struct kw_by : keyword<w_by> {};
struct kw_without : keyword<w_without> {};
struct kw_on : keyword<w_on> {};
struct kw_ignoring : keyword<w_ignoring> {};
struct kw_group_left : keyword<w_group_left> {};
struct kw_group_right : keyword<w_group_right> {};
struct kw_offset : keyword<w_offset> {};
struct kw_smoothed : keyword<w_smoothed> {};
struct kw_anchored : keyword<w_anchored> {};
struct kw_start : keyword<w_start> {};
struct kw_end : keyword<w_end> {};

// ---- Literals ----
// A number or duration token exactly as far as Prometheus's lexer reads one
// (lexNumberOrDuration, shared with lexer.cc): "5mm" is no token at all.
struct number_token {
  using rule_t = number_token;
  using subs_t = pegtl::empty_list;
  template <typename ParseInput>
  static bool match(ParseInput& in) {
    const std::string_view rest(in.current(), static_cast<size_t>(in.end() - in.current()));
    const bool digit_first =
        !rest.empty() && (std::isdigit(static_cast<unsigned char>(rest[0])) ||
                          (rest[0] == '.' && rest.size() > 1 && std::isdigit(static_cast<unsigned char>(rest[1]))));
    bool is_duration = false;
    const size_t n = digit_first ? internal::scan_number_or_duration(rest, is_duration) : 0;
    if (n == 0) return false;
    in.bump(n);
    return true;
  }
};
struct inf_nan : any_keyword<w_inf, w_nan> {};
struct number_lit : sor<number_token, inf_nan> {};

// Strings: Go's escapes (code point ranges are the builder's), valid UTF-8
// (U+FFFD is what Go decodes invalid bytes to, so the lexer rejects it too).
struct octal_escape : seq<range<'0', '3'>, range<'0', '7'>, range<'0', '7'>> {};
struct hex_escape : sor<seq<one<'x'>, rep<2, xdigit>>, seq<one<'u'>, rep<4, xdigit>>, seq<one<'U'>, rep<8, xdigit>>> {};
template <char Quote>
struct escape : seq<one<'\\'>, sor<one<'a', 'b', 'f', 'n', 'r', 't', 'v', '\\', Quote>, octal_escape, hex_escape>> {};
template <char Quote>
struct quoted_char : sor<escape<Quote>, pegtl::utf8::not_one<Quote, '\\', '\n', 0xFFFD>> {};
struct dq_close : one<'"'> {};
struct sq_close : one<'\''> {};
struct bq_close : one<'`'> {};
struct dq_string : seq<one<'"'>, star<quoted_char<'"'>>, must<dq_close>> {};
struct sq_string : seq<one<'\''>, star<quoted_char<'\''>>, must<sq_close>> {};
struct bq_string : seq<one<'`'>, star<pegtl::utf8::not_one<'`', 0xFFFD>>, must<bq_close>> {};
struct string_lit : sor<dq_string, sq_string, bq_string> {};

struct expr;

// ---- Vector selectors: name{matchers} ----
struct match_op : sor<string<'=', '~'>, string<'!', '='>, string<'!', '~'>, one<'='>> {};
struct matcher_op : match_op {};
struct matcher_value : string_lit {};
struct label_name : identifier {};
struct quoted_label_name : string_lit {};
struct label_matcher : sor<seq<quoted_label_name, opt<ws, match_op, ws, must<matcher_value>>>,
                           seq<label_name, ws, must<matcher_op>, ws, must<matcher_value>>> {};
struct matcher_or_close : sor<label_matcher, at<one<'}'>>> {};
struct matcher_sep : seq<one<','>, ws, must<matcher_or_close>> {};
struct matchers_close : one<'}'> {};
struct label_matchers : seq<one<'{'>, ws, must<matcher_or_close>, ws, star<matcher_sep, ws>, must<matchers_close>> {};
struct metric_name : seq<not_at<not_metric_word>, metric_identifier> {};
struct vector_selector
    : sor<seq<metric_name, opt<ws, guarded<one<'{'>, label_matchers>>>, guarded<one<'{'>, label_matchers>> {};

// ---- Grouping lists: by (...), on (...), group_left (...) ----
struct grouping_label : sor<string_lit, seq<not_at<word_of<not_grouping_words>>, metric_identifier>> {};
struct grouping_label_or_close : sor<grouping_label, at<one<')'>>> {};
struct grouping_sep : seq<one<','>, ws, must<grouping_label_or_close>> {};
struct grouping_close : one<')'> {};
struct grouping_list
    : seq<one<'('>, ws, must<grouping_label_or_close>, ws, star<grouping_sep, ws>, must<grouping_close>> {};
struct required_grouping : seq<grouping_list> {};

// ---- Calls and aggregations ----
struct call_close : one<')'> {};
struct call_arg : seq<expr> {};
// Prometheus reads `f(a,)` and `f(a,,b)`, then reports the comma.
struct trailing_comma : seq<one<','>, ws, sor<one<','>, one<')'>>> {};
struct no_empty_arg : not_at<trailing_comma> {};
struct call_args : seq<expr, star<ws, must<no_empty_arg>, one<','>, ws, must<call_arg>>> {};
struct call_body : seq<one<'('>, ws, opt<call_args, ws>, must<call_close>> {};
struct function_name : seq<not_at<not_function_word>, identifier> {};
struct function_call : seq<function_name, ws, call_body> {};
struct agg_op : agg_word {};
struct agg_grouping : seq<sor<kw_by, kw_without>, ws, must<required_grouping>> {};
struct agg_body : call_body {};
struct required_agg_body : seq<agg_body> {};
struct aggregate : seq<agg_op, ws,
                       sor<seq<agg_grouping, ws, must<required_agg_body>>,
                           seq<agg_body, opt<ws, guarded<any_keyword<w_by, w_without>, agg_grouping>>>>> {};

// ---- Parentheses ----
struct paren_close : one<')'> {};
struct required_expr : seq<expr> {};
struct paren_expr : seq<one<'('>, ws, must<required_expr>, ws, must<paren_close>> {};

// ---- Duration expressions ([5m+1m], offset step()): Prometheus's experimental promql-duration-expr ----
// Recognised so that what follows them parses as in Prometheus; the builder
// then reports "experimental duration expression is not enabled" where
// Prometheus does. Ctx gives the message of every must<> inside, that of
// the yacc error production that catches errors there.
struct range_ctx {
  static constexpr const char* message =
      " in subquery or range selector, expected number, duration, step(), or range()";
};
struct step_ctx {
  static constexpr const char* message = " in subquery selector, expected number, duration, step(), range(), or \"]\"";
};
struct offset_ctx {
  static constexpr const char* message = " in offset, expected number, duration, step(), or range()";
};
template <typename Ctx, typename Rule>
struct in_ctx : Rule {};
template <typename Ctx, typename Rule>
using need = must<in_ctx<Ctx, Rule>>;
struct dur_sign : one<'+', '-'> {};
struct dur_op : one<'+', '-', '*', '/', '%', '^'> {};
template <typename Ctx>
struct dur_expr;
template <typename Ctx>
struct dur_paren : seq<one<'('>, spaces, need<Ctx, dur_expr<Ctx>>, ws, need<Ctx, one<')'>>> {};
template <typename Ctx>
struct dur_call : seq<any_keyword<w_step, w_range>, ws, need<Ctx, one<'('>>, ws, need<Ctx, one<')'>>> {};
template <typename Ctx>
struct dur_min_max : seq<any_keyword<w_min_of, w_max_of>, ws, need<Ctx, one<'('>>, spaces, need<Ctx, dur_expr<Ctx>>, ws,
                         need<Ctx, one<','>>, spaces, need<Ctx, dur_expr<Ctx>>, ws, need<Ctx, one<')'>>> {};
template <typename Ctx>
struct dur_primary : sor<number_token, dur_call<Ctx>, dur_min_max<Ctx>, dur_paren<Ctx>> {};
template <typename Ctx>
struct dur_operand : seq<star<dur_sign, spaces>, need<Ctx, dur_primary<Ctx>>> {};
template <typename Ctx>
struct dur_expr : seq<dur_operand<Ctx>, star<ws, dur_op, spaces, dur_operand<Ctx>>> {};
// After offset, binary operators apply to the expression with the offset, so
// only signs and a primary belong to it (Prometheus's offset_duration_expr).
struct offset_primary : sor<number_lit, dur_call<offset_ctx>, dur_min_max<offset_ctx>, dur_paren<offset_ctx>> {};
struct offset_value : seq<star<dur_sign, ws>, need<offset_ctx, offset_primary>> {};

// ---- Postfix modifiers ----
using subquery_step = dur_expr<step_ctx>;
struct step_or_close : sor<at<one<']'>>, subquery_step> {};
struct subquery_close : one<']'> {};
struct subquery_tail : seq<one<':'>, ws, must<step_or_close>, ws, must<subquery_close>> {};
struct range_end : sor<one<']'>, subquery_tail> {};
struct range_postfix : seq<one<'['>, spaces, need<range_ctx, dur_expr<range_ctx>>, ws, must<range_end>> {};
struct offset_postfix : seq<kw_offset, ws, need<offset_ctx, offset_value>> {};
struct at_sign : one<'+', '-'> {};
struct at_open : one<'('> {};
struct at_close : one<')'> {};
struct at_number : number_lit {};
struct at_value : sor<seq<sor<kw_start, kw_end>, ws, must<at_open>, ws, must<at_close>>,
                      seq<at_sign, ws, must<at_number>>, number_lit> {};
struct at_postfix : seq<one<'@'>, ws, must<at_value>> {};
struct postfix : sor<guarded<one<'['>, range_postfix>, guarded<keyword<w_offset>, offset_postfix>,
                     guarded<one<'@'>, at_postfix>, kw_smoothed, kw_anchored> {};

// ---- Operands and binary expressions ----
struct unary_op : one<'+', '-'> {};
struct primary : sor<guarded<one<'('>, paren_expr>,
                     guarded<seq<agg_word, ws, sor<one<'('>, keyword<w_by>, keyword<w_without>>>, aggregate>,
                     guarded<seq<at<identifier, ws, one<'('>>, not_at<not_function_word>>, function_call>,
                     guarded<sor<digit, one<'.', 'i', 'I', 'n', 'N'>>, number_lit>,
                     guarded<one<'"', '\'', '`'>, string_lit>, vector_selector> {};
struct operand_body : seq<primary, star<ws, postfix>> {};
struct required_operand_body : seq<operand_body> {};
struct operand : sor<seq<plus<unary_op, ws>, must<required_operand_body>>, operand_body> {};
struct binary_word : sor<string<'=', '='>, string<'!', '='>, string<'>', '='>, string<'<', '='>, string<'<', '/'>,
                         string<'>', '/'>, one<'>'>, one<'<'>,
                         one<'+'>, one<'-'>, one<'*'>, one<'/'>, one<'%'>, one<'^'>, word_of<set_operator_words>> {};
struct binary_op : binary_word {};
struct on_ignoring : seq<sor<kw_on, kw_ignoring>, ws, must<required_grouping>> {};
struct group_side : seq<sor<kw_group_left, kw_group_right>, opt<ws, grouping_list>> {};
struct fill_paren_close : one<')'> {};
struct fill_number : number_lit {};
struct fill_value : seq<one<'('>, ws, opt<unary_op, ws>, must<fill_number>, ws, must<fill_paren_close>> {};
struct required_fill_value : seq<fill_value> {};
template <typename Word>
struct fill_modifier : seq<fill_word<Word>, ws, must<required_fill_value>> {};
struct fill_modifiers
    : sor<fill_modifier<w_fill>, seq<fill_modifier<w_fill_left>, opt<ws, fill_modifier<w_fill_right>>>,
          seq<fill_modifier<w_fill_right>, opt<ws, fill_modifier<w_fill_left>>>> {};
struct binary_rhs : seq<operand> {};
struct binary_tail : seq<binary_op, ws, opt<kw_bool, ws>,
                         opt<guarded<any_keyword<w_on, w_ignoring>, on_ignoring>, ws,
                             opt<guarded<any_keyword<w_group_left, w_group_right>, group_side>, ws>>,
                         opt<fill_modifiers, ws>, must<binary_rhs>> {};
struct expr : seq<operand, star<ws, guarded<binary_word, binary_tail>>> {};

struct query : seq<ws, must<required_expr>, ws, must<eof>> {};

// ---- A metric (Prometheus's ParseMetric): name{label="value", ...} ----
struct set_value : string_lit {};
struct set_eq : seq<one<'='>, not_at<one<'~'>>> {};
struct required_set_eq : set_eq {};
struct label_set_item : sor<seq<quoted_label_name, opt<ws, set_eq, ws, must<set_value>>>,
                            seq<label_name, ws, must<required_set_eq>, ws, must<set_value>>> {};
struct set_item_or_close : sor<label_set_item, at<one<'}'>>> {};
struct set_sep : seq<one<','>, ws, must<set_item_or_close>> {};
struct set_close : one<'}'> {};
struct label_set : seq<one<'{'>, ws, must<set_item_or_close>, ws, star<set_sep, ws>, must<set_close>> {};
struct metric : sor<seq<metric_name, opt<ws, guarded<one<'{'>, label_set>>>, guarded<one<'{'>, label_set>, seq<>> {};
struct metric_query : seq<ws, metric, ws, must<eof>> {};

// ---- Error messages, at the point of commitment ----
// What follows "unexpected <token>" when Rule, required by must<>, fails
// (see the top of this file); a leading '!' means "the whole message".
// must_if raises whenever a rule with a message fails, so these rules
// appear only inside must<>.
template <typename Rule>
inline constexpr const char* error_message = nullptr;
// clang-format off
template <> constexpr const char* error_message<dq_close> = "";  // the lexer words string errors
template <> constexpr const char* error_message<sq_close> = "";
template <> constexpr const char* error_message<bq_close> = "";
template <> constexpr const char* error_message<matcher_or_close> = " in label matching, expected identifier or \"}\"";
template <> constexpr const char* error_message<matcher_op> = " in label matching, expected label matching operator";
template <> constexpr const char* error_message<matcher_value> = " in label matching, expected string";
template <> constexpr const char* error_message<matchers_close> = " in label matching, expected \",\" or \"}\"";
template <> constexpr const char* error_message<required_grouping> = " in grouping opts, expected \"(\"";
template <> constexpr const char* error_message<grouping_label_or_close> = " in grouping opts, expected label";
template <> constexpr const char* error_message<grouping_close> = " in grouping opts, expected \",\" or \")\"";
template <> constexpr const char* error_message<no_empty_arg> = "!trailing commas not allowed in function call args";
template <> constexpr const char* error_message<call_arg> = "";
template <> constexpr const char* error_message<call_close> = "";
template <> constexpr const char* error_message<required_agg_body> = "";
template <> constexpr const char* error_message<required_expr> = "";
template <> constexpr const char* error_message<paren_close> = "";
template <typename Ctx, typename Rule> constexpr const char* error_message<in_ctx<Ctx, Rule>> = Ctx::message;
template <> constexpr const char* error_message<step_or_close> = step_ctx::message;
template <> constexpr const char* error_message<range_end> = " in subquery or range, expected \":\" or \"]\"";
template <> constexpr const char* error_message<subquery_close> = " in subquery selector, expected \"]\"";
template <> constexpr const char* error_message<at_value> = " in @, expected timestamp";
template <> constexpr const char* error_message<at_open> = " in @, expected timestamp";
template <> constexpr const char* error_message<at_close> = " in @, expected timestamp";
template <> constexpr const char* error_message<at_number> = " in @, expected timestamp";
template <> constexpr const char* error_message<required_operand_body> = "";
template <> constexpr const char* error_message<required_fill_value> = "";
template <> constexpr const char* error_message<fill_number> = "";
template <> constexpr const char* error_message<fill_paren_close> = "";
template <> constexpr const char* error_message<binary_rhs> = "";
template <> constexpr const char* error_message<eof> = "";
template <> constexpr const char* error_message<set_item_or_close> = " in label set, expected identifier or \"}\"";
template <> constexpr const char* error_message<required_set_eq> = " in label set, expected \"=\"";
template <> constexpr const char* error_message<set_value> = " in label set, expected string";
template <> constexpr const char* error_message<set_close> = " in label set, expected \",\" or \"}\"";
// clang-format on

struct errors {
  template <typename Rule>
  static constexpr const char* message = error_message<Rule>;
};
template <typename Rule>
using control = pegtl::must_if<errors>::control<Rule>;

// ---- The rules the builder reads, and their kinds; others leave no trace ----
template <typename Rule>
inline constexpr NodeKind kind_of = NodeKind::kNone;
// clang-format off
template <> constexpr NodeKind kind_of<expr> = NodeKind::kExpr;
template <> constexpr NodeKind kind_of<operand> = NodeKind::kOperand;
template <> constexpr NodeKind kind_of<unary_op> = NodeKind::kUnaryOp;
template <> constexpr NodeKind kind_of<binary_tail> = NodeKind::kBinaryTail;
template <> constexpr NodeKind kind_of<binary_op> = NodeKind::kBinaryOp;
template <> constexpr NodeKind kind_of<kw_bool> = NodeKind::kBool;
template <> constexpr NodeKind kind_of<on_ignoring> = NodeKind::kOnIgnoring;
template <> constexpr NodeKind kind_of<kw_on> = NodeKind::kOn;
template <> constexpr NodeKind kind_of<kw_ignoring> = NodeKind::kIgnoring;
template <> constexpr NodeKind kind_of<group_side> = NodeKind::kGroupSide;
template <> constexpr NodeKind kind_of<kw_group_left> = NodeKind::kGroupLeft;
template <> constexpr NodeKind kind_of<kw_group_right> = NodeKind::kGroupRight;
template <> constexpr NodeKind kind_of<fill_modifiers> = NodeKind::kFillModifier;
template <> constexpr NodeKind kind_of<inf_nan> = NodeKind::kNumber;
template <> constexpr NodeKind kind_of<number_token> = NodeKind::kNumber;
template <> constexpr NodeKind kind_of<string_lit> = NodeKind::kString;
template <> constexpr NodeKind kind_of<vector_selector> = NodeKind::kVectorSelector;
template <> constexpr NodeKind kind_of<metric_name> = NodeKind::kMetricName;
template <> constexpr NodeKind kind_of<label_matchers> = NodeKind::kLabelMatchers;
template <> constexpr NodeKind kind_of<label_matcher> = NodeKind::kLabelMatcher;
template <> constexpr NodeKind kind_of<label_name> = NodeKind::kLabelName;
template <> constexpr NodeKind kind_of<quoted_label_name> = NodeKind::kQuotedLabelName;
template <> constexpr NodeKind kind_of<match_op> = NodeKind::kMatchOp;
template <> constexpr NodeKind kind_of<matcher_op> = NodeKind::kMatchOp;
template <> constexpr NodeKind kind_of<set_eq> = NodeKind::kMatchOp;
template <> constexpr NodeKind kind_of<required_set_eq> = NodeKind::kMatchOp;
template <> constexpr NodeKind kind_of<matcher_value> = NodeKind::kMatcherValue;
template <> constexpr NodeKind kind_of<set_value> = NodeKind::kMatcherValue;
template <> constexpr NodeKind kind_of<grouping_list> = NodeKind::kGroupingList;
template <> constexpr NodeKind kind_of<grouping_label> = NodeKind::kGroupingLabel;
template <> constexpr NodeKind kind_of<function_call> = NodeKind::kFunctionCall;
template <> constexpr NodeKind kind_of<function_name> = NodeKind::kFunctionName;
template <> constexpr NodeKind kind_of<call_body> = NodeKind::kCallBody;
template <> constexpr NodeKind kind_of<aggregate> = NodeKind::kAggregate;
template <> constexpr NodeKind kind_of<agg_op> = NodeKind::kAggOp;
template <> constexpr NodeKind kind_of<agg_grouping> = NodeKind::kAggGrouping;
template <> constexpr NodeKind kind_of<kw_by> = NodeKind::kBy;
template <> constexpr NodeKind kind_of<kw_without> = NodeKind::kWithout;
template <> constexpr NodeKind kind_of<agg_body> = NodeKind::kAggBody;
template <> constexpr NodeKind kind_of<paren_expr> = NodeKind::kParenExpr;
template <> constexpr NodeKind kind_of<range_postfix> = NodeKind::kRangePostfix;
template <> constexpr NodeKind kind_of<subquery_tail> = NodeKind::kSubqueryTail;
template <> constexpr NodeKind kind_of<offset_postfix> = NodeKind::kOffsetPostfix;
template <> constexpr NodeKind kind_of<at_postfix> = NodeKind::kAtPostfix;
template <> constexpr NodeKind kind_of<at_sign> = NodeKind::kAtSign;
template <> constexpr NodeKind kind_of<kw_start> = NodeKind::kStart;
template <> constexpr NodeKind kind_of<kw_end> = NodeKind::kEnd;
template <> constexpr NodeKind kind_of<kw_smoothed> = NodeKind::kSmoothed;
template <> constexpr NodeKind kind_of<kw_anchored> = NodeKind::kAnchored;
template <typename Ctx> constexpr NodeKind kind_of<dur_expr<Ctx>> = NodeKind::kDurationExpr;
template <typename Ctx, typename Rule> constexpr NodeKind kind_of<in_ctx<Ctx, Rule>> = kind_of<Rule>;
template <> constexpr NodeKind kind_of<offset_value> = NodeKind::kDurationOperand;
template <typename Ctx> constexpr NodeKind kind_of<dur_operand<Ctx>> = NodeKind::kDurationOperand;
template <> constexpr NodeKind kind_of<dur_sign> = NodeKind::kDurationSign;
template <> constexpr NodeKind kind_of<dur_op> = NodeKind::kDurationOp;
template <typename Ctx> constexpr NodeKind kind_of<dur_paren<Ctx>> = NodeKind::kDurationParen;
template <typename Ctx> constexpr NodeKind kind_of<dur_call<Ctx>> = NodeKind::kDurationCall;
template <typename Ctx> constexpr NodeKind kind_of<dur_min_max<Ctx>> = NodeKind::kDurationMinMax;
template <> constexpr NodeKind kind_of<metric> = NodeKind::kMetric;
template <> constexpr NodeKind kind_of<label_set_item> = NodeKind::kLabelSetItem;
// clang-format on

}  // namespace grammar
}  // namespace cogwatch::parser

namespace tao::pegtl {
// number_token and word_of<> are custom rules: for analyze<>, they consume
// input and have no sub-rules.
template <typename Name>
struct analyze_traits<Name, cogwatch::parser::grammar::number_token> : analyze_any_traits<> {};
template <typename Name, typename Set>
struct analyze_traits<Name, cogwatch::parser::grammar::word_of<Set>> : analyze_any_traits<> {};
}  // namespace tao::pegtl

namespace cogwatch::parser {
namespace {

using internal::FlatTree;
using internal::Node;
using internal::NodeKind;

// PEGTL control: records the rules the builder reads in the FlatTree, and
// raises the grammar's error messages.
template <typename Rule>
struct tree_control : grammar::control<Rule> {
  static constexpr NodeKind kKind = grammar::kind_of<Rule>;
  template <typename ParseInput, typename... States>
  static void start(const ParseInput& in, FlatTree& tree, States&&...) {
    if constexpr (kKind != NodeKind::kNone) tree.start(kKind, static_cast<uint32_t>(in.current() - in.begin()));
  }
  template <typename ParseInput, typename... States>
  static void success(const ParseInput& in, FlatTree& tree, States&&...) {
    if constexpr (kKind != NodeKind::kNone) tree.success(static_cast<uint32_t>(in.current() - in.begin()));
  }
  template <typename ParseInput, typename... States>
  static void failure(const ParseInput& in, FlatTree& tree, States&&... st) {
    if constexpr (kKind != NodeKind::kNone) tree.failure();
    grammar::control<Rule>::failure(in, tree, st...);
  }
};

// Whether the input holds nothing but blanks and comments.
bool only_blank(std::string_view input) {
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '#') {
      while (i < input.size() && input[i] != '\n' && input[i] != '\r') ++i;
    } else if (input[i] != ' ' && input[i] != '\t' && input[i] != '\n' && input[i] != '\r') {
      return false;
    }
  }
  return true;
}

// Prometheus's message for a syntax error found at byte `pos`, where the
// rule with message `what` failed (see the top of the file).
Error syntax_error(std::string_view input, const FlatTree& tree, size_t pos, std::string_view what) {
  const internal::Unexpected u = internal::unexpected_at(input, static_cast<uint32_t>(pos));
  std::string text;
  uint32_t at = u.at;
  if (u.lexical_error) {
    text = u.text;
  } else if (!what.empty() && what.front() == '!') {
    text = std::string(what.substr(1));
    at = static_cast<uint32_t>(pos);
  } else {
    text = "unexpected " + u.text + std::string(what);
    if (what.empty() && tree.is_open(NodeKind::kAggregate)) text += " in aggregation";
  }
  return make_error(ErrorCode::kParse, std::move(text),
                    Span{at, static_cast<uint32_t>(std::min<size_t>(at + 1, input.size()))});
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
      case '"':
      case '\'':
      case '`':
        quote = c;
        break;
      case '#':
        while (i < input.size() && input[i] != '\n') ++i;
        break;
      case '(':
      case '[':
      case '{':
        if (++depth > kMaxNesting) {
          return make_error(ErrorCode::kParse,
                            "expression nests too deeply (more than " + std::to_string(kMaxNesting) + " levels)",
                            Span{static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)});
        }
        break;
      case ')':
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return {};
}

// Parses `input` with Rule into the thread's reused tree and returns the
// root's first child, or Prometheus's syntax error.
template <typename Rule>
Result<Node> parse_tree(std::string_view input, FlatTree& tree) {
  namespace pegtl = tao::pegtl;
  if (Status s = check_nesting(input); !s) return s.take_error();
  tree.clear();
  tree.start(NodeKind::kRoot, 0);
  try {
    pegtl::memory_input in(input.data(), input.size(), "");
    pegtl::parse<Rule, pegtl::nothing, tree_control>(in, tree);
  } catch (const pegtl::parse_error& e) {
    const size_t pos = e.positions().empty() ? 0 : e.positions().front().byte;
    if (only_blank(input)) return make_error(ErrorCode::kParse, "no expression found in input", Span{0, 0});
    return syntax_error(input, tree, pos, e.message());
  }
  tree.success(static_cast<uint32_t>(input.size()));
  return Node(&tree, input, 0);
}

thread_local FlatTree tls_tree;  // reused: parsing allocates nothing once warm

}  // namespace

Status check_ast(const Expr& e);  // check.cc

std::size_t internal::grammar_issues() {
  return tao::pegtl::analyze<grammar::query>(false) + tao::pegtl::analyze<grammar::metric_query>(false);
}

Result<ExprPtr> parse_expr(std::string_view input) {
  auto root = parse_tree<grammar::query>(input, tls_tree);
  if (!root) return root.take_error();
  auto e = internal::build_expr(root->children().front());
  if (!e) return e;
  if (Status s = check_ast(**e); !s) return s.take_error();  // before the depth limit, as Prometheus has none
  if (max_depth(**e) > kMaxDepth) {
    return make_error(ErrorCode::kParse,
                      "expression nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)", (*e)->span);
  }
  return e;
}

Result<std::vector<LabelMatcher>> parse_metric_selector(std::string_view input) {
  auto root = parse_tree<grammar::query>(input, tls_tree);
  if (!root) return root.take_error();
  auto e = internal::build_expr(root->children().front());
  if (!e) return e.take_error();
  const Expr* x = e->get();
  const auto* vs = x->as<VectorSelector>();
  if (vs != nullptr && vs->offset == 0 && !vs->at) return vs->matchers;
  // Point after the selector the input starts with, if any.
  uint32_t at = 0;
  while (const auto* b = x->as<BinaryExpr>()) x = b->lhs.get();
  if (const auto* m = x->as<MatrixSelector>()) x = m->selector.get();
  if (x->as<VectorSelector>() != nullptr && x->span.begin == 0) {
    at = x->span.end;
    // The selector's own span ends before its offset/@ modifiers.
    const std::string_view rest = input.substr(at);
    const size_t skip = rest.find_first_not_of(" \t\n\r");
    if (skip != std::string_view::npos) at += static_cast<uint32_t>(skip);
  }
  const std::string_view rest = input.substr(at);
  const std::string_view token = rest.substr(0, std::min<size_t>(rest.find_first_of(" \t\n\r"), rest.size()));
  return make_error(ErrorCode::kParse, "unexpected " + go_quote(token) + " in series selector",
                    Span{at, static_cast<uint32_t>(input.size())});
}

Result<Labels> parse_metric(std::string_view text) {
  auto root = parse_tree<grammar::metric_query>(text, tls_tree);
  if (!root) return root.take_error();
  return internal::build_metric(root->children().front());
}

}  // namespace cogwatch::parser
