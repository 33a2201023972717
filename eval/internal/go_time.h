// Go's time package where Prometheus's results depend on it: the calendar of
// time.Unix(sec, 0).UTC() (date functions, annotation times) and Go's
// float-to-int64 conversion in front of it. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace cogwatch::eval::internal {

// Go's int64(v): truncation toward zero; for NaN, ±Inf and values outside
// int64 the CPU's answer, here amd64's (Prometheus's reference platform):
// INT64_MIN. (arm64 gives 0 for NaN and saturates the others.)
int64_t go_int64(double v);

// A date and time of day in UTC.
struct GoDate {
  int64_t year;  // proleptic Gregorian: 0 is 1 BC
  int month;     // 1-12
  int day;       // 1-31
  int yday;      // 0-365
  int weekday;   // Sunday = 0
  int hour, minute, second;
};

// time.Unix(unix_seconds, 0).UTC(), for every int64: Go counts seconds as a
// uint64 from its absolute zero year (-292277022399), so INT64_MIN wraps to
// 292277026596-12-04 15:30:08 as it does in Go.
GoDate go_utc(int64_t unix_seconds);

// The days of a month (1-12) of a year.
int days_in_month(int64_t year, int month);

// Format(time.RFC3339) of a UTC time: "2006-01-02T15:04:05Z".
std::string go_rfc3339(int64_t unix_seconds);

}  // namespace cogwatch::eval::internal
