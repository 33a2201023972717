#include "model/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace cogwatch {
namespace {

// The shortest round-trip digits of |v| (v finite, non-zero) and the decimal
// exponent of the first digit: v = 0.d1d2d3... * 10^(exp10 + 1).
struct ShortestDigits {
  char digits[32];
  int count = 0;
  int exp10 = 0;
};

ShortestDigits shortest_digits(double v) {
  // std::to_chars in scientific form gives "d.ddde[+-]xx" with the shortest
  // digits that round-trip, which is exactly what Go's strconv computes.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf - 1, std::fabs(v), std::chars_format::scientific);
  *res.ptr = '\0';  // to_chars does not terminate; atoi below needs it
  ShortestDigits out;
  const char* p = buf;
  for (; p < res.ptr && *p != 'e'; ++p) {
    if (*p != '.') out.digits[out.count++] = *p;
  }
  out.exp10 = std::atoi(p + 1);  // skips the 'e'; atoi reads the sign
  return out;
}

bool append_special(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    return false;
  }
  return true;
}

void append_exponent(std::string& out, int exp10) {
  out += 'e';
  out += exp10 < 0 ? '-' : '+';
  int e = std::abs(exp10);
  if (e < 10) out += '0';  // Go prints at least two exponent digits
  out += std::to_string(e);
}

// Appends d1d2...dn * 10^(exp10 - n + 1) in plain decimal notation.
void append_plain(std::string& out, const ShortestDigits& d) {
  if (d.exp10 < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-d.exp10 - 1), '0');
    out.append(d.digits, static_cast<size_t>(d.count));
    return;
  }
  const int int_digits = d.exp10 + 1;
  if (d.count <= int_digits) {
    out.append(d.digits, static_cast<size_t>(d.count));
    out.append(static_cast<size_t>(int_digits - d.count), '0');
  } else {
    out.append(d.digits, static_cast<size_t>(int_digits));
    out += '.';
    out.append(d.digits + int_digits, static_cast<size_t>(d.count - int_digits));
  }
}

}  // namespace

void append_float(std::string& out, double v) {
  if (append_special(out, v)) return;
  if (v == 0) {
    out += std::signbit(v) ? "-0" : "0";
    return;
  }
  if (v < 0) out += '-';
  const ShortestDigits d = shortest_digits(v);
  // Go's 'g' with shortest precision switches to %e outside [1e-4, 1e6).
  if (d.exp10 < -4 || d.exp10 >= 6) {
    out += d.digits[0];
    if (d.count > 1) {
      out += '.';
      out.append(d.digits + 1, static_cast<size_t>(d.count - 1));
    }
    append_exponent(out, d.exp10);
  } else {
    append_plain(out, d);
  }
}

std::string format_float(double v) {
  std::string out;
  append_float(out, v);
  return out;
}

std::string format_float_plain(double v) {
  std::string out;
  if (append_special(out, v)) return out;
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  if (v < 0) out += '-';
  append_plain(out, shortest_digits(v));
  return out;
}

std::string format_api_float(double v) {
  const double a = std::fabs(v);
  // Outside the plain range Go's 'e' and 'g' (shortest) print alike.
  if (a != 0 && !std::isnan(a) && !std::isinf(a) && (a < 1e-6 || a >= 1e21)) return format_float(v);
  return format_float_plain(v);
}

}  // namespace cogwatch
