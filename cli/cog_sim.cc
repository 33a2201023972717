#include "cli/cog_sim.h"

#include <array>
#include <cmath>

#include "model/value.h"

namespace cogwatch::cli {
namespace {

constexpr std::array<std::pair<std::string_view, Scenario>, 5> kScenarios = {{
    {"normal", Scenario::kNormal},
    {"errors", Scenario::kErrors},
    {"cpu", Scenario::kCpu},
    {"drift", Scenario::kDrift},
    {"throughput", Scenario::kThroughput},
}};

// The share of predictions faster than each latency bucket bound.
constexpr std::array<std::pair<const char*, double>, 8> kLatencyBuckets = {{
    {"0.01", 0.01}, {"0.05", 0.06}, {"0.1", 0.18}, {"0.5", 0.62}, {"1", 0.86}, {"2", 0.96}, {"5", 0.995}, {"10", 1.0},
}};
constexpr double kMeanLatency = 0.45;  // seconds, consistent with the buckets

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // name{labels} value; labels is the inside of the braces, may be empty.
  void sample(std::string_view name, std::string_view labels, double v) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    append_float(out_, v);
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::optional<Scenario> parse_scenario(std::string_view name) {
  for (const auto& [text, s] : kScenarios) {
    if (text == name) return s;
  }
  return std::nullopt;
}

std::string_view scenario_name(Scenario s) {
  for (const auto& [text, value] : kScenarios) {
    if (value == s) return text;
  }
  return "?";
}

namespace {

// Per-scenario rates, per second, of what the counters count.
double error_rate(Scenario s) { return 3.0 * (s == Scenario::kErrors ? 0.05 : 0.002); }
double cores_used(Scenario s) { return s == Scenario::kCpu ? 3.9 : 0.6; }  // of 4 CPUs
constexpr int kDefaultCpus = 4;
double busy_share(Scenario s) { return std::min(0.98, cores_used(s) / kDefaultCpus); }
double idle_share(Scenario s) { return 1 - busy_share(s); }
double user_share(Scenario s) { return busy_share(s) * 0.8; }
double system_share(Scenario s) { return busy_share(s) * 0.2; }

}  // namespace

double CogSimulator::request_rate() const { return 3.0; }  // image 2/s + text 1/s

double CogSimulator::error_ratio() const { return error_rate(options_.scenario) / request_rate(); }

Scenario CogSimulator::scenario_at(Timestamp t) const {
  const auto& cycle = options_.cycle;
  if (cycle.empty()) return options_.scenario;
  if (t < options_.cycle_start) return cycle.front().scenario;
  Duration length = 0;
  for (const ScenarioPhase& p : cycle) length += p.length;
  Duration into = (t - options_.cycle_start) % length;
  for (const ScenarioPhase& p : cycle) {
    if (into < p.length) return p.scenario;
    into -= p.length;
  }
  return cycle.back().scenario;
}

double CogSimulator::integral(Timestamp t, double (*rate)(Scenario)) const {
  const auto& cycle = options_.cycle;
  if (cycle.empty()) return rate(options_.scenario) * static_cast<double>(t) / 1000;
  const Timestamp start = options_.cycle_start;
  const double first = rate(cycle.front().scenario);
  if (t <= start) return first * static_cast<double>(t) / 1000;
  double total = first * static_cast<double>(start) / 1000;
  Duration length = 0;
  double per_cycle = 0;
  for (const ScenarioPhase& p : cycle) {
    length += p.length;
    per_cycle += rate(p.scenario) * static_cast<double>(p.length) / 1000;
  }
  const Duration elapsed = t - start;
  total += static_cast<double>(elapsed / length) * per_cycle;
  Duration rest = elapsed % length;
  for (const ScenarioPhase& p : cycle) {
    const Duration part = std::min(rest, p.length);
    total += rate(p.scenario) * static_cast<double>(part) / 1000;
    rest -= part;
  }
  return total;
}

std::string CogSimulator::body(Timestamp t) const {
  const double s = static_cast<double>(t) / 1000;  // counters grow with wall time
  const Scenario sc = scenario_at(t);
  Writer w;

  w.family("cog_predict_requests_total", "counter", "Predictions served, by input type.");
  w.sample("cog_predict_requests_total", R"(input_type="image")", std::floor(2 * s));
  w.sample("cog_predict_requests_total", R"(input_type="text")", std::floor(1 * s));

  w.family("cog_predict_errors_total", "counter", "Predictions that failed, by error type.");
  const double errors = integral(t, error_rate);
  w.sample("cog_predict_errors_total", R"(error_type="timeout")", std::floor(errors * 0.5));
  w.sample("cog_predict_errors_total", R"(error_type="validation")", std::floor(errors * 0.3));
  w.sample("cog_predict_errors_total", R"(error_type="internal")", std::floor(errors * 0.2));

  w.family("cog_predict_latency_seconds", "histogram", "Prediction latency.");
  const double total = std::floor(request_rate() * s);
  for (const auto& [le, share] : kLatencyBuckets) {
    w.sample("cog_predict_latency_seconds_bucket", std::string(R"(model_version="v1",le=")") + le + "\"",
             std::floor(total * share));
  }
  w.sample("cog_predict_latency_seconds_bucket", R"(model_version="v1",le="+Inf")", total);
  w.sample("cog_predict_latency_seconds_sum", R"(model_version="v1")", total * kMeanLatency);
  w.sample("cog_predict_latency_seconds_count", R"(model_version="v1")", total);

  w.family("cog_input_data_entropy", "gauge", "Shannon entropy of recent prediction inputs.");
  const double base_entropy = sc == Scenario::kDrift ? 1.9 : 1.2;
  w.sample("cog_input_data_entropy", "", base_entropy + 0.1 * std::sin(s / 60));

  w.family("container_cpu_usage_seconds_total", "counter", "CPU time used by the container.");
  w.sample("container_cpu_usage_seconds_total", R"(name="cog-predictor",container_name="predictor")",
           integral(t, cores_used));

  w.family("container_memory_usage_bytes", "gauge", "Memory used by the container.");
  w.sample("container_memory_usage_bytes", "", std::round(2.1e9 + 1.5e8 * std::sin(s / 300)));

  w.family("container_spec_memory_limit_bytes", "gauge", "Memory limit of the container.");
  w.sample("container_spec_memory_limit_bytes", "", 4e9);

  w.family("container_network_transmit_bytes_total", "counter", "Bytes sent by the container.");
  w.sample("container_network_transmit_bytes_total", "", std::floor(480'000 * s));

  w.family("node_cpu_seconds_total", "counter", "CPU time by CPU and mode.");
  // Each CPU's share of the container's cores (the shares assume 4 CPUs).
  const double idle = integral(t, idle_share), user = integral(t, user_share), system = integral(t, system_share);
  for (int cpu = 0; cpu < options_.cpus; ++cpu) {
    const std::string c = "cpu=\"" + std::to_string(cpu) + "\",mode=";
    w.sample("node_cpu_seconds_total", c + "\"idle\"", idle);
    w.sample("node_cpu_seconds_total", c + "\"user\"", user);
    w.sample("node_cpu_seconds_total", c + "\"system\"", system);
  }

  w.family("model_inference_throughput", "gauge", "Samples processed per second.");
  const double throughput = sc == Scenario::kThroughput ? 6.0 : 12.0;
  w.sample("model_inference_throughput", "", throughput + 0.3 * std::sin(s / 45));

  w.family("model_parameter_drift_score", "gauge", "Drift of the model's inputs from its training data, 0 to 1.");
  w.sample("model_parameter_drift_score", "", sc == Scenario::kDrift ? 0.82 : 0.08);

  if (options_.extra_series > 0) {
    w.family("cog_sim_padding", "gauge", "Padding series for load tests.");
    for (int i = 0; i < options_.extra_series; ++i) {
      w.sample("cog_sim_padding", "index=\"" + std::to_string(i) + "\"", std::sin(s / 30 + i));
    }
  }
  return w.take();
}

}  // namespace cogwatch::cli
