// Go's strconv number syntax where two of cogwatch's languages share it:
// PromQL's number literals (Prometheus parses them with strconv) and the
// template language's literals and ConvertToFloat. Callers word the errors,
// each as its Go counterpart quotes the text.
#pragma once

#include <cstdint>
#include <string_view>

namespace cogwatch {

enum class GoNumError : uint8_t { kNone, kSyntax, kRange };

// strconv's underscoreOK: underscores only between digits, or between a
// base prefix (0b, 0o, 0x) and a digit; an optional sign first.
bool go_underscore_ok(std::string_view s);

// strconv.ParseFloat(s, 64): decimal, or hex with a mandatory p exponent,
// underscores per go_underscore_ok; "inf", "infinity" (signed) and "nan"
// in any case. kRange for overflow (out is then ±Inf); underflow rounds as
// Go's does, without error.
GoNumError go_parse_float(std::string_view s, double& out);

}  // namespace cogwatch
