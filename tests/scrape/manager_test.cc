// The scrape manager against the simulated Cog service over loopback, with
// short intervals: samples and `up` stored, staleness when a target fails,
// loses a series or leaves the config, sample_limit, file_sd changes, and
// target status. Every wait is bounded by a deadline.
#include "scrape/manager.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "cli/cog_sim.h"
#include "cli/cog_sim_server.h"
#include "model/clock.h"
#include "model/value.h"
#include "net/http_server.h"
#include "tests/scrape/recording_store.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::scrape {
namespace {

Timestamp wall_now() { return system_clock().now(); }

TEST(ScrapeOffsetTest, StableAndInsideTheInterval) {
  const Duration interval = 15 * kSecond;
  for (uint64_t hash : {0ull, 1ull, 12345678901ull, ~0ull}) {
    for (Timestamp now : {Timestamp{0}, Timestamp{1'700'000'000'123}, Timestamp{1'700'000'007'999}}) {
      const Duration wait = scrape_offset(hash, interval, now);
      EXPECT_GE(wait, 0);
      EXPECT_LE(wait, interval);
      // The phase within the interval grid depends on the hash only.
      EXPECT_EQ((now + wait) % interval, static_cast<Timestamp>(hash % interval) % interval);
    }
  }
  // Prometheus's offset is in (0, interval]: a slot that falls on now waits
  // a whole interval rather than scraping at once.
  const Timestamp on_grid = 113'333'334 * interval;
  EXPECT_EQ(scrape_offset(0, interval, on_grid), interval);
  EXPECT_EQ(scrape_offset(interval, interval, on_grid), interval);
  EXPECT_EQ(scrape_offset(1, interval, on_grid), 1);
  EXPECT_EQ(scrape_offset(0, interval, on_grid + 1), interval - 1);
  EXPECT_EQ(scrape_offset(5, interval, on_grid + 5), interval);
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = net::HttpServer::start(io_, {.port = 0}, [this](const net::HttpRequest& r) { return handler_(r); });
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = *std::move(s);
    handler_ = [this](const net::HttpRequest&) {
      return net::HttpResponse{.content_type = "text/plain; version=0.0.4", .body = sim_.body(wall_now())};
    };
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  Config config(uint64_t sample_limit = 0) {
    Config c;
    ScrapeConfig sc;
    sc.job_name = "cog";
    sc.scrape_interval = 100 * kMillisecond;
    sc.scrape_timeout = 90 * kMillisecond;
    sc.sample_limit = sample_limit;
    sc.static_configs.push_back({.targets = {address()}, .labels = Labels{{"env", "test"}}});
    c.scrape_configs.push_back(std::move(sc));
    return c;
  }

  // Runs the io_context until pred holds or 10 s pass.
  bool run_until(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(20));
    }
    return pred();
  }

  std::vector<double> values(const char* name) {
    std::vector<double> out;
    for (const auto& [t, v] : tsdb::testing::read_named(head_, name)) out.push_back(v);
    return out;
  }
  // From now on the target serves the simulator's body without one family.
  void serve_without(std::string family) {
    handler_ = [this, family](const net::HttpRequest&) {
      const std::string body = sim_.body(wall_now());
      std::string kept;
      size_t pos = 0;
      while (pos < body.size()) {
        const size_t end = body.find('\n', pos);
        const std::string_view line(body.data() + pos, end - pos);
        if (line.find(family) == std::string_view::npos) kept.append(line) += '\n';
        pos = end + 1;
      }
      return net::HttpResponse{.body = kept};
    };
  }

  bool last_is_stale(const char* name) {
    auto v = values(name);
    return !v.empty() && is_stale_nan(v.back());
  }

  boost::asio::io_context io_;
  tsdb::Head head_;
  cli::CogSimulator sim_{{}};
  std::function<net::HttpResponse(const net::HttpRequest&)> handler_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST_F(ManagerTest, ScrapesTheSimulatedCogService) {
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return values("up").size() >= 3; }));
  for (double up : values("up")) EXPECT_EQ(up, 1);
  auto requests = head_.select({*LabelMatcher::make(MatchType::kEqual, "__name__", "cog_predict_requests_total")},
                               kMinTimestamp, kMaxTimestamp);
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].labels.get("job"), "cog");
  EXPECT_EQ(requests[0].labels.get("instance"), address());
  EXPECT_EQ(requests[0].labels.get("env"), "test");

  auto targets = manager.targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].health, TargetStatus::Health::kUp);
  EXPECT_EQ(targets[0].scrape_url, "http://" + address() + "/metrics");
  EXPECT_EQ(targets[0].labels, (Labels{{"env", "test"}, {"instance", address()}, {"job", "cog"}}));
  EXPECT_GT(targets[0].last_samples, 20u);
  EXPECT_GT(targets[0].last_scrape, 0);
  // Discovered labels are those relabelling starts from, defaults included.
  EXPECT_EQ(targets[0].discovered_labels,
            (Labels{{"__address__", address()}, {"__metrics_path__", "/metrics"}, {"__scheme__", "http"},
                    {"__scrape_interval__", "100ms"}, {"__scrape_timeout__", "90ms"}, {"env", "test"}, {"job", "cog"}}));
  // The metadata of the families scraped.
  ASSERT_NE(targets[0].metadata, nullptr);
  auto it = std::find_if(targets[0].metadata->begin(), targets[0].metadata->end(),
                         [](const MetricMetadata& m) { return m.metric == "cog_predict_requests_total"; });
  ASSERT_NE(it, targets[0].metadata->end());
  EXPECT_EQ(*it, (MetricMetadata{"cog_predict_requests_total", MetricType::kCounter,
                                 "Predictions served, by input type.", ""}));
}

// Targets relabelling drops are listed per job, before relabelling, and
// counted for every job.
TEST_F(ManagerTest, DroppedTargetsAreListedAndCounted) {
  Config c = config();
  c.scrape_configs[0].static_configs[0].targets.push_back("10.0.0.1:9");
  c.scrape_configs[0].static_configs[0].targets.push_back("10.0.0.2:9");
  auto drop = net::RelabelConfig::make(
      {.action = net::RelabelAction::kDrop, .source_labels = {"__address__"}, .regex = "10\\..*"});
  ASSERT_TRUE(drop.ok());
  c.scrape_configs[0].relabel_configs.push_back(*drop);
  ScrapeConfig other = c.scrape_configs[0];
  other.job_name = "other";
  other.relabel_configs.clear();
  other.static_configs = {{.targets = {address()}}};
  c.scrape_configs.push_back(other);

  ScrapeManagerOptions options;
  options.keep_dropped_targets = 1;
  ScrapeManager manager(io_, head_, options);
  ASSERT_TRUE(manager.apply(c, "").ok());
  EXPECT_EQ(manager.targets().size(), 2u);
  auto dropped = manager.dropped_targets();
  ASSERT_EQ(dropped.size(), 1u);  // keep_dropped_targets
  EXPECT_EQ(dropped[0].job, "cog");
  EXPECT_EQ(dropped[0].discovered_labels,
            (Labels{{"__address__", "10.0.0.1:9"}, {"__metrics_path__", "/metrics"}, {"__scheme__", "http"},
                    {"__scrape_interval__", "100ms"}, {"__scrape_timeout__", "90ms"}, {"env", "test"}, {"job", "cog"}}));
  EXPECT_EQ(manager.dropped_target_counts(), (std::map<std::string, size_t>{{"cog", 2}, {"other", 0}}));

  // A reload without the drop rule: nothing dropped any more.
  c.scrape_configs[0].relabel_configs.clear();
  ASSERT_TRUE(manager.apply(c, "").ok());
  EXPECT_TRUE(manager.dropped_targets().empty());
  EXPECT_EQ(manager.dropped_target_counts(), (std::map<std::string, size_t>{{"cog", 0}, {"other", 0}}));
}

// Every time the manager stores comes from its clock: a ManualClock set far
// from the wall clock and stepped by the test is what the samples carry.
TEST_F(ManagerTest, ScrapeTimesComeFromTheInjectedClock) {
  const Timestamp t0 = 1'000'000'000'000;  // 2001-09-09
  ManualClock clock(t0);
  handler_ = [](const net::HttpRequest&) { return net::HttpResponse{.body = "a 1\nb 2\n"}; };
  ScrapeManager manager(io_, head_, {.clock = &clock});
  // At 50 ms the alignment tolerance (1 % of the interval) is 0 ms: a scrape
  // while the clock stands is never moved to a slot in the clock's future,
  // which with a 1 ms tolerance a slot 1 ms ahead would be (and the standing
  // scrapes after it would then be out of order).
  Config c = config();
  c.scrape_configs[0].scrape_interval = 50 * kMillisecond;
  c.scrape_configs[0].scrape_timeout = 50 * kMillisecond;
  ASSERT_TRUE(manager.apply(c, "").ok());
  ASSERT_TRUE(run_until([&] { return !values("up").empty(); }));
  // The clock stands at t0: the scrape is stored at t0.
  auto a = tsdb::testing::read_named(head_, "a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].first, t0);
  auto up = tsdb::testing::read_named(head_, "up");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].first, a[0].first);
  EXPECT_EQ(manager.targets()[0].last_scrape, a[0].first);
  // Ten minutes later by the clock (a few ms of real time): the next scrape
  // is stored at that time exactly, far from its slot, and the 12000 slots
  // missed are skipped, not scraped in a burst.
  int requests = 0;
  handler_ = [&requests](const net::HttpRequest&) {
    ++requests;
    return net::HttpResponse{.body = "a 1\nb 2\n"};
  };
  clock.advance(10 * kMinute);
  ASSERT_TRUE(run_until([&] { return values("a").size() >= 2; }));
  a = tsdb::testing::read_named(head_, "a");
  EXPECT_EQ(a[1], (std::pair<Timestamp, double>{t0 + 10 * kMinute, 1}));
  EXPECT_EQ(tsdb::testing::read_named(head_, "b").back().first, t0 + 10 * kMinute);
  io_.restart();
  io_.run_for(std::chrono::milliseconds(300));  // the clock stands: slots come at most every 50 ms
  EXPECT_LE(requests, 7);
  // Stopping marks the series stale at the clock's time.
  clock.advance(kMinute);
  manager.stop();
  a = tsdb::testing::read_named(head_, "a");
  EXPECT_EQ(a.back().first, t0 + 11 * kMinute);
  EXPECT_TRUE(is_stale_nan(a.back().second));
  EXPECT_EQ(tsdb::testing::read_named(head_, "up").back().first, t0 + 11 * kMinute);
}

TEST_F(ManagerTest, FailingTargetAndVanishedSeriesGoStale) {
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return values("up").size() >= 2; }));
  // The target stops exposing one family: only that family goes stale.
  serve_without("cog_input_data_entropy");
  ASSERT_TRUE(run_until([&] { return last_is_stale("cog_input_data_entropy"); }));
  EXPECT_FALSE(last_is_stale("cog_predict_requests_total"));
  // The target fails: up 0, everything else stale, the error in its status.
  handler_ = [](const net::HttpRequest&) { return net::HttpResponse{.status = 500, .body = "boom"}; };
  ASSERT_TRUE(run_until([&] { return values("up").back() == 0; }));
  EXPECT_TRUE(last_is_stale("cog_predict_requests_total"));
  auto targets = manager.targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].health, TargetStatus::Health::kDown);
  EXPECT_NE(targets[0].last_error.find("server returned HTTP status 500"), std::string::npos) << targets[0].last_error;
}

TEST_F(ManagerTest, TargetRemovedFromTheConfigGoesStale) {
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return values("up").size() >= 2; }));
  Config empty;
  ASSERT_TRUE(manager.apply(empty, "").ok());
  EXPECT_TRUE(manager.targets().empty());
  EXPECT_TRUE(last_is_stale("up"));
  EXPECT_TRUE(last_is_stale("cog_predict_requests_total"));
  const size_t ups = values("up").size();
  io_.restart();
  io_.run_for(std::chrono::milliseconds(300));
  EXPECT_EQ(values("up").size(), ups);  // no more scrapes
}

TEST_F(ManagerTest, SampleLimitFailsTheScrape) {
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(config(/*sample_limit=*/5), "").ok());
  ASSERT_TRUE(run_until([&] { return !values("up").empty(); }));
  EXPECT_EQ(values("up").back(), 0);
  EXPECT_TRUE(values("cog_predict_requests_total").empty());
  auto targets = manager.targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_NE(targets[0].last_error.find("sample limit"), std::string::npos) << targets[0].last_error;
  // Counted for the pool, and kept across a reload that lifts the limit.
  auto pools = manager.pool_stats();
  ASSERT_EQ(pools.size(), 1u);
  const PoolStats limited = pools.begin()->second;
  EXPECT_GE(limited.scrapes, 1u);
  EXPECT_EQ(limited.failed_scrapes, limited.scrapes);
  EXPECT_EQ(limited.limit_exceeded, limited.scrapes);
  ASSERT_TRUE(manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return values("up").back() == 1; }));
  const PoolStats after = manager.pool_stats().begin()->second;
  EXPECT_GT(after.scrapes, limited.scrapes);
  EXPECT_EQ(after.limit_exceeded, limited.limit_exceeded);
  EXPECT_GT(after.samples_scraped, limited.samples_scraped);
}

TEST_F(ManagerTest, FileSdChangesArePickedUpAndBadFilesKeepTheTargets) {
  const std::string dir = testing::TempDir();
  const std::string file = dir + "/cogwatch_manager_sd.json";
  std::ofstream(file) << R"([{"targets": [")" << address() << R"("], "labels": {"team": "ml"}}])";
  Config c;
  ScrapeConfig sc;
  sc.job_name = "sd";
  sc.scrape_interval = 100 * kMillisecond;
  sc.scrape_timeout = 90 * kMillisecond;
  sc.file_sd_configs.push_back({.files = {"cogwatch_manager_sd.json"}});
  c.scrape_configs.push_back(std::move(sc));

  ScrapeManager manager(io_, head_, {.file_sd_poll = 50 * kMillisecond});
  ASSERT_TRUE(manager.apply(c, dir).ok());
  ASSERT_EQ(manager.targets().size(), 1u);
  EXPECT_EQ(manager.targets()[0].labels.get("team"), "ml");
  EXPECT_EQ(manager.targets()[0].discovered_labels.get("__meta_filepath"), file);

  std::ofstream(file) << "[{\"targets\": [";  // broken: the target stays
  io_.restart();
  io_.run_for(std::chrono::milliseconds(200));
  ASSERT_EQ(manager.targets().size(), 1u);

  std::ofstream(file) << R"([{"targets": [")" << address() << R"("], "labels": {"team": "vision"}}])";
  ASSERT_TRUE(run_until([&] {
    auto t = manager.targets();
    return t.size() == 1 && t[0].labels.get("team") == "vision";
  }));
  std::remove(file.c_str());
}


// Secret files are named relative to the config file's directory, as in
// Prometheus, not to the working directory.
TEST_F(ManagerTest, SecretFilesAreRelativeToTheConfigDirectory) {
  const std::string dir = testing::TempDir() + "/cogwatch_manager_secrets";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/token") << "s3cret\n";
  std::string seen;
  handler_ = [&](const net::HttpRequest& r) {
    seen = std::string(r.header("authorization"));
    return net::HttpResponse{.body = "a 1\n"};
  };
  Config c = config();
  c.scrape_configs[0].http_config.authorization = net::Authorization{.credentials_file = "token"};
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(c, dir).ok());
  ASSERT_TRUE(run_until([&] { return !values("up").empty(); }));
  EXPECT_EQ(values("up").back(), 1);
  EXPECT_EQ(seen, "Bearer s3cret");
  std::filesystem::remove_all(dir);
}

// A reload that changes only the sample limit keeps each target's scrape
// cache and last-scrape series: a family that disappears right across the
// reload is still marked stale at the next scrape. (An interval or timeout
// change makes new targets, as in Prometheus: __scrape_interval__ and
// __scrape_timeout__ are target labels.)
TEST_F(ManagerTest, ReloadKeepsStalenessTrackingWhenOnlyTheSampleLimitChanges) {
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return values("cog_input_data_entropy").size() >= 2; }));
  serve_without("cog_input_data_entropy");
  ASSERT_TRUE(manager.apply(config(/*sample_limit=*/100000), "").ok());
  EXPECT_TRUE(run_until([&] { return last_is_stale("cog_input_data_entropy"); }));
}

// Content negotiation over HTTP: a job that scrapes native histograms asks
// for protobuf first, cog-sim answers in protobuf (promhttp's choice), and
// the loop stores its latency histogram as one native histogram; a job
// that does not gets the text format and the classic series.
TEST_F(ManagerTest, NativeHistogramsOverProtobuf) {
  std::vector<std::string> accepts;
  handler_ = [&](const net::HttpRequest& r) {
    accepts.emplace_back(r.header("accept"));
    return cli::metrics_response(sim_, r, wall_now());
  };
  scrape_testing::RecordingStore store;
  ScrapeManager manager(io_, store);
  Config c = config();
  c.scrape_configs[0].scrape_native_histograms = true;
  c.scrape_configs[0].scrape_protocols = kProtoFirstScrapeProtocols;
  ASSERT_TRUE(manager.apply(c, "").ok());
  ASSERT_TRUE(run_until([&] { return !store.named("cog_predict_latency_seconds").empty(); }));
  const auto latency = store.named("cog_predict_latency_seconds");
  ASSERT_NE(latency.front().histogram(), nullptr);
  EXPECT_EQ(latency.front().histogram()->schema, 3);
  EXPECT_EQ(latency.front().labels.get("model_version"), "v1");
  EXPECT_TRUE(store.named("cog_predict_latency_seconds_bucket").empty());
  EXPECT_EQ(*store.named("up").back().number(), 1);
  EXPECT_TRUE(accepts.front().starts_with("application/vnd.google.protobuf;"));
  manager.stop();

  scrape_testing::RecordingStore text_store;
  ScrapeManager text_manager(io_, text_store);
  ASSERT_TRUE(text_manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return !text_store.named("cog_predict_latency_seconds_bucket").empty(); }));
  EXPECT_TRUE(text_store.named("cog_predict_latency_seconds").empty());
  EXPECT_TRUE(accepts.back().starts_with("application/openmetrics-text;version=1.0.0"));
}

// The Content-Type chooses the parser; one Prometheus would not read fails
// the scrape with its words, unless fallback_scrape_protocol names one.
TEST_F(ManagerTest, ContentTypeChoosesTheParser) {
  handler_ = [](const net::HttpRequest&) { return net::HttpResponse{.content_type = "text/html", .body = "a 1\n"}; };
  ScrapeManager manager(io_, head_);
  ASSERT_TRUE(manager.apply(config(), "").ok());
  ASSERT_TRUE(run_until([&] { return !values("up").empty(); }));
  EXPECT_EQ(values("up").back(), 0);
  EXPECT_EQ(manager.targets()[0].last_error,
            "received unsupported Content-Type \"text/html\" and no fallback_scrape_protocol specified for target");
  Config c = config();
  c.scrape_configs[0].fallback_scrape_protocol = ScrapeProtocol::kPrometheusText0_0_4;
  ASSERT_TRUE(manager.apply(c, "").ok());
  ASSERT_TRUE(run_until([&] { return !values("a").empty(); }));
  EXPECT_EQ(values("a").back(), 1);
}

}  // namespace
}  // namespace cogwatch::scrape
