// cogwatch as a remote-write sender into a real VictoriaMetrics (Debian's
// victoria-metrics, started on 127.0.0.1 with a temporary data directory):
// cogwatch scrapes a simulated Cog predictor and remote-writes; every
// sample cogwatch holds for a past window is in VictoriaMetrics, the same.
// VictoriaMetrics is then stopped for a few seconds and started again on
// its data: afterwards nothing of the outage is missing. And cogwatch
// itself, SIGKILLed at random moments while it sends and started again:
// nothing is missing, and a sample sent twice is the same sample.
#include <signal.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cli/cog_sim_server.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "model/url.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/remote/victoria_process.h"
#include "tests/server/peer/prometheus_process.h"

namespace cogwatch::remote {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using notify::peer::http_request;

// series (its labels, sorted, as text) -> ms -> value
using Dump = std::map<std::string, std::map<int64_t, double>>;

std::string series_key(const json::object& metric, std::map<std::string, std::string> sorted = {}) {
  for (const auto& kv : metric) sorted[std::string(kv.key())] = std::string(kv.value().as_string());
  std::string out;
  for (const auto& [k, v] : sorted) out += k + "=" + v + ",";
  return out;
}

// Every raw sample a Prometheus-API server (cogwatch, or Prometheus) holds
// in (from_ms, to_ms], its series with `extra` labels added (the external
// labels a sender adds to what cogwatch holds).
Dump api_dump(const std::string& base, int64_t from_ms, int64_t to_ms, const std::map<std::string, std::string>& extra) {
  Dump out;
  const std::string window = std::to_string((to_ms - from_ms) / 1000) + "s";
  auto r = http_request("GET", base + "/api/v1/query?query=" + query_escape("{__name__=~\".+\"}[" + window + "]") +
                                   "&time=" + std::to_string(static_cast<double>(to_ms) / 1000));
  EXPECT_TRUE(r && r->status == 200);
  if (!r || r->status != 200) return out;
  const json::value body = json::parse(r->body);
  for (const json::value& s : body.at("data").at("result").as_array()) {
    auto& samples = out[series_key(s.at("metric").as_object(), extra)];
    for (const json::value& x : s.at("values").as_array()) {
      samples[std::llround(x.as_array()[0].to_number<double>() * 1000)] =
          std::stod(std::string(x.as_array()[1].as_string()));
    }
  }
  return out;
}

Dump cogwatch_dump(const std::string& base, int64_t from_ms, int64_t to_ms) {
  return api_dump(base, from_ms, to_ms, {{"site", "edge-7"}});
}

// Every raw sample VictoriaMetrics holds in [from_ms, to_ms], through its
// export API (one JSON object per series and line).
Dump victoria_dump(const std::string& base, int64_t from_ms, int64_t to_ms) {
  Dump out;
  (void)http_request("GET", base + "/internal/force_flush");
  auto r = http_request("GET", base + "/api/v1/export?match%5B%5D=" + query_escape("{__name__=~\".+\"}") +
                                   "&start=" + std::to_string(from_ms / 1000.0) + "&end=" + std::to_string(to_ms / 1000.0),
                        "", "", 10s);
  EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
  if (!r || r->status != 200) return out;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const json::value v = json::parse(line);
    auto& samples = out[series_key(v.at("metric").as_object())];
    const json::array& ts = v.at("timestamps").as_array();
    const json::array& vs = v.at("values").as_array();
    for (size_t i = 0; i < ts.size() && i < vs.size(); ++i) {
      const int64_t t = ts[i].to_number<int64_t>();
      const double value = vs[i].to_number<double>();
      // Sent twice is harmless only as the same sample.
      auto [at, fresh] = samples.emplace(t, value);
      EXPECT_TRUE(fresh || at->second == value) << line.substr(0, 200) << " @" << t << ": " << at->second << " and " << value;
    }
  }
  return out;
}

// Every sample of `want` is in `got` with the same value; returns how many
// were compared.
size_t expect_contains(const Dump& got, const Dump& want, size_t& exact) {
  size_t compared = 0;
  for (const auto& [series, samples] : want) {
    auto it = got.find(series);
    EXPECT_NE(it, got.end()) << "series missing in VictoriaMetrics: " << series;
    if (it == got.end()) continue;
    for (const auto& [t, v] : samples) {
      auto s = it->second.find(t);
      EXPECT_NE(s, it->second.end()) << series << " @" << t << " missing";
      if (s == it->second.end()) continue;
      // VictoriaMetrics keeps values as decimals of about 12 significant
      // digits (its docs: precision may be lost beyond that; seen here as
      // 0.95023467169195019 coming back as 0.95023467169099995): equal
      // within that, exactly for integers and short decimals.
      EXPECT_NEAR(s->second, v, std::abs(v) * 1e-11) << series << " @" << t;
      if (s->second == v) ++exact;
      ++compared;
    }
  }
  return compared;
}

// cogwatch.yml in `dir`: scrapes `target` every `interval` with external
// labels {site: edge-7} and remote-writes to `url` with `queue` (the rest
// of the entry).
void write_config(const std::string& dir, const std::string& target, const std::string& interval,
                  const std::string& url, const std::string& queue) {
  std::ofstream(dir + "/cogwatch.yml") << "global: {scrape_interval: " << interval
                                       << ", external_labels: {site: edge-7}}\n"
                                          "scrape_configs:\n  - job_name: cog\n    static_configs: [{targets: ['"
                                       << target << "']}]\nremote_write:\n  - url: " << url << "\n" << queue;
}

// A daemon on that config, its store in dir/data, its log in `log`.
std::unique_ptr<cli::Daemon> make_daemon(const std::string& dir, const std::shared_ptr<std::string>& log) {
  cli::DaemonOptions o;
  o.config_file = dir + "/cogwatch.yml";
  o.config_file_given = true;
  o.listen_address = "127.0.0.1:0";
  o.storage_path = dir + "/data";
  o.log = cli::Logger::to_string_sink(log, cli::LogLevel::kInfo, false);
  return std::make_unique<cli::Daemon>(o);
}

TEST(RemoteWriteSenderPeer, VictoriaMetricsHoldsWhatCogwatchHoldsEvenAcrossItsOutage) {
  auto dir = notify::peer::make_temp_dir("rw-sender-peer");
  ASSERT_TRUE(dir);
  Victoria vm(*dir);
  ASSERT_TRUE(vm.start()) << notify::peer::read_tail(vm.log());
  auto sim = cli::BackgroundCogSim::start({});
  ASSERT_TRUE(sim);
  write_config(*dir, (*sim)->address(), "1s", vm.url("/api/v1/write"),
               "    name: vm\n    queue_config: {batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 1s}\n");
  auto log = std::make_shared<std::string>();
  auto daemon = make_daemon(*dir, log);
  cli::Daemon& cogwatch = *daemon;
  ASSERT_TRUE(cogwatch.start()) << *log;
  const std::string cw = "http://127.0.0.1:" + std::to_string(cogwatch.port());

  // Eight seconds of scrapes; compare a window that ended two seconds ago.
  std::this_thread::sleep_for(8s);
  int64_t to = system_clock().now() - 2000;
  int64_t from = to - 6000;
  Dump mine = cogwatch_dump(cw, from, to);
  ASSERT_FALSE(mine.empty());
  size_t exact = 0;
  size_t n = expect_contains(victoria_dump(vm.url(), from, to), mine, exact);
  EXPECT_GT(n, 100u);
  EXPECT_GT(exact, n / 2) << "most values (integers, short decimals) are exact";

  // VictoriaMetrics goes away for five seconds, then comes back on its
  // data. Stopped with SIGTERM: a SIGKILL also loses the last second it
  // had accepted (it buffers before writing; its docs say so), which is
  // no sender's doing.
  const uint16_t port = vm.port();
  vm.stop();
  const int64_t outage_from = system_clock().now();
  std::this_thread::sleep_for(5s);
  ASSERT_TRUE(vm.start(port)) << notify::peer::read_tail(vm.log());
  // The queue's backoff is at most 1s; give it a few to catch up.
  std::this_thread::sleep_for(5s);
  to = system_clock().now() - 2000;
  mine = cogwatch_dump(cw, outage_from - 2000, to);
  n = expect_contains(victoria_dump(vm.url(), outage_from - 2000, to), mine, exact);
  EXPECT_GT(n, 200u);
  const std::string metrics = http_request("GET", cw + "/metrics")->body;
  EXPECT_EQ(metrics.find("cogwatch_remote_storage_samples_retried_total{remote_name=\"vm\",url=\"" +
                         vm.url("/api/v1/write") + "\"} 0\n"),
            std::string::npos)
      << "the outage was seen and retried";
  EXPECT_NE(metrics.find("cogwatch_remote_storage_samples_failed_total{remote_name=\"vm\",url=\"" + vm.url("/api/v1/write") + "\"} 0"),
            std::string::npos)
      << metrics.substr(metrics.find("cogwatch_remote_storage"), 2000);
  cogwatch.shutdown();
  vm.stop();
  notify::peer::remove_tree(*dir);
}

// Prometheus 2.42 as the receiver (--web.enable-remote-write-receiver),
// Remote-Write 1.0: it holds exactly what cogwatch holds, bit for bit.
TEST(RemoteWriteSenderPeer, Prometheus242AsReceiverHoldsWhatCogwatchHolds) {
  auto dir = notify::peer::make_temp_dir("rw-sender-prom");
  ASSERT_TRUE(dir);
  std::filesystem::create_directories(*dir + "/prometheus");  // its data/ apart from cogwatch's
  std::ofstream(*dir + "/prometheus/prometheus.yml") << "global: {scrape_interval: 1h}\n";
  auto prom = server::peer::PrometheusProcess::start({.config_file = *dir + "/prometheus/prometheus.yml",
                                                      .work_dir = *dir + "/prometheus",
                                                      .extra_args = {"--web.enable-remote-write-receiver"}});
  ASSERT_TRUE(prom) << prom.error().message;
  auto sim = cli::BackgroundCogSim::start({});
  ASSERT_TRUE(sim);
  write_config(*dir, (*sim)->address(), "1s", (*prom)->url("/api/v1/write"),
               "    queue_config: {batch_send_deadline: 500ms}\n");
  auto log = std::make_shared<std::string>();
  auto daemon = make_daemon(*dir, log);
  cli::Daemon& cogwatch = *daemon;
  ASSERT_TRUE(cogwatch.start()) << *log;
  std::this_thread::sleep_for(8s);
  const int64_t to = system_clock().now() - 2000;
  const Dump mine = cogwatch_dump("http://127.0.0.1:" + std::to_string(cogwatch.port()), to - 6000, to);
  const Dump theirs = api_dump((*prom)->url(), to - 6000, to, {});
  size_t exact = 0;
  const size_t n = expect_contains(theirs, mine, exact);
  EXPECT_GT(n, 100u);
  EXPECT_EQ(exact, n) << "Prometheus keeps float64 values as they are";
  EXPECT_EQ(theirs.size(), mine.size()) << "and nothing else";
  cogwatch.shutdown();
  notify::peer::remove_tree(*dir);
}

// cogwatch run as a process of its own, SIGKILLed while it sends.
TEST(RemoteWriteSenderPeer, ASigkilledCogwatchResumesSendingWithoutAGap) {
  auto dir = notify::peer::make_temp_dir("rw-sender-kill");
  ASSERT_TRUE(dir);
  Victoria vm(*dir);
  ASSERT_TRUE(vm.start()) << notify::peer::read_tail(vm.log());
  auto sim = cli::BackgroundCogSim::start({.extra_series = 200});
  ASSERT_TRUE(sim);
  write_config(*dir, (*sim)->address(), "200ms", vm.url("/api/v1/write"),
               "    name: vm\n    queue_config: {batch_send_deadline: 100ms, max_samples_per_send: 500, min_backoff: 50ms}\n");
  pid_t pid = 0;
  int port = 0;
  auto start = [&](int round) {
    const std::string log = *dir + "/cogwatch." + std::to_string(round) + ".log";
    auto spawned = notify::peer::spawn_process(
        {COGWATCH_BINARY, "run", "--config.file=" + *dir + "/cogwatch.yml", "--web.listen-address=127.0.0.1:0",
         "--storage.tsdb.path=" + *dir + "/data", "--storage.tsdb.wal-segment-size=64KB"},
        {.stdout_path = log, .stderr_path = log});
    ASSERT_TRUE(spawned);
    pid = *spawned;
    auto ready = notify::peer::wait_for_cogwatch_port(pid, log, 10s);
    ASSERT_TRUE(ready) << ready.error().message;
    port = *ready;
  };
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int64_t begin = system_clock().now();
  const uint16_t vm_port = vm.port();
  for (int round = 0; round < 6; ++round) {
    start(round);
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 1500));
    // Every other kill comes while the receiver is away: the queue is
    // retrying a round it must not count as sent.
    const bool away = round % 2 == 1;
    if (away) {
      vm.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    (void)notify::peer::wait_process(pid, 5s);
    if (away) {
      ASSERT_TRUE(vm.start(vm_port)) << notify::peer::read_tail(vm.log());
    }
  }
  start(6);
  std::this_thread::sleep_for(4s);
  const int64_t to = system_clock().now() - 2000;
  const Dump mine = cogwatch_dump("http://127.0.0.1:" + std::to_string(port), begin - 1000, to);
  size_t exact = 0;
  const size_t n = expect_contains(victoria_dump(vm.url(), begin - 1000, to), mine, exact);
  EXPECT_GT(n, 1000u);
  notify::peer::terminate_process(pid, 10s);
  vm.stop();
  notify::peer::remove_tree(*dir);
}

}  // namespace
}  // namespace cogwatch::remote
