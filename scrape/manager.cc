#include "scrape/manager.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>

#include "net/discovery.h"
#include "scrape/http_fetch.h"
#include "scrape/scrape_loop.h"
#include "scrape/scrape_protocol.h"
#include "scrape/target.h"

namespace cogwatch::scrape {
namespace {

namespace asio = boost::asio;

// Everything discovered for one scrape config, as target labels.
Result<std::vector<Labels>> discover(const ScrapeConfig& config, const std::string& config_dir) {
  return net::discover_targets(config.static_configs, config.file_sd_configs, config_dir);
}

// Secret and certificate files named relative to the config file, as
// Prometheus resolves them (its SetDirectory); file_sd globs are resolved
// by net::read_file_sd.
void resolve_paths(Config& config, const std::string& dir) {
  if (dir.empty()) return;
  auto resolve = [&](std::string& path) {
    if (!path.empty() && path.front() != '/') path = dir + "/" + path;
  };
  for (ScrapeConfig& sc : config.scrape_configs) {
    net::HttpClientConfig& http = sc.http_config;
    if (http.basic_auth) resolve(http.basic_auth->password_file);
    if (http.authorization) resolve(http.authorization->credentials_file);
    resolve(http.tls.ca_file);
    resolve(http.tls.cert_file);
    resolve(http.tls.key_file);
  }
}

}  // namespace

Duration scrape_offset(uint64_t target_hash, Duration interval, Timestamp now) {
  if (interval <= 0) return 0;
  const auto span = static_cast<uint64_t>(interval);
  const int64_t base = interval - ((now % interval) + interval) % interval;
  int64_t next = base + static_cast<int64_t>(target_hash % span);
  if (next > interval) next -= interval;
  return next;
}

// One target: a timer, a fetcher and the ScrapeLoop that stores what it gets.
class TargetLoop : public std::enable_shared_from_this<TargetLoop> {
 public:
  TargetLoop(asio::io_context& io, tsdb::AppenderFactory& store, const Clock& clock, const ScrapeConfig& config,
             Labels target, Labels discovered, std::shared_ptr<PoolStats> pool)
      : pool_(std::move(pool)),
        clock_(clock),
        timer_(io),
        fetcher_(io),
        config_(config),
        target_(std::move(target)),
        loop_(store, ScrapeLoopOptions{.target = target_,
                                       .honor_labels = config.honor_labels,
                                       .honor_timestamps = config.honor_timestamps,
                                       .sample_limit = config.sample_limit,
                                       .label_limit = config.label_limit,
                                       .label_name_length_limit = config.label_name_length_limit,
                                       .label_value_length_limit = config.label_value_length_limit,
                                       .metric_relabel_configs = config.metric_relabel_configs,
                                       .interval = config.scrape_interval,
                                       .scrape_native_histograms = config.scrape_native_histograms,
                                       .always_scrape_classic_histograms = config.always_scrape_classic_histograms,
                                       .native_histogram_bucket_limit = config.native_histogram_bucket_limit,
                                       .native_histogram_min_bucket_factor =
                                           config.native_histogram_min_bucket_factor}) {
    status_.job = config.job_name;
    status_.labels = public_labels(target_);
    status_.discovered_labels = prerelabel_labels(config, discovered);
    status_.metadata = loop_.metadata();
    status_.interval = config.scrape_interval;
    status_.timeout = config.scrape_timeout;
    auto request = make_scrape_request(config_, target_);
    status_.scrape_url = request ? request->url() : std::string(target_.get("__address__"));
  }

  void start() {
    const Timestamp now = clock_.now();
    next_ = now + scrape_offset(target_.hash(), config_.scrape_interval, now);
    arm();
  }

  // Ends the loop; with `mark_stale`, the target's series end now.
  void stop(bool mark_stale) {
    stopped_ = true;
    timer_.cancel();
    if (mark_stale) loop_.stop(clock_.now());
  }

  const TargetStatus& status() const { return status_; }

  // A reload replaced this target's loop: keep the scrape cache and the
  // last scrape's series when they still apply; else only the series, so
  // the first scrape ends those the new settings no longer store.
  void take_state_from(TargetLoop& old) {
    if (!loop_.can_take_state_from(old.loop_)) return loop_.take_last_series_from(old.loop_);
    loop_.take_state_from(old.loop_);
    status_.metadata = loop_.metadata();
  }

 private:
  // Waits, on the steady clock, until the clock reaches next_.
  void arm() {
    timer_.expires_after(std::chrono::milliseconds(std::max<Duration>(0, next_ - clock_.now())));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && !self->stopped_) self->scrape();
    });
  }

  void scrape() {
    const Timestamp scheduled = next_;
    const Timestamp started = clock_.now();
    const Stopwatch watch;  // the scrape's duration, whatever the clock does
    // A scrape that overran whole intervals skips them rather than bursting.
    do next_ += config_.scrape_interval;
    while (next_ <= started);
    auto request = make_scrape_request(config_, target_);
    if (!request) return finish(scheduled, started, watch, request.take_error(), {});
    fetcher_.fetch(*std::move(request),
                   [self = shared_from_this(), scheduled, started, watch](Result<ScrapeResponse> r) {
                     if (self->stopped_) return;
                     if (!r) return self->finish(scheduled, started, watch, r.take_error(), {});
                     // The Content-Type chooses the parser, as in Prometheus; an empty
                     // body needs none (Prometheus reads no further either).
                     Result<ExpositionFormat> format = ExpositionFormat::kPrometheusText;
                     if (!r->body.empty()) format = body_format(r->content_type, self->config_.fallback_scrape_protocol);
                     if (!format) return self->finish(scheduled, started, watch, format.take_error(), {});
                     self->finish(scheduled, started, watch, std::string_view(r->body), *format);
                   });
  }

  void finish(Timestamp scheduled, Timestamp started, const Stopwatch& watch, const Result<std::string_view>& body,
              ExpositionFormat format) {
    const Duration took = watch.elapsed();
    const Timestamp t = ScrapeLoop::aligned_time(started, scheduled, config_.scrape_interval);
    const ScrapeReport report = loop_.append(t, took, body, format);
    status_.health = report.up ? TargetStatus::Health::kUp : TargetStatus::Health::kDown;
    status_.last_error = report.error;
    status_.last_scrape = t;
    status_.last_scrape_duration = took;
    status_.last_samples = report.samples_scraped;
    status_.metadata = loop_.metadata();
    PoolStats& p = *pool_;
    ++p.scrapes;
    if (!report.up) ++p.failed_scrapes;
    // The loop's limit errors all end so: "sample limit exceeded",
    // "label_limit exceeded (metric: ...)", "histogram bucket limit
    // exceeded". A scrape over both the sample and the bucket limit counts
    // in both, as in Prometheus.
    if (report.bucket_limit_exceeded) ++p.bucket_limit_exceeded;
    if (!report.up && report.error != internal::kBucketLimitMessage &&
        report.error.find("limit exceeded") != std::string::npos) {
      ++p.limit_exceeded;
    }
    p.samples_scraped += report.samples_scraped;
    p.samples_rejected += report.rejected;
    arm();
  }

  std::shared_ptr<PoolStats> pool_;  // shared with the manager (io thread only)
  const Clock& clock_;
  asio::steady_timer timer_;
  ScrapeFetcher fetcher_;
  const ScrapeConfig config_;
  const Labels target_;
  ScrapeLoop loop_;
  TargetStatus status_;
  Timestamp next_ = 0;
  bool stopped_ = false;
};

struct ScrapeManager::Impl {
  Impl(asio::io_context& context, tsdb::AppenderFactory& appenders, ScrapeManagerOptions opts)
      : io(context), store(appenders), options(opts), poll_timer(context) {}

  asio::io_context& io;
  tsdb::AppenderFactory& store;
  const ScrapeManagerOptions options;
  asio::steady_timer poll_timer;
  Config config;
  std::string config_dir;
  // Keyed by job and the target's full labels: the identity Prometheus uses.
  std::map<std::pair<std::string, Labels>, std::shared_ptr<TargetLoop>> loops;
  // What discovery saw last, per job, to restart only on a change.
  std::map<std::string, std::vector<Labels>> last_discovered;
  // Targets relabelling dropped, per job (before relabelling), and counts.
  std::map<std::string, std::vector<Labels>> dropped;
  std::map<std::string, size_t> dropped_counts;
  std::map<std::string, std::shared_ptr<PoolStats>> pools;  // by job; kept across reloads
  bool polling = false;

  // Computes the wanted targets first; only when every job succeeds are
  // loops started and stopped, so a bad file_sd file changes nothing.
  Status sync(bool restart_all) {
    std::map<std::pair<std::string, Labels>, std::pair<const ScrapeConfig*, Labels>> wanted;
    std::map<std::string, std::vector<Labels>> discovered_now;
    std::map<std::string, std::vector<Labels>> dropped_now;
    std::map<std::string, size_t> dropped_counts_now;
    for (const ScrapeConfig& sc : config.scrape_configs) {
      auto discovered = discover(sc, config_dir);
      if (!discovered) return make_error(discovered.error().code, sc.job_name + ": " + discovered.error().message);
      size_t& dropped_count = dropped_counts_now[sc.job_name];
      for (const Labels& d : *discovered) {
        auto target = target_labels(sc, d);
        if (!target) return make_error(target.error().code, sc.job_name + ": " + target.error().message);
        if (*target) {
          wanted.try_emplace({sc.job_name, **target}, &sc, d);
          continue;
        }
        ++dropped_count;
        std::vector<Labels>& kept = dropped_now[sc.job_name];
        if (options.keep_dropped_targets == 0 || kept.size() < options.keep_dropped_targets) {
          kept.push_back(prerelabel_labels(sc, d));
        }
      }
      discovered_now[sc.job_name] = *std::move(discovered);
    }
    if (!restart_all && discovered_now == last_discovered) return {};
    last_discovered = std::move(discovered_now);
    dropped = std::move(dropped_now);
    dropped_counts = std::move(dropped_counts_now);

    for (auto it = loops.begin(); it != loops.end();) {
      if (!wanted.contains(it->first)) {
        it->second->stop(/*mark_stale=*/true);
        it = loops.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [key, what] : wanted) {
      auto existing = loops.find(key);
      if (existing != loops.end() && !restart_all) continue;
      auto& pool = pools[key.first];
      if (!pool) pool = std::make_shared<PoolStats>();
      auto loop =
          std::make_shared<TargetLoop>(io, store, *options.clock, *what.first, key.second, what.second, pool);
      if (existing != loops.end()) {
        existing->second->stop(/*mark_stale=*/false);
        loop->take_state_from(*existing->second);
      }
      loop->start();
      loops[key] = std::move(loop);
    }
    return {};
  }

  void poll() {
    poll_timer.expires_after(std::chrono::milliseconds(options.file_sd_poll));
    poll_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      // A file that does not parse now keeps the targets it gave before.
      (void)sync(/*restart_all=*/false);
      poll();
    });
  }
};

ScrapeManager::ScrapeManager(asio::io_context& io, tsdb::AppenderFactory& store, ScrapeManagerOptions options)
    : impl_(std::make_shared<Impl>(io, store, options)) {}

ScrapeManager::~ScrapeManager() {
  impl_->poll_timer.cancel();
  for (auto& [key, loop] : impl_->loops) loop->stop(/*mark_stale=*/false);
}

Status ScrapeManager::apply(const Config& config, const std::string& config_dir) {
  Config resolved = config;
  resolve_paths(resolved, config_dir);
  Config previous = std::exchange(impl_->config, std::move(resolved));
  std::string previous_dir = std::exchange(impl_->config_dir, config_dir);
  if (Status s = impl_->sync(/*restart_all=*/true); !s) {
    impl_->config = std::move(previous);
    impl_->config_dir = std::move(previous_dir);
    return s;
  }
  if (!impl_->polling) {
    impl_->polling = true;
    impl_->poll();
  }
  return {};
}

std::vector<TargetStatus> ScrapeManager::targets() const {
  std::vector<TargetStatus> out;
  for (const auto& [key, loop] : impl_->loops) out.push_back(loop->status());
  return out;
}

std::vector<DroppedTarget> ScrapeManager::dropped_targets() const {
  std::vector<DroppedTarget> out;
  for (const auto& [job, targets] : impl_->dropped) {
    for (const Labels& d : targets) out.push_back({job, d});
  }
  return out;
}

std::map<std::string, size_t> ScrapeManager::dropped_target_counts() const { return impl_->dropped_counts; }

std::map<std::string, PoolStats> ScrapeManager::pool_stats() const {
  std::map<std::string, PoolStats> out;
  for (const auto& [job, stats] : impl_->pools) out[job] = *stats;
  // The slowest last scrape of each pool's current targets.
  for (const auto& [key, loop] : impl_->loops) {
    Duration& max = out[key.first].last_duration_max;
    max = std::max(max, loop->status().last_scrape_duration);
  }
  return out;
}

void ScrapeManager::stop() {
  impl_->poll_timer.cancel();
  impl_->polling = false;
  for (auto& [key, loop] : impl_->loops) loop->stop(/*mark_stale=*/true);
  impl_->loops.clear();
}

}  // namespace cogwatch::scrape
