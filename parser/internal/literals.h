// The values of PromQL number and duration tokens, read as Prometheus 3
// reads them, with its error messages (literals.cc).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/time.h"

namespace cogwatch::parser::internal {

struct LiteralValue {
  double seconds = 0;          // a number's value; a duration's seconds
  std::optional<Duration> ms;  // a duration token's exact milliseconds
};

// A token the lexer reads as a number or duration (scan_number_or_duration
// accepts all of it), or Inf/NaN. Numbers are Go's strconv.ParseInt(s, 0,
// 64), else strconv.ParseFloat(s, 64): underscores between digits, a
// leading 0 is octal, hexadecimal; errors "error parsing number:
// strconv.ParseFloat: parsing \"1e400\": value out of range". Durations are
// prometheus/common's model.ParseDuration (units y w d h m s ms in that
// order, at most ~292 years): errors "not a valid duration string:
// \"5m1h\"", "unknown unit \"e\" in duration \"1e5m\"", "duration out of
// range".
Result<LiteralValue> literal_value(std::string_view token);

// Go's fmt %f of a float64: "1.500000", "+Inf", "-Inf", "NaN".
std::string go_float_f(double v);

}  // namespace cogwatch::parser::internal
