#include "notify/notifier.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>

namespace cogwatch::notify {

// Runs the dispatcher when its next work is due: one steady timer, re-armed
// after each run and whenever something may have moved the next work
// earlier (an alert arrived, a delivery finished).
struct BuiltinNotifier::Timer : std::enable_shared_from_this<Timer> {
  explicit Timer(boost::asio::io_context& context) : io(context), timer(context) {}

  void arm() {
    auto d = dispatcher.lock();
    if (stopped || !d) return;
    const Timestamp next = d->next_wakeup();
    const Duration wait = std::max<Duration>(0, next - system_clock().now());
    timer.expires_after(std::chrono::milliseconds(std::min<Duration>(wait, kHour)));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      // The notifier may be going away on another thread: hold the
      // dispatcher for the run.
      if (auto held = self->dispatcher.lock()) held->run_due();
      self->arm();
    });
  }

  void wake() {
    boost::asio::post(io, [self = shared_from_this()] { self->arm(); });
  }

  boost::asio::io_context& io;
  boost::asio::steady_timer timer;
  std::weak_ptr<Dispatcher> dispatcher;  // set once, on construction
  bool stopped = false;              // on the io thread
};

// Sends each notification to its integration: log_configs to the daemon's
// log callback (delivered at once), webhooks to the sender.
class BuiltinNotifier::Router final : public Integrations {
 public:
  Router(WebhookSender& webhooks, std::function<void(const Notification&)> log)
      : webhooks_(webhooks), log_(std::move(log)) {}

  void deliver(Notification n, std::function<void(bool delivered)> done) override {
    if (!n.to_log) {
      webhooks_.deliver(std::move(n), std::move(done));
      return;
    }
    if (log_) log_(n);
    done(true);
  }

 private:
  WebhookSender& webhooks_;
  std::function<void(const Notification&)> log_;
};

BuiltinNotifier::BuiltinNotifier(boost::asio::io_context& io, NotifyConfig config, BuiltinNotifierOptions options)
    : timer_(std::make_shared<Timer>(io)) {
  webhooks_ = std::make_unique<WebhookSender>(
      io, WebhookSenderOptions{.external_url = options.external_url, .on_event = std::move(options.on_event)});
  router_ = std::make_unique<Router>(*webhooks_, std::move(options.log_notification));
  std::weak_ptr<Timer> weak = timer_;
  dispatcher_ = std::make_shared<Dispatcher>(std::move(config), *router_, DispatcherOptions{.wake = [weak] {
                                               if (auto t = weak.lock()) t->wake();
                                             }});
  timer_->dispatcher = dispatcher_;
  api_ = std::make_unique<AlertmanagerApi>(
      *dispatcher_, ApiInfo{.config_text = std::move(options.config_text), .version = std::move(options.version),
                            .started_at = system_clock().now()});
  timer_->wake();
}

BuiltinNotifier::~BuiltinNotifier() {
  // On the io_context's thread or after it stopped (see the header): no
  // handler runs concurrently.
  timer_->stopped = true;
  timer_->timer.cancel();
}

Status BuiltinNotifier::put(const std::vector<PostableAlert>& alerts) { return dispatcher_->put(alerts); }

void BuiltinNotifier::reload(NotifyConfig config) { dispatcher_->reload(std::move(config)); }

void BuiltinNotifier::stop() {
  boost::asio::post(timer_->io, [t = timer_] {
    t->stopped = true;
    t->timer.cancel();
  });
}

}  // namespace cogwatch::notify
