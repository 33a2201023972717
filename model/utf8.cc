#include "model/utf8.h"

namespace cogwatch {

size_t utf8_rune_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t continuation = 0;
  char32_t r = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    continuation = 1, r = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    continuation = 2, r = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    continuation = 3, r = c & 0x07;
  } else {
    return 0;  // a continuation byte, 0xC0/0xC1 (always overlong) or above 0xF4
  }
  if (i + continuation >= s.size()) return 0;  // truncated
  for (size_t k = 1; k <= continuation; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    r = (r << 6) | (cc & 0x3F);
  }
  const bool overlong_or_surrogate = continuation == 2 && (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF));
  const bool overlong_or_too_large = continuation == 3 && (r < 0x10000 || r > 0x10FFFF);
  return overlong_or_surrogate || overlong_or_too_large ? 0 : continuation + 1;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_rune_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace cogwatch
