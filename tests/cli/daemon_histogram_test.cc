// Native histograms through the running daemon, in process: cog-sim
// scraped by three jobs (scrape_native_histograms, the same with
// always_scrape_classic_histograms, and the text default), then what the
// store holds, the shipped recording rule, the query API's histogram JSON,
// metadata, /federate and /metrics; a reload that turns native histograms
// off, bucket limits and a bad value in the config. Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "cli/cog_sim_server.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "model/url.h"
#include "net/http_client.h"
#include "scrape/proto/metrics.pb.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::cli {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using notify::peer::http_request;

template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

// A GET with an Accept header (the peer client sends none).
Result<net::HttpClientResponse> get_accepting(const std::string& url, const std::string& accept) {
  Result<net::HttpClientRequest> request = net::make_http_request("GET", url, {});
  if (!request) return request.take_error();
  request->set_header("Accept", accept);
  request->timeout = 5000;
  boost::asio::io_context io;
  net::HttpClient client(io);
  Result<net::HttpClientResponse> response = make_error(ErrorCode::kUnavailable, "no answer");
  client.send(*std::move(request), [&](Result<net::HttpClientResponse> r) { response = std::move(r); });
  io.run();
  return response;
}

std::string config_text(const std::string& target, const std::string& native_job_extra = "") {
  return "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
         "scrape_configs:\n"
         "  - job_name: native\n"
         "    scrape_native_histograms: true\n" +
         native_job_extra +
         "    static_configs: [{targets: ['" + target + "']}]\n"
         "  - job_name: both\n"
         "    scrape_native_histograms: true\n"
         "    always_scrape_classic_histograms: true\n"
         "    static_configs: [{targets: ['" + target + "']}]\n"
         "  - job_name: text\n"
         "    static_configs: [{targets: ['" + target + "']}]\n"
         "rule_files: ['" + std::string(COGWATCH_SOURCE_DIR) + "/deploy/cog_recording.yml']\n";
}

class DaemonHistogramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = notify::peer::make_temp_dir("cogwatch-histogram-test");
    ASSERT_TRUE(d);
    dir_ = *d;
    auto s = BackgroundCogSim::start({});
    ASSERT_TRUE(s) << s.error().message;
    sim_ = std::move(*s);
  }
  void TearDown() override {
    if (daemon_) daemon_->shutdown();
    daemon_.reset();
    notify::peer::remove_tree(dir_);
  }
  void start(const std::string& config) {
    std::ofstream(dir_ + "/cogwatch.yml") << config;
    DaemonOptions o;
    o.config_file = dir_ + "/cogwatch.yml";
    o.config_file_given = true;
    o.listen_address = "127.0.0.1:0";
    o.enable_lifecycle = true;
    o.log = Logger::to_string_sink(log_, LogLevel::kInfo, false);
    daemon_ = std::make_unique<Daemon>(std::move(o));
    Status started = daemon_->start();
    ASSERT_TRUE(started) << started.error().message << "\n" << *log_;
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(daemon_->port()) + path; }
  json::value get_json(const std::string& path) {
    auto r = http_request("GET", url(path));
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    return json::parse(r->body);
  }
  json::array query(const std::string& expr) {
    json::value v = get_json("/api/v1/query?query=" + query_escape(expr));
    if (!v.is_object()) return {};
    return v.at("data").at("result").as_array();
  }
  // job -> the metric names of the latency family it has now.
  std::map<std::string, std::set<std::string>> latency_names() {
    std::map<std::string, std::set<std::string>> out;
    for (const json::value& s : query(R"({__name__=~"cog_predict_latency_seconds.*"})")) {
      const json::object& m = s.at("metric").as_object();
      out[std::string(m.at("job").as_string())].insert(std::string(m.at("__name__").as_string()));
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<BackgroundCogSim> sim_;
  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<std::string> log_ = std::make_shared<std::string>();
};

const std::set<std::string> kNative = {"cog_predict_latency_seconds"};
const std::set<std::string> kClassic = {"cog_predict_latency_seconds_bucket", "cog_predict_latency_seconds_count",
                                        "cog_predict_latency_seconds_sum"};
const std::set<std::string> kBoth = {"cog_predict_latency_seconds", "cog_predict_latency_seconds_bucket",
                                     "cog_predict_latency_seconds_count", "cog_predict_latency_seconds_sum"};

TEST_F(DaemonHistogramTest, EachJobStoresItsLayoutAndTheApiShowsIt) {
  start(config_text(sim_->address()));
  const std::map<std::string, std::set<std::string>> want = {{"native", kNative}, {"both", kBoth}, {"text", kClassic}};
  ASSERT_TRUE(eventually([&] { return latency_names() == want; }, 15s)) << json::serialize(
      query(R"(count by (job, __name__) ({__name__=~"cog_predict_latency_seconds.*"}))"));
  // One series per job for the native histogram; 9 buckets (8 bounds and +Inf) for the classic layout.
  EXPECT_EQ(query(R"(cog_predict_latency_seconds_bucket{job="text"})").size(), 9u);
  EXPECT_EQ(query(R"(cog_predict_latency_seconds{job="native"})").size(), 1u);

  // The raw histogram as Prometheus 3 prints it: "histogram": [t, {count, sum, buckets}].
  const json::array raw = query(R"(cog_predict_latency_seconds{job="native"})");
  ASSERT_EQ(raw.size(), 1u);
  const json::object& sample = raw[0].as_object();
  EXPECT_FALSE(sample.contains("value")) << json::serialize(sample);
  const json::object& h = sample.at("histogram").as_array().at(1).as_object();
  const double count = std::stod(std::string(h.at("count").as_string()));
  EXPECT_GT(count, 0);
  double in_buckets = 0;
  for (const json::value& b : h.at("buckets").as_array()) {
    EXPECT_EQ(b.as_array().at(0).as_int64(), 0);  // (lower, upper] for positive buckets
    in_buckets += std::stod(std::string(b.as_array().at(3).as_string()));
  }
  EXPECT_EQ(in_buckets, count);
  // histogram_count agrees with the classic _count of the same scrape's job.
  ASSERT_EQ(query(R"(histogram_count(cog_predict_latency_seconds{job="both"}) - on () cog_predict_latency_seconds_count{job="both"})").size(), 1u);
  EXPECT_EQ(query(R"(histogram_count(cog_predict_latency_seconds{job="both"}) - on () cog_predict_latency_seconds_count{job="both"})")
                .at(0).at("value").at(1).as_string(), "0");

  // A range query has "histograms" beside (here: instead of) "values".
  const int64_t now = system_clock().now() / 1000;
  json::value range = get_json("/api/v1/query_range?query=" + query_escape(R"(cog_predict_latency_seconds{job="native"})") +
                               "&start=" + std::to_string(now - 1) + "&end=" + std::to_string(now + 1) + "&step=1");
  ASSERT_EQ(range.at("data").at("result").as_array().size(), 1u) << json::serialize(range);
  const json::object& series = range.at("data").at("result").at(0).as_object();
  EXPECT_FALSE(series.contains("values"));
  EXPECT_FALSE(series.at("histograms").as_array().empty());

  // The shipped recording rule: one p95 per job, each from its layout.
  ASSERT_TRUE(eventually([&] { return query("job:cog_predict_latency_seconds:p95").size() == 3; }, 15s))
      << json::serialize(query("job:cog_predict_latency_seconds:p95"));

  // Metadata: the family is a histogram whichever way it was scraped.
  json::value metadata = get_json("/api/v1/metadata?metric=cog_predict_latency_seconds");
  EXPECT_EQ(json::serialize(metadata.at("data")),
            R"({"cog_predict_latency_seconds":[{"type":"histogram","help":"Prediction latency.","unit":""}]})");
  json::value targets = get_json("/api/v1/targets/metadata?metric=cog_predict_latency_seconds");
  EXPECT_EQ(targets.at("data").as_array().size(), 3u);
  // The series endpoint lists the native series like any other.
  json::value listed = get_json("/api/v1/series?match%5B%5D=" + query_escape(R"(cog_predict_latency_seconds{job="native"})"));
  EXPECT_EQ(listed.at("data").as_array().size(), 1u);

  // /federate: the text format leaves native histograms out (both jobs' classic series stay) ...
  auto text = http_request("GET", url("/federate?match%5B%5D=" + query_escape(R"({__name__=~"cog_predict_latency_seconds.*"})")));
  ASSERT_TRUE(text);
  EXPECT_EQ(text->body.find("cog_predict_latency_seconds{"), std::string::npos) << text->body;
  EXPECT_NE(text->body.find("cog_predict_latency_seconds_bucket{instance=\"" + sim_->address() + "\",job=\"both\""),
            std::string::npos)
      << text->body;
  // ... protobuf carries them.
  auto proto = get_accepting(
      url("/federate?match%5B%5D=" + query_escape(R"(cog_predict_latency_seconds)")),
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,*/*;q=0.1");
  ASSERT_TRUE(proto) << proto.error().message;
  io::prometheus::client::MetricFamily family;
  ASSERT_GT(proto->body.size(), 2u);
  ASSERT_TRUE(family.ParseFromArray(proto->body.data() + 2, static_cast<int>(proto->body.size() - 2)))
      << "one family of fewer than 16384 bytes";
  EXPECT_EQ(family.name(), "cog_predict_latency_seconds");
  EXPECT_EQ(family.type(), io::prometheus::client::HISTOGRAM);
  EXPECT_EQ(family.metric_size(), 2);  // jobs native and both
  EXPECT_EQ(family.metric(0).histogram().schema(), 3);

  // Self-monitoring has the bucket limit's counter, at 0.
  auto metrics = http_request("GET", url("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "cogwatch_target_scrapes_exceeded_native_histogram_bucket_limit_total{scrape_job=\"native\"} 0\n"),
            std::string::npos)
      << metrics->body;
}

// A reload applies the histogram settings: native off gives the native
// job classic series instead (cog-sim then answers in text), and a bad
// value is refused with its place.
TEST_F(DaemonHistogramTest, ReloadAppliesTheHistogramSettings) {
  start(config_text(sim_->address()));
  ASSERT_TRUE(eventually([&] { return latency_names()["native"] == kNative; }, 15s));

  std::string bad = config_text(sim_->address());
  bad.replace(bad.find("    scrape_native_histograms: true\n"), 35, "    scrape_native_histograms: maybe\n");
  std::ofstream(dir_ + "/cogwatch.yml") << bad;
  auto refused = http_request("POST", url("/-/reload"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 500);
  EXPECT_NE(refused->body.find("cogwatch.yml:4:31: scrape_native_histograms must be true or false"), std::string::npos)
      << refused->body;

  std::string off = config_text(sim_->address());
  off.replace(off.find("    scrape_native_histograms: true\n"), 35, "    scrape_native_histograms: false\n");
  std::ofstream(dir_ + "/cogwatch.yml") << off;
  auto reload = http_request("POST", url("/-/reload"));
  ASSERT_TRUE(reload);
  ASSERT_EQ(reload->status, 200) << reload->body;
  // The native series goes stale (the loop's last series are marked) and the classic ones come.
  EXPECT_TRUE(eventually([&] { return latency_names()["native"] == kClassic; }, 15s))
      << json::serialize(query(R"(count by (job, __name__) ({__name__=~"cog_predict_latency_seconds.*"}))"));
}

// native_histogram_min_bucket_factor lowers the resolution to the coarsest
// schema whose buckets grow by at least the factor; a bucket limit the
// histogram cannot meet even at schema -4 fails the scrape and is counted.
TEST_F(DaemonHistogramTest, BucketFactorAndLimitReachTheScrapes) {
  start(config_text(sim_->address(), "    native_histogram_min_bucket_factor: 1.5\n"));
  ASSERT_TRUE(eventually([&] { return latency_names()["native"] == kNative; }, 15s));
  const json::array raw = query(R"(cog_predict_latency_seconds{job="native"})");
  ASSERT_EQ(raw.size(), 1u);
  for (const json::value& b : raw[0].at("histogram").at(1).at("buckets").as_array()) {
    // Schema 0: every bound a power of two.
    const double upper = std::stod(std::string(b.as_array().at(2).as_string()));
    EXPECT_EQ(std::log2(upper), std::round(std::log2(upper))) << json::serialize(b);
  }

  std::ofstream(dir_ + "/cogwatch.yml") << config_text(sim_->address(), "    native_histogram_bucket_limit: 1\n");
  auto reload = http_request("POST", url("/-/reload"));
  ASSERT_TRUE(reload);
  ASSERT_EQ(reload->status, 200) << reload->body;
  EXPECT_TRUE(eventually(
      [&] {
        auto m = http_request("GET", url("/metrics"));
        return m && m->body.find("cogwatch_target_scrapes_exceeded_native_histogram_bucket_limit_total{scrape_job="
                                 "\"native\"} 0\n") == std::string::npos &&
               m->body.find("cogwatch_target_scrapes_exceeded_native_histogram_bucket_limit_total{scrape_job="
                            "\"native\"} ") != std::string::npos;
      },
      10s));
  const json::array up = query(R"(up{job="native"})");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].at("value").at(1).as_string(), "0");
  json::value targets = get_json("/api/v1/targets?scrapePool=native");
  EXPECT_EQ(targets.at("data").at("activeTargets").at(0).at("lastError").as_string(), "histogram bucket limit exceeded");
}

}  // namespace
}  // namespace cogwatch::cli
