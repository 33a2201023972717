#include "parser/internal/literals.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "model/go_strconv.h"
#include "model/labels.h"

namespace cogwatch::parser::internal {
namespace {

bool is_hex_prefix(std::string_view s) { return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

// strconv.ParseInt(s, 0, 64) for the tokens the lexer produces (no sign).
GoNumError go_parse_int(std::string_view s, int64_t& out) {
  std::string_view digits = s;
  int base = 10;
  if (is_hex_prefix(s) && s.size() >= 3) {
    base = 16;
    digits = s.substr(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    digits = s.substr(1);
  }
  uint64_t n = 0;
  bool underscores = false;
  bool range = false;
  for (const char c : digits) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    const int d = std::isdigit(static_cast<unsigned char>(c))   ? c - '0'
                  : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                                                                : 99;
    if (d >= base) return GoNumError::kSyntax;
    if (n > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      range = true;
    } else {
      n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
  }
  if (underscores && !go_underscore_ok(s)) return GoNumError::kSyntax;
  if (range || n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return GoNumError::kRange;
  out = static_cast<int64_t>(n);
  return GoNumError::kNone;
}

}  // namespace

Result<LiteralValue> literal_value(std::string_view token) {
  if (token.size() == 3 && std::isalpha(static_cast<unsigned char>(token[0]))) {  // Inf or NaN, any case
    return LiteralValue{std::tolower(static_cast<unsigned char>(token[0])) == 'i'
                            ? std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::quiet_NaN(),
                        std::nullopt};
  }
  // A duration token ends in a unit; a number in a digit or '.' (or a hex digit).
  if (!is_hex_prefix(token) && std::string_view("smhdwy").find(token.back()) != std::string_view::npos) {
    auto ns = parse_model_duration_ns(token);
    if (!ns) return make_error(ErrorCode::kParse, ns.error().message);
    const Duration ms = *ns / 1'000'000;  // every unit is a whole number of ms
    return LiteralValue{static_cast<double>(ms) / 1000.0, ms};
  }
  int64_t n = 0;
  if (go_parse_int(token, n) == GoNumError::kNone) return LiteralValue{static_cast<double>(n), std::nullopt};
  double v = 0;
  const GoNumError err = go_parse_float(token, v);
  if (err != GoNumError::kNone) {
    return make_error(ErrorCode::kParse, "error parsing number: strconv.ParseFloat: parsing " + go_quote(token) + ": " +
                                             (err == GoNumError::kRange ? "value out of range" : "invalid syntax"));
  }
  return LiteralValue{v, std::nullopt};
}

std::string go_float_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

}  // namespace cogwatch::parser::internal
