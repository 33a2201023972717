#include "cli/run.h"

#include <ostream>

#include "cli/exit_codes.h"
#include "cli/version.h"
#include "model/byte_size.h"
#include "model/time.h"
#include "net/http_client_request.h"

namespace cogwatch::cli {

void RunFlags::add_to(CLI::App& app) {
  app.add_option("--config.file", config_file,
                 "cogwatch configuration file: prometheus.yml plus `notify:`. Without one (and without "
                 "./cogwatch.yml) an embedded default runs")
      ->capture_default_str();
  app.add_option("--notify.config.file", notify_config_file,
                 "The built-in Alertmanager's routes and receivers from this alertmanager.yml instead of the "
                 "config's notify: section");
  app.add_option("--web.listen-address", listen_address, "Address to listen on for the API, UI and /metrics")
      ->capture_default_str();
  app.add_option("--web.external-url", external_url,
                 "The URL under which cogwatch is reached (alerts' generatorURL); default http://<hostname>:<port>/");
  app.add_option("--web.route-prefix", route_prefix,
                 "Prefix for the internal routes of web endpoints (the UI, the API, /metrics). Defaults to the path "
                 "of --web.external-url");
  app.add_flag("--web.enable-lifecycle", enable_lifecycle, "Enable shutdown and reload via HTTP request");
  app.add_flag("--web.enable-remote-write-receiver", enable_remote_write_receiver,
               "Accept remote-write requests (Remote-Write 1.0 and 2.0) at /api/v1/write");
  app.add_option("--web.config.file", web_config_file,
                 "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication (Prometheus's "
                 "web config; read again for every connection)");
  app.add_option("--storage.tsdb.path", storage_path,
                 "Base path for metrics storage: the write-ahead log and its checkpoints (\"\" keeps data in memory "
                 "only)")
      ->capture_default_str();
  app.add_option("--storage.tsdb.wal-segment-size", wal_segment_size,
                 "Size at which to split the write-ahead log segment files (64KB to 256MB); a checkpoint is considered once the log holds two")
      ->capture_default_str();
  app.add_option("--storage.tsdb.wal-sync-interval", wal_sync_interval,
                 "How often the write-ahead log is synced to disk: a power loss takes at most the samples of this "
                 "last interval (at least 100ms)")
      ->capture_default_str();
  app.add_option("--storage.remote.max-backlog-size", remote_max_backlog,
                 "Write-ahead log a remote_write queue behind its receiver may keep past checkpoints, for all "
                 "queues together; past it the oldest is dropped (and counted). 0 keeps none")
      ->capture_default_str();
  // Hidden, as in Prometheus: for tests that want compactions in seconds.
  app.add_option("--storage.tsdb.min-block-duration", min_block_duration,
                 "Length of the windows the head moves into blocks (for tests)")
      ->capture_default_str()
      ->group("");
  storage.add_to(app);
  app.add_option("--query.lookback-delta", lookback_delta,
                 "The maximum lookback duration for retrieving metrics during expression evaluations")
      ->capture_default_str();
  app.add_option("--query.timeout", query_timeout, "Maximum time a query may take before being aborted")
      ->capture_default_str();
  app.add_option("--query.max-samples", query_max_samples,
                 "Maximum number of samples a single query can load into memory")
      ->capture_default_str();
  app.add_option("--query.max-concurrency", query_max_concurrency, "Maximum number of queries executed concurrently")
      ->capture_default_str();
  app.add_option("--rules.alert.resend-delay", resend_delay,
                 "Minimum amount of time to wait before resending an alert to Alertmanager")
      ->capture_default_str();
  app.add_option("--rules.alert.for-outage-tolerance", for_outage_tolerance,
                 "Max time to tolerate cogwatch outage for restoring 'for' state of alert")
      ->capture_default_str();
  app.add_option("--rules.alert.for-grace-period", for_grace_period,
                 "Minimum duration between alert and restored 'for' state. This is maintained only for alerts "
                 "with configured 'for' time greater than grace period")
      ->capture_default_str();
  app.add_option("--rules.datasource.url", datasource_url,
                 "Evaluate rules over this Prometheus-API base URL (VictoriaMetrics, Mimir, Thanos, Prometheus) "
                 "instead of the local store, as vmalert does; results and alert state leave through remote_write");
  app.add_option("--rules.datasource.timeout", datasource_timeout, "How long one query to the datasource may take")
      ->capture_default_str();
  app.add_option("--rules.datasource.basic-auth.username", datasource_username,
                 "Basic auth user name for the datasource");
  app.add_option("--rules.datasource.basic-auth.password-file", datasource_password_file,
                 "File holding the basic auth password for the datasource (read at each query)");
  app.add_option("--rules.datasource.bearer-token-file", datasource_bearer_token_file,
                 "File holding a bearer token for the datasource (read at each query)");
  app.add_option("--rules.datasource.tls.ca-file", datasource_tls.ca_file,
                 "CA certificate file to verify the datasource's certificate");
  app.add_option("--rules.datasource.tls.cert-file", datasource_tls.cert_file,
                 "Client certificate file for the datasource");
  app.add_option("--rules.datasource.tls.key-file", datasource_tls.key_file, "Client key file for the datasource");
  app.add_option("--rules.datasource.tls.server-name", datasource_tls.server_name,
                 "Server name expected in the datasource's certificate (and sent as SNI)");
  app.add_flag("--rules.datasource.tls.insecure-skip-verify", datasource_tls.insecure_skip_verify,
               "Do not verify the datasource's certificate");
  app.add_option("--alertmanager.notification-queue-capacity", notification_queue_capacity,
                 "The capacity of the queue for pending Alertmanager notifications")
      ->capture_default_str();
  app.add_option("--log.level", log_level, "Only log messages with the given severity or above: debug, info, warn, "
                                           "error")
      ->capture_default_str();
  app.add_option("--log.format", log_format, "Output format of log messages: logfmt, json")->capture_default_str();
}

namespace {

Result<Duration> duration_flag(const char* name, const std::string& value, bool allow_zero) {
  auto d = parse_duration(value);
  if (!d) return make_error(ErrorCode::kInvalidArgument, std::string(name) + ": " + d.error().message);
  if (*d < 0 || (!allow_zero && *d == 0)) {
    return make_error(ErrorCode::kInvalidArgument, std::string(name) + ": must be positive, got \"" + value + "\"");
  }
  return *d;
}

Result<uint64_t> positive_flag(const char* name, int64_t value) {
  if (value <= 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(name) + ": must be positive, got " + std::to_string(value));
  }
  return static_cast<uint64_t>(value);
}

}  // namespace

Result<std::optional<remote::QueryEndpoint>> RunFlags::datasource_endpoint(const CLI::App& app,
                                                                          Duration engine_lookback) const {
  if (datasource_url.empty()) {
    for (const CLI::Option* opt : app.get_options()) {
      const std::string name = opt->get_name();
      if (name.starts_with("--rules.datasource.") && opt->count() > 0 && name != "--rules.datasource.url") {
        return make_error(ErrorCode::kInvalidArgument, name + ": needs --rules.datasource.url");
      }
    }
    return std::optional<remote::QueryEndpoint>();
  }
  remote::QueryEndpoint e{.url = datasource_url, .lookback_delta = engine_lookback};
  auto timeout = duration_flag("--rules.datasource.timeout", datasource_timeout, false);
  if (!timeout) return timeout.error();
  e.timeout = *timeout;
  if (!datasource_username.empty() || !datasource_password_file.empty()) {
    if (!datasource_bearer_token_file.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "--rules.datasource.bearer-token-file: at most one of basic auth and a bearer token");
    }
    e.http.basic_auth = net::BasicAuth{.username = datasource_username, .password_file = datasource_password_file};
  } else if (!datasource_bearer_token_file.empty()) {
    e.http.authorization = net::Authorization{.credentials_file = datasource_bearer_token_file};
  }
  if (datasource_tls.cert_file.empty() != datasource_tls.key_file.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--rules.datasource.tls.cert-file and --rules.datasource.tls.key-file go together");
  }
  e.http.tls = datasource_tls;
  return std::optional<remote::QueryEndpoint>(std::move(e));
}

Result<DaemonOptions> RunFlags::daemon_options(const CLI::App& app) const {
  DaemonOptions o;
  o.config_file = config_file;
  o.config_file_given = app.count("--config.file") > 0;
  o.notify_config_file = notify_config_file;
  o.listen_address = listen_address;
  o.external_url = external_url;
  o.enable_lifecycle = enable_lifecycle;
  // As Prometheus: the external URL's path unless given.
  o.route_prefix = route_prefix;
  if (app.count("--web.route-prefix") == 0 && !external_url.empty()) {
    // Parsed as every URL cogwatch calls is; one that does not parse is
    // refused below.
    if (auto url = net::make_http_request("GET", external_url, {})) {
      o.route_prefix = url->target.substr(0, url->target.find('?'));
      if (o.route_prefix == "/") o.route_prefix.clear();
    }
  }
  if (!o.route_prefix.empty() && !o.route_prefix.starts_with('/')) o.route_prefix = "/" + o.route_prefix;
  o.enable_remote_write_receiver = enable_remote_write_receiver;
  o.web_config_file = web_config_file;
  auto head = storage.head_options();
  if (!head) return head.error();
  o.head = *head;
  o.storage_path = storage_path;
  auto segment = parse_byte_size(wal_segment_size);
  if (!segment) return make_error(ErrorCode::kInvalidArgument, "--storage.tsdb.wal-segment-size: " + segment.error().message);
  // Prometheus takes 10MB to 256MB; smaller segments suit small boxes (and
  // the crash tests, which want many checkpoints).
  if (*segment < (64ull << 10) || *segment > (256ull << 20)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--storage.tsdb.wal-segment-size: must be between 64KB and 256MB, got " + wal_segment_size);
  }
  o.wal_segment_bytes = *segment;
  auto backlog = parse_byte_size(remote_max_backlog);
  if (!backlog) return make_error(ErrorCode::kInvalidArgument, "--storage.remote.max-backlog-size: " + backlog.error().message);
  o.remote_max_backlog_bytes = *backlog;
  auto sync = duration_flag("--storage.tsdb.wal-sync-interval", wal_sync_interval, false);
  if (!sync) return sync.error();
  if (*sync < 100) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--storage.tsdb.wal-sync-interval: must be at least 100ms, got " + wal_sync_interval);
  }
  o.wal_sync_interval = *sync;
  auto block = duration_flag("--storage.tsdb.min-block-duration", min_block_duration, false);
  if (!block) return block.error();
  if (*block < kSecond) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--storage.tsdb.min-block-duration: must be at least 1s, got " + min_block_duration);
  }
  o.head.chunk_limits.time_window = *block;
  auto lookback = duration_flag("--query.lookback-delta", lookback_delta, false);
  if (!lookback) return lookback.error();
  o.engine.lookback_delta = *lookback;
  auto timeout = duration_flag("--query.timeout", query_timeout, false);
  if (!timeout) return timeout.error();
  o.query_timeout = *timeout;
  auto samples = positive_flag("--query.max-samples", query_max_samples);
  if (!samples) return samples.error();
  o.engine.max_samples = *samples;
  auto concurrency = positive_flag("--query.max-concurrency", query_max_concurrency);
  if (!concurrency) return concurrency.error();
  o.query_max_concurrency = *concurrency;
  auto resend = duration_flag("--rules.alert.resend-delay", resend_delay, true);
  if (!resend) return resend.error();
  o.resend_delay = *resend;
  auto tolerance = duration_flag("--rules.alert.for-outage-tolerance", for_outage_tolerance, true);
  if (!tolerance) return tolerance.error();
  o.for_outage_tolerance = *tolerance;
  auto grace = duration_flag("--rules.alert.for-grace-period", for_grace_period, true);
  if (!grace) return grace.error();
  o.for_grace_period = *grace;
  auto datasource = datasource_endpoint(app, o.engine.lookback_delta);
  if (!datasource) return datasource.error();
  o.rules_datasource = *std::move(datasource);
  auto capacity = positive_flag("--alertmanager.notification-queue-capacity", notification_queue_capacity);
  if (!capacity) return capacity.error();
  o.notification_queue_capacity = *capacity;
  if (!external_url.empty() && !external_url.starts_with("http://") && !external_url.starts_with("https://")) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--web.external-url: must be an http(s) URL, got \"" + external_url + "\"");
  }
  auto log = Logger::create({.level = log_level, .format = log_format});
  if (!log) return log.error();
  o.log = *log;
  for (const CLI::Option* opt : app.get_options()) {
    const std::string name = opt->get_name();
    if (!name.starts_with("--") || name == "--help") continue;
    std::string value = opt->as<std::string>();
    if (opt->get_type_size() == 0) value = opt->count() > 0 ? "true" : "false";  // a boolean flag
    o.flags.emplace_back(name.substr(2), value);
  }
  return o;
}

int run_daemon(const RunFlags& flags, const CLI::App& app, std::ostream& err) {
  auto options = flags.daemon_options(app);
  if (!options) {
    err << "cogwatch run: error: " << options.error().message << ", try --help\n";
    return kExitUsage;
  }
  std::shared_ptr<Logger> log = options->log;
  log->info("main", "Starting cogwatch", {{"version", kVersion}});
  Daemon daemon(std::move(*options));
  if (Status s = daemon.start(); !s) {
    log->error("main", "Error starting cogwatch", {{"err", s.error().message}});
    return kExitFailed;
  }
  daemon.wait();
  daemon.shutdown();
  return kExitOk;
}

}  // namespace cogwatch::cli
