// Prometheus 3's PromQL lexer (promql/parser/lex.go), for wording syntax
// errors as Prometheus does. The PEG grammar (grammar.cc) recognises the
// language; when it fails at a byte, this scanner says what Prometheus
// would: either a lexical error it meets first ("unexpected end of input
// inside braces", "bad number or duration syntax: \"5mm\"", "unclosed left
// parenthesis"), or the token found there ("identifier \"foo\"", "<op:*>",
// "<by>", "end of input"). Its states are Prometheus's: inside braces,
// inside brackets (durations), the parenthesis depth.
//
// It also decides the extent of number and duration tokens for the grammar
// (scan_number_or_duration), so the two never disagree on them.
//
//   Lexer lex(input);
//   for (Token t = lex.next(); t.kind != TokenKind::kEof && t.kind != TokenKind::kError; t = lex.next()) ...
//
// Thread-safety: a Lexer is used by one thread; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cogwatch::parser::internal {

enum class TokenKind : uint8_t {
  kEof,
  kError,  // a lexical error; Token::error says what
  kComment,
  kIdentifier,        // foo (never a keyword)
  kMetricIdentifier,  // foo:bar
  kNumber,            // 1, 0x1f, 1e3, Inf, NaN
  kDuration,          // 5m, 1h30m
  kString,            // "..." '...' `...`
  kKeyword,           // by, without, on, ignoring, group_left, group_right, bool, offset, fill, ...
  kOperator,          // + - * / % ^ == != < <= > >= =~ !~ @ and or unless atan2 </ >/
  kAggregator,        // sum, avg, ... (as written)
  kPreprocessor,      // start, end, step, range, max_of, min_of
  kPunctuation,       // ( ) { } [ ] , = :
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  uint32_t pos = 0;   // byte offset where the token starts (for kError: where Prometheus reports it)
  uint32_t end = 0;   // byte offset just past it
  std::string error;  // kError: Prometheus's message
};

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next token, comments included. After kEof or kError, kEof again.
  Token next();

 private:
  // lexStatements (and lexInsideBraces while a brace is open), lexDurationExpr
  // right after '[' and its operators, nothing after an error or the end.
  enum class State : uint8_t { kStatements, kDurationExpr, kDone };

  char32_t next_rune();  // Go's utf8.DecodeRuneInString: U+FFFD, width 1 for invalid bytes; -1 at the end
  char32_t peek_rune();
  void backup() { pos_ -= width_; }
  Token emit(TokenKind kind);
  Token fail(std::string message);

  // State functions: a token, or nullopt when they only skipped spaces.
  std::optional<Token> lex_statements();
  std::optional<Token> lex_inside_braces();
  std::optional<Token> lex_duration_expr();
  Token lex_number_or_duration();
  Token lex_keyword_or_identifier();
  Token lex_identifier();
  Token lex_string(char32_t quote);
  Token lex_raw_string();
  Token lex_comment();
  bool scan_duration_keyword(Token& out);

  std::string_view input_;
  State state_ = State::kStatements;
  uint32_t pos_ = 0;
  uint32_t start_ = 0;
  uint32_t width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool got_duration_ = false;
};

// How Prometheus's parser names a token in "unexpected ..." (Item.desc()):
// `identifier "foo"`, `<op:+>`, `<by>`, `<aggr:sum>`, `"("`, `number "1"`,
// `string "\"a\""`, `end of input`.
std::string describe(std::string_view input, const Token& token);

// The lexical error Prometheus reports at or before byte `pos`, else the
// description of the token at `pos` (the one containing it, if `pos` falls
// inside a token). `at` receives the byte Prometheus reports.
struct Unexpected {
  bool lexical_error = false;
  std::string text;  // the lexical error's message, or describe() of the token
  uint32_t at = 0;
};
Unexpected unexpected_at(std::string_view input, uint32_t pos);

// The length of the number or duration token Prometheus's lexer reads at
// text[0] (lexNumberOrDuration), 0 if it reads none (a lexical error);
// `is_duration` says which.
size_t scan_number_or_duration(std::string_view text, bool& is_duration);

// Go's %q of a rune and %#U ("U+0063 'c'"), as the lexer's messages use.
std::string quote_rune(char32_t r);
std::string unicode_rune(char32_t r);

}  // namespace cogwatch::parser::internal
