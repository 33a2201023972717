// QueryApi's metadata endpoints (series, label names, label values);
// federate.cc has /federate.
//
// Time ranges: the default [kApiMinTime, kApiMaxTime] asks the store's
// index (every series, like Prometheus's head whose range always overlaps
// it); an explicit start or end selects the series with samples in the
// range, which is exact where Prometheus's head answers with all its series
// and its blocks with those of overlapping blocks.
#include <algorithm>
#include <set>

#include "model/labels.h"
#include "model/utf8.h"
#include "server/api_params.h"
#include "server/api_response.h"
#include "server/internal/api_common.h"
#include "server/query_api.h"

namespace cogwatch::server {

using internal::bad_data;
using internal::invalid_param;

namespace {

struct Range {
  Timestamp start = kApiMinTime, end = kApiMaxTime;
  bool bounded() const { return start > kApiMinTime || end < kApiMaxTime; }
};

// start and end as parseTimeParam reads them.
std::optional<net::HttpResponse> read_range(const ApiParams& params, Range& range) {
  for (const char* name : {"start", "end"}) {
    const std::string text = params.value(name);
    if (text.empty()) continue;
    auto t = internal::parse_time_value(text);
    if (!t) {
      return invalid_param(name, "invalid time value for '" + std::string(name) + "': " + t.error().message);
    }
    (std::string_view(name) == "start" ? range.start : range.end) = *t;
  }
  return std::nullopt;
}

// The series of all sets, without repeats, sorted by labels.
std::vector<Labels> select_labels(const tsdb::Querier& q, const std::vector<std::vector<LabelMatcher>>& sets,
                                  const Range& range) {
  std::vector<Labels> out;
  for (const auto& set : sets) {
    for (tsdb::SeriesData& s : q.select(set, range.start, range.end, tsdb::SeriesOrder::kUnsorted)) {
      out.push_back(std::move(s.labels));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Every series (the label endpoints without match[] but with a range).
const std::vector<std::vector<LabelMatcher>>& all_series() {
  static const auto* sets = new std::vector<std::vector<LabelMatcher>>{
      {*LabelMatcher::make(MatchType::kRegexMatch, kMetricNameLabel, ".+")}};
  return *sets;
}

std::string string_array(const std::vector<std::string>& values, size_t limit) {
  return json_string_array(limit > 0 && values.size() > limit
                               ? std::vector<std::string>(values.begin(), values.begin() + static_cast<long>(limit))
                               : values);
}

// model.UnescapeName(name, ValueEncodingEscaping) for a name after "U__":
// "__" is "_", "_2e_" is the code point 0x2e; anything malformed gives the
// name back unchanged.
std::string unescape_value_encoding(std::string_view name) {
  const std::string_view escaped = name.substr(3);
  std::string out;
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '_') {
      out += escaped[i];
      continue;
    }
    if (++i >= escaped.size()) return std::string(name);
    if (escaped[i] == '_') {
      out += '_';
      continue;
    }
    uint32_t code = 0;
    size_t digits = 0;
    for (; i < escaped.size() && escaped[i] != '_'; ++i, ++digits) {
      const char c = static_cast<char>(escaped[i] | 0x20);
      if (digits >= 6) return std::string(name);
      if (c >= '0' && c <= '9') {
        code = code * 16 + static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        code = code * 16 + static_cast<uint32_t>(c - 'a' + 10);
      } else {
        return std::string(name);
      }
    }
    if (i >= escaped.size() || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return std::string(name);
    // UTF-8 of code.
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  return out;
}

// A path segment as Go's URL.Path holds it: %XX decoded ('+' stays).
std::string path_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char h) {
      return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

net::HttpResponse QueryApi::series(const net::HttpRequest& request) const {
  auto params = internal::form(request);
  if (!params) return bad_data(params.error().message);
  const std::vector<std::string> match = params->all("match[]");
  if (match.empty()) return bad_data("no match[] parameter provided");
  auto limit = internal::parse_limit(params->value("limit"));
  if (!limit) return invalid_param("limit", limit.error().message);
  Range range;
  if (auto error = read_range(*params, range)) return *error;
  auto sets = internal::parse_matcher_sets(match);
  if (!sets) return invalid_param("match[]", sets.error().message);

  std::vector<Labels> found = select_labels(options_.querier, *sets, range);
  std::vector<std::string> warnings;
  if (*limit > 0 && found.size() > *limit) {
    found.resize(*limit);
    warnings.emplace_back(internal::kTruncatedWarning);
  }
  std::string data = "[";
  for (size_t i = 0; i < found.size(); ++i) {
    if (i > 0) data += ',';
    internal::append_labels_json(data, found[i]);
  }
  data += ']';
  return api_success(data, warnings);
}

net::HttpResponse QueryApi::label_strings(
    const net::HttpRequest& request, const std::function<void(const Labels&, std::set<std::string>&)>& from_series,
    const std::function<std::vector<std::string>(const std::vector<LabelMatcher>&)>& from_index) const {
  auto params = internal::form(request);
  if (!params) return bad_data(params.error().message);
  auto limit = internal::parse_limit(params->value("limit"));
  if (!limit) return invalid_param("limit", limit.error().message);
  Range range;
  if (auto error = read_range(*params, range)) return *error;
  auto sets = internal::parse_matcher_sets(params->all("match[]"));
  if (!sets) return bad_data(sets.error().message);

  std::set<std::string> found;
  if (range.bounded()) {
    for (const Labels& l : select_labels(options_.querier, sets->empty() ? all_series() : *sets, range)) {
      from_series(l, found);
    }
  } else if (sets->empty()) {
    for (std::string& s : from_index({})) found.insert(std::move(s));
  } else {
    for (const auto& set : *sets) {
      for (std::string& s : from_index(set)) found.insert(std::move(s));
    }
  }
  const std::vector<std::string> sorted(found.begin(), found.end());
  std::vector<std::string> warnings;
  if (*limit > 0 && sorted.size() > *limit) warnings.emplace_back(internal::kTruncatedWarning);
  return api_success(string_array(sorted, *limit), warnings);
}

net::HttpResponse QueryApi::label_names(const net::HttpRequest& request) const {
  return label_strings(
      request,
      [](const Labels& l, std::set<std::string>& names) {
        for (const auto& label : l) names.emplace(label.name);
      },
      [this](const std::vector<LabelMatcher>& set) { return options_.querier.label_names(set); });
}

net::HttpResponse QueryApi::label_values(const net::HttpRequest& request, std::string_view escaped_name) const {
  std::string name = path_unescape(escaped_name);
  if (name.starts_with("U__")) name = unescape_value_encoding(name);
  // Prometheus 3 validates names as UTF-8 (model.UTF8Validation).
  if (name.empty() || !is_valid_utf8(name)) return bad_data("invalid label name: " + go_quote(name));
  return label_strings(
      request,
      [&name](const Labels& l, std::set<std::string>& values) {
        if (const std::string_view v = l.get(name); !v.empty()) values.emplace(v);
      },
      [this, &name](const std::vector<LabelMatcher>& set) { return options_.querier.label_values(name, set); });
}

}  // namespace cogwatch::server
