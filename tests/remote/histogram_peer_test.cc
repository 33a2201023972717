// Native histograms over remote write against Debian's Prometheus 2.42
// (`--enable-feature=native-histograms`), both ways:
//   - cogwatch's queue sends integer histograms (and their series' stale
//     marker) to Prometheus's receiver (`--web.enable-remote-write-receiver`,
//     no scrape jobs); Prometheus's query API answers each with the count,
//     sum and buckets sent. (Float histograms reach 2.42's receiver, which
//     reads them as float histograms, but its TSDB predates storing them: it
//     counts them out of order. They are checked against cogwatch's own
//     receiver and hand-built bytes in write_request_test.cc.)
//   - Prometheus scrapes a protobuf body with native histograms
//     (tests/scrape/testdata/native_histograms.pb, served by the test) and
//     remote-writes to a running cogwatch
//     (`--web.enable-remote-write-receiver`); both APIs answer a range
//     selector over the fixture's series with the same samples, histograms
//     printed the same.
// Prometheus 2.42 speaks Remote-Write 1.0 only.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <thread>

#include "cli/daemon.h"
#include "eval/value_json.h"
#include "model/clock.h"
#include "model/file.h"
#include "model/go_strconv.h"
#include "model/url.h"
#include "model/value.h"
#include "remote/queue.h"
#include "tests/net/test_util.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/remote/histogram_test_util.h"
#include "tests/server/peer/prometheus_process.h"
#include "tsdb/db.h"

namespace cogwatch::remote {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using notify::peer::http_request;

const std::vector<std::string> kNativeHistograms = {"--enable-feature=native-histograms"};

// series (labels as JSON) -> (ms, the value's text or the histogram's JSON)
// of a query's result, vector or matrix.
using Dump = std::map<std::string, std::vector<std::pair<int64_t, std::string>>>;

// A histogram's JSON with every number in one notation. Prometheus's API
// writes |x| < 1e-6 with an exponent ("8.019413139855522e-07"); cogwatch's
// never does (eval/value_json.cc): the same number either way.
json::value normalized(const json::value& v) {
  if (const json::string* s = v.if_string()) {
    double x = 0;
    if (go_parse_float(std::string_view(s->data(), s->size()), x) == GoNumError::kNone) return json::value(format_float(x));
    return v;
  }
  if (const json::array* a = v.if_array()) {
    json::array out;
    for (const json::value& x : *a) out.push_back(normalized(x));
    return out;
  }
  if (const json::object* o = v.if_object()) {
    json::object out;
    for (const auto& kv : *o) out[kv.key()] = normalized(kv.value());
    return out;
  }
  return v;
}

Dump dump(const std::string& base, const std::string& query, int64_t at_ms) {
  Dump out;
  auto r = http_request("GET", base + "/api/v1/query?query=" + query_escape(query) + "&time=" +
                                   std::to_string(static_cast<double>(at_ms) / 1000));
  EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
  if (!r || r->status != 200) return out;
  const json::value v = json::parse(r->body);
  auto add = [](auto& samples, const json::value& point) {
    const json::array& p = point.as_array();
    const json::value& value = p[1];
    samples.emplace_back(std::llround(p[0].to_number<double>() * 1000),
                         value.is_string() ? std::string(value.as_string()) : json::serialize(normalized(value)));
  };
  for (const json::value& s : v.at("data").at("result").as_array()) {
    auto& samples = out[json::serialize(s.at("metric"))];
    const json::object& o = s.as_object();
    for (const char* single : {"value", "histogram"}) {
      if (o.contains(single)) add(samples, o.at(single));
    }
    for (const char* list : {"values", "histograms"}) {
      if (!o.contains(list)) continue;
      for (const json::value& x : o.at(list).as_array()) add(samples, x);
    }
    std::sort(samples.begin(), samples.end());
  }
  return out;
}

std::string histogram_json(const FloatHistogram& h) {
  std::string out;
  eval::append_histogram_json(out, h);
  return out;
}

TEST(RemoteWriteHistogramsPeer, PrometheusAnswersTheHistogramsCogwatchSent) {
  auto dir = notify::peer::make_temp_dir("rw-histograms-to-prometheus");
  ASSERT_TRUE(dir);
  std::ofstream(*dir + "/prometheus.yml") << "global: {scrape_interval: 1h}\n";
  std::vector<std::string> args = kNativeHistograms;
  args.push_back("--web.enable-remote-write-receiver");
  auto prom = server::peer::PrometheusProcess::start(
      {.config_file = *dir + "/prometheus.yml", .work_dir = *dir, .extra_args = args});
  ASSERT_TRUE(prom) << prom.error().message;

  auto db = tsdb::Db::open(*dir + "/cogwatch", {});
  ASSERT_TRUE(db) << db.error().message;
  auto config = parse_remote_write_configs("remote_write:\n  - url: " + (*prom)->url("/api/v1/write") +
                                               "\n    send_native_histograms: true\n"
                                               "    queue_config: {batch_send_deadline: 100ms, min_backoff: 50ms}\n",
                                           "test.yml");
  ASSERT_TRUE(config) << config.error().message;
  RemoteWriteQueue queue((*config)[0], {.wal_dir = *dir + "/cogwatch/wal",
                                         .state_dir = *dir + "/cogwatch/remote",
                                         .hold = [&](uint32_t s) { (*db)->hold_wal("prom", s); },
                                         .poll_interval = 20 * kMillisecond});
  ASSERT_TRUE(queue.start());
  for (int i = 0; i < 250 && queue.stats().position == WalPosition{}; ++i) std::this_thread::sleep_for(20ms);

  // A minute ago, every 15 s: integer histograms as scraped, a counter and
  // a gauge histogram (schema 3, no zero bucket width) whose counts go
  // down; then both series end with the stale markers a scrape writes.
  const int64_t t0 = (system_clock().now() - 60'000) / 1000 * 1000;
  const Labels latency{{"__name__", "cog_predict_latency_seconds"}, {"job", "cog"}};
  const Labels queued{{"__name__", "cog_queue_depth"}, {"job", "cog"}};
  std::vector<std::pair<int64_t, FloatHistogram>> sent_latency, sent_queued;
  for (int k = 0; k < 3; ++k) {
    const int64_t t = t0 + k * 15'000;
    const Histogram h = testing::integer_histogram(static_cast<uint64_t>(k + 1));
    Histogram g = testing::integer_histogram(static_cast<uint64_t>(3 - k), CounterResetHint::kGauge);
    g.schema = 3;
    g.zero_threshold = 0;
    auto app = (*db)->head().appender();
    ASSERT_TRUE(app->append_histogram(latency, t, h).ok());
    ASSERT_TRUE(app->append_histogram(queued, t, g).ok());
    app->commit();
    sent_latency.emplace_back(t, h.to_float());
    sent_queued.emplace_back(t, g.to_float());
  }
  {
    auto app = (*db)->head().appender();
    ASSERT_TRUE(app->append(latency, t0 + 45'000, stale_nan()).ok());
    ASSERT_TRUE(app->append(queued, t0 + 45'000, stale_nan()).ok());
    app->commit();
  }
  for (int i = 0; i < 250 && queue.stats().histograms_sent < 8; ++i) std::this_thread::sleep_for(20ms);
  const QueueStats st = queue.stats();
  EXPECT_EQ(st.histograms_sent, 8u) << st.last_error << "\n" << (*prom)->log();
  EXPECT_EQ(st.histograms_failed, 0u) << st.last_error;

  // Each histogram as Prometheus prints it is the one sent.
  const Dump got = dump((*prom)->url(), R"({job="cog"}[1m])", t0 + 40'000);
  const std::string latency_key = R"({"__name__":"cog_predict_latency_seconds","job":"cog"})";
  const std::string queued_key = R"({"__name__":"cog_queue_depth","job":"cog"})";
  ASSERT_EQ(got.count(latency_key), 1u) << (*prom)->log();
  ASSERT_EQ(got.count(queued_key), 1u) << (*prom)->log();
  auto expect_same = [](const std::vector<std::pair<int64_t, std::string>>& answered,
                        const std::vector<std::pair<int64_t, FloatHistogram>>& sent) {
    ASSERT_EQ(answered.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(answered[i].first, sent[i].first);
      EXPECT_EQ(answered[i].second, json::serialize(normalized(json::parse(histogram_json(sent[i].second)))));
    }
  };
  expect_same(got.at(latency_key), sent_latency);
  expect_same(got.at(queued_key), sent_queued);
  // The stale markers ended both series: nothing after them.
  EXPECT_TRUE(dump((*prom)->url(), R"({job="cog"})", t0 + 46'000).empty());
  EXPECT_EQ(dump((*prom)->url(), R"({job="cog"})", t0 + 44'000).size(), 2u);

  queue.stop();
  db->reset();
  prom->reset();
  notify::peer::remove_tree(*dir);
}

TEST(RemoteWriteHistogramsPeer, CogwatchHoldsTheHistogramsPrometheusScrapedAndSent) {
  auto body = read_file(std::string(COGWATCH_SOURCE_DIR) + "/tests/scrape/testdata/native_histograms.pb");
  ASSERT_TRUE(body) << body.error().message;
  net::testing::ServerThread target([&](const net::HttpRequest&) {
    net::HttpResponse r{.status = 200, .body = *body};
    r.headers.emplace_back("Content-Type",
                           "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                           "encoding=delimited");
    return r;
  });

  auto dir = notify::peer::make_temp_dir("rw-histograms-from-prometheus");
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

  std::ofstream(*dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s}\n"
         "scrape_configs:\n  - job_name: fixture\n    static_configs: [{targets: ['127.0.0.1:"
      << target.port()
      << "']}]\n"
         "remote_write:\n  - url: "
      << cw << "/api/v1/write\n    send_native_histograms: true\n"
      << "    queue_config: {batch_send_deadline: 500ms, min_backoff: 50ms}\n";
  auto prom = server::peer::PrometheusProcess::start(
      {.config_file = *dir + "/prometheus.yml", .work_dir = *dir, .extra_args = kNativeHistograms});
  ASSERT_TRUE(prom) << prom.error().message;

  // Prometheus scrapes from about five seconds after its start (its
  // discovery's first update): five scrapes (at most 30 s), then a window
  // of the last few that ended two seconds ago.
  auto scrapes = [&] {
    const Dump up = dump((*prom)->url(), R"(count_over_time(up{job="fixture"}[1m]))", system_clock().now());
    return up.empty() || up.begin()->second.empty() ? 0 : std::stoi(up.begin()->second[0].second);
  };
  for (int i = 0; i < 300 && scrapes() < 5; ++i) std::this_thread::sleep_for(100ms);
  const int64_t at = (system_clock().now() - 2000) / 1000 * 1000;
  const std::string selector = R"({job="fixture"}[4s])";
  const Dump want = dump((*prom)->url(), selector, at);
  size_t histograms = 0;
  for (const auto& [series, samples] : want) {
    for (const auto& [t, text] : samples) histograms += text.starts_with("{") ? 1 : 0;
  }
  ASSERT_GE(histograms, 10u) << "two scrapes of five native histograms\n" << (*prom)->log();
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
  for (const char* failed : {"prometheus_remote_storage_samples_failed_total{",
                             "prometheus_remote_storage_histograms_failed_total{"}) {
    const size_t p = metrics->body.find(std::string("\n") + failed);
    ASSERT_NE(p, std::string::npos) << failed;
    const size_t eol = metrics->body.find('\n', p + 1);
    const std::string line = metrics->body.substr(p + 1, eol - p - 1);
    EXPECT_TRUE(line.ends_with(" 0")) << line;
  }
  auto ours = http_request("GET", cw + "/metrics");
  ASSERT_TRUE(ours);
  EXPECT_NE(ours->body.find("cogwatch_remote_write_receiver_requests_failed_total 0"), std::string::npos);
  EXPECT_EQ(ours->body.find("cogwatch_remote_write_receiver_histograms_written_total 0\n"), std::string::npos);
  prom->reset();
  cogwatch.shutdown();
  notify::peer::remove_tree(*dir);
}

}  // namespace
}  // namespace cogwatch::remote
