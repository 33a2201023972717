// Time as cogwatch stores it: int64 milliseconds since the Unix epoch, as
// Prometheus does, and durations in Prometheus's notation ("1h30m", "15d").
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "model/error.h"

namespace cogwatch {

// Milliseconds since 1970-01-01T00:00:00Z.
using Timestamp = int64_t;
// A span of time in milliseconds; may be negative (e.g. a negative offset).
using Duration = int64_t;

inline constexpr Timestamp kMinTimestamp = std::numeric_limits<int64_t>::min();
inline constexpr Timestamp kMaxTimestamp = std::numeric_limits<int64_t>::max();

inline constexpr Duration kMillisecond = 1;
inline constexpr Duration kSecond = 1000;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;
inline constexpr Duration kDay = 24 * kHour;
inline constexpr Duration kWeek = 7 * kDay;
inline constexpr Duration kYear = 365 * kDay;

// prometheus/common's model.ParseDuration, in nanoseconds (Go's
// time.Duration): integer amounts with units in the order y, w, d, h, m, s,
// ms, each at most once ("1h30m", "15d", "500ms"); "0" is zero; at most
// 2^63-1 ns (about 292 years). Errors: kInvalidArgument in Prometheus 3's
// words ("empty duration string", "not a valid duration string: \"5m1h\"",
// "unknown unit \"x\" in duration \"5x\"", "duration out of range"), as
// PromQL and the template function parseDuration report them.
Result<int64_t> parse_model_duration_ns(std::string_view text);

// The same grammar in milliseconds, for configuration files and flags,
// with errors that say what is wrong: "not a valid duration string: \"5x\"
// (unknown or misplaced unit \"x\")" (promtool 2.42 prints the text
// before the parenthesis).
Result<Duration> parse_duration(std::string_view text);

// Parses a time as the Prometheus HTTP API does: Unix seconds with an
// optional fraction ("1700000000.123"), or RFC 3339 ("2023-11-14T22:13:20Z",
// "2023-11-14T23:13:20.5+01:00"). kInvalidArgument otherwise.
Result<Timestamp> parse_api_time(std::string_view text);
// Parses a step or duration as the API does: Prometheus notation ("15s") or
// float seconds ("15", "0.5").
Result<Duration> parse_api_duration(std::string_view text);

// Formats as Go's JSON encoding writes a time.Time (time.RFC3339Nano, in
// UTC): "2026-12-01T03:00:00.123Z", the fraction without trailing zeros,
// none for whole seconds ("2026-12-01T03:00:00Z"). Alertmanager's payloads
// and Prometheus's API print times so.
std::string format_rfc3339(Timestamp t);
// The same with exactly three decimals ("2026-12-01T03:00:00.000Z"), as
// go-openapi's strfmt.DateTime writes times in Prometheus's POSTs to
// Alertmanager.
std::string format_rfc3339_millis(Timestamp t);

// Formats as Prometheus's model.Duration.String(): "0s", "1h30m", "90d";
// years and weeks only when they divide exactly. Negative durations get a
// leading '-'.
std::string format_duration(Duration d);

}  // namespace cogwatch
