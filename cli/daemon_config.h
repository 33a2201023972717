// The daemon's configuration: everything a running cogwatch needs from its
// one config file (prometheus.yml plus cogwatch's `notify:` section), read
// and checked all or nothing. The daemon calls it at start and at every
// reload; `cogwatch check config` calls read_daemon_config() to report
// piece by piece, so both judge a file the same way.
//
//   auto cfg = load_daemon_config("/etc/cogwatch/cogwatch.yml");
//   if (!cfg) { log(cfg.error().message); return; }  // one error per line, each file:line:col
//   for (const std::string& w : cfg->warnings) log(w);
//   start(cfg->scrape, cfg->alerting, cfg->notify, cfg->rule_files);
//
// What is read: `global`, `scrape_configs`, `rule_files` (scrape/config.h),
// `alerting` (notify/alerting_config.h), `notify` (notify/config.h), and
// every rule file the rule_files patterns name, relative to the config's
// directory (rules/rule_file.h, templates checked). A rule_files entry
// without '*' that names no file is an error, as promtool check config
// says ("\"rules.yml\" does not point to an existing file"); a pattern that
// matches nothing is not (Prometheus loads no rules from it). Prometheus's
// sections that cogwatch does not implement are warnings.
//
// Thread-safety: plain values and functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/error.h"
#include "notify/alerting_config.h"
#include "notify/config.h"
#include "remote/write_config.h"
#include "rules/rule_file.h"
#include "scrape/config.h"

namespace cogwatch::cli {

struct DaemonConfig {
  std::string path;  // the file read ("" for a text given directly)
  std::string dir;   // relative paths in it (rule_files, file_sd, secret files) are resolved against this; "": cwd
  std::string text;  // the file's text, served by /api/v1/status/config
  scrape::Config scrape;                       // global, scrape_configs, rule_files (the patterns)
  notify::AlertingConfig alerting;             // prometheus.yml's alerting:
  std::optional<notify::NotifyConfig> notify;  // cogwatch's notify: section (the built-in Alertmanager's routes)
  std::vector<remote::RemoteWriteConfig> remote_write;  // prometheus.yml's remote_write: (remote/write_config.h)
  std::vector<rules::RuleFile> rule_files;     // every file the rule_files patterns name, parsed, in order
  // "cogwatch.yml:40:1: remote_read is not implemented by cogwatch; the section is ignored"
  std::vector<std::string> warnings;
};

struct DaemonConfigOptions {
  bool read_rule_files = true;  // false: the patterns are not expanded (check config --syntax-only)
};

// A config as far as it could be read, with its errors, for callers that
// report each file's verdict (check config).
struct DaemonConfigReport {
  DaemonConfig config;              // the parts that parsed; rule_files empty when `errors` is not
  std::vector<std::string> errors;  // the config file's own, "file:line:col: message"; rule files' are in each RuleFile

  // No error in the config file or in any rule file.
  bool ok() const;
  // Every error, the config file's then each rule file's, one per line.
  std::string error_text() const;
};

// Reads `text` (named `filename` in messages) and the rule files it names
// (relative to base_dir). Never fails as a whole: see the report.
DaemonConfigReport read_daemon_config(std::string text, const std::string& filename, const std::string& base_dir,
                                      const DaemonConfigOptions& options = {});

// Reads and checks the file at `path`; relative paths in it are resolved
// against its directory. Errors: the file's read error (kNotFound
// "path: cannot read file"), or kInvalidArgument whose message lists every
// error of the config file and its rule files, one per line, each
// file:line:col.
Result<DaemonConfig> load_daemon_config(const std::string& path);

// The same from text (the embedded default config; tests); base_dir
// resolves rule_files and other relative paths.
Result<DaemonConfig> parse_daemon_config(std::string text, const std::string& filename, const std::string& base_dir);

// The directory of a config file's path, as relative paths in it are
// resolved: "" for "cogwatch.yml" and "./cogwatch.yml", "conf" for
// "conf/cogwatch.yml", "/" for "/cogwatch.yml".
std::string config_dir(const std::string& path);

}  // namespace cogwatch::cli
