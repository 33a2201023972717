// The running cogwatch (`cogwatch run`): the composition root that owns
// every part of the process and orders its start, reloads and stop.
//
//   Daemon daemon(options);
//   if (Status s = daemon.start(); !s) { log(s.error().message); return 1; }
//   daemon.wait();      // SIGHUP reloads; SIGINT, SIGTERM or /-/quit end the wait
//   daemon.shutdown();  // graceful: see below
//
// Parts and threads:
//   storage   tsdb::Db: the head, its write-ahead log and checkpoints in
//             the data directory, synced and checkpointed on its own
//             thread (or a tsdb::Head in memory only, without a path)
//   notify    the built-in Alertmanager (config `notify:`) and the client
//             of external Alertmanagers (`alerting:`), on the main io thread
//   rules     the RuleManager, evaluated on its own thread so a slow rule
//             never delays a scrape
//   scrape    the ScrapeManager, on the main io thread
//   web       the HTTP API, /metrics and lifecycle, on web threads, so a
//             slow query never delays a scrape or a rule
// start():    config -> storage -> notify -> rules -> scrape -> web, then ready.
// reload():   the whole config is read and checked first (config file, rule
//             files, notify section, Alertmanager discovery); a bad one
//             changes nothing and returns every error. Then notify, rules
//             and scrape take the new config, in that order.
// shutdown(): web stops accepting, scrapes stop, the rule evaluation in
//             progress finishes, Alertmanager queues are flushed until a
//             deadline, the notification state is saved, every thread is
//             joined, the log is synced, and remote_write queues send what
//             the log holds until a deadline of their own.
// Notification state (with a storage path): <path>/notify.state holds the
// built-in Alertmanager's alerts, notification log and silences and what
// external Alertmanagers have not received (notify/durable_state.h);
// written within a second of a change and at shutdown, read at start
// before the first rule evaluation, so a restart neither repeats nor loses
// a notification (a kill -9 loses at most the last second's changes).
//
// Thread-safety: start(), wait() and shutdown() from the thread that owns
// the Daemon; reload() from any thread (reloads are serialised).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/logger.h"
#include "notify/dispatcher.h"
#include "remote/query_protocol.h"
#include "rules/rule.h"
#include "eval/engine.h"
#include "model/error.h"
#include "model/time.h"
#include "tsdb/head.h"

namespace cogwatch::cli {

struct DaemonOptions {
  std::string config_file = "cogwatch.yml";  // --config.file
  // The file was named on the command line: if it is missing that is an
  // error. Otherwise a missing cogwatch.yml means the embedded default.
  bool config_file_given = false;
  // --notify.config.file: the built-in Alertmanager's routes from an
  // alertmanager.yml of their own instead of the config's `notify:`.
  std::string notify_config_file;
  std::string listen_address = "0.0.0.0:9095";  // --web.listen-address
  std::string external_url;                     // --web.external-url; default http://<hostname>:<port>/
  std::string route_prefix;                     // --web.route-prefix; "" or "/": the root
  bool enable_lifecycle = false;                // --web.enable-lifecycle
  bool enable_remote_write_receiver = false;    // --web.enable-remote-write-receiver: POST /api/v1/write
  // --web.config.file (TLS, basic auth, headers; net/web_config.h): read at
  // start, where a bad one fails start(), and again for every connection.
  std::string web_config_file;
  tsdb::HeadOptions head;                       // --storage.tsdb.retention.*
  // --storage.tsdb.path: the data directory (its log and checkpoints); ""
  // keeps everything in memory only (tests, the demo).
  std::string storage_path;
  uint64_t wal_segment_bytes = 32ull << 20;     // --storage.tsdb.wal-segment-size
  Duration wal_sync_interval = 5 * kSecond;     // --storage.tsdb.wal-sync-interval
  uint64_t remote_max_backlog_bytes = 1ull << 30;  // --storage.remote.max-backlog-size
  eval::EngineOptions engine;                   // --query.lookback-delta, --query.max-samples
  Duration query_timeout = 2 * kMinute;         // --query.timeout
  size_t query_max_concurrency = 20;            // --query.max-concurrency
  Duration resend_delay = kMinute;              // --rules.alert.resend-delay
  Duration for_outage_tolerance = kHour;        // --rules.alert.for-outage-tolerance
  Duration for_grace_period = 10 * kMinute;     // --rules.alert.for-grace-period
  // --rules.datasource.*: rules query this backend instead of the local
  // store (remote/query_datasource.h).
  std::optional<remote::QueryEndpoint> rules_datasource;
  size_t notification_queue_capacity = 10000;   // --alertmanager.notification-queue-capacity
  // How long notifications, then remote_write queues, may take to leave
  // at shutdown (each).
  Duration shutdown_flush_timeout = 5 * kSecond;
  // Every flag and its value, for /api/v1/status/flags.
  std::vector<std::pair<std::string, std::string>> flags;
  std::shared_ptr<Logger> log;
  // Receives the notifications of log_configs receivers instead of the log
  // (the demo prints them); called on the io thread.
  std::function<void(const notify::Notification&)> print_notification;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();  // shutdown() if it was not called
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads the config and starts every part. Errors: the config's (all of
  // them), a listen address that cannot be bound.
  Status start();
  // Re-reads the config file: all or nothing.
  Status reload();
  // Blocks until SIGINT, SIGTERM or /-/quit; SIGHUP reloads meanwhile.
  void wait();
  // wait() for at most `limit`; returns whether a stop was requested.
  bool wait_for(Duration limit);
  // Asks wait() to return (as /-/quit does).
  void request_stop();
  // Graceful stop (see above). Idempotent.
  void shutdown();

  // The port the web server listens on (after start()).
  uint16_t port() const;
  tsdb::Head& head();
  // Every pending and firing alert of the rules now.
  std::vector<rules::Alert> alerts() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The embedded default configuration: scrape a Cog predictor at
// localhost:5000 and cogwatch itself on `self_port`, the shipped Cog rules,
// notifications to the log. What `cogwatch run` uses without a config file.
std::string default_config_text(uint16_t self_port);

}  // namespace cogwatch::cli
