#include "notify/config.h"

#include <algorithm>
#include <set>

#include "model/yaml_reader.h"
#include "notify/internal/go_net.h"

namespace cogwatch::notify {
namespace {

// Receiver kinds Alertmanager (0.25 and later) knows and cogwatch cannot
// deliver: each is refused at its line rather than dropped unnoticed.
constexpr std::string_view kUndeliverable[] = {
    "email_configs",      "pagerduty_configs",  "slack_configs",     "opsgenie_configs", "wechat_configs",
    "pushover_configs",   "victorops_configs",  "sns_configs",       "telegram_configs", "webex_configs",
    "discord_configs",    "msteams_configs",    "msteamsv2_configs", "jira_configs",     "rocketchat_configs",
    "incidentio_configs", "mattermost_configs",
};

// Alertmanager 0.25's global keys besides resolve_timeout and http_config:
// settings of receivers cogwatch refuses anyway, read and checked as
// Alertmanager does, then unused.
constexpr std::string_view kGlobalUrls[] = {"pagerduty_url",     "opsgenie_api_url", "wechat_api_url",
                                            "victorops_api_url", "telegram_api_url", "webex_api_url"};
constexpr std::string_view kGlobalStrings[] = {
    "smtp_from",         "smtp_hello",         "smtp_auth_username", "smtp_auth_password",    "smtp_auth_password_file",
    "smtp_auth_secret",  "smtp_auth_identity", "slack_api_url_file", "opsgenie_api_key",      "opsgenie_api_key_file",
    "wechat_api_secret", "wechat_api_corp_id", "victorops_api_key",  "victorops_api_key_file"};
// Pairs of which at most one may be set (Alertmanager's Config.UnmarshalYAML).
constexpr std::pair<const char*, const char*> kGlobalExclusive[] = {
    {"slack_api_url", "slack_api_url_file"},
    {"opsgenie_api_key", "opsgenie_api_key_file"},
    {"victorops_api_key", "victorops_api_key_file"},
    {"smtp_auth_password", "smtp_auth_password_file"},
};

// model.LabelNameRE, which Alertmanager 0.25 checks match keys and
// group_by names with.
bool valid_label_name(std::string_view name) { return is_legacy_label_name(name); }

class Parser : public YamlReader {
 public:
  using YamlReader::YamlReader;

  NotifyConfig config(const YAML::Node& root) const {
    if (!root || root.IsNull()) {
      if (root && root.Mark().line >= 0) fail(root, "no route provided in config");
      throw Error{filename() + ":1:1: no route provided in config"};
    }
    Fields f(*this, root, "the configuration",
             {"global", "route", "inhibit_rules", "receivers", "templates", "time_intervals", "mute_time_intervals"});
    for (const char* key : {"templates", "time_intervals", "mute_time_intervals"}) {
      if (!empty_list(f.get(key))) fail(key_node(root, key), std::string("cogwatch does not support ") + key + " yet");
    }
    NotifyConfig c;
    const net::HttpClientConfig global_http = global(f.get("global"), c);
    c.receivers = receivers(f.get("receivers"), global_http);
    if (!f.has("route")) fail(f.get("route") ? key_node(root, "route") : root, "no routes provided");
    const YAML::Node route_node = f.get("route");
    c.route = route(route_node);
    check_root_route(route_node, c.route);
    check_receivers(route_node, c.route, c);
    c.inhibit_rules = inhibit_rules(f.get("inhibit_rules"));
    return c;
  }

 private:
  // The key node of `key` in a mapping, for errors about the field itself.
  static YAML::Node key_node(const YAML::Node& map, std::string_view key) {
    for (const auto& kv : map) {
      if (kv.first.Scalar() == key) return kv.first;
    }
    return map;
  }

  // A missing field, null or []: nothing configured.
  static bool empty_list(const YAML::Node& n) { return !n || n.IsNull() || (n.IsSequence() && n.size() == 0); }

  // Each item of a list field (none when missing or null).
  template <typename Each>
  void each_item(const Fields& f, const char* key, Each each) const {
    if (!f.has(key)) return;
    const YAML::Node list = f.get(key);
    if (!list.IsSequence()) fail(list, std::string(key) + " must be a list");
    for (const auto& item : list) each(item);
  }

  std::string scalar(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, what + " must be a string");
    return n.Scalar();
  }

  // An http or https URL, as Alertmanager's config.URL reads one.
  void check_url(const YAML::Node& n) const {
    auto url = internal::parse_go_url(scalar(n, "a URL"));
    if (!url) fail(n, url.error().message);
    if (url->scheme != "http" && url->scheme != "https") {
      fail(n, "unsupported scheme " + go_quote(url->scheme) + " for URL");
    }
    if (url->host.empty()) fail(n, "missing host for URL");
  }

  net::HttpClientConfig http_config(const YAML::Node& n) const {
    // HTTP client settings Alertmanager 0.25 has and net/ does not.
    if (n.IsMap()) {
      for (const char* key : {"oauth2", "proxy_url"}) {
        if (n[key]) fail(key_node(n, key), std::string("cogwatch does not support ") + key + " in http_config yet");
      }
    }
    Fields f(*this, n, "http_config", net::with_http_client_fields({}));
    return net::read_http_client_config(*this, f);
  }

  // global: resolve_timeout and http_config are used; the rest is checked.
  net::HttpClientConfig global(const YAML::Node& n, NotifyConfig& c) const {
    net::HttpClientConfig http;
    if (!n || n.IsNull()) return http;
    std::vector<std::string_view> known = {"resolve_timeout", "http_config", "smtp_smarthost", "smtp_require_tls",
                                           "slack_api_url"};
    known.insert(known.end(), std::begin(kGlobalUrls), std::end(kGlobalUrls));
    known.insert(known.end(), std::begin(kGlobalStrings), std::end(kGlobalStrings));
    Fields f(*this, n, "global", known);
    c.resolve_timeout = f.duration("resolve_timeout", c.resolve_timeout);
    if (f.has("http_config")) http = http_config(f.get("http_config"));
    for (std::string_view key : kGlobalStrings) (void)f.string(std::string(key).c_str());
    for (std::string_view key : kGlobalUrls) {
      if (f.has(std::string(key).c_str())) check_url(f.get(std::string(key).c_str()));
    }
    // SecretURL: "<secret>" stands for a URL hidden when the config was printed.
    if (f.has("slack_api_url") && f.string("slack_api_url") != "<secret>") check_url(f.get("slack_api_url"));
    (void)f.boolean("smtp_require_tls", true);
    if (const std::string hostport = f.string("smtp_smarthost"); !hostport.empty()) {
      auto port = internal::split_host_port(hostport);
      if (!port) fail(f.get("smtp_smarthost"), port.error().message);
      if (port->empty()) fail(f.get("smtp_smarthost"), "address " + go_quote(hostport) + ": port cannot be empty");
    }
    for (const auto& [a, b] : kGlobalExclusive) {
      if (!f.string(a).empty() && !f.string(b).empty()) {
        fail(n, std::string("at most one of ") + a + " & " + b + " must be configured");
      }
    }
    return http;
  }

  // A mapping of label names to values (match, source_match, ...), each
  // name checked; `value` gets the value's node.
  template <typename Each>
  void label_map(const Fields& f, const char* key, Each each) const {
    if (!f.has(key)) return;
    const YAML::Node map = f.get(key);
    if (!map.IsMap()) fail(map, std::string(key) + " must be a mapping of label names to values");
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const std::string name = scalar(kv.first, "a label name");
      if (!seen.insert(name).second) fail(kv.first, "key " + go_quote(name) + " already set in map");
      if (!valid_label_name(name)) fail(kv.first, "invalid label name " + go_quote(name));
      each(name, kv.second);
    }
  }

  // match, match_re and matchers (or source_/target_ ones) into matchers,
  // in that order.
  AmMatchers matchers(const Fields& f, const std::string& prefix) const {
    AmMatchers out;
    label_map(f, (prefix + "match").c_str(), [&](const std::string& name, const YAML::Node& v) {
      const std::string value = v.IsNull() ? "" : scalar(v, "a label value");
      out.push_back(*AmMatcher::make(AmMatchType::kEqual, name, value));
    });
    label_map(f, (prefix + "match_re").c_str(), [&](const std::string& name, const YAML::Node& v) {
      if (v.IsNull()) fail(v, "invalid regexp value for " + go_quote(name));
      // As Alertmanager's config.Regexp: compiled anchored, and that anchored
      // text is the matcher's value (it shows in route keys).
      auto m = AmMatcher::make(AmMatchType::kRegexp, name, "^(?:" + scalar(v, "a regular expression") + ")$");
      if (!m) fail(v, m.error().message);
      out.push_back(*std::move(m));
    });
    each_item(f, (prefix + "matchers").c_str(), [&](const YAML::Node& item) {
      auto ms = parse_matchers(scalar(item, "a matcher"));
      if (!ms) fail(item, ms.error().message);
      out.insert(out.end(), ms->begin(), ms->end());
    });
    return out;
  }

  RouteConfig route(const YAML::Node& n) const {
    Fields f(*this, n, "route",
             {"receiver", "group_by", "match", "match_re", "matchers", "mute_time_intervals", "active_time_intervals",
              "continue", "routes", "group_wait", "group_interval", "repeat_interval"});
    for (const char* key : {"mute_time_intervals", "active_time_intervals"}) {
      if (!empty_list(f.get(key))) fail(key_node(n, key), std::string("cogwatch does not support ") + key + " yet");
    }
    RouteConfig r;
    r.receiver = f.string("receiver");
    if (f.has("group_by")) {
      const YAML::Node list = f.get("group_by");
      std::vector<std::string> names;
      each_item(f, "group_by", [&](const YAML::Node& item) {
        const std::string name = scalar(item, "a group_by label");
        if (name == "...") {
          r.group_by_all = true;
          return;
        }
        if (!valid_label_name(name)) fail(item, "invalid label name " + go_quote(name) + " in group_by list");
        if (std::find(names.begin(), names.end(), name) != names.end()) {
          fail(item, "duplicated label " + go_quote(name) + " in group_by");
        }
        names.push_back(name);
      });
      if (r.group_by_all && !names.empty()) {
        fail(list, "cannot have wildcard group_by (`...`) and other other labels at the same time");
      }
      // As Alertmanager's NewRoute: a list without label names (`[]`, or
      // ['...']) leaves the parent's group_by in place.
      if (!names.empty()) r.group_by = std::move(names);
    }
    r.matchers = matchers(f, "");
    r.continue_matching = f.boolean("continue", false);
    auto duration = [&](const char* key) -> std::optional<Duration> {
      if (!f.has(key)) return std::nullopt;
      return f.duration(key, 0);
    };
    r.group_wait = duration("group_wait");
    r.group_interval = duration("group_interval");
    r.repeat_interval = duration("repeat_interval");
    if (r.group_interval == 0) fail(f.get("group_interval"), "group_interval cannot be zero");
    if (r.repeat_interval == 0) fail(f.get("repeat_interval"), "repeat_interval cannot be zero");
    each_item(f, "routes", [&](const YAML::Node& child) { r.routes.push_back(route(child)); });
    return r;
  }

  void check_root_route(const YAML::Node& n, const RouteConfig& r) const {
    if (r.receiver.empty()) fail(n, "root route must specify a default receiver");
    if (!r.matchers.empty()) {
      for (const char* key : {"match", "match_re", "matchers"}) {
        const YAML::Node v = n[key];
        if (v && v.size() > 0) fail(key_node(n, key), "root route must not have any matchers");
      }
    }
    if (r.continue_matching) fail(n["continue"], "cannot have continue in root route");
  }

  // Every route's receiver is one of the receivers.
  void check_receivers(const YAML::Node& n, const RouteConfig& r, const NotifyConfig& c) const {
    if (!r.receiver.empty() && c.receiver(r.receiver) == nullptr) {
      fail(n["receiver"], "undefined receiver " + go_quote(r.receiver) + " used in route");
    }
    for (size_t i = 0; i < r.routes.size(); ++i) check_receivers(n["routes"][i], r.routes[i], c);
  }

  WebhookConfig webhook(const YAML::Node& n, const net::HttpClientConfig& global_http) const {
    Fields f(*this, n, "webhook config", {"send_resolved", "http_config", "url", "url_file", "max_alerts", "timeout"});
    WebhookConfig w;
    w.send_resolved = f.boolean("send_resolved", true);
    w.http_config = f.has("http_config") ? http_config(f.get("http_config")) : global_http;
    if (f.has("url")) {
      check_url(f.get("url"));
      w.url = f.string("url");
    }
    w.url_file = f.string("url_file");
    if (!f.has("url") && w.url_file.empty()) fail(n, "one of url or url_file must be configured");
    if (f.has("url") && !w.url_file.empty()) fail(n, "at most one of url & url_file must be configured");
    w.max_alerts = f.count("max_alerts");
    w.timeout = f.duration("timeout", 0);
    return w;
  }

  std::vector<ReceiverConfig> receivers(const YAML::Node& list, const net::HttpClientConfig& global_http) const {
    std::vector<ReceiverConfig> out;
    if (!list || list.IsNull()) return out;
    if (!list.IsSequence()) fail(list, "receivers must be a list");
    for (const auto& n : list) {
      std::vector<std::string_view> known = {"name", "webhook_configs", "log_configs"};
      known.insert(known.end(), std::begin(kUndeliverable), std::end(kUndeliverable));
      Fields f(*this, n, "receiver", known);
      for (std::string_view kind : kUndeliverable) {
        if (!empty_list(f.get(std::string(kind).c_str()))) {
          fail(key_node(n, kind),
               "cogwatch cannot deliver " + std::string(kind) + ": only webhook_configs and log_configs are supported");
        }
      }
      ReceiverConfig r;
      r.name = f.string("name");
      if (r.name.empty()) fail(n, "missing name in receiver");
      for (const ReceiverConfig& other : out) {
        if (other.name == r.name)
          fail(f.get("name"), "notification config name " + go_quote(r.name) + " is not unique");
      }
      each_item(f, "webhook_configs",
                [&](const YAML::Node& w) { r.webhook_configs.push_back(webhook(w, global_http)); });
      each_item(f, "log_configs", [&](const YAML::Node& l) {
        Fields lf(*this, l, "log config", {"send_resolved"});
        r.log_configs.push_back(LogReceiverConfig{.send_resolved = lf.boolean("send_resolved", true)});
      });
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<InhibitRuleConfig> inhibit_rules(const YAML::Node& list) const {
    std::vector<InhibitRuleConfig> out;
    if (!list || list.IsNull()) return out;
    if (!list.IsSequence()) fail(list, "inhibit_rules must be a list");
    for (const auto& n : list) {
      Fields f(*this, n, "inhibit rule",
               {"source_match", "source_match_re", "source_matchers", "target_match", "target_match_re",
                "target_matchers", "equal"});
      InhibitRuleConfig r;
      r.source_matchers = matchers(f, "source_");
      r.target_matchers = matchers(f, "target_");
      each_item(f, "equal", [&](const YAML::Node& item) {
        const std::string name = scalar(item, "a label name");
        if (!valid_label_name(name)) fail(item, go_quote(name) + " is not a valid label name");
        r.equal.push_back(name);
      });
      out.push_back(std::move(r));
    }
    return out;
  }
};

}  // namespace

const ReceiverConfig* NotifyConfig::receiver(std::string_view name) const {
  for (const ReceiverConfig& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Result<NotifyConfig> parse_notify_config(std::string_view text, const std::string& filename) {
  return read_yaml_document(text, filename,
                            [&](const YamlReader&, const YAML::Node& root) { return Parser(filename).config(root); });
}

NotifyConfig read_notify_config(const YamlReader& reader, const YAML::Node& node) {
  return Parser(reader.filename()).config(node);
}

Result<std::optional<NotifyConfig>> parse_notify_section(std::string_view text, const std::string& filename) {
  return read_yaml_document(text, filename, [&](const YamlReader& reader, const YAML::Node& root) {
    std::optional<NotifyConfig> out;
    if (root.IsMap() && root["notify"] && !root["notify"].IsNull()) out = read_notify_config(reader, root["notify"]);
    return out;
  });
}

}  // namespace cogwatch::notify
