#include "model/time.h"

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

TEST(ParseDuration, AcceptsPrometheusNotation) {
  const struct {
    const char* text;
    Duration want;
  } cases[] = {
      {"0", 0},
      {"0s", 0},
      {"1ms", 1},
      {"15s", 15 * kSecond},
      {"5m", 5 * kMinute},
      {"1h30m", kHour + 30 * kMinute},
      {"15d", 15 * kDay},
      {"2w", 2 * kWeek},
      {"1y", kYear},
      {"1y2w3d4h5m6s7ms", kYear + 2 * kWeek + 3 * kDay + 4 * kHour + 5 * kMinute + 6 * kSecond + 7},
      {"90m", 90 * kMinute},
      {"1000ms", kSecond},
  };
  for (const auto& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.error().message;
    EXPECT_EQ(*d, c.want) << c.text;
  }
}

TEST(ParseDuration, RejectsWithTheTextInTheMessage) {
  for (const char* text : {"", "1", "1.5h", "-5m", "5m1h", "1h1h", "5x", "h", "1 h", "m5", "99999999999999999999s",
                           "300000000y"}) {
    auto d = parse_duration(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(d.error().message.find(std::string("\"") + text + "\""), std::string::npos) << d.error().message;
  }
}

// Configuration durations are Go time.Durations in Prometheus: 292 years
// fit, 293 do not. The reason is in parentheses.
TEST(ParseDuration, SaysWhyAndStopsWhereGoDurationsStop) {
  EXPECT_EQ(*parse_duration("292y"), 292 * kYear);
  const struct {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"m5", "expected a number"},
      {"5", "missing unit"},
      {"5x", "unknown or misplaced unit \"x\""},
      {"5m1h", "unknown or misplaced unit \"h\""},
      {"293y", "too large"},
      {"99999999999999999999s", "too large"},
  };
  for (const auto& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.error().message, std::string("not a valid duration string: \"") + c.text + "\" (" + c.why + ")");
  }
}

// PromQL and the template function parseDuration: Prometheus 3's
// model.ParseDuration, in nanoseconds, with its own words.
TEST(ParseModelDuration, NanosecondsAndPrometheusErrors) {
  EXPECT_EQ(*parse_model_duration_ns("0"), 0);
  EXPECT_EQ(*parse_model_duration_ns("1h2m10ms"), 3'720'010'000'000);
  EXPECT_EQ(*parse_model_duration_ns("292y"), int64_t{292} * 365 * 24 * 3600 * 1'000'000'000);
  EXPECT_EQ(*parse_model_duration_ns("106751d23h47m16s854ms"), int64_t{9'223'372'036'854'000'000});
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "empty duration string"},
      {"5", "not a valid duration string: \"5\""},
      {"5m1h", "not a valid duration string: \"5m1h\""},
      {"1h1h", "not a valid duration string: \"1h1h\""},
      {"-5m", "not a valid duration string: \"-5m\""},
      {"99999999999999999999s", "not a valid duration string: \"99999999999999999999s\""},
      {"5x", "unknown unit \"x\" in duration \"5x\""},
      {"1.5m", "unknown unit \".\" in duration \"1.5m\""},
      {"293y", "duration out of range"},
      {"106751d23h47m16s855ms", "duration out of range"},  // the sum passes 2^63-1 ns
      {"292y50w", "duration out of range"},
  };
  for (const auto& c : cases) {
    auto d = parse_model_duration_ns(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.error().message, c.error) << c.text;
  }
}

TEST(FormatDuration, AsPrometheusPrintsIt) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(1), "1ms");
  EXPECT_EQ(format_duration(90 * kSecond), "1m30s");
  EXPECT_EQ(format_duration(kHour + 30 * kMinute), "1h30m");
  EXPECT_EQ(format_duration(15 * kDay), "15d");
  EXPECT_EQ(format_duration(14 * kDay), "2w");
  EXPECT_EQ(format_duration(90 * kDay), "90d");  // not 12w6d
  EXPECT_EQ(format_duration(kYear), "1y");
  EXPECT_EQ(format_duration(kYear + kDay), "366d");
  EXPECT_EQ(format_duration(-5 * kMinute), "-5m");
  EXPECT_EQ(format_duration(1500), "1s500ms");
  EXPECT_FALSE(format_duration(kMinTimestamp).empty());
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (Duration d : {Duration{1}, 15 * kSecond, 36 * kHour, 400 * kDay, 3 * kWeek + 1}) {
    EXPECT_EQ(*parse_duration(format_duration(d)), d) << format_duration(d);
  }
}

// Go's JSON form of a time.Time, as Alertmanager 0.25 printed the same
// instants in its webhook messages.
TEST(FormatRfc3339, AsGoMarshalsTimes) {
  EXPECT_EQ(format_rfc3339(1'796'094'000'123), "2026-12-01T03:00:00.123Z");
  EXPECT_EQ(format_rfc3339(1'796'094'000'000), "2026-12-01T03:00:00Z");
  EXPECT_EQ(format_rfc3339(1'796'094'000'100), "2026-12-01T03:00:00.1Z");  // trailing zeros dropped
  EXPECT_EQ(format_rfc3339(1'796'094'000'020), "2026-12-01T03:00:00.02Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(951'782'400'000), "2000-02-29T00:00:00Z");
  // go-openapi's strfmt.DateTime, in Prometheus's POSTs: always milliseconds.
  EXPECT_EQ(format_rfc3339_millis(1'796'094'000'000), "2026-12-01T03:00:00.000Z");
  EXPECT_EQ(format_rfc3339_millis(1'796'094'000'100), "2026-12-01T03:00:00.100Z");
  EXPECT_EQ(format_rfc3339_millis(1'796'094'000'632), "2026-12-01T03:00:00.632Z");
  // What parse_api_time reads, format_rfc3339 writes back.
  EXPECT_EQ(format_rfc3339(*parse_api_time("2023-11-14T23:13:20.5+01:00")), "2023-11-14T22:13:20.5Z");
}

TEST(ParseApiTime, UnixSecondsAndRfc3339) {
  EXPECT_EQ(*parse_api_time("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(*parse_api_time("1700000000.123"), 1'700'000'000'123);
  EXPECT_EQ(*parse_api_time("-1.5"), -1500);
  EXPECT_EQ(*parse_api_time("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(*parse_api_time("2023-11-14T22:13:20.25Z"), 1'700'000'000'250);
  EXPECT_EQ(*parse_api_time("2023-11-14T23:13:20+01:00"), 1'700'000'000'000);
  EXPECT_EQ(*parse_api_time("2023-11-14T21:13:20-01:00"), 1'700'000'000'000);
  for (const char* bad : {"", "now", "2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z", "1e400"}) {
    auto t = parse_api_time(bad);
    EXPECT_FALSE(t.ok()) << bad;
  }
}

TEST(ParseApiDuration, SecondsOrPrometheusNotation) {
  EXPECT_EQ(*parse_api_duration("15"), 15 * kSecond);
  EXPECT_EQ(*parse_api_duration("0.5"), 500);
  EXPECT_EQ(*parse_api_duration("1m30s"), 90 * kSecond);
  EXPECT_FALSE(parse_api_duration("fast").ok());
}

}  // namespace
}  // namespace cogwatch
