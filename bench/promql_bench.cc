// Benchmarks of PromQL parsing (and, with eval/, evaluation).
#include <benchmark/benchmark.h>

#include "parser/parser.h"

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

}  // namespace
}  // namespace cogwatch::bench
