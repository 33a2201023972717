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

// prometheus/common's model.ParseDuration, in milliseconds.
Result<Duration> prometheus_duration(std::string_view s) {
  auto invalid = [&] { return make_error(ErrorCode::kParse, "not a valid duration string: " + go_quote(s)); };
  auto out_of_range = [] { return make_error(ErrorCode::kParse, "duration out of range"); };
  if (s == "0") return Duration{0};
  struct Unit {
    std::string_view name;
    uint64_t ns;
  };
  static constexpr Unit kUnits[] = {{"y", 365ULL * 24 * 3600 * 1'000'000'000},
                                    {"w", 7ULL * 24 * 3600 * 1'000'000'000},
                                    {"d", 24ULL * 3600 * 1'000'000'000},
                                    {"h", 3600ULL * 1'000'000'000},
                                    {"m", 60ULL * 1'000'000'000},
                                    {"s", 1'000'000'000},
                                    {"ms", 1'000'000}};
  uint64_t total = 0;
  size_t last_unit = 0;  // 1 + index of the last unit read
  size_t i = 0;
  while (i < s.size()) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return invalid();
    const size_t digits_begin = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + digits_begin, s.data() + i, v);
    if (ec != std::errc()) return invalid();
    const size_t unit_begin = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    const std::string_view unit = s.substr(unit_begin, i - unit_begin);
    if (unit.empty()) return invalid();
    size_t u = 0;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (u == std::size(kUnits)) {
      return make_error(ErrorCode::kParse, "unknown unit " + go_quote(unit) + " in duration " + go_quote(s));
    }
    if (u + 1 <= last_unit) return invalid();  // units go from the biggest to the smallest
    last_unit = u + 1;
    constexpr uint64_t kLimit = 1ULL << 63;
    if (v > kLimit / kUnits[u].ns) return out_of_range();
    total += v * kUnits[u].ns;
    if (total > kLimit - 1) return out_of_range();
  }
  return static_cast<Duration>(total / 1'000'000);
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
    auto ms = prometheus_duration(token);
    if (!ms) return ms.take_error();
    return LiteralValue{static_cast<double>(*ms) / 1000.0, *ms};
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
