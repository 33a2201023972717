#include "model/time.h"

#include <array>

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
