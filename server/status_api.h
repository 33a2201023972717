// StatusApi: the status side of Prometheus's HTTP API (web/api/v1/api.go)
// as socket-free handlers: targets, target and metric metadata, rules,
// alerts, Alertmanagers, and /status/{buildinfo,runtimeinfo,config,flags,
// tsdb}. Answers have Prometheus 3's JSON shapes, field order, parameters
// and error texts.
//
//   StatusSources sources;
//   sources.targets = [&] { return on_io_thread([&] { return scrape.targets(); }); };
//   sources.rule_groups = [&] { return rules.groups(); };
//   sources.tsdb_stats = [&](size_t limit) { return head.cardinality_stats(limit); };
//   sources.build_info = default_build_info(COGWATCH_VERSION, COGWATCH_REVISION);
//   StatusApi api(std::move(sources));
//   if (auto r = api.handle(request)) return *r;  // else another handler's path
//
// Sources are getters the daemon fills, each called on the web thread that
// serves the request: a getter whose component lives on another thread
// (the scrape manager's io_context) marshals the call itself. A getter
// left empty answers as an empty component would (no targets, no rules).
//
// Only GET is served, as Prometheus routes these paths; another method gets
// 405 "Method Not Allowed" with Allow: GET, OPTIONS.
//
// Differences from Prometheus, where cogwatch has no equivalent: a
// target's or rule's times have millisecond precision; targets of a job and
// metadata entries come in a stable order (Prometheus's follow Go's map
// iteration); ties in the tsdb tables are in name order.
//
// Thread-safety: handle() may be called concurrently from any threads; the
// sources must allow that.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/time.h"
#include "net/http_message.h"
#include "rules/manager.h"
#include "scrape/manager.h"
#include "tsdb/cardinality.h"

namespace cogwatch::server {

// /api/v1/status/buildinfo, fields as Prometheus's PrometheusVersion.
struct BuildInfo {
  std::string version;
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string go_version;  // cogwatch: the compiler ("gcc 12.2.0")
};

// The Prometheus version cogwatch's API answers as: Grafana reads
// buildinfo's `version` as semver to decide which API features to use
// (label values with match[], exemplars, ...), so cogwatch reports the
// Prometheus release whose API it follows, with its own version as build
// metadata: "3.0.0+cogwatch.<version>".
inline constexpr std::string_view kPrometheusApiVersion = "3.0.0";

// version "3.0.0+cogwatch.<cogwatch_version>", revision as given, branch
// "HEAD" unless given, go_version the compiler that built this file.
BuildInfo default_build_info(std::string_view cogwatch_version, std::string revision = {},
                             std::string branch = "HEAD", std::string build_user = {}, std::string build_date = {});

// /api/v1/status/runtimeinfo, fields as Prometheus's RuntimeInfo. The Go
// runtime's fields mean, for cogwatch: goroutine_count the process's
// threads, gomaxprocs the cores it may use, gomemlimit Go's "no limit"
// (math.MaxInt64) unless a memory limit applies, gogc and godebug the
// environment's GOGC and GODEBUG (normally empty).
struct RuntimeInfo {
  Timestamp start_time = 0;
  std::string cwd;
  std::string hostname;
  Timestamp server_time = 0;
  bool reload_config_success = false;
  std::optional<Timestamp> last_config_time;  // whole seconds, as Prometheus's gauge; nullopt: Go's zero time
  int64_t corruption_count = 0;
  int64_t goroutine_count = 0;
  int64_t gomaxprocs = 0;
  int64_t gomemlimit = INT64_MAX;
  std::string gogc;
  std::string godebug;
  std::string storage_retention;  // "15d", "15d or 512MiB", "" when unlimited
};

// How a target's globalUrl is derived from its scrapeUrl (Prometheus's
// GlobalURLOptions): targets on localhost get the external URL's host.
// Empty host: globalUrl is the scrapeUrl.
struct GlobalUrlOptions {
  std::string listen_address;  // "0.0.0.0:9090"
  std::string host;            // the external URL's host[:port]
  std::string scheme = "http";
};

struct AlertmanagerUrls {
  std::vector<std::string> active;
  std::vector<std::string> dropped;
};

struct StatusSources {
  std::function<std::vector<scrape::TargetStatus>()> targets;
  std::function<std::vector<scrape::DroppedTarget>()> dropped_targets;
  std::function<std::map<std::string, size_t>()> dropped_target_counts;
  std::function<std::vector<rules::GroupStatus>()> rule_groups;
  std::function<AlertmanagerUrls()> alertmanagers;
  std::function<tsdb::CardinalityStats(size_t limit)> tsdb_stats;
  std::function<RuntimeInfo()> runtime_info;
  std::function<std::string()> config_yaml;  // the configuration as loaded
  std::function<std::map<std::string, std::string>()> flags;  // flag name -> value as given or defaulted
  BuildInfo build_info;
  GlobalUrlOptions global_url;
};

class StatusApi {
 public:
  explicit StatusApi(StatusSources sources);
  ~StatusApi();

  // The answer for the paths above (/api/v1/targets, ...), nullopt for any
  // other path.
  std::optional<net::HttpResponse> handle(const net::HttpRequest& request) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cogwatch::server
