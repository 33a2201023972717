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

}  // namespace
}  // namespace cogwatch::cli
