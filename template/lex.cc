// The template lexer (internal/lex.h), state for state as Go's
// text/template/parse/lex.go: each lex_* is one of Go's state functions,
// returning the next state, or kDone once an item is ready.
#include "template/internal/lex.h"

#include <algorithm>

#include "template/internal/unicode.h"

namespace cogwatch::tmpl::internal {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::string_view kSpaceChars = " \t\r\n";
constexpr char kTrimMarker = '-';
constexpr uint32_t kTrimMarkerLen = 2;  // the marker and the space before or after it

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }
bool is_alpha_numeric(char32_t r) { return r == '_' || is_letter(r) || is_digit(r); }

bool has_left_trim_marker(std::string_view s) {
  return s.size() >= 2 && s[0] == kTrimMarker && is_space(static_cast<unsigned char>(s[1]));
}
bool has_right_trim_marker(std::string_view s) {
  return s.size() >= 2 && is_space(static_cast<unsigned char>(s[0])) && s[1] == kTrimMarker;
}

uint32_t right_trim_length(std::string_view s) {
  const size_t keep = s.find_last_not_of(kSpaceChars);
  return static_cast<uint32_t>(keep == std::string_view::npos ? s.size() : s.size() - keep - 1);
}
uint32_t left_trim_length(std::string_view s) {
  const size_t skip = s.find_first_not_of(kSpaceChars);
  return static_cast<uint32_t>(skip == std::string_view::npos ? s.size() : skip);
}

int count_newlines(std::string_view s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

ItemType keyword(std::string_view word) {
  static constexpr std::pair<std::string_view, ItemType> kKeywords[] = {
      {".", ItemType::kDot},
      {"block", ItemType::kBlock},
      {"break", ItemType::kBreak},
      {"continue", ItemType::kContinue},
      {"define", ItemType::kDefine},
      {"else", ItemType::kElse},
      {"end", ItemType::kEnd},
      {"if", ItemType::kIf},
      {"range", ItemType::kRange},
      {"nil", ItemType::kNil},
      {"template", ItemType::kTemplate},
      {"with", ItemType::kWith},
  };
  for (const auto& [k, type] : kKeywords) {
    if (k == word) return type;
  }
  return ItemType::kError;  // not a keyword
}

}  // namespace

std::string Item::describe() const {
  if (type == ItemType::kEOF) return "EOF";
  if (type == ItemType::kError) return error;
  if (type > ItemType::kKeyword) return "<" + std::string(val) + ">";
  if (val.size() > 10) return quote_prefix(val, 10) + "...";
  return quote(val);
}

Item Lexer::next_item() {
  item_ = Item{ItemType::kEOF, pos_, "EOF", {}, start_line_};
  State s = inside_action_ ? State::kInsideAction : State::kText;
  while (s != State::kDone) s = step(s);
  return item_;
}

Lexer::State Lexer::step(State s) {
  switch (s) {
    case State::kText:
      return lex_text();
    case State::kLeftDelim:
      return lex_left_delim();
    case State::kComment:
      return lex_comment();
    case State::kRightDelim:
      return lex_right_delim();
    case State::kInsideAction:
      return lex_inside_action();
    case State::kSpace:
      return lex_space();
    case State::kIdentifier:
      return lex_identifier();
    case State::kField:
      return lex_field_or_variable(ItemType::kField);
    case State::kVariable:
      return lex_variable();
    case State::kChar:
      return lex_char();
    case State::kNumber:
      return lex_number();
    case State::kQuote:
      return lex_quote();
    case State::kRawQuote:
      return lex_raw_quote();
    case State::kDone:
      break;
  }
  return State::kDone;
}

// ---- Go's lexer primitives ----

char32_t Lexer::next() {
  if (pos_ >= input_.size()) {
    at_eof_ = true;
    return kEof;
  }
  const DecodedRune d = decode_rune(input_.substr(pos_));
  pos_ += static_cast<uint32_t>(d.width);
  if (d.rune == '\n') ++line_;
  return d.rune;
}

char32_t Lexer::peek() {
  const char32_t r = next();
  backup();
  return r;
}

void Lexer::backup() {
  if (!at_eof_ && pos_ > 0) {
    const DecodedRune d = decode_last_rune(input_.substr(0, pos_));
    pos_ -= static_cast<uint32_t>(d.width);
    if (d.rune == '\n') --line_;
  }
}

Item Lexer::this_item(ItemType t) {
  Item i{t, start_, input_.substr(start_, pos_ - start_), {}, start_line_};
  start_ = pos_;
  start_line_ = line_;
  return i;
}

Lexer::State Lexer::emit(ItemType t) { return emit_item(this_item(t)); }

Lexer::State Lexer::emit_item(Item i) {
  item_ = std::move(i);
  return State::kDone;
}

void Lexer::ignore() {
  line_ += count_newlines(input_.substr(start_, pos_ - start_));
  start_ = pos_;
  start_line_ = line_;
}

bool Lexer::accept(std::string_view valid) {
  const char32_t r = next();
  if (r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
  backup();
  return false;
}

void Lexer::accept_run(std::string_view valid) {
  while (true) {
    const char32_t r = next();
    if (!(r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos)) break;
  }
  backup();
}

// Go ends the scan: the error item, then only EOF (the input is dropped).
Lexer::State Lexer::errorf(std::string message) {
  item_ = Item{ItemType::kError, start_, {}, std::move(message), start_line_};
  start_ = 0;
  pos_ = 0;
  input_ = input_.substr(0, 0);
  return State::kDone;
}

// ---- the states ----

// Text up to "{{"; "{{- " trims the spaces before it.
Lexer::State Lexer::lex_text() {
  const size_t x = input_.find(kLeftDelim, pos_);
  if (x != std::string_view::npos) {
    if (x > pos_) {
      pos_ = static_cast<uint32_t>(x);
      uint32_t trim = 0;
      const size_t delim_end = pos_ + kLeftDelim.size();
      if (has_left_trim_marker(input_.substr(delim_end))) {
        trim = right_trim_length(input_.substr(start_, pos_ - start_));
      }
      pos_ -= trim;
      line_ += count_newlines(input_.substr(start_, pos_ - start_));
      Item i = this_item(ItemType::kText);
      pos_ += trim;
      ignore();
      if (!i.val.empty()) return emit_item(std::move(i));
    }
    return State::kLeftDelim;
  }
  pos_ = static_cast<uint32_t>(input_.size());
  if (pos_ > start_) {
    line_ += count_newlines(input_.substr(start_, pos_ - start_));
    return emit(ItemType::kText);
  }
  return emit(ItemType::kEOF);
}

bool Lexer::at_right_delim(bool* trim_spaces) {
  const std::string_view rest = input_.substr(pos_);
  if (has_right_trim_marker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    *trim_spaces = true;
    return true;
  }
  *trim_spaces = false;
  return rest.starts_with(kRightDelim);
}

Lexer::State Lexer::lex_left_delim() {
  pos_ += static_cast<uint32_t>(kLeftDelim.size());
  const bool trim = has_left_trim_marker(input_.substr(pos_));
  const uint32_t after_marker = trim ? kTrimMarkerLen : 0;
  if (input_.substr(pos_ + after_marker).starts_with(kLeftComment)) {
    pos_ += after_marker;
    ignore();
    return State::kComment;
  }
  Item i = this_item(ItemType::kLeftDelim);
  inside_action_ = true;
  pos_ += after_marker;
  ignore();
  paren_depth_ = 0;
  return emit_item(std::move(i));
}

Lexer::State Lexer::lex_comment() {
  pos_ += static_cast<uint32_t>(kLeftComment.size());
  const size_t x = input_.find(kRightComment, pos_);
  if (x == std::string_view::npos) return errorf("unclosed comment");
  pos_ = static_cast<uint32_t>(x + kRightComment.size());
  bool trim = false;
  if (!at_right_delim(&trim)) return errorf("comment ends before closing delimiter");
  line_ += count_newlines(input_.substr(start_, pos_ - start_));
  this_item(ItemType::kComment);  // not emitted: Go's ParseComments mode is off
  if (trim) pos_ += kTrimMarkerLen;
  pos_ += static_cast<uint32_t>(kRightDelim.size());
  if (trim) pos_ += left_trim_length(input_.substr(pos_));
  ignore();
  return State::kText;
}

Lexer::State Lexer::lex_right_delim() {
  bool trim = false;
  at_right_delim(&trim);
  if (trim) {
    pos_ += kTrimMarkerLen;
    ignore();
  }
  pos_ += static_cast<uint32_t>(kRightDelim.size());
  Item i = this_item(ItemType::kRightDelim);
  if (trim) {
    pos_ += left_trim_length(input_.substr(pos_));
    ignore();
  }
  inside_action_ = false;
  return emit_item(std::move(i));
}

Lexer::State Lexer::lex_inside_action() {
  bool trim = false;
  if (at_right_delim(&trim)) {
    if (paren_depth_ == 0) return State::kRightDelim;
    return errorf("unclosed left paren");
  }
  const char32_t r = next();
  if (r == kEof) return errorf("unclosed action");
  if (is_space(r)) {
    backup();  // in case of " -}}"
    return State::kSpace;
  }
  switch (r) {
    case '=':
      return emit(ItemType::kAssign);
    case ':':
      if (next() != '=') return errorf("expected :=");
      return emit(ItemType::kDeclare);
    case '|':
      return emit(ItemType::kPipe);
    case '"':
      return State::kQuote;
    case '`':
      return State::kRawQuote;
    case '$':
      return State::kVariable;
    case '\'':
      return State::kChar;
    case '.':
      // ".field", unless a digit follows ('.' can start a number).
      if (pos_ < input_.size() && (input_[pos_] < '0' || input_[pos_] > '9')) return State::kField;
      backup();
      return State::kNumber;
    case '(':
      ++paren_depth_;
      return emit(ItemType::kLeftParen);
    case ')':
      --paren_depth_;
      if (paren_depth_ < 0) return errorf("unexpected right paren");
      return emit(ItemType::kRightParen);
    default:
      break;
  }
  if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    backup();
    return State::kNumber;
  }
  if (is_alpha_numeric(r)) {
    backup();
    return State::kIdentifier;
  }
  if (r < 0x80 && is_print(r)) return emit(ItemType::kChar);
  return errorf("unrecognized character in action: " + format_unicode_sharp(r));
}

// A run of spaces; the first is not consumed yet. A " -}}" after it ends
// the action instead.
Lexer::State Lexer::lex_space() {
  int spaces = 0;
  while (is_space(peek())) {
    next();
    ++spaces;
  }
  const std::string_view last = input_.substr(pos_ - 1);
  if (has_right_trim_marker(last) && last.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    backup();  // before the space
    if (spaces == 1) return State::kRightDelim;
  }
  return emit(ItemType::kSpace);
}

Lexer::State Lexer::lex_identifier() {
  while (true) {
    const char32_t r = next();
    if (is_alpha_numeric(r)) continue;
    backup();
    const std::string_view word = input_.substr(start_, pos_ - start_);
    if (!at_terminator()) return errorf("bad character " + format_unicode_sharp(r));
    const ItemType key = keyword(word);
    if (key > ItemType::kKeyword) return emit(key);
    if (word[0] == '.') return emit(ItemType::kField);
    if (word == "true" || word == "false") return emit(ItemType::kBool);
    return emit(ItemType::kIdentifier);
  }
}

Lexer::State Lexer::lex_variable() {
  if (at_terminator()) return emit(ItemType::kVariable);  // "$"
  return lex_field_or_variable(ItemType::kVariable);
}

// [.$]Alphanumeric, the . or $ read.
Lexer::State Lexer::lex_field_or_variable(ItemType type) {
  if (at_terminator()) return emit(type == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
  char32_t r = 0;
  while (true) {
    r = next();
    if (!is_alpha_numeric(r)) {
      backup();
      break;
    }
  }
  if (!at_terminator()) return errorf("bad character " + format_unicode_sharp(r));
  return emit(type);
}

// Whether what follows may end an identifier: "$x+2" is not "$x" "+2".
bool Lexer::at_terminator() {
  const char32_t r = peek();
  if (is_space(r)) return true;
  switch (r) {
    case kEof:
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
    default:
      break;
  }
  return input_.substr(pos_).starts_with(kRightDelim);
}

Lexer::State Lexer::lex_char() {
  while (true) {
    char32_t r = next();
    if (r == '\\') {
      r = next();
      if (r != kEof && r != '\n') continue;
    }
    if (r == kEof || r == '\n') return errorf("unterminated character constant");
    if (r == '\'') break;
  }
  return emit(ItemType::kCharConstant);
}

Lexer::State Lexer::lex_number() {
  auto bad = [&] { return errorf("bad number syntax: " + quote(input_.substr(start_, pos_ - start_))); };
  if (!scan_number()) return bad();
  const char32_t sign = peek();
  if (sign == '+' || sign == '-') {
    // Complex: 1+2i, no spaces, ending in 'i'.
    if (!scan_number() || input_[pos_ - 1] != 'i') return bad();
    return emit(ItemType::kComplex);
  }
  return emit(ItemType::kNumber);
}

// Not a perfect number scanner (it accepts "." and "0x0.2" and "089"):
// the parser's conversion rejects what is wrong.
bool Lexer::scan_number() {
  accept("+-");
  std::string_view digits = "0123456789_";
  if (accept("0")) {
    // A leading 0 does not mean octal in floats.
    if (accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (accept("oO")) {
      digits = "01234567_";
    } else if (accept("bB")) {
      digits = "01_";
    }
  }
  accept_run(digits);
  if (accept(".")) accept_run(digits);
  if (digits.size() == 10 + 1 && accept("eE")) {
    accept("+-");
    accept_run("0123456789_");
  }
  if (digits.size() == 16 + 6 + 1 && accept("pP")) {
    accept("+-");
    accept_run("0123456789_");
  }
  accept("i");  // imaginary
  if (is_alpha_numeric(peek())) {
    next();
    return false;
  }
  return true;
}

Lexer::State Lexer::lex_quote() {
  while (true) {
    char32_t r = next();
    if (r == '\\') {
      r = next();
      if (r != kEof && r != '\n') continue;
    }
    if (r == kEof || r == '\n') return errorf("unterminated quoted string");
    if (r == '"') break;
  }
  return emit(ItemType::kString);
}

Lexer::State Lexer::lex_raw_quote() {
  while (true) {
    const char32_t r = next();
    if (r == kEof) return errorf("unterminated raw quoted string");
    if (r == '`') break;
  }
  return emit(ItemType::kRawString);
}

}  // namespace cogwatch::tmpl::internal
