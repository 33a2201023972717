#include "model/unquote.h"

namespace cogwatch {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

Error bad(std::string_view what) { return make_error(ErrorCode::kParse, std::string(what)); }

}  // namespace

Result<std::string> unquote(std::string_view lit) {
  if (lit.size() < 2 || lit.front() != lit.back()) return bad("string literal without closing quote");
  const char quote = lit.front();
  std::string_view body = lit.substr(1, lit.size() - 2);
  if (quote == '`') return std::string(body);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) return bad("invalid escape at end of string");
    const char e = body[i];
    switch (e) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        if (i + 2 >= body.size()) return bad("invalid octal escape");
        int v = 0;
        for (size_t k = i; k < i + 3; ++k) {
          if (body[k] < '0' || body[k] > '7') return bad("invalid octal escape");
          v = v * 8 + (body[k] - '0');
        }
        if (v > 255) return bad("octal escape value > 255");
        out += static_cast<char>(v);
        i += 2;
        break;
      }
      case 'x': case 'u': case 'U': {
        const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (size_t k = 1; k <= digits; ++k) {
          if (i + k >= body.size()) return bad(std::string("invalid escape \\") + e);
          const int h = hex_value(body[i + k]);
          if (h < 0) return bad(std::string("invalid escape \\") + e);
          v = v * 16 + static_cast<uint32_t>(h);
        }
        if (e == 'x') {
          out += static_cast<char>(v);
        } else {
          if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return bad("escape sequence is an invalid Unicode code point");
          append_utf8(out, v);
        }
        i += digits;
        break;
      }
      default:
        if (e == quote) {
          out += e;
          break;
        }
        return bad(std::string("unknown escape sequence \\") + e);
    }
  }
  return out;
}

}  // namespace cogwatch
