#include "model/time.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "model/labels.h"

namespace cogwatch {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t ns;
};
// In the order Prometheus requires them in a duration string.
constexpr uint64_t kNsPerMs = 1'000'000;
constexpr std::array<Unit, 7> kUnits = {{{"y", kYear * kNsPerMs},
                                         {"w", kWeek * kNsPerMs},
                                         {"d", kDay * kNsPerMs},
                                         {"h", kHour * kNsPerMs},
                                         {"m", kMinute * kNsPerMs},
                                         {"s", kSecond * kNsPerMs},
                                         {"ms", kNsPerMs}}};

// What model.ParseDuration found wrong, for either wording.
enum class DurationProblem {
  kNone,
  kEmpty,
  kExpectedNumber,
  kAmountOverflow,  // more digits than uint64 holds (strconv.ParseUint's range error)
  kMissingUnit,
  kUnknownUnit,
  kMisplacedUnit,
  kOutOfRange,
};

struct DurationScan {
  uint64_t ns = 0;
  DurationProblem problem = DurationProblem::kNone;
  std::string_view unit;  // kUnknownUnit, kMisplacedUnit
};

// model.ParseDuration's loop, once for both wordings.
DurationScan scan_duration(std::string_view text) {
  DurationScan out;
  auto fail = [&out](DurationProblem p, std::string_view unit = {}) {
    out.problem = p;
    out.unit = unit;
    return out;
  };
  if (text == "0") return out;
  if (text.empty()) return fail(DurationProblem::kEmpty);
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  size_t next_unit = 0;  // units must appear in kUnits order, each once
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return fail(DurationProblem::kExpectedNumber);
    uint64_t amount = 0;
    bool overflow = false;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      overflow = overflow || __builtin_mul_overflow(amount, 10, &amount) ||
                 __builtin_add_overflow(amount, static_cast<uint64_t>(text[i] - '0'), &amount);
    }
    if (overflow) return fail(DurationProblem::kAmountOverflow);
    size_t unit_end = i;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    const std::string_view suffix = text.substr(i, unit_end - i);
    if (suffix.empty()) return fail(DurationProblem::kMissingUnit);
    size_t u = 0;
    while (u < kUnits.size() && kUnits[u].suffix != suffix) ++u;
    if (u == kUnits.size()) return fail(DurationProblem::kUnknownUnit, suffix);
    if (u < next_unit) return fail(DurationProblem::kMisplacedUnit, suffix);
    next_unit = u + 1;
    if (amount > kLimit / kUnits[u].ns) return fail(DurationProblem::kOutOfRange);
    out.ns += amount * kUnits[u].ns;
    if (out.ns > kLimit - 1) return fail(DurationProblem::kOutOfRange);
    i = unit_end;
  }
  return out;
}

}  // namespace

Result<int64_t> parse_model_duration_ns(std::string_view text) {
  const DurationScan scan = scan_duration(text);
  auto fail = [](std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); };
  switch (scan.problem) {
    case DurationProblem::kNone:
      return static_cast<int64_t>(scan.ns);
    case DurationProblem::kEmpty:
      return fail("empty duration string");
    case DurationProblem::kUnknownUnit:
      return fail("unknown unit " + go_quote(scan.unit) + " in duration " + go_quote(text));
    case DurationProblem::kOutOfRange:
      return fail("duration out of range");
    case DurationProblem::kExpectedNumber:
    case DurationProblem::kAmountOverflow:
    case DurationProblem::kMissingUnit:
    case DurationProblem::kMisplacedUnit:
      break;
  }
  return fail("not a valid duration string: " + go_quote(text));
}

Result<Duration> parse_duration(std::string_view text) {
  const DurationScan scan = scan_duration(text);
  std::string why;
  switch (scan.problem) {
    case DurationProblem::kNone:
      return static_cast<Duration>(scan.ns / kNsPerMs);
    case DurationProblem::kEmpty:
      why = "empty";
      break;
    case DurationProblem::kExpectedNumber:
      why = "expected a number";
      break;
    case DurationProblem::kMissingUnit:
      why = "missing unit";
      break;
    case DurationProblem::kUnknownUnit:
    case DurationProblem::kMisplacedUnit:
      why = "unknown or misplaced unit \"" + std::string(scan.unit) + "\"";
      break;
    case DurationProblem::kAmountOverflow:
    case DurationProblem::kOutOfRange:
      why = "too large";
      break;
  }
  return make_error(ErrorCode::kInvalidArgument, "not a valid duration string: \"" + std::string(text) + "\" (" + why + ")");
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

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const sys_days day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  std::string out = buf;
  if (int64_t ms = hms.subseconds().count(); ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms));
    std::string fraction = buf;
    while (fraction.back() == '0') fraction.pop_back();
    out += fraction;
  }
  return out + "Z";
}

std::string format_rfc3339_millis(Timestamp t) {
  std::string out = format_rfc3339(t);
  out.pop_back();  // the Z
  const size_t dot = out.find('.');
  if (dot == std::string::npos) return out + ".000Z";
  return out + std::string(3 - (out.size() - dot - 1), '0') + "Z";
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
    const uint64_t mult = unit.ns / kNsPerMs;
    // Years and weeks only when exact: "90d" reads better than "12w6d".
    const bool exact_only = mult == kYear || mult == kWeek;
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
