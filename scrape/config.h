// The configuration file, prometheus.yml: `global`, `scrape_configs` and
// `rule_files` as Prometheus reads them, with every error pointing at its
// place (`prometheus.yml:12:5: ...`).
//
//   auto cfg = parse_config(text, "prometheus.yml");
//   if (!cfg) std::cerr << cfg.error().message << "\n";
//
// Strict like Prometheus: unknown keys, bad durations, bad regexes, a
// scrape_timeout longer than the scrape_interval, duplicate job names are
// errors. `alerting` is accepted here and read by notify/'s
// read_alerting_config (notify/alerting_config.h), `notify` by
// notify/config.h; top-level sections of Prometheus that cogwatch does not
// implement (remote_write, remote_read, storage, tracing,
// scrape_config_files, otlp, runtime) are accepted and ignored, each with a
// warning at its place in Config::warnings.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "net/discovery.h"
#include "net/http_config.h"
#include "net/relabel.h"
#include "scrape/scrape_protocol.h"

namespace cogwatch::scrape {

struct GlobalConfig {
  Duration scrape_interval = kMinute;      // Prometheus's defaults
  Duration scrape_timeout = 10 * kSecond;
  Duration evaluation_interval = kMinute;
  Duration rule_query_offset = 0;  // how far back rules query (Prometheus 3)
  Labels external_labels;
  // The jobs' defaults for what ScrapeConfig says below. scrape_protocols
  // unset leaves each job to choose by its scrape_native_histograms.
  std::optional<std::vector<ScrapeProtocol>> scrape_protocols;
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
};

// Discovery is net/'s, shared with the Alertmanagers of `alerting:`.
using net::FileSdConfig;
using net::StaticConfig;

struct ScrapeConfig {
  std::string job_name;
  Duration scrape_interval = 0;  // 0: from global
  Duration scrape_timeout = 0;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  uint64_t sample_limit = 0;  // 0: no limit
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t body_size_limit = 0;  // bytes, decompressed
  // Content negotiation (scrape/scrape_protocol.h): what the Accept header
  // asks for, most wanted first — the job's list, else the global one,
  // else protobuf first when scrape_native_histograms is on and the text
  // formats otherwise, as Prometheus 3 — and the format to read a response
  // with a blank or unknown Content-Type in (none: such a scrape fails).
  std::vector<ScrapeProtocol> scrape_protocols = kDefaultScrapeProtocols;
  std::optional<ScrapeProtocol> fallback_scrape_protocol;
  // Native histograms, as Prometheus 3 (off unless asked for; the global
  // setting when the job has none). Without scrape_native_histograms a
  // histogram is stored as its classic series only.
  bool scrape_native_histograms = false;
  // A histogram the target exposes both ways is stored both ways too.
  bool always_scrape_classic_histograms = false;
  // More buckets than this (both sides) lowers a native histogram's
  // resolution until they fit, or fails the scrape as sample_limit does.
  uint64_t native_histogram_bucket_limit = 0;  // 0: none
  // Buckets growing by less than this factor are merged (schema lowered).
  double native_histogram_min_bucket_factor = 0;  // 0: none
  std::vector<StaticConfig> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<net::RelabelConfig> relabel_configs;
  std::vector<net::RelabelConfig> metric_relabel_configs;
  // Auth, TLS and redirects, written inline in the scrape config as in
  // alerting and notification configs.
  net::HttpClientConfig http_config;
};

struct Config {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;  // intervals and timeouts filled in from global
  std::vector<std::string> rule_files;
  // What was read but is ignored, one line each: "<filename>:<line>:<col>:
  // remote_read is not implemented by cogwatch; the section is ignored".
  std::vector<std::string> warnings;
};

// Parses a whole configuration file. Errors: kInvalidArgument,
// "<filename>:<line>:<col>: <what>".
Result<Config> parse_config(std::string_view text, const std::string& filename);

}  // namespace cogwatch::scrape
