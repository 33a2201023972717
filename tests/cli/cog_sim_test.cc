// The simulated Cog service end to end without sockets: its bodies are
// scraped by the scrape loop into a store for 20 minutes of fake time, and
// the alert expressions of the Cog guide are evaluated by the engine.
#include "cli/cog_sim.h"

#include <map>

#include <gtest/gtest.h>

#include "cli/cog_sim_server.h"
#include "scrape/protobuf_parser.h"

#include "eval/engine.h"
#include "parser/parser.h"
#include "scrape/exposition.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

constexpr Timestamp kStart = 1'700'000'000'000;
constexpr Timestamp kEnd = kStart + 20 * kMinute;

class Simulated {
 public:
  explicit Simulated(Scenario s) : sim_({.scenario = s}) {
    scrape::ScrapeLoopOptions o;
    o.target = Labels{{"__address__", "127.0.0.1:5000"}, {"instance", "127.0.0.1:5000"}, {"job", "cog"}};
    o.interval = 15 * kSecond;
    scrape::ScrapeLoop loop(head_, o);
    for (Timestamp t = kStart; t <= kEnd; t += 15 * kSecond) {
      const std::string body = sim_.body(t);
      auto r = loop.append(t, 12, std::string_view(body), scrape::ExpositionFormat::kPrometheusText);
      EXPECT_TRUE(r.up) << r.error;
    }
  }
  eval::Vector query(const std::string& q) {
    auto e = parser::parse_expr(q);
    EXPECT_TRUE(e.ok()) << q;
    auto v = eval::Engine(head_).instant(**e, kEnd);
    EXPECT_TRUE(v.ok()) << q << ": " << (v.ok() ? "" : v.error().message);
    return std::get<eval::Vector>(*v);
  }

 private:
  CogSimulator sim_;
  tsdb::Head head_;
};

const char* const kErrorRate =
    "sum(rate(cog_predict_errors_total[5m])) / sum(rate(cog_predict_requests_total[5m]))";

TEST(CogSim, BodiesParseAndCarryEveryFamily) {
  CogSimulator sim({.extra_series = 3});
  const std::string body = sim.body(kStart);
  auto samples = scrape::parse_exposition(body, scrape::ExpositionFormat::kPrometheusText);
  ASSERT_TRUE(samples.ok()) << samples.error().message;
  for (const char* family :
       {"cog_predict_requests_total", "cog_predict_errors_total", "cog_predict_latency_seconds_bucket",
        "cog_input_data_entropy", "container_cpu_usage_seconds_total", "container_memory_usage_bytes",
        "container_network_transmit_bytes_total", "node_cpu_seconds_total", "model_inference_throughput",
        "model_parameter_drift_score", "cog_sim_padding"}) {
    EXPECT_NE(body.find(std::string("\n") + family), std::string::npos) << family;
  }
  EXPECT_EQ(body, sim.body(kStart)) << "bodies are a function of time";
}

TEST(CogSim, NormalScenarioStaysQuiet) {
  Simulated s(Scenario::kNormal);
  auto ratio = s.query(kErrorRate);
  ASSERT_EQ(ratio.size(), 1u);
  EXPECT_NEAR(ratio[0].v, 0.002, 0.0005);
  EXPECT_TRUE(s.query(std::string(kErrorRate) + " > 0.01").empty());
  EXPECT_TRUE(s.query("cog_input_data_entropy > 1.5").empty());
  EXPECT_EQ(s.query("up").at(0).v, 1);
}

TEST(CogSim, ErrorsScenarioFiresPredictionErrorRate) {
  Simulated s(Scenario::kErrors);
  auto v = s.query(std::string(kErrorRate) + " > 0.01");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0].v, 0.05, 0.002);
}

TEST(CogSim, DriftScenarioFiresDataDriftDetected) {
  Simulated s(Scenario::kDrift);
  auto v = s.query("cog_input_data_entropy > 1.5");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_GT(v[0].v, 1.7);
  EXPECT_GT(s.query("model_parameter_drift_score").at(0).v, 0.5);
}

TEST(CogSim, CpuScenarioUsesNearlyAllCpus) {
  Simulated s(Scenario::kCpu);
  auto used = s.query(R"(avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name))");
  ASSERT_EQ(used.size(), 1u);
  EXPECT_NEAR(used[0].v, 3.9, 0.01);
  // The guide's HighCpuUsage compares {container_name} with {instance}: the
  // label sets never match, so Prometheus (and cogwatch) return nothing.
  EXPECT_TRUE(s.query(R"(avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name) > 0.8 * count(node_cpu_seconds_total{mode!="idle"}) by (instance))")
                  .empty());
}

TEST(CogSim, ThroughputScenarioHalvesThroughput) {
  Simulated s(Scenario::kThroughput);
  EXPECT_LT(s.query("model_inference_throughput").at(0).v, 0.7 * 12);
}

}  // namespace
}  // namespace cogwatch::cli

namespace cogwatch::cli {
namespace {

// The value of `name{labels}` in a body, or -1.
double sample(const std::string& body, const std::string& series) {
  const size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + series.size() + 2));
}

TEST(CogSim, CycleChangesScenarioWithContinuousCounters) {
  const CogSimulator sim({.cycle = {{Scenario::kNormal, 10 * kSecond}, {Scenario::kErrors, 20 * kSecond}},
                          .cycle_start = kStart});
  EXPECT_EQ(sim.scenario_at(kStart - kHour), Scenario::kNormal);  // before: the first phase
  EXPECT_EQ(sim.scenario_at(kStart + 9 * kSecond), Scenario::kNormal);
  EXPECT_EQ(sim.scenario_at(kStart + 10 * kSecond), Scenario::kErrors);
  EXPECT_EQ(sim.scenario_at(kStart + 29 * kSecond), Scenario::kErrors);
  EXPECT_EQ(sim.scenario_at(kStart + 30 * kSecond), Scenario::kNormal);  // and again

  // Counters never go back, and grow at the current phase's rate.
  const std::string cpu = R"(container_cpu_usage_seconds_total{name="cog-predictor",container_name="predictor"})";
  double last = 0;
  for (Timestamp t = kStart - 5 * kSecond; t <= kStart + 65 * kSecond; t += kSecond) {
    const double v = sample(sim.body(t), cpu);
    EXPECT_GE(v, last) << "at " << (t - kStart) << "ms";
    last = v;
  }
  const double normal = sample(sim.body(kStart + 10 * kSecond), cpu) - sample(sim.body(kStart), cpu);
  EXPECT_NEAR(normal / 10, 0.6, 1e-6);
  const double errors = sample(sim.body(kStart + 12 * kSecond), R"(cog_predict_errors_total{error_type="timeout"})");
  const double later = sample(sim.body(kStart + 30 * kSecond), R"(cog_predict_errors_total{error_type="timeout"})");
  EXPECT_NEAR((later - errors) / 18, 3 * 0.05 * 0.5, 0.06);  // half of the 5% are timeouts
}

// The protobuf body: the text body's families and values, and the latency
// histogram with native buckets (schema 3, as client_golang's factor 1.1
// gives) beside its classic ones.
struct ProtobufSamples {
  std::map<std::string, double> floats;  // labels as text -> value
  std::optional<Histogram> latency;
};
ProtobufSamples read_protobuf(const std::string& body) {
  ProtobufSamples out;
  scrape::ProtobufParser p(body, {.native_histograms = true, .classic_histograms_too = true});
  while (p.next()) {
    auto labels = p.labels();
    EXPECT_TRUE(labels.ok());
    if (p.kind() == scrape::SampleKind::kHistogram) {
      EXPECT_EQ(labels->metric_name(), "cog_predict_latency_seconds");
      out.latency = p.histogram();
    } else {
      EXPECT_EQ(p.kind(), scrape::SampleKind::kFloat);
      out.floats[labels->to_string()] = p.value();
    }
  }
  EXPECT_TRUE(p.status().ok()) << p.status().error().message;
  return out;
}
std::map<std::string, double> read_text(const std::string& body) {
  std::map<std::string, double> out;
  auto samples = scrape::parse_exposition(body, scrape::ExpositionFormat::kPrometheusText);
  EXPECT_TRUE(samples.ok());
  for (const auto& s : *samples) out[s.labels.to_string()] = s.value;
  return out;
}

TEST(CogSim, ProtobufBodyHasTheTextFamiliesAndANativeHistogram) {
  const CogSimulator sim({.scenario = Scenario::kErrors, .extra_series = 3});
  for (Timestamp t : {kStart, kStart + 7 * kMinute + 123, Timestamp{0}}) {
    const ProtobufSamples proto = read_protobuf(sim.protobuf_body(t));
    // Every text series, classic latency buckets included, with its value
    // (the protobuf le values read as OpenMetrics floats: "1.0").
    std::map<std::string, double> text = read_text(sim.body(t));
    std::map<std::string, double> renamed;
    for (const auto& [original, v] : text) {
      std::string labels = original;
      for (const char* le : {"le=\"1\"", "le=\"2\"", "le=\"5\"", "le=\"10\""}) {
        if (const size_t at = labels.find(le); at != std::string::npos) labels.insert(labels.find('"', at + 4), ".0");
      }
      renamed[labels] = v;
    }
    EXPECT_EQ(proto.floats, renamed) << "at " << t;
    ASSERT_TRUE(proto.latency.has_value());
    const Histogram& h = *proto.latency;
    EXPECT_TRUE(h.validate().ok()) << h.validate().error().message;
    EXPECT_EQ(h.schema, 3);
    EXPECT_EQ(h.zero_threshold, 2.938735877055719e-39);
    EXPECT_EQ(static_cast<double>(h.count), proto.floats.at(R"({__name__="cog_predict_latency_seconds_count", model_version="v1"})"));
    EXPECT_EQ(h.sum, proto.floats.at(R"({__name__="cog_predict_latency_seconds_sum", model_version="v1"})"));
    uint64_t in_buckets = 0;
    for (double c : h.to_float().positive_buckets) in_buckets += static_cast<uint64_t>(c);
    EXPECT_EQ(in_buckets, h.count);
  }
}

// Native and classic buckets follow one distribution: at the bounds both
// have (0.5, 1 and 2 are schema-3 bounds) their cumulative counts agree to
// within the cycle's granularity, and the native buckets reach from 1 ms to
// 10 s.
TEST(CogSim, NativeAndClassicBucketsAgree) {
  const CogSimulator sim({});
  const ProtobufSamples proto = read_protobuf(sim.protobuf_body(kStart));
  const FloatHistogram h = proto.latency->to_float();
  double lowest = INFINITY, highest = 0;
  std::map<double, double> cumulative;  // upper bound -> count at or below
  double running = 0;
  h.for_each_positive([&](const HistogramBucket& b) {
    running += b.count;
    cumulative[b.upper] = running;
    lowest = std::min(lowest, b.lower);
    highest = std::max(highest, b.upper);
  });
  EXPECT_GE(lowest, 0.0009);
  EXPECT_LE(highest, 10.5);
  for (const char* le : {"0.5", "1.0", "2.0"}) {
    const double classic = proto.floats.at(std::string(R"({__name__="cog_predict_latency_seconds_bucket", le=")") + le +
                                           R"(", model_version="v1"})");
    const double native = cumulative.at(std::stod(le));
    EXPECT_NEAR(native / h.count, classic / h.count, 0.002) << le;
  }
}

// A bucket's count never falls from one scrape to the next (Prometheus
// would read a counter reset), whatever the time.
TEST(CogSim, NativeBucketsOnlyGrow) {
  const CogSimulator sim({});
  std::map<int32_t, double> last;
  for (Timestamp t = kStart; t <= kStart + 10 * kMinute; t += 333) {
    const FloatHistogram h = read_protobuf(sim.protobuf_body(t)).latency->to_float();
    std::map<int32_t, double> now;
    h.for_each_positive([&](const HistogramBucket& b) { now[b.index] = b.count; });
    for (const auto& [index, count] : last) {
      ASSERT_GE(now[index], count) << "bucket " << index << " at " << t;
    }
    last = std::move(now);
  }
}

// promhttp's negotiation: protobuf when Prometheus asks for it first, the
// text format otherwise (and byte for byte the body it always was).
TEST(CogSim, ScrapesGetTheFormatTheyAskFor) {
  const CogSimulator sim({});
  auto answer = [&](std::string_view accept) {
    net::HttpRequest r{.method = "GET", .target = "/metrics"};
    if (!accept.empty()) r.headers.emplace_back("Accept", std::string(accept));
    return metrics_response(sim, r, kStart);
  };
  const char* protobuf = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
  const net::HttpResponse native = answer(
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
      "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
      "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
  EXPECT_EQ(native.content_type, protobuf);
  EXPECT_EQ(native.body, sim.protobuf_body(kStart));
  for (std::string_view accept :
       {"",  // no Accept header
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
        "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
        "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
        "text/plain;q=0.7, application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0"}) {
    const net::HttpResponse text = answer(accept);
    EXPECT_EQ(text.content_type, "text/plain; version=0.0.4; charset=utf-8") << accept;
    EXPECT_EQ(text.body, sim.body(kStart)) << accept;
  }
  // The order of equal q-values decides.
  EXPECT_EQ(answer("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
                   "text/plain").content_type,
            protobuf);
}

}  // namespace
}  // namespace cogwatch::cli
