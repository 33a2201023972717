// /api/v1/rules and /api/v1/alerts as Prometheus 3's rules and alerts
// handlers.
#include <openssl/sha.h>

#include <set>

#include "model/go_json.h"
#include "parser/parser.h"
#include "parser/printer.h"
#include "server/api_response.h"
#include "server/internal/go_values.h"
#include "server/internal/status_handlers.h"

namespace cogwatch::server::internal {
namespace {

ApiError invalid_param(std::string_view name, const std::string& message) {
  return {ApiErrorType::kBadData, "invalid parameter \"" + std::string(name) + "\": " + message};
}

// Active alerts (pending and firing; resolved ones are kept by the rule
// only to be sent as resolved), as rulesAlertsToAPIAlerts writes them.
void append_alerts(std::string& out, const std::vector<rules::Alert>& alerts, bool& first) {
  for (const rules::Alert& a : alerts) {
    if (a.resolved_at) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"labels\":";
    append_labels(out, a.labels);
    out += ",\"annotations\":";
    append_annotations(out, a.annotations);
    out += ",\"state\":";
    append_go_json_string(out, rules::state_name(a.state));
    out += ",\"activeAt\":";
    append_json_time(out, a.active_at);
    if (a.keep_firing_since) {
      out += ",\"keepFiringSince\":";
      append_json_time(out, *a.keep_firing_since);
    }
    out += ",\"value\":";
    append_go_json_string(out, format_float_e(a.value));
    out += '}';
  }
}

// The rule's state: the highest of its alerts' (inactive < pending < firing).
rules::AlertState rule_state(const rules::GroupStatus::Rule& r) {
  rules::AlertState s = rules::AlertState::kInactive;
  for (const rules::Alert& a : r.alerts) s = std::max(s, a.state);
  return s;
}

void append_rule_status(std::string& out, const rules::RuleStatus& s) {
  out += ",\"health\":";
  append_go_json_string(out, rules::health_name(s.health));
  if (!s.last_error.empty()) {
    out += ",\"lastError\":";
    append_go_json_string(out, s.last_error);
  }
  out += ",\"evaluationTime\":";
  append_json_seconds(out, s.evaluation_time);
  out += ",\"lastEvaluation\":";
  append_json_time(out, s.last_evaluation);
}

void append_rule(std::string& out, const rules::GroupStatus::Rule& r, bool exclude_alerts, ExprPrinter& printer) {
  if (r.alerting) {
    out += "{\"state\":";
    append_go_json_string(out, rules::state_name(rule_state(r)));
    out += ",\"name\":";
    append_go_json_string(out, r.name);
    out += ",\"query\":";
    append_go_json_string(out, printer.print(r.expr));
    out += ",\"duration\":";
    append_json_seconds(out, r.for_duration);
    out += ",\"keepFiringFor\":";
    append_json_seconds(out, r.keep_firing_for);
    out += ",\"labels\":";
    append_labels(out, r.labels);
    out += ",\"annotations\":";
    append_annotations(out, r.annotations);
    out += ",\"alerts\":";
    if (exclude_alerts) {
      out += "null";  // a nil slice
    } else {
      out += '[';
      bool first = true;
      append_alerts(out, r.alerts, first);
      out += ']';
    }
    append_rule_status(out, r.status);
    out += ",\"type\":\"alerting\"}";
    return;
  }
  out += "{\"name\":";
  append_go_json_string(out, r.name);
  out += ",\"query\":";
  append_go_json_string(out, printer.print(r.expr));
  out += ",\"labels\":";
  append_labels(out, r.labels);
  append_rule_status(out, r.status);
  out += ",\"type\":\"recording\"}";
}

// getRuleGroupNextToken: hex(sha256(file + ";" + group)).
std::string group_token(const rules::GroupStatus& g) {
  const std::string key = g.file + ";" + g.name;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

std::string ExprPrinter::print(const std::string& expr) {
  {
    std::lock_guard lock(mu_);
    if (auto it = printed_.find(expr); it != printed_.end()) return it->second;
  }
  auto parsed = parser::parse_expr(expr);
  std::string text = parsed ? parser::print(**parsed) : expr;
  std::lock_guard lock(mu_);
  if (printed_.size() >= 10000) printed_.clear();
  printed_.emplace(expr, text);
  return text;
}

net::HttpResponse rules_response(const StatusSources& sources, const ApiParams& params, ExprPrinter& printer) {
  auto as_set = [&](std::string_view name) {
    const std::vector<std::string> v = params.all(name);
    return std::set<std::string>(v.begin(), v.end());
  };
  const std::set<std::string> rule_names = as_set("rule_name[]");
  const std::set<std::string> group_names = as_set("rule_group[]");
  const std::set<std::string> files = as_set("file[]");

  // match[] as parseMatchersParam: each a selector, each with a matcher
  // that does not match the empty value.
  std::vector<std::vector<LabelMatcher>> matcher_sets;
  for (const std::string& m : params.all("match[]")) {
    auto parsed = parse_metric_selector(m);
    if (!parsed) return api_error({ApiErrorType::kBadData, parsed.error().message});
    matcher_sets.push_back(*std::move(parsed));
  }
  for (const auto& set : matcher_sets) {
    const bool selective = std::any_of(set.begin(), set.end(), [](const LabelMatcher& m) { return !m.matches_empty(); });
    if (!selective) return api_error({ApiErrorType::kBadData, "match[] must contain at least one non-empty matcher"});
  }

  const std::string type = ascii_lower(params.value("type"));
  if (!type.empty() && type != "alert" && type != "record") {
    return api_error(invalid_param("type", "not supported value " + go_json_string(type)));
  }
  const bool return_alerting = type.empty() || type == "alert";
  const bool return_recording = type.empty() || type == "record";

  bool exclude_alerts = false;
  if (const std::string s = ascii_lower(params.value("exclude_alerts")); !s.empty()) {
    auto b = go_parse_bool(s);
    if (!b) return api_error(invalid_param("exclude_alerts", "error converting exclude_alerts: " + b.error().message));
    exclude_alerts = *b;
  }

  // Pagination (Prometheus 3): group_limit groups per answer, the next
  // page starting at the group named by group_next_token.
  int64_t max_groups = -1;
  const std::string limit_text = params.value("group_limit");
  std::string next_token = params.value("group_next_token");
  if (!next_token.empty() && limit_text.empty()) {
    return api_error(
        invalid_param("group_next_token", "group_limit needs to be present in order to paginate over the groups"));
  }
  if (!limit_text.empty()) {
    auto n = go_parse_int(limit_text, 32);
    if (!n) return api_error(invalid_param("group_limit", "group_limit needs to be a valid number: " + n.error().message));
    if (*n <= 0) return api_error(invalid_param("group_limit", "group_limit needs to be greater than 0"));
    max_groups = *n;
  }
  if (max_groups <= 0) next_token.clear();

  const std::vector<rules::GroupStatus> groups = sources.rule_groups ? sources.rule_groups() : std::vector<rules::GroupStatus>{};
  std::string out = "{\"groups\":[";
  std::string group_next_token;
  int64_t written = 0;
  bool found_token = false;
  for (const rules::GroupStatus& g : groups) {
    if (max_groups > 0 && !next_token.empty() && !found_token) {
      if (next_token != group_token(g)) continue;
      found_token = true;
    }
    if (!group_names.empty() && !group_names.contains(g.name)) continue;
    if (!files.empty() && !files.contains(g.file)) continue;

    std::string rules_json;
    for (const rules::GroupStatus::Rule& r : g.rules) {
      if (!matcher_sets.empty()) {
        const bool any = std::any_of(matcher_sets.begin(), matcher_sets.end(),
                                     [&](const auto& set) { return matches_all(set, r.labels); });
        if (!any) continue;
      }
      if (!rule_names.empty() && !rule_names.contains(r.name)) continue;
      if (r.alerting ? !return_alerting : !return_recording) continue;
      if (!rules_json.empty()) rules_json += ',';
      append_rule(rules_json, r, exclude_alerts, printer);
    }
    // A group whose rules were all filtered out is left out.
    if (rules_json.empty()) continue;
    if (max_groups > 0 && written == max_groups) {
      group_next_token = group_token(g);
      break;
    }
    if (written++ > 0) out += ',';
    out += "{\"name\":";
    append_go_json_string(out, g.name);
    out += ",\"file\":";
    append_go_json_string(out, g.file);
    out += ",\"rules\":[";
    out += rules_json;
    out += "],\"interval\":";
    append_json_seconds(out, g.interval);
    out += ",\"limit\":" + std::to_string(g.limit);
    out += ",\"evaluationTime\":";
    append_json_seconds(out, g.stats.last_duration);
    out += ",\"lastEvaluation\":";
    append_json_time(out, g.stats.last_evaluation);
    out += '}';
  }
  if (max_groups > 0 && !next_token.empty() && !found_token) {
    return api_error(
        invalid_param("group_next_token", "invalid group_next_token '" + next_token + "'. were rule groups changed?"));
  }
  out += ']';
  if (!group_next_token.empty()) {
    out += ",\"groupNextToken\":";
    append_go_json_string(out, group_next_token);
  }
  out += '}';
  return api_success(out);
}

net::HttpResponse alerts_response(const StatusSources& sources) {
  std::string out = "{\"alerts\":[";
  bool first = true;
  if (sources.rule_groups) {
    for (const rules::GroupStatus& g : sources.rule_groups()) {
      for (const rules::GroupStatus::Rule& r : g.rules) {
        if (r.alerting) append_alerts(out, r.alerts, first);
      }
    }
  }
  out += "]}";
  return api_success(out);
}

}  // namespace cogwatch::server::internal
