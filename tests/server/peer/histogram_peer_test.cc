// Native histograms side by side with Debian's Prometheus 2.42
// (--enable-feature=native-histograms): both scrape one loopback target
// every second over protobuf, then get the same queries at the same
// evaluation time, and the answers are compared.
//
// The target serves two bodies whose every sample carries the start of its
// 2 s period as timestamp, so both stores hold the very same samples
// whenever each scraped: /cog, cog-sim's protobuf body (its latency a
// native histogram, schema 3) for the period, running 60 times faster than
// the clock so rates have something to show; /fixture,
// tests/scrape/testdata/native_histograms.pb (native histograms with
// negative, zero and empty buckets, a gauge histogram, classic ones, a
// summary) without its float histogram, which 2.42 reads as a classic
// histogram where Prometheus 3 reads a float histogram (testdata/README.md).
// cogwatch reads the same prometheus.yml plus scrape_native_histograms (the
// option that replaced 2.42's feature flag).
//
// Compared exactly: raw selectors (instant and range: the "histogram" and
// "histograms" JSON), metadata, series, and /federate in protobuf (parsed)
// and text. Compared within 1e-9 relative: histogram_count, histogram_sum,
// rate, increase and sums of native histograms (not arithmetic: 2.42
// leaves `histogram * 2` unchanged, 2.44 added it). histogram_quantile and
// histogram_fraction interpolate inside a bucket, and there Prometheus 3
// (which cogwatch follows) changed the rule: linear in 2.42, on a log scale
// for exponential buckets since (promql/quantile.go). For those, both
// answers are checked against the rule of their version, recomputed here
// from the histogram both servers returned.
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "cli/cog_sim.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "model/file.h"
#include "model/url.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "scrape/proto/metrics.pb.h"
#include "scrape/scrape_protocol.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/server/peer/prometheus_process.h"

namespace cogwatch::server::peer {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace dto = io::prometheus::client;
using notify::peer::http_request;

constexpr Duration kPeriod = 2 * kSecond;  // the target's samples change, and are stamped, per period
constexpr int kSpeed = 60;                 // cog-sim's seconds per real second

std::vector<dto::MetricFamily> decode_delimited(std::string_view body) {
  std::vector<dto::MetricFamily> out;
  google::protobuf::io::ArrayInputStream in(body.data(), static_cast<int>(body.size()));
  bool clean_eof = false;
  // The parser merges into the message it is given: a new one each time.
  while (google::protobuf::util::ParseDelimitedFromZeroCopyStream(&out.emplace_back(), &in, &clean_eof)) {
  }
  out.pop_back();  // the one the end of the body left empty
  EXPECT_TRUE(clean_eof) << "a message cut short";
  return out;
}

std::string encode_delimited(const std::vector<dto::MetricFamily>& families) {
  std::string out;
  for (const dto::MetricFamily& f : families) scrape::append_delimited(out, f);
  return out;
}

// The families with every metric stamped t, less the family named `drop`.
std::string stamped(std::vector<dto::MetricFamily> families, Timestamp t, std::string_view drop = "") {
  std::erase_if(families, [&](const dto::MetricFamily& f) { return f.name() == drop; });
  for (dto::MetricFamily& f : families) {
    for (dto::Metric& m : *f.mutable_metric()) m.set_timestamp_ms(t);
  }
  return encode_delimited(families);
}

// The loopback target: /cog and /fixture, on an io thread of its own.
class Target {
 public:
  Status start() {
    auto fixture = read_file(std::string(COGWATCH_SOURCE_DIR) + "/tests/scrape/testdata/native_histograms.pb");
    if (!fixture) return fixture.take_error();
    fixture_ = decode_delimited(*fixture);
    auto s = net::HttpServer::start(io_, {.port = 0}, [this](const net::HttpRequest& r) { return answer(r); });
    if (!s) return s.take_error();
    server_ = std::move(*s);
    thread_ = std::thread([this] { io_.run(); });
    return {};
  }
  ~Target() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

 private:
  net::HttpResponse answer(const net::HttpRequest& r) const {
    const Timestamp period = system_clock().now() / kPeriod * kPeriod;
    std::string body;
    if (r.target == "/cog") {
      body = stamped(decode_delimited(sim_.protobuf_body(start_ + (period - start_) * kSpeed)), period);
    } else if (r.target == "/fixture") {
      body = stamped(fixture_, period, "request_size_bytes");
    } else {
      return net::HttpResponse{.status = 404};
    }
    return net::HttpResponse{
        .content_type = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
        .body = std::move(body)};
  }

  cli::CogSimulator sim_{{.scenario = cli::Scenario::kNormal}};
  const Timestamp start_ = system_clock().now();
  std::vector<dto::MetricFamily> fixture_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
};

std::string prometheus_yml(const std::string& target, bool cogwatch) {
  return std::string("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n") +
         (cogwatch ? "  scrape_native_histograms: true\n" : "") +
         "scrape_configs:\n"
         "  - job_name: cog\n    metrics_path: /cog\n    static_configs: [{targets: ['" + target + "']}]\n"
         "  - job_name: fixture\n    metrics_path: /fixture\n    static_configs: [{targets: ['" + target + "']}]\n";
}

// A GET with an Accept header.
Result<net::HttpClientResponse> get_accepting(const std::string& url, const std::string& accept) {
  Result<net::HttpClientRequest> request = net::make_http_request("GET", url, {});
  if (!request) return request.take_error();
  if (!accept.empty()) request->set_header("Accept", accept);
  request->timeout = 5000;
  boost::asio::io_context io;
  net::HttpClient client(io);
  Result<net::HttpClientResponse> response = make_error(ErrorCode::kUnavailable, "no answer");
  client.send(*std::move(request), [&](Result<net::HttpClientResponse> r) { response = std::move(r); });
  io.run();
  return response;
}

// A native histogram of the API JSON.
struct Bucket {
  int64_t boundaries = 0;
  double lower = 0, upper = 0, count = 0;
};
struct Hist {
  double count = 0, sum = 0;
  std::vector<Bucket> buckets;
};
double number(const json::value& v) { return std::stod(std::string(v.as_string())); }
Hist read_hist(const json::value& v) {
  Hist h{.count = number(v.at("count")), .sum = number(v.at("sum"))};
  if (const auto* buckets = v.as_object().if_contains("buckets")) {
    for (const json::value& b : buckets->as_array()) {
      h.buckets.push_back({b.at(0).as_int64(), number(b.at(1)), number(b.at(2)), number(b.at(3))});
    }
  }
  return h;
}

// histogram_quantile as each version computes it for a histogram with
// positive buckets only (no observation in the zero bucket), which is what
// cog-sim serves: the bucket where the rank falls, then linearly (2.42) or
// on a log scale from the upper end for q >= 0.5 (Prometheus 3).
double quantile_2_42(double q, const Hist& h) {
  const double rank = q * h.count;
  double count = 0;
  Bucket b;
  for (const Bucket& x : h.buckets) {
    b = x;
    count += b.count;
    if (count >= rank) break;
  }
  count = std::min(count, h.count);
  if (count < rank) return b.upper;
  return b.lower + (b.upper - b.lower) * ((rank - (count - b.count)) / b.count);
}
double quantile_3(double q, const Hist& h) {
  EXPECT_GE(q, 0.5) << "only the reverse walk is written here";
  double rank = (1 - q) * h.count, count = 0;
  Bucket b;
  for (auto it = h.buckets.rbegin(); it != h.buckets.rend(); ++it) {
    b = *it;
    count += b.count;
    if (count >= rank) break;
  }
  count = std::min(count, h.count);
  const double fraction = (count - rank) / b.count;
  const double lo = std::log2(b.lower), hi = std::log2(b.upper);
  return std::exp2(lo + (hi - lo) * fraction);
}
// histogram_fraction(0, upper, h) likewise (upper inside a bucket).
double fraction_2_42(double upper, const Hist& h) {
  double rank = 0;
  for (const Bucket& b : h.buckets) {
    if (b.lower >= upper) return rank / h.count;
    if (b.upper > upper) return (rank + b.count * (upper - b.lower) / (b.upper - b.lower)) / h.count;
    rank += b.count;
  }
  return 1;
}
double fraction_3(double upper, const Hist& h) {
  double rank = 0;
  for (const Bucket& b : h.buckets) {
    if (b.lower >= upper) return rank / h.count;
    if (b.upper > upper) {
      const double below = (std::log2(upper) - std::log2(b.lower)) / (std::log2(b.upper) - std::log2(b.lower));
      return (rank + b.count * below) / h.count;
    }
    rank += b.count;
  }
  return 1;
}

bool near(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b || std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

// Result series keyed by their labels' JSON.
std::map<std::string, json::object> by_metric(const json::value& answer) {
  std::map<std::string, json::object> out;
  for (const json::value& s : answer.at("data").at("result").as_array()) {
    out[json::serialize(s.at("metric"))] = s.as_object();
  }
  return out;
}

// A result as text per series, for exact comparison: labels -> sample(s).
std::map<std::string, std::string> canonical(const json::value& answer) {
  std::map<std::string, std::string> out;
  for (const auto& [metric, s] : by_metric(answer)) {
    std::string& text = out[metric];
    for (const char* key : {"value", "histogram", "values", "histograms"}) {
      if (const json::value* v = s.if_contains(key)) text += std::string(key) + ": " + json::serialize(*v) + "\n";
    }
  }
  return out;
}

// Every difference between two results beyond 1e-9 relative, in words.
std::vector<std::string> differences(const json::value& cogwatch, const json::value& prometheus) {
  std::vector<std::string> out;
  const auto a = by_metric(cogwatch), b = by_metric(prometheus);
  for (const auto& [metric, s] : b) {
    if (!a.contains(metric)) out.push_back(metric + " only in Prometheus");
  }
  for (const auto& [metric, s] : a) {
    auto other = b.find(metric);
    if (other == b.end()) {
      out.push_back(metric + " only in cogwatch");
      continue;
    }
    const json::object& o = other->second;
    if (s.contains("value") != o.contains("value") || s.contains("histogram") != o.contains("histogram")) {
      out.push_back(metric + ": float in one, histogram in the other");
      continue;
    }
    const json::array& sa = s.contains("value") ? s.at("value").as_array() : s.at("histogram").as_array();
    const json::array& oa = o.contains("value") ? o.at("value").as_array() : o.at("histogram").as_array();
    if (sa.at(0) != oa.at(0)) out.push_back(metric + ": time " + json::serialize(sa) + " vs " + json::serialize(oa));
    if (s.contains("value")) {
      if (!near(number(sa.at(1)), number(oa.at(1)))) {
        out.push_back(metric + ": " + json::serialize(sa.at(1)) + " vs " + json::serialize(oa.at(1)));
      }
      continue;
    }
    const Hist x = read_hist(sa.at(1)), y = read_hist(oa.at(1));
    bool same = near(x.count, y.count) && near(x.sum, y.sum) && x.buckets.size() == y.buckets.size();
    for (size_t i = 0; same && i < x.buckets.size(); ++i) {
      same = x.buckets[i].boundaries == y.buckets[i].boundaries && x.buckets[i].lower == y.buckets[i].lower &&
             x.buckets[i].upper == y.buckets[i].upper && near(x.buckets[i].count, y.buckets[i].count);
    }
    if (!same) out.push_back(metric + ": " + json::serialize(sa.at(1)) + " vs " + json::serialize(oa.at(1)));
  }
  return out;
}

class HistogramPeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Status s = start(); !s) start_error_ = new std::string(s.error().message);
  }
  static void TearDownTestSuite() {
    if (daemon_) daemon_->shutdown();
    delete prometheus_;
    delete daemon_;
    delete target_;
    if (dir_) notify::peer::remove_tree(*dir_);
    delete dir_;
    delete start_error_;
  }
  void SetUp() override {
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    ASSERT_TRUE(pick_time()) << "the two stores did not hold the same samples of three periods in a row\n"
                             << "cogwatch:\n" << *log_ << "\nPrometheus:\n" << prometheus_->log();
  }

  static Status start() {
    auto d = notify::peer::make_temp_dir("histogram-peer");
    if (!d) return d.take_error();
    dir_ = new std::string(*d);
    target_ = new Target();
    if (Status s = target_->start(); !s) return s;
    std::ofstream(*dir_ + "/prometheus.yml") << prometheus_yml(target_->address(), false);
    std::ofstream(*dir_ + "/cogwatch.yml") << prometheus_yml(target_->address(), true);
    cli::DaemonOptions o;
    o.config_file = *dir_ + "/cogwatch.yml";
    o.config_file_given = true;
    o.listen_address = "127.0.0.1:0";
    o.log = cli::Logger::to_string_sink(log_, cli::LogLevel::kInfo, false);
    daemon_ = new cli::Daemon(std::move(o));
    if (Status s = daemon_->start(); !s) return make_error(s.error().code, "cogwatch: " + s.error().message);
    auto p = PrometheusProcess::start({.config_file = *dir_ + "/prometheus.yml",
                                       .work_dir = *dir_,
                                       .extra_args = {"--enable-feature=native-histograms"}});
    if (!p) return p.take_error();
    prometheus_ = p->release();
    return {};
  }

  static std::string cogwatch(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(daemon_->port()) + path;
  }
  static json::value get_json(const std::string& url) {
    auto r = http_request("GET", url, "", "", 10s);
    EXPECT_TRUE(r) << url;
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << url << ": " << r->body;
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    EXPECT_FALSE(ec) << url << ": " << r->body;
    return v;
  }
  // Both answers to the same path.
  std::pair<json::value, json::value> ask(const std::string& path) const {
    return {get_json(cogwatch(path)), get_json(prometheus_->url(path))};
  }
  std::string at_t(const std::string& expr) const {
    return "/api/v1/query?query=" + query_escape(expr) + "&time=" + std::to_string(t_ / 1000);
  }

  // The evaluation time: a period start both stores have the samples of,
  // with the two before it (the rate windows below reach that far).
  bool pick_time() {
    const std::string count = R"(count_over_time(cog_predict_latency_seconds{job="cog"}[5s]))";
    for (int attempt = 0; attempt < 20; ++attempt) {
      t_ = (system_clock().now() - 2500) / kPeriod * kPeriod;
      const auto [a, b] = ask(at_t(count));
      if (a.is_object() && b.is_object() && a == b && json::serialize(a).find(R"("3"])") != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(1s);
    }
    return false;
  }

  // Compares the two answers to `expr` at t_, exactly or within 1e-9.
  void expect_same(const std::string& expr, bool exactly) const {
    const auto [a, b] = ask(at_t(expr));
    ASSERT_TRUE(a.is_object() && b.is_object()) << expr;
    EXPECT_FALSE(a.at("data").at("result").as_array().empty()) << expr << ": " << json::serialize(a);
    if (exactly) {
      EXPECT_EQ(canonical(a), canonical(b)) << expr;
    }
    for (const std::string& d : differences(a, b)) ADD_FAILURE() << expr << ": " << d;
  }

  // histogram_quantile(q, of) and histogram_fraction(0, upper, of): each
  // server's answer by its version's rule, from the histogram of `of` both
  // returned alike.
  void expect_interpolation(const std::string& of, double q, double upper) const {
    const auto [ha, hb] = ask(at_t(of));
    ASSERT_TRUE(ha.is_object() && hb.is_object()) << of;
    ASSERT_TRUE(differences(ha, hb).empty()) << of;
    const auto hist = by_metric(hb);
    ASSERT_EQ(hist.size(), 1u) << of;
    const Hist h = read_hist(hist.begin()->second.at("histogram").at(1));
    for (const auto& [expr, v2_42, v3] :
         {std::tuple{"histogram_quantile(" + std::to_string(q) + ", " + of + ")", quantile_2_42(q, h), quantile_3(q, h)},
          std::tuple{"histogram_fraction(0, " + std::to_string(upper) + ", " + of + ")", fraction_2_42(upper, h),
                     fraction_3(upper, h)}}) {
      const auto [a, b] = ask(at_t(expr));
      const auto ra = by_metric(a), rb = by_metric(b);
      ASSERT_EQ(ra.size(), 1u) << expr << ": " << json::serialize(a);
      ASSERT_EQ(rb.size(), 1u) << expr << ": " << json::serialize(b);
      const double cogwatch_value = number(ra.begin()->second.at("value").at(1));
      const double prometheus_value = number(rb.begin()->second.at("value").at(1));
      EXPECT_TRUE(near(prometheus_value, v2_42)) << expr << ": Prometheus 2.42 " << prometheus_value
                                                 << ", its linear rule " << v2_42;
      EXPECT_TRUE(near(cogwatch_value, v3)) << expr << ": cogwatch " << cogwatch_value << ", Prometheus 3's rule " << v3;
      EXPECT_NE(v2_42, v3) << expr << ": the rules agree here, so this case shows nothing";
    }
  }

  static inline std::string* start_error_ = nullptr;
  static inline std::string* dir_ = nullptr;
  static inline Target* target_ = nullptr;
  static inline cli::Daemon* daemon_ = nullptr;
  static inline PrometheusProcess* prometheus_ = nullptr;
  static inline std::shared_ptr<std::string> log_ = std::make_shared<std::string>();
  Timestamp t_ = 0;
};

TEST_F(HistogramPeerTest, RawHistogramsAreTheSame) {
  expect_same(R"(cog_predict_latency_seconds{job="cog"})", true);
  // Negative, zero and empty buckets, a gauge histogram, one without
  // observations, and the classic families beside them (not the report
  // series: scrape durations differ).
  expect_same(R"({job="fixture",__name__!~"up|scrape_.*"})", true);
  // A range query: "histograms" instead of "values".
  const std::string range = "/api/v1/query_range?query=" +
                            query_escape(R"({__name__=~".+_seconds|temperature.*",__name__!~"scrape_.*"})") +
                            "&start=" + std::to_string(t_ / 1000 - 4) + "&end=" + std::to_string(t_ / 1000) + "&step=2";
  const auto [a, b] = ask(range);
  ASSERT_TRUE(a.is_object() && b.is_object());
  EXPECT_EQ(canonical(a), canonical(b));
  EXPECT_NE(json::serialize(a).find(R"("histograms":[[)"), std::string::npos) << json::serialize(a);
}

TEST_F(HistogramPeerTest, FunctionsOfHistogramsAgree) {
  for (const char* expr : {
           "histogram_count(cog_predict_latency_seconds)",
           "histogram_sum(cog_predict_latency_seconds)",
           "histogram_count(wide_histogram)",
           "histogram_sum(wide_histogram)",
           "histogram_count(temperature_delta_celsius)",
           "histogram_sum(zero_bucket_only_seconds)",
           R"(rate(cog_predict_latency_seconds{job="cog"}[5s]))",
           R"(increase(cog_predict_latency_seconds{job="cog"}[5s]))",
           R"(histogram_count(rate(cog_predict_latency_seconds{job="cog"}[5s])))",
           "sum by (job) (rate(cog_predict_latency_seconds[5s]))",
           // Bucket bounds both versions reach without interpolating.
           "histogram_fraction(0, 0.5, cog_predict_latency_seconds)",
           R"(histogram_fraction(1, 2, rate(cog_predict_latency_seconds{job="cog"}[5s])))",
       }) {
    expect_same(expr, false);
  }
}

TEST_F(HistogramPeerTest, QuantileAndFractionFollowEachVersionsInterpolation) {
  expect_interpolation(R"(cog_predict_latency_seconds{job="cog"})", 0.9, 0.1);
  expect_interpolation(R"(rate(cog_predict_latency_seconds{job="cog"}[5s]))", 0.95, 0.3);
  const std::string by_job = R"(sum by (job) (rate(cog_predict_latency_seconds{job="cog"}[5s])))";
  expect_interpolation(by_job, 0.95, 1.5);
  // The shipped recording rule, where a job has only the native histogram:
  // on each server the native quantile of its version.
  const std::string rule = "histogram_quantile(0.95, sum by (job, le) (rate(cog_predict_latency_seconds_bucket[5s]))) "
                           "or histogram_quantile(0.95, " + by_job + ")";
  const auto [ra, rb] = ask(at_t(rule));
  const auto [qa, qb] = ask(at_t("histogram_quantile(0.95, " + by_job + ")"));
  EXPECT_EQ(canonical(ra), canonical(qa));
  EXPECT_EQ(canonical(rb), canonical(qb));
  EXPECT_EQ(canonical(ra).size(), 1u) << json::serialize(ra);
}

TEST_F(HistogramPeerTest, MetadataAndSeries) {
  for (const std::string& path : std::vector<std::string>{"/api/v1/metadata?metric=cog_predict_latency_seconds",
                                 "/api/v1/metadata?metric=temperature_delta_celsius",
                                 "/api/v1/series?match%5B%5D=" + query_escape(R"({__name__=~".+_seconds"})")}) {
    const auto [a, b] = ask(path);
    EXPECT_EQ(a, b) << path << "\ncogwatch:   " << json::serialize(a) << "\nPrometheus: " << json::serialize(b);
  }
}

// /federate: native histograms in protobuf, as 2.42 writes them; none in
// text. Both answer with their latest samples, so the comparison waits for
// a moment when both have scraped the same period.
TEST_F(HistogramPeerTest, FederationCarriesHistogramsInProtobufOnly) {
  const std::string path = "/federate?match%5B%5D=" + query_escape(R"({__name__=~"cog_predict_latency_seconds|temperature.*|wide.*|zero.*"})");
  const std::string protobuf = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
  bool compared = false;
  for (int attempt = 0; attempt < 20 && !compared; ++attempt) {
    auto a = get_accepting(cogwatch(path), protobuf);
    auto b = get_accepting(prometheus_->url(path), protobuf);
    ASSERT_TRUE(a && b);
    const std::vector<dto::MetricFamily> fa = decode_delimited(a->body), fb = decode_delimited(b->body);
    ASSERT_FALSE(fb.empty());
    // Each server's latest sample of each series, by its timestamp.
    auto stamps = [](const std::vector<dto::MetricFamily>& families) {
      std::vector<int64_t> out;
      for (const dto::MetricFamily& f : families) {
        for (const dto::Metric& m : f.metric()) out.push_back(m.timestamp_ms());
      }
      return out;
    };
    if (stamps(fa) != stamps(fb)) {
      std::this_thread::sleep_for(300ms);
      continue;
    }
    compared = true;
    ASSERT_EQ(fa.size(), fb.size()) << a->body.size() << " vs " << b->body.size();
    for (size_t i = 0; i < fa.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fa[i], fb[i]))
          << "cogwatch:\n" << fa[i].DebugString() << "Prometheus:\n" << fb[i].DebugString();
    }
    // Text: neither writes a native histogram; both write nothing else here.
    auto ta = get_accepting(cogwatch(path), "");
    auto tb = get_accepting(prometheus_->url(path), "");
    ASSERT_TRUE(ta && tb);
    EXPECT_EQ(ta->body, "");
    EXPECT_EQ(tb->body, "");
  }
  EXPECT_TRUE(compared) << "the two never showed the same period";
}

}  // namespace
}  // namespace cogwatch::server::peer
