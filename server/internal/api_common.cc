#include "server/internal/api_common.h"

#include <charconv>
#include <cmath>

#include "eval/engine.h"
#include "model/go_json.h"
#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/value.h"
#include "parser/parser.h"

namespace cogwatch::server::internal {

Result<size_t> parse_limit(std::string_view text) {
  if (text.empty()) return size_t{0};
  // strconv.Atoi: an optional sign, then decimal digits only.
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  auto atoi_error = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument, "strconv.Atoi: parsing " + go_quote(text) + ": " + std::string(why));
  };
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return atoi_error("invalid syntax");
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || value > (negative ? 9223372036854775808ULL : 9223372036854775807ULL)) {
    return atoi_error("value out of range");
  }
  if (negative && value != 0) return make_error(ErrorCode::kInvalidArgument, "limit must be non-negative");
  return static_cast<size_t>(value);
}

Result<Duration> parse_duration_param(std::string_view text) {
  double seconds = 0;
  if (go_parse_float(text, seconds) == GoNumError::kNone) {
    const double ns = seconds * 1e9;
    if (ns > 9.223372036854775807e18 || ns < -9.223372036854775808e18) {
      return make_error(ErrorCode::kInvalidArgument,
                        "cannot parse " + go_quote(text) + " to a valid duration. It overflows int64");
    }
    // NaN converts to Go's int64 min on amd64, a negative duration.
    if (std::isnan(ns)) return Duration{std::numeric_limits<int64_t>::min() / 1'000'000};
    return static_cast<Duration>(static_cast<int64_t>(ns) / 1'000'000);
  }
  if (auto ns = parse_model_duration_ns(text)) return *ns / 1'000'000;
  return make_error(ErrorCode::kInvalidArgument, "cannot parse " + go_quote(text) + " to a valid duration");
}

Result<Timestamp> parse_time_value(std::string_view text) {
  auto t = parse_api_time(text);
  if (!t) return make_error(ErrorCode::kInvalidArgument, "cannot parse " + go_quote(text) + " to a valid timestamp");
  return *t;
}

Result<std::vector<std::vector<LabelMatcher>>> parse_matcher_sets(const std::vector<std::string>& values) {
  std::vector<std::vector<LabelMatcher>> sets;
  sets.reserve(values.size());
  for (const std::string& v : values) {
    auto matchers = parser::parse_metric_selector(v);
    if (!matchers) {
      return make_error(ErrorCode::kInvalidArgument, parser::format_error(v, matchers.error()));
    }
    sets.push_back(*std::move(matchers));
  }
  for (const auto& set : sets) {
    bool non_empty = false;
    for (const LabelMatcher& m : set) non_empty = non_empty || !m.matches_empty();
    if (!non_empty) {
      return make_error(ErrorCode::kInvalidArgument, "match[] must contain at least one non-empty matcher");
    }
  }
  return sets;
}

net::HttpResponse bad_data(std::string message) { return api_error({ApiErrorType::kBadData, std::move(message)}); }

net::HttpResponse invalid_param(std::string_view name, std::string_view message) {
  return bad_data("invalid parameter " + go_quote(name) + ": " + std::string(message));
}

void split_annotations(std::string_view query, const eval::Annotations& annotations, std::vector<std::string>& warnings,
                       std::vector<std::string>& infos) {
  constexpr size_t kMax = 10;
  size_t warnings_left_out = 0, infos_left_out = 0;
  for (const eval::Annotation& a : annotations) {
    const bool info = a.level == eval::Annotation::Level::kInfo;
    std::vector<std::string>& into = info ? infos : warnings;
    if (into.size() < kMax) {
      into.push_back(eval::format_annotation(query, a));
    } else {
      ++(info ? infos_left_out : warnings_left_out);
    }
  }
  if (warnings_left_out > 0) warnings.push_back(std::to_string(warnings_left_out) + " more warning annotations omitted");
  if (infos_left_out > 0) infos.push_back(std::to_string(infos_left_out) + " more info annotations omitted");
}

void append_go_json_float(std::string& out, double v) {
  const double a = std::fabs(v);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = format_float(v);  // Go's 'g', which is 'e' here: 1e-07
    if (const size_t e = s.find("e-0"); e != std::string::npos) s.erase(e + 2, 1);
    out += s;
    return;
  }
  out += format_float_plain(v);
}

void append_labels_json(std::string& out, const Labels& labels) {
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    append_go_json_string(out, l.name);
    out += ':';
    append_go_json_string(out, l.value);
  }
  out += '}';
}

Result<ApiParams> form(const net::HttpRequest& request) {
  auto params = parse_params(request);
  if (!params) {
    return make_error(ErrorCode::kInvalidArgument, "error parsing form values: " + params.error().message);
  }
  return params;
}

}  // namespace cogwatch::server::internal
