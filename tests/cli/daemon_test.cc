// `cogwatch run` end to end, in process: a Daemon with a config on disk
// scrapes a simulated Cog predictor in its errors scenario, evaluates the
// error-rate alert, and the built-in Alertmanager delivers it to a
// recording webhook; the HTTP side answers; a broken reload changes
// nothing; shutdown is prompt. Every wait is bounded.
#include "cli/daemon.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/cog_sim_server.h"
#include "model/clock.h"
#include "net/http_server.h"
#include "tests/notify/peer/alertmanager_process.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/notify/peer/recording_webhook.h"

namespace cogwatch::cli {
namespace {

using namespace std::chrono_literals;
using notify::peer::http_request;

// A simulated Cog predictor served on its own thread.
class CogSimServer {
 public:
  explicit CogSimServer(Scenario scenario) {
    auto s = BackgroundCogSim::start({.scenario = scenario});
    EXPECT_TRUE(s) << s.error().message;
    if (s) sim_ = std::move(*s);
  }
  std::string address() const { return sim_ ? sim_->address() : "127.0.0.1:1"; }

 private:
  std::unique_ptr<BackgroundCogSim> sim_;
};

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string config_text(const std::string& target, const std::string& hook_url) {
  return "global:\n"
         "  scrape_interval: 1s\n"
         "  evaluation_interval: 1s\n"
         "  external_labels: {site: edge-1}\n"
         "scrape_configs:\n"
         "  - job_name: cog\n"
         "    static_configs: [{targets: ['" + target + "']}]\n"
         "rule_files: [rules.yml]\n"
         "notify:\n"
         "  route: {receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 1s}\n"
         "  receivers:\n"
         "    - name: hook\n"
         "      webhook_configs: [{url: '" + hook_url + "'}]\n";
}

constexpr char kRules[] = R"yaml(groups:
- name: cog
  rules:
  - alert: PredictionErrorRate
    expr: sum(rate(cog_predict_errors_total[5s])) / sum(rate(cog_predict_requests_total[5s])) > 0.01
    for: 2s
    labels: {severity: critical}
    annotations:
      description: "error rate above 1% (current: {{ $value | humanizePercentage }})"
)yaml";

// Polls `done` every 100 ms until it holds or `limit` passed.
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = notify::peer::make_temp_dir("cogwatch-daemon-test");
    ASSERT_TRUE(d);
    dir_ = *d;
  }
  void TearDown() override { notify::peer::remove_tree(dir_); }

  DaemonOptions options() {
    DaemonOptions o;
    o.config_file = dir_ + "/cogwatch.yml";
    o.config_file_given = true;
    o.listen_address = "127.0.0.1:0";
    o.enable_lifecycle = true;
    o.log = Logger::to_string_sink(log_, LogLevel::kDebug, false);
    return o;
  }
  std::string url(const Daemon& d, const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(d.port()) + path;
  }

  std::string dir_;
  std::shared_ptr<std::string> log_ = std::make_shared<std::string>();
};

TEST_F(DaemonTest, ErrorsScenarioFiresAndReachesTheWebhook) {
  CogSimServer sim(Scenario::kErrors);
  auto hook = notify::peer::RecordingWebhook::start();
  ASSERT_TRUE(hook);
  write_file(dir_ + "/cogwatch.yml", config_text(sim.address(), (*hook)->url("/alerts")));
  write_file(dir_ + "/rules.yml", kRules);

  Daemon daemon(options());
  Status started = daemon.start();
  ASSERT_TRUE(started) << started.error().message << "\n" << *log_;
  auto ready = http_request("GET", url(daemon, "/-/ready"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  ASSERT_TRUE((*hook)->wait_for(1, 30s)) << *log_;
  const auto got = (*hook)->requests();
  const std::string& body = got.front().body;
  EXPECT_NE(body.find(R"("status":"firing")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("alertname":"PredictionErrorRate")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("site":"edge-1")"), std::string::npos) << body;  // external labels on notifications
  // The template ran: 5% of predictions fail, seen through whole-number
  // counters over a 5s window.
  EXPECT_NE(body.find("error rate above 1% (current: "), std::string::npos) << body;
  EXPECT_NE(body.find(R"("generatorURL":"http://)"), std::string::npos) << body;
  EXPECT_EQ(body.find("//graph"), std::string::npos) << body;  // the external URL's path has no trailing slash

  // The API shows the same alert firing, in /alerts and in /rules, and the target up.
  auto alerts = http_request("GET", url(daemon, "/api/v1/alerts"));
  auto rules = http_request("GET", url(daemon, "/api/v1/rules?type=alert"));
  auto targets = http_request("GET", url(daemon, "/api/v1/targets?state=active"));
  auto up = http_request("GET", url(daemon, "/api/v1/query?query=up"));
  auto ratio = http_request(
      "POST", url(daemon, "/api/v1/query"),
      "query=sum(rate(cog_predict_errors_total[5s]))/sum(rate(cog_predict_requests_total[5s]))",
      "application/x-www-form-urlencoded");
  ASSERT_TRUE(alerts && rules && targets && up && ratio);
  EXPECT_NE(up->body.find(R"({"__name__":"up","instance":")" + sim.address() + R"(","job":"cog"},"value":[)"),
            std::string::npos)
      << up->body;
  EXPECT_NE(ratio->body.find(R"("resultType":"vector")"), std::string::npos) << ratio->body;
  EXPECT_NE(alerts->body.find(R"("labels":{"alertname":"PredictionErrorRate","severity":"critical"})"),
            std::string::npos)
      << alerts->body;
  EXPECT_NE(alerts->body.find(R"("state":"firing")"), std::string::npos) << alerts->body;
  EXPECT_NE(rules->body.find(R"("state":"firing","name":"PredictionErrorRate")"), std::string::npos) << rules->body;
  EXPECT_NE(targets->body.find(R"("health":"up")"), std::string::npos) << targets->body;

  // Self-monitoring shows the scrape pool, the rule group and the delivery.
  auto metrics = http_request("GET", url(daemon, "/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("cogwatch_target_scrape_pool_targets_up{scrape_job=\"cog\"} 1\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("cogwatch_builtin_notifications_total{receiver=\"hook\"} "), std::string::npos);
  EXPECT_NE(metrics->body.find("cogwatch_builtin_notification_latency_seconds_count{receiver=\"hook\"} "),
            std::string::npos);
  EXPECT_NE(metrics->body.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(metrics->body.find("cogwatch_rule_group_rules{rule_group=\"" + dir_ + "/rules.yml;cog\"} 1\n"),
            std::string::npos)
      << metrics->body;
  // The daemon's head has Prometheus's appendable window.
  EXPECT_TRUE(daemon.head().options().reject_out_of_bounds);
  EXPECT_NE(metrics->body.find("cogwatch_tsdb_out_of_bound_samples_total 0\n"), std::string::npos) << metrics->body;

  // A broken config is refused with its errors, and everything keeps running.
  write_file(dir_ + "/cogwatch.yml", "global:\n  scrape_interval: 1x\n");
  auto reload = http_request("POST", url(daemon, "/-/reload"));
  ASSERT_TRUE(reload);
  EXPECT_EQ(reload->status, 500);
  EXPECT_NE(reload->body.find("cogwatch.yml:2:20"), std::string::npos) << reload->body;
  const uint64_t before = daemon.head().stats().samples_appended;
  EXPECT_TRUE(eventually([&] { return daemon.head().stats().samples_appended > before; }, 5s));

  const auto start = std::chrono::steady_clock::now();
  daemon.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(http_request("GET", url(daemon, "/-/healthy"), "", "", 500ms));  // no longer listening
}

// The same alert through a real Alertmanager (Debian's 0.25), fed by the
// daemon's `alerting:` as Prometheus feeds it, and on to a webhook.
TEST_F(DaemonTest, ErrorsScenarioReachesARealAlertmanager) {
  CogSimServer sim(Scenario::kErrors);
  auto hook = notify::peer::RecordingWebhook::start();
  ASSERT_TRUE(hook);
  auto am = notify::peer::AlertmanagerProcess::start(
      {.config_yaml = "route: {receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 1s}\n"
                      "receivers:\n  - name: hook\n    webhook_configs: [{url: '" +
                      (*hook)->url("/am") + "'}]\n"});
  ASSERT_TRUE(am) << am.error().message;
  write_file(dir_ + "/cogwatch.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                     "  external_labels: {site: edge-1}\n"
                                     "scrape_configs:\n  - job_name: cog\n    static_configs: [{targets: ['" +
                                         sim.address() +
                                         "']}]\n"
                                         "rule_files: [rules.yml]\n"
                                         "alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:" +
                                         std::to_string((*am)->port()) + "']}]\n");
  write_file(dir_ + "/rules.yml", kRules);
  Daemon daemon(options());
  Status started = daemon.start();
  ASSERT_TRUE(started) << started.error().message << "\n" << *log_;

  ASSERT_TRUE((*hook)->wait_for(1, 30s)) << *log_ << "\n" << (*am)->log();
  const std::string body = (*hook)->requests().front().body;
  EXPECT_NE(body.find(R"("alertname":"PredictionErrorRate")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("site":"edge-1")"), std::string::npos) << body;
  auto ams = http_request("GET", url(daemon, "/api/v1/alertmanagers"));
  ASSERT_TRUE(ams);
  EXPECT_NE(ams->body.find("127.0.0.1:" + std::to_string((*am)->port()) + "/api/v2/alerts"), std::string::npos)
      << ams->body;
  auto metrics = http_request("GET", url(daemon, "/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("cogwatch_notifications_sent_total{alertmanager=\"http://127.0.0.1:"),
            std::string::npos);
  daemon.shutdown();
}

TEST_F(DaemonTest, GoodReloadTakesNewRules) {
  CogSimServer sim(Scenario::kNormal);
  auto hook = notify::peer::RecordingWebhook::start();
  ASSERT_TRUE(hook);
  write_file(dir_ + "/cogwatch.yml", config_text(sim.address(), (*hook)->url("/alerts")));
  write_file(dir_ + "/rules.yml", kRules);
  Daemon daemon(options());
  Status started = daemon.start();
  ASSERT_TRUE(started) << started.error().message << "\n" << *log_;
  write_file(dir_ + "/rules.yml", "groups:\n- name: cog\n  rules:\n  - record: x\n    expr: vector(1)\n");
  EXPECT_TRUE(daemon.reload()) << *log_;
  auto metrics = http_request("GET", url(daemon, "/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("cogwatch_config_last_reload_successful 1\n"), std::string::npos);
}

TEST_F(DaemonTest, NotifyConfigFileGivesTheRoutes) {
  write_file(dir_ + "/cogwatch.yml", "global:\n  scrape_interval: 1s\n");
  write_file(dir_ + "/am.yml", "route: {receiver: x}\nreceivers: [{name: x, log_configs: [{}]}]\n");
  DaemonOptions o = options();
  o.notify_config_file = dir_ + "/am.yml";
  Daemon daemon(o);
  Status started = daemon.start();
  ASSERT_TRUE(started) << started.error().message;
  auto status = http_request("GET", url(daemon, "/api/v2/receivers"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  EXPECT_NE(status->body.find(R"("name":"x")"), std::string::npos) << status->body;
  daemon.shutdown();

  // A broken one fails the start at its place; so does having both.
  write_file(dir_ + "/am.yml", "route: {receiver: nobody}\n");
  Daemon broken(o);
  Status s = broken.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("am.yml:"), std::string::npos) << s.error().message;
  write_file(dir_ + "/am.yml", "route: {receiver: x}\nreceivers: [{name: x}]\n");
  write_file(dir_ + "/cogwatch.yml", "notify:\n  route: {receiver: x}\n  receivers: [{name: x}]\n");
  Daemon both(o);
  s = both.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("--notify.config.file"), std::string::npos) << s.error().message;
}

TEST_F(DaemonTest, SectionsCogwatchLacksAreOneWarningEach) {
  write_file(dir_ + "/cogwatch.yml",
             "global:\n  scrape_interval: 1s\nremote_read:\n  - url: http://vm:8428/api/v1/read\n"
             "storage:\n  tsdb: {out_of_order_time_window: 10m}\n");
  Daemon daemon(options());
  Status started = daemon.start();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_NE(log_->find("level=warn component=config msg=\"" + dir_ +
                       "/cogwatch.yml:3:1: remote_read is not implemented by cogwatch; the section is ignored\""),
            std::string::npos)
      << *log_;
  EXPECT_NE(log_->find("cogwatch.yml:5:1: storage is not implemented by cogwatch"), std::string::npos) << *log_;
}

TEST_F(DaemonTest, MissingNamedConfigFailsToStart) {
  Daemon daemon(options());
  Status s = daemon.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cogwatch.yml"), std::string::npos) << s.error().message;
}

TEST_F(DaemonTest, WithoutAConfigTheEmbeddedDefaultRunsAndSaysSo) {
  DaemonOptions o = options();
  o.config_file_given = false;  // ./cogwatch.yml in the temp dir does not exist
  Daemon daemon(std::move(o));
  ASSERT_TRUE(daemon.start()) << *log_;
  EXPECT_NE(log_->find("embedded default"), std::string::npos) << *log_;
  // It scrapes itself: its own series appear.
  EXPECT_TRUE(eventually([&] { return daemon.head().stats().series > 10; }, 20s)) << *log_;
}

// --web.config.file: a bad file fails start() with its error; basic auth
// then guards every path, /-/healthy included, as in Prometheus.
TEST_F(DaemonTest, WebConfigFile) {
  DaemonOptions bad = options();
  bad.config_file_given = false;
  bad.web_config_file = dir_ + "/web.yml";
  write_file(bad.web_config_file, "basic_auth_users:\n  alice: wonderland\n");
  Daemon failing(std::move(bad));
  Status s = failing.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, dir_ + "/web.yml:2:10: the password of user \"alice\" is not a bcrypt hash");

  DaemonOptions o = options();
  o.config_file_given = false;
  o.web_config_file = dir_ + "/web.yml";
  // bcrypt of "wonderland", cost 4.
  write_file(o.web_config_file,
             "basic_auth_users:\n  alice: $2y$04$PDe9gyX2JGfsSQTXnf73geE.SRwBbyFNGXJjfvrepROh6BM.zJDUu\n");
  Daemon daemon(std::move(o));
  ASSERT_TRUE(daemon.start()) << *log_;
  const std::string port = std::to_string(daemon.port());
  auto anonymous = http_request("GET", "http://127.0.0.1:" + port + "/-/healthy");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto alice = http_request("GET", "http://alice:wonderland@127.0.0.1:" + port + "/-/healthy");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->status, 200);
}

}  // namespace
}  // namespace cogwatch::cli
