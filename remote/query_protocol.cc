#include "remote/query_protocol.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>
#include <string>

#include "model/go_strconv.h"
#include "model/url.h"
#include "remote/internal/histogram_json.h"

namespace cogwatch::remote {
namespace {

namespace json = boost::json;

Error unexpected(std::string what) {
  return make_error(ErrorCode::kInvalidArgument, "unexpected response: " + std::move(what));
}

// [1700000000.123, "text"]: the time in ms and the text, or nullopt.
std::optional<std::pair<Timestamp, std::string_view>> read_pair(const json::value& v) {
  const json::array* pair = v.if_array();
  if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_number() || !(*pair)[1].is_string()) return std::nullopt;
  const json::string& text = (*pair)[1].get_string();
  return std::pair{std::llround((*pair)[0].to_number<double>() * 1000), std::string_view(text.data(), text.size())};
}

// [1700000000.123, "42"]
Result<eval::Point> read_point(const json::value& v) {
  auto pair = read_pair(v);
  if (!pair) return unexpected("a sample is not [time, \"value\"]: " + json::serialize(v));
  eval::Point p{.t = pair->first};
  if (go_parse_float(pair->second, p.v) == GoNumError::kSyntax) {
    return unexpected("a sample value is not a number: \"" + std::string(pair->second) + "\"");
  }
  return p;
}

// [1700000000.123, {"count":"4","sum":"10.5","buckets":[...]}]
Result<eval::Point> read_histogram_point(const json::value& v) {
  const json::array* pair = v.if_array();
  if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_number()) {
    return unexpected("a histogram sample is not [time, {...}]: " + json::serialize(v));
  }
  auto h = internal::read_histogram_json((*pair)[1]);
  if (!h) return unexpected(h.error().message);
  return eval::Point{.t = std::llround((*pair)[0].to_number<double>() * 1000), .h = HistogramRef::make(*std::move(h))};
}

Result<Labels> read_metric(const json::value& v) {
  const json::object* metric = v.if_object();
  if (metric == nullptr) return unexpected("\"metric\" is not an object");
  LabelsBuilder b;
  for (const auto& kv : *metric) {
    if (!kv.value().is_string()) return unexpected("label \"" + std::string(kv.key()) + "\" is not a string");
    const json::string& value = kv.value().get_string();
    b.set(std::string_view(kv.key().data(), kv.key().size()), std::string_view(value.data(), value.size()));
  }
  return b.build();
}

// A vector or matrix element's labels; `kind` names the result in errors.
Result<Labels> read_element_labels(const json::object* element, std::string_view kind) {
  const json::value* metric = element != nullptr ? element->if_contains("metric") : nullptr;
  if (metric == nullptr) return unexpected("a " + std::string(kind) + " element without \"metric\"");
  return read_metric(*metric);
}

Result<eval::Value> read_data(const json::object& data) {
  const json::value* type = data.if_contains("resultType");
  const json::value* result = data.if_contains("result");
  if (type == nullptr || !type->is_string() || result == nullptr) return unexpected("no resultType and result");
  const json::string& t = type->get_string();
  if (t == "scalar") {
    auto p = read_point(*result);
    if (!p) return p.take_error();
    return eval::Value(eval::Scalar{p->t, p->v});
  }
  if (t == "string") {
    auto pair = read_pair(*result);
    if (!pair) return unexpected("a string result is not [time, \"text\"]");
    return eval::Value(eval::String{pair->first, std::string(pair->second)});
  }
  const json::array* items = result->if_array();
  if (items == nullptr) return unexpected("\"result\" is not an array");
  if (t == "vector") {
    eval::Vector out;
    out.reserve(items->size());
    for (const json::value& item : *items) {
      const json::object* o = item.if_object();
      auto labels = read_element_labels(o, "vector");
      if (!labels) return labels.take_error();
      // A float's "value", or a native histogram's "histogram".
      if (const json::value* value = o->if_contains("value")) {
        auto p = read_point(*value);
        if (!p) return p.take_error();
        out.push_back(eval::Sample{*std::move(labels), p->t, p->v});
      } else if (const json::value* histogram = o->if_contains("histogram")) {
        auto p = read_histogram_point(*histogram);
        if (!p) return p.take_error();
        out.push_back(eval::Sample{*std::move(labels), p->t, 0, std::move(p->h)});
      } else {
        return unexpected("a vector element without \"value\" or \"histogram\"");
      }
    }
    return eval::Value(std::move(out));
  }
  if (t == "matrix") {
    eval::Matrix out;
    out.reserve(items->size());
    for (const json::value& item : *items) {
      const json::object* o = item.if_object();
      auto labels = read_element_labels(o, "matrix");
      if (!labels) return labels.take_error();
      eval::Series series{*std::move(labels), {}};
      // Floats under "values", histograms under "histograms", each in
      // time order: merged into one list in time order.
      if (const json::value* values = o->if_contains("values")) {
        const json::array* points = values->if_array();
        if (points == nullptr) return unexpected("\"values\" is not an array");
        series.points.reserve(points->size());
        for (const json::value& v : *points) {
          auto p = read_point(v);
          if (!p) return p.take_error();
          series.points.push_back(*p);
        }
      }
      if (const json::value* histograms = o->if_contains("histograms")) {
        const json::array* points = histograms->if_array();
        if (points == nullptr) return unexpected("\"histograms\" is not an array");
        const size_t floats = series.points.size();
        for (const json::value& v : *points) {
          auto p = read_histogram_point(v);
          if (!p) return p.take_error();
          series.points.push_back(*std::move(p));
        }
        std::inplace_merge(series.points.begin(), series.points.begin() + static_cast<std::ptrdiff_t>(floats),
                           series.points.end(), [](const eval::Point& a, const eval::Point& b) { return a.t < b.t; });
      }
      out.push_back(std::move(series));
    }
    return eval::Value(std::move(out));
  }
  return unexpected("unknown resultType \"" + std::string(t) + "\"");
}

}  // namespace

Result<net::HttpClientRequest> make_query_request(const QueryEndpoint& endpoint, std::string_view query, Timestamp t) {
  std::string_view base = endpoint.url;
  while (base.ends_with('/')) base.remove_suffix(1);
  auto request = net::make_http_request("POST", std::string(base) + "/api/v1/query", endpoint.http);
  if (!request) return request.take_error();
  request->content_type = "application/x-www-form-urlencoded";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(t) / 1000);
  request->body = "query=" + query_escape(query) + "&time=" + seconds +
                  "&step=" + format_duration(endpoint.lookback_delta) + "&nocache=1";
  request->timeout = endpoint.timeout;
  return request;
}

Result<eval::Value> parse_query_response(int http_status, std::string_view reason, std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(json::string_view(body.data(), body.size()), ec);
  const json::object* envelope = ec ? nullptr : doc.if_object();
  if (envelope == nullptr) {
    if (http_status / 100 != 2) {
      return make_error(ErrorCode::kUnavailable,
                        "server returned HTTP status " + std::to_string(http_status) + " " + std::string(reason));
    }
    return unexpected("the body is not a JSON object");
  }
  const json::value* status = envelope->if_contains("status");
  if (status != nullptr && status->is_string() && status->get_string() == "error") {
    std::string message;
    if (const json::value* type = envelope->if_contains("errorType"); type && type->is_string()) {
      message = std::string(type->get_string()) + ": ";
    }
    if (const json::value* error = envelope->if_contains("error"); error && error->is_string()) {
      message += std::string(error->get_string());
    }
    return make_error(ErrorCode::kUnavailable, message);
  }
  if (http_status / 100 != 2) {
    return make_error(ErrorCode::kUnavailable,
                      "server returned HTTP status " + std::to_string(http_status) + " " + std::string(reason));
  }
  if (status == nullptr || !status->is_string() || status->get_string() != "success") {
    return unexpected("\"status\" is neither \"success\" nor \"error\"");
  }
  const json::value* data = envelope->if_contains("data");
  if (data == nullptr || !data->is_object()) return unexpected("no \"data\" object");
  return read_data(data->get_object());
}

}  // namespace cogwatch::remote
