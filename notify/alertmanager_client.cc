#include "notify/alertmanager_client.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <random>

#include "net/http_client.h"
#include "net/retry.h"
#include "notify/outgoing_alerts.h"

namespace cogwatch::notify {
namespace {

namespace asio = boost::asio;

// Secret and certificate files named relative to the config file, as
// Prometheus resolves them (its SetDirectory).
void resolve_paths(AlertingConfig& config, const std::string& dir) {
  if (dir.empty()) return;
  auto resolve = [&](std::string& path) {
    if (!path.empty() && path.front() != '/') path = dir + "/" + path;
  };
  for (AlertmanagerConfig& am : config.alertmanagers) {
    net::HttpClientConfig& http = am.http_config;
    if (http.basic_auth) resolve(http.basic_auth->password_file);
    if (http.authorization) resolve(http.authorization->credentials_file);
    resolve(http.tls.ca_file);
    resolve(http.tls.cert_file);
    resolve(http.tls.key_file);
  }
}

using Queued = PendingAlert;

// One Alertmanager: its queue and its send loop.
struct Am {
  std::string url;
  // Guarded by Impl::mu:
  std::shared_ptr<const AlertingConfig> config;  // the entry config->alertmanagers[index]
  size_t index = 0;
  std::deque<Queued> queue;
  std::vector<Queued> in_flight;  // a copy of the batch, for pending()
  bool busy = false;       // a batch is in flight or waiting to be retried
  bool scheduled = false;  // a pump() is posted
  bool removed = false;    // left the configuration, or the client stopped
  // The io_context's thread only:
  std::vector<PostableAlert> batch;
  std::string body;
  Timestamp deadline = 0;
  int attempt = 0;
  net::Backoff backoff;
  std::unique_ptr<net::HttpClient> client;
  std::unique_ptr<asio::steady_timer> timer;

  const AlertmanagerConfig& settings() const { return config->alertmanagers[index]; }
};

}  // namespace

struct AlertmanagerClient::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, AlertmanagerClientOptions o)
      : io(io_context), options(std::move(o)), clock(options.clock != nullptr ? options.clock : &system_clock()),
        random(std::random_device{}()) {}

  // --- any thread, under mu ---

  // Posts a pump of `am` unless one is due anyway. REQUIRES: mu held.
  void schedule(const std::shared_ptr<Am>& am) {
    if (am->busy || am->scheduled || am->removed || am->queue.empty()) return;
    am->scheduled = true;
    asio::post(io, [self = shared_from_this(), am] { self->pump(am); });
  }

  // Drops the oldest alerts of a queue over capacity, as Prometheus's
  // queue makes room for the newest. REQUIRES: mu held.
  void trim_queue(Am& am, std::vector<AlertmanagerEvent>& events) {
    if (am.queue.size() <= options.queue_capacity) return;
    const size_t n = am.queue.size() - options.queue_capacity;
    am.queue.erase(am.queue.begin(), am.queue.begin() + static_cast<std::ptrdiff_t>(n));
    counters[am.url].dropped += n;
    events.push_back({.kind = AlertmanagerEvent::Kind::kDropped, .alertmanager = am.url, .alerts = n,
                      .reason = "notification queue full"});
  }

  // Posts the end of `am`'s loop: its retry timer and connection go.
  void cancel(const std::shared_ptr<Am>& am) {
    asio::post(io, [am] {
      if (am->timer) am->timer->cancel();
      am->client.reset();  // a POST in flight calls back with an error
    });
  }

  bool all_idle() const {
    return std::all_of(ams.begin(), ams.end(),
                       [](const auto& am) { return !am->busy && !am->scheduled && am->queue.empty(); });
  }

  // --- the io_context's thread ---

  // Takes the next batch of `am` and sends it.
  void pump(const std::shared_ptr<Am>& am) {
    {
      std::lock_guard lock(mu);
      am->scheduled = false;
      if (am->removed || am->busy || am->queue.empty()) {
        idle.notify_all();
        return;
      }
      const size_t n = std::min(options.max_batch, am->queue.size());
      am->deadline = am->queue.front().enqueued + options.resend_delay;  // the oldest's
      am->batch.clear();
      am->in_flight.assign(am->queue.begin(), am->queue.begin() + static_cast<std::ptrdiff_t>(n));
      for (size_t i = 0; i < n; ++i) am->batch.push_back(std::move(am->queue[i].alert));
      am->queue.erase(am->queue.begin(), am->queue.begin() + static_cast<std::ptrdiff_t>(n));
      am->busy = true;
    }
    am->attempt = 0;
    am->backoff = net::Backoff(
        {.initial = options.initial_backoff, .multiplier = options.backoff_multiplier, .max = options.max_backoff});
    am->body = postable_alerts_json(am->batch);
    attempt(am);
  }

  // The batch's deadline, or the flush's when that is sooner.
  Timestamp deadline_of(const Am& am) {
    std::lock_guard lock(mu);
    return flush_deadline ? std::min(*flush_deadline, am.deadline) : am.deadline;
  }

  void attempt(const std::shared_ptr<Am>& am) {
    ++am->attempt;
    std::shared_ptr<const AlertingConfig> entries;
    {
      std::lock_guard lock(mu);
      if (am->removed) return give_up(am, "shutting down");
      entries = am->config;
      if (am->attempt > 1) ++counters[am->url].retried;
    }
    const AlertmanagerConfig& settings = entries->alertmanagers[am->index];
    auto request = net::make_http_request("POST", am->url, settings.http_config);
    if (!request) return give_up(am, request.error().message);
    request->body = am->body;
    request->content_type = "application/json";
    request->timeout = settings.timeout;
    const Timestamp deadline = deadline_of(*am);
    if (am->attempt > 1 || deadline < am->deadline) {
      // A retry never runs past the deadline.
      request->timeout = std::max<Duration>(1, std::min(settings.timeout, deadline - clock->now()));
    }
    if (!am->client) am->client = std::make_unique<net::HttpClient>(io);
    am->client->send(*std::move(request), [self = shared_from_this(), am, watch = Stopwatch()](
                                               Result<net::HttpClientResponse> r) {
      {
        std::lock_guard lock(self->mu);
        AlertmanagerCounters& c = self->counters[am->url];
        c.latency_seconds_sum += watch.elapsed_seconds();
        ++c.latency_count;
      }
      self->answered(am, r);
    });
  }

  void answered(const std::shared_ptr<Am>& am, const Result<net::HttpClientResponse>& r) {
    if (r && r->status / 100 == 2) {
      {
        std::lock_guard lock(mu);
        counters[am->url].sent += am->batch.size();
      }
      return finish(am);
    }
    bool removed = false;
    {
      std::lock_guard lock(mu);
      ++counters[am->url].errors;
      removed = am->removed;
    }
    std::string reason = net::failure_reason(r);
    if (removed || !net::retryable(r)) return give_up(am, std::move(reason));
    // No attempt starts after the deadline, when the rule engine sends
    // these alerts again.
    const Duration wait = am->backoff.next(random);
    if (clock->now() + wait >= deadline_of(*am)) {
      return give_up(am, reason + " (retries stopped at the deadline)");
    }
    report({.kind = AlertmanagerEvent::Kind::kRetrying, .alertmanager = am->url, .alerts = am->batch.size(),
            .attempt = am->attempt, .reason = std::move(reason)});
    am->timer = std::make_unique<asio::steady_timer>(io, std::chrono::milliseconds(wait));
    am->timer->async_wait([self = shared_from_this(), am](const boost::system::error_code& ec) {
      if (ec) return self->give_up(am, "shutting down");
      self->attempt(am);
    });
  }

  void give_up(const std::shared_ptr<Am>& am, std::string reason) {
    {
      std::lock_guard lock(mu);
      counters[am->url].failed += am->batch.size();
    }
    report({.kind = AlertmanagerEvent::Kind::kFailed, .alertmanager = am->url, .alerts = am->batch.size(),
            .attempt = am->attempt, .reason = std::move(reason)});
    finish(am);
  }

  // The batch is done with; the loop goes on with the queue.
  void finish(const std::shared_ptr<Am>& am) {
    am->batch.clear();
    am->body.clear();
    std::lock_guard lock(mu);
    am->busy = false;
    am->in_flight.clear();
    ++changes;
    if (am->removed) {
      // Its connection goes with it (a hung Alertmanager keeps nothing open).
      asio::post(io, [am] { am->client.reset(); });
    }
    schedule(am);
    idle.notify_all();
  }

  void report(const AlertmanagerEvent& e) {
    std::lock_guard lock(report_mu);
    if (silent || !options.on_event) return;
    options.on_event(e);
  }

  asio::io_context& io;
  const AlertmanagerClientOptions options;
  const Clock* clock;
  std::mt19937_64 random;  // the io_context's thread only

  mutable std::mutex mu;
  std::condition_variable idle;                 // an Alertmanager's loop went idle
  std::shared_ptr<const AlertingConfig> config;   // guarded by mu; the last applied, paths resolved
  std::shared_ptr<const AlertingConfig> applied;  // guarded by mu; the same as given, for refresh()
  std::string config_dir;                        // guarded by mu
  std::vector<std::shared_ptr<Am>> ams;          // guarded by mu; discovery order
  std::map<std::string, AlertmanagerCounters> counters;  // guarded by mu
  std::optional<Timestamp> flush_deadline;      // guarded by mu
  bool stopped = false;                         // guarded by mu
  uint64_t changes = 0;                         // guarded by mu; see AlertmanagerClient::changes()

  std::mutex report_mu;  // held while on_event runs
  bool silent = false;   // guarded by report_mu; set by the destructor
};

AlertmanagerClient::AlertmanagerClient(asio::io_context& io, AlertmanagerClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

AlertmanagerClient::~AlertmanagerClient() {
  {
    std::lock_guard lock(impl_->report_mu);
    impl_->silent = true;
  }
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  for (const auto& am : impl_->ams) {
    am->removed = true;
    am->queue.clear();
    impl_->cancel(am);
  }
}

Status AlertmanagerClient::apply(const AlertingConfig& config, const std::string& config_dir) {
  auto resolved = std::make_shared<AlertingConfig>(config);
  resolve_paths(*resolved, config_dir);
  auto targets = discover_alertmanagers(*resolved, config_dir);
  if (!targets) return targets.take_error();
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return make_error(ErrorCode::kUnavailable, "the Alertmanager client is shut down");
  std::vector<std::shared_ptr<Am>> next;
  for (const AlertmanagerTarget& t : *targets) {
    auto same = std::find_if(impl_->ams.begin(), impl_->ams.end(), [&](const auto& am) { return am->url == t.url; });
    std::shared_ptr<Am> am = same != impl_->ams.end() ? *same : std::make_shared<Am>();
    am->url = t.url;
    am->config = resolved;
    am->index = t.config;
    impl_->counters[t.url].queue_capacity = impl_->options.queue_capacity;
    next.push_back(std::move(am));
  }
  for (const auto& am : impl_->ams) {
    if (std::find(next.begin(), next.end(), am) != next.end()) continue;
    am->removed = true;
    am->queue.clear();
    impl_->cancel(am);
  }
  impl_->ams = std::move(next);
  impl_->config = std::move(resolved);
  impl_->applied = std::make_shared<const AlertingConfig>(config);
  impl_->config_dir = config_dir;
  impl_->idle.notify_all();
  return {};
}

Status AlertmanagerClient::refresh() {
  std::shared_ptr<const AlertingConfig> config;
  std::string dir;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->applied) return {};
    config = impl_->applied;
    dir = impl_->config_dir;
  }
  return apply(*config, dir);
}

std::vector<std::string> AlertmanagerClient::alertmanagers() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& am : impl_->ams) out.push_back(am->url);
  return out;
}

void AlertmanagerClient::send(const std::string& expr, const std::vector<rules::Alert>& alerts) {
  if (alerts.empty()) return;
  const std::vector<PostableAlert> converted = postable_alerts(expr, alerts, impl_->options.external_url);
  std::vector<AlertmanagerEvent> events;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped || !impl_->config) return;
    const std::vector<PostableAlert> common =
        relabel_alerts(converted, impl_->options.external_labels, impl_->config->alert_relabel_configs);
    const Timestamp now = impl_->clock->now();
    ++impl_->changes;
    for (const auto& am : impl_->ams) {
      const auto& own = am->settings().alert_relabel_configs;
      std::vector<PostableAlert> mine = own.empty() ? common : relabel_alerts(common, {}, own);
      for (PostableAlert& a : mine) am->queue.push_back({std::move(a), now});
      impl_->trim_queue(*am, events);
      impl_->schedule(am);
    }
  }
  for (const AlertmanagerEvent& e : events) impl_->report(e);
}

std::map<std::string, AlertmanagerCounters> AlertmanagerClient::counters() const {
  std::lock_guard lock(impl_->mu);
  std::map<std::string, AlertmanagerCounters> out = impl_->counters;
  for (const auto& am : impl_->ams) out[am->url].queue_length = am->queue.size();
  return out;
}

std::map<std::string, std::vector<PendingAlert>> AlertmanagerClient::pending() const {
  std::lock_guard lock(impl_->mu);
  std::map<std::string, std::vector<PendingAlert>> out;
  for (const auto& am : impl_->ams) {
    if (am->in_flight.empty() && am->queue.empty()) continue;
    std::vector<PendingAlert>& mine = out[am->url];
    mine = am->in_flight;
    mine.insert(mine.end(), am->queue.begin(), am->queue.end());
  }
  return out;
}

void AlertmanagerClient::requeue(const std::map<std::string, std::vector<PendingAlert>>& saved) {
  std::vector<AlertmanagerEvent> events;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    const Timestamp now = impl_->clock->now();
    ++impl_->changes;
    for (const auto& [url, alerts] : saved) {
      auto am = std::find_if(impl_->ams.begin(), impl_->ams.end(), [&](const auto& a) { return a->url == url; });
      if (am == impl_->ams.end()) {
        impl_->counters[url].dropped += alerts.size();
        events.push_back({.kind = AlertmanagerEvent::Kind::kDropped, .alertmanager = url, .alerts = alerts.size(),
                          .reason = "Alertmanager no longer configured"});
        continue;
      }
      std::vector<Queued> kept;
      for (const PendingAlert& p : alerts) {
        if (p.alert.ends_at + kResolvedAlertRetention >= now) kept.push_back({p.alert, now});
      }
      if (const size_t expired = alerts.size() - kept.size(); expired > 0) {
        impl_->counters[url].dropped += expired;
        events.push_back({.kind = AlertmanagerEvent::Kind::kDropped, .alertmanager = url, .alerts = expired,
                          .reason = "expired while stopped"});
      }
      (*am)->queue.insert((*am)->queue.begin(), kept.begin(), kept.end());
      impl_->trim_queue(**am, events);
      impl_->schedule(*am);
    }
  }
  for (const AlertmanagerEvent& e : events) impl_->report(e);
}

uint64_t AlertmanagerClient::changes() const {
  std::lock_guard lock(impl_->mu);
  return impl_->changes;
}

bool AlertmanagerClient::flush(Timestamp deadline) {
  std::unique_lock lock(impl_->mu);
  impl_->flush_deadline = impl_->flush_deadline ? std::min(*impl_->flush_deadline, deadline) : deadline;
  bool done = false;
  while (!(done = impl_->all_idle()) && impl_->clock->now() < deadline) {
    // Short waits: the deadline is on `clock`, which a test may step.
    impl_->idle.wait_for(lock, std::chrono::milliseconds(10));
  }
  impl_->flush_deadline.reset();
  return done;
}

void AlertmanagerClient::shutdown(Timestamp deadline) {
  flush(deadline);
  std::vector<AlertmanagerEvent> events;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopped = true;
    for (const auto& am : impl_->ams) {
      if (!am->queue.empty()) {
        impl_->counters[am->url].failed += am->queue.size();
        events.push_back({.kind = AlertmanagerEvent::Kind::kFailed, .alertmanager = am->url,
                          .alerts = am->queue.size(), .reason = "shutting down"});
      }
      am->removed = true;
      am->queue.clear();
      impl_->cancel(am);
    }
  }
  for (const AlertmanagerEvent& e : events) impl_->report(e);
  // Wait (briefly) for the batches in flight to be given up, so the
  // counters are final when this returns.
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait_for(lock, std::chrono::seconds(1), [&] { return impl_->all_idle(); });
}

}  // namespace cogwatch::notify
