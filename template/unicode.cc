// Go's utf8 decoding, unicode classes and strconv quoting (internal/unicode.h).
#include "template/internal/unicode.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>

#include "template/internal/ast.h"

namespace cogwatch::tmpl::internal {
namespace {

struct RuneRange {
  char32_t lo;
  char32_t hi;
};

#include "template/unicode_tables.inc"

template <size_t N>
bool in_table(const RuneRange (&table)[N], char32_t r) {
  const auto* it = std::upper_bound(std::begin(table), std::end(table), r,
                                    [](char32_t v, const RuneRange& range) { return v < range.lo; });
  return it != std::begin(table) && r <= std::prev(it)->hi;
}

}  // namespace

DecodedRune decode_rune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return {b0, 1};
  // Lead bytes and the range their second byte must fall in (Go's
  // utf8 acceptRanges): this rejects overlong forms, surrogates and
  // code points beyond U+10FFFF.
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {kRuneError, 1};
  }
  if (s.size() < len) return {kRuneError, 1};
  const auto b1 = static_cast<unsigned char>(s[1]);
  if (b1 < lo || b1 > hi) return {kRuneError, 1};
  char32_t r = b0 & (0x7F >> len);
  r = r << 6 | (b1 & 0x3F);
  for (size_t i = 2; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return {kRuneError, 1};
    r = r << 6 | (b & 0x3F);
  }
  return {r, len};
}

DecodedRune decode_last_rune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  const size_t end = s.size();
  const auto last = static_cast<unsigned char>(s[end - 1]);
  if (last < 0x80) return {last, 1};
  // Back to the start of the sequence, at most UTFMax bytes, as Go does.
  const size_t lim = end >= 4 ? end - 4 : 0;
  size_t start = end - 1;
  while (start > lim && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  const DecodedRune d = decode_rune(s.substr(start));
  if (start + d.width != end) return {kRuneError, 1};
  return d;
}

bool is_letter(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  return in_table(kLetterRanges, r);
}

bool is_digit(char32_t r) {
  if (r < 0x80) return r >= '0' && r <= '9';
  return in_table(kDigitRanges, r);
}

bool is_print(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  return in_table(kPrintRanges, r);
}

std::string format_unicode_sharp(char32_t r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (r <= kMaxRune && is_print(r)) {
    out += " '";
    append_utf8(out, r);
    out += '\'';
  }
  return out;
}

std::string quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  while (!s.empty()) {
    const DecodedRune d = decode_rune(s);
    const char32_t r = d.rune;
    if (d.width == 1 && r == kRuneError) {
      const auto b = static_cast<unsigned char>(s[0]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (is_print(r)) {
      out.append(s.substr(0, d.width));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default: {
          char buf[16];
          if (r < ' ' || r == 0x7F) {
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(r));
          } else if (r < 0x10000) {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
          } else {
            std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(r));
          }
          out += buf;
        }
      }
    }
    s.remove_prefix(d.width);
  }
  out += '"';
  return out;
}

std::string quote_prefix(std::string_view s, size_t n) {
  size_t end = 0;
  for (size_t runes = 0; end < s.size() && runes < n; ++runes) end += decode_rune(s.substr(end)).width;
  return quote(s.substr(0, end));
}

}  // namespace cogwatch::tmpl::internal
