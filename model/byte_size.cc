#include "model/byte_size.h"

#include <array>
#include <string>
#include <utility>

namespace cogwatch {

Result<uint64_t> parse_byte_size(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid size \"" + std::string(text) + "\": " + std::string(why));
  };
  if (text == "0") return uint64_t{0};
  size_t i = 0;
  uint64_t amount = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (amount > (UINT64_MAX - digit) / 10) return bad("too large");
    amount = amount * 10 + digit;
    ++i;
  }
  if (i == 0) return bad("expected a number, e.g. 512MB");
  static constexpr std::array<std::pair<std::string_view, unsigned>, 7> kUnits = {
      {{"B", 0}, {"KB", 10}, {"MB", 20}, {"GB", 30}, {"TB", 40}, {"PB", 50}, {"EB", 60}}};
  const std::string_view unit = text.substr(i);
  for (const auto& [name, shift] : kUnits) {
    if (unit != name) continue;
    if (shift > 0 && amount > (UINT64_MAX >> shift)) return bad("too large");
    return amount << shift;
  }
  return bad(unit.empty() ? "missing unit (B, KB, MB, GB, TB, PB, EB)" : "unknown unit \"" + std::string(unit) + "\"");
}

}  // namespace cogwatch
