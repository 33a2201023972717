// /api/v1/targets, /api/v1/metadata and /api/v1/targets/metadata as
// Prometheus 3's targets, metricMetadata and targetMetadata handlers.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "model/go_json.h"
#include "server/api_response.h"
#include "server/internal/go_values.h"
#include "server/internal/status_handlers.h"

namespace cogwatch::server::internal {
namespace {

std::string_view health_name(scrape::TargetStatus::Health h) {
  switch (h) {
    case scrape::TargetStatus::Health::kUp: return "up";
    case scrape::TargetStatus::Health::kDown: return "down";
    case scrape::TargetStatus::Health::kUnknown: return "unknown";
  }
  return "unknown";
}

void append_string_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_go_json_string(out, value);
}

void append_target(std::string& out, const scrape::TargetStatus& t, const GlobalUrlOptions& global) {
  out += "{\"discoveredLabels\":";
  append_labels(out, t.discovered_labels);
  out += ",\"labels\":";
  append_labels(out, t.labels);
  append_string_field(out, "scrapePool", t.job);
  append_string_field(out, "scrapeUrl", t.scrape_url);
  append_string_field(out, "globalUrl", global_url(t.scrape_url, global));
  append_string_field(out, "lastError", t.last_error);
  out += ",\"lastScrape\":";
  append_json_time(out, t.last_scrape == 0 ? std::nullopt : std::optional<Timestamp>(t.last_scrape));
  out += ",\"lastScrapeDuration\":";
  append_json_seconds(out, t.last_scrape_duration);
  append_string_field(out, "health", health_name(t.health));
  append_string_field(out, "scrapeInterval", format_duration(t.interval));
  append_string_field(out, "scrapeTimeout", format_duration(t.timeout));
  out += '}';
}

// Go's net.SplitHostPort, with a missing port allowed (sanitizeSplitHostPort).
std::pair<std::string, std::string> split_host_port(std::string_view hostport) {
  if (hostport.starts_with('[')) {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) return {std::string(hostport), ""};
    std::string host(hostport.substr(1, close - 1));
    std::string_view rest = hostport.substr(close + 1);
    return {host, rest.starts_with(':') ? std::string(rest.substr(1)) : std::string()};
  }
  const size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos || hostport.find(':') != colon) return {std::string(hostport), ""};
  return {std::string(hostport.substr(0, colon)), std::string(hostport.substr(colon + 1))};
}

std::string join_host_port(const std::string& host, const std::string& port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

const scrape::MetricMetadata* find_metadata(const scrape::MetadataSnapshot& snapshot, std::string_view metric) {
  if (!snapshot) return nullptr;
  auto it = std::lower_bound(snapshot->begin(), snapshot->end(), metric,
                             [](const scrape::MetricMetadata& m, std::string_view name) { return m.metric < name; });
  return it != snapshot->end() && it->metric == metric ? &*it : nullptr;
}

void append_metadata_fields(std::string& out, const scrape::MetricMetadata& m) {
  append_string_field(out, "type", scrape::metric_type_name(m.type));
  append_string_field(out, "help", m.help);
  append_string_field(out, "unit", m.unit);
}

}  // namespace

std::string global_url(const std::string& scrape_url, const GlobalUrlOptions& options) {
  if (options.host.empty()) return scrape_url;
  const size_t scheme_end = scrape_url.find("://");
  if (scheme_end == std::string::npos) return scrape_url;
  const size_t host_begin = scheme_end + 3;
  size_t host_end = scrape_url.find_first_of("/?#", host_begin);
  if (host_end == std::string::npos) host_end = scrape_url.size();
  const std::string_view hostport = std::string_view(scrape_url).substr(host_begin, host_end - host_begin);
  const auto [host, port] = split_host_port(hostport);
  if (host != "127.0.0.1" && host != "localhost" && host != "::1") return scrape_url;
  const std::string rest = scrape_url.substr(host_end);
  if (port == split_host_port(options.listen_address).second) {
    // Our own process: the externally reachable scheme, host and port.
    return options.scheme + "://" + options.host + rest;
  }
  // Another process on this host: only the hostname is known outside.
  const std::string external_host = split_host_port(options.host).first;
  const std::string new_host = port.empty() ? external_host : join_host_port(external_host, port);
  return scrape_url.substr(0, host_begin) + new_host + rest;
}

net::HttpResponse targets_response(const StatusSources& sources, const ApiParams& params) {
  const std::string pool = params.value("scrapePool");
  const std::string state = ascii_lower(params.value("state"));
  const bool show_active = state.empty() || state == "any" || state == "active";
  const bool show_dropped = state.empty() || state == "any" || state == "dropped";

  std::string out = "{\"activeTargets\":[";
  if (show_active && sources.targets) {
    std::vector<scrape::TargetStatus> targets = sources.targets();
    // Pools in name order, as Prometheus sorts them.
    std::stable_sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) { return a.job < b.job; });
    bool first = true;
    for (const scrape::TargetStatus& t : targets) {
      if (!pool.empty() && t.job != pool) continue;
      if (!first) out += ',';
      first = false;
      append_target(out, t, sources.global_url);
    }
  }
  out += "],\"droppedTargets\":[";
  if (show_dropped && sources.dropped_targets) {
    std::vector<scrape::DroppedTarget> dropped = sources.dropped_targets();
    std::stable_sort(dropped.begin(), dropped.end(), [](const auto& a, const auto& b) { return a.job < b.job; });
    bool first = true;
    for (const scrape::DroppedTarget& d : dropped) {
      if (!pool.empty() && d.job != pool) continue;
      if (!first) out += ',';
      first = false;
      out += "{\"discoveredLabels\":";
      append_labels(out, d.discovered_labels);
      append_string_field(out, "scrapePool", d.job);
      out += '}';
    }
  }
  out += "],\"droppedTargetCounts\":";
  if (show_dropped) {
    out += '{';
    bool first = true;
    if (sources.dropped_target_counts) {
      for (const auto& [job, n] : sources.dropped_target_counts()) {
        if (!first) out += ',';
        first = false;
        append_go_json_string(out, job);
        out += ':' + std::to_string(n);
      }
    }
    out += '}';
  } else {
    out += "null";  // a nil map
  }
  out += '}';
  return api_success(out);
}

net::HttpResponse metric_metadata_response(const StatusSources& sources, const ApiParams& params) {
  int64_t limit = -1;
  if (const std::string s = params.value("limit"); !s.empty()) {
    auto n = go_atoi(s);
    if (!n) return api_error({ApiErrorType::kBadData, "limit must be a number"});
    limit = *n;
  }
  int64_t limit_per_metric = -1;
  if (const std::string s = params.value("limit_per_metric"); !s.empty()) {
    auto n = go_atoi(s);
    if (!n) return api_error({ApiErrorType::kBadData, "limit_per_metric must be a number"});
    limit_per_metric = *n;
  }
  const std::string metric = params.value("metric");

  // Per family, its distinct (type, help, unit) in the order first seen.
  std::map<std::string, std::vector<const scrape::MetricMetadata*>> families;
  auto add = [&](const scrape::MetricMetadata& m) {
    auto& seen = families[m.metric];
    const bool known = std::any_of(seen.begin(), seen.end(), [&](const scrape::MetricMetadata* x) {
      return x->type == m.type && x->help == m.help && x->unit == m.unit;
    });
    if (known) return;
    if (limit_per_metric > 0 && static_cast<int64_t>(seen.size()) >= limit_per_metric) return;
    seen.push_back(&m);
  };
  std::vector<scrape::TargetStatus> targets;
  if (sources.targets) targets = sources.targets();
  for (const scrape::TargetStatus& t : targets) {
    if (!t.metadata) continue;
    if (metric.empty()) {
      for (const scrape::MetricMetadata& m : *t.metadata) add(m);
    } else if (const scrape::MetricMetadata* m = find_metadata(t.metadata, metric)) {
      add(*m);
    }
  }

  std::string out = "{";
  int64_t written = 0;
  for (const auto& [name, list] : families) {
    if (limit >= 0 && written >= limit) break;
    if (written++ > 0) out += ',';
    append_go_json_string(out, name);
    out += ":[";
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"type\":";
      append_go_json_string(out, scrape::metric_type_name(list[i]->type));
      append_string_field(out, "help", list[i]->help);
      append_string_field(out, "unit", list[i]->unit);
      out += '}';
    }
    out += ']';
  }
  out += '}';
  return api_success(out);
}

net::HttpResponse target_metadata_response(const StatusSources& sources, const ApiParams& params) {
  int64_t limit = -1;
  if (const std::string s = params.value("limit"); !s.empty()) {
    auto n = go_atoi(s);
    if (!n) return api_error({ApiErrorType::kBadData, "limit must be a number"});
    limit = *n;
  }
  const std::string match_target = params.value("match_target");
  std::vector<LabelMatcher> matchers;
  if (!match_target.empty()) {
    auto parsed = parse_metric_selector(match_target);
    if (!parsed) {
      return api_error({ApiErrorType::kBadData, "invalid parameter \"match_target\": " + parsed.error().message});
    }
    matchers = *std::move(parsed);
  }
  const std::string metric = params.value("metric");

  std::vector<scrape::TargetStatus> targets;
  if (sources.targets) targets = sources.targets();
  std::stable_sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) { return a.job < b.job; });
  std::string out = "[";
  int64_t entries = 0;
  auto open_entry = [&](const scrape::TargetStatus& t) {
    if (entries++ > 0) out += ',';
    out += "{\"target\":";
    append_labels(out, t.labels);
  };
  for (const scrape::TargetStatus& t : targets) {
    // As Prometheus: the limit is checked per target, so a target's whole
    // list is included once it is started.
    if (limit >= 0 && entries >= limit) break;
    if (!match_target.empty() && !matches_all(matchers, t.labels)) continue;
    if (!t.metadata) continue;
    if (metric.empty()) {
      for (const scrape::MetricMetadata& m : *t.metadata) {
        open_entry(t);
        append_string_field(out, "metric", m.metric);
        append_metadata_fields(out, m);
        out += '}';
      }
    } else if (const scrape::MetricMetadata* m = find_metadata(t.metadata, metric)) {
      open_entry(t);
      append_metadata_fields(out, *m);  // no "metric": Prometheus leaves it empty (omitempty)
      out += '}';
    }
  }
  out += ']';
  return api_success(out);
}

}  // namespace cogwatch::server::internal
