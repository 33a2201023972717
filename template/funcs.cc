// The functions templates call: Go's builtins and Prometheus's, with the
// argument checks and error texts Go's reflection gives.
#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cwctype>
#include <locale.h>
#include <unordered_map>

#include "model/regex_template.h"
#include "model/time.h"
#include "model/url.h"
#include "model/value.h"
#include "template/internal/ast.h"

namespace cogwatch::tmpl::internal {

namespace {

// ---- argument checking, as Go's reflection reports it ----

Error wrong_type(std::string_view want, const Value& got) {
  return make_error(ErrorCode::kInvalidArgument,
                    "wrong type for value; expected " + std::string(want) + "; got " + got.type_name());
}

Result<std::string> as_string(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v.v)) return *s;
  return wrong_type("string", v);
}

// Prometheus's convertToFloat (common/templates).
Result<double> to_float(const Value& v) {
  if (const auto* d = std::get_if<double>(&v.v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v.v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v.v)) {
    const std::string& text = *s;
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string_view body = std::string_view(lower).substr(!lower.empty() && (lower[0] == '+' || lower[0] == '-'));
    if (body == "inf" || body == "infinity") return lower[0] == '-' ? -INFINITY : INFINITY;
    if (body == "nan") return NAN;
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    const bool hex_or_word = body.starts_with("0x") || body.find_first_not_of("0123456789.e+-_") != std::string::npos;
    if (text.empty() || end != text.c_str() + text.size() || (hex_or_word && !body.starts_with("0x"))) {
      return make_error(ErrorCode::kInvalidArgument, "strconv.ParseFloat: parsing " + go_quote(text) + ": invalid syntax");
    }
    if (errno == ERANGE && std::isinf(d)) {
      return make_error(ErrorCode::kInvalidArgument, "strconv.ParseFloat: parsing " + go_quote(text) + ": value out of range");
    }
    return d;
  }
  return make_error(ErrorCode::kInvalidArgument, "can't convert " + v.type_name() + " to float");
}

Result<const Object*> as_sample(const Value& v) {
  if (const auto* o = std::get_if<std::shared_ptr<const Object>>(&v.v); o && (*o)->kind == Object::Kind::kSample) {
    return o->get();
  }
  return wrong_type("*template.sample", v);
}

Result<std::shared_ptr<const List>> as_list(const Value& v) {
  if (const auto* l = std::get_if<std::shared_ptr<const List>>(&v.v)) return *l;
  return wrong_type("template.queryResult", v);
}

// fmt.Sprintf("%.4g", v) and a suffix: the humanizers' format.
std::string sprintf_g4(double v, std::string_view suffix = "") {
  return go_sprintf("%.4g", {Value{v}}) + std::string(suffix);
}

// ---- Prometheus's humanizers ----

std::string humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return sprintf_g4(v);
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return sprintf_g4(v, prefix);
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return sprintf_g4(v, prefix);
}

std::string humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return sprintf_g4(v);
  std::string prefix;
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return sprintf_g4(v, prefix);
}

std::string humanize_duration(double v) {
  if (std::isnan(v) || std::isinf(v)) return sprintf_g4(v);
  if (v == 0) return sprintf_g4(v, "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    const auto whole = static_cast<int64_t>(v);
    const int64_t seconds = whole % 60, minutes = whole / 60 % 60, hours = whole / 3600 % 24, days = whole / 86400;
    auto s = [](int64_t n) { return std::to_string(n); };
    if (days != 0) return sign + s(days) + "d " + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    if (hours != 0) return sign + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    if (minutes != 0) return sign + s(minutes) + "m " + s(seconds) + "s";
    return sign + sprintf_g4(v, "s");
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return sprintf_g4(v, prefix + "s");
}

// Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
Result<std::string> humanize_timestamp(double v) {
  if (std::isnan(v) || std::isinf(v)) return sprintf_g4(v);
  const double ns = v * 1e9;
  if (ns >= 9.2233720368547758e18 || ns < -9.2233720368547758e18) {
    return make_error(ErrorCode::kInvalidArgument,
                      format_float(v) + " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  const auto nanos = static_cast<int64_t>(ns);
  int64_t secs = nanos / 1'000'000'000;
  int64_t frac = nanos % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + " +0000 UTC";
}

// Go's regexp error wording for RE2's errors.
Error regexp_error(const re2::RE2& re) {
  std::string what;
  switch (re.error_code()) {
    case re2::RE2::ErrorMissingParen: what = "missing closing )"; break;
    case re2::RE2::ErrorMissingBracket: what = "missing closing ]"; break;
    case re2::RE2::ErrorUnexpectedParen: what = "unexpected )"; break;
    case re2::RE2::ErrorBadEscape: what = "invalid escape sequence"; break;
    case re2::RE2::ErrorRepeatArgument: what = "missing argument to repetition operator"; break;
    case re2::RE2::ErrorBadCharRange: what = "invalid character class range"; break;
    case re2::RE2::ErrorRepeatSize: what = "invalid repeat count"; break;
    case re2::RE2::ErrorRepeatOp: what = "invalid nested repetition operator"; break;
    case re2::RE2::ErrorBadPerlOp: what = "invalid or unsupported Perl syntax"; break;
    case re2::RE2::ErrorBadNamedCapture: what = "invalid named capture"; break;
    case re2::RE2::ErrorTrailingBackslash: what = "trailing backslash at end of expression"; break;
    default: what = re.error(); break;
  }
  return make_error(ErrorCode::kInvalidArgument, "error parsing regexp: " + what + ": `" + re.error_arg() + "`");
}

re2::RE2::Options go_regexp_options() {
  re2::RE2::Options o;
  o.set_log_errors(false);
  return o;
}

// net.SplitHostPort, reduced to what stripPort/stripDomain need.
bool split_host_port(std::string_view hp, std::string& host, std::string& port) {
  const size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = hp.substr(0, colon);
  if (h.starts_with('[')) {
    if (!h.ends_with(']')) return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return false;  // too many colons
  }
  host = std::string(h);
  port = std::string(hp.substr(colon + 1));
  return true;
}

// Go's net.ParseIP() != nil: dotted IPv4 (each part <= 255, no leading
// zeros) or IPv6 without a zone — what inet_pton accepts.
bool is_ip(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string sprint(const std::vector<Value>& args, bool ln) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool is_string = std::holds_alternative<std::string>(args[i].v);
    const bool prev_string = i > 0 && std::holds_alternative<std::string>(args[i - 1].v);
    if (i > 0 && (ln || (!is_string && !prev_string))) out += ' ';
    out += args[i].is_nil() ? "<nil>" : format_value(args[i]);
  }
  if (ln) out += '\n';
  return out;
}

// Go's basicKind for comparisons.
enum class Kind : uint8_t { kBool, kInt, kFloat, kString, kInvalid };
Kind kind_of(const Value& v) {
  if (std::holds_alternative<bool>(v.v)) return Kind::kBool;
  if (std::holds_alternative<int64_t>(v.v)) return Kind::kInt;
  if (std::holds_alternative<double>(v.v)) return Kind::kFloat;
  if (std::holds_alternative<std::string>(v.v) || std::holds_alternative<Html>(v.v)) return Kind::kString;
  return Kind::kInvalid;
}
std::string_view string_of(const Value& v) {
  if (const auto* h = std::get_if<Html>(&v.v)) return h->text;
  return std::get<std::string>(v.v);
}

// -1, 0, 1; errors as Go's lt/eq.
Result<int> compare(const Value& a, const Value& b, bool ordered) {
  const Kind ka = kind_of(a), kb = kind_of(b);
  if (ka == Kind::kInvalid || kb == Kind::kInvalid || (ordered && ka == Kind::kBool)) {
    return make_error(ErrorCode::kInvalidArgument, "invalid type for comparison");
  }
  if (ka != kb) return make_error(ErrorCode::kInvalidArgument, "incompatible types for comparison");
  switch (ka) {
    case Kind::kBool: return std::get<bool>(a.v) == std::get<bool>(b.v) ? 0 : 1;
    case Kind::kInt: {
      const int64_t x = std::get<int64_t>(a.v), y = std::get<int64_t>(b.v);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case Kind::kFloat: {
      const double x = std::get<double>(a.v), y = std::get<double>(b.v);
      return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;  // NaN: unordered
    }
    case Kind::kString: {
      const int c = string_of(a).compare(string_of(b));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Kind::kInvalid: break;
  }
  return 0;
}

template <typename Test>
Function comparison(Test test) {
  return [test](const std::vector<Value>& args, const CallContext&) -> Result<Value> {
    auto c = compare(args[0], args[1], true);
    if (!c) return c.take_error();
    return Value{test(*c)};
  };
}

// eq(arg1, arg2...): true when arg1 equals any of the others.
Result<Value> eq(const std::vector<Value>& args, const CallContext&) {
  if (args.size() == 1) return make_error(ErrorCode::kInvalidArgument, "missing argument for comparison");
  for (size_t i = 1; i < args.size(); ++i) {
    auto c = compare(args[0], args[i], false);
    if (!c) return c.take_error();
    if (*c == 0) return Value{true};
  }
  return Value{false};
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return out;
}

std::string js_escape(std::string_view s) {
  std::string out;
  char buf[8];
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '<': out += "\\u003C"; break;
      case '>': out += "\\u003E"; break;
      case '&': out += "\\u0026"; break;
      case '=': out += "\\u003D"; break;
      default:
        if (c < ' ') {
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

// strings.ToUpper / ToLower: Unicode simple case mapping, by the C.UTF-8
// locale's tables (built into glibc); invalid UTF-8 bytes pass through.
std::string map_case(std::string_view s, bool upper) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 || utf8 == static_cast<locale_t>(nullptr)) {
      out += static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
      ++i;
      continue;
    }
    const int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len == 1 || i + static_cast<size_t>(len) > s.size()) {
      out += s[i++];
      continue;
    }
    wint_t r = c & (0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) r = r << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    append_utf8(out, static_cast<uint32_t>(upper ? towupper_l(r, utf8) : towlower_l(r, utf8)));
    i += static_cast<size_t>(len);
  }
  return out;
}

// cases.Title(language.AmericanEnglish, cases.NoLower): the first letter of
// each word upper-cased, the rest left alone; apostrophes stay inside words.
std::string title(std::string_view s) {
  std::string out(s);
  bool word = false;
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    const bool inner = std::isalnum(c) || c == '_' || c >= 0x80 || (c == '\'' && word);
    if (!word && std::isalpha(c)) out[i] = static_cast<char>(std::toupper(c));
    word = inner;
  }
  return out;
}

Value make_args_map(const std::vector<Value>& args) {
  auto o = std::make_shared<Object>();
  o->kind = Object::Kind::kInterfaceMap;
  o->type_name = "map[string]interface {}";
  for (size_t i = 0; i < args.size(); ++i) o->fields["arg" + std::to_string(i)] = args[i];
  return Value{std::shared_ptr<const Object>(std::move(o))};
}

// A function of one string argument returning a string.
Function string_fn(std::string (*f)(std::string_view)) {
  return [f](const std::vector<Value>& args, const CallContext&) -> Result<Value> {
    auto s = as_string(args[0]);
    if (!s) return s.take_error();
    return Value{f(*s)};
  };
}

// A function of one number (Prometheus's convertToFloat) returning a string.
Function humanizer(std::string (*f)(double)) {
  return [f](const std::vector<Value>& args, const CallContext&) -> Result<Value> {
    auto v = to_float(args[0]);
    if (!v) return v.take_error();
    return Value{f(*v)};
  };
}

Result<Value> not_func(const std::vector<Value>& a, const CallContext&) { return Value{!a[0].truthy()}; }

Result<Value> len_func(const std::vector<Value>& a, const CallContext&) {
  if (const auto* s = std::get_if<std::string>(&a[0].v)) return Value{static_cast<int64_t>(s->size())};
  if (const auto* l = std::get_if<std::shared_ptr<const List>>(&a[0].v)) {
    return Value{static_cast<int64_t>((*l)->items.size())};
  }
  if (const auto* o = std::get_if<std::shared_ptr<const Object>>(&a[0].v);
      o && (*o)->kind != Object::Kind::kStruct && (*o)->kind != Object::Kind::kSample) {
    return Value{static_cast<int64_t>((*o)->fields.size())};
  }
  return make_error(ErrorCode::kInvalidArgument, "len of type " + a[0].type_name());
}

Result<Value> index_func(const std::vector<Value>& a, const CallContext&) {
  Value v = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    if (const auto* o = std::get_if<std::shared_ptr<const Object>>(&v.v);
        o && ((*o)->kind == Object::Kind::kStringMap || (*o)->kind == Object::Kind::kInterfaceMap)) {
      const auto* key = std::get_if<std::string>(&a[i].v);
      if (key == nullptr) {
        return make_error(ErrorCode::kInvalidArgument, "value has type " + a[i].type_name() + "; should be string");
      }
      auto it = (*o)->fields.find(*key);
      v = it != (*o)->fields.end()                 ? it->second
          : (*o)->kind == Object::Kind::kStringMap ? Value{std::string()}
                                                   : Value{};
    } else if (const auto* l = std::get_if<std::shared_ptr<const List>>(&v.v)) {
      const auto* n = std::get_if<int64_t>(&a[i].v);
      if (n == nullptr)
        return make_error(ErrorCode::kInvalidArgument, "cannot index slice/array with type " + a[i].type_name());
      if (*n < 0 || static_cast<size_t>(*n) >= (*l)->items.size()) {
        return make_error(ErrorCode::kInvalidArgument, "index out of range: " + std::to_string(*n));
      }
      v = (*l)->items[static_cast<size_t>(*n)];
    } else {
      return make_error(ErrorCode::kInvalidArgument, "can't index item of type " + v.type_name());
    }
  }
  return v;
}

Result<Value> print_func(const std::vector<Value>& a, const CallContext&) { return Value{sprint(a, false)}; }

Result<Value> println_func(const std::vector<Value>& a, const CallContext&) { return Value{sprint(a, true)}; }

Result<Value> printf_func(const std::vector<Value>& a, const CallContext&) {
  auto format = as_string(a[0]);
  if (!format) return format.take_error();
  return Value{go_sprintf(*format, std::vector<Value>(a.begin() + 1, a.end()))};
}

Result<Value> ne_func(const std::vector<Value>& a, const CallContext& c) {
  auto r = eq(a, c);
  if (!r) return r.take_error();
  return Value{!std::get<bool>(r->v)};
}

Result<Value> html_func(const std::vector<Value>& a, const CallContext&) {
  return Value{html_escape(sprint(a, false))};
}

Result<Value> js_func(const std::vector<Value>& a, const CallContext&) { return Value{js_escape(sprint(a, false))}; }

Result<Value> urlquery_func(const std::vector<Value>& a, const CallContext&) {
  return Value{query_escape(sprint(a, false))};
}

Result<Value> query_func(const std::vector<Value>& a, const CallContext& c) {
  auto q = as_string(a[0]);
  if (!q) return q.take_error();
  if (!c.query) return make_error(ErrorCode::kInvalidArgument, "no query function in this context");
  return c.query(*q);
}

Result<Value> first_func(const std::vector<Value>& a, const CallContext&) {
  auto l = as_list(a[0]);
  if (!l) return l.take_error();
  if ((*l)->items.empty()) return make_error(ErrorCode::kInvalidArgument, "first() called on vector with no elements");
  return (*l)->items.front();
}

Result<Value> label_func(const std::vector<Value>& a, const CallContext&) {
  auto name = as_string(a[0]);
  if (!name) return name.take_error();
  auto sample = as_sample(a[1]);
  if (!sample) return sample.take_error();
  const Object& labels = *std::get<std::shared_ptr<const Object>>((*sample)->fields.at("Labels").v);
  auto it = labels.fields.find(*name);
  return it != labels.fields.end() ? it->second : Value{std::string()};
}

Result<Value> value_func(const std::vector<Value>& a, const CallContext&) {
  auto sample = as_sample(a[0]);
  if (!sample) return sample.take_error();
  return (*sample)->fields.at("Value");
}

Result<Value> strvalue_func(const std::vector<Value>& a, const CallContext&) {
  auto sample = as_sample(a[0]);
  if (!sample) return sample.take_error();
  const Object& labels = *std::get<std::shared_ptr<const Object>>((*sample)->fields.at("Labels").v);
  auto it = labels.fields.find("__value__");
  return it != labels.fields.end() ? it->second : Value{std::string()};
}

Result<Value> args_func(const std::vector<Value>& a, const CallContext&) { return make_args_map(a); }

Result<Value> sort_by_label_func(const std::vector<Value>& a, const CallContext&) {
  auto name = as_string(a[0]);
  if (!name) return name.take_error();
  auto l = as_list(a[1]);
  if (!l) return l.take_error();
  auto sorted = std::make_shared<List>(**l);
  auto label = [&](const Value& v) {
    const Object& sample = *std::get<std::shared_ptr<const Object>>(v.v);
    const Object& labels = *std::get<std::shared_ptr<const Object>>(sample.fields.at("Labels").v);
    auto it = labels.fields.find(*name);
    return it != labels.fields.end() ? std::get<std::string>(it->second.v) : std::string();
  };
  std::stable_sort(sorted->items.begin(), sorted->items.end(),
                   [&](const Value& x, const Value& y) { return label(x) < label(y); });
  return Value{std::shared_ptr<const List>(std::move(sorted))};
}

Result<Value> humanize_timestamp_func(const std::vector<Value>& a, const CallContext&) {
  auto v = to_float(a[0]);
  if (!v) return v.take_error();
  auto s = humanize_timestamp(*v);
  if (!s) return s.take_error();
  return Value{*std::move(s)};
}

std::string to_upper(std::string_view s) { return map_case(s, true); }

std::string to_lower(std::string_view s) { return map_case(s, false); }

Result<Value> safe_html_func(const std::vector<Value>& a, const CallContext&) {
  auto s = as_string(a[0]);
  if (!s) return s.take_error();
  return Value{Html{*s}};
}

Result<Value> match_func(const std::vector<Value>& a, const CallContext&) {
  auto pattern = as_string(a[0]);
  if (!pattern) return pattern.take_error();
  auto text = as_string(a[1]);
  if (!text) return text.take_error();
  const re2::RE2 re(*pattern, go_regexp_options());
  if (!re.ok()) return regexp_error(re);
  return Value{re2::RE2::PartialMatch(*text, re)};
}

Result<Value> re_replace_all_func(const std::vector<Value>& a, const CallContext&) {
  std::string strs[3];
  for (int i = 0; i < 3; ++i) {
    auto s = as_string(a[i]);
    if (!s) return s.take_error();
    strs[i] = *std::move(s);
  }
  const re2::RE2 re(strs[0], go_regexp_options());
  if (!re.ok()) {
    Error e = regexp_error(re);
    // Go quotes the pattern with backquotes when it can.
    const bool backquote = std::none_of(strs[0].begin(), strs[0].end(), [](char c) {
      return c == '`' || (static_cast<unsigned char>(c) < ' ' && c != '\t') || c == '\x7f';
    });
    e.message = "regexp: Compile(" + (backquote ? "`" + strs[0] + "`" : go_quote(strs[0])) + "): " + e.message;
    return e;
  }
  // Go's ReplaceAllString: every leftmost non-overlapping match,
  // $1/${name} expanded; an empty match right after a match is skipped.
  const std::string_view text = strs[2];
  std::string out;
  std::vector<re2::StringPiece> pieces(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  std::vector<std::string_view> groups(pieces.size());
  size_t pos = 0;
  size_t last_match_end = std::string_view::npos;
  while (pos <= text.size()) {
    if (!re.Match(re2::StringPiece(text.data(), text.size()), pos, text.size(), re2::RE2::UNANCHORED, pieces.data(),
                  static_cast<int>(pieces.size()))) {
      break;
    }
    for (size_t g = 0; g < pieces.size(); ++g) {
      groups[g] = pieces[g].data() ? std::string_view(pieces[g].data(), pieces[g].size()) : std::string_view();
    }
    const size_t start = static_cast<size_t>(groups[0].data() - text.data());
    const size_t end = start + groups[0].size();
    if (groups[0].empty() && start == last_match_end) {
      if (start >= text.size()) break;
      out += text[start];
      pos = start + 1;
      continue;
    }
    out.append(text.substr(pos, start - pos));
    out += expand_regex_template(re, strs[1], groups);
    last_match_end = end;
    if (end == start) {
      if (start < text.size()) out += text[start];
      pos = start + 1;
    } else {
      pos = end;
    }
  }
  if (pos < text.size()) out.append(text.substr(pos));
  return Value{out};
}

std::string strip_port(std::string_view hp) {
  std::string host, port;
  return split_host_port(hp, host, port) ? host : std::string(hp);
}

std::string strip_domain(std::string_view hp) {
  std::string host, port;
  if (!split_host_port(hp, host, port)) host = std::string(hp), port.clear();
  if (is_ip(host)) return std::string(hp);
  host = host.substr(0, host.find('.'));
  if (port.empty()) return host;
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

Result<Value> parse_duration_func(const std::vector<Value>& a, const CallContext&) {
  auto text = as_string(a[0]);
  if (!text) return text.take_error();
  auto d = parse_duration(*text);
  if (!d) return d.take_error();
  return Value{static_cast<double>(*d) / 1000};
}

Result<Value> external_url_func(const std::vector<Value>& a, const CallContext& c) { return Value{c.external_url}; }

Result<Value> path_prefix_func(const std::vector<Value>& a, const CallContext& c) {
  const size_t scheme = c.external_url.find("://");
  const size_t slash = c.external_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return Value{slash == std::string::npos ? std::string() : c.external_url.substr(slash)};
}

std::string graph_link(std::string_view e) { return "/graph?g0.expr=" + query_escape(e) + "&g0.tab=0"; }

std::string table_link(std::string_view e) { return "/graph?g0.expr=" + query_escape(e) + "&g0.tab=1"; }

// Go's reflection checks a call's argument count against the function's
// signature: `fixed` parameters, then any number when it is variadic.
Builtin fixed(size_t n, Function f) { return Builtin{std::move(f), n, false}; }
Builtin at_least(size_t n, Function f) { return Builtin{std::move(f), n, true}; }

// Every function with its Go signature's arity (text/template's funcs.go,
// Prometheus's template.go); the executor checks the count.
const std::unordered_map<std::string_view, Builtin>& functions() {
  static const auto* table = new std::unordered_map<std::string_view, Builtin>{
      // Go's builtins. and/or are evaluated lazily by the executor.
      {"and", at_least(1, nullptr)},
      {"or", at_least(1, nullptr)},
      {"not", fixed(1, not_func)},
      {"len", fixed(1, len_func)},
      {"index", at_least(1, index_func)},
      {"print", at_least(0, print_func)},
      {"println", at_least(0, println_func)},
      {"printf", at_least(1, printf_func)},
      {"eq", at_least(1, eq)},
      {"ne", fixed(2, ne_func)},
      {"lt", fixed(2, comparison([](int c) { return c == -1; }))},
      {"le", fixed(2, comparison([](int c) { return c == -1 || c == 0; }))},
      {"gt", fixed(2, comparison([](int c) { return c == 1; }))},
      {"ge", fixed(2, comparison([](int c) { return c == 1 || c == 0; }))},
      {"html", at_least(0, html_func)},
      {"js", at_least(0, js_func)},
      {"urlquery", at_least(0, urlquery_func)},
      // Prometheus's.
      {"query", fixed(1, query_func)},
      {"first", fixed(1, first_func)},
      {"label", fixed(2, label_func)},
      {"value", fixed(1, value_func)},
      {"strvalue", fixed(1, strvalue_func)},
      {"args", at_least(0, args_func)},
      {"sortByLabel", fixed(2, sort_by_label_func)},
      {"humanize", fixed(1, humanizer(humanize))},
      {"humanize1024", fixed(1, humanizer(humanize1024))},
      {"humanizeDuration", fixed(1, humanizer(humanize_duration))},
      {"humanizePercentage", fixed(1, humanizer([](double v) { return sprintf_g4(v * 100, "%"); }))},
      {"humanizeTimestamp", fixed(1, humanize_timestamp_func)},
      {"toUpper", fixed(1, string_fn(to_upper))},
      {"toLower", fixed(1, string_fn(to_lower))},
      {"title", fixed(1, string_fn(title))},
      {"safeHtml", fixed(1, safe_html_func)},
      {"match", fixed(2, match_func)},
      {"reReplaceAll", fixed(3, re_replace_all_func)},
      {"stripPort", fixed(1, string_fn(strip_port))},
      {"stripDomain", fixed(1, string_fn(strip_domain))},
      {"parseDuration", fixed(1, parse_duration_func)},
      {"externalURL", fixed(0, external_url_func)},
      {"pathPrefix", fixed(0, path_prefix_func)},
      {"graphLink", fixed(1, string_fn(graph_link))},
      {"tableLink", fixed(1, string_fn(table_link))},
  };
  return *table;
}

}  // namespace

const Builtin* find_function(std::string_view name) {
  const auto& table = functions();
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace cogwatch::tmpl::internal
