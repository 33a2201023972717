// Benchmarks of the scrape path.
#include <benchmark/benchmark.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <string>

#include <xxhash.h>

#include "bench/cog_workload.h"
#include "model/value.h"
#include "scrape/exposition.h"

namespace cogwatch::bench {
namespace {

// A /metrics body of 10k Cog series (500 predictors), as text format 0.0.4.
std::string cog_body() {
  std::string body;
  for (int t = 0; t < 500; ++t) {
    CogTarget target(t);
    double values[kSeriesPerTarget];
    target.next(values);
    const std::vector<Labels> series = cog_target_series(t);
    for (size_t i = 0; i < series.size(); ++i) {
      const Labels& l = series[i];
      body += l.metric_name();
      body += '{';
      bool first = true;
      for (const Label x : l) {
        if (x.name == kMetricNameLabel) continue;
        if (!first) body += ',';
        first = false;
        body += x.name;
        body += "=\"";
        body += x.value;
        body += '"';
      }
      body += "} ";
      append_float(body, values[i]);
      body += '\n';
    }
  }
  return body;
}

// Parsing a body the way the scrape loop will: every line validated, each
// series looked up by its text in the scrape cache (all hits here, as in a
// steady-state scrape); labels are only built on a miss.
void BM_ParseExposition(benchmark::State& state) {
  const std::string body = cog_body();
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
  };
  boost::unordered_flat_map<std::string, uint64_t, StringHash, std::equal_to<>> cache;
  {
    scrape::ExpositionParser p(body, scrape::ExpositionFormat::kPrometheusText);
    uint64_t ref = 1;
    while (p.next()) cache.emplace(std::string(p.series()), ref++);
  }
  uint64_t samples = 0;
  for (auto _ : state) {
    scrape::ExpositionParser p(body, scrape::ExpositionFormat::kPrometheusText);
    double sum = 0;
    uint64_t refs = 0;
    while (p.next()) {
      auto it = cache.find(p.series());
      refs += it != cache.end() ? it->second : 0;
      sum += p.value();
      ++samples;
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(refs);
  }
  state.counters["bytes_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * body.size()), benchmark::Counter::kIsRate);
  state.counters["samples_per_second"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["body_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_ParseExposition)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cogwatch::bench
