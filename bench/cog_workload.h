// Synthetic but realistic Cog monitoring data for the benchmarks: what a
// fleet of Cog predictors exposes, scraped every 15s.
//
// Each target exposes 20 series:
//   cog_predict_requests_total               counter, +Poisson(rate) a scrape
//   cog_predict_errors_total{error_type} x3  counters that rarely move
//   cog_predict_latency_seconds_bucket x8    cumulative histogram buckets
//   cog_predict_latency_seconds_sum/_count   float sum, integer count
//   cog_input_data_entropy                   float gauge, new value when
//                                            there were predictions
//   container_cpu_usage_seconds_total        float counter (ns precision)
//   container_memory_usage_bytes             gauge, moves in 4 KiB pages
//   process_open_fds                         small integer gauge
//   up                                       1
//   cog_model_info                           1 (labels carry the version)
// Request rates differ per target (0.05 to 5 predictions per second); a
// third of the fleet is idle most of the time, as edge predictors are.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::bench {

inline constexpr int kSeriesPerTarget = 20;
inline constexpr Duration kScrapeInterval = 15 * kSecond;

// Whether a series of the workload carries full-precision floats (a sum of
// latencies, an entropy, ns-resolution CPU seconds) rather than integers.
inline bool is_float_series(const Labels& l) {
  const std::string_view name = l.metric_name();
  return name == "cog_predict_latency_seconds_sum" || name == "cog_input_data_entropy" ||
         name == "container_cpu_usage_seconds_total";
}

// The label sets of target `t`: 6 labels each (__name__, job, instance,
// model, version, and one more: error_type, le, or zone).
inline std::vector<Labels> cog_target_series(int t) {
  const std::string instance = "10.0." + std::to_string(t / 250) + "." + std::to_string(t % 250) + ":5000";
  const std::string job = t % 10 == 0 ? "cog-gpu" : "cog";
  const std::string model = "model-" + std::to_string(t % 37);
  const std::string version = "v" + std::to_string(t % 5);
  auto make = [&](const char* name, const char* extra_name, const std::string& extra_value) {
    return Labels{{"__name__", name}, {"job", job},       {"instance", instance},
                  {"model", model},  {"version", version}, {extra_name, extra_value}};
  };
  const std::string zone = "zone-" + std::to_string(t % 3);
  std::vector<Labels> out;
  out.push_back(make("cog_predict_requests_total", "zone", zone));
  for (const char* type : {"timeout", "validation", "internal"}) out.push_back(make("cog_predict_errors_total", "error_type", type));
  for (const char* le : {"0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    out.push_back(make("cog_predict_latency_seconds_bucket", "le", le));
  }
  out.push_back(make("cog_predict_latency_seconds_sum", "zone", zone));
  out.push_back(make("cog_predict_latency_seconds_count", "zone", zone));
  out.push_back(make("cog_input_data_entropy", "zone", zone));
  out.push_back(make("container_cpu_usage_seconds_total", "zone", zone));
  out.push_back(make("container_memory_usage_bytes", "zone", zone));
  out.push_back(make("process_open_fds", "zone", zone));
  out.push_back(make("up", "zone", zone));
  out.push_back(make("cog_model_info", "zone", zone));
  return out;
}

// The state of one simulated target; next() advances it by one scrape and
// writes the 20 values in cog_target_series order.
class CogTarget {
 public:
  explicit CogTarget(int t) : rng_(static_cast<uint64_t>(t) * 7919 + 1) {
    std::uniform_real_distribution<double> rate(0.05, 5.0);
    rate_ = rate(rng_);
    if (t % 3 == 0) rate_ = 0.01;  // mostly idle
    memory_ = 1.5e9 + static_cast<double>(t % 100) * 1e7;
    fds_ = 40 + t % 20;
    entropy_ = 1.0;
  }

  void next(double* values) {
    std::poisson_distribution<int> arrivals(rate_ * 15);
    const int n = arrivals(rng_);
    std::lognormal_distribution<double> latency(-0.5, 0.8);
    std::uniform_real_distribution<double> unit(0, 1);
    static constexpr double kBounds[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    double busy_seconds = 0;
    for (int i = 0; i < n; ++i) {
      const double l = latency(rng_);
      busy_seconds += l;
      sum_ += l;
      for (int b = 0; b < 7; ++b) {
        if (l <= kBounds[b]) ++buckets_[b];
      }
      if (unit(rng_) < 0.002) ++errors_[0];
      if (unit(rng_) < 0.001) ++errors_[1];
      if (unit(rng_) < 0.0005) ++errors_[2];
    }
    requests_ += n;
    if (n > 0) entropy_ = 1.2 + 0.3 * unit(rng_);  // recomputed from inputs
    // cAdvisor-style CPU seconds: ns resolution, idle baseline plus work.
    cpu_ += std::round((0.002 * 15 + busy_seconds * 0.9) * 1e9) / 1e9;
    if (unit(rng_) < 0.5) memory_ += 4096.0 * std::floor((unit(rng_) - 0.5) * 64);
    if (unit(rng_) < 0.05) fds_ += unit(rng_) < 0.5 ? -1 : 1;

    int i = 0;
    values[i++] = requests_;
    for (double e : errors_) values[i++] = e;
    for (double b : buckets_) values[i++] = b;
    values[i++] = requests_;  // +Inf bucket
    values[i++] = sum_;
    values[i++] = requests_;
    values[i++] = entropy_;
    values[i++] = cpu_;
    values[i++] = memory_;
    values[i++] = fds_;
    values[i++] = 1;  // up
    values[i++] = 1;  // info
  }

 private:
  std::mt19937_64 rng_;
  double rate_;
  double requests_ = 0;
  double errors_[3] = {0, 0, 0};
  double buckets_[7] = {0, 0, 0, 0, 0, 0, 0};
  double sum_ = 0;
  double entropy_;
  double cpu_ = 0;
  double memory_;
  double fds_;
};

}  // namespace cogwatch::bench
