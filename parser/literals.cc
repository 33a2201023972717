#include "parser/internal/literals.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "model/labels.h"

namespace cogwatch::parser::internal {
namespace {

bool is_hex_prefix(std::string_view s) { return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

// Go's underscoreOK: underscores only between digits, or between a base
// prefix and a digit.
bool underscores_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  const bool hex = is_hex_prefix(s);
  if (hex) {
    i = 2;
    saw = '0';
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || (hex && std::isxdigit(static_cast<unsigned char>(c)))) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

enum class NumError { kNone, kSyntax, kRange };

// strconv.ParseInt(s, 0, 64) for the tokens the lexer produces (no sign).
NumError go_parse_int(std::string_view s, int64_t& out) {
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
    if (d >= base) return NumError::kSyntax;
    if (n > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      range = true;
    } else {
      n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
  }
  if (underscores && !underscores_ok(s)) return NumError::kSyntax;
  if (range || n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return NumError::kRange;
  out = static_cast<int64_t>(n);
  return NumError::kNone;
}

// strconv.ParseFloat(s, 64) for the tokens the lexer produces: decimal
// (hexadecimal needs a 'p' exponent, which the lexer never includes).
NumError go_parse_float(std::string_view s, double& out) {
  if (is_hex_prefix(s)) return NumError::kSyntax;
  if (s.find('_') != std::string_view::npos && !underscores_ok(s)) return NumError::kSyntax;
  std::string without_underscores;
  std::string_view plain = s;
  if (s.find('_') != std::string_view::npos) {
    for (const char c : s) {
      if (c != '_') without_underscores += c;
    }
    plain = without_underscores;
  }
  const char* end = plain.data() + plain.size();
  auto [ptr, ec] = std::from_chars(plain.data(), end, out);
  if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) return NumError::kSyntax;
  if (ec == std::errc::result_out_of_range) {
    // Too large is an error (Go returns ±Inf with it); too small is 0.
    const size_t e = plain.find_first_of("eE");
    const std::string_view mantissa = plain.substr(0, e);
    long exponent = 0;
    if (e != std::string_view::npos) std::from_chars(plain.data() + e + (plain[e + 1] == '+' ? 2 : 1), end, exponent);
    const size_t dot = std::min(mantissa.find('.'), mantissa.size());
    const size_t first = mantissa.find_first_of("123456789");
    // The value is 0.d... x 10^magnitude.
    const long magnitude = static_cast<long>(first < dot ? dot - first : 0) -
                           static_cast<long>(first > dot ? first - dot - 1 : 0) + exponent;
    if (magnitude > 0) return NumError::kRange;
    out = 0;
  }
  return NumError::kNone;
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
  if (go_parse_int(token, n) == NumError::kNone) return LiteralValue{static_cast<double>(n), std::nullopt};
  double v = 0;
  const NumError err = go_parse_float(token, v);
  if (err != NumError::kNone) {
    return make_error(ErrorCode::kParse, "error parsing number: strconv.ParseFloat: parsing " + go_quote(token) + ": " +
                                             (err == NumError::kRange ? "value out of range" : "invalid syntax"));
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
