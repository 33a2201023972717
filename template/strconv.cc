// Go's strconv for template literals (internal/strconv.h).
#include "template/internal/strconv.h"

#include <cmath>
#include <cstdlib>

#include "model/go_strconv.h"
#include "template/internal/ast.h"
#include "template/internal/unicode.h"

namespace cogwatch::tmpl::internal {
namespace {

char lower(char c) { return static_cast<char>(c | 0x20); }
bool is_dec(char c) { return c >= '0' && c <= '9'; }

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct UnquotedChar {
  char32_t value = 0;
  bool multibyte = false;
  std::string_view tail;
};

// strconv.UnquoteChar: the first character or escape of s inside a literal
// quoted with `quote`; nullopt for ErrSyntax.
std::optional<UnquotedChar> unquote_char(std::string_view s, char quote) {
  if (s.empty()) return std::nullopt;
  const auto c = static_cast<unsigned char>(s[0]);
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) return std::nullopt;
  if (c >= 0x80) {
    const DecodedRune d = decode_rune(s);
    return UnquotedChar{d.rune, true, s.substr(d.width)};
  }
  if (c != '\\') return UnquotedChar{c, false, s.substr(1)};
  if (s.size() <= 1) return std::nullopt;
  const char e = s[1];
  s.remove_prefix(2);
  UnquotedChar out;
  switch (e) {
    case 'a':
      out.value = '\a';
      break;
    case 'b':
      out.value = '\b';
      break;
    case 'f':
      out.value = '\f';
      break;
    case 'n':
      out.value = '\n';
      break;
    case 'r':
      out.value = '\r';
      break;
    case 't':
      out.value = '\t';
      break;
    case 'v':
      out.value = '\v';
      break;
    case 'x':
    case 'u':
    case 'U': {
      const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return std::nullopt;
      char32_t v = 0;
      for (size_t j = 0; j < n; ++j) {
        const int x = unhex(s[j]);
        if (x < 0) return std::nullopt;
        v = v << 4 | static_cast<char32_t>(x);
      }
      s.remove_prefix(n);
      out.value = v;
      if (e != 'x') {  // \x is a single byte, possibly not UTF-8
        if (v > kMaxRune || (v >= 0xD800 && v <= 0xDFFF)) return std::nullopt;
        out.multibyte = true;
      }
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      char32_t v = static_cast<char32_t>(e - '0');
      if (s.size() < 2) return std::nullopt;
      for (size_t j = 0; j < 2; ++j) {
        if (s[j] < '0' || s[j] > '7') return std::nullopt;
        v = v << 3 | static_cast<char32_t>(s[j] - '0');
      }
      s.remove_prefix(2);
      if (v > 255) return std::nullopt;
      out.value = v;
      break;
    }
    case '\\':
      out.value = '\\';
      break;
    case '\'':
    case '"':
      if (e != quote) return std::nullopt;
      out.value = static_cast<char32_t>(e);
      break;
    default:
      return std::nullopt;
  }
  out.tail = s;
  return out;
}

// strconv.ParseUint(s, 0, 64).
std::optional<uint64_t> parse_uint(std::string_view s0) {
  std::string_view s = s0;
  if (s.empty()) return std::nullopt;
  unsigned base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && lower(s[1]) == 'b') {
      base = 2, s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'x') {
      base = 16, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  bool underscores = false;
  uint64_t n = 0;
  for (const char c : s) {
    unsigned d = 0;
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (is_dec(c)) {
      d = static_cast<unsigned>(c - '0');
    } else if (lower(c) >= 'a' && lower(c) <= 'z') {
      d = static_cast<unsigned>(lower(c) - 'a' + 10);
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    if (n > (UINT64_MAX - d) / base) return std::nullopt;  // out of range
    n = n * base + d;
  }
  if (underscores && !go_underscore_ok(s0)) return std::nullopt;
  return n;
}

// strconv.ParseInt(s, 0, 64).
std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const auto u = parse_uint(s);
  if (!u) return std::nullopt;
  constexpr uint64_t kCutoff = uint64_t{1} << 63;
  if ((!negative && *u >= kCutoff) || (negative && *u > kCutoff)) return std::nullopt;
  return negative ? static_cast<int64_t>(0 - *u) : static_cast<int64_t>(*u);
}

// strconv.ParseFloat without its error text, for the number syntax.
std::optional<double> parse_float(std::string_view s) {
  double f = 0;
  if (go_parse_float(s, f) != GoNumError::kNone) return std::nullopt;
  return f;
}

// Go's float64 -> uint64 conversion as amd64 does it.
uint64_t go_float_to_uint64(double f) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (f < kTwo63) return static_cast<uint64_t>(go_float_to_int64(f));
  return static_cast<uint64_t>(go_float_to_int64(f - kTwo63)) ^ (uint64_t{1} << 63);
}

void set_float(Number& n, double f) {
  n.is_float = true;
  n.float_value = f;
  if (!n.is_int && static_cast<double>(go_float_to_int64(f)) == f) {
    n.is_int = true;
    n.int_value = go_float_to_int64(f);
  }
  if (!n.is_uint && static_cast<double>(go_float_to_uint64(f)) == f) {
    n.is_uint = true;
    n.uint_value = go_float_to_uint64(f);
  }
}

// NumberNode.simplifyComplex: a complex with no imaginary part is also a
// float (and maybe an integer).
void simplify_complex(Number& n) {
  n.is_complex = true;
  if (n.imag == 0) set_float(n, n.real);
}

Error syntax_error(std::string message) { return make_error(ErrorCode::kParse, std::move(message)); }

}  // namespace

std::optional<std::string> go_unquote(std::string_view in) {
  if (in.size() < 2 || in.front() != in.back()) return std::nullopt;
  const char q = in.front();
  std::string_view body = in.substr(1, in.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    for (const char c : body) {
      if (c != '\r') out += c;  // raw strings drop carriage returns
    }
    return out;
  }
  if (q != '"' && q != '\'') return std::nullopt;
  std::string out;
  while (!body.empty()) {
    if (body[0] == '\n') return std::nullopt;
    const auto c = unquote_char(body, q);
    if (!c) return std::nullopt;
    body = c->tail;
    if (c->value < 0x80 || !c->multibyte) {
      out += static_cast<char>(c->value);
    } else {
      append_utf8(out, c->value);
    }
    if (q == '\'') break;  // one character
  }
  if (!body.empty()) return std::nullopt;
  return out;
}

Result<double> parse_go_float(std::string_view s) {
  double d = 0;
  const GoNumError e = go_parse_float(s, d);
  if (e == GoNumError::kNone) return d;
  return make_error(ErrorCode::kInvalidArgument, "strconv.ParseFloat: parsing " + quote(s) + ": " +
                                                     (e == GoNumError::kRange ? "value out of range" : "invalid syntax"));
}

Result<Number> parse_number(std::string_view text, NumberSyntax syntax) {
  Number n;
  const std::string quoted = quote(text);
  if (syntax == NumberSyntax::kCharConstant) {
    const auto c = text.empty() ? std::nullopt : unquote_char(text.substr(1), text[0]);
    if (!c) return syntax_error("invalid syntax");
    if (c->tail != "'") return syntax_error("malformed character constant: " + std::string(text));
    n.is_int = n.is_uint = n.is_float = true;
    n.int_value = c->value;
    n.uint_value = c->value;
    n.float_value = c->value;
    return n;
  }
  if (syntax == NumberSyntax::kComplex) {
    // fmt.Sscan's complex: a real part, a signed imaginary part, 'i'.
    size_t split = std::string_view::npos;
    for (size_t i = 1; i < text.size(); ++i) {
      if ((text[i] == '+' || text[i] == '-') && lower(text[i - 1]) != 'e' && lower(text[i - 1]) != 'p') split = i;
    }
    const auto re = split == std::string_view::npos ? std::nullopt : parse_float(text.substr(0, split));
    const std::string_view imag = split == std::string_view::npos ? text : text.substr(split, text.size() - split - 1);
    const auto im = re ? parse_float(imag) : std::nullopt;
    if (!re || !im) {
      return syntax_error("strconv.ParseFloat: parsing " + quote(re ? imag : text.substr(0, split)) +
                          ": invalid syntax");
    }
    n.real = *re;
    n.imag = *im;
    simplify_complex(n);
    return n;
  }
  // An imaginary constant is complex unless it is zero.
  if (!text.empty() && text.back() == 'i') {
    if (const auto f = parse_float(text.substr(0, text.size() - 1))) {
      n.imag = *f;
      simplify_complex(n);
      return n;
    }
  }
  const auto u = parse_uint(text);
  if (u) {
    n.is_uint = true;
    n.uint_value = *u;
  }
  if (const auto i = parse_int(text)) {
    n.is_int = true;
    n.int_value = *i;
    if (*i == 0) {  // -0
      n.is_uint = true;
      n.uint_value = 0;
    }
  }
  if (n.is_int) {
    n.is_float = true;
    n.float_value = static_cast<double>(n.int_value);
  } else if (n.is_uint) {
    n.is_float = true;
    n.float_value = static_cast<double>(n.uint_value);
  } else if (const auto f = parse_float(text)) {
    // Parsed as a float but written as an integer: too large for one.
    if (text.find_first_of(".eEpP") == std::string_view::npos) return syntax_error("integer overflow: " + quoted);
    set_float(n, *f);
  }
  if (!n.is_int && !n.is_uint && !n.is_float) return syntax_error("illegal number syntax: " + quoted);
  return n;
}

}  // namespace cogwatch::tmpl::internal
