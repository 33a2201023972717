// The `alerting:` section of prometheus.yml, unchanged from Prometheus 3:
// where the rule engine's alerts go (Alertmanagers found by static_configs
// or file_sd_configs) and how they are relabelled on the way.
//
//   alerting:
//     alert_relabel_configs: [{action: labeldrop, regex: replica}]
//     alertmanagers:
//       - static_configs: [{targets: ['am1:9093', 'am2:9093']}]
//         path_prefix: /am
//         timeout: 5s
//         basic_auth: {username: prom, password_file: /etc/am.pass}
//
//   Result<AlertingConfig> a = parse_alerting_config(prometheus_yml_text, "prometheus.yml");
//   // or, inside a YamlReader parse of the whole file:
//   AlertingConfig a = read_alerting_config(reader, root["alerting"]);
//
// Read as strictly as Prometheus reads it (unknown and repeated fields are
// errors at their place, in the words of model/yaml_reader.h); the
// Alertmanager fields: static_configs, file_sd_configs (net/discovery.h),
// relabel_configs (on the discovered targets: __address__, __scheme__,
// __alerts_path__), alert_relabel_configs (this Alertmanager's, after the
// section's), scheme (http or https), path_prefix, timeout (default 10s),
// api_version (v2 only, as Prometheus 3: "expected Alertmanager api version
// to be one of [v2] but got v1"), and the HTTP client settings
// (net/http_config.h). Other discovery mechanisms (dns_sd_configs,
// kubernetes_sd_configs, ...), oauth2, proxy_url and sigv4 are unknown
// fields here.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/time.h"
#include "model/yaml_reader.h"
#include "net/discovery.h"
#include "net/http_config.h"
#include "net/relabel.h"

namespace cogwatch::notify {

// One entry of `alertmanagers`: a set of Alertmanagers sharing settings.
struct AlertmanagerConfig {
  std::vector<net::StaticConfig> static_configs;
  std::vector<net::FileSdConfig> file_sd_configs;
  std::vector<net::RelabelConfig> relabel_configs;        // on the discovered targets
  std::vector<net::RelabelConfig> alert_relabel_configs;  // on the alerts sent to these, after the section's
  std::string scheme = "http";                            // __scheme__ before relabelling
  std::string path_prefix;                                // __alerts_path__ is path_prefix + /api/v2/alerts
  Duration timeout = 10 * kSecond;                        // of each POST
  net::HttpClientConfig http_config;                      // auth, TLS, redirects
};

struct AlertingConfig {
  std::vector<net::RelabelConfig> alert_relabel_configs;  // on every alert, before any Alertmanager's own
  std::vector<AlertmanagerConfig> alertmanagers;
};

// Reads the `alerting` node (absent or null: no Alertmanagers). Fails as
// YamlReader does (throws YamlReader::Error at the bad place); call it
// inside read_yaml_document().
AlertingConfig read_alerting_config(const YamlReader& reader, const YAML::Node& node);

// The `alerting` section of a whole prometheus.yml text; the rest of the
// file is not checked here (scrape/config.h's parse_config reads it).
// Errors: kInvalidArgument, "<filename>:<line>:<col>: <what>".
Result<AlertingConfig> parse_alerting_config(std::string_view text, const std::string& filename);

// One Alertmanager found by discovery: its labels after relabel_configs
// and the URL alerts are POSTed to, scheme://__address__ + __alerts_path__
// (Prometheus's alertmanagerLabels.url()).
struct AlertmanagerTarget {
  Labels labels;
  std::string url;
  size_t config = 0;  // its entry in AlertingConfig::alertmanagers
};

// The Alertmanagers of every entry, as Prometheus's AlertmanagerFromGroup
// finds them: each discovered target (net/discovery.h; file_sd paths
// relative to config_dir) gets __scheme__ (the entry's scheme) and
// __alerts_path__ (alerts_path(path_prefix)) unless its group's labels set
// them, then the entry's relabel_configs; a dropped target is left out.
// The same URL twice within an entry is one Alertmanager; across entries
// the first entry's keeps it (Prometheus would POST twice). Errors: the
// discovery's (a file that does not parse), and kInvalidArgument
// "\"http://x\" is not a valid hostname" for a relabelled __address__
// with a '/'.
Result<std::vector<AlertmanagerTarget>> discover_alertmanagers(const AlertingConfig& config,
                                                               const std::string& config_dir);

// The path Prometheus POSTs to, path.Join("/", path_prefix, "/api/v2/alerts"):
// "/api/v2/alerts", "/am/api/v2/alerts" for "am/" or "/am".
std::string alerts_path(std::string_view path_prefix);

}  // namespace cogwatch::notify
