#include "cli/cog_sim.h"

#include <array>
#include <cmath>
#include <map>

#include "model/histogram.h"
#include "model/value.h"
#include "scrape/proto/metrics.pb.h"
#include "scrape/scrape_protocol.h"

namespace cogwatch::cli {
namespace {

namespace dto = io::prometheus::client;

constexpr std::array<std::pair<std::string_view, Scenario>, 5> kScenarios = {{
    {"normal", Scenario::kNormal},
    {"errors", Scenario::kErrors},
    {"cpu", Scenario::kCpu},
    {"drift", Scenario::kDrift},
    {"throughput", Scenario::kThroughput},
}};

// The share of predictions faster than each latency bucket bound.
struct LatencyBucket {
  const char* le;  // as the text format writes it
  double bound;
  double share;
};
constexpr std::array<LatencyBucket, 8> kLatencyBuckets = {{
    {"0.01", 0.01, 0.01},
    {"0.05", 0.05, 0.06},
    {"0.1", 0.1, 0.18},
    {"0.5", 0.5, 0.62},
    {"1", 1, 0.86},
    {"2", 2, 0.96},
    {"5", 5, 0.995},
    {"10", 10, 1.0},
}};
constexpr double kMeanLatency = 0.45;     // seconds, consistent with the buckets
constexpr double kFastestLatency = 0.001;  // where the distribution starts

// The native buckets: client_golang's schema for NativeHistogramBucketFactor
// 1.1 and its default zero threshold (DefNativeHistogramZeroThreshold).
constexpr int32_t kNativeSchema = 3;
constexpr double kNativeZeroThreshold = 2.938735877055719e-39;  // 2^-128
// Latencies repeat in a cycle of this many predictions.
constexpr uint64_t kLatencyCycle = 10000;

// The latency at quantile u of the buckets' distribution: log-linear
// between the bucket bounds, from kFastestLatency.
double latency_at(double u) {
  double lower = kFastestLatency, below = 0;
  for (const LatencyBucket& b : kLatencyBuckets) {
    if (u <= b.share) return lower * std::pow(b.bound / lower, (u - below) / (b.share - below));
    lower = b.bound;
    below = b.share;
  }
  return lower;
}

// The schema-3 bucket of each prediction of the cycle, and how many of the
// cycle fall in each bucket. Prediction k takes the quantile
// frac((k + 0.5) * golden ratio), so any run of predictions spreads over
// the distribution.
struct LatencyCycle {
  std::array<int32_t, kLatencyCycle> bucket{};
  std::map<int32_t, uint64_t> per_cycle;
};
const LatencyCycle& latency_cycle() {
  static const LatencyCycle cycle = [] {
    LatencyCycle c;
    constexpr double kGolden = 0.6180339887498949;
    for (uint64_t k = 0; k < kLatencyCycle; ++k) {
      const double u = std::fmod((static_cast<double>(k) + 0.5) * kGolden, 1.0);
      // Bucket i of schema 3 is (2^((i-1)/8), 2^(i/8)].
      const auto i = static_cast<int32_t>(std::ceil(std::log2(latency_at(u)) * (1 << kNativeSchema)));
      c.bucket[k] = i;
      ++c.per_cycle[i];
    }
    return c;
  }();
  return cycle;
}

// cog_predict_latency_seconds after `total` predictions.
struct LatencyHistogram {
  uint64_t count = 0;
  double sum = 0;
  std::array<uint64_t, kLatencyBuckets.size()> cumulative{};  // at each classic bound
  Histogram native;                                           // its native form
};

LatencyHistogram latency_histogram(double total) {
  LatencyHistogram h;
  h.count = static_cast<uint64_t>(total);
  h.sum = total * kMeanLatency;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    h.cumulative[i] = static_cast<uint64_t>(std::floor(total * kLatencyBuckets[i].share));
  }
  const LatencyCycle& cycle = latency_cycle();
  std::map<int32_t, uint64_t> counts;
  for (const auto& [index, n] : cycle.per_cycle) counts[index] = (h.count / kLatencyCycle) * n;
  for (uint64_t k = 0; k < h.count % kLatencyCycle; ++k) ++counts[cycle.bucket[k]];
  Histogram& n = h.native;
  n.schema = kNativeSchema;
  n.zero_threshold = kNativeZeroThreshold;
  n.count = h.count;
  n.sum = h.sum;
  int64_t previous = 0;
  int32_t next_index = 0;
  for (const auto& [index, count] : counts) {
    if (count == 0) continue;  // no prediction there yet: no bucket
    if (!n.positive_spans.empty() && index == next_index) {
      ++n.positive_spans.back().length;
    } else {
      n.positive_spans.push_back({n.positive_spans.empty() ? index : index - next_index, 1});
    }
    n.positive_buckets.push_back(static_cast<int64_t>(count) - previous);
    previous = static_cast<int64_t>(count);
    next_index = index + 1;
  }
  return h;
}

enum class FamilyType { kCounter, kGauge, kHistogram };
using LabelList = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// The text format 0.0.4.
class TextWriter {
 public:
  void family(const char* name, FamilyType type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type == FamilyType::kCounter ? "counter" : type == FamilyType::kGauge ? "gauge" : "histogram";
    out_ += '\n';
  }
  void sample(std::string_view name, LabelList labels, double v) {
    out_ += name;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [n, value] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += n;
        out_ += "=\"";
        out_ += value;
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    append_float(out_, v);
    out_ += '\n';
  }
  // The classic series only: buckets, +Inf, _sum, _count.
  void histogram(std::string_view name, std::pair<std::string_view, std::string_view> label,
                 const LatencyHistogram& h) {
    const std::string bucket = std::string(name) + "_bucket";
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      sample(bucket, {label, {"le", kLatencyBuckets[i].le}}, static_cast<double>(h.cumulative[i]));
    }
    sample(bucket, {label, {"le", "+Inf"}}, static_cast<double>(h.count));
    sample(std::string(name) + "_sum", {label}, h.sum);
    sample(std::string(name) + "_count", {label}, static_cast<double>(h.count));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// The protobuf format: MetricFamily messages, each after its length.
class ProtobufWriter {
 public:
  void family(const char* name, FamilyType type, const char* help) {
    flush();
    family_.set_name(name);
    family_.set_help(help);
    family_.set_type(type == FamilyType::kCounter ? dto::COUNTER
                     : type == FamilyType::kGauge ? dto::GAUGE
                                                  : dto::HISTOGRAM);
  }
  void sample(std::string_view, LabelList labels, double v) {
    dto::Metric* m = metric(labels);
    if (family_.type() == dto::COUNTER) {
      m->mutable_counter()->set_value(v);
    } else {
      m->mutable_gauge()->set_value(v);
    }
  }
  // Classic and native buckets in one message, as client_golang writes a
  // histogram that has both (the classic ones without +Inf).
  void histogram(std::string_view, std::pair<std::string_view, std::string_view> label, const LatencyHistogram& h) {
    dto::Histogram* p = metric({label})->mutable_histogram();
    p->set_sample_count(h.count);
    p->set_sample_sum(h.sum);
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      dto::Bucket* b = p->add_bucket();
      b->set_cumulative_count(h.cumulative[i]);
      b->set_upper_bound(kLatencyBuckets[i].bound);
    }
    const Histogram& n = h.native;
    p->set_schema(n.schema);
    p->set_zero_threshold(n.zero_threshold);
    p->set_zero_count(n.zero_count);
    for (const HistogramSpan& s : n.positive_spans) {
      dto::BucketSpan* span = p->add_positive_span();
      span->set_offset(s.offset);
      span->set_length(s.length);
    }
    for (int64_t d : n.positive_buckets) p->add_positive_delta(d);
    // Without observations, a no-op span marks it native.
    if (n.positive_spans.empty()) p->add_positive_span()->set_length(0);
  }
  std::string take() {
    flush();
    return std::move(out_);
  }

 private:
  dto::Metric* metric(LabelList labels) {
    dto::Metric* m = family_.add_metric();
    for (const auto& [n, value] : labels) {
      dto::LabelPair* l = m->add_label();
      l->set_name(std::string(n));
      l->set_value(std::string(value));
    }
    return m;
  }
  void flush() {
    if (family_.name().empty()) return;
    scrape::append_delimited(out_, family_);
    family_.Clear();
  }

  dto::MetricFamily family_;
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
  TextWriter w;
  write(t, w);
  return w.take();
}

std::string CogSimulator::protobuf_body(Timestamp t) const {
  ProtobufWriter w;
  write(t, w);
  return w.take();
}

template <typename Writer>
void CogSimulator::write(Timestamp t, Writer& w) const {
  const double s = static_cast<double>(t) / 1000;  // counters grow with wall time
  const Scenario sc = scenario_at(t);
  using enum FamilyType;

  w.family("cog_predict_requests_total", kCounter, "Predictions served, by input type.");
  w.sample("cog_predict_requests_total", {{"input_type", "image"}}, std::floor(2 * s));
  w.sample("cog_predict_requests_total", {{"input_type", "text"}}, std::floor(1 * s));

  w.family("cog_predict_errors_total", kCounter, "Predictions that failed, by error type.");
  const double errors = integral(t, error_rate);
  w.sample("cog_predict_errors_total", {{"error_type", "timeout"}}, std::floor(errors * 0.5));
  w.sample("cog_predict_errors_total", {{"error_type", "validation"}}, std::floor(errors * 0.3));
  w.sample("cog_predict_errors_total", {{"error_type", "internal"}}, std::floor(errors * 0.2));

  w.family("cog_predict_latency_seconds", kHistogram, "Prediction latency.");
  w.histogram("cog_predict_latency_seconds", {"model_version", "v1"},
              latency_histogram(std::floor(request_rate() * s)));

  w.family("cog_input_data_entropy", kGauge, "Shannon entropy of recent prediction inputs.");
  const double base_entropy = sc == Scenario::kDrift ? 1.9 : 1.2;
  w.sample("cog_input_data_entropy", {}, base_entropy + 0.1 * std::sin(s / 60));

  w.family("container_cpu_usage_seconds_total", kCounter, "CPU time used by the container.");
  w.sample("container_cpu_usage_seconds_total", {{"name", "cog-predictor"}, {"container_name", "predictor"}},
           integral(t, cores_used));

  w.family("container_memory_usage_bytes", kGauge, "Memory used by the container.");
  w.sample("container_memory_usage_bytes", {}, std::round(2.1e9 + 1.5e8 * std::sin(s / 300)));

  w.family("container_spec_memory_limit_bytes", kGauge, "Memory limit of the container.");
  w.sample("container_spec_memory_limit_bytes", {}, 4e9);

  w.family("container_network_transmit_bytes_total", kCounter, "Bytes sent by the container.");
  w.sample("container_network_transmit_bytes_total", {}, std::floor(480'000 * s));

  w.family("node_cpu_seconds_total", kCounter, "CPU time by CPU and mode.");
  // Each CPU's share of the container's cores (the shares assume 4 CPUs).
  const double idle = integral(t, idle_share), user = integral(t, user_share), system = integral(t, system_share);
  for (int cpu = 0; cpu < options_.cpus; ++cpu) {
    const std::string c = std::to_string(cpu);
    w.sample("node_cpu_seconds_total", {{"cpu", c}, {"mode", "idle"}}, idle);
    w.sample("node_cpu_seconds_total", {{"cpu", c}, {"mode", "user"}}, user);
    w.sample("node_cpu_seconds_total", {{"cpu", c}, {"mode", "system"}}, system);
  }

  w.family("model_inference_throughput", kGauge, "Samples processed per second.");
  const double throughput = sc == Scenario::kThroughput ? 6.0 : 12.0;
  w.sample("model_inference_throughput", {}, throughput + 0.3 * std::sin(s / 45));

  w.family("model_parameter_drift_score", kGauge, "Drift of the model's inputs from its training data, 0 to 1.");
  w.sample("model_parameter_drift_score", {}, sc == Scenario::kDrift ? 0.82 : 0.08);

  if (options_.extra_series > 0) {
    w.family("cog_sim_padding", kGauge, "Padding series for load tests.");
    for (int i = 0; i < options_.extra_series; ++i) {
      w.sample("cog_sim_padding", {{"index", std::to_string(i)}}, std::sin(s / 30 + i));
    }
  }
}

}  // namespace cogwatch::cli
