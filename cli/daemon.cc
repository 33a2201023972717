#include "cli/daemon.h"

#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "cli/daemon_config.h"
#include "cli/embedded_rules.h"
#include "cli/version.h"
#include "model/clock.h"
#include "model/file.h"
#include "model/value.h"
#include "net/http_server.h"
#include "notify/alertmanager_client.h"
#include "notify/durable_state.h"
#include "notify/notifier.h"
#include "notify/outgoing_alerts.h"
#include "remote/query_datasource.h"
#include "remote/queue.h"
#include "remote/receiver.h"
#include "rules/manager.h"
#include "scrape/manager.h"
#include "server/metrics_text.h"
#include "server/query_api.h"
#include "server/status_api.h"
#include "server/ui.h"
#include "server/web.h"
#include "tsdb/db.h"
#include "tsdb/file_system.h"
#include "template/template.h"

namespace cogwatch::cli {
namespace asio = boost::asio;

namespace {

// Gives the pages of freed heap memory back to the system. The head's
// churn (open chunks growing by doubling, sealed into exact-size copies;
// scrape bodies; checkpoint snapshots) leaves glibc's arenas holding free
// memory it does not return by itself. At 100k series scraped every 2 s,
// RSS after 8 minutes is 368 MB with this, 433 MB without. Once a minute,
// on the storage thread.
void release_free_heap() {
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
}

// How often notify.state is written when it changed: the window of
// notification state a crash (not a clean stop) can lose.
constexpr Duration kNotifyStateSaveInterval = kSecond;

// Runs fn on io's thread and returns its result, waiting for it; runs it
// here when this already is that thread.
template <typename Fn>
auto run_on(asio::io_context& io, Fn fn) -> decltype(fn()) {
  if (io.get_executor().running_in_this_thread()) return fn();
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  asio::post(io, [&task] { task(); });
  return result.get();
}

// host:port of --web.listen-address; an empty host listens everywhere.
Result<std::pair<std::string, uint16_t>> split_listen_address(const std::string& address) {
  const size_t colon = address.rfind(':');
  auto bad = [&] {
    return make_error(ErrorCode::kInvalidArgument,
                      "--web.listen-address: expected host:port, got \"" + address + "\"");
  };
  if (colon == std::string::npos) return bad();
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) return bad();
  return std::make_pair(host, static_cast<uint16_t>(port));
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// Where a config's notifications go when it has no `notify:` section: a
// route whose receiver has no integration, so alerts are held (and shown
// by /api/v2) but nothing is sent.
notify::NotifyConfig silent_notify_config() {
  notify::NotifyConfig c;
  c.route.receiver = "none";
  c.receivers.push_back(notify::ReceiverConfig{.name = "none"});
  return c;
}

// A notification to a log_configs receiver, readably: what fires or
// resolves, with its summary and description.
std::string describe_alerts(const notify::Notification& n) {
  std::string out;
  for (const notify::Alert& a : n.alerts) {
    if (!out.empty()) out += "; ";
    out += a.resolved_at(n.at) ? "RESOLVED " : "FIRING ";
    out += std::string(a.labels.get("alertname"));
    const std::string_view summary = annotation_value(a.annotations, "summary");
    if (!summary.empty()) {
      out += ": ";
      out += summary;
    }
  }
  return out;
}

}  // namespace

std::string default_config_text(uint16_t self_port) {
  return R"(# cogwatch's embedded default configuration: used when no --config.file is
# given and ./cogwatch.yml does not exist.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  # Native histograms where the predictor serves them (protobuf), as the
  # Cog guide recommends; text targets keep their classic buckets.
  - job_name: cog
    scrape_native_histograms: true
    static_configs:
      - targets: ['localhost:5000']
  - job_name: cogwatch
    static_configs:
      - targets: ['localhost:)" +
         std::to_string(self_port) + R"(']
# The shipped Cog alert rules are built in (examples/rules/cog_alerts.yml).
notify:
  route:
    receiver: log
    group_by: [alertname, job]
    group_wait: 10s
    group_interval: 1m
    repeat_interval: 4h
  receivers:
    - name: log
      log_configs:
        - send_resolved: true
)";
}

struct Daemon::Impl {
  explicit Impl(DaemonOptions o)
      : options(std::move(o)), log(options.log), start_time(system_clock().now()) {}
  // The daemon's head refuses samples before Prometheus's appendable window.
  static tsdb::HeadOptions appendable_window(tsdb::HeadOptions h) {
    h.reject_out_of_bounds = true;
    return h;
  }

  DaemonOptions options;
  std::shared_ptr<Logger> log;
  // The store: a Db in options.storage_path (the head, its write-ahead log
  // and checkpoints), or a head in memory only when no path is set.
  std::unique_ptr<tsdb::Db> db;
  std::unique_ptr<tsdb::Head> memory_head;
  tsdb::Head* head = nullptr;  // one of the two
  const Timestamp start_time;

  // Threads: io (scrapes, notifications, timers, signals), rules_io (rule
  // evaluation), web_io (HTTP), storage_io (the log's syncs and
  // checkpoints, which wait on the disk).
  asio::io_context io;
  asio::io_context rules_io;
  asio::io_context web_io;
  asio::io_context storage_io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> io_work, rules_work, web_work, storage_work;
  std::thread io_thread, rules_thread, storage_thread;
  std::vector<std::thread> web_threads;

  std::string external_url;
  uint16_t port = 0;

  // The config in use, and what reload changes; guarded by config_mu.
  mutable std::mutex config_mu;
  DaemonConfig config;
  bool builtin_notify = false;  // the config has a notify: section

  std::mutex reload_mu;  // one reload at a time
  std::atomic<bool> last_reload_ok{false};
  std::atomic<Timestamp> last_reload_success{0};
  std::atomic<uint64_t> reloads{0}, reload_failures{0};

  std::unique_ptr<notify::AlertmanagerClient> am_client;
  std::unique_ptr<notify::BuiltinNotifier> notifier;  // destroyed on the io thread
  std::unique_ptr<rules::RuleManager> rules;           // evaluated on rules_io
  std::shared_ptr<remote::QueryDatasource> rules_datasource;  // --rules.datasource.url; null: the local store
  std::unique_ptr<scrape::ScrapeManager> scrape;       // lives on io
  std::unique_ptr<server::StatusApi> status_api;
  std::unique_ptr<remote::WriteReceiver> write_receiver;  // with --web.enable-remote-write-receiver
  // remote_write: one queue per entry, by queue name; replaced by reloads
  // that change the entry (or the external labels).
  mutable std::mutex remote_mu;
  std::map<std::string, std::unique_ptr<remote::RemoteWriteQueue>> remote_queues;
  Labels remote_external_labels;  // those the queues were started with
  Status apply_remote_write(const DaemonConfig& next);
  // With a deadline, each queue first sends what the log holds until then.
  void stop_remote_write(std::chrono::steady_clock::time_point flush_deadline = {});
  // The scraped families' metadata for remote_write queues (their
  // threads): what the last refresh on the io thread found, and a refresh
  // asked for (never waited on, so a queue cannot block on a stopping io
  // thread). Deduplicated, sorted.
  std::vector<remote::WriteMetadata> remote_metadata();
  std::mutex metadata_mu;
  std::vector<remote::WriteMetadata> metadata_snapshot;
  // Replaced when a reload changes the external labels /federate adds;
  // requests in flight keep the one they started with.
  std::shared_ptr<const server::QueryApi> query_api;  // guarded by config_mu
  server::MetricReads metric_reads;  // what API queries read since start, across query_api replacements
  std::shared_ptr<const server::QueryApi> make_query_api(const Labels& external_labels);
  std::unique_ptr<server::Web> web;
  std::unique_ptr<net::HttpServer> server;

  std::unique_ptr<asio::steady_timer> rules_timer;      // on rules_io
  std::unique_ptr<asio::steady_timer> retention_timer;  // on io
  std::unique_ptr<asio::steady_timer> sync_timer;       // on storage_io
  std::unique_ptr<asio::steady_timer> checkpoint_timer;  // on storage_io
  std::unique_ptr<asio::steady_timer> am_refresh_timer;  // on io
  std::unique_ptr<asio::steady_timer> notify_state_timer;  // on storage_io
  std::unique_ptr<asio::signal_set> signals;            // on io
  bool rules_stopped = false;                           // on rules_io

  std::atomic<bool> ready{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  bool reload_requested = false;  // SIGHUP: wait() reloads
  bool shut_down = false;

  // <storage path>/notify.state: what the notifications must not forget
  // across a restart (notify/durable_state.h); empty without a path. The
  // fields below belong to the storage thread, then to shutdown().
  std::string notify_state_path;
  uint64_t saved_dispatcher_changes = 0, saved_am_changes = 0;
  bool notify_state_saved = false;    // at least once by this process
  bool notify_state_failing = false;  // the last save failed (logged once)
  bool notify_state_stopped = false;  // shutdown() saves last
  bool checkpoint_failing = false;    // the storage thread's: the last checkpoint failed (logged once)

  Result<DaemonConfig> load_config() const;
  Result<DaemonConfig> load_main_config() const;
  Status apply(DaemonConfig next, bool first);
  void notify_alerts(const std::string& expr, const std::vector<rules::Alert>& alerts);
  void log_notification(const notify::Notification& n);
  void arm_rules(Timestamp next);
  void arm_retention();
  // Opens the data directory (replaying its log) or the memory-only head.
  Status open_storage();
  void arm_sync();
  void arm_checkpoint();
  // The write-ahead log's and blocks' families; `hs` is the head's stats
  // the caller already read.
  void write_storage_metrics(server::MetricsWriter& w, const tsdb::HeadStats& hs) const;
  void arm_am_refresh();
  // Reads notify.state (a bad one is logged and set aside), restores the
  // dispatcher from it, and returns the Alertmanager queues to requeue
  // once the Alertmanagers are known.
  std::map<std::string, std::vector<notify::PendingAlert>> restore_notify_state();
  // Writes notify.state if anything changed since the last save.
  void save_notify_state();
  void arm_notify_state_save();
  void wait_for_signal();
  std::string metrics_text();
  server::StatusSources status_sources();
  server::RuntimeInfo runtime_info() const;
  void request_stop();
  void shutdown();
};

Result<DaemonConfig> Daemon::Impl::load_config() const {
  auto cfg = load_main_config();
  if (!cfg || options.notify_config_file.empty()) return cfg;
  // The routes come from their own alertmanager.yml, read with the rest:
  // a bad one fails the load (and a reload) like a bad config file.
  if (cfg->notify) {
    return make_error(ErrorCode::kInvalidArgument,
                      cfg->path + ": has a notify: section and --notify.config.file is given; use one of them");
  }
  auto text = read_file(options.notify_config_file);
  if (!text) return text.error();
  auto routes = notify::parse_notify_config(*text, options.notify_config_file);
  if (!routes) return routes.error();
  cfg->notify = std::move(*routes);
  return cfg;
}

Result<DaemonConfig> Daemon::Impl::load_main_config() const {
  const std::string& path = options.config_file;
  const bool exists = std::filesystem::exists(path);
  if (!exists && !options.config_file_given) {
    // No config: the embedded default, with the Cog rules built in.
    auto cfg = parse_daemon_config(default_config_text(port), "<embedded default config>", "");
    if (!cfg) return cfg;
    rules::RuleFile rules_file = rules::parse_rule_file(kCogAlertRules, std::string("<embedded>/") + kCogAlertRulesFile,
                                                        {.check_template = tmpl::check_alert_template});
    if (!rules_file.errors.empty()) return make_error(ErrorCode::kInternal, rules_file.errors.front());
    cfg->rule_files.push_back(std::move(rules_file));
    return cfg;
  }
  return load_daemon_config(path);
}

void Daemon::Impl::notify_alerts(const std::string& expr, const std::vector<rules::Alert>& alerts) {
  am_client->send(expr, alerts);
  bool builtin;
  Labels external;
  std::vector<net::RelabelConfig> relabel;
  {
    std::lock_guard lock(config_mu);
    builtin = builtin_notify;
    if (builtin) {
      external = config.scrape.global.external_labels;
      relabel = config.alerting.alert_relabel_configs;
    }
  }
  if (!builtin) return;
  auto postable = notify::relabel_alerts(notify::postable_alerts(expr, alerts, external_url), external, relabel);
  if (postable.empty()) return;
  if (Status s = notifier->put(postable); !s) {
    log->warn("notifier", "Built-in Alertmanager refused alerts", {{"err", s.error().message}});
  }
}

void Daemon::Impl::log_notification(const notify::Notification& n) {
  if (options.print_notification) return options.print_notification(n);
  size_t firing = 0;
  for (const notify::Alert& a : n.alerts) firing += a.resolved_at(n.at) ? 0 : 1;
  log->info("notifier", "Notification", {{"receiver", n.receiver},
                                         {"group", n.group_key},
                                         {"firing", std::to_string(firing)},
                                         {"resolved", std::to_string(n.alerts.size() - firing)},
                                         {"alerts", describe_alerts(n)}});
}

std::vector<remote::WriteMetadata> Daemon::Impl::remote_metadata() {
  asio::post(io, [this] {
    if (!scrape) return;
    std::set<remote::WriteMetadata> unique;
    for (const scrape::TargetStatus& t : scrape->targets()) {
      for (const scrape::MetricMetadata& m : *t.metadata) {
        // The two enums name the same types in the same order.
        unique.insert({m.metric, static_cast<remote::MetricType>(m.type), m.help, m.unit});
      }
    }
    std::lock_guard lock(metadata_mu);
    metadata_snapshot.assign(unique.begin(), unique.end());
  });
  std::lock_guard lock(metadata_mu);
  return metadata_snapshot;
}

Status Daemon::Impl::apply_remote_write(const DaemonConfig& next) {
  const Labels& external = next.scrape.global.external_labels;
  std::map<std::string, std::unique_ptr<remote::RemoteWriteQueue>> kept;
  std::vector<const remote::RemoteWriteConfig*> started;
  std::lock_guard lock(remote_mu);
  for (const remote::RemoteWriteConfig& c : next.remote_write) {
    auto it = remote_queues.find(c.queue_name());
    if (it != remote_queues.end() && it->second->config().digest == c.digest && external == remote_external_labels) {
      kept.emplace(c.queue_name(), std::move(it->second));
      remote_queues.erase(it);
      continue;
    }
    if (it != remote_queues.end()) {  // changed: the new one resumes from the old one's position
      it->second->stop();
      remote_queues.erase(it);
    }
    const std::string name = c.queue_name();
    auto q = std::make_unique<remote::RemoteWriteQueue>(
        c, remote::QueueOptions{.wal_dir = options.storage_path + "/wal",
                                .state_dir = options.storage_path + "/remote",
                                .external_labels = external,
                                .hold = [this, name](uint32_t segment) { db->hold_wal("remote_write/" + name, segment); },
                                .metadata = [this] { return remote_metadata(); }});
    auto note = q->start();
    if (!note) {
      // The queues kept or started so far go on: back where stop_remote_write() and the next reload find them.
      for (auto& [n, kq] : kept) remote_queues.insert_or_assign(n, std::move(kq));
      return make_error(note.error().code, "remote_write " + name + ": " + note.error().message);
    }
    if (!note->empty()) log->warn("remote", *note, {{"remote_name", name}});
    log->info("remote", "Remote-write queue started", {{"remote_name", name}, {"url", c.url}});
    kept.emplace(name, std::move(q));
  }
  // Entries gone from the config: their queues stop, and their place in
  // the log is forgotten (a queue added again later starts afresh).
  for (auto& [name, q] : remote_queues) {
    q->stop();
    db->release_wal("remote_write/" + name);
    (void)tsdb::FileSystem::posix().remove_all(q->position_path());
    log->info("remote", "Remote-write queue removed", {{"remote_name", name}});
  }
  remote_queues = std::move(kept);
  remote_external_labels = external;
  return {};
}

void Daemon::Impl::stop_remote_write(std::chrono::steady_clock::time_point flush_deadline) {
  std::lock_guard lock(remote_mu);
  // All drain at once, each until the same deadline.
  if (flush_deadline > std::chrono::steady_clock::now()) {
    for (auto& [name, q] : remote_queues) q->drain();
  }
  for (auto& [name, q] : remote_queues) q->stop(flush_deadline);
}

// Applies a checked config: notify first (so alerts of the new rules have
// somewhere to go), then rules, then scrapes. Runs on the caller's thread;
// each part's work runs on its own thread.
Status Daemon::Impl::apply(DaemonConfig next, bool first) {
  const std::string& dir = next.dir;
  if (!next.remote_write.empty() && !db) {
    return make_error(ErrorCode::kInvalidArgument,
                      "remote_write needs --storage.tsdb.path: queues send from the write-ahead log");
  }
  if (Status s = am_client->apply(next.alerting, dir); !s) return s;
  if (!first) {
    // A scrape config the manager refuses (a file_sd file that does not
    // parse) leaves the scrapes and, by re-applying, the Alertmanagers as
    // they were.
    Status scrape_status = run_on(io, [&] { return scrape->apply(next.scrape, dir); });
    if (!scrape_status) {
      std::lock_guard lock(config_mu);
      (void)am_client->apply(config.alerting, config.dir);
      return scrape_status;
    }
  }
  {
    std::lock_guard lock(config_mu);
    builtin_notify = next.notify.has_value();
  }
  notifier->reload(next.notify ? *next.notify : silent_notify_config());

  rules::GroupOptions defaults{.evaluation_interval = next.scrape.global.evaluation_interval,
                               .query_offset = next.scrape.global.rule_query_offset,
                               .external_labels = next.scrape.global.external_labels,
                               .external_url = external_url,
                               .resend_delay = options.resend_delay,
                               .engine = options.engine,
                               .for_outage_tolerance = options.for_outage_tolerance,
                               .for_grace_period = options.for_grace_period,
                               .datasource = rules_datasource};
  std::vector<rules::RuleFile> rule_files = next.rule_files;
  Status rules_status = run_on(rules_io, [&] {
    rules->set_defaults(defaults);
    Status s = rules->load(std::move(rule_files), system_clock().now());
    if (s) arm_rules(rules->run_due(system_clock().now()));
    return s;
  });
  if (!rules_status) return rules_status;  // checked before: only a bug gets here

  if (first) {
    if (Status s = run_on(io, [&] { return scrape->apply(next.scrape, dir); }); !s) return s;
  }
  if (Status s = apply_remote_write(next); !s) return s;
  auto api = next.scrape.global.external_labels == config.scrape.global.external_labels
                 ? nullptr
                 : make_query_api(next.scrape.global.external_labels);
  std::lock_guard lock(config_mu);
  if (api) query_api = std::move(api);
  config = std::move(next);
  return {};
}

std::shared_ptr<const server::QueryApi> Daemon::Impl::make_query_api(const Labels& external_labels) {
  return std::make_shared<const server::QueryApi>(server::QueryApiOptions{
      .querier = *head,
      .engine = options.engine,
      .query_timeout = options.query_timeout,
      .max_concurrency = options.query_max_concurrency,
      .now = [] { return system_clock().now(); },
      .external_labels = external_labels,
      .metric_reads = &metric_reads});
}

void Daemon::Impl::arm_rules(Timestamp next) {
  if (rules_stopped) return;
  const Duration wait = next == kMaxTimestamp ? kHour : std::max<Duration>(0, next - system_clock().now());
  rules_timer->expires_after(std::chrono::milliseconds(std::min<Duration>(wait, kHour)));
  rules_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec || rules_stopped) return;
    arm_rules(rules->run_due(system_clock().now()));
  });
}

void Daemon::Impl::arm_retention() {
  retention_timer->expires_after(std::chrono::minutes(1));
  retention_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (db) {
      // Removing files waits on the disk: the storage thread does it.
      asio::post(storage_io, [this] {
        const tsdb::DbRetentionResult r = db->apply_retention();
        db->release_block_pages();
        release_free_heap();
        if (r.blocks_removed > 0 || r.series_removed > 0) {
          log->info("tsdb", "Retention removed old blocks",
                    {{"blocks", std::to_string(r.blocks_removed)}, {"bytes", std::to_string(r.bytes_removed)},
                     {"series_removed", std::to_string(r.series_removed)}});
        }
      });
    } else {
      release_free_heap();
      const tsdb::RetentionResult r = head->apply_retention();
      if (r.chunks_dropped > 0 || r.series_removed > 0) {
        log->debug("tsdb", "Retention", {{"chunks_dropped", std::to_string(r.chunks_dropped)},
                                         {"series_removed", std::to_string(r.series_removed)}});
      }
    }
    arm_retention();
  });
}

Status Daemon::Impl::open_storage() {
  tsdb::HeadOptions h = options.head;
  h.reject_out_of_bounds = true;  // Prometheus's appendable window
  if (options.storage_path.empty()) {
    memory_head = std::make_unique<tsdb::Head>(h);
    head = memory_head.get();
    log->info("tsdb", "No storage path: data lives in memory only and is lost at exit");
    return {};
  }
  log->info("tsdb", "Replaying WAL, this may take a while", {{"path", options.storage_path}});
  tsdb::DbOpenReport report;
  auto opened = tsdb::Db::open(options.storage_path,
                               tsdb::DbOptions{.head = h,
                                               .wal_segment_bytes = options.wal_segment_bytes,
                                               .checkpoint_min_wal_bytes = 2 * options.wal_segment_bytes,
                                               .wal_hold_bytes = options.remote_max_backlog_bytes},
                               &report);
  if (!opened) return make_error(opened.error().code, "opening storage: " + opened.error().message);
  db = std::move(*opened);
  head = &db->head();
  for (const tsdb::WalDamage& d : report.damage) {
    log->warn("tsdb", "Damaged WAL file repaired: what follows the damage was dropped",
              {{"file", d.path}, {"offset", std::to_string(d.offset)}, {"bytes_dropped", std::to_string(d.bytes_dropped)},
               {"reason", d.reason}});
  }
  for (const std::string& note : report.notes) log->warn("tsdb", note);
  if (report.unknown_series_samples > 0 || report.bad_records > 0) {
    log->warn("tsdb", "Samples dropped during replay",
              {{"without_series_record", std::to_string(report.unknown_series_samples)},
               {"unreadable_records", std::to_string(report.bad_records)}});
  }
  const bool any = report.min_time <= report.max_time;
  log->info("tsdb", "WAL replay completed",
            {{"series", std::to_string(report.series)},
             {"samples", std::to_string(report.samples)},
             {"segments", std::to_string(report.segments_read)},
             {"checkpoint", report.checkpoint.empty() ? "none" : report.checkpoint},
             {"mint", any ? std::to_string(report.min_time) : "none"},
             {"maxt", any ? std::to_string(report.max_time) : "none"},
             {"duration", format_float(report.seconds) + "s"}});
  return {};
}

void Daemon::Impl::arm_sync() {
  sync_timer->expires_after(std::chrono::milliseconds(options.wal_sync_interval));
  sync_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (Status s = db->sync(); !s) log->error("tsdb", "Syncing the WAL failed", {{"err", s.error().message}});
    if (std::string e = head->take_wal_error(); !e.empty()) {
      // Logged once per interval, not once per commit: a full disk would
      // otherwise flood the log.
      log->error("tsdb", "Writing the WAL failed; samples are kept in memory and written again by the next checkpoint",
                 {{"err", e}, {"failed_commits_total", std::to_string(head->stats().wal_write_failures)}});
    }
    arm_sync();
  });
}

void Daemon::Impl::arm_checkpoint() {
  // Asking is cheap (the log's size against the head's); a checkpoint is
  // written only when due.
  checkpoint_timer->expires_after(std::chrono::seconds(1));
  checkpoint_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto c = db->compact(); !c) {
      log->error("tsdb", "Compaction failed; the window stays in memory and is tried again", {{"err", c.error().message}});
    } else if (c->blocks > 0) {
      log->info("tsdb", "Compaction: finished windows written to blocks",
                {{"blocks", std::to_string(c->blocks)}, {"series", std::to_string(c->series)},
                 {"chunks", std::to_string(c->chunks)}, {"bytes", std::to_string(c->bytes)},
                 {"duration", format_float(c->seconds) + "s"}});
    }
    if (db->checkpoint_due()) {
      auto r = db->checkpoint();
      if (!r) {
        // Due again every second while the disk is full: logged once.
        if (!checkpoint_failing) {
          log->error("tsdb", "Creating a WAL checkpoint failed; the log is kept, and it is tried again every second",
                     {{"err", r.error().message}});
        }
        checkpoint_failing = true;
      } else {
        checkpoint_failing = false;
        log->info("tsdb", "WAL checkpoint complete",
                  {{"series", std::to_string(r->series)}, {"chunks", std::to_string(r->chunks)},
                   {"bytes", std::to_string(r->bytes)}, {"segments_removed", std::to_string(r->segments_removed)},
                   {"duration", format_float(r->seconds) + "s"}});
      }
    }
    arm_checkpoint();
  });
}

void Daemon::Impl::write_storage_metrics(server::MetricsWriter& w, const tsdb::HeadStats& hs) const {
  w.family("cogwatch_tsdb_wal_writes_failed_total", "counter", "Total number of commits the WAL could not take.");
  w.sample("cogwatch_tsdb_wal_writes_failed_total", {}, static_cast<double>(hs.wal_write_failures));
  if (!db) return;
  const tsdb::DbStats s = db->stats();
  w.family("cogwatch_tsdb_wal_segment_current", "gauge", "Write log segment index that TSDB is currently writing to.");
  w.sample("cogwatch_tsdb_wal_segment_current", {}, s.wal_segment);
  w.family("cogwatch_tsdb_wal_storage_size_bytes", "gauge", "Size of the write log segments since the last checkpoint.");
  w.sample("cogwatch_tsdb_wal_storage_size_bytes", {}, static_cast<double>(s.wal_bytes));
  w.family("cogwatch_tsdb_wal_held_bytes", "gauge",
           "Log segments a checkpoint replaced, kept for remote_write queues that have not read them.");
  w.sample("cogwatch_tsdb_wal_held_bytes", {}, static_cast<double>(s.wal_held_bytes));
  w.family("cogwatch_tsdb_wal_held_segments_dropped_total", "counter",
           "Held log segments removed anyway: over --storage.remote.max-backlog-size.");
  w.sample("cogwatch_tsdb_wal_held_segments_dropped_total", {}, static_cast<double>(s.wal_hold_dropped_segments));
  w.family("cogwatch_tsdb_wal_fsync_failures_total", "counter", "Total number of failed syncs of the write log.");
  w.sample("cogwatch_tsdb_wal_fsync_failures_total", {}, static_cast<double>(s.sync_failures));
  w.family("cogwatch_tsdb_wal_corruptions_total", "counter", "Total number of damaged WAL files repaired at start.");
  w.sample("cogwatch_tsdb_wal_corruptions_total", {}, static_cast<double>(s.corruptions_repaired));
  w.family("cogwatch_tsdb_checkpoint_creations_total", "counter", "Total number of checkpoint creations attempted.");
  w.sample("cogwatch_tsdb_checkpoint_creations_total", {}, static_cast<double>(s.checkpoints + s.checkpoint_failures));
  w.family("cogwatch_tsdb_checkpoint_creations_failed_total", "counter", "Total number of checkpoint creations that failed.");
  w.sample("cogwatch_tsdb_checkpoint_creations_failed_total", {}, static_cast<double>(s.checkpoint_failures));
  w.family("cogwatch_tsdb_blocks_loaded", "gauge", "Number of currently loaded data blocks.");
  w.sample("cogwatch_tsdb_blocks_loaded", {}, static_cast<double>(s.blocks));
  w.family("cogwatch_tsdb_storage_blocks_bytes", "gauge", "The number of bytes that are currently used for local storage by all blocks.");
  w.sample("cogwatch_tsdb_storage_blocks_bytes", {}, static_cast<double>(s.block_bytes));
  w.family("cogwatch_tsdb_compactions_total", "counter", "Total number of compactions that wrote blocks.");
  w.sample("cogwatch_tsdb_compactions_total", {}, static_cast<double>(s.compactions));
  w.family("cogwatch_tsdb_compactions_failed_total", "counter", "Total number of compactions that failed.");
  w.sample("cogwatch_tsdb_compactions_failed_total", {}, static_cast<double>(s.compaction_failures));
  w.family("cogwatch_tsdb_damaged_chunks_total", "counter", "Chunks in blocks skipped because their checksum did not match.");
  w.sample("cogwatch_tsdb_damaged_chunks_total", {}, static_cast<double>(s.damaged_chunks));
}

void Daemon::Impl::arm_am_refresh() {
  am_refresh_timer->expires_after(std::chrono::seconds(5));
  am_refresh_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (Status s = am_client->refresh(); !s) {
      log->error("notifier", "Alertmanager discovery failed", {{"err", s.error().message}});
    }
    arm_am_refresh();
  });
}

std::map<std::string, std::vector<notify::PendingAlert>> Daemon::Impl::restore_notify_state() {
  if (options.storage_path.empty()) return {};
  notify_state_path = options.storage_path + "/notify.state";
  std::error_code ec;
  if (!std::filesystem::exists(notify_state_path, ec)) return {};
  auto text = read_file(notify_state_path);
  auto state = text ? notify::decode_notify_state(*text) : Result<notify::NotifyState>(text.error());
  if (!state) {
    // Starting clean beats not starting: the file is kept for a look.
    const std::string aside = notify_state_path + ".damaged";
    std::filesystem::rename(notify_state_path, aside, ec);
    log->error("notifier", "Cannot read the saved notification state; starting without it",
               {{"file", notify_state_path}, {"err", state.error().message}, {"set_aside_as", aside}});
    return {};
  }
  size_t pending = 0;
  for (const auto& [url, alerts] : state->alertmanagers) pending += alerts.size();
  log->info("notifier", "Restored notification state",
            {{"alerts", std::to_string(state->dispatcher.alerts.size())},
             {"notification_log_entries", std::to_string(state->dispatcher.log.size())},
             {"silences", std::to_string(state->dispatcher.silences.size())},
             {"alertmanager_alerts_pending", std::to_string(pending)}});
  notifier->dispatcher().restore(std::move(state->dispatcher));
  return std::move(state->alertmanagers);
}

void Daemon::Impl::save_notify_state() {
  if (notify_state_path.empty()) return;
  notify::Dispatcher& dispatcher = notifier->dispatcher();
  // Read before the state: a change made meanwhile moves them again and
  // is saved next time.
  const uint64_t dispatcher_changes = dispatcher.changes();
  const uint64_t am_changes = am_client->changes();
  if (notify_state_saved && dispatcher_changes == saved_dispatcher_changes && am_changes == saved_am_changes) return;
  const std::string text =
      notify::encode_notify_state({.dispatcher = dispatcher.state(), .alertmanagers = am_client->pending()});
  Status s = tsdb::write_file_atomically(tsdb::FileSystem::posix(), notify_state_path,
                                         {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  if (!s) {
    if (!notify_state_failing) {
      log->error("notifier", "Saving the notification state failed; retrying every second",
                 {{"file", notify_state_path}, {"err", s.error().message}});
    }
    notify_state_failing = true;
    return;
  }
  if (notify_state_failing) log->info("notifier", "Saving the notification state works again");
  notify_state_failing = false;
  notify_state_saved = true;
  saved_dispatcher_changes = dispatcher_changes;
  saved_am_changes = am_changes;
}

void Daemon::Impl::arm_notify_state_save() {
  notify_state_timer->expires_after(std::chrono::milliseconds(kNotifyStateSaveInterval));
  notify_state_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec || notify_state_stopped) return;
    save_notify_state();
    arm_notify_state_save();
  });
}

void Daemon::Impl::wait_for_signal() {
  signals->async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      // A reload waits on this thread's work: wait() runs it.
      {
        std::lock_guard lock(stop_mu);
        reload_requested = true;
      }
      stop_cv.notify_all();
      wait_for_signal();
      return;
    }
    log->warn("main", signal == SIGTERM ? "Received SIGTERM, exiting gracefully..." : "Received SIGINT, exiting gracefully...");
    request_stop();
  });
}

void Daemon::Impl::request_stop() {
  {
    std::lock_guard lock(stop_mu);
    stop_requested = true;
  }
  stop_cv.notify_all();
}

std::string Daemon::Impl::metrics_text() {
  server::MetricsWriter w;
  server::write_process_metrics(w, start_time);

  w.family("cogwatch_build_info", "gauge", "A metric with a constant '1' value labeled by version.");
  w.sample("cogwatch_build_info", {{"version", kVersion}}, 1);
  w.family("cogwatch_ready", "gauge", "Whether cogwatch is ready to serve queries.");
  w.sample("cogwatch_ready", {}, ready ? 1 : 0);
  if (write_receiver) {
    const remote::ReceiverCounters rc = write_receiver->counters();
    w.family("cogwatch_remote_write_receiver_requests_total", "counter", "Remote-write requests received.");
    w.sample("cogwatch_remote_write_receiver_requests_total", {}, static_cast<double>(rc.requests));
    w.family("cogwatch_remote_write_receiver_requests_failed_total", "counter",
             "Remote-write requests refused (4xx): nothing of them was stored.");
    w.sample("cogwatch_remote_write_receiver_requests_failed_total", {}, static_cast<double>(rc.requests_failed));
    w.family("cogwatch_remote_write_receiver_samples_written_total", "counter", "Samples stored from remote-write requests.");
    w.sample("cogwatch_remote_write_receiver_samples_written_total", {}, static_cast<double>(rc.samples_written));
    w.family("cogwatch_remote_write_receiver_histograms_written_total", "counter",
             "Native histogram samples stored from remote-write requests.");
    w.sample("cogwatch_remote_write_receiver_histograms_written_total", {}, static_cast<double>(rc.histograms_written));
    w.family("cogwatch_remote_write_receiver_dropped_total", "counter", "Exemplars received and not stored.");
    w.sample("cogwatch_remote_write_receiver_dropped_total", {{"kind", "exemplar"}}, static_cast<double>(rc.exemplars_dropped));
  }
  {
    // prometheus_remote_storage_*'s counterparts, per queue.
    std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, remote::QueueStats>> queues;
    {
      std::lock_guard lock(remote_mu);
      for (const auto& [name, q] : remote_queues) {
        queues.push_back({{{"remote_name", name}, {"url", q->config().url}}, q->stats()});
      }
    }
    if (!queues.empty()) {
      auto family = [&](const char* name, const char* type, const char* help, auto value) {
        w.family(name, type, help);
        for (const auto& [labels, st] : queues) w.sample(name, labels, static_cast<double>(value(st)));
      };
      using S = const remote::QueueStats&;
      family("cogwatch_remote_storage_samples_total", "counter", "Samples the receiver accepted.",
             [](S s) { return s.samples_sent; });
      family("cogwatch_remote_storage_samples_failed_total", "counter", "Samples the receiver refused for good (4xx).",
             [](S s) { return s.samples_failed; });
      family("cogwatch_remote_storage_samples_retried_total", "counter", "Samples sent again after a failed request.",
             [](S s) { return s.samples_retried; });
      family("cogwatch_remote_storage_samples_dropped_total", "counter",
             "Samples not sent: relabelled away, older than sample_age_limit.", [](S s) { return s.samples_dropped; });
      family("cogwatch_remote_storage_samples_pending", "gauge", "Samples read from the log and not yet accepted or refused.",
             [](S s) { return s.samples_pending; });
      family("cogwatch_remote_storage_histograms_total", "counter", "Native histogram samples the receiver accepted.",
             [](S s) { return s.histograms_sent; });
      family("cogwatch_remote_storage_histograms_failed_total", "counter",
             "Native histogram samples the receiver refused for good (4xx).", [](S s) { return s.histograms_failed; });
      family("cogwatch_remote_storage_histograms_retried_total", "counter",
             "Native histogram samples sent again after a failed request.", [](S s) { return s.histograms_retried; });
      family("cogwatch_remote_storage_histograms_dropped_total", "counter",
             "Native histogram samples not sent: relabelled away, older than sample_age_limit, custom buckets over "
             "Remote-Write 1.0.",
             [](S s) { return s.histograms_dropped; });
      family("cogwatch_remote_storage_histograms_pending", "gauge",
             "Native histogram samples read from the log and not yet accepted or refused.",
             [](S s) { return s.histograms_pending; });
      family("cogwatch_remote_storage_bytes_total", "counter", "Request bytes (compressed) the receiver accepted.",
             [](S s) { return s.bytes_sent; });
      family("cogwatch_remote_storage_queue_highest_sent_timestamp_seconds", "gauge",
             "Timestamp of the newest sample the receiver accepted.",
             [](S s) { return static_cast<double>(s.highest_sent_timestamp) / 1000; });
      family("cogwatch_remote_storage_shards", "gauge", "Shards sending the current round.", [](S s) { return s.shards; });
      family("cogwatch_remote_storage_failed_requests_total", "counter", "Requests that failed (then retried or dropped).",
             [](S s) { return s.failed_requests; });
      family("cogwatch_remote_storage_metadata_total", "counter", "Metadata entries the receiver accepted (Remote-Write 1.0).",
             [](S s) { return s.metadata_sent; });
      family("cogwatch_remote_storage_metadata_failed_total", "counter", "Metadata entries refused for good.",
             [](S s) { return s.metadata_failed; });
      family("cogwatch_remote_storage_metadata_retried_total", "counter", "Metadata entries sent again after a failed request.",
             [](S s) { return s.metadata_retried; });
      family("cogwatch_remote_storage_metadata_bytes_total", "counter", "Compressed bytes of metadata requests accepted.",
             [](S s) { return s.metadata_bytes; });
      family("cogwatch_remote_storage_wal_segments_missed_total", "counter",
             "Log segments removed before the queue read them (over --storage.remote.max-backlog-size): their samples were not sent.",
             [](S s) { return s.wal.segments_missed; });
    }
  }
  w.family("cogwatch_config_last_reload_successful", "gauge", "Whether the last configuration reload attempt was successful.");
  w.sample("cogwatch_config_last_reload_successful", {}, last_reload_ok ? 1 : 0);
  w.family("cogwatch_config_last_reload_success_timestamp_seconds", "gauge", "Timestamp of the last successful configuration reload.");
  w.sample("cogwatch_config_last_reload_success_timestamp_seconds", {}, static_cast<double>(last_reload_success) / 1000);

  const tsdb::HeadStats hs = head->stats();
  w.family("cogwatch_tsdb_head_series", "gauge", "Total number of series in the head block.");
  w.sample("cogwatch_tsdb_head_series", {}, static_cast<double>(hs.series));
  w.family("cogwatch_tsdb_head_series_created_total", "counter", "Total number of series created in the head.");
  w.sample("cogwatch_tsdb_head_series_created_total", {}, static_cast<double>(hs.series_created));
  w.family("cogwatch_tsdb_head_series_removed_total", "counter", "Total number of series removed in the head.");
  w.sample("cogwatch_tsdb_head_series_removed_total", {}, static_cast<double>(hs.series_removed));
  w.family("cogwatch_tsdb_head_samples_appended_total", "counter", "Total number of appended samples.");
  w.sample("cogwatch_tsdb_head_samples_appended_total", {}, static_cast<double>(hs.samples_appended));
  w.family("cogwatch_tsdb_out_of_order_samples_total", "counter", "Total number of out of order samples rejected.");
  w.sample("cogwatch_tsdb_out_of_order_samples_total", {}, static_cast<double>(hs.out_of_order_samples));
  w.family("cogwatch_tsdb_out_of_bound_samples_total", "counter", "Total number of out of bound samples ingestion failed attempts.");
  w.sample("cogwatch_tsdb_out_of_bound_samples_total", {}, static_cast<double>(hs.out_of_bounds_samples));
  w.family("cogwatch_tsdb_duplicate_samples_total", "counter", "Total number of samples rejected for a duplicate timestamp with another value.");
  w.sample("cogwatch_tsdb_duplicate_samples_total", {}, static_cast<double>(hs.duplicate_samples));
  w.family("cogwatch_tsdb_retention_chunks_dropped_total", "counter", "Chunks dropped by time or size retention.");
  w.sample("cogwatch_tsdb_retention_chunks_dropped_total", {}, static_cast<double>(hs.chunks_dropped));
  if (hs.series > 0) {
    w.family("cogwatch_tsdb_head_min_time_seconds", "gauge", "Oldest sample in the head.");
    w.sample("cogwatch_tsdb_head_min_time_seconds", {}, static_cast<double>(hs.min_time) / 1000);
    w.family("cogwatch_tsdb_head_max_time_seconds", "gauge", "Newest sample in the head.");
    w.sample("cogwatch_tsdb_head_max_time_seconds", {}, static_cast<double>(hs.max_time) / 1000);
  }
  write_storage_metrics(w, hs);
  const tsdb::MemoryStats mem = head->memory();
  w.family("cogwatch_tsdb_memory_bytes", "gauge", "Heap bytes the store holds, by part.");
  w.sample("cogwatch_tsdb_memory_bytes", {{"part", "chunks"}}, static_cast<double>(mem.chunk_bytes));
  w.sample("cogwatch_tsdb_memory_bytes", {{"part", "labels"}}, static_cast<double>(mem.label_bytes));
  w.sample("cogwatch_tsdb_memory_bytes", {{"part", "index"}}, static_cast<double>(mem.index_bytes));
  w.sample("cogwatch_tsdb_memory_bytes", {{"part", "series"}}, static_cast<double>(mem.series_bytes));

  // Scrape pools.
  std::vector<scrape::TargetStatus> targets;
  std::map<std::string, scrape::PoolStats> pool_stats;
  run_on(io, [&] {
    if (!scrape) return;  // none once shutting down
    targets = scrape->targets();
    pool_stats = scrape->pool_stats();
  });
  std::map<std::string, std::pair<int, int>> pools;  // job -> targets, up
  for (const auto& t : targets) {
    auto& p = pools[t.job];
    ++p.first;
    if (t.health == scrape::TargetStatus::Health::kUp) ++p.second;
  }
  w.family("cogwatch_target_scrape_pool_targets", "gauge", "Current number of targets in this scrape pool.");
  for (const auto& [job, n] : pools) {
    w.sample("cogwatch_target_scrape_pool_targets", {{"scrape_job", job}}, n.first);
  }
  w.family("cogwatch_target_scrape_pool_targets_up", "gauge", "Targets of this scrape pool whose last scrape succeeded.");
  for (const auto& [job, n] : pools) {
    w.sample("cogwatch_target_scrape_pool_targets_up", {{"scrape_job", job}}, n.second);
  }

  const auto job = [](const auto& entry) -> const std::string& { return entry.first; };
  auto pool = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    server::write_family(w, name, type, help, "scrape_job", pool_stats, job,
                         [&](const auto& entry) { return value(entry.second); });
  };
  pool("cogwatch_target_scrapes_total", "counter", "Scrapes made, by pool.",
       [](const scrape::PoolStats& p) { return p.scrapes; });
  pool("cogwatch_target_scrapes_failed_total", "counter", "Scrapes whose target was down (fetch, body or limit).",
       [](const scrape::PoolStats& p) { return p.failed_scrapes; });
  pool("cogwatch_target_scrapes_exceeded_limit_total", "counter",
       "Scrapes refused whole because sample_limit or a label limit was exceeded.",
       [](const scrape::PoolStats& p) { return p.limit_exceeded; });
  pool("cogwatch_target_scrapes_exceeded_native_histogram_bucket_limit_total", "counter",
       "Scrapes refused whole because a native histogram had more buckets than native_histogram_bucket_limit, "
       "even at its lowest resolution.",
       [](const scrape::PoolStats& p) { return p.bucket_limit_exceeded; });
  pool("cogwatch_target_scrape_samples_total", "counter", "Samples read from scrape bodies.",
       [](const scrape::PoolStats& p) { return p.samples_scraped; });
  pool("cogwatch_target_scrape_samples_rejected_total", "counter",
       "Scraped samples the store refused (out of order, duplicate, out of bounds).",
       [](const scrape::PoolStats& p) { return p.samples_rejected; });
  pool("cogwatch_target_scrape_pool_last_duration_max_seconds", "gauge",
       "The longest last scrape among the pool's targets.",
       [](const scrape::PoolStats& p) { return static_cast<double>(p.last_duration_max) / 1000; });

  // Rule groups, labelled as Prometheus's rule_group: "file;name".
  const std::vector<rules::GroupStatus> groups = rules->groups();
  const auto group_label = [](const rules::GroupStatus& g) { return g.file + ";" + g.name; };
  auto group = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    server::write_family(w, name, type, help, "rule_group", groups, group_label, value);
  };
  group("cogwatch_rule_evaluations_total", "counter", "The total number of rule group evaluations.",
        [](const rules::GroupStatus& g) { return g.stats.evaluations; });
  group("cogwatch_rule_evaluation_failures_total", "counter", "The total number of rule evaluation failures.",
        [](const rules::GroupStatus& g) { return g.stats.failed_rule_evaluations; });
  group("cogwatch_rule_group_iterations_missed_total", "counter",
        "The total number of rule group evaluations missed due to slow rule group evaluation.",
        [](const rules::GroupStatus& g) { return g.stats.missed_iterations; });
  group("cogwatch_rule_group_last_duration_seconds", "gauge", "The duration of the last rule group evaluation.",
        [](const rules::GroupStatus& g) { return static_cast<double>(g.stats.last_duration) / 1000; });
  group("cogwatch_rule_group_interval_seconds", "gauge", "The interval of a rule group.",
        [](const rules::GroupStatus& g) { return static_cast<double>(g.interval) / 1000; });
  group("cogwatch_rule_group_rules", "gauge", "The number of rules.",
        [](const rules::GroupStatus& g) { return g.rules.size(); });

  // Notifications to Alertmanagers.
  const auto am = am_client->counters();
  auto alertmanager = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    server::write_family(w, name, type, help, "alertmanager", am, job,
                         [&](const auto& entry) { return value(entry.second); });
  };
  using AmCounters = notify::AlertmanagerCounters;
  alertmanager("cogwatch_notifications_sent_total", "counter", "Total number of alerts sent.",
               [](const AmCounters& c) { return c.sent; });
  alertmanager("cogwatch_notifications_errors_total", "counter", "Total number of POSTs to Alertmanagers that failed.",
               [](const AmCounters& c) { return c.errors; });
  alertmanager("cogwatch_notifications_retried_total", "counter", "POSTs to Alertmanagers that were retries.",
               [](const AmCounters& c) { return c.retried; });
  alertmanager("cogwatch_notifications_failed_total", "counter", "Alerts given up on after their retries.",
               [](const AmCounters& c) { return c.failed; });
  alertmanager("cogwatch_notifications_dropped_total", "counter", "Alerts dropped from a full queue.",
               [](const AmCounters& c) { return c.dropped; });
  alertmanager("cogwatch_notifications_queue_length", "gauge", "The number of alert notifications in the queue.",
               [](const AmCounters& c) { return c.queue_length; });
  alertmanager("cogwatch_notifications_queue_capacity", "gauge", "The capacity of the alert notifications queue.",
               [](const AmCounters& c) { return c.queue_capacity; });
  w.family("cogwatch_notifications_latency_seconds", "summary", "Latency of POSTs to Alertmanagers.");
  for (const auto& [url, c] : am) {
    w.sample("cogwatch_notifications_latency_seconds_sum", {{"alertmanager", url}}, c.latency_seconds_sum);
    w.sample("cogwatch_notifications_latency_seconds_count", {{"alertmanager", url}}, static_cast<double>(c.latency_count));
  }

  // The built-in Alertmanager's webhooks, by receiver.
  const auto hooks = notifier->counters();
  auto hook = [&](std::string_view name, std::string_view help, auto value) {
    server::write_family(w, name, "counter", help, "receiver", hooks, job,
                         [&](const auto& entry) { return value(entry.second); });
  };
  using HookCounters = notify::WebhookCounters;
  hook("cogwatch_builtin_notifications_total", "Notifications delivered by the built-in Alertmanager.",
       [](const HookCounters& c) { return c.notifications; });
  hook("cogwatch_builtin_notifications_failed_total", "Notifications the built-in Alertmanager gave up on.",
       [](const HookCounters& c) { return c.notifications_failed; });
  hook("cogwatch_builtin_notification_requests_total", "Webhook requests made, retries included.",
       [](const HookCounters& c) { return c.requests; });
  hook("cogwatch_builtin_notification_requests_failed_total", "Webhook requests that did not deliver.",
       [](const HookCounters& c) { return c.requests_failed; });
  w.family("cogwatch_builtin_notification_latency_seconds", "summary", "Latency of webhook requests.");
  for (const auto& [receiver, c] : hooks) {
    w.sample("cogwatch_builtin_notification_latency_seconds_sum", {{"receiver", receiver}}, c.request_seconds_sum);
    w.sample("cogwatch_builtin_notification_latency_seconds_count", {{"receiver", receiver}},
             static_cast<double>(c.requests));
  }
  const notify::DispatcherCounters dc = notifier->dispatcher().counters();
  w.family("cogwatch_builtin_alerts_received_total", "counter", "Alerts received by the built-in Alertmanager.");
  w.sample("cogwatch_builtin_alerts_received_total", {{"status", "firing"}}, static_cast<double>(dc.alerts_received_firing));
  w.sample("cogwatch_builtin_alerts_received_total", {{"status", "resolved"}}, static_cast<double>(dc.alerts_received_resolved));
  w.family("cogwatch_builtin_aggregation_groups", "gauge", "Aggregation groups of the built-in Alertmanager.");
  w.sample("cogwatch_builtin_aggregation_groups", {}, static_cast<double>(dc.aggregation_groups));
  return w.text();
}

// What the status endpoints read; the scrape manager's getters hop to
// the io thread, where it lives (and answer "none" once it is gone).
server::StatusSources Daemon::Impl::status_sources() {
  server::StatusSources s;
  s.targets = [this] {
    return run_on(io, [&] { return scrape ? scrape->targets() : std::vector<scrape::TargetStatus>{}; });
  };
  s.dropped_targets = [this] {
    return run_on(io, [&] { return scrape ? scrape->dropped_targets() : std::vector<scrape::DroppedTarget>{}; });
  };
  s.dropped_target_counts = [this] {
    return run_on(io, [&] { return scrape ? scrape->dropped_target_counts() : std::map<std::string, size_t>{}; });
  };
  s.rule_groups = [this] { return rules->groups(); };
  s.alertmanagers = [this] { return server::AlertmanagerUrls{.active = am_client->alertmanagers()}; };
  s.tsdb_stats = [this](size_t limit) { return head->cardinality_stats(limit); };
  s.runtime_info = [this] { return runtime_info(); };
  s.config_yaml = [this] {
    std::lock_guard lock(config_mu);
    return config.text;
  };
  s.flags = [this] { return std::map<std::string, std::string>(options.flags.begin(), options.flags.end()); };
  s.build_info = server::default_build_info(kVersion);
  const std::string host = external_url.substr(external_url.find("://") + 3);
  s.global_url = {.listen_address = options.listen_address, .host = host.substr(0, host.find('/'))};
  return s;
}

server::RuntimeInfo Daemon::Impl::runtime_info() const {
  server::RuntimeInfo r;
  r.start_time = start_time;
  std::error_code ec;
  r.cwd = std::filesystem::current_path(ec).string();
  r.hostname = hostname();
  r.server_time = system_clock().now();
  r.reload_config_success = last_reload_ok;
  if (last_reload_success > 0) r.last_config_time = last_reload_success / 1000 * 1000;
  r.goroutine_count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    (void)entry;
    ++r.goroutine_count;
  }
  r.gomaxprocs = std::thread::hardware_concurrency();
  const tsdb::HeadOptions& h = options.head;  // the Db applies them to the whole store
  if (h.retention_time > 0) r.storage_retention = format_duration(h.retention_time);
  if (h.retention_bytes > 0) {
    r.storage_retention += (r.storage_retention.empty() ? "" : " or ") + std::to_string(h.retention_bytes) + "B";
  }
  return r;
}

Daemon::Daemon(DaemonOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (!impl_->log) impl_->log = *Logger::create({});
}

Daemon::~Daemon() { shutdown(); }

Status Daemon::start() {
  Impl& d = *impl_;
  auto listen = split_listen_address(d.options.listen_address);
  if (!listen) return listen.error();

  // The web server binds first: the embedded default scrapes cogwatch at
  // the port it got, and a port in use fails before anything runs.
  d.web = std::make_unique<server::Web>(server::WebOptions{
      .enable_lifecycle = d.options.enable_lifecycle,
      .reload = [this] { return reload(); },
      .quit = [this] { request_stop(); },
      .ready = [&d] { return d.ready.load(); },
      .metrics = [&d] { return d.metrics_text(); },
      .routes = {[&d](const net::HttpRequest& r) {
                   std::shared_ptr<const server::QueryApi> api;
                   {
                     std::lock_guard lock(d.config_mu);
                     api = d.query_api;
                   }
                   return api->handle(r);
                 },
                 [&d](const net::HttpRequest& r) { return d.status_api->handle(r); },
                 [&d](const net::HttpRequest& r) -> std::optional<net::HttpResponse> {
        bool builtin;
        {
          std::lock_guard lock(d.config_mu);
          builtin = d.builtin_notify;
        }
        if (!builtin || !r.target.starts_with("/api/v2/")) return std::nullopt;
        return d.notifier->api().handle(r);
      },
                 [&d](const net::HttpRequest& r) -> std::optional<net::HttpResponse> {
                   const std::string_view path = std::string_view(r.target).substr(0, r.target.find('?'));
                   if (path != "/api/v1/write") return std::nullopt;
                   if (!d.write_receiver) {
                     return net::HttpResponse{.status = 404,
                                              .body = "remote write receiver needs to be enabled with "
                                                      "--web.enable-remote-write-receiver\n"};
                   }
                   return d.write_receiver->handle(r);
                 },
                 server::ui_route()},
      .route_prefix = d.options.route_prefix});
  net::HttpHandler handler = [&d](const net::HttpRequest& r) { return d.web->handle(r); };
  net::HttpServerOptions server_options{.address = listen->first, .port = listen->second};
  // Remote-write bodies are larger than the API's requests.
  if (d.options.enable_remote_write_receiver) server_options.max_body_bytes = remote::ReceiverOptions{}.max_body_bytes;
  if (!d.options.web_config_file.empty()) {
    server_options.connection = net::web_config_connections(d.options.web_config_file, handler, [&d](const Error& e) {
      d.log->error("web", "Unable to read the web config file", {{"err", e.message}});
    });
  }
  auto server = net::HttpServer::start(d.web_io, std::move(server_options), handler);
  if (!server) return server.error();
  d.server = std::move(*server);
  d.port = d.server->port();
  // As Prometheus's computeExternalURL: http://<hostname>:<port> by
  // default, a trailing slash trimmed (links append "/graph?...").
  d.external_url = d.options.external_url.empty() ? "http://" + hostname() + ":" + std::to_string(d.port)
                                                  : d.options.external_url;
  while (d.external_url.ends_with('/')) d.external_url.pop_back();

  auto cfg = d.load_config();
  if (!cfg) return cfg.error();
  if (cfg->path.empty()) {
    d.log->info("main", "No configuration file: running the embedded default (scrape localhost:5000 and cogwatch "
                        "itself, the Cog alert rules, notifications to the log)",
                {{"missing_file", d.options.config_file}});
  } else {
    d.log->info("main", "Loaded configuration file", {{"filename", cfg->path}});
  }
  for (const std::string& w : cfg->warnings) d.log->warn("config", w);
  if (Status s = d.open_storage(); !s) return s;
  if (d.options.rules_datasource) {
    auto source = remote::QueryDatasource::make({.endpoint = *d.options.rules_datasource, .local_state = d.head});
    if (!source) return make_error(source.error().code, "--rules.datasource.url: " + source.error().message);
    d.rules_datasource = *std::move(source);
    d.log->info("rules", "Rules query a remote datasource", {{"url", d.options.rules_datasource->url}});
    if (cfg->remote_write.empty()) {
      d.log->warn("rules", "--rules.datasource.url without remote_write: recording rule results and alert state "
                           "stay in the local store, and a restart on another box cannot restore alert state");
    } else if (cfg->scrape.global.external_labels.empty()) {
      d.log->warn("rules", "--rules.datasource.url without external_labels: alert state restored from the "
                           "datasource cannot be told from other senders' with the same alert labels");
    }
  }

  d.am_client = std::make_unique<notify::AlertmanagerClient>(
      d.io, notify::AlertmanagerClientOptions{
                .external_url = d.external_url,
                .external_labels = cfg->scrape.global.external_labels,
                .queue_capacity = d.options.notification_queue_capacity,
                .resend_delay = d.options.resend_delay,
                .on_event = [&d](const notify::AlertmanagerEvent& e) {
                  const char* what = e.kind == notify::AlertmanagerEvent::Kind::kRetrying ? "Retrying notification"
                                     : e.kind == notify::AlertmanagerEvent::Kind::kDropped
                                         ? "Alert notification queue full, dropping alerts"
                                         : "Error sending alerts";
                  d.log->warn("notifier", what, {{"alertmanager", e.alertmanager},
                                                 {"count", std::to_string(e.alerts)},
                                                 {"attempt", std::to_string(e.attempt)},
                                                 {"err", e.reason}});
                }});
  d.notifier = std::make_unique<notify::BuiltinNotifier>(
      d.io, silent_notify_config(),
      notify::BuiltinNotifierOptions{
          .external_url = d.external_url,
          .config_text = cfg->text,
          .version = kVersion,
          .on_event = [&d](const notify::DeliveryEvent& e) {
            if (e.kind == notify::DeliveryEvent::Kind::kDelivered) {
              d.log->info("notifier", "Notify success", {{"receiver", e.receiver}, {"alerts", std::to_string(e.alerts)}});
            } else {
              d.log->warn("notifier",
                          e.kind == notify::DeliveryEvent::Kind::kRetrying ? "Notify attempt failed, will retry later"
                                                                          : "Notify for alerts failed",
                          {{"receiver", e.receiver}, {"attempt", std::to_string(e.attempt)}, {"err", e.reason}});
            }
          },
          .log_notification = [&d](const notify::Notification& n) { d.log_notification(n); }});
  d.rules = std::make_unique<rules::RuleManager>(
      *d.head, *d.head,
      rules::RuleManagerOptions{.notify = [&d](const std::string& expr, const std::vector<rules::Alert>& alerts) {
                                  d.notify_alerts(expr, alerts);
                                },
                                // What a previous run stored (persistence) carries pending alerts over.
                                .restore_for_state = true});
  d.scrape = std::make_unique<scrape::ScrapeManager>(d.io, *d.head);
  if (d.options.enable_remote_write_receiver) d.write_receiver = std::make_unique<remote::WriteReceiver>(*d.head, remote::ReceiverOptions{});
  d.status_api = std::make_unique<server::StatusApi>(d.status_sources());
  d.query_api = d.make_query_api(cfg->scrape.global.external_labels);
  d.rules_timer = std::make_unique<asio::steady_timer>(d.rules_io);
  d.retention_timer = std::make_unique<asio::steady_timer>(d.io);
  d.am_refresh_timer = std::make_unique<asio::steady_timer>(d.io);
  d.sync_timer = std::make_unique<asio::steady_timer>(d.storage_io);
  d.notify_state_timer = std::make_unique<asio::steady_timer>(d.storage_io);
  d.checkpoint_timer = std::make_unique<asio::steady_timer>(d.storage_io);
  d.signals = std::make_unique<asio::signal_set>(d.io, SIGINT, SIGTERM, SIGHUP);

  d.io_work.emplace(d.io.get_executor());
  d.rules_work.emplace(d.rules_io.get_executor());
  d.web_work.emplace(d.web_io.get_executor());
  d.storage_work.emplace(d.storage_io.get_executor());
  d.io_thread = std::thread([&d] { d.io.run(); });
  d.storage_thread = std::thread([&d] { d.storage_io.run(); });
  d.rules_thread = std::thread([&d] { d.rules_io.run(); });
  const size_t web_threads = std::clamp<size_t>(d.options.query_max_concurrency, 2, 4);
  for (size_t i = 0; i < web_threads; ++i) d.web_threads.emplace_back([&d] { d.web_io.run(); });

  // Before the first evaluation sends anything: the dispatcher takes back
  // its alerts, log and silences; the Alertmanager queues wait for
  // apply() to name the Alertmanagers.
  auto pending_alertmanager_alerts = d.restore_notify_state();
  if (Status s = d.apply(std::move(*cfg), true); !s) {
    shutdown();
    return s;
  }
  if (!pending_alertmanager_alerts.empty()) d.am_client->requeue(pending_alertmanager_alerts);
  d.last_reload_ok = true;
  d.last_reload_success = system_clock().now();
  asio::post(d.io, [&d] {
    d.arm_retention();
    d.arm_am_refresh();
    d.wait_for_signal();
  });
  if (d.db) {
    asio::post(d.storage_io, [&d] {
      d.arm_sync();
      d.arm_checkpoint();
      d.arm_notify_state_save();
    });
  }
  d.ready = true;
  d.log->info("web", "Server is ready to receive web requests.",
              {{"address", d.options.listen_address}, {"port", std::to_string(d.port)}, {"external_url", d.external_url}});
  return {};
}

Status Daemon::reload() {
  Impl& d = *impl_;
  std::lock_guard lock(d.reload_mu);
  ++d.reloads;
  auto cfg = d.load_config();
  Status s = cfg ? Status{} : Status(cfg.error());
  if (cfg) {
    for (const std::string& w : cfg->warnings) d.log->warn("config", w);
    const std::string path = cfg->path;
    s = d.apply(std::move(*cfg), false);
    if (s) d.log->info("main", "Completed loading of configuration file", {{"filename", path}});
  }
  if (!s) {
    ++d.reload_failures;
    d.last_reload_ok = false;
    d.log->error("main", "Error reloading config; the running configuration stays",
                 {{"filename", d.options.config_file}, {"err", s.error().message}});
    return s;
  }
  d.last_reload_ok = true;
  d.last_reload_success = system_clock().now();
  return {};
}

void Daemon::wait() {
  Impl& d = *impl_;
  std::unique_lock lock(d.stop_mu);
  while (true) {
    d.stop_cv.wait(lock, [&] { return d.stop_requested || d.reload_requested; });
    if (d.stop_requested) return;
    d.reload_requested = false;
    lock.unlock();
    (void)reload();  // logged there
    lock.lock();
  }
}

bool Daemon::wait_for(Duration limit) {
  Impl& d = *impl_;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit);
  std::unique_lock lock(d.stop_mu);
  while (true) {
    if (!d.stop_cv.wait_until(lock, until, [&] { return d.stop_requested || d.reload_requested; })) return false;
    if (d.stop_requested) return true;
    d.reload_requested = false;
    lock.unlock();
    (void)reload();
    lock.lock();
  }
}

void Daemon::request_stop() { impl_->request_stop(); }

std::vector<rules::Alert> Daemon::alerts() const { return impl_->rules ? impl_->rules->alerts() : std::vector<rules::Alert>{}; }

void Daemon::shutdown() {
  Impl& d = *impl_;
  if (d.shut_down) return;
  d.shut_down = true;
  d.request_stop();
  d.ready = false;
  if (d.io_thread.joinable()) {
    // The web goes first: requests in progress finish (each answers 503
    // once `ready` is false), and nothing the parts below free is read
    // any more.
    if (d.server) d.server->stop();
    d.web_work.reset();
    d.web_io.stop();
    for (std::thread& t : d.web_threads) t.join();
    d.web_threads.clear();
    // Scrapes end: nothing new is stored.
    run_on(d.io, [&] {
      d.scrape.reset();
      if (d.signals) d.signals->cancel();
      if (d.retention_timer) d.retention_timer->cancel();
      if (d.am_refresh_timer) d.am_refresh_timer->cancel();
    });
    // The evaluation in progress finishes; no other starts. Its queries to
    // a datasource fail at once rather than each waiting for its timeout.
    if (d.rules_datasource) d.rules_datasource->cancel();
    run_on(d.rules_io, [&] {
      d.rules_stopped = true;
      d.rules_timer->cancel();
    });
    d.rules_work.reset();
    d.rules_io.stop();
    d.rules_thread.join();
    // What the last evaluations sent leaves, within the deadline; what
    // could not is saved (with the dispatcher's state) for the next start.
    if (d.am_client) d.am_client->flush(system_clock().now() + d.options.shutdown_flush_timeout);
    if (d.storage_thread.joinable()) {
      run_on(d.storage_io, [&] {
        d.notify_state_stopped = true;  // a save already due does not run either
        if (d.notify_state_timer) d.notify_state_timer->cancel();
      });
    }
    if (d.am_client && d.notifier) d.save_notify_state();
    if (d.am_client) d.am_client->shutdown(system_clock().now());
    run_on(d.io, [&] { d.notifier.reset(); });
    d.io_work.reset();
    d.io.stop();
    d.io_thread.join();
    // Nothing writes any more: the log is synced (the Db's destructor) once
    // a checkpoint in progress is done.
    if (d.storage_thread.joinable()) {
      run_on(d.storage_io, [&] {
        if (d.sync_timer) d.sync_timer->cancel();
        if (d.checkpoint_timer) d.checkpoint_timer->cancel();
      });
      d.storage_work.reset();
      d.storage_io.stop();
      d.storage_thread.join();
    }
  }
  // The queues send what the log holds, within the flush deadline (one
  // for all of them), as Prometheus's do at shutdown; what they could not
  // send stays in the log, and the next start sends it.
  d.stop_remote_write(std::chrono::steady_clock::now() + std::chrono::milliseconds(d.options.shutdown_flush_timeout));
  d.server.reset();
  d.scrape.reset();
  d.notifier.reset();
  d.am_client.reset();
  d.rules.reset();
  {
    std::lock_guard lock(d.remote_mu);
    d.remote_queues.clear();
  }
  if (d.db) {
    d.db.reset();
    d.log->info("tsdb", "Write-ahead log synced and closed", {{"path", d.options.storage_path}});
  }
  d.log->info("main", "See you next time!");
}

uint16_t Daemon::port() const { return impl_->port; }

tsdb::Head& Daemon::head() { return *impl_->head; }

}  // namespace cogwatch::cli
