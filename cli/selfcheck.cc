#include "cli/selfcheck.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "cli/alert_replay.h"
#include "model/clock.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/time.h"
#include "model/value.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

// The series one Cog predictor exposes (a subset of the real set).
std::vector<Labels> cog_series(int target) {
  const std::string instance = fmt::format("cog-{}:5000", target);
  const std::string job = "cog";
  std::vector<Labels> out;
  out.push_back({{"__name__", "cog_predict_requests_total"}, {"job", job}, {"instance", instance}});
  for (const char* type : {"timeout", "validation", "internal"}) {
    out.push_back({{"__name__", "cog_predict_errors_total"}, {"job", job}, {"instance", instance},
                   {"error_type", type}});
  }
  for (const char* le : {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"}) {
    out.push_back({{"__name__", "cog_predict_latency_seconds_bucket"}, {"job", job}, {"instance", instance},
                   {"le", le}});
  }
  out.push_back({{"__name__", "cog_input_data_entropy"}, {"job", job}, {"instance", instance}});
  out.push_back({{"__name__", "container_cpu_usage_seconds_total"}, {"job", job}, {"instance", instance},
                 {"name", fmt::format("cog-{}", target)}});
  return out;
}

constexpr Duration kInterval = 15 * kSecond;

// Measured with /usr/bin/time on runs of 1.4k to 2.8k series and 8M to 32M
// samples: 8 B of expected timestamp and ~3.3 B of chunk per sample, and
// ~1.4 KB per series (labels, index, the series' head chunk).
constexpr uint64_t kBytesPerSample = 12;
constexpr uint64_t kBytesPerSeries = 2048;
constexpr uint64_t kBaseBytes = 16 << 20;

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) v /= 1024, ++u;
  return fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace

uint64_t selfcheck_memory_estimate(const SelfcheckOptions& options) {
  const uint64_t series = static_cast<uint64_t>(options.targets) * cog_series(0).size();
  const uint64_t steps = static_cast<uint64_t>(options.hours) * kHour / kInterval;
  return kBaseBytes + series * kBytesPerSeries + series * steps * kBytesPerSample;
}

std::optional<uint64_t> available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  uint64_t kib = 0;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

Status check_selfcheck_fits(const SelfcheckOptions& options, std::optional<uint64_t> available) {
  const uint64_t need = selfcheck_memory_estimate(options);
  if (!available || need <= *available) return {};
  const uint64_t series = static_cast<uint64_t>(options.targets) * cog_series(0).size();
  return make_error(ErrorCode::kResourceExhausted,
                    fmt::format("--targets {} --hours {} needs about {} of memory ({} series, {} samples at ~{} B "
                                "each), more than the {} available (MemAvailable in /proc/meminfo); use fewer "
                                "--targets or --hours",
                                options.targets, options.hours, human_bytes(need), series,
                                series * (static_cast<uint64_t>(options.hours) * kHour / kInterval), kBytesPerSample,
                                human_bytes(*available)));
}

int run_selfcheck(const SelfcheckOptions& options, std::ostream& out) {
  const Timestamp start = 1'700'000'000'000;
  const int steps = static_cast<int>(options.hours * kHour / kInterval);

  tsdb::Head head(options.storage);
  std::vector<Labels> series;
  for (int t = 0; t < options.targets; ++t) {
    for (Labels& l : cog_series(t)) series.push_back(std::move(l));
  }

  // Values are a pure function of (series, step), so they can be checked
  // when read back: counters grow, the entropy gauge wanders.
  auto value_at = [](size_t s, int step) {
    if (s % 15 == 13) return 1.2 + 0.4 * std::sin(step / 40.0 + static_cast<double>(s));
    return std::floor(static_cast<double>(step) * static_cast<double>(1 + s % 7) * 1.5);
  };

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> jitter(-3, 3);  // scrape timing noise, ms
  std::vector<std::vector<Timestamp>> times(series.size());
  for (std::vector<Timestamp>& t : times) t.reserve(static_cast<size_t>(steps));  // as estimated: no growth slack
  const Stopwatch append_watch;
  uint64_t appended = 0;
  for (int step = 0; step < steps; ++step) {
    auto app = head.appender();
    for (size_t s = 0; s < series.size(); ++s) {
      const Timestamp t = start + step * kInterval + jitter(rng);
      times[s].push_back(t);
      if (auto r = app->append(series[s], t, value_at(s, step)); !r) {
        fmt::print(out, "FAIL append: {}\n", r.error().message);
        return 1;
      }
    }
    appended += app->commit().appended;
  }
  const double append_secs = append_watch.elapsed_seconds();

  // An out-of-order sample must be rejected and leave the series intact.
  {
    auto app = head.appender();
    auto r = app->append(series[0], start, 123.0);
    if (r || r.error().code != ErrorCode::kOutOfOrder) {
      fmt::print(out, "FAIL: an out-of-order sample was accepted\n");
      return 1;
    }
  }

  const Stopwatch read_watch;
  auto name = LabelMatcher::make(MatchType::kRegexMatch, "__name__", ".+");
  auto job = LabelMatcher::make(MatchType::kEqual, "job", "cog");
  std::vector<tsdb::SeriesData> selected = head.select({*name, *job}, kMinTimestamp, kMaxTimestamp);
  if (selected.size() != series.size()) {
    fmt::print(out, "FAIL: selected {} series, expected {}\n", selected.size(), series.size());
    return 1;
  }
  uint64_t checked = 0;
  for (size_t s = 0; s < series.size(); ++s) {
    // select() sorts by labels; find this series' data.
    const tsdb::SeriesData* d = nullptr;
    for (const auto& candidate : selected) {
      if (candidate.labels == series[s]) d = &candidate;
    }
    if (d == nullptr) {
      fmt::print(out, "FAIL: series {} not selected\n", series[s].to_string());
      return 1;
    }
    tsdb::SeriesIterator it = d->iterator();
    for (int step = 0; step < steps; ++step) {
      const double want = value_at(s, step);
      if (!it.next() || it.t() != times[s][static_cast<size_t>(step)] ||
          std::bit_cast<uint64_t>(it.v()) != std::bit_cast<uint64_t>(want)) {
        fmt::print(out, "FAIL: {} sample {}: want ({}, {})\n", series[s].to_string(), step,
                   times[s][static_cast<size_t>(step)], format_float(want));
        return 1;
      }
      ++checked;
    }
    if (it.next() || !it.err()) {
      fmt::print(out, "FAIL: {}: extra sample or error after the last one\n", series[s].to_string());
      return 1;
    }
  }
  const double read_secs = read_watch.elapsed_seconds();

  const tsdb::MemoryStats mem = head.memory();
  const tsdb::HeadStats stats = head.stats();
  fmt::print(out, "cogwatch selfcheck: {} targets, {} series, {}h at 15s\n", options.targets, series.size(),
             options.hours);
  fmt::print(out, "  appended  {} samples in {:.3f}s ({:.1f}M samples/s)\n", appended, append_secs,
             static_cast<double>(appended) / append_secs / 1e6);
  fmt::print(out, "  read back {} samples in {:.3f}s, all equal\n", checked, read_secs);
  fmt::print(out, "  rejected  {} out-of-order sample(s), as expected\n", stats.out_of_order_samples);
  fmt::print(out, "  memory    chunks {} B ({:.2f} B/sample), labels {} B, index {} B, series {} B\n",
             mem.chunk_bytes, static_cast<double>(mem.chunk_bytes) / static_cast<double>(appended),
             mem.label_bytes, mem.index_bytes, mem.series_bytes);
  const tsdb::RetentionResult kept = head.apply_retention();
  if (kept.chunks_dropped == 0) {
    fmt::print(out, "  retention time {} / size {}: nothing to drop\n", format_duration(options.storage.retention_time),
               options.storage.retention_bytes);
  } else {
    fmt::print(out, "  retention dropped {} chunks ({} B), removed {} series; {} series left\n", kept.chunks_dropped,
               kept.bytes_freed, kept.series_removed, head.stats().series);
  }
  // Then the alerting half: the built-in Cog rules against the simulator.
  if (run_alert_replay(out) != 0) return 1;
  fmt::print(out, "OK\n");
  return 0;
}

}  // namespace cogwatch::cli
