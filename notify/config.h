// The built-in notifier's configuration: an alertmanager.yml document, as
// Alertmanager 0.25 reads it (route tree, receivers with webhook_configs,
// inhibit_rules, global.resolve_timeout), either a file of its own
// (`--notify.config.file`) or the `notify:` section of cogwatch's config.
//
//   auto cfg = parse_notify_config(text, "alertmanager.yml");
//   if (!cfg) log(cfg.error().message);  // "alertmanager.yml:12:7: ..."
//   auto root = Route::build(cfg->route);  // notify/route.h
//
// What cogwatch cannot deliver (email_configs, slack_configs, ...;
// mute_time_intervals, templates) is a load error at its line, never
// silently ignored. Two webhook fields come from later Alertmanagers
// (url_file from 0.26, timeout from 0.28); 0.25 refuses them.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/time.h"
#include "net/http_config.h"
#include "notify/matchers.h"

namespace YAML {
class Node;
}

namespace cogwatch {
class YamlReader;
}

namespace cogwatch::notify {

struct WebhookConfig {
  std::string url;       // one of url and url_file; an http(s) URL with a host
  std::string url_file;  // read at each delivery, as Alertmanager does
  bool send_resolved = true;
  uint64_t max_alerts = 0;            // 0: all
  Duration timeout = 0;               // per attempt; 0: the default (kDefaultWebhookTimeout)
  net::HttpClientConfig http_config;  // global.http_config when the webhook sets none
};

// Per attempt, when a webhook sets none: a hung receiver costs this much.
inline constexpr Duration kDefaultWebhookTimeout = 10 * kSecond;

// cogwatch's own receiver kind: each notification written to the daemon's
// log, readably (`log_configs: [{send_resolved: true}]`). It is how the
// embedded default configuration and the demo notify without a webhook;
// Alertmanager has no such kind, so a file using it is cogwatch's only.
struct LogReceiverConfig {
  bool send_resolved = true;
};

struct ReceiverConfig {
  std::string name;
  std::vector<WebhookConfig> webhook_configs;  // integrations 0..n-1
  std::vector<LogReceiverConfig> log_configs;  // integrations n.. after them
  // No integration at all: a receiver that drops (as Alertmanager's).
};

// One node of `route:` as written; inheritance of unset fields happens when
// the tree is built (notify/route.h).
struct RouteConfig {
  std::string receiver;  // "": inherited
  // nullopt: inherited. As Alertmanager's NewRoute, a list without label
  // names ([] or ['...']) inherits too; ['...'] sets group_by_all.
  std::optional<std::vector<std::string>> group_by;
  bool group_by_all = false;
  // match (=), match_re (=~) and matchers together, in that order. A
  // match_re value is kept as Alertmanager keeps it, anchored: {a: 'x|y'}
  // is a=~"^(?:x|y)$", which is how route keys print it.
  AmMatchers matchers;
  bool continue_matching = false;  // `continue`
  std::optional<Duration> group_wait, group_interval, repeat_interval;
  std::vector<RouteConfig> routes;
};

struct InhibitRuleConfig {
  AmMatchers source_matchers;  // source_match, source_match_re and source_matchers together, as a route's
  AmMatchers target_matchers;
  std::vector<std::string> equal;
};

struct NotifyConfig {
  Duration resolve_timeout = 5 * kMinute;  // global.resolve_timeout
  RouteConfig route;
  std::vector<ReceiverConfig> receivers;
  std::vector<InhibitRuleConfig> inhibit_rules;

  // The receiver with this name, or nullptr.
  const ReceiverConfig* receiver(std::string_view name) const;
};

// Parses an alertmanager.yml document, as strictly as Alertmanager 0.25
// (unknown or repeated fields are errors; the root route needs a receiver
// and has no matchers and no continue; every route's receiver exists; an
// empty document has no route). Errors: kInvalidArgument,
// "<filename>:<line>:<col>: <what>" in Alertmanager's words where it has
// them.
Result<NotifyConfig> parse_notify_config(std::string_view text, const std::string& filename);

// The same for a node inside another file (cogwatch.yml's `notify:`);
// throws YamlReader::Error, for the enclosing file's reader to report.
NotifyConfig read_notify_config(const YamlReader& reader, const YAML::Node& node);

// The `notify:` section of a cogwatch config file (prometheus.yml plus
// that section), nullopt when there is none. Errors point into that file.
Result<std::optional<NotifyConfig>> parse_notify_section(std::string_view text, const std::string& filename);

}  // namespace cogwatch::notify
