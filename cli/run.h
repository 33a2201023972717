// `cogwatch run`: the daemon's flags, named as Prometheus's where they mean
// the same, and the process around cli/daemon.h (log, start, wait, stop).
//
//   RunFlags flags;
//   flags.add_to(*run_command);
//   ... CLI11 parses ...
//   return run_daemon(flags, std::cerr);
//
// Bad flag values are usage errors naming the flag (exit code 2, as
// kingpin's); a config that cannot be loaded or a port that cannot be
// bound exit 1.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/daemon.h"
#include "cli/storage_flags.h"
#include "model/error.h"

namespace cogwatch::cli {

struct RunFlags {
  std::string config_file = "cogwatch.yml";
  std::string notify_config_file;
  std::string listen_address = "0.0.0.0:9095";
  std::string external_url;
  std::string route_prefix;
  bool enable_lifecycle = false;
  bool enable_remote_write_receiver = false;
  std::string web_config_file;
  std::string storage_path = "data/";
  std::string wal_segment_size = "32MB";
  std::string wal_sync_interval = "5s";
  std::string remote_max_backlog = "1GB";
  std::string min_block_duration = "2h";
  StorageFlags storage;
  std::string lookback_delta = "5m";
  std::string query_timeout = "2m";
  int64_t query_max_samples = 50'000'000;
  int64_t query_max_concurrency = 20;
  std::string resend_delay = "1m";
  std::string for_outage_tolerance = "1h";
  std::string for_grace_period = "10m";
  int64_t notification_queue_capacity = 10000;
  // Rules over a Prometheus-API backend (remote/query_datasource.h).
  std::string datasource_url;
  std::string datasource_timeout = "30s";
  std::string datasource_username;
  std::string datasource_password_file;
  std::string datasource_bearer_token_file;
  net::TlsConfig datasource_tls;
  std::string log_level = "info";
  std::string log_format = "logfmt";

  void add_to(CLI::App& app);
  // The daemon's options, or the first bad flag's error naming it.
  // `app` tells which flags were given.
  Result<DaemonOptions> daemon_options(const CLI::App& app) const;
  // --rules.datasource.*: none without a URL (the other flags alone are
  // an error).
  Result<std::optional<remote::QueryEndpoint>> datasource_endpoint(const CLI::App& app, Duration engine_lookback) const;
};

// Runs the daemon until SIGINT/SIGTERM//-/quit. Returns the exit code.
int run_daemon(const RunFlags& flags, const CLI::App& app, std::ostream& err);

}  // namespace cogwatch::cli
