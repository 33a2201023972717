// A port of the states of Prometheus 3's lexer (promql/parser/lex.go) that
// expressions use: statements, inside braces, the start of a duration
// expression after '[', strings, numbers and durations. Series
// descriptions and histograms are not needed here. Function names follow
// lex.go's, so that the two can be read side by side.
#include "parser/internal/lexer.h"

#include <array>
#include <cctype>
#include <optional>

#include "model/labels.h"

namespace cogwatch::parser::internal {
namespace {

constexpr char32_t kEofRune = 0xFFFFFFFF;
constexpr char32_t kRuneError = 0xFFFD;

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool is_digit(char32_t r) { return r >= '0' && r <= '9'; }
bool is_alpha(char32_t r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool is_alnum(char32_t r) { return is_alpha(r) || is_digit(r); }

// The first letters of the duration keywords step, range, max_of, min_of.
bool is_duration_keyword_start(char32_t r) {
  const char32_t lower = r >= 'A' && r <= 'Z' ? r + 32 : r;
  return lower == 's' || lower == 'r' || lower == 'm';
}

struct Keyword {
  std::string_view word;
  TokenKind kind;
};
// lex.go's `key` map (lower case), inf and nan included.
constexpr std::array kKeywords = {
    Keyword{"and", TokenKind::kOperator},
    Keyword{"or", TokenKind::kOperator},
    Keyword{"unless", TokenKind::kOperator},
    Keyword{"atan2", TokenKind::kOperator},
    Keyword{"sum", TokenKind::kAggregator},
    Keyword{"avg", TokenKind::kAggregator},
    Keyword{"count", TokenKind::kAggregator},
    Keyword{"min", TokenKind::kAggregator},
    Keyword{"max", TokenKind::kAggregator},
    Keyword{"group", TokenKind::kAggregator},
    Keyword{"stddev", TokenKind::kAggregator},
    Keyword{"stdvar", TokenKind::kAggregator},
    Keyword{"topk", TokenKind::kAggregator},
    Keyword{"bottomk", TokenKind::kAggregator},
    Keyword{"count_values", TokenKind::kAggregator},
    Keyword{"quantile", TokenKind::kAggregator},
    Keyword{"limitk", TokenKind::kAggregator},
    Keyword{"limit_ratio", TokenKind::kAggregator},
    Keyword{"offset", TokenKind::kKeyword},
    Keyword{"smoothed", TokenKind::kKeyword},
    Keyword{"anchored", TokenKind::kKeyword},
    Keyword{"by", TokenKind::kKeyword},
    Keyword{"without", TokenKind::kKeyword},
    Keyword{"on", TokenKind::kKeyword},
    Keyword{"ignoring", TokenKind::kKeyword},
    Keyword{"group_left", TokenKind::kKeyword},
    Keyword{"group_right", TokenKind::kKeyword},
    Keyword{"fill", TokenKind::kKeyword},
    Keyword{"fill_left", TokenKind::kKeyword},
    Keyword{"fill_right", TokenKind::kKeyword},
    Keyword{"bool", TokenKind::kKeyword},
    Keyword{"start", TokenKind::kPreprocessor},
    Keyword{"end", TokenKind::kPreprocessor},
    Keyword{"step", TokenKind::kPreprocessor},
    Keyword{"range", TokenKind::kPreprocessor},
    Keyword{"max_of", TokenKind::kPreprocessor},
    Keyword{"min_of", TokenKind::kPreprocessor},
    Keyword{"inf", TokenKind::kNumber},
    Keyword{"nan", TokenKind::kNumber},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Keyword* find_keyword(std::string_view word) {
  const std::string l = lower(word);
  for (const Keyword& k : kKeywords) {
    if (k.word == l) return &k;
  }
  return nullptr;
}

void append_utf8(std::string& out, char32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xc0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xe0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  }
}

// Go's utf8.DecodeRuneInString: the rune at s[i] and its width; U+FFFD and
// width 1 for an invalid or truncated sequence.
char32_t decode_rune(std::string_view s, size_t i, uint32_t& width) {
  const auto c = static_cast<unsigned char>(s[i]);
  width = 1;
  if (c < 0x80) return c;
  const size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return kRuneError;
  char32_t r = len == 4 ? c & 0x07 : len == 3 ? c & 0x0f : c & 0x1f;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return kRuneError;
    r = (r << 6) | (cc & 0x3f);
  }
  const bool overlong = (len == 2 && r < 0x80) || (len == 3 && r < 0x800) || (len == 4 && r < 0x10000);
  if (overlong || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return kRuneError;
  width = static_cast<uint32_t>(len);
  return r;
}

// Go's %.10q of a token's text when it is longer than 10 bytes, else %q.
std::string quote_value(std::string_view value) {
  if (value.size() <= 10) return go_quote(value);
  size_t i = 0;
  for (int runes = 0; runes < 10 && i < value.size(); ++runes) {
    uint32_t w = 1;
    decode_rune(value, i, w);
    i += w;
  }
  return go_quote(value.substr(0, i)) + "...";
}

int digit_value(char32_t r) {
  if (r >= '0' && r <= '9') return static_cast<int>(r - '0');
  if (r >= 'a' && r <= 'f') return static_cast<int>(r - 'a' + 10);
  if (r >= 'A' && r <= 'F') return static_cast<int>(r - 'A' + 10);
  return 16;
}

}  // namespace

std::string quote_rune(char32_t r) {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = kRuneError;
  std::string utf8;
  append_utf8(utf8, r);
  const std::string quoted = go_quote(utf8);  // "x", with Go's escapes
  std::string body = quoted.substr(1, quoted.size() - 2);
  if (body == "\\\"") body = "\"";
  if (body == "'") body = "\\'";
  return "'" + body + "'";
}

std::string unicode_rune(char32_t r) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string digits;
  for (char32_t v = r; v != 0; v >>= 4) digits.insert(digits.begin(), kHex[v & 0xf]);
  while (digits.size() < 4) digits.insert(digits.begin(), '0');
  std::string out = "U+" + digits;
  const std::string quoted = quote_rune(r);
  if (quoted.find('\\') == std::string::npos || r == '\\' || r == '\'') {  // printable: Go shows the rune itself
    std::string raw;
    append_utf8(raw, r);
    out += " '" + raw + "'";
  }
  return out;
}

char32_t Lexer::next_rune() {
  if (pos_ >= input_.size()) {
    width_ = 0;
    return kEofRune;
  }
  const char32_t r = decode_rune(input_, pos_, width_);
  pos_ += width_;
  return r;
}

char32_t Lexer::peek_rune() {
  const char32_t r = next_rune();
  backup();
  return r;
}

Token Lexer::emit(TokenKind kind) {
  Token t{kind, start_, pos_, {}};
  start_ = pos_;
  return t;
}

Token Lexer::fail(std::string message) {
  state_ = State::kDone;
  return Token{TokenKind::kError, start_, pos_, std::move(message)};
}

Token Lexer::next() {
  for (;;) {
    std::optional<Token> t;
    switch (state_) {
      case State::kDone: {
        const auto end = static_cast<uint32_t>(input_.size());
        return Token{TokenKind::kEof, end, end, {}};
      }
      case State::kDurationExpr:
        t = lex_duration_expr();
        break;
      case State::kStatements:
        t = brace_open_ ? lex_inside_braces() : lex_statements();
        break;
    }
    if (t) return *std::move(t);  // nullopt: only spaces were skipped
  }
}

std::optional<Token> Lexer::lex_statements() {
  if (input_.substr(pos_).starts_with('#')) return lex_comment();
  const char32_t r = next_rune();
  if (r == kEofRune) {
    if (paren_depth_ != 0) return fail("unclosed left parenthesis");
    if (bracket_open_) return fail("unclosed left bracket");
    Token t = emit(TokenKind::kEof);
    state_ = State::kDone;
    return t;
  }
  if (is_space(r)) {
    while (is_space(peek_rune())) next_rune();
    start_ = pos_;
    return std::nullopt;
  }
  switch (r) {
    case ',':
      return emit(TokenKind::kPunctuation);
    case '*':
    case '/':
    case '%':
    case '+':
    case '-':
    case '^':
    case '@':
      return emit(TokenKind::kOperator);
    case '=':
      if (peek_rune() == '=') {
        next_rune();
        return emit(TokenKind::kOperator);
      }
      if (peek_rune() == '~') return fail("unexpected character after '=': " + quote_rune('~'));
      return emit(TokenKind::kPunctuation);
    case '!': {
      const char32_t t = next_rune();
      if (t != '=') return fail("unexpected character after '!': " + quote_rune(t == kEofRune ? kRuneError : t));
      return emit(TokenKind::kOperator);
    }
    case '<':
    case '>':
      if (peek_rune() == '=' || peek_rune() == '/') next_rune();
      return emit(TokenKind::kOperator);
    case '"':
    case '\'':
      return lex_string(r);
    case '`':
      return lex_raw_string();
    case '(':
      ++paren_depth_;
      return emit(TokenKind::kPunctuation);
    case ')': {
      Token t = emit(TokenKind::kPunctuation);
      if (--paren_depth_ < 0) return fail("unexpected right parenthesis " + quote_rune(')'));
      return t;
    }
    case '{': {
      Token t = emit(TokenKind::kPunctuation);
      brace_open_ = true;
      return t;
    }
    case '[': {
      if (bracket_open_) return fail("unexpected left bracket " + quote_rune('['));
      got_colon_ = false;
      Token t = emit(TokenKind::kPunctuation);
      while (is_space(peek_rune())) next_rune();
      start_ = pos_;
      bracket_open_ = true;
      state_ = State::kDurationExpr;
      return t;
    }
    case ']': {
      if (!bracket_open_) return fail("unexpected right bracket " + quote_rune(']'));
      bracket_open_ = false;
      return emit(TokenKind::kPunctuation);
    }
    default:
      break;
  }
  if (is_digit(r) || (r == '.' && is_digit(peek_rune()))) {
    backup();
    return lex_number_or_duration();
  }
  if (is_alpha(r) || r == ':') {
    if (!bracket_open_) {
      backup();
      return lex_keyword_or_identifier();
    }
    if (r == ':') {
      if (got_colon_) return fail("unexpected colon " + quote_rune(':'));
      got_colon_ = true;
      return emit(TokenKind::kPunctuation);
    }
    Token t;
    if (is_duration_keyword_start(r) && scan_duration_keyword(t)) return t;
    return fail("unexpected character: " + quote_rune(r) + ", expected " + quote_rune(':'));
  }
  return fail("unexpected character: " + quote_rune(r));
}

std::optional<Token> Lexer::lex_inside_braces() {
  if (input_.substr(pos_).starts_with('#')) return lex_comment();
  const char32_t r = next_rune();
  if (r == kEofRune) return fail("unexpected end of input inside braces");
  if (is_space(r)) {
    while (is_space(peek_rune())) next_rune();
    start_ = pos_;
    return std::nullopt;
  }
  if (is_alpha(r)) {
    backup();
    return lex_identifier();
  }
  switch (r) {
    case ',':
      return emit(TokenKind::kPunctuation);
    case '"':
    case '\'':
      return lex_string(r);
    case '`':
      return lex_raw_string();
    case '=':
      if (next_rune() == '~') return emit(TokenKind::kOperator);
      backup();
      return emit(TokenKind::kPunctuation);
    case '!': {
      const char32_t nr = next_rune();
      if (nr == '~' || nr == '=') return emit(TokenKind::kOperator);
      return fail("unexpected character after '!' inside braces: " + quote_rune(nr == kEofRune ? kRuneError : nr));
    }
    case '{':
      return fail("unexpected left brace " + quote_rune('{'));
    case '}': {
      brace_open_ = false;
      return emit(TokenKind::kPunctuation);
    }
    default:
      return fail("unexpected character inside braces: " + quote_rune(r));
  }
}

std::optional<Token> Lexer::lex_duration_expr() {
  const char32_t r = next_rune();
  if (r == kEofRune) return fail("unexpected end of input in duration expression");
  if (is_space(r)) {
    while (is_space(peek_rune())) next_rune();
    start_ = pos_;
    return std::nullopt;
  }
  switch (r) {
    case ']': {
      bracket_open_ = false;
      got_colon_ = false;
      state_ = State::kStatements;
      return emit(TokenKind::kPunctuation);
    }
    case ':': {
      Token t = emit(TokenKind::kPunctuation);
      if (!got_duration_) return fail("unexpected colon before duration in duration expression");
      if (got_colon_) return fail("unexpected repeated colon in duration expression");
      got_colon_ = true;
      return t;
    }
    case '(':
      ++paren_depth_;
      return emit(TokenKind::kPunctuation);
    case ')': {
      Token t = emit(TokenKind::kPunctuation);
      if (--paren_depth_ < 0) return fail("unexpected right parenthesis " + quote_rune(')'));
      return t;
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
      return emit(TokenKind::kOperator);
    case ',':
      return emit(TokenKind::kPunctuation);
    default:
      break;
  }
  if (is_duration_keyword_start(r)) {
    Token t;
    if (scan_duration_keyword(t)) return t;
    return fail("unexpected character in duration expression: " + quote_rune(r));
  }
  if (is_digit(r) || (r == '.' && is_digit(peek_rune()))) {
    backup();
    got_duration_ = true;
    state_ = State::kStatements;
    return lex_number_or_duration();
  }
  return fail("unexpected character in duration expression: " + quote_rune(r));
}

bool Lexer::scan_duration_keyword(Token& out) {
  while (is_alpha(next_rune())) {
  }
  backup();
  const std::string word = lower(input_.substr(start_, pos_ - start_));
  if (word == "step" || word == "range" || word == "max_of" || word == "min_of") {
    out = emit(TokenKind::kPreprocessor);
    return true;
  }
  return false;
}

Token Lexer::lex_comment() {
  ++pos_;  // '#'
  for (char32_t r = next_rune(); r != '\r' && r != '\n' && r != kEofRune;) r = next_rune();
  backup();
  return emit(TokenKind::kComment);
}

// lexNumberOrDuration (scanNumber, then acceptRemainingDuration), on bytes:
// numbers and durations are ASCII. `end` is where Go's lexer stopped: the
// token's end, or for an error the extent its message quotes.
namespace {
struct NumberScan {
  TokenKind kind;  // kNumber, kDuration or kError
  size_t end;
};
NumberScan scan_number_token(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  auto at = [&](auto pred) { return i < n && pred(s[i]); };
  auto is_dec = [](char c) { return c >= '0' && c <= '9'; };
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  auto one_of = [](std::string_view set) { return [set](char c) { return set.find(c) != std::string_view::npos; }; };
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  // scanNumber
  const bool number = [&] {
    bool hex = false;
    if (at([](char c) { return c == '0'; })) {
      ++i;
      if (at(one_of("xX"))) {
        ++i;
        if (at(one_of("_"))) ++i;
        hex = true;
      }
    }
    auto digit = [&](char c) { return hex ? is_hex(c) : is_dec(c); };
    if (at(one_of("."))) ++i;
    if (at(digit)) ++i;
    bool dot = false;
    bool exponent = false;
    while (at(digit) || at(one_of("._eE"))) {
      if (at(one_of(".")) && dot) return ++i, false;
      if (at(one_of("eE")) && exponent) return ++i, false;
      if (at(one_of("."))) {
        ++i;
        dot = true;
        if (at(one_of("_."))) return ++i, false;
        if (hex) return false;  // no fractional hexadecimal literals
        continue;
      }
      if (at(one_of("eE"))) {
        ++i;
        exponent = true;
        if (at(one_of("+-"))) ++i;
        if (at(one_of("._eE"))) return ++i, false;
        if (i >= n) return false;
        continue;
      }
      if (at(one_of("_"))) {
        ++i;
        if (at(one_of("._eE"))) return ++i, false;
        if (i >= n) return false;
        continue;
      }
      while (at(digit)) ++i;
    }
    return i != 0 && !at(alnum);
  }();
  if (number) return {TokenKind::kNumber, i};
  // acceptRemainingDuration
  if (!at(one_of("smhdwy"))) return {TokenKind::kError, i};
  ++i;
  if (at(one_of("s"))) ++i;
  while (at(is_dec)) {
    while (at(is_dec)) ++i;
    if (!at(one_of("smhdw"))) return {TokenKind::kError, i};
    ++i;
    if (at(one_of("s"))) ++i;
  }
  if (at(alnum)) return {TokenKind::kError, i + 1};  // Go read that character
  return {TokenKind::kDuration, i};
}
}  // namespace

Token Lexer::lex_number_or_duration() {
  const NumberScan scan = scan_number_token(input_.substr(pos_));
  pos_ += static_cast<uint32_t>(scan.end);
  if (scan.kind == TokenKind::kError) {
    return fail("bad number or duration syntax: " + go_quote(input_.substr(start_, pos_ - start_)));
  }
  return emit(scan.kind);
}

Token Lexer::lex_keyword_or_identifier() {
  for (char32_t r = next_rune(); is_alnum(r) || r == ':'; r = next_rune()) {
  }
  backup();
  const std::string_view word = input_.substr(start_, pos_ - start_);
  if (const Keyword* k = find_keyword(word)) {
    if (k->word.starts_with("fill")) {  // fill, fill_left, fill_right: keywords only before '('
      size_t i = pos_;
      while (i < input_.size() && is_space(static_cast<unsigned char>(input_[i]))) ++i;
      if (i >= input_.size() || input_[i] != '(') return emit(TokenKind::kIdentifier);
    }
    return emit(k->kind);
  }
  return emit(word.find(':') == std::string_view::npos ? TokenKind::kIdentifier : TokenKind::kMetricIdentifier);
}

Token Lexer::lex_identifier() {
  while (is_alnum(next_rune())) {
  }
  backup();
  return emit(TokenKind::kIdentifier);
}

Token Lexer::lex_string(char32_t quote) {
  for (;;) {
    const char32_t r = next_rune();
    if (r == quote) return emit(TokenKind::kString);
    if (r == kRuneError) return fail("invalid UTF-8 rune");
    if (r == kEofRune || r == '\n') return fail("unterminated quoted string");
    if (r != '\\') continue;
    // lexEscape
    char32_t ch = next_rune();
    int n = 0;
    uint32_t base = 0;
    uint32_t max = 0;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        continue;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        n = 3, base = 8, max = 255;
        break;
      case 'x':
        ch = next_rune(), n = 2, base = 16, max = 255;
        break;
      case 'u':
        ch = next_rune(), n = 4, base = 16, max = 0x10ffff;
        break;
      case 'U':
        ch = next_rune(), n = 8, base = 16, max = 0x10ffff;
        break;
      case kEofRune:
        return fail("escape sequence not terminated");
      default:
        if (ch == quote) continue;
        return fail("unknown escape sequence " + unicode_rune(ch));
    }
    uint32_t x = 0;
    while (n > 0) {
      const auto d = static_cast<uint32_t>(digit_value(ch));
      if (d >= base) {
        if (ch == kEofRune) return fail("escape sequence not terminated");
        return fail("illegal character " + unicode_rune(ch) + " in escape sequence");
      }
      x = x * base + d;
      if (--n > 0) ch = next_rune();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return fail("escape sequence is an invalid Unicode code point");
  }
}

Token Lexer::lex_raw_string() {
  for (;;) {
    const char32_t r = next_rune();
    if (r == '`') return emit(TokenKind::kString);
    if (r == kRuneError) return fail("invalid UTF-8 rune");
    if (r == kEofRune) return fail("unterminated raw string");
  }
}

std::string describe(std::string_view input, const Token& token) {
  const std::string_view value = input.substr(token.pos, token.end - token.pos);
  switch (token.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kError:
      return "error";
    case TokenKind::kComment:
      return "comment";
    case TokenKind::kIdentifier:
      return "identifier " + go_quote(value);
    case TokenKind::kMetricIdentifier:
      return "metric identifier " + go_quote(value);
    case TokenKind::kNumber:
      return "number " + quote_value(value);
    case TokenKind::kDuration:
      return "duration " + quote_value(value);
    case TokenKind::kString:
      return "string " + quote_value(value);
    case TokenKind::kKeyword:
      return "<" + std::string(value) + ">";
    case TokenKind::kOperator:
      return "<op:" + std::string(value) + ">";
    case TokenKind::kAggregator:
      return "<aggr:" + std::string(value) + ">";
    case TokenKind::kPreprocessor:
    case TokenKind::kPunctuation:
      return quote_value(value);
  }
  return "";
}

Unexpected unexpected_at(std::string_view input, uint32_t pos) {
  Lexer lexer(input);
  for (;;) {
    const Token t = lexer.next();
    if (t.kind == TokenKind::kError) return Unexpected{true, t.error, t.pos};
    if (t.kind == TokenKind::kComment) continue;
    if (t.kind == TokenKind::kEof || t.end > pos) return Unexpected{false, describe(input, t), t.pos};
  }
}

size_t scan_number_or_duration(std::string_view text, bool& is_duration) {
  const NumberScan scan = scan_number_token(text);
  if (scan.kind == TokenKind::kError) return 0;
  is_duration = scan.kind == TokenKind::kDuration;
  return scan.end;
}

}  // namespace cogwatch::parser::internal
