// Benchmarks of PromQL parsing (and, with eval/, evaluation).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "eval/engine.h"
#include "model/histogram.h"
#include "parser/parser.h"
#include "tsdb/head.h"

namespace cogwatch::bench {
namespace {

// The three Cog alert expressions and the latency recording rule.
const char* const kCogExpressions[] = {
    R"(avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name) > 0.8 * count(node_cpu_seconds_total{mode!="idle"}) by (instance))",
    R"(sum(rate(cog_predict_errors_total[5m])) / sum(rate(cog_predict_requests_total[5m])) > 0.01)",
    R"(cog_input_data_entropy > 1.5)",
    R"(histogram_quantile(0.95, sum by (le, job) (rate(cog_predict_latency_seconds_bucket[5m]))))",
};

void BM_ParsePromQL(benchmark::State& state) {
  const char* query = kCogExpressions[state.range(0)];
  for (auto _ : state) {
    auto e = parser::parse_expr(query);
    if (!e) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(e);
  }
  state.SetLabel(query);
}
BENCHMARK(BM_ParsePromQL)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

constexpr Timestamp kEnd = 1'700'000'000'000;
constexpr Duration kScrape = 15 * kSecond;

// 10k counters x (1h + 5m) at 15s: 100 jobs of 100 instances.
tsdb::Head& counters_head() {
  static std::unique_ptr<tsdb::Head> head = [] {
    auto h = std::make_unique<tsdb::Head>();
    std::vector<Labels> series;
    for (int j = 0; j < 100; ++j) {
      for (int i = 0; i < 100; ++i) {
        series.push_back(Labels{{"__name__", "x"}, {"job", "job" + std::to_string(j)}, {"instance", "i" + std::to_string(i)}});
      }
    }
    for (Timestamp t = kEnd - kHour - 5 * kMinute; t <= kEnd; t += kScrape) {
      auto app = h->appender();
      for (size_t s = 0; s < series.size(); ++s) {
        (void)app->append(series[s], t, static_cast<double>((t / kScrape) * static_cast<Timestamp>(s % 7 + 1)));
      }
      app->commit();
    }
    return h;
  }();
  return *head;
}

// 100 jobs x 9 latency buckets, 1h at 15s.
tsdb::Head& histogram_head() {
  static std::unique_ptr<tsdb::Head> head = [] {
    auto h = std::make_unique<tsdb::Head>();
    const char* bounds[] = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"};
    std::vector<Labels> series;
    for (int j = 0; j < 100; ++j) {
      for (const char* le : bounds) {
        series.push_back(Labels{{"__name__", "cog_predict_latency_seconds_bucket"}, {"job", "job" + std::to_string(j)}, {"le", le}});
      }
    }
    for (Timestamp t = kEnd - kHour; t <= kEnd; t += kScrape) {
      auto app = h->appender();
      for (size_t s = 0; s < series.size(); ++s) {
        (void)app->append(series[s], t, static_cast<double>((t / kScrape) * static_cast<Timestamp>(s % 9 + 1)));
      }
      app->commit();
    }
    return h;
  }();
  return *head;
}

// sum by (job) (rate(x[5m])) over 10k series, instant query.
void BM_EvalRateSum(benchmark::State& state) {
  eval::Engine engine(counters_head());
  auto expr = parser::parse_expr("sum by (job) (rate(x[5m]))");
  size_t out = 0;
  for (auto _ : state) {
    auto v = engine.instant(**expr, kEnd);
    if (!v) state.SkipWithError(v.error().message.c_str());
    out = std::get<eval::Vector>(*v).size();
  }
  // Each of the 10k series contributes the 20 samples of its 5m window.
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 10'000 * 20, benchmark::Counter::kIsRate);
  state.counters["result_series"] = static_cast<double>(out);
}
BENCHMARK(BM_EvalRateSum)->Unit(benchmark::kMillisecond);

// The same over 1h with a 15s step (241 steps).
void BM_EvalRangeQuery(benchmark::State& state) {
  eval::Engine engine(counters_head());
  auto expr = parser::parse_expr("sum by (job) (rate(x[5m]))");
  for (auto _ : state) {
    auto v = engine.range(**expr, kEnd - kHour, kEnd, kScrape);
    if (!v) state.SkipWithError(v.error().message.c_str());
    benchmark::DoNotOptimize(v);
  }
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 10'000 * 20 * 241, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EvalRangeQuery)->Unit(benchmark::kMillisecond);

// The same latencies as one native histogram per job: schema 3 (client_
// golang's default factor 1.1), 24 populated buckets from 0.05 s to 0.4 s,
// counts growing as the classic ones do.
tsdb::Head& native_histogram_head() {
  static std::unique_ptr<tsdb::Head> head = [] {
    auto h = std::make_unique<tsdb::Head>();
    std::vector<Labels> series;
    for (int j = 0; j < 100; ++j) {
      series.push_back(Labels{{"__name__", "cog_predict_latency_seconds"}, {"job", "job" + std::to_string(j)}});
    }
    constexpr int kBuckets = 24;
    for (Timestamp t = kEnd - kHour; t <= kEnd; t += kScrape) {
      auto app = h->appender();
      const auto n = static_cast<int64_t>(t / kScrape) % 1'000'000;
      for (size_t s = 0; s < series.size(); ++s) {
        Histogram hist;
        hist.schema = 3;
        hist.positive_spans = {{-35, kBuckets}};  // 2^(-35/8) ~ 0.048 s onwards
        int64_t prev = 0;
        uint64_t count = 0;
        for (int b = 0; b < kBuckets; ++b) {
          const int64_t c = n * static_cast<int64_t>((b + static_cast<int>(s)) % 9 + 1);
          hist.positive_buckets.push_back(c - prev);
          prev = c;
          count += static_cast<uint64_t>(c);
        }
        hist.count = count;
        hist.sum = 0.2 * static_cast<double>(count);
        (void)app->append_histogram(series[s], t, hist);
      }
      app->commit();
    }
    return h;
  }();
  return *head;
}

// histogram_quantile over 100 jobs, instant query: classic (9 bucket
// series per job) or native (one histogram series per job).
void BM_EvalHistogramQuantile(benchmark::State& state) {
  const bool native = state.range(0) == 1;
  eval::Engine engine(native ? native_histogram_head() : histogram_head());
  auto expr = parser::parse_expr(
      native ? "histogram_quantile(0.95, sum by (job) (rate(cog_predict_latency_seconds[5m])))"
             : "histogram_quantile(0.95, sum by (le, job) (rate(cog_predict_latency_seconds_bucket[5m])))");
  size_t out = 0;
  for (auto _ : state) {
    auto v = engine.instant(**expr, kEnd);
    if (!v) state.SkipWithError(v.error().message.c_str());
    out = std::get<eval::Vector>(*v).size();
  }
  state.counters["result_series"] = static_cast<double>(out);
}
BENCHMARK(BM_EvalHistogramQuantile)->ArgName("native")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cogwatch::bench
