// BM_NotifyFanout: the built-in notifier's delivery path under load —
// 1,000 firing alerts in 50 groups, routed (with `continue`) to 3 webhook
// receivers on loopback: 150 notifications of 20 alerts per round. Each
// round is a fresh dispatcher fed the alerts at once (their startsAt is
// past group_wait, so every group flushes immediately) and timed until the
// last receiver has answered.
//
// Counters: notifications per second; p99 latency from a notification's
// hand-over to the sender to its receiver's 2xx (ms); CPU per notification
// (process CPU time over the round / notifications, in µs — the three
// receivers run in this process too, so it includes their share).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/http_server.h"
#include "notify/dispatcher.h"
#include "notify/webhook.h"

namespace cogwatch::notify {
namespace {

constexpr int kAlerts = 1000;
constexpr int kGroups = 50;
constexpr int kReceivers = 3;

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Times each notification from hand-over to answer, then tells the
// dispatcher.
class TimedIntegrations : public Integrations {
 public:
  explicit TimedIntegrations(Integrations& next) : next_(next) {}
  void deliver(Notification n, std::function<void(bool)> done) override {
    const auto start = std::chrono::steady_clock::now();
    next_.deliver(std::move(n), [this, start, done = std::move(done)](bool ok) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      {
        std::lock_guard lock(mu_);
        latencies_.push_back(ms);
        ok_ = ok_ && ok;
      }
      cv_.notify_all();
      done(ok);
    });
  }
  // Waits for n answers; returns the latencies and whether all delivered.
  std::pair<std::vector<double>, bool> wait(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return latencies_.size() >= n; });
    const bool ok = ok_;
    ok_ = true;
    return {std::exchange(latencies_, {}), ok};
  }

 private:
  Integrations& next_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<double> latencies_;
  bool ok_ = true;
};

NotifyConfig fanout_config(const std::vector<uint16_t>& ports) {
  NotifyConfig c;
  c.route.receiver = "r0";
  c.route.group_by = std::vector<std::string>{"group"};
  for (int r = 0; r < kReceivers; ++r) {
    const std::string name = "r" + std::to_string(r);
    c.receivers.push_back(
        {.name = name,
         .webhook_configs = {{.url = "http://127.0.0.1:" + std::to_string(ports[r]) + "/hook"}}});
    c.route.routes.push_back(RouteConfig{.receiver = name, .continue_matching = true});
  }
  return c;
}

void BM_NotifyFanout(benchmark::State& state) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::unique_ptr<net::HttpServer>> receivers;
  std::vector<uint16_t> ports;
  for (int r = 0; r < kReceivers; ++r) {
    auto server = net::HttpServer::start(io, {.port = 0}, [](const net::HttpRequest&) {
      return net::HttpResponse{.body = ""};
    });
    if (!server) {
      state.SkipWithError(server.error().message.c_str());
      return;
    }
    ports.push_back((*server)->port());
    receivers.push_back(*std::move(server));
  }
  std::thread io_thread([&] { io.run(); });
  WebhookSender sender(io, {.external_url = "http://cogwatch:9095"});
  TimedIntegrations timed(sender);

  std::vector<PostableAlert> alerts;
  const Timestamp now = system_clock().now();
  for (int i = 0; i < kAlerts; ++i) {
    alerts.push_back({.labels = Labels{{"alertname", "PredictionErrorRate"},
                                       {"group", "g" + std::to_string(i % kGroups)},
                                       {"instance", "cog-" + std::to_string(i) + ":5000"},
                                       {"job", "cog"}},
                      .annotations = {{"summary", "error ratio above 1%"}},
                      .starts_at = now - 5 * kMinute,
                      .ends_at = now + kHour});
  }
  const size_t per_round = static_cast<size_t>(kGroups) * kReceivers;
  std::vector<double> latencies;
  double cpu = 0;
  bool all_delivered = true;
  for (auto _ : state) {
    Dispatcher dispatcher(fanout_config(ports), timed);
    const double cpu_before = process_cpu_seconds();
    (void)dispatcher.put(alerts);
    dispatcher.run_due();
    auto [round, ok] = timed.wait(per_round);
    cpu += process_cpu_seconds() - cpu_before;
    all_delivered = all_delivered && ok && round.size() == per_round;
    latencies.insert(latencies.end(), round.begin(), round.end());
  }
  work.reset();
  for (auto& r : receivers) r->stop();
  io.stop();
  io_thread.join();
  if (!all_delivered) state.SkipWithError("a notification was not delivered");
  std::sort(latencies.begin(), latencies.end());
  const double notifications = static_cast<double>(state.iterations() * per_round);
  state.SetItemsProcessed(static_cast<int64_t>(notifications));
  state.counters["notifications_per_s"] = benchmark::Counter(notifications, benchmark::Counter::kIsRate);
  state.counters["p99_ms"] = latencies.empty() ? 0 : latencies[latencies.size() * 99 / 100];
  state.counters["cpu_us_per_notification"] = notifications > 0 ? cpu / notifications * 1e6 : 0;
}
BENCHMARK(BM_NotifyFanout)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace cogwatch::notify
