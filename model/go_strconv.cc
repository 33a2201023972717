#include "model/go_strconv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace cogwatch {
namespace {

char lower(char c) { return static_cast<char>(c | 0x20); }
bool is_dec(char c) { return c >= '0' && c <= '9'; }

// Whether s is all of a Go float literal as strconv's readFloat reads it:
// [sign] digits [. digits] [e [sign] digits], or [sign] 0x hex mantissa
// with a mandatory p exponent; underscores as underscoreOK allows.
bool is_float_literal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool hex = false;
  if (i + 1 < s.size() && s[i] == '0' && lower(s[i + 1]) == 'x') {
    hex = true;
    i += 2;
  }
  bool underscores = false, saw_dot = false, saw_digits = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      underscores = true;
    } else if (c == '.') {
      if (saw_dot) break;
      saw_dot = true;
    } else if (is_dec(c) || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw_digits = true;
    } else {
      break;
    }
  }
  if (!saw_digits) return false;
  if (i < s.size() && lower(s[i]) == (hex ? 'p' : 'e')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !is_dec(s[i])) return false;
    for (; i < s.size() && (is_dec(s[i]) || s[i] == '_'); ++i) underscores = underscores || s[i] == '_';
  } else if (hex) {
    return false;
  }
  return i == s.size() && (!underscores || go_underscore_ok(s));
}

// How many leading bytes of s match prefix (lower case) ignoring case.
size_t common_prefix_ignore_case(std::string_view s, std::string_view prefix) {
  size_t n = 0;
  while (n < s.size() && n < prefix.size() && lower(s[n]) == prefix[n]) ++n;
  return n;
}

}  // namespace

bool go_underscore_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (is_dec(s[i]) || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

GoNumError go_parse_float(std::string_view s, double& out) {
  if (!s.empty()) {
    const bool sign = s[0] == '+' || s[0] == '-';
    const std::string_view rest = s.substr(sign ? 1 : 0);
    if (!rest.empty() && lower(rest[0]) == 'i') {
      size_t n = common_prefix_ignore_case(rest, "infinity");
      if (n > 3 && n < 8) n = 3;
      if (n == 3 || n == 8) {
        if (n != rest.size()) return GoNumError::kSyntax;
        out = s[0] == '-' ? -INFINITY : INFINITY;
        return GoNumError::kNone;
      }
    } else if (!sign && lower(s[0]) == 'n' && common_prefix_ignore_case(s, "nan") == 3) {
      if (s.size() != 3) return GoNumError::kSyntax;
      out = NAN;
      return GoNumError::kNone;
    }
  }
  if (!is_float_literal(s)) return GoNumError::kSyntax;
  std::string digits(s);
  std::erase(digits, '_');
  errno = 0;
  out = std::strtod(digits.c_str(), nullptr);  // correctly rounded, as Go
  if (errno == ERANGE && std::isinf(out)) return GoNumError::kRange;
  return GoNumError::kNone;
}

}  // namespace cogwatch
