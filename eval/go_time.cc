#include "eval/internal/go_time.h"

#include <cstdio>
#include <limits>

namespace cogwatch::eval::internal {
namespace {

bool is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

}  // namespace

int64_t go_int64(double v) {
  if (!(v >= -0x1p63 && v < 0x1p63)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

int days_in_month(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// As Go's absDate: the absolute zero year is 1 mod 400 and starts on a
// Monday; days split into 400-, 100-, 4- and 1-year cycles.
GoDate go_utc(int64_t unix_seconds) {
  constexpr int64_t kAbsoluteZeroYear = -292277022399;
  constexpr uint64_t kDaysPer400Years = 365 * 400 + 97, kDaysPer100Years = 365 * 100 + 24, kDaysPer4Years = 365 * 4 + 1;
  // 1970-01-01 in seconds from the absolute zero year: 400-year cycles to
  // year 1, then year 1 to 1970.
  constexpr uint64_t kUnixToAbsolute = ((1 - kAbsoluteZeroYear) / 400 * kDaysPer400Years + 719162) * 86400;
  const uint64_t abs = static_cast<uint64_t>(unix_seconds) + kUnixToAbsolute;
  GoDate g{};
  g.hour = static_cast<int>(abs % 86400 / 3600);
  g.minute = static_cast<int>(abs % 3600 / 60);
  g.second = static_cast<int>(abs % 60);
  g.weekday = static_cast<int>((abs + 86400) % (7 * 86400) / 86400);
  uint64_t d = abs / 86400;
  uint64_t n = d / kDaysPer400Years;
  uint64_t y = 400 * n;
  d -= kDaysPer400Years * n;
  n = d / kDaysPer100Years;
  n -= n >> 2;  // the last day of a 400-year cycle
  y += 100 * n;
  d -= kDaysPer100Years * n;
  n = d / kDaysPer4Years;
  y += 4 * n;
  d -= kDaysPer4Years * n;
  n = d / 365;
  n -= n >> 2;  // the last day of a 4-year cycle
  y += n;
  d -= 365 * n;
  g.year = static_cast<int64_t>(y) + kAbsoluteZeroYear;
  g.yday = static_cast<int>(d);
  g.month = 1;
  int day = g.yday;
  while (day >= days_in_month(g.year, g.month)) day -= days_in_month(g.year, g.month++);
  g.day = day + 1;
  return g;
}

std::string go_rfc3339(int64_t unix_seconds) {
  const GoDate g = go_utc(unix_seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(g.year), g.month, g.day,
                g.hour, g.minute, g.second);
  return buf;
}

}  // namespace cogwatch::eval::internal
