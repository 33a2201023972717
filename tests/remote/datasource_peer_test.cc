// Rules over a remote data source (`--rules.datasource.url`) against a real
// VictoriaMetrics (Debian's victoria-metrics on 127.0.0.1):
//  - QueryDatasource answers as the local engine does over the same
//    samples, at the time asked (VictoriaMetrics's default 30s latency
//    offset would move it: nocache), with the engine's lookback (step);
//    restoring alert state reads the local store first and takes only this
//    cogwatch's series (its external labels) from the backend;
//  - the guide's multi-region layout: two edge cogwatches (regions eu and
//    us, each scraping its own simulated predictor, alerting locally and
//    remote-writing) and a central cogwatch whose rules query
//    VictoriaMetrics fire the same alerts, per region; the central one's
//    results reach VictoriaMetrics through its remote_write, and a central
//    cogwatch started afresh on another data directory restores its alert
//    state from there.
#include "remote/query_datasource.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <fstream>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "cli/cog_sim_server.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "model/url.h"
#include "model/value.h"
#include "parser/parser.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/remote/victoria_process.h"
#include "tsdb/head.h"

namespace cogwatch::remote {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using notify::peer::http_request;

// The same sample into the local head and VictoriaMetrics' import body.
struct TwinStore {
  tsdb::Head head;
  std::string import_body;

  void add(const Labels& labels, Timestamp t, double v) {
    auto app = head.appender();
    ASSERT_TRUE(app->append(labels, t, v).ok());
    app->commit();
    std::string line(labels.metric_name());
    line += '{';
    bool first = true;
    for (const Label l : labels) {
      if (l.name == kMetricNameLabel) continue;
      line += (first ? "" : ",") + std::string(l.name) + "=\"" + std::string(l.value) + "\"";
      first = false;
    }
    import_body += line + "} " + format_float(v) + " " + std::to_string(t) + "\n";
  }
  void send_to(const Victoria& vm) {
    auto r = http_request("POST", vm.url("/api/v1/import/prometheus"), import_body, "text/plain");
    ASSERT_TRUE(r && r->status / 100 == 2) << (r ? r->body : r.error().message);
    (void)http_request("GET", vm.url("/internal/force_flush"));
  }
};

eval::Vector sorted(eval::Vector v) {
  std::sort(v.begin(), v.end(), [](const eval::Sample& a, const eval::Sample& b) { return a.labels < b.labels; });
  return v;
}

TEST(QueryDatasourcePeer, AnswersAsTheLocalEngineAtTheTimeAskedWithItsLookback) {
  auto dir = notify::peer::make_temp_dir("datasource-peer");
  ASSERT_TRUE(dir);
  // VictoriaMetrics as shipped: its -search.latencyOffset (30s) is on.
  Victoria vm(*dir, {});
  ASSERT_TRUE(vm.start()) << notify::peer::read_tail(vm.log());

  const Timestamp now = system_clock().now() / 1000 * 1000;
  TwinStore twins;
  for (int i = 0; i <= 120; ++i) {
    const Timestamp t = now - 120'000 + i * 1000;
    twins.add(Labels({{"__name__", "cog_input_data_entropy"}, {"instance", "a"}, {"region", "eu"}}), t, 1 + i * 0.01);
    if (t <= now - 40'000) twins.add(Labels({{"__name__", "g_recent"}, {"region", "eu"}}), t, i);
    if (t <= now - 100'000) twins.add(Labels({{"__name__", "g_old"}, {"region", "us"}}), t, 2 * i);
  }
  twins.send_to(vm);

  const QueryEndpoint endpoint{.url = vm.url(), .timeout = 10 * kSecond, .lookback_delta = kMinute};
  auto remote = QueryDatasource::make({.endpoint = endpoint});
  ASSERT_TRUE(remote.ok()) << remote.error().message;
  const rules::LocalDatasource local(twins.head, eval::EngineOptions{.lookback_delta = kMinute});

  // 10.5 s ago: within the latency offset, between two samples.
  const Timestamp at = now - 10'500;
  for (const char* q : {"cog_input_data_entropy", "cog_input_data_entropy > 1.5",
                        "sum by (region) ({__name__=~\"g_.*\"})", "scalar(sum(g_recent))",
                        "count({__name__=~\"g_.*\"})"}) {
    SCOPED_TRACE(q);
    auto expr = parser::parse_expr(q);
    ASSERT_TRUE(expr.ok());
    auto want = local.query(q, **expr, at);
    ASSERT_TRUE(want.ok()) << want.error().message;
    auto got = (*remote)->query(q, **expr, at);
    ASSERT_TRUE(got.ok()) << got.error().message;
    const eval::Vector w = sorted(*want), g = sorted(*got);
    ASSERT_EQ(g.size(), w.size());
    ASSERT_FALSE(g.empty());
    for (size_t i = 0; i < g.size(); ++i) {
      EXPECT_EQ(g[i].labels, w[i].labels);
      EXPECT_EQ(g[i].t, at);
      EXPECT_EQ(g[i].v, w[i].v) << g[i].labels.to_string();
    }
  }
  // g_old ended 89.5 s before: beyond the one-minute lookback in both.
  auto counted = (*remote)->query("count({__name__=~\"g_.*\"})", **parser::parse_expr("1"), at);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ((*counted)[0].v, 1);

  // The backend's errors come back as its words.
  auto bad = (*remote)->query("sum(", **parser::parse_expr("1"), at);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("sum("), std::string::npos) << bad.error().message;
  notify::peer::remove_tree(*dir);
}

TEST(QueryDatasourcePeer, RestoringStateReadsTheLocalStoreFirstAndOnlyItsOwnSeriesFromTheBackend) {
  auto dir = notify::peer::make_temp_dir("datasource-state");
  ASSERT_TRUE(dir);
  Victoria vm(*dir);
  ASSERT_TRUE(vm.start()) << notify::peer::read_tail(vm.log());
  const Timestamp now = system_clock().now() / 1000 * 1000;
  // In the backend: this cogwatch's state series (its external label
  // tier=central added by its queue), an edge's with the same alert
  // labels and a newer sample, and one the local store also has.
  TwinStore backend;
  for (Timestamp t = now - 50'000; t <= now - 20'000; t += 10'000) {
    backend.add(Labels({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"severity", "page"}, {"tier", "central"}}),
                t, 1'700'000'000);
  }
  backend.add(Labels({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"severity", "page"}}), now - 5'000,
              1'600'000'000);
  backend.add(Labels({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"severity", "low"}, {"tier", "central"}}),
              now - 30'000, 5);
  backend.send_to(vm);
  // Locally: that last series, ended (a stale marker) before the stop.
  tsdb::Head local;
  {
    const Labels low({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"severity", "low"}});
    auto app = local.appender();
    ASSERT_TRUE(app->append(low, now - 40'000, 5).ok());
    ASSERT_TRUE(app->append(low, now - 10'000, stale_nan()).ok());
    app->commit();
  }
  auto source = QueryDatasource::make({.endpoint = {.url = vm.url()}, .local_state = &local});
  ASSERT_TRUE(source.ok());
  const std::vector<LabelMatcher> matchers = {*LabelMatcher::make(MatchType::kEqual, "__name__", "ALERTS_FOR_STATE"),
                                              *LabelMatcher::make(MatchType::kEqual, "alertname", "A")};
  auto newest = (*source)->newest_samples(matchers, now - kHour, now, Labels({{"tier", "central"}}));
  ASSERT_TRUE(newest.ok()) << newest.error().message;
  ASSERT_EQ(newest->size(), 2u);
  auto page = newest->find(Labels({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"severity", "page"}}));
  ASSERT_NE(page, newest->end());
  EXPECT_EQ(page->second.first, now - 20'000) << "ours, not the edge's newer one";
  EXPECT_EQ(page->second.second, 1'700'000'000);
  auto low = newest->find(Labels({{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"severity", "low"}}));
  ASSERT_NE(low, newest->end());
  EXPECT_EQ(low->second.first, now - 10'000) << "the local store's, with its stale marker";
  EXPECT_TRUE(is_stale_nan(low->second.second));
  // The window's start is inside it.
  newest = (*source)->newest_samples(matchers, now - 20'000, now - 20'000, Labels({{"tier", "central"}}));
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->size(), 1u);
  notify::peer::remove_tree(*dir);
}

// The guide's rules with the error ratio per region: `by (region)` at an
// edge, where no series has the label, is the shipped rule; centrally it
// keeps the regions apart. Every rule evaluated each second, `for` short.
// The alert does not read the recording rule: in VictoriaMetrics the
// edges' recorded series and the central one's would both match it.
constexpr const char* kRegionRules = R"(groups:
- name: cog
  interval: 1s
  rules:
  - record: region:cog_predict_error_ratio:rate1m
    expr: sum by (region) (rate(cog_predict_errors_total[1m])) / sum by (region) (rate(cog_predict_requests_total[1m]))
  - alert: PredictionErrorRate
    expr: sum by (region) (rate(cog_predict_errors_total[1m])) / sum by (region) (rate(cog_predict_requests_total[1m])) > 0.01
    for: 3s
    labels: {severity: critical}
    annotations: {description: 'error rate {{ $value | humanizePercentage }}'}
  - alert: DataDriftDetected
    expr: cog_input_data_entropy > 1.5
    for: 3s
    labels: {severity: warning}
)";

// A daemon on `config` (written to dir/cogwatch.yml, with the rules
// beside it), its store in dir/<data>.
std::unique_ptr<cli::Daemon> make_daemon(const std::string& dir, const std::string& config, const std::string& data,
                                         const std::shared_ptr<std::string>& log, cli::DaemonOptions o = {}) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/rules.yml") << kRegionRules;
  std::ofstream(dir + "/cogwatch.yml") << config;
  o.config_file = dir + "/cogwatch.yml";
  o.config_file_given = true;
  o.listen_address = "127.0.0.1:0";
  o.storage_path = dir + "/" + data;
  o.log = cli::Logger::to_string_sink(log, cli::LogLevel::kInfo, false);
  return std::make_unique<cli::Daemon>(o);
}

std::string remote_write_to(const Victoria& vm) {
  return "remote_write:\n  - url: " + vm.url("/api/v1/write") +
         "\n    queue_config: {batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 1s}\n";
}

// The firing alerts' labels, each with `extra` added (an edge's external
// labels, which Prometheus adds when it sends).
std::set<std::string> firing(const cli::Daemon& d, const Labels& extra = {}) {
  std::set<std::string> out;
  for (const rules::Alert& a : d.alerts()) {
    if (a.state != rules::AlertState::kFiring) continue;
    LabelsBuilder b(a.labels);
    for (const Label l : extra) b.set(l.name, l.value);
    out.insert(b.build().to_string());
  }
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s) out += x + "\n";
  return out;
}

TEST(QueryDatasourcePeer, ACentralCogwatchOverVictoriaMetricsAlertsPerRegionAsTheEdgesDo) {
  auto dir = notify::peer::make_temp_dir("datasource-regions");
  ASSERT_TRUE(dir);
  Victoria vm(*dir);
  ASSERT_TRUE(vm.start()) << notify::peer::read_tail(vm.log());
  auto sim_eu = cli::BackgroundCogSim::start({.scenario = cli::Scenario::kErrors});
  auto sim_us = cli::BackgroundCogSim::start({.scenario = cli::Scenario::kDrift});
  ASSERT_TRUE(sim_eu && sim_us);

  // Two edges: each scrapes its predictor, alerts locally, remote-writes.
  std::map<std::string, std::unique_ptr<cli::Daemon>> edges;
  std::map<std::string, std::shared_ptr<std::string>> edge_logs;
  for (const auto& [region, sim] : {std::pair<std::string, cli::BackgroundCogSim*>{"eu", sim_eu->get()}, {"us", sim_us->get()}}) {
    edge_logs[region] = std::make_shared<std::string>();
    edges[region] = make_daemon(
        *dir + "/" + region,
        "global: {scrape_interval: 1s, evaluation_interval: 1s, external_labels: {region: " + region + "}}\n"
        "scrape_configs:\n  - job_name: cog\n    static_configs: [{targets: ['" + sim->address() + "']}]\n"
        "rule_files: [rules.yml]\n" + remote_write_to(vm),
        "data", edge_logs[region]);
    ASSERT_TRUE(edges[region]->start()) << *edge_logs[region];
  }
  // The central cogwatch: no scrapes; its rules query VictoriaMetrics; its
  // external label tells its series from the edges'.
  const std::string central_dir = *dir + "/central";
  const std::string central_config = "global: {evaluation_interval: 1s, external_labels: {tier: central}}\n"
                                     "rule_files: [rules.yml]\n" + remote_write_to(vm);
  cli::DaemonOptions central_options;
  central_options.rules_datasource = QueryEndpoint{.url = vm.url(), .timeout = 5 * kSecond};
  central_options.for_grace_period = kSecond;  // the 3s `for` is restored after a restart
  auto central_log = std::make_shared<std::string>();
  auto central = make_daemon(central_dir, central_config, "data-1", central_log, central_options);
  ASSERT_TRUE(central->start()) << *central_log;

  // Locally and centrally the same alerts fire, each for its region.
  const std::set<std::string> expected = {
      Labels({{"alertname", "PredictionErrorRate"}, {"region", "eu"}, {"severity", "critical"}}).to_string()};
  std::set<std::string> local_alerts, central_alerts;
  bool same = false;
  for (int i = 0; i < 300 && !same; ++i) {
    std::this_thread::sleep_for(100ms);
    local_alerts = firing(*edges["eu"], Labels({{"region", "eu"}}));
    for (const std::string& a : firing(*edges["us"], Labels({{"region", "us"}}))) local_alerts.insert(a);
    central_alerts = firing(*central);
    same = local_alerts == central_alerts && local_alerts.size() == 2 && local_alerts.contains(*expected.begin());
  }
  ASSERT_TRUE(same) << "at the edges:\n" << join(local_alerts) << "centrally:\n" << join(central_alerts)
                    << "central log:\n" << central_log->substr(0, 4000);
  for (const std::string& a : central_alerts) {
    EXPECT_TRUE(a.find("region=\"eu\"") != std::string::npos || a.find("region=\"us\"") != std::string::npos) << a;
  }

  // The central results leave through its remote_write: the recording
  // rule per region and its alert state, with its external label.
  const std::string drift = "ALERTS_FOR_STATE{alertname=\"DataDriftDetected\",tier=\"central\"}";
  bool sent = false;
  for (int i = 0; i < 100 && !sent; ++i) {
    std::this_thread::sleep_for(100ms);
    (void)http_request("GET", vm.url("/internal/force_flush"));
    auto r = http_request("GET", vm.url("/api/v1/query?query=" +
                                        query_escape("count(region:cog_predict_error_ratio:rate1m{tier=\"central\"}) + "
                                                     "count(" + drift + ")")));
    sent = r && r->status == 200 && r->body.find("\"3\"") != std::string::npos;
  }
  ASSERT_TRUE(sent) << "two regions' ratios and the drift alert's state in VictoriaMetrics";

  // A central cogwatch on a new box (another data directory) restores the
  // `for` state from VictoriaMetrics: the alert fires at once, active
  // since the time the first one stored (in whole seconds, as stored).
  Timestamp active_at = 0;
  for (const rules::Alert& a : central->alerts()) {
    if (a.labels.get("alertname") == "DataDriftDetected") active_at = a.active_at / 1000 * 1000;
  }
  ASSERT_GT(active_at, 0);
  central->shutdown();
  std::this_thread::sleep_for(2s);  // so a fresh start would be visibly later
  auto restarted_log = std::make_shared<std::string>();
  auto restarted = make_daemon(central_dir, central_config, "data-2", restarted_log, central_options);
  ASSERT_TRUE(restarted->start()) << *restarted_log;
  Timestamp restored = 0;
  for (int i = 0; i < 100 && restored != active_at; ++i) {
    std::this_thread::sleep_for(100ms);
    for (const rules::Alert& a : restarted->alerts()) {
      if (a.labels.get("alertname") == "DataDriftDetected" && a.state == rules::AlertState::kFiring) {
        restored = a.active_at;
      }
    }
  }
  EXPECT_EQ(restored, active_at) << *restarted_log;

  restarted->shutdown();
  for (auto& [region, edge] : edges) edge->shutdown();
  vm.stop();
  notify::peer::remove_tree(*dir);
}

// A datasource that takes the connection and never answers: the rules'
// queries hang until their 30s timeout, but a shutdown cancels them and
// does not wait that out, rule after rule.
TEST(QueryDatasourcePeer, AShutdownDoesNotWaitForAHangingDatasource) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 16), 0);  // connections queue up; none is ever accepted
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto dir = notify::peer::make_temp_dir("datasource-hang");
  ASSERT_TRUE(dir);
  cli::DaemonOptions o;
  o.rules_datasource = QueryEndpoint{.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)),
                                     .timeout = 30 * kSecond};
  auto log = std::make_shared<std::string>();
  auto daemon = make_daemon(*dir, "global: {evaluation_interval: 1s}\nrule_files: [rules.yml]\n", "data", log, o);
  ASSERT_TRUE(daemon->start()) << *log;
  std::this_thread::sleep_for(2s);  // the first evaluation is waiting on its first query
  const auto t0 = std::chrono::steady_clock::now();
  daemon->shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s) << "three rules would wait 90s";
  ::close(listener);
  notify::peer::remove_tree(*dir);
}

}  // namespace
}  // namespace cogwatch::remote
