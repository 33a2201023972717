// The simulated Cog service end to end without sockets: its bodies are
// scraped by the scrape loop into a store for 20 minutes of fake time, and
// the alert expressions of the Cog guide are evaluated by the engine.
#include "cli/cog_sim.h"

#include <gtest/gtest.h>

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
