// Go's strconv as the template parser uses it: Unquote for string
// literals, UnquoteChar for character constants, and the number syntax of
// parse.NumberNode (ParseInt/ParseUint with base 0, ParseFloat, complex
// constants). Errors are Go's words ("invalid syntax", "integer overflow:
// \"9...\"", "illegal number syntax: \"0x\"").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"

namespace cogwatch::tmpl::internal {

// strconv.Unquote: "..." (escapes; raw invalid UTF-8 becomes U+FFFD),
// `...` (carriage returns dropped) or '...'. nullopt for Go's ErrSyntax.
std::optional<std::string> go_unquote(std::string_view literal);

// A number constant as parse.NumberNode holds it: its value under each
// type that can represent it.
struct Number {
  bool is_int = false;
  bool is_uint = false;
  bool is_float = false;
  bool is_complex = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double float_value = 0;
  double real = 0, imag = 0;  // is_complex
};

// strconv.ParseFloat(s, 64): Go's float literal syntax (decimal, or hex
// with a mandatory p exponent; underscores per underscoreOK), inf,
// infinity and nan in any case. Errors: kInvalidArgument,
// "strconv.ParseFloat: parsing \"s\": invalid syntax" or "value out of
// range" (overflow; underflow rounds as Go's does, without error).
Result<double> parse_go_float(std::string_view s);

enum class NumberSyntax : uint8_t { kNumber, kCharConstant, kComplex };

// parse.newNumber: the item's text as a number; errors: kParse with the
// message Go's parser reports after "template: NAME:LINE: ".
Result<Number> parse_number(std::string_view text, NumberSyntax syntax);

}  // namespace cogwatch::tmpl::internal
