#include "server/internal/go_values.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <limits>

#include "model/go_json.h"
#include "model/value.h"
#include "parser/parser.h"

namespace cogwatch::server::internal {
namespace {

// strconv.Quote for the texts Go's errors quote (printable ASCII mostly).
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

void append_json_float(std::string& out, double v) {
  const double a = std::fabs(v);
  if (a == 0 || (a >= 1e-6 && a < 1e21)) {
    out += format_float_plain(v);
    return;
  }
  std::string e = format_float_e(v);
  // Go's encoding/json turns e-07 into e-7.
  const size_t n = e.size();
  if (n >= 4 && e[n - 4] == 'e' && e[n - 3] == '-' && e[n - 2] == '0') e.erase(n - 2, 1);
  out += e;
}

std::string format_float_e(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return std::string(buf, end);
}

void append_json_time(std::string& out, std::optional<Timestamp> t) {
  out += '"';
  out += t ? format_rfc3339(*t) : "0001-01-01T00:00:00Z";
  out += '"';
}

void append_labels(std::string& out, const Labels& labels) {
  out += '{';
  bool first = true;
  for (const Label l : labels) {
    if (!first) out += ',';
    first = false;
    append_go_json_string(out, l.name);
    out += ':';
    append_go_json_string(out, l.value);
  }
  out += '}';
}

void append_annotations(std::string& out, const Annotations& annotations) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(annotations.size());
  for (const auto& a : annotations) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* x, auto* y) { return x->first < y->first; });
  out += '{';
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    append_go_json_string(out, sorted[i]->first);
    out += ':';
    append_go_json_string(out, sorted[i]->second);
  }
  out += '}';
}

std::optional<int64_t> go_atoi(std::string_view s) {
  auto r = go_parse_int(s, 64);
  if (!r) return std::nullopt;
  return *r;
}

Result<int64_t> go_parse_int(std::string_view s, int bits) {
  const std::string prefix = "strconv.ParseInt: parsing " + go_quote(s) + ": ";
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return make_error(ErrorCode::kInvalidArgument, prefix + "invalid syntax");
  uint64_t magnitude = 0;
  bool overflow = false;
  for (char c : digits) {
    if (c < '0' || c > '9') return make_error(ErrorCode::kInvalidArgument, prefix + "invalid syntax");
    if (magnitude > (std::numeric_limits<uint64_t>::max() - 9) / 10) overflow = true;
    if (!overflow) magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
  }
  const uint64_t limit = uint64_t{1} << (bits - 1);  // |min|; max is limit - 1
  if (overflow || magnitude > (negative ? limit : limit - 1)) {
    return make_error(ErrorCode::kInvalidArgument, prefix + "value out of range");
  }
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

Result<bool> go_parse_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  return make_error(ErrorCode::kInvalidArgument, "strconv.ParseBool: parsing " + go_quote(s) + ": invalid syntax");
}

Result<std::vector<LabelMatcher>> parse_metric_selector(std::string_view text) {
  auto expr = parser::parse_expr(text);
  if (!expr) {
    // parse_expr also type-checks, which refuses a selector whose matchers
    // all match the empty value ({a=""}); ParseMetricSelector does not.
    // Such a selector is parsed again with a sentinel matcher that is then
    // taken out, so callers see Prometheus's matchers.
    constexpr std::string_view kSentinel = "__cogwatch_selector__";
    const size_t close = text.rfind('}');
    if (expr.error().message.find("at least one non-empty matcher") == std::string::npos ||
        close == std::string_view::npos) {
      return make_error(ErrorCode::kParse, parser::format_error(text, expr.error()));
    }
    size_t before = close;
    while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t' || text[before - 1] == '\n')) --before;
    const bool needs_comma = before > 0 && text[before - 1] != ',' && text[before - 1] != '{';
    std::string patched(text.substr(0, close));
    patched += needs_comma ? "," : "";
    patched += std::string(kSentinel) + "=\"x\"";
    patched += text.substr(close);
    auto retry = parser::parse_expr(patched);
    const auto* vs = retry ? std::get_if<parser::VectorSelector>(&(*retry)->node) : nullptr;
    if (vs == nullptr) return make_error(ErrorCode::kParse, parser::format_error(text, expr.error()));
    std::vector<LabelMatcher> out;
    for (const LabelMatcher& m : vs->matchers) {
      if (m.name() != kSentinel) out.push_back(m);
    }
    return out;
  }
  const auto* vs = std::get_if<parser::VectorSelector>(&(*expr)->node);
  if (vs == nullptr) {
    // parser.ParseMetricSelector reads only a selector; what follows it is
    // unexpected there.
    return make_error(ErrorCode::kParse, "1:1: parse error: expected a metric selector, got " + std::string(text));
  }
  return vs->matchers;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace cogwatch::server::internal
