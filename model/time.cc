#include "model/time.h"

#include <array>
#include <charconv>
#include <cmath>
#include <ctime>

namespace cogwatch {
namespace {

struct Unit {
  std::string_view suffix;
  Duration ms;
};
// In the order Prometheus requires them in a duration string.
constexpr std::array<Unit, 7> kUnits = {{{"y", kYear},
                                         {"w", kWeek},
                                         {"d", kDay},
                                         {"h", kHour},
                                         {"m", kMinute},
                                         {"s", kSecond},
                                         {"ms", kMillisecond}}};

Error bad_duration(std::string_view text, std::string_view why) {
  return make_error(ErrorCode::kInvalidArgument,
                    "not a valid duration string: \"" + std::string(text) + "\"" +
                        (why.empty() ? "" : " (" + std::string(why) + ")"));
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return bad_duration(text, "empty");
  Duration total = 0;
  size_t next_unit = 0;  // units must appear in kUnits order, each once
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad_duration(text, "expected a number");
    uint64_t amount = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const auto digit = static_cast<uint64_t>(text[i] - '0');
      if (amount > (static_cast<uint64_t>(kMaxTimestamp) - digit) / 10) return bad_duration(text, "too large");
      amount = amount * 10 + digit;
      ++i;
    }
    size_t unit_end = i;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    std::string_view suffix = text.substr(i, unit_end - i);
    size_t u = next_unit;
    while (u < kUnits.size() && kUnits[u].suffix != suffix) ++u;
    if (u == kUnits.size()) {
      return bad_duration(text, suffix.empty() ? "missing unit" : "unknown or misplaced unit \"" + std::string(suffix) + "\"");
    }
    const auto unit_ms = static_cast<uint64_t>(kUnits[u].ms);
    const uint64_t room = static_cast<uint64_t>(kMaxTimestamp - total);
    if (amount > room / unit_ms) return bad_duration(text, "too large");
    total += static_cast<Duration>(amount * unit_ms);
    next_unit = u + 1;
    i = unit_end;
  }
  return total;
}

namespace {

bool parse_seconds(std::string_view text, double& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size() && std::isfinite(out);
}

// Reads exactly n digits at text[pos].
bool digits(std::string_view text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Result<Timestamp> parse_api_time(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot parse \"" + std::string(text) + "\" to a valid timestamp (unix seconds or RFC 3339)");
  };
  double secs;
  if (parse_seconds(text, secs)) {
    if (std::fabs(secs) > 9.2e15) return bad();
    return static_cast<Timestamp>(std::llround(secs * 1000));
  }
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, mon) ||
      text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, min) || text[16] != ':' ||
      !digits(text, 17, 2, sec)) {
    return bad();
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int scale = 100;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om)) {
      return bad();
    }
    offset_s = (text[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size() || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return bad();
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const int64_t epoch = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return epoch * 1000 + millis;
}

Result<Duration> parse_api_duration(std::string_view text) {
  double secs;
  if (parse_seconds(text, secs)) {
    if (std::fabs(secs) > 9.2e15) {
      return make_error(ErrorCode::kInvalidArgument, "duration out of range: \"" + std::string(text) + "\"");
    }
    return static_cast<Duration>(std::llround(secs * 1000));
  }
  return parse_duration(text);
}

std::string format_duration(Duration d) {
  if (d == 0) return "0s";
  std::string out;
  // The magnitude as unsigned, which also holds -kMinTimestamp.
  uint64_t ms = static_cast<uint64_t>(d);
  if (d < 0) {
    out = "-";
    ms = ~ms + 1;
  }
  for (const Unit& unit : kUnits) {
    const auto mult = static_cast<uint64_t>(unit.ms);
    // Years and weeks only when exact: "90d" reads better than "12w6d".
    const bool exact_only = unit.ms == kYear || unit.ms == kWeek;
    if (exact_only && ms % mult != 0) continue;
    if (const uint64_t v = ms / mult; v > 0) {
      out += std::to_string(v);
      out += unit.suffix;
      ms -= v * mult;
    }
  }
  return out;
}

}  // namespace cogwatch
