// The simulated Cog predictor: the /metrics body a Cog service would serve
// at a given time, under a scenario that drives one alert over its
// threshold. The HTTP server around it (`cogwatch cog-sim`) serves what
// body() returns; the demo, integration tests and benchmarks scrape it.
//
//   CogSimulator sim({.scenario = Scenario::kErrors});
//   std::string body = sim.body(now);  // Prometheus text format 0.0.4
//   std::string proto = sim.protobuf_body(now);  // delimited MetricFamily messages
//
// Values are deterministic functions of the time (and the seed), so two
// scrapes of the same instant give the same body and tests can predict
// rates: counters grow at the scenario's rates, gauges wander smoothly.
//
// cog_predict_latency_seconds is a histogram with classic buckets (le 0.01
// to 10) and, in the protobuf body only, native buckets too, as a
// client_golang histogram with both Buckets and NativeHistogramBucketFactor
// 1.1 exposes it: schema 3 (buckets growing by 2^(1/8), the coarsest
// schema with a factor of at most 1.1), zero threshold 2^-128, the same
// count and sum. The text formats carry the classic buckets alone, as a
// real client's text output does. The native buckets are the latencies of
// the predictions so far, taken from a fixed cycle of 10000 latencies that
// follows the classic buckets' distribution (log-linear between their
// bounds): each bucket's count only grows, and the buckets add up to the
// count. The classic counts are computed from the shares directly (to keep
// the text body as it always was), so the two agree on the distribution,
// not observation by observation.
//
// Thread-safety: body() is const and may be called from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/time.h"

namespace cogwatch::cli {

enum class Scenario : uint8_t {
  kNormal,      // ~0.2% errors, entropy ~1.2, moderate CPU, steady throughput
  kErrors,      // 5% of predictions fail: PredictionErrorRate fires
  kCpu,         // the containers use nearly all CPUs: HighCpuUsage's condition
  kDrift,       // input entropy ~1.9, drift score high: DataDriftDetected fires
  kThroughput,  // throughput drops to 50% of its baseline
};

std::optional<Scenario> parse_scenario(std::string_view name);
std::string_view scenario_name(Scenario s);

// One phase of a scenario cycle.
struct ScenarioPhase {
  Scenario scenario = Scenario::kNormal;
  Duration length = kMinute;
};

struct CogSimOptions {
  Scenario scenario = Scenario::kNormal;
  int extra_series = 0;  // padding series for load tests (--series N)
  int cpus = 4;          // node_cpu_seconds_total has one series per CPU and mode
  // When not empty, the scenario changes over time (the demo): from
  // cycle_start the phases run in order and then again; before it, the
  // first phase's scenario. Counters stay continuous across changes (each
  // grows at its current scenario's rate), so rate() sees no resets.
  std::vector<ScenarioPhase> cycle;
  Timestamp cycle_start = 0;
};

class CogSimulator {
 public:
  explicit CogSimulator(CogSimOptions options) : options_(std::move(options)) {}

  // The exposition body at time t (ms since the epoch), in the text format
  // 0.0.4 and in the protobuf format (the same families, the latency
  // histogram with its native buckets).
  std::string body(Timestamp t) const;
  std::string protobuf_body(Timestamp t) const;

  // The request rate (predictions per second) the scenario runs at, and the
  // share of them that fail: what rate() over the body should find.
  double request_rate() const;
  double error_ratio() const;

  // The scenario in effect at t.
  Scenario scenario_at(Timestamp t) const;

 private:
  // The value at t of a counter that grows at rate(scenario) per second
  // from the epoch, following the cycle.
  double integral(Timestamp t, double (*rate)(Scenario)) const;
  // Writes the families at t through either format's writer.
  template <typename Writer>
  void write(Timestamp t, Writer& w) const;

  CogSimOptions options_;
};

}  // namespace cogwatch::cli
