// Prints the Cog workload of bench/cog_workload.h (the series and values
// BM_TsdbDiskBytesPerSample stores) as an OpenMetrics file with timestamps,
// the input of `promtool tsdb create-blocks-from openmetrics` and of
// `cogwatch tsdb import openmetrics`: bench/disk_bytes_vs_prometheus.sh
// feeds it to both to compare bytes per sample on disk.
//
//   cog_workload_openmetrics [--targets N] [--scrapes S] [--jitter 0|1] [--start-ms T] > cog.om
//
// Targets 0..N-1, scrapes 0..S-1, each at
//   T + s * 15 s + t * 29 ms (+ a jitter in [-3, 3] ms with --jitter 1)
// the formula of CogFleet::scrape in bench/tsdb_bench.cc, reproduced here
// (CogFleet lives only there, inside the benchmark binary): the same
// std::mt19937 seeded 5 draws one jitter per (scrape, target), scrape by
// scrape, target by target, as CogFleet does. Values come from
// CogTarget::next, one call per target per scrape in scrape order, so
// every series holds exactly the values the benchmark appends. Only T
// differs: the default is 2 h-aligned plus 3 ms (1700006400003), so that
// with the defaults (500 targets, 480 scrapes) every sample, jittered or
// not, falls in the one 2 h block [1700006400000, 1700013600000).
//
// OpenMetrics wants a metric family's samples together, so the file goes
// family by family (a # TYPE line each), target by target, series by
// series, each series' samples in time order; it ends with "# EOF".
// Timestamps are seconds with 3 decimals; values are shortest round-trip
// (std::to_chars), so they read back bit for bit.
//
// On stderr: the number of series and samples, and a warning if any
// timestamp would be read back as another millisecond by promtool 2.42
// (its OpenMetrics parser takes int64(seconds * 1000), truncating) or by
// cogwatch (llround(seconds * 1000)).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/cog_workload.h"

namespace {

using namespace cogwatch;
using namespace cogwatch::bench;

// The families of cog_target_series(t), by index into it.
struct Family {
  const char* type_line;
  std::vector<int> series;
};
const std::vector<Family>& families() {
  static const std::vector<Family> f = {
      {"# TYPE cog_predict_requests counter", {0}},
      {"# TYPE cog_predict_errors counter", {1, 2, 3}},
      {"# TYPE cog_predict_latency_seconds histogram", {4, 5, 6, 7, 8, 9, 10, 11, 12, 13}},
      {"# TYPE cog_input_data_entropy gauge", {14}},
      {"# TYPE container_cpu_usage_seconds counter", {15}},
      {"# TYPE container_memory_usage_bytes gauge", {16}},
      {"# TYPE process_open_fds gauge", {17}},
      {"# TYPE up gauge", {18}},
      {"# TYPE cog_model info", {19}},
  };
  return f;
}

// The expected metric names, in cog_target_series order, to catch a change
// of cog_workload.h that the family table above would silently mislabel.
constexpr const char* kNames[kSeriesPerTarget] = {
    "cog_predict_requests_total",         "cog_predict_errors_total",           "cog_predict_errors_total",
    "cog_predict_errors_total",           "cog_predict_latency_seconds_bucket", "cog_predict_latency_seconds_bucket",
    "cog_predict_latency_seconds_bucket", "cog_predict_latency_seconds_bucket", "cog_predict_latency_seconds_bucket",
    "cog_predict_latency_seconds_bucket", "cog_predict_latency_seconds_bucket", "cog_predict_latency_seconds_bucket",
    "cog_predict_latency_seconds_sum",    "cog_predict_latency_seconds_count",  "cog_input_data_entropy",
    "container_cpu_usage_seconds_total",  "container_memory_usage_bytes",       "process_open_fds",
    "up",                                 "cog_model_info"};

// name{a="x",...}: the series as OpenMetrics writes it, values escaped.
std::string series_text(const Labels& labels) {
  std::string out(labels.metric_name());
  out += '{';
  bool first = true;
  for (size_t i = 0; i < labels.size(); ++i) {
    const Label l = labels[i];
    if (l.name == kMetricNameLabel) continue;
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    for (char c : l.value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// The two parsers' readings of "S.mmm" (correctly rounded decimal to
// double, as Go's strconv.ParseFloat and strtod).
bool read_back_exactly(const char* text, Timestamp ms) {
  const double secs = std::strtod(text, nullptr);
  volatile double product = secs * 1000;  // one rounding, no contraction
  return static_cast<Timestamp>(product) == ms && std::llround(product) == ms;
}

int usage() {
  std::fprintf(stderr, "usage: cog_workload_openmetrics [--targets N] [--scrapes S] [--jitter 0|1] [--start-ms T]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int targets = 500, scrapes = 480;
  bool jitter = true;
  Timestamp start = 1'700'006'400'000 + 3;  // 2 h-aligned, +3 ms for the first scrape's -3 ms
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--targets") {
      targets = std::atoi(v);
    } else if (a == "--scrapes") {
      scrapes = std::atoi(v);
    } else if (a == "--jitter") {
      jitter = std::atoi(v) != 0;
    } else if (a == "--start-ms") {
      start = std::atoll(v);
    } else {
      return usage();
    }
  }
  if (targets <= 0 || scrapes <= 0 || start < 3) return usage();

  // Timestamps, drawn in CogFleet's order: scrape-major, target-minor.
  std::vector<Timestamp> ts(static_cast<size_t>(scrapes) * targets);  // [s * targets + t]
  {
    std::mt19937 rng{5};
    std::uniform_int_distribution<int> ms{-3, 3};
    for (int s = 0; s < scrapes; ++s) {
      for (int t = 0; t < targets; ++t) {
        ts[static_cast<size_t>(s) * targets + t] =
            start + s * kScrapeInterval + static_cast<Timestamp>(t) * 29 + (jitter ? ms(rng) : 0);
      }
    }
  }
  // Values: [(t * scrapes + s) * kSeriesPerTarget + i].
  std::vector<double> values(static_cast<size_t>(targets) * scrapes * kSeriesPerTarget);
  std::vector<std::vector<std::string>> series(targets);
  for (int t = 0; t < targets; ++t) {
    CogTarget target(t);
    for (int s = 0; s < scrapes; ++s) target.next(&values[(static_cast<size_t>(t) * scrapes + s) * kSeriesPerTarget]);
    const std::vector<Labels> labels = cog_target_series(t);
    for (int i = 0; i < kSeriesPerTarget; ++i) {
      if (labels[i].metric_name() != kNames[i]) {
        std::fprintf(stderr, "cog_workload.h changed: series %d of a target is %s, expected %s\n", i,
                     std::string(labels[i].metric_name()).c_str(), kNames[i]);
        return 1;
      }
      series[t].push_back(series_text(labels[i]));
    }
  }

  // Timestamp texts, checked once each.
  std::vector<std::string> ts_text(ts.size());
  uint64_t misread = 0;
  for (size_t k = 0; k < ts.size(); ++k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ts[k] / 1000),
                  static_cast<long long>(ts[k] % 1000));
    ts_text[k] = buf;
    if (!read_back_exactly(buf, ts[k])) ++misread;
  }

  std::string out;
  out.reserve(1 << 22);
  auto flush = [&] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };
  uint64_t samples = 0;
  for (const Family& f : families()) {
    out += f.type_line;
    out += '\n';
    for (int t = 0; t < targets; ++t) {
      for (int i : f.series) {
        const std::string& name = series[t][i];
        for (int s = 0; s < scrapes; ++s) {
          out += name;
          out += ' ';
          char buf[32];
          const double v = values[(static_cast<size_t>(t) * scrapes + s) * kSeriesPerTarget + i];
          auto r = std::to_chars(buf, buf + sizeof buf, v);
          out.append(buf, r.ptr);
          out += ' ';
          out += ts_text[static_cast<size_t>(s) * targets + t];
          out += '\n';
          ++samples;
        }
        if (out.size() > (1 << 21)) flush();
      }
    }
  }
  out += "# EOF\n";
  flush();
  if (std::fflush(stdout) != 0) {
    std::perror("cog_workload_openmetrics: stdout");
    return 1;
  }
  std::fprintf(stderr, "cog_workload_openmetrics: %d series, %llu samples, timestamps %lld..%lld ms\n",
               targets * kSeriesPerTarget, static_cast<unsigned long long>(samples),
               static_cast<long long>(*std::min_element(ts.begin(), ts.end())),
               static_cast<long long>(*std::max_element(ts.begin(), ts.end())));
  if (misread != 0) {
    std::fprintf(stderr,
                 "cog_workload_openmetrics: warning: %llu timestamps read back as another millisecond by promtool "
                 "(int64(s*1000)) or cogwatch (llround(s*1000))\n",
                 static_cast<unsigned long long>(misread));
  }
  return 0;
}
