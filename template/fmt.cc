// Go's fmt for template values: how values print ({{ $value }}, %v) and
// printf with Go's verbs, flags and error notations (%!d(string=x)).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/labels.h"
#include "model/value.h"
#include "template/internal/ast.h"
#include "template/internal/unicode.h"

namespace cogwatch::tmpl::internal {

std::string Value::type_name() const {
  struct Visitor {
    std::string operator()(std::monostate) const { return "<nil>"; }
    std::string operator()(bool) const { return "bool"; }
    std::string operator()(int64_t) const { return "int"; }
    std::string operator()(double) const { return "float64"; }
    std::string operator()(const std::string&) const { return "string"; }
    std::string operator()(const Html&) const { return "template.HTML"; }
    std::string operator()(const std::shared_ptr<const Object>& o) const { return o->type_name; }
    std::string operator()(const std::shared_ptr<const List>&) const { return "template.queryResult"; }
    std::string operator()(const GoTime&) const { return "time.Time"; }
    std::string operator()(const GoDuration&) const { return "time.Duration"; }
    std::string operator()(const TimePtr&) const { return "*time.Time"; }
    std::string operator()(const DurationPtr&) const { return "*time.Duration"; }
    std::string operator()(const GoComplex&) const { return "complex128"; }
  };
  return std::visit(Visitor{}, v);
}

bool Value::truthy() const {
  struct Visitor {
    bool operator()(std::monostate) const { return false; }
    bool operator()(bool b) const { return b; }
    bool operator()(int64_t i) const { return i != 0; }
    bool operator()(double d) const { return d != 0; }
    bool operator()(const std::string& s) const { return !s.empty(); }
    bool operator()(const Html& h) const { return !h.text.empty(); }
    bool operator()(const std::shared_ptr<const Object>& o) const {
      return o->kind == Object::Kind::kStruct || o->kind == Object::Kind::kSample || !o->fields.empty();
    }
    bool operator()(const std::shared_ptr<const List>& l) const { return !l->items.empty(); }
    bool operator()(const GoTime&) const { return true; }  // a struct
    bool operator()(const GoDuration& d) const { return d.ns != 0; }
    bool operator()(const TimePtr&) const { return true; }  // a non-nil pointer
    bool operator()(const DurationPtr&) const { return true; }
    bool operator()(const GoComplex& c) const { return c.real != 0 || c.imag != 0; }
  };
  return std::visit(Visitor{}, v);
}

std::string format_complex(const GoComplex& c);

namespace {

std::string format_object(const Object& o) {
  if (o.stringer) return *o.stringer;
  std::string s = o.kind == Object::Kind::kSample ? "{" : o.kind == Object::Kind::kStruct ? "{" : "map[";
  bool first = true;
  for (const auto& [k, v] : o.fields) {
    if (!first) s += ' ';
    first = false;
    if (o.kind == Object::Kind::kStringMap || o.kind == Object::Kind::kInterfaceMap) s += k + ":";
    s += v.is_nil() ? "<nil>" : format_value(v);  // "<no value>" is the executor's, not fmt's
  }
  return s + (o.kind == Object::Kind::kStringMap || o.kind == Object::Kind::kInterfaceMap ? "]" : "}");
}

}  // namespace

std::string format_value(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "<no value>"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_float(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const Html& h) const { return h.text; }
    std::string operator()(const std::shared_ptr<const Object>& o) const { return format_object(*o); }
    std::string operator()(const std::shared_ptr<const List>& l) const {
      std::string s = "[";
      for (size_t i = 0; i < l->items.size(); ++i) s += (i ? " &" : "&") + format_value(l->items[i]);
      return s + "]";
    }
    // Their String methods (a pointer's method set includes them).
    std::string operator()(const GoTime& t) const { return go_time_string(t); }
    std::string operator()(const GoDuration& d) const { return go_duration_string(d.ns); }
    std::string operator()(const TimePtr& t) const { return go_time_string(*t); }
    std::string operator()(const DurationPtr& d) const { return go_duration_string(d->ns); }
    std::string operator()(const GoComplex& c) const { return format_complex(c); }
  };
  return std::visit(Visitor{}, value.v);
}

void append_utf8(std::string& out, uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += {static_cast<char>(0xC0 | r >> 6), static_cast<char>(0x80 | (r & 0x3F))};
  } else if (r < 0x10000) {
    out += {static_cast<char>(0xE0 | r >> 12), static_cast<char>(0x80 | ((r >> 6) & 0x3F)),
            static_cast<char>(0x80 | (r & 0x3F))};
  } else {
    out += {static_cast<char>(0xF0 | r >> 18), static_cast<char>(0x80 | ((r >> 12) & 0x3F)),
            static_cast<char>(0x80 | ((r >> 6) & 0x3F)), static_cast<char>(0x80 | (r & 0x3F))};
  }
}

namespace {

struct Spec {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  int width = -1, precision = -1;
  char verb = 'v';
};

size_t rune_count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad(std::string s, const Spec& spec, bool zero_ok = false) {
  const size_t len = rune_count(s);
  if (spec.width < 0 || len >= static_cast<size_t>(spec.width)) return s;
  const size_t n = static_cast<size_t>(spec.width) - len;
  if (spec.minus) return s + std::string(n, ' ');
  if (spec.zero && zero_ok) {
    const size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ') ? 1 : 0;
    return s.substr(0, sign) + std::string(n, '0') + s.substr(sign);
  }
  return std::string(n, ' ') + s;
}

std::string bad_verb(const Spec& spec, const Value& v) {
  std::string s = "%!";
  s += spec.verb;
  s += "(";
  if (v.is_nil()) return s + "<nil>)";
  return s + v.type_name() + "=" + format_value(v) + ")";
}

std::string format_float_verb(double d, const Spec& spec) {
  if (std::isnan(d) || std::isinf(d)) {
    std::string s = std::isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
    if (std::isinf(d) && d > 0 && !spec.plus && spec.space) s = " Inf";
    if (std::isnan(d) && spec.plus) s = "+NaN";
    Spec no_zero = spec;
    no_zero.zero = false;
    return pad(s, no_zero);
  }
  std::string s;
  const char verb = spec.verb == 'v' ? 'g' : spec.verb;
  if ((verb == 'g' || verb == 'G') && spec.precision < 0) {
    s = format_float(d);  // shortest, as strconv's 'g' with precision -1
    if (verb == 'G') std::transform(s.begin(), s.end(), s.begin(), [](char c) { return c == 'e' ? 'E' : c; });
    if (spec.plus && !std::signbit(d))
      s = "+" + s;
    else if (spec.space && !std::signbit(d))
      s = " " + s;
  } else {
    std::string f = "%";
    if (spec.plus) f += '+';
    if (spec.space) f += ' ';
    if (spec.sharp) f += '#';
    f += '.' + std::to_string(spec.precision < 0 ? 6 : spec.precision);
    f += verb == 'F' ? 'f' : verb;
    s.resize(static_cast<size_t>(std::snprintf(nullptr, 0, f.c_str(), d)) + 1);
    s.resize(static_cast<size_t>(std::snprintf(s.data(), s.size(), f.c_str(), d)));
  }
  return pad(s, spec, true);
}

// fmt's complex: "(real+imagi)", each part formatted with the verb, the
// imaginary part always signed.
std::string format_complex_verb(const GoComplex& c, const Spec& spec) {
  Spec imag = spec;
  imag.plus = true;
  return "(" + format_float_verb(c.real, spec) + format_float_verb(c.imag, imag) + "i)";
}

std::string format_int_verb(int64_t i, const Spec& spec) {
  const bool negative = i < 0;
  const uint64_t u = negative ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
  std::string digits;
  switch (spec.verb) {
    case 'c': {
      std::string s;
      append_utf8(s, static_cast<uint32_t>(i));
      return pad(s, spec);
    }
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const int base = spec.verb == 'o' ? 8 : spec.verb == 'b' ? 2 : 16;
      const char* alphabet = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      uint64_t n = u;
      do {
        digits.insert(digits.begin(), alphabet[n % base]);
        n /= base;
      } while (n != 0);
      if (spec.sharp) digits = (base == 16 ? (spec.verb == 'X' ? "0X" : "0x") : base == 8 ? "0" : "") + digits;
      break;
    }
    default: digits = std::to_string(u);
  }
  if (spec.precision >= 0 && digits.size() < static_cast<size_t>(spec.precision)) {
    digits.insert(0, static_cast<size_t>(spec.precision) - digits.size(), '0');
  }
  std::string s = (negative ? "-" : spec.plus ? "+" : spec.space ? " " : "") + digits;
  return pad(s, spec, spec.precision < 0);
}

std::string format_string_verb(std::string_view text, const Spec& spec) {
  std::string s(text);
  if (spec.precision >= 0) {  // at most precision runes
    size_t runes = 0, i = 0;
    for (; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && runes++ == static_cast<size_t>(spec.precision)) break;
    }
    s.resize(i);
  }
  if (spec.verb == 'q') s = quote(s);
  if (spec.verb == 'x' || spec.verb == 'X') {
    const char* alphabet = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string hex;
    for (unsigned char c : s) {
      hex += alphabet[c >> 4];
      hex += alphabet[c & 15];
    }
    s = hex;
  }
  return pad(s, spec);
}

std::string format_arg(const Value& v, const Spec& spec) {
  const char verb = spec.verb;
  if (const auto* c = std::get_if<GoComplex>(&v.v)) {
    if (std::string_view("vgGeEfF").find(verb) != std::string_view::npos) return format_complex_verb(*c, spec);
    return bad_verb(spec, v);
  }
  if (const auto* d = std::get_if<double>(&v.v)) {
    if (std::string_view("vgGeEfF").find(verb) != std::string_view::npos) return format_float_verb(*d, spec);
    return bad_verb(spec, v);
  }
  if (const auto* i = std::get_if<int64_t>(&v.v)) {
    if (std::string_view("vdxXobc").find(verb) != std::string_view::npos) return format_int_verb(*i, spec);
    if (verb == 'q') {  // a quoted rune: 'x'
      Spec as_char = spec;
      as_char.verb = 'c';
      as_char.width = -1;
      std::string quoted = quote(format_int_verb(*i, as_char));
      if (quoted == "\"'\"") quoted = "\"\\'\"";
      quoted.front() = '\'';
      quoted.back() = '\'';
      return pad(quoted, spec);
    }
    return bad_verb(spec, v);
  }
  if (const auto* s = std::get_if<std::string>(&v.v)) {
    if (std::string_view("vsqxX").find(verb) != std::string_view::npos) return format_string_verb(*s, spec);
    return bad_verb(spec, v);
  }
  if (const auto* h = std::get_if<Html>(&v.v)) {
    if (std::string_view("vsqxX").find(verb) != std::string_view::npos) return format_string_verb(h->text, spec);
    return bad_verb(spec, v);
  }
  if (const auto* b = std::get_if<bool>(&v.v)) {
    if (verb == 'v' || verb == 't') return pad(*b ? "true" : "false", spec);
    return bad_verb(spec, v);
  }
  if (v.is_nil()) return verb == 'v' ? pad("<nil>", spec) : bad_verb(spec, v);
  if (const auto* d = std::get_if<GoDuration>(&v.v)) {
    // fmt calls String() for the string verbs and prints the int64 for
    // the integer ones.
    if (std::string_view("vsqxX").find(verb) != std::string_view::npos) {
      return format_string_verb(go_duration_string(d->ns), spec);
    }
    if (std::string_view("dobc").find(verb) != std::string_view::npos) return format_int_verb(d->ns, spec);
    return bad_verb(spec, v);
  }
  if (std::holds_alternative<GoTime>(v.v) || std::holds_alternative<TimePtr>(v.v) ||
      std::holds_alternative<DurationPtr>(v.v)) {
    // Stringers: the string verbs print String(). (Go prints a pointer's
    // address for %d, which has no equivalent here.)
    if (std::string_view("vsqxX").find(verb) != std::string_view::npos) {
      return format_string_verb(format_value(v), spec);
    }
    return bad_verb(spec, v);
  }
  return pad(format_value(v), spec);  // maps, structs, lists: %v and %s alike
}

}  // namespace

std::string format_complex(const GoComplex& c) { return format_complex_verb(c, Spec{}); }

std::string go_sprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t next_arg = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    Spec spec;
    ++i;
    for (; i < format.size(); ++i) {
      const char c = format[i];
      if (c == '+') spec.plus = true;
      else if (c == '-') spec.minus = true;
      else if (c == '#') spec.sharp = true;
      else if (c == ' ') spec.space = true;
      else if (c == '0') spec.zero = !spec.minus;
      else break;
    }
    // A width or precision: digits, or * taking an int argument (one that
    // is missing, not an int or too large gives Go's %!(BADWIDTH/BADPREC)).
    auto number = [&](int& into, const char* bad) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        const int64_t* n = next_arg < args.size() ? std::get_if<int64_t>(&args[next_arg].v) : nullptr;
        ++next_arg;
        if (n == nullptr || *n > 1'000'000 || *n < -1'000'000) {
          out += bad;
          return;
        }
        into = static_cast<int>(*n);
        return;
      }
      if (i >= format.size() || !std::isdigit(static_cast<unsigned char>(format[i]))) return;
      into = 0;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        if (into > 1'000'000) {  // Go's tooLarge: the rest of the format is consumed
          into = -1;
          i = format.size();
          return;
        }
        into = into * 10 + (format[i++] - '0');
      }
    };
    number(spec.width, "%!(BADWIDTH)");
    if (spec.width < 0 && spec.width != -1) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      number(spec.precision, "%!(BADPREC)");
      if (spec.precision < 0) spec.precision = -1;  // a negative * precision means none
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (spec.verb == 'T' && next_arg < args.size()) {
      out += pad(args[next_arg++].type_name(), spec);
      continue;
    }
    if (next_arg >= args.size()) {
      out += std::string("%!") + spec.verb + "(MISSING)";
      continue;
    }
    out += format_arg(args[next_arg++], spec);
  }
  if (next_arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t a = next_arg; a < args.size(); ++a) {
      if (a > next_arg) out += ", ";
      out += args[a].type_name() + "=" + format_value(args[a]);
    }
    out += ")";
  }
  return out;
}

}  // namespace cogwatch::tmpl::internal
