// Target discovery shared by everything that finds its peers in
// prometheus.yml: scrape targets and Alertmanagers. `static_configs` and
// `file_sd_configs` as Prometheus reads them, and the label sets they
// discover:
//
//   // Inside a YamlReader parse (model/yaml_reader.h):
//   cfg.static_configs = read_static_configs(reader, f.get("static_configs"));
//   cfg.file_sd_configs = read_file_sd_configs(reader, f.get("file_sd_configs"));
//   // Later, and again whenever files may have changed:
//   Result<std::vector<Labels>> found = discover_targets(cfg.static_configs, cfg.file_sd_configs, config_dir);
//
// A discovered target is a label set with __address__, its group's labels
// and, from a file, __meta_filepath. What a target becomes (scheme, path,
// relabelling) is the caller's business. File files are JSON or YAML:
//
//   [{"targets": ["10.0.0.1:5000"], "labels": {"env": "prod"}}]
//
// Watching the files is the caller's too (it calls discover_targets again).
//
// Thread-safety: plain values and functions; the file reads may run on any
// thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "model/yaml_reader.h"

namespace cogwatch::net {

struct StaticConfig {
  std::vector<std::string> targets;  // host:port
  Labels labels;
};

struct FileSdConfig {
  std::vector<std::string> files;  // paths or globs, relative to the config file
  Duration refresh_interval = 5 * kMinute;
};

// Reads a `static_configs` list (`targets`, `labels`). An absent or null
// node is an empty list. Fails, as YamlReader does, at the bad place:
// "static_configs must be a list", unknown fields of a "static config",
// and, when check_addresses, "\"http://x:1\" is not a valid hostname" (a
// target with a '/'). Prometheus checks addresses here only when the
// config has no relabel_configs (which may still turn a URL into an
// address); the caller checks the relabelled address in any case.
std::vector<StaticConfig> read_static_configs(const YamlReader& reader, const YAML::Node& node, bool check_addresses);

// Whether a config mapping's `relabel_configs` is absent or empty: then
// its static targets' addresses are checked as they are read.
bool has_no_relabel_configs(const YamlReader::Fields& config);

// Reads a `file_sd_configs` list (`files`, `refresh_interval`). Fails at
// the bad place: "file_sd_configs must be a list", "path \"x.txt\" is not
// valid for file discovery (.json, .yml or .yaml)".
std::vector<FileSdConfig> read_file_sd_configs(const YamlReader& reader, const YAML::Node& node);

// Parses one file's content; `path` decides the format (.json, or .yml /
// .yaml) and is reported in errors ("targets.json:3:5: ...") and in
// __meta_filepath. Errors: kInvalidArgument.
Result<std::vector<Labels>> parse_file_sd(std::string_view content, const std::string& path);

// Reads every file matching the globs (relative ones resolved against
// base_dir). A file that fails to parse is an error naming it; a glob that
// matches nothing yields nothing, as in Prometheus.
Result<std::vector<Labels>> read_file_sd(const std::vector<std::string>& globs, const std::string& base_dir);

// Every target of the static groups (their labels and __address__), then
// every target of the files, in order. Errors: read_file_sd's.
Result<std::vector<Labels>> discover_targets(const std::vector<StaticConfig>& static_configs,
                                             const std::vector<FileSdConfig>& file_sd_configs,
                                             const std::string& base_dir);

}  // namespace cogwatch::net
