#include "parser/series.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "model/histogram_ops.h"
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

bool parse_int(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

Error bad_histogram(std::string_view text, const std::string& why) {
  return make_error(ErrorCode::kParse, "invalid histogram \"" + std::string(text) + "\": " + why);
}

// Parses the histogram starting with "{{" at text[pos] and moves pos past
// its "}}". Keys and their values as Prometheus's test notation (promql/
// parser's histogram_desc_item); a key given twice is an error.
Result<FloatHistogram> parse_histogram_at(std::string_view text, size_t& pos, bool& hint_set) {
  const size_t start = pos;
  const size_t close = text.find("}}", pos);
  if (close == std::string_view::npos) return bad_histogram(text.substr(start), "missing \"}}\"");
  std::string_view body = text.substr(pos + 2, close - pos - 2);
  const std::string_view whole = text.substr(start, close + 2 - start);
  pos = close + 2;
  FloatHistogram h;
  hint_set = false;
  std::vector<double> buckets, n_buckets;
  int64_t offset = 0, n_offset = 0;
  std::vector<std::string> seen;
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i >= body.size()) break;
    const size_t colon = body.find(':', i);
    if (colon == std::string_view::npos) {
      return bad_histogram(whole, "expected a key:value item, e.g. buckets:[5 10 7]");
    }
    std::string key(body.substr(i, colon - i));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    i = colon + 1;
    size_t end = i;
    if (end < body.size() && body[end] == '[') {
      end = body.find(']', end);
      if (end == std::string_view::npos) return bad_histogram(whole, "missing \"]\" after " + key);
      ++end;
    } else {
      while (end < body.size() && !std::isspace(static_cast<unsigned char>(body[end]))) ++end;
    }
    std::string_view value = body.substr(i, end - i);
    i = end;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return bad_histogram(whole, "duplicate key \"" + key + "\" in histogram");
    }
    seen.push_back(key);
    auto number = [&](double& out) {
      return parse_number(value, out) ? Status{} : bad_histogram(whole, "error parsing " + key + " number: " + std::string(value));
    };
    auto integer = [&](int64_t& out) {
      return parse_int(value, out) ? Status{} : bad_histogram(whole, "error parsing " + key + " number: " + std::string(value));
    };
    auto list = [&](std::vector<double>& out) -> Status {
      if (value.size() < 2 || value.front() != '[') {
        return bad_histogram(whole, "error parsing " + key + ": expected [n n ...]");
      }
      std::string_view items = value.substr(1, value.size() - 2);
      size_t k = 0;
      while (k < items.size()) {
        while (k < items.size() && std::isspace(static_cast<unsigned char>(items[k]))) ++k;
        if (k >= items.size()) break;
        size_t e = k;
        while (e < items.size() && !std::isspace(static_cast<unsigned char>(items[e]))) ++e;
        double v;
        if (!parse_number(items.substr(k, e - k), v)) {
          return bad_histogram(whole, "error parsing " + key + ": invalid number \"" + std::string(items.substr(k, e - k)) + "\"");
        }
        out.push_back(v);
        k = e;
      }
      if (out.empty()) return bad_histogram(whole, "error parsing " + key + ": empty list");
      return {};
    };
    Status st;
    if (key == "schema") {
      int64_t schema = 0;
      st = integer(schema);
      h.schema = static_cast<int32_t>(schema);
    } else if (key == "sum") {
      st = number(h.sum);
    } else if (key == "count") {
      st = number(h.count);
    } else if (key == "z_bucket") {
      st = number(h.zero_count);
    } else if (key == "z_bucket_w") {
      st = number(h.zero_threshold);
    } else if (key == "custom_values") {
      st = list(h.custom_values);
    } else if (key == "buckets") {
      st = list(buckets);
    } else if (key == "n_buckets") {
      st = list(n_buckets);
    } else if (key == "offset") {
      st = integer(offset);
    } else if (key == "n_offset") {
      st = integer(n_offset);
    } else if (key == "counter_reset_hint") {
      hint_set = true;
      if (value == "unknown") {
        h.counter_reset_hint = CounterResetHint::kUnknown;
      } else if (value == "reset") {
        h.counter_reset_hint = CounterResetHint::kCounterReset;
      } else if (value == "not_reset") {
        h.counter_reset_hint = CounterResetHint::kNotCounterReset;
      } else if (value == "gauge") {
        h.counter_reset_hint = CounterResetHint::kGauge;
      } else {
        st = bad_histogram(whole, "error parsing counter_reset_hint: unknown value " + std::string(value) +
                                      " (unknown, reset, not_reset or gauge)");
      }
    } else {
      st = bad_histogram(whole, "unknown key \"" + key + "\", expected a histogram description key, e.g. buckets:[5 10 7]");
    }
    if (!st) return st.take_error();
  }
  if (!buckets.empty()) {
    h.positive_spans = {{static_cast<int32_t>(offset), static_cast<uint32_t>(buckets.size())}};
    h.positive_buckets = std::move(buckets);
  }
  if (!n_buckets.empty()) {
    h.negative_spans = {{static_cast<int32_t>(n_offset), static_cast<uint32_t>(n_buckets.size())}};
    h.negative_buckets = std::move(n_buckets);
  }
  return h;
}

// "{{...}}", "{{...}}xN", "{{a}}+{{b}}xN", "{{a}}-{{b}}xN" at text[pos].
Status parse_histogram_item(std::string_view text, size_t& pos, std::vector<SeriesValue>& out) {
  const size_t start = pos;
  bool hint_set = false;
  auto base = parse_histogram_at(text, pos, hint_set);
  if (!base) return base.take_error();
  auto item_end = [&] { return pos >= text.size() || std::isspace(static_cast<unsigned char>(text[pos])); };
  auto repeat_count = [&](uint64_t& times) -> Status {
    size_t end = pos + 1;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (!parse_count(text.substr(pos + 1, end - pos - 1), times) || times > 1'000'000) {
      return bad(text.substr(start, end - start), "bad repeat count");
    }
    pos = end;
    return {};
  };
  if (item_end()) {
    out.push_back({std::nullopt, std::make_shared<const FloatHistogram>(*std::move(base)), hint_set});
    return {};
  }
  if (text[pos] == 'x') {
    uint64_t times = 0;
    if (Status s = repeat_count(times); !s) return s;
    auto h = std::make_shared<const FloatHistogram>(*std::move(base));
    for (uint64_t k = 0; k <= times; ++k) out.push_back({std::nullopt, h, hint_set});
    return {};
  }
  if ((text[pos] != '+' && text[pos] != '-') || text.substr(pos + 1, 2) != "{{") {
    return bad(text.substr(start), "expected x, +{{...}} or -{{...}} after a histogram");
  }
  const bool add = text[pos] == '+';
  ++pos;
  auto step = parse_histogram_at(text, pos, hint_set);
  if (!step) return step.take_error();
  if (pos >= text.size() || text[pos] != 'x') {
    return bad(text.substr(start, pos - start), "a step needs a repeat count ({{a}}+{{b}}xN)");
  }
  uint64_t times = 0;
  if (Status s = repeat_count(times); !s) return s;
  // Every value takes the step's hint_set, as Prometheus's histogramsSeries.
  auto cur = std::make_shared<const FloatHistogram>(*std::move(base));
  out.push_back({std::nullopt, cur, hint_set});
  for (uint64_t k = 1; k <= times; ++k) {
    if (cur->schema > step->schema) {
      return bad(text.substr(start, pos - start), "error combining histograms: cannot merge from schema " +
                                                     std::to_string(step->schema) + " to " + std::to_string(cur->schema));
    }
    FloatHistogram next = *cur;
    Status s = add ? histogram_add(next, *step) : histogram_sub(next, *step);
    if (!s) return bad(text.substr(start, pos - start), s.error().message);
    cur = std::make_shared<const FloatHistogram>(std::move(next));
    out.push_back({std::nullopt, cur, hint_set});
  }
  return {};
}

}  // namespace

Result<FloatHistogram> parse_histogram_notation(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  if (text.substr(pos, 2) != "{{") return bad_histogram(text, "expected \"{{\"");
  bool hint_set = false;
  auto h = parse_histogram_at(text, pos, hint_set);
  if (!h) return h;
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  if (pos != text.size()) return bad_histogram(text, "unexpected text after \"}}\"");
  return h;
}

Result<std::vector<SeriesValue>> parse_series_values(std::string_view text) {
  std::vector<SeriesValue> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    if (text.substr(i, 2) == "{{") {
      if (Status s = parse_histogram_item(text, i, out); !s) return s.take_error();
      continue;
    }
    size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view item = text.substr(i, end - i);
    i = end;
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
      for (uint64_t k = 0; k < (repeat ? times : 1); ++k) out.emplace_back();
      continue;
    }
    if (head == "stale") {
      if (repeat) return bad(item, "stale cannot repeat");
      out.push_back({stale_nan(), nullptr, false});
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
      out.push_back({start, nullptr, false});
      continue;
    }
    if (times > 1'000'000) return bad(item, "repeat count too large");
    double v = start;
    for (uint64_t k = 0; k <= times; ++k) {
      out.push_back({v, nullptr, false});
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
