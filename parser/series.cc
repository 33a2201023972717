#include "parser/series.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "model/value.h"
#include "parser/parser.h"

namespace cogwatch::parser {
namespace {

Error bad(std::string_view item, std::string_view why = "") {
  return make_error(ErrorCode::kParse, "invalid value \"" + std::string(item) + "\"" +
                                           (why.empty() ? "" : ": " + std::string(why)));
}

// A number as PromQL writes it: decimal, Inf, NaN, with an optional sign.
bool parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  double sign = 1;
  if (s.front() == '+' || s.front() == '-') {
    sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf") {
    out = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "nan") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  out *= sign;
  return true;
}

bool parse_count(std::string_view s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

Result<std::vector<std::optional<double>>> parse_series_values(std::string_view text) {
  std::vector<std::optional<double>> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view item = text.substr(i, end - i);
    i = end;
    if (item.starts_with("{{")) {
      return make_error(ErrorCode::kInvalidArgument, "native histograms are not supported");
    }
    // "_", "_xN", "stale", "a", "axN", "a+bxN", "a-bxN".
    std::string_view head = item;
    uint64_t times = 0;
    bool repeat = false;
    if (size_t x = item.rfind('x'); x != std::string_view::npos && x > 0) {
      if (!parse_count(item.substr(x + 1), times)) return bad(item, "bad repeat count");
      head = item.substr(0, x);
      repeat = true;
    }
    if (head == "_") {
      for (uint64_t k = 0; k < (repeat ? times : 1); ++k) out.emplace_back(std::nullopt);
      continue;
    }
    if (head == "stale") {
      if (repeat) return bad(item, "stale cannot repeat");
      out.emplace_back(stale_nan());
      continue;
    }
    // Split a+b / a-b at the sign that is not the leading one nor after 'e'.
    double start = 0, step = 0;
    size_t split = std::string_view::npos;
    for (size_t k = 1; k < head.size(); ++k) {
      if ((head[k] == '+' || head[k] == '-') && head[k - 1] != 'e' && head[k - 1] != 'E') {
        split = k;
        break;
      }
    }
    if (split == std::string_view::npos) {
      if (!parse_number(head, start)) return bad(item);
    } else {
      if (!repeat) return bad(item, "a step needs a repeat count (a+bxN)");
      if (!parse_number(head.substr(0, split), start) || !parse_number(head.substr(split), step)) return bad(item);
    }
    if (!repeat) {
      out.emplace_back(start);
      continue;
    }
    if (times > 1'000'000) return bad(item, "repeat count too large");
    double v = start;
    for (uint64_t k = 0; k <= times; ++k) {
      out.emplace_back(v);
      v += step;
    }
  }
  return out;
}

Result<SeriesDescription> parse_series_description(std::string_view text) {
  // The labels end at the closing brace, or at the first blank without one.
  size_t end = 0;
  const size_t brace = text.find('{');
  const size_t blank = text.find_first_of(" \t");
  if (brace != std::string_view::npos && (blank == std::string_view::npos || brace < blank)) {
    // Find the matching '}' outside quotes.
    bool in_quote = false;
    for (size_t i = brace; i < text.size(); ++i) {
      if (text[i] == '\\' && in_quote) {
        ++i;
      } else if (text[i] == '"') {
        in_quote = !in_quote;
      } else if (text[i] == '}' && !in_quote) {
        end = i + 1;
        break;
      }
    }
    if (end == 0) return make_error(ErrorCode::kParse, "unclosed label set in \"" + std::string(text) + "\"");
  } else {
    end = blank == std::string_view::npos ? text.size() : blank;
  }
  std::string_view label_text = text.substr(0, end);
  auto labels = parse_metric(label_text);
  if (!labels) {
    Error e = labels.take_error();
    e.message = "invalid series \"" + std::string(label_text) + "\": " + e.message;
    return e;
  }
  auto values = parse_series_values(text.substr(end));
  if (!values) return values.take_error();
  return SeriesDescription{*std::move(labels), *std::move(values)};
}

}  // namespace cogwatch::parser
