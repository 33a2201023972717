// The template lexer, a translation of Go's text/template/parse/lex.go (Go
// 1.25): the text is read as UTF-8 runes (internal/unicode.h), and items
// come one at a time as the parser asks for them. After an error item the
// lexer gives only EOF. The parser (parse.cc) and the tests use it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cogwatch::tmpl::internal {

enum class ItemType : uint8_t {
  kError,         // the text is the error message
  kBool,          // true, false
  kChar,          // printable ASCII character; grab bag for comma etc.
  kCharConstant,  // 'a'
  kComment,       // never emitted: comments are skipped
  kComplex,       // 1+2i
  kAssign,        // =
  kDeclare,       // :=
  kEOF,
  kField,       // .Alphanumeric
  kIdentifier,  // alphanumeric identifier not starting with '.'
  kLeftDelim,   // {{
  kLeftParen,   // (
  kNumber,      // simple number, including imaginary
  kPipe,        // |
  kRawString,   // `...` (quotes included)
  kRightDelim,  // }}
  kRightParen,  // )
  kSpace,       // run of spaces separating arguments
  kString,      // "..." (quotes included)
  kText,        // plain text
  kVariable,    // $, $x
  // Keywords come after all the rest.
  kKeyword,  // only a delimiter
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kEOF;
  uint32_t pos = 0;  // byte offset of the item in the text
  std::string_view val;
  std::string error;  // kError: the message (val is then empty)
  int line = 1;       // line of the item's start

  std::string_view text() const { return type == ItemType::kError ? std::string_view(error) : val; }
  // Go's item.String(), as parse errors quote items: EOF, <if>, "x",
  // "0123456789"... (more than 10 bytes: the first 10 runes), or the error.
  std::string describe() const;
};

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  Item next_item();

 private:
  enum class State : uint8_t {
    kText,
    kLeftDelim,
    kComment,
    kRightDelim,
    kInsideAction,
    kSpace,
    kIdentifier,
    kField,
    kVariable,
    kChar,
    kNumber,
    kQuote,
    kRawQuote,
    kDone,
  };
  static constexpr char32_t kEof = static_cast<char32_t>(-1);

  State step(State s);
  State lex_text();
  State lex_left_delim();
  State lex_comment();
  State lex_right_delim();
  State lex_inside_action();
  State lex_space();
  State lex_identifier();
  State lex_variable();
  State lex_field_or_variable(ItemType type);
  State lex_char();
  State lex_number();
  State lex_quote();
  State lex_raw_quote();

  char32_t next();
  char32_t peek();
  void backup();
  Item this_item(ItemType t);
  State emit(ItemType t);
  State emit_item(Item i);
  void ignore();
  bool accept(std::string_view valid);
  void accept_run(std::string_view valid);
  State errorf(std::string message);
  bool at_terminator();
  bool at_right_delim(bool* trim_spaces);
  bool scan_number();

  std::string_view input_;
  uint32_t pos_ = 0;
  uint32_t start_ = 0;
  bool at_eof_ = false;
  int paren_depth_ = 0;
  int line_ = 1;
  int start_line_ = 1;
  Item item_;
  bool inside_action_ = false;
};

}  // namespace cogwatch::tmpl::internal
