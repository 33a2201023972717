// cogwatch's own metrics in the Prometheus text format (0.0.4), for
// /metrics: a writer that the daemon's collectors fill at each scrape from
// the components' counters, a lock-free histogram for durations, and the
// process metrics every Prometheus client exports (process_*).
//
//   MetricsWriter w;
//   w.family("cogwatch_tsdb_head_series", "gauge", "Series in the head.");
//   w.sample("cogwatch_tsdb_head_series", {}, stats.series);
//   w.family("cogwatch_rule_group_last_duration_seconds", "gauge", "...");
//   w.sample("cogwatch_rule_group_last_duration_seconds", {{"rule_group", "rules.yml;cog"}}, 0.003);
//   write_process_metrics(w, start_time);
//   return w.text();
//
// Names and label values are written as given; label values are escaped
// as the format asks (\\, \", \n). A family's samples follow its header.
//
// Thread-safety: a MetricsWriter is one thread's; Histogram::observe and
// snapshot may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/time.h"

namespace cogwatch::server {

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class MetricsWriter {
 public:
  // "# HELP name help" and "# TYPE name type" (counter, gauge, histogram, untyped).
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, MetricLabels labels, double value);
  // The same with labels built at run time.
  void sample(std::string_view name, const std::vector<std::pair<std::string, std::string>>& labels, double value);
  const std::string& text() const { return out_; }

 private:
  void begin_sample(std::string_view name);
  void add_label(bool& first, std::string_view name, std::string_view value);
  void end_sample(bool had_labels, double value);
  std::string out_;
};

// Cumulative counts per upper bound, as the format's _bucket series.
struct HistogramSnapshot {
  std::vector<double> bounds;     // upper bounds, ascending, +Inf excluded
  std::vector<uint64_t> buckets;  // cumulative count per bound, then +Inf (= count)
  double sum = 0;
  uint64_t count = 0;
};

// Observations of a duration or size into fixed buckets.
class Histogram {
 public:
  // Prometheus's DefBuckets (seconds).
  static constexpr std::array<double, 11> kDefaultBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10};
  explicit Histogram(std::span<const double> bounds = kDefaultBounds);
  void observe(double v);
  HistogramSnapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket (not cumulative), +Inf last
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// A family with one sample per item of `items`, labelled `label` =
// key(item), valued value(item): the shape of most self metrics (one
// series per scrape pool, rule group, Alertmanager, receiver).
template <typename Items, typename Key, typename Value>
void write_family(MetricsWriter& w, std::string_view name, std::string_view type, std::string_view help,
                  std::string_view label, const Items& items, Key key, Value value) {
  w.family(name, type, help);
  for (const auto& item : items) {
    w.sample(name, {{label, std::string_view(key(item))}}, static_cast<double>(value(item)));
  }
}

// name_bucket{le=...}, name_sum, name_count, with `labels` on each; the
// family header must have been written.
void write_histogram(MetricsWriter& w, std::string_view name,
                     const std::vector<std::pair<std::string, std::string>>& labels, const HistogramSnapshot& h);

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds, from /proc/self as client_golang reads it.
void write_process_metrics(MetricsWriter& w, Timestamp start_time);

// The resident set size of this process in bytes (0 when unknown), and its peak.
uint64_t resident_memory_bytes();
uint64_t peak_resident_memory_bytes();

}  // namespace cogwatch::server
