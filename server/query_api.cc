// QueryApi's routing, its concurrency gate, and the two query endpoints.
// series_api.cc has the metadata endpoints, federate.cc /federate.
#include "server/query_api.h"

#include <algorithm>
#include <utility>
#include <variant>
#include <vector>

#include "eval/value_json.h"
#include "model/clock.h"
#include "parser/parser.h"
#include "parser/printer.h"
#include "server/api_params.h"
#include "server/api_response.h"
#include "server/internal/api_common.h"
#include "server/internal/ast_json.h"

namespace cogwatch::server {

using internal::bad_data;
using internal::invalid_param;

namespace {

constexpr std::string_view kApiPrefix = "/api/v1/";

// What Go's httprouter answers for a path served with other methods.
net::HttpResponse method_not_allowed(std::string_view allow) {
  net::HttpResponse r{.status = 405, .body = "Method Not Allowed\n"};
  r.headers.emplace_back("Allow", std::string(allow));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Prometheus's stats.BuiltinStats: timings in seconds, then sample counts.
std::string stats_json(double queue, double prepare, double eval, const eval::QueryStats& s) {
  std::string out = "{\"timings\":{\"evalTotalTime\":";
  internal::append_go_json_float(out, eval);
  out += ",\"resultSortTime\":0,\"queryPreparationTime\":";
  internal::append_go_json_float(out, prepare);
  out += ",\"innerEvalTime\":";
  internal::append_go_json_float(out, eval);
  out += ",\"execQueueTime\":";
  internal::append_go_json_float(out, queue);
  out += ",\"execTotalTime\":";
  internal::append_go_json_float(out, queue + eval);
  out += "},\"samples\":{\"totalQueryableSamples\":" + std::to_string(s.samples_read) +
         ",\"samplesRead\":" + std::to_string(s.samples_read) + ",\"peakSamples\":" + std::to_string(s.peak_samples) +
         "}}";
  return out;
}

}  // namespace

QueryApi::QueryApi(QueryApiOptions options) : options_(std::move(options)) {
  options_.max_concurrency = std::max<size_t>(options_.max_concurrency, 1);
}

QueryApi::Slot::~Slot() {
  if (api_ == nullptr) return;
  {
    std::lock_guard lock(api_->mu_);
    --api_->active_;
  }
  api_->slot_freed_.notify_one();
}

std::optional<QueryApi::Slot> QueryApi::acquire(SteadyClock::time_point deadline) const {
  std::unique_lock lock(mu_);
  // A free slot is taken even past the deadline: the engine then reports
  // the timeout as Prometheus's exec does ("... in query execution").
  if (!slot_freed_.wait_until(lock, deadline, [&] { return active_ < options_.max_concurrency; })) {
    return std::nullopt;
  }
  ++active_;
  return Slot(this);
}

size_t QueryApi::active_queries() const {
  std::lock_guard lock(mu_);
  return active_;
}

Timestamp QueryApi::now() const { return options_.now ? options_.now() : system_clock().now(); }

std::optional<net::HttpResponse> QueryApi::handle(const net::HttpRequest& request) const {
  const std::string_view path = request_path(request);
  const bool get = request.method == "GET", post = request.method == "POST";
  if (path == "/federate") {
    if (!get) return method_not_allowed("GET");
    return federate(request);
  }
  if (!path.starts_with(kApiPrefix)) return std::nullopt;
  const std::string_view name = path.substr(kApiPrefix.size());
  using Handler = net::HttpResponse (QueryApi::*)(const net::HttpRequest&) const;
  Handler handler = nullptr;
  if (name == "query") {
    return (get || post) ? query(request, false) : request.method == "OPTIONS" ? net::HttpResponse{.status = 204}
                                                                                 : method_not_allowed("GET, OPTIONS, POST");
  }
  if (name == "query_range") {
    return (get || post) ? query(request, true) : request.method == "OPTIONS" ? net::HttpResponse{.status = 204}
                                                                                : method_not_allowed("GET, OPTIONS, POST");
  }
  if (name == "status/metric_reads" && options_.metric_reads != nullptr) {
    if (!get) return method_not_allowed("GET");
    return api_success(options_.metric_reads->to_json());
  }
  if (name == "format_query") handler = &QueryApi::format_query;
  if (name == "query_exemplars") handler = &QueryApi::query_exemplars;
  if (name == "parse_query") handler = &QueryApi::parse_query;
  if (name == "series") handler = &QueryApi::series;
  if (name == "labels") handler = &QueryApi::label_names;
  if (handler != nullptr) {
    if (get || post) return (this->*handler)(request);
    if (request.method == "OPTIONS") return net::HttpResponse{.status = 204};
    return method_not_allowed("GET, OPTIONS, POST");
  }
  // label/<name>/values, <name> one path segment.
  constexpr std::string_view kLabel = "label/", kValues = "/values";
  if (name.starts_with(kLabel) && name.ends_with(kValues) && name.size() > kLabel.size() + kValues.size()) {
    const std::string_view label = name.substr(kLabel.size(), name.size() - kLabel.size() - kValues.size());
    if (label.find('/') != std::string_view::npos) return std::nullopt;
    if (get) return label_values(request, label);
    if (request.method == "OPTIONS") return net::HttpResponse{.status = 204};
    return method_not_allowed("GET, OPTIONS");
  }
  return std::nullopt;
}

net::HttpResponse QueryApi::query(const net::HttpRequest& request, bool range) const {
  const auto arrival = SteadyClock::now();
  auto params = internal::form(request);
  if (!params) return bad_data(params.error().message);
  auto limit = internal::parse_limit(params->value("limit"));
  if (!limit) return invalid_param("limit", limit.error().message);

  Timestamp start = 0, end = 0;
  Duration step = 0;
  if (!range) {
    const std::string time = params->value("time");
    if (time.empty()) {
      start = now();
    } else {
      auto t = internal::parse_time_value(time);
      if (!t) return invalid_param("time", "invalid time value for 'time': " + t.error().message);
      start = *t;
    }
    end = start;
  } else {
    auto s = internal::parse_time_value(params->value("start"));
    if (!s) return invalid_param("start", s.error().message);
    auto e = internal::parse_time_value(params->value("end"));
    if (!e) return invalid_param("end", e.error().message);
    if (*e < *s) return invalid_param("end", "end timestamp must not be before start time");
    auto st = internal::parse_duration_param(params->value("step"));
    if (!st) return invalid_param("step", st.error().message);
    // A step under 1ms is 0 to the engine (Prometheus's durationMilliseconds).
    if (*st <= 0) {
      return invalid_param("step",
                           "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }
    // For safety, as Prometheus: 60s resolution for a week, 1h for a year.
    if ((*e - *s) / *st > 11'000) {
      return bad_data(
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
          "(?step=XX)");
    }
    start = *s, end = *e, step = *st;
  }

  Duration timeout = options_.query_timeout;
  if (const std::string to = params->value("timeout"); !to.empty()) {
    auto t = internal::parse_duration_param(to);
    if (!t) return invalid_param("timeout", t.error().message);
    timeout = std::min(timeout, *t);
  }
  eval::EngineOptions engine_options = options_.engine;
  if (const std::string lb = params->value("lookback_delta"); !lb.empty()) {
    auto d = internal::parse_duration_param(lb);
    if (!d) return bad_data("error parsing lookback delta duration: " + d.error().message);
    if (*d > 0) engine_options.lookback_delta = *d;
  }

  const std::string text = params->value("query");
  auto expr = parser::parse_expr(text);
  if (!expr) return invalid_param("query", parser::format_error(text, expr.error()));
  if (options_.metric_reads != nullptr) options_.metric_reads->record(**expr);
  if (range) {
    const parser::ValueType type = parser::type_of(**expr);
    if (type != parser::ValueType::kScalar && type != parser::ValueType::kVector) {
      return invalid_param("query", std::string("invalid expression type \"") + parser::value_type_name(type) +
                                        "\" for range query, must be Scalar or instant Vector");
    }
  }
  const auto parsed = SteadyClock::now();

  // Go's durations saturate; so does the deadline of a huge timeout.
  const auto max_wait = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::milliseconds(timeout));
  const auto deadline =
      max_wait > SteadyClock::time_point::max() - arrival ? SteadyClock::time_point::max() : arrival + max_wait;
  auto slot = acquire(deadline);
  if (!slot) return api_error({ApiErrorType::kTimeout, "query timed out in query queue"});
  const auto admitted = SteadyClock::now();

  eval::Annotations annotations;
  eval::QueryStats stats;
  const eval::QueryContext context{.annotations = &annotations, .deadline = deadline, .stats = &stats};
  const eval::Engine engine(options_.querier, engine_options);
  Result<eval::Value> value = range ? engine.range(**expr, start, end, step, context)
                                    : engine.instant(**expr, start, context);
  const auto evaluated = SteadyClock::now();
  slot.reset();
  if (!value) return api_error(query_error(value.error()));

  std::vector<std::string> warnings, infos;
  internal::split_annotations(text, annotations, warnings, infos);
  if (*limit > 0) {
    bool truncated = false;
    if (auto* v = std::get_if<eval::Vector>(&*value); v != nullptr && v->size() > *limit) {
      v->resize(*limit);
      truncated = true;
    } else if (auto* m = std::get_if<eval::Matrix>(&*value); m != nullptr && m->size() > *limit) {
      m->resize(*limit);
      truncated = true;
    }
    if (truncated) warnings.emplace_back(internal::kTruncatedWarning);
  }
  const std::string stats_param = params->value("stats");
  if (!stats_param.empty() && stats_param != "true" && stats_param != "all") {
    warnings.push_back("value " + go_quote(stats_param) +
                       " for parameter \"stats\" is deprecated and will be rejected in the next major release, use "
                       "\"true\" or \"all\"");
  }
  std::string data = eval::to_api_json(*value);
  if (!stats_param.empty()) {
    data.pop_back();  // the closing brace
    data += ",\"stats\":";
    data += stats_json(seconds_between(parsed, admitted), seconds_between(arrival, parsed),
                       seconds_between(admitted, evaluated), stats);
    data += '}';
  }
  return api_success(data, warnings, infos);
}

net::HttpResponse QueryApi::format_query(const net::HttpRequest& request) const {
  auto params = internal::form(request);
  if (!params) return bad_data(params.error().message);
  const std::string text = params->value("query");
  auto expr = parser::parse_expr(text);
  if (!expr) return invalid_param("query", parser::format_error(text, expr.error()));
  return api_success(go_json_string(internal::pretty(**expr)));
}

namespace {

// Iterative: a query may nest deeper than the stack allows recursion.
bool has_vector_selector(const parser::Expr& root) {
  std::vector<const parser::Expr*> todo{&root};
  while (!todo.empty()) {
    const parser::Expr* e = todo.back();
    todo.pop_back();
    if (std::holds_alternative<parser::VectorSelector>(e->node)) return true;
    for (const parser::Expr* c : parser::children(*e)) todo.push_back(c);
  }
  return false;
}

}  // namespace

// Prometheus's queryExemplars, over a store that keeps no exemplars: the
// parameters are checked as there, and the answer is empty: null for a
// query without selectors (Prometheus answers before asking its store), []
// otherwise. Grafana asks this for every panel whose exemplars toggle is on.
net::HttpResponse QueryApi::query_exemplars(const net::HttpRequest& request) const {
  auto params = internal::form(request);
  if (!params) return bad_data(params.error().message);
  Timestamp range[2] = {kApiMinTime, kApiMaxTime};
  const char* names[2] = {"start", "end"};
  for (int i = 0; i < 2; ++i) {
    const std::string text = params->value(names[i]);
    if (text.empty()) continue;
    auto t = internal::parse_time_value(text);
    if (!t) {
      return invalid_param(names[i], "invalid time value for '" + std::string(names[i]) + "': " + t.error().message);
    }
    range[i] = *t;
  }
  if (range[1] < range[0]) return bad_data("end timestamp must not be before start timestamp");
  const std::string text = params->value("query");
  auto expr = parser::parse_expr(text);
  if (!expr) return bad_data(parser::format_error(text, expr.error()));
  return api_success(has_vector_selector(**expr) ? "[]" : "null");
}

net::HttpResponse QueryApi::parse_query(const net::HttpRequest& request) const {
  auto params = internal::form(request);
  if (!params) return bad_data(params.error().message);
  const std::string text = params->value("query");
  auto expr = parser::parse_expr(text);
  if (!expr) return invalid_param("query", parser::format_error(text, expr.error()));
  return api_success(internal::ast_json(**expr));
}

}  // namespace cogwatch::server
