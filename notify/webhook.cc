#include "notify/webhook.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <random>
#include <vector>

#include "net/http_client.h"
#include "net/http_client_request.h"
#include "net/retry.h"

namespace cogwatch::notify {

WebhookMessage webhook_message(const Notification& n, const std::string& external_url) {
  WebhookMessage m{.receiver = n.receiver, .group_key = n.group_key, .group_labels = n.group_labels,
                   .external_url = external_url};
  const size_t keep = n.webhook.max_alerts == 0 ? n.alerts.size() : std::min<size_t>(n.alerts.size(), n.webhook.max_alerts);
  m.truncated_alerts = n.alerts.size() - keep;
  for (size_t i = 0; i < keep; ++i) {
    const Alert& a = n.alerts[i];
    const bool resolved = a.resolved_at(n.at);
    m.alerts.push_back({.labels = a.labels, .annotations = a.annotations, .starts_at = a.starts_at,
                        .resolved = resolved, .ends_at = resolved ? a.ends_at : 0, .generator_url = a.generator_url});
  }
  return m;
}

namespace {

// Idle kept-alive connections kept per webhook URL.
constexpr size_t kIdleClientsPerUrl = 8;

}  // namespace

struct WebhookSender::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io_context, WebhookSenderOptions o)
      : io(io_context), options(std::move(o)), clock(options.clock != nullptr ? options.clock : &system_clock()),
        random(std::random_device{}()) {}

  // One notification on its way, attempt after attempt.
  struct Delivery {
    Notification notification;
    std::function<void(bool)> done;
    std::string body;
    int attempt = 0;
    net::Backoff backoff;
    std::shared_ptr<net::HttpClient> client;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void start(std::shared_ptr<Delivery> d) {
    d->body = webhook_message_json(webhook_message(d->notification, options.external_url));
    d->backoff = net::Backoff(
        {.initial = options.initial_backoff, .multiplier = options.backoff_multiplier, .max = options.max_backoff});
    attempt(std::move(d));
  }

  void attempt(std::shared_ptr<Delivery> d) {
    ++d->attempt;
    const WebhookConfig& w = d->notification.webhook;
    std::string url = w.url;
    if (url.empty()) {
      // url_file is read at each delivery, as Alertmanager does, so a
      // rotated secret URL is picked up.
      auto secret = net::read_secret_file(w.url_file);
      if (!secret) return finish(d, false, "url_file: " + secret.error().message, false);
      url = *std::move(secret);
    }
    auto request = net::make_http_request("POST", url, w.http_config);
    if (!request) return finish(d, false, request.error().message, false);
    request->body = d->body;
    request->content_type = "application/json";
    const Duration left = d->notification.deadline - clock->now();
    const Duration per_attempt = w.timeout > 0 ? w.timeout : kDefaultWebhookTimeout;
    request->timeout = std::max<Duration>(1, std::min(per_attempt, left));
    if (!d->client) d->client = take_client(url);
    count([&](WebhookCounters& c) { ++c.requests; }, d->notification.receiver);
    d->client->send(*std::move(request), [self = shared_from_this(), d, url, watch = Stopwatch()](
                                             Result<net::HttpClientResponse> r) {
      const double took = watch.elapsed_seconds();
      self->count([took](WebhookCounters& c) { c.request_seconds_sum += took; }, d->notification.receiver);
      if (r && r->status / 100 == 2) {
        self->return_client(url, std::move(d->client));
        return self->finish(d, true, "", false);
      }
      std::string reason = net::failure_reason(r);
      self->count([](WebhookCounters& c) { ++c.requests_failed; }, d->notification.receiver);
      if (!net::retryable(r)) return self->finish(d, false, reason, false);
      self->retry_later(d, std::move(reason));
    });
  }

  // Kept-alive connections per URL, so a receiver is not dialled anew for
  // every notification; only clients whose last exchange succeeded return.
  std::shared_ptr<net::HttpClient> take_client(const std::string& url) {
    auto it = idle.find(url);
    if (it == idle.end() || it->second.empty()) return std::make_shared<net::HttpClient>(io);
    auto client = std::move(it->second.back());
    it->second.pop_back();
    return client;
  }
  void return_client(const std::string& url, std::shared_ptr<net::HttpClient> client) {
    // Called inside the client's own callback: pooled once that returns.
    boost::asio::post(io, [self = shared_from_this(), url, client = std::move(client)]() mutable {
      auto& pool = self->idle[url];
      if (pool.size() < kIdleClientsPerUrl) pool.push_back(std::move(client));
    });
  }

  void retry_later(const std::shared_ptr<Delivery>& d, std::string reason) {
    // No attempt starts after the deadline.
    const Duration wait = d->backoff.next(random);
    if (clock->now() + wait >= d->notification.deadline) return finish(d, false, reason, true);
    report(*d, DeliveryEvent::Kind::kRetrying, reason);
    d->timer = std::make_unique<boost::asio::steady_timer>(io, std::chrono::milliseconds(wait));
    d->timer->async_wait([self = shared_from_this(), d](const boost::system::error_code& ec) {
      if (ec) return self->finish(d, false, "canceled", false);
      self->attempt(d);
    });
  }

  void finish(const std::shared_ptr<Delivery>& d, bool delivered, const std::string& reason, bool at_deadline) {
    count([&](WebhookCounters& c) { ++(delivered ? c.notifications : c.notifications_failed); },
          d->notification.receiver);
    report(*d, delivered ? DeliveryEvent::Kind::kDelivered : DeliveryEvent::Kind::kFailed,
           at_deadline ? reason + " (retries stopped at the deadline)" : reason);
    auto done = std::move(d->done);
    // A client not returned to the pool goes with the delivery, closing its
    // connection (which a receiver that hung needs) once its callback is
    // over.
    boost::asio::post(io, [d] {});
    if (done) done(delivered);
  }

  void report(const Delivery& d, DeliveryEvent::Kind kind, const std::string& reason) const {
    if (!options.on_event) return;
    options.on_event({.kind = kind, .receiver = d.notification.receiver, .integration = d.notification.integration,
                      .group_key = d.notification.group_key, .attempt = d.attempt,
                      .alerts = d.notification.alerts.size(), .reason = reason});
  }

  template <typename F>
  void count(F&& f, const std::string& receiver) {
    std::lock_guard lock(mu);
    f(counters[receiver]);
  }

  boost::asio::io_context& io;
  WebhookSenderOptions options;
  const Clock* clock;
  std::mt19937_64 random;
  mutable std::mutex mu;  // guards counters
  std::map<std::string, WebhookCounters> counters;
  std::map<std::string, std::vector<std::shared_ptr<net::HttpClient>>> idle;  // by URL; io thread only
};

WebhookSender::WebhookSender(boost::asio::io_context& io, WebhookSenderOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

WebhookSender::~WebhookSender() = default;

void WebhookSender::deliver(Notification n, std::function<void(bool)> done) {
  auto d = std::make_shared<Impl::Delivery>();
  d->notification = std::move(n);
  d->done = std::move(done);
  boost::asio::post(impl_->io, [impl = impl_, d] { impl->start(d); });
}

std::map<std::string, WebhookCounters> WebhookSender::counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

}  // namespace cogwatch::notify
