// The handlers behind StatusApi, one file per topic: targets and metadata
// (status_targets.cc), rules and alerts (status_rules.cc).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "net/http_message.h"
#include "server/api_params.h"
#include "server/status_api.h"

namespace cogwatch::server::internal {

// /api/v1/targets: state, scrapePool.
net::HttpResponse targets_response(const StatusSources& sources, const ApiParams& params);
// /api/v1/metadata: limit, limit_per_metric, metric.
net::HttpResponse metric_metadata_response(const StatusSources& sources, const ApiParams& params);
// /api/v1/targets/metadata: match_target, metric, limit.
net::HttpResponse target_metadata_response(const StatusSources& sources, const ApiParams& params);

// A rule's query as Prometheus prints it (rule.Query().String()): parsed
// and printed once per distinct text, then remembered (at most 10000).
class ExprPrinter {
 public:
  std::string print(const std::string& expr);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> printed_;  // guarded by mu_
};

// /api/v1/rules: type, rule_name[], rule_group[], file[], match[],
// exclude_alerts, group_limit, group_next_token.
net::HttpResponse rules_response(const StatusSources& sources, const ApiParams& params, ExprPrinter& printer);
// /api/v1/alerts.
net::HttpResponse alerts_response(const StatusSources& sources);
// A globalUrl as Prometheus's getGlobalURL.
std::string global_url(const std::string& scrape_url, const GlobalUrlOptions& options);

}  // namespace cogwatch::server::internal
