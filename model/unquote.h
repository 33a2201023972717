// Go's string literal rules, which PromQL and Go templates use: "..." and '...' with
// escapes, `...` raw.
#pragma once

#include <string>
#include <string_view>

#include "model/error.h"

namespace cogwatch {

// Unquotes a literal including its quotes. Escapes: \a \b \f \n \r \t \v \\,
// the literal's own quote, \ooo (octal, <= 255), \xhh, \uhhhh, \Uhhhhhhhh
// (valid code points). Errors: kParse naming the bad escape.
Result<std::string> unquote(std::string_view literal);

}  // namespace cogwatch
