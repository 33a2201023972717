// Prometheus's template functions (template/template.go's funcMap and
// prometheus/common's helpers/templates), with Go's library behaviour
// where their results depend on it: strconv.ParseFloat, model.ParseDuration,
// time.Time, cases.Title, regexp, net.SplitHostPort and net.ParseIP.
#include <arpa/inet.h>
#include <locale.h>
#include <re2/re2.h>
#include <wchar.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cwctype>
#include <unordered_map>

#include "model/labels.h"
#include "model/regex_template.h"
#include "model/time.h"
#include "model/url.h"
#include "model/value.h"
#include "template/internal/ast.h"
#include "template/internal/strconv.h"
#include "template/internal/unicode.h"

namespace cogwatch::tmpl::internal {

namespace {

using Args = std::vector<Value>;

Error fail(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

// The executor has converted each argument to its parameter's type
// (Builtin::params); these read them.
const std::string& str(const Value& v) { return std::get<std::string>(v.v); }

// A *template.sample parameter may be nil: Go's function then dereferences
// a nil pointer, and text/template reports the panic.
Result<const Object*> sample_of(const Value& v) {
  if (v.is_nil()) return fail("runtime error: invalid memory address or nil pointer dereference");
  return std::get<std::shared_ptr<const Object>>(v.v).get();
}

// A template.queryResult parameter; nil is the empty result.
const std::vector<Value>& items_of(const Value& v) {
  static const std::vector<Value> kNone;
  if (v.is_nil()) return kNone;
  return std::get<std::shared_ptr<const List>>(v.v)->items;
}

const Object& labels_of(const Object& sample) {
  return *std::get<std::shared_ptr<const Object>>(sample.fields.at("Labels").v);
}

// prometheus/common's ConvertToFloat: float64, string (ParseFloat), the
// integer types and time.Duration (its seconds); any other type fails.
Result<double> to_float(const Value& v) {
  if (const auto* d = std::get_if<double>(&v.v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v.v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v.v)) return parse_go_float(*s);
  if (const auto* d = std::get_if<GoDuration>(&v.v)) {
    return static_cast<double>(d->ns / 1'000'000'000) + static_cast<double>(d->ns % 1'000'000'000) / 1e9;
  }
  return fail("can't convert " + v.type_name() + " to float");
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
    const int64_t whole = go_float_to_int64(v);
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

// prometheus/common's FloatToTime for a finite v: seconds to a UTC time,
// through model.TimeFromUnixNano, which keeps whole milliseconds
// (truncated).
Result<GoTime> float_to_time(double v) {
  const double ns = v * 1e9;
  // Go compares with float64(math.MaxInt64), which is 2^63.
  if (ns > 9223372036854775808.0 || ns < -9223372036854775808.0) {
    return fail(format_float(v) + " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  const int64_t ms = go_float_to_int64(ns) / 1'000'000;
  int64_t sec = ms / 1000;
  int64_t nsec = ms % 1000 * 1'000'000;
  if (nsec < 0) {
    nsec += 1'000'000'000;
    --sec;
  }
  return GoTime{sec, static_cast<int32_t>(nsec)};
}

Result<Value> humanize_timestamp_func(const Args& a, const CallContext&) {
  auto v = to_float(a[0]);
  if (!v) return v.take_error();
  if (std::isnan(*v) || std::isinf(*v)) return Value{sprintf_g4(*v)};
  auto t = float_to_time(*v);
  if (!t) return t.take_error();
  return Value{go_time_string(*t)};
}

Result<Value> to_time_func(const Args& a, const CallContext&) {
  auto v = to_float(a[0]);
  if (!v) return v.take_error();
  if (std::isnan(*v) || std::isinf(*v)) return fail("value is NaN or Inf");
  auto t = float_to_time(*v);
  if (!t) return t.take_error();
  return Value{std::make_shared<const GoTime>(*t)};
}

Result<Value> to_duration_func(const Args& a, const CallContext&) {
  auto v = to_float(a[0]);
  if (!v) return v.take_error();
  return Value{std::make_shared<const GoDuration>(GoDuration{go_float_to_int64(*v * 1e9)})};
}

Result<Value> now_func(const Args&, const CallContext& c) {
  return Value{static_cast<double>(c.eval_time_ms) / 1000.0};
}

// ---- model.ParseDurationAllowNegative ----

Result<Value> parse_duration_func(const Args& a, const CallContext&) {
  std::string_view text = str(a[0]);
  const bool negative = !text.empty() && text[0] == '-';
  auto d = parse_model_duration_ns(negative ? text.substr(1) : text);
  if (!d) return d.take_error();
  return Value{static_cast<double>(negative ? -*d : *d) / 1e9};
}

// ---- text ----

locale_t utf8_locale() {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return utf8;
}

// The code point at s[i] and its length; an invalid or truncated sequence
// is its first byte alone (valid = false).
struct Rune {
  uint32_t r = 0;
  size_t len = 1;
  bool valid = false;
};
Rune decode_rune(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1, true};
  const size_t len = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return {c, 1, false};
  uint32_t r = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    const auto cont = static_cast<unsigned char>(s[i + k]);
    if ((cont & 0xC0) != 0x80) return {c, 1, false};
    r = r << 6 | (cont & 0x3F);
  }
  return {r, len, true};
}

// strings.ToUpper / ToLower: Unicode simple case mapping, by the C.UTF-8
// locale's tables (built into glibc); invalid UTF-8 bytes pass through.
std::string map_case(std::string_view s, bool upper) {
  const locale_t utf8 = utf8_locale();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const Rune r = decode_rune(s, i);
    if (r.r < 0x80 || !r.valid || utf8 == static_cast<locale_t>(nullptr)) {
      const auto c = static_cast<unsigned char>(s[i]);
      out += static_cast<char>(r.valid ? (upper ? std::toupper(c) : std::tolower(c)) : c);
    } else {
      append_utf8(out, static_cast<uint32_t>(upper ? towupper_l(r.r, utf8) : towlower_l(r.r, utf8)));
    }
    i += r.len;
  }
  return out;
}

// How golang.org/x/text/cases sees a rune when title-casing: cased (it
// gets a case mapping), mid (MidLetter, MidNumLet, Single_Quote: inside a
// word, but two in a row end it) and break (ends a word); the rest
// (letters, digits, marks, '_') neither start nor end a word.
struct TitleClass {
  bool cased = false;
  bool mid = false;
  bool brk = false;
};

TitleClass title_class(const Rune& r) {
  if (!r.valid) return {false, false, true};  // x/text gives invalid bytes no case info: a break
  if (r.r < 0x80) {
    const auto c = static_cast<unsigned char>(r.r);
    const bool mid = c == '\'' || c == '.' || c == ':';
    return {std::isalpha(c) != 0, mid, !mid && std::isalnum(c) == 0 && c != '_'};
  }
  // Outside ASCII, from Unicode's WordBreakProperty where it is short (the
  // mid runes; the scripts that break words although glibc calls them
  // alphabetic) and glibc's C.UTF-8 tables otherwise.
  static constexpr std::array<uint32_t, 14> kMid = {0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019, 0x2024,
                                                    0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A};
  if (std::find(kMid.begin(), kMid.end(), r.r) != kMid.end()) return {false, true, false};
  struct Range {
    uint32_t lo, hi;
  };
  static constexpr std::array<Range, 10> kBreakingScripts = {{
      {0x0E00, 0x0EFF},    // Thai, Lao (Complex_Context)
      {0x1000, 0x109F},    // Myanmar
      {0x1780, 0x17FF},    // Khmer
      {0x3031, 0x3035},    // kana repeat marks (Katakana)
      {0x3040, 0x30FF},    // Hiragana, Katakana
      {0x31F0, 0x31FF},    // Katakana extensions
      {0x3400, 0x4DBF},    // CJK ideographs
      {0x4E00, 0x9FFF},    // CJK ideographs
      {0xF900, 0xFAFF},    // CJK compatibility ideographs
      {0x20000, 0x3FFFF},  // CJK ideographs, planes 2 and 3
  }};
  const bool breaking_script = std::any_of(kBreakingScripts.begin(), kBreakingScripts.end(),
                                           [&](const Range& range) { return r.r >= range.lo && r.r <= range.hi; });
  const locale_t utf8 = utf8_locale();
  if (utf8 == static_cast<locale_t>(nullptr)) return {false, false, breaking_script};
  const auto w = static_cast<wint_t>(r.r);
  const bool cased = iswupper_l(w, utf8) || iswlower_l(w, utf8) || towupper_l(w, utf8) != w || towlower_l(w, utf8) != w;
  // Letters, digits, and the marks and format characters inside words
  // (zero width).
  const locale_t previous = uselocale(utf8);
  const bool zero_width = wcwidth(static_cast<wchar_t>(r.r)) == 0;
  uselocale(previous);
  const bool word = !breaking_script && (iswalnum_l(w, utf8) || zero_width);
  return {cased, false, !cased && !word};
}

// cases.Title(language.AmericanEnglish, cases.NoLower): the first cased
// letter of each word title-cased, the rest left as they are (x/text's
// titleCaser with its approximation of Unicode word breaking).
std::string title(std::string_view s) {
  const locale_t utf8 = utf8_locale();
  const wctrans_t to_title =
      utf8 == static_cast<locale_t>(nullptr) ? static_cast<wctrans_t>(nullptr) : wctrans_l("totitle", utf8);
  std::string out;
  out.reserve(s.size());
  bool mid_word = false;  // false: the next cased letter is title-cased
  bool previous_mid = false;
  for (size_t i = 0; i < s.size();) {
    const Rune r = decode_rune(s, i);
    const TitleClass cls = title_class(r);
    if (previous_mid && cls.mid) mid_word = false;
    if (cls.cased && !mid_word) {
      if (r.r < 0x80) {
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(r.r)));
      } else {
        append_utf8(out, to_title ? static_cast<uint32_t>(towctrans_l(r.r, to_title, utf8)) : r.r);
      }
      mid_word = true;
    } else {
      out.append(s.substr(i, r.len));
      if (!cls.cased && cls.brk) mid_word = false;
    }
    previous_mid = cls.mid;
    i += r.len;
  }
  return out;
}

// Go's regexp error wording for RE2's errors.
Error regexp_error(const re2::RE2& re) {
  std::string what;
  switch (re.error_code()) {
    case re2::RE2::ErrorMissingParen:
      what = "missing closing )";
      break;
    case re2::RE2::ErrorMissingBracket:
      what = "missing closing ]";
      break;
    case re2::RE2::ErrorUnexpectedParen:
      what = "unexpected )";
      break;
    case re2::RE2::ErrorBadEscape:
      what = "invalid escape sequence";
      break;
    case re2::RE2::ErrorRepeatArgument:
      what = "missing argument to repetition operator";
      break;
    case re2::RE2::ErrorBadCharRange:
      what = "invalid character class range";
      break;
    case re2::RE2::ErrorRepeatSize:
      what = "invalid repeat count";
      break;
    case re2::RE2::ErrorRepeatOp:
      what = "invalid nested repetition operator";
      break;
    case re2::RE2::ErrorBadPerlOp:
      what = "invalid or unsupported Perl syntax";
      break;
    case re2::RE2::ErrorBadNamedCapture:
      what = "invalid named capture";
      break;
    case re2::RE2::ErrorTrailingBackslash:
      what = "trailing backslash at end of expression";
      break;
    default:
      what = re.error();
      break;
  }
  return fail("error parsing regexp: " + what + ": `" + re.error_arg() + "`");
}

re2::RE2::Options go_regexp_options() {
  re2::RE2::Options o;
  o.set_log_errors(false);
  return o;
}

Result<Value> match_func(const Args& a, const CallContext&) {
  const re2::RE2 re(str(a[0]), go_regexp_options());
  if (!re.ok()) return regexp_error(re);
  return Value{re2::RE2::PartialMatch(str(a[1]), re)};
}

Result<Value> re_replace_all_func(const Args& a, const CallContext&) {
  const std::string& pattern = str(a[0]);
  const re2::RE2 re(pattern, go_regexp_options());
  if (!re.ok()) {
    Error e = regexp_error(re);
    // regexp.MustCompile's panic: Go quotes the pattern with backquotes
    // when it can.
    const bool backquote = std::none_of(pattern.begin(), pattern.end(), [](char c) {
      return c == '`' || (static_cast<unsigned char>(c) < ' ' && c != '\t') || c == '\x7f';
    });
    e.message = "regexp: Compile(" + (backquote ? "`" + pattern + "`" : quote(pattern)) + "): " + e.message;
    return e;
  }
  // Go's ReplaceAllString: every leftmost non-overlapping match,
  // $1/${name} expanded; an empty match right after a match is skipped.
  const std::string_view text = str(a[2]);
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
    out += expand_regex_template(re, str(a[1]), groups);
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

std::string graph_link(std::string_view e) { return "/graph?g0.expr=" + query_escape(e) + "&g0.tab=0"; }

std::string table_link(std::string_view e) { return "/graph?g0.expr=" + query_escape(e) + "&g0.tab=1"; }

std::string to_upper(std::string_view s) { return map_case(s, true); }

std::string to_lower(std::string_view s) { return map_case(s, false); }

// ---- queries and samples ----

Result<Value> query_func(const Args& a, const CallContext& c) {
  if (!c.query) return fail("no query function in this context");
  return c.query(str(a[0]));
}

Result<Value> first_func(const Args& a, const CallContext&) {
  const std::vector<Value>& items = items_of(a[0]);
  if (items.empty()) return fail("first() called on vector with no elements");
  return items.front();
}

Result<Value> label_func(const Args& a, const CallContext&) {
  auto sample = sample_of(a[1]);
  if (!sample) return sample.take_error();
  const Object& labels = labels_of(**sample);
  auto it = labels.fields.find(str(a[0]));
  return it != labels.fields.end() ? it->second : Value{std::string()};
}

Result<Value> value_func(const Args& a, const CallContext&) {
  auto sample = sample_of(a[0]);
  if (!sample) return sample.take_error();
  return (*sample)->fields.at("Value");
}

Result<Value> strvalue_func(const Args& a, const CallContext&) {
  auto sample = sample_of(a[0]);
  if (!sample) return sample.take_error();
  const Object& labels = labels_of(**sample);
  auto it = labels.fields.find("__value__");
  return it != labels.fields.end() ? it->second : Value{std::string()};
}

Result<Value> args_func(const Args& a, const CallContext&) {
  auto o = std::make_shared<Object>();
  o->kind = Object::Kind::kInterfaceMap;
  o->type_name = "map[string]interface {}";
  for (size_t i = 0; i < a.size(); ++i) {
    Value element = a[i];
    element.boxed = true;  // the map's elements are interface{}
    o->fields["arg" + std::to_string(i)] = std::move(element);
  }
  return Value{std::shared_ptr<const Object>(std::move(o))};
}

Result<Value> sort_by_label_func(const Args& a, const CallContext&) {
  const std::string& name = str(a[0]);
  if (a[1].is_nil()) return Value{std::make_shared<const List>()};
  auto sorted = std::make_shared<List>(*std::get<std::shared_ptr<const List>>(a[1].v));
  auto label = [&](const Value& v) {
    const Object& labels = labels_of(*std::get<std::shared_ptr<const Object>>(v.v));
    auto it = labels.fields.find(name);
    return it != labels.fields.end() ? std::get<std::string>(it->second.v) : std::string();
  };
  std::stable_sort(sorted->items.begin(), sorted->items.end(),
                   [&](const Value& x, const Value& y) { return label(x) < label(y); });
  return Value{std::shared_ptr<const List>(std::move(sorted))};
}

Result<Value> safe_html_func(const Args& a, const CallContext&) { return Value{Html{str(a[0])}}; }

Result<Value> external_url_func(const Args&, const CallContext& c) { return Value{c.external_url}; }

Result<Value> path_prefix_func(const Args&, const CallContext& c) {
  const size_t scheme = c.external_url.find("://");
  const size_t slash = c.external_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return Value{slash == std::string::npos ? std::string() : c.external_url.substr(slash)};
}

// A function of one string returning a string.
Function string_fn(std::string (*f)(std::string_view)) {
  return [f](const Args& a, const CallContext&) -> Result<Value> { return Value{f(str(a[0]))}; };
}

// A function of one number (ConvertToFloat) returning a string.
Function humanizer(std::string (*f)(double)) {
  return [f](const Args& a, const CallContext&) -> Result<Value> {
    auto v = to_float(a[0]);
    if (!v) return v.take_error();
    return Value{f(*v)};
  };
}

Builtin sig(Function f, std::vector<Param> params) { return Builtin{std::move(f), std::move(params), false}; }

}  // namespace

// Each function with its Go signature (template/template.go).
const std::unordered_map<std::string_view, Builtin>& prometheus_functions() {
  using P = Param;
  static const auto* table = new std::unordered_map<std::string_view, Builtin>{
      {"query", sig(query_func, {P::kString})},
      {"first", sig(first_func, {P::kQueryResult})},
      {"label", sig(label_func, {P::kString, P::kSample})},
      {"value", sig(value_func, {P::kSample})},
      {"strvalue", sig(strvalue_func, {P::kSample})},
      {"args", Builtin{args_func, {P::kAny}, true}},
      {"reReplaceAll", sig(re_replace_all_func, {P::kString, P::kString, P::kString})},
      {"safeHtml", sig(safe_html_func, {P::kString})},
      {"match", sig(match_func, {P::kString, P::kString})},
      {"title", sig(string_fn(title), {P::kString})},
      {"toUpper", sig(string_fn(to_upper), {P::kString})},
      {"toLower", sig(string_fn(to_lower), {P::kString})},
      {"graphLink", sig(string_fn(graph_link), {P::kString})},
      {"tableLink", sig(string_fn(table_link), {P::kString})},
      {"sortByLabel", sig(sort_by_label_func, {P::kString, P::kQueryResult})},
      {"stripPort", sig(string_fn(strip_port), {P::kString})},
      {"stripDomain", sig(string_fn(strip_domain), {P::kString})},
      {"humanize", sig(humanizer(humanize), {P::kAny})},
      {"humanize1024", sig(humanizer(humanize1024), {P::kAny})},
      {"humanizeDuration", sig(humanizer(humanize_duration), {P::kAny})},
      {"humanizePercentage", sig(humanizer([](double v) { return sprintf_g4(v * 100, "%"); }), {P::kAny})},
      {"humanizeTimestamp", sig(humanize_timestamp_func, {P::kAny})},
      {"toTime", sig(to_time_func, {P::kAny})},
      {"toDuration", sig(to_duration_func, {P::kAny})},
      {"now", sig(now_func, {})},
      {"pathPrefix", sig(path_prefix_func, {})},
      {"externalURL", sig(external_url_func, {})},
      {"parseDuration", sig(parse_duration_func, {P::kString})},
      {"urlQueryEscape", sig(string_fn([](std::string_view s) { return query_escape(s); }), {P::kString})},
  };
  return *table;
}

}  // namespace cogwatch::tmpl::internal
