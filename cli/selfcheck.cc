#include "cli/selfcheck.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "cli/alert_replay.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/time.h"
#include "model/value.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

}  // namespace

int run_selfcheck(const SelfcheckOptions& options, std::ostream& out) {
  constexpr Duration kInterval = 15 * kSecond;
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
  const auto append_start = Clock::now();
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
  const double append_secs = seconds_since(append_start);

  // An out-of-order sample must be rejected and leave the series intact.
  {
    auto app = head.appender();
    auto r = app->append(series[0], start, 123.0);
    if (r || r.error().code != ErrorCode::kOutOfOrder) {
      fmt::print(out, "FAIL: an out-of-order sample was accepted\n");
      return 1;
    }
  }

  const auto read_start = Clock::now();
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
  const double read_secs = seconds_since(read_start);

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
