// Prometheus 2.42 as a remote-write sender into cogwatch's receiver
// (`cogwatch run --web.enable-remote-write-receiver`): Prometheus scrapes a
// simulated Cog predictor and remote-writes (Remote-Write 1.0) to cogwatch;
// every sample Prometheus holds for a past window is in cogwatch, the same,
// and Prometheus reports nothing failed.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <thread>

#include "cli/cog_sim_server.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "model/url.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/server/peer/prometheus_process.h"

namespace cogwatch::remote {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using notify::peer::http_request;

// series (labels as JSON) -> (ms, value text) of a range selector's result.
using Dump = std::map<std::string, std::vector<std::pair<int64_t, std::string>>>;

Dump dump(const std::string& base, const std::string& selector, int64_t at_ms) {
  Dump out;
  auto r = http_request("GET", base + "/api/v1/query?query=" + query_escape(selector) +
                                   "&time=" + std::to_string(at_ms / 1000));
  EXPECT_TRUE(r);
  if (!r || r->status != 200) return out;
  const json::value v = json::parse(r->body);
  for (const json::value& s : v.at("data").at("result").as_array()) {
    auto& samples = out[json::serialize(s.at("metric"))];
    for (const json::value& x : s.at("values").as_array()) {
      samples.emplace_back(std::llround(x.as_array()[0].to_number<double>() * 1000),
                           std::string(x.as_array()[1].as_string()));
    }
  }
  return out;
}

TEST(RemoteWriteReceiverPeer, PrometheusSendsAndCogwatchHoldsTheSameSamples) {
  auto dir = notify::peer::make_temp_dir("rw-receiver-peer");
  ASSERT_TRUE(dir);
  auto log = std::make_shared<std::string>();
  std::ofstream(*dir + "/cogwatch.yml") << "global: {scrape_interval: 1h}\n";
  cli::DaemonOptions o;
  o.config_file = *dir + "/cogwatch.yml";
  o.config_file_given = true;
  o.listen_address = "127.0.0.1:0";
  o.storage_path = "";
  o.enable_remote_write_receiver = true;
  o.log = cli::Logger::to_string_sink(log, cli::LogLevel::kInfo, false);
  cli::Daemon cogwatch(o);
  ASSERT_TRUE(cogwatch.start()) << *log;
  const std::string cw = "http://127.0.0.1:" + std::to_string(cogwatch.port());

  auto sim = cli::BackgroundCogSim::start({});
  ASSERT_TRUE(sim);
  std::ofstream(*dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s}\n"
         "scrape_configs:\n  - job_name: cog\n    static_configs: [{targets: ['"
      << (*sim)->address()
      << "']}]\n"
         "remote_write:\n  - url: "
      << cw << "/api/v1/write\n    queue_config: {batch_send_deadline: 500ms, min_backoff: 50ms}\n";
  auto prom = server::peer::PrometheusProcess::start({.config_file = *dir + "/prometheus.yml", .work_dir = *dir});
  ASSERT_TRUE(prom) << prom.error().message;

  // Ten seconds of scrapes, then a window that ended three seconds ago
  // (long enough for Prometheus to have sent it).
  std::this_thread::sleep_for(10s);
  const int64_t at = (system_clock().now() - 3000) / 1000 * 1000;
  const std::string selector = R"({job="cog"}[6s])";
  const Dump want = dump((*prom)->url(), selector, at);
  ASSERT_GT(want.size(), 20u) << (*prom)->log();
  Dump got;
  for (int i = 0; i < 50 && got != want; ++i) {  // the last batch may still be on its way
    got = dump(cw, selector, at);
    if (got != want) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [series, samples] : want) {
    auto it = got.find(series);
    ASSERT_NE(it, got.end()) << "not received: " << series;
    EXPECT_EQ(it->second, samples) << series;
  }
  auto metrics = http_request("GET", (*prom)->url("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("prometheus_remote_storage_samples_failed_total{"), std::string::npos);
  for (size_t p = metrics->body.find("\nprometheus_remote_storage_samples_failed_total{"); p != std::string::npos;
       p = metrics->body.find("\nprometheus_remote_storage_samples_failed_total{", p + 1)) {
    const size_t eol = metrics->body.find('\n', p + 1);
    const std::string line = metrics->body.substr(p + 1, eol - p - 1);
    EXPECT_TRUE(line.ends_with(" 0")) << line;
  }
  auto ours = http_request("GET", cw + "/metrics");
  ASSERT_TRUE(ours);
  EXPECT_NE(ours->body.find("cogwatch_remote_write_receiver_requests_failed_total 0"), std::string::npos);
  prom->reset();
  cogwatch.shutdown();
  notify::peer::remove_tree(*dir);
}

}  // namespace
}  // namespace cogwatch::remote
