#include "server/status_api.h"

#include "model/go_json.h"
#include "server/api_params.h"
#include "server/api_response.h"
#include "server/internal/api_common.h"
#include "server/internal/go_values.h"
#include "server/internal/status_handlers.h"

namespace cogwatch::server {
namespace {

using internal::append_json_time;

#define COGWATCH_STR2(x) #x
#define COGWATCH_STR(x) COGWATCH_STR2(x)

std::string compiler() {
#if defined(__clang__)
  return "clang " COGWATCH_STR(__clang_major__) "." COGWATCH_STR(__clang_minor__) "." COGWATCH_STR(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "gcc " COGWATCH_STR(__GNUC__) "." COGWATCH_STR(__GNUC_MINOR__) "." COGWATCH_STR(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

void field(std::string& out, std::string_view name, std::string_view value, bool first = false) {
  if (!first) out += ',';
  append_go_json_string(out, name);
  out += ':';
  append_go_json_string(out, value);
}

void key(std::string& out, std::string_view name, bool first = false) {
  if (!first) out += ',';
  append_go_json_string(out, name);
  out += ':';
}

std::string build_info_json(const BuildInfo& b) {
  std::string out = "{";
  field(out, "version", b.version, true);
  field(out, "revision", b.revision);
  field(out, "branch", b.branch);
  field(out, "buildUser", b.build_user);
  field(out, "buildDate", b.build_date);
  field(out, "goVersion", b.go_version);
  out += '}';
  return out;
}

std::string runtime_info_json(const RuntimeInfo& r) {
  std::string out = "{";
  key(out, "startTime", true);
  append_json_time(out, r.start_time);
  field(out, "CWD", r.cwd);
  field(out, "hostname", r.hostname);
  key(out, "serverTime");
  append_json_time(out, r.server_time);
  key(out, "reloadConfigSuccess");
  out += r.reload_config_success ? "true" : "false";
  key(out, "lastConfigTime");
  append_json_time(out, r.last_config_time);
  key(out, "corruptionCount");
  out += std::to_string(r.corruption_count);
  key(out, "goroutineCount");
  out += std::to_string(r.goroutine_count);
  key(out, "GOMAXPROCS");
  out += std::to_string(r.gomaxprocs);
  key(out, "GOMEMLIMIT");
  out += std::to_string(r.gomemlimit);
  field(out, "GOGC", r.gogc);
  field(out, "GODEBUG", r.godebug);
  field(out, "storageRetention", r.storage_retention);
  out += '}';
  return out;
}

std::string string_map_json(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    field(out, k, v, first);
    first = false;
  }
  out += '}';
  return out;
}

std::string alertmanagers_json(const AlertmanagerUrls& urls) {
  auto list = [](std::string& out, const std::vector<std::string>& v) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      out += '{';
      field(out, "url", v[i], true);
      out += '}';
    }
    out += ']';
  };
  std::string out = "{\"activeAlertmanagers\":";
  list(out, urls.active);
  out += ",\"droppedAlertmanagers\":";
  list(out, urls.dropped);
  out += '}';
  return out;
}

void append_stats(std::string& out, std::string_view name, const std::vector<tsdb::CardinalityStat>& stats) {
  key(out, name);
  out += '[';
  for (size_t i = 0; i < stats.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    field(out, "name", stats[i].name, true);
    out += ",\"value\":" + std::to_string(stats[i].value) + '}';
  }
  out += ']';
}

// /api/v1/status/tsdb: limit as Prometheus 3 (1..10000, default 10).
net::HttpResponse tsdb_response(const StatusSources& sources, const ApiParams& params) {
  constexpr int64_t kMaxLimit = 10000;
  int64_t limit = 10;
  if (const std::string s = params.value("limit"); !s.empty()) {
    auto n = internal::go_atoi(s);
    if (!n || *n < 1) return api_error({ApiErrorType::kBadData, "limit must be a positive number"});
    if (*n > kMaxLimit) {
      return api_error({ApiErrorType::kBadData, "limit must not exceed " + std::to_string(kMaxLimit)});
    }
    limit = *n;
  }
  const tsdb::CardinalityStats s =
      sources.tsdb_stats ? sources.tsdb_stats(static_cast<size_t>(limit)) : tsdb::CardinalityStats{};
  std::string out = "{\"headStats\":{\"numSeries\":" + std::to_string(s.num_series) +
                    ",\"numLabelPairs\":" + std::to_string(s.num_label_pairs) +
                    ",\"chunkCount\":" + std::to_string(s.chunk_count) + ",\"minTime\":" + std::to_string(s.min_time) +
                    ",\"maxTime\":" + std::to_string(s.max_time) + '}';
  append_stats(out, "seriesCountByMetricName", s.series_count_by_metric_name);
  append_stats(out, "labelValueCountByLabelName", s.label_value_count_by_label_name);
  append_stats(out, "memoryInBytesByLabelName", s.memory_in_bytes_by_label_name);
  append_stats(out, "seriesCountByLabelValuePair", s.series_count_by_label_value_pair);
  out += '}';
  return api_success(out);
}

enum class Endpoint {
  kTargets,
  kTargetMetadata,
  kMetadata,
  kRules,
  kAlerts,
  kAlertmanagers,
  kBuildInfo,
  kRuntimeInfo,
  kConfig,
  kFlags,
  kTsdb,
};

std::optional<Endpoint> endpoint(std::string_view path) {
  static constexpr std::pair<std::string_view, Endpoint> kPaths[] = {
      {"/api/v1/targets", Endpoint::kTargets},
      {"/api/v1/targets/metadata", Endpoint::kTargetMetadata},
      {"/api/v1/metadata", Endpoint::kMetadata},
      {"/api/v1/rules", Endpoint::kRules},
      {"/api/v1/alerts", Endpoint::kAlerts},
      {"/api/v1/alertmanagers", Endpoint::kAlertmanagers},
      {"/api/v1/status/buildinfo", Endpoint::kBuildInfo},
      {"/api/v1/status/runtimeinfo", Endpoint::kRuntimeInfo},
      {"/api/v1/status/config", Endpoint::kConfig},
      {"/api/v1/status/flags", Endpoint::kFlags},
      {"/api/v1/status/tsdb", Endpoint::kTsdb},
  };
  for (const auto& [p, e] : kPaths) {
    if (p == path) return e;
  }
  return std::nullopt;
}

}  // namespace

BuildInfo default_build_info(std::string_view cogwatch_version, std::string revision, std::string branch,
                             std::string build_user, std::string build_date) {
  return BuildInfo{.version = std::string(kPrometheusApiVersion) + "+cogwatch." + std::string(cogwatch_version),
                   .revision = std::move(revision),
                   .branch = std::move(branch),
                   .build_user = std::move(build_user),
                   .build_date = std::move(build_date),
                   .go_version = compiler()};
}

struct StatusApi::Impl {
  StatusSources sources;
  mutable internal::ExprPrinter printer;
};

StatusApi::StatusApi(StatusSources sources) : impl_(std::make_unique<Impl>()) { impl_->sources = std::move(sources); }
StatusApi::~StatusApi() = default;

std::optional<net::HttpResponse> StatusApi::handle(const net::HttpRequest& request) const {
  const std::optional<Endpoint> e = endpoint(request_path(request));
  if (!e) return std::nullopt;
  if (request.method != "GET") {
    return net::HttpResponse{.status = 405, .body = "Method Not Allowed\n", .headers = {{"Allow", "GET, OPTIONS"}}};
  }
  auto params = internal::form(request);
  if (!params) {
    // As Go's r.ParseForm, which /api/v1/rules checks (the other handlers
    // read what parsed; cogwatch refuses the request instead).
    return api_error({ApiErrorType::kBadData, params.error().message});
  }
  const StatusSources& s = impl_->sources;
  switch (*e) {
    case Endpoint::kTargets: return internal::targets_response(s, *params);
    case Endpoint::kTargetMetadata: return internal::target_metadata_response(s, *params);
    case Endpoint::kMetadata: return internal::metric_metadata_response(s, *params);
    case Endpoint::kRules: return internal::rules_response(s, *params, impl_->printer);
    case Endpoint::kAlerts: return internal::alerts_response(s);
    case Endpoint::kAlertmanagers: return api_success(alertmanagers_json(s.alertmanagers ? s.alertmanagers() : AlertmanagerUrls{}));
    case Endpoint::kBuildInfo: return api_success(build_info_json(s.build_info));
    case Endpoint::kRuntimeInfo: return api_success(runtime_info_json(s.runtime_info ? s.runtime_info() : RuntimeInfo{}));
    case Endpoint::kConfig: {
      std::string out = "{";
      field(out, "yaml", s.config_yaml ? s.config_yaml() : std::string(), true);
      out += '}';
      return api_success(out);
    }
    case Endpoint::kFlags: return api_success(string_map_json(s.flags ? s.flags() : std::map<std::string, std::string>{}));
    case Endpoint::kTsdb: return tsdb_response(s, *params);
  }
  return std::nullopt;
}

}  // namespace cogwatch::server
