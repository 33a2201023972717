#include "notify/alerting_config.h"

#include <set>

namespace cogwatch::notify {
namespace {

AlertmanagerConfig read_alertmanager(const YamlReader& r, const YAML::Node& n) {
  const YamlReader::Fields f(
      r, n, "alertmanager config",
      net::with_http_client_fields({"static_configs", "file_sd_configs", "relabel_configs", "alert_relabel_configs",
                                    "scheme", "path_prefix", "timeout", "api_version"}));
  AlertmanagerConfig c;
  c.static_configs = net::read_static_configs(r, f.get("static_configs"), net::has_no_relabel_configs(f));
  c.file_sd_configs = net::read_file_sd_configs(r, f.get("file_sd_configs"));
  c.relabel_configs = net::read_relabel_configs(r, f.get("relabel_configs"), "relabel config");
  c.alert_relabel_configs = net::read_relabel_configs(r, f.get("alert_relabel_configs"), "alert relabel config");
  c.scheme = f.string("scheme", c.scheme);
  if (c.scheme != "http" && c.scheme != "https") r.fail(f.get("scheme"), "unsupported scheme \"" + c.scheme + "\"");
  c.path_prefix = f.string("path_prefix");
  c.timeout = f.duration("timeout", c.timeout);
  if (const std::string version = f.string("api_version", "v2"); version != "v2") {
    r.fail(f.get("api_version"), "expected Alertmanager api version to be one of [v2] but got " + version);
  }
  c.http_config = net::read_http_client_config(r, f);
  return c;
}

}  // namespace

AlertingConfig read_alerting_config(const YamlReader& r, const YAML::Node& n) {
  AlertingConfig c;
  if (!n || n.IsNull()) return c;
  const YamlReader::Fields f(r, n, "alerting config", {"alert_relabel_configs", "alertmanagers"});
  c.alert_relabel_configs = net::read_relabel_configs(r, f.get("alert_relabel_configs"), "alert relabel config");
  if (f.has("alertmanagers")) {
    const YAML::Node list = f.get("alertmanagers");
    if (!list.IsSequence()) r.fail(list, "alertmanagers must be a list");
    for (const auto& item : list) c.alertmanagers.push_back(read_alertmanager(r, item));
  }
  return c;
}

Result<AlertingConfig> parse_alerting_config(std::string_view text, const std::string& filename) {
  return read_yaml_document(text, filename, [](const YamlReader& r, const YAML::Node& root) {
    if (!root || root.IsNull()) return AlertingConfig{};
    if (!root.IsMap()) r.fail(root, "the configuration must be a mapping");
    return read_alerting_config(r, root["alerting"]);
  });
}

std::string alerts_path(std::string_view path_prefix) {
  // path.Join("/", prefix, "/api/v2/alerts"): segments joined by one '/',
  // "." and empty segments dropped, ".." going up.
  std::vector<std::string_view> parts;
  auto add = [&](std::string_view p) {
    while (!p.empty()) {
      const size_t slash = p.find('/');
      const std::string_view seg = p.substr(0, slash);
      p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        if (!parts.empty()) parts.pop_back();
        continue;
      }
      parts.push_back(seg);
    }
  };
  add(path_prefix);
  add("api/v2/alerts");
  std::string out;
  for (std::string_view p : parts) (out += '/') += p;
  return out;
}

Result<std::vector<AlertmanagerTarget>> discover_alertmanagers(const AlertingConfig& config,
                                                               const std::string& config_dir) {
  std::vector<AlertmanagerTarget> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < config.alertmanagers.size(); ++i) {
    const AlertmanagerConfig& am = config.alertmanagers[i];
    auto found = net::discover_targets(am.static_configs, am.file_sd_configs, config_dir);
    if (!found) return found.take_error();
    const std::string path = alerts_path(am.path_prefix);
    for (const Labels& discovered : *found) {
      LabelsBuilder b(discovered);
      if (discovered.get("__scheme__").empty()) b.set("__scheme__", am.scheme);
      if (discovered.get("__alerts_path__").empty()) b.set("__alerts_path__", path);
      std::optional<Labels> labels = net::relabel(b.build(), am.relabel_configs);
      if (!labels) continue;
      const std::string address(labels->get("__address__"));
      if (address.find('/') != std::string::npos) {
        return make_error(ErrorCode::kInvalidArgument, "\"" + address + "\" is not a valid hostname");
      }
      std::string url = std::string(labels->get("__scheme__")) + "://" + address + std::string(labels->get("__alerts_path__"));
      if (!seen.insert(url).second) continue;
      out.push_back({.labels = *std::move(labels), .url = std::move(url), .config = i});
    }
  }
  return out;
}

}  // namespace cogwatch::notify
