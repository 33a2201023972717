// Benchmarks of the scrape path.
#include <benchmark/benchmark.h>

#include <boost/asio.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <chrono>
#include <optional>
#include <ranges>
#include <string>
#include <thread>

#include <xxhash.h>

#include "bench/cog_workload.h"
#include "cli/cog_sim.h"
#include "model/clock.h"
#include "model/value.h"
#include "net/http_server.h"
#include "scrape/exposition.h"
#include "scrape/http_fetch.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

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

// Parsing a body the way the scrape loop does: each series looked up by its
// text in the scrape cache (all hits here, as in a steady-state scrape), so
// series validated by an earlier scrape are not validated again; values,
// timestamps and the rest of each line are. Labels are only built on a
// miss. With arg 0, no lookup: every line validated in full (a first
// scrape, or parse_exposition).
void BM_ParseExposition(benchmark::State& state) {
  const bool use_cache = state.range(0) != 0;
  const std::string body = cog_body();
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
  };
  using Cache = boost::unordered_flat_map<std::string, uint64_t, StringHash, std::equal_to<>>;
  Cache cache;
  {
    scrape::ExpositionParser p(body, scrape::ExpositionFormat::kPrometheusText);
    uint64_t ref = 1;
    while (p.next()) cache.emplace(std::string(p.series()), ref++);
  }
  scrape::MapSeriesLookup<Cache> lookup(cache);
  uint64_t samples = 0;
  for (auto _ : state) {
    scrape::ExpositionParser p(body, scrape::ExpositionFormat::kPrometheusText);
    double sum = 0;
    uint64_t refs = 0;
    while (p.next(use_cache ? &lookup : nullptr)) {
      auto it = p.series_known() ? lookup.found() : cache.find(p.series());
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
BENCHMARK(BM_ParseExposition)->ArgName("scrape_cache")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// One scrape of a 10k-series cog-sim target over loopback into the store:
// HTTP fetch, parse, scrape cache, append, commit. cog-sim serves from its
// own thread, so the CPU time is the scraper's alone (real time includes
// the simulator rendering its body). Steady state: the cache is warm.
void BM_ScrapeEndToEnd(benchmark::State& state) {
  constexpr int kSeries = 10'000;
  const int base_series = [] {
    int n = 0;
    for (const auto& line : std::views::split(cli::CogSimulator({}).body(0), '\n')) {
      if (!line.empty() && line.front() != '#') ++n;
    }
    return n;
  }();
  const cli::CogSimulator sim({.extra_series = kSeries - base_series});
  boost::asio::io_context server_io;
  auto server = net::HttpServer::start(server_io, {.port = 0}, [&](const net::HttpRequest&) {
    return net::HttpResponse{.content_type = "text/plain; version=0.0.4", .body = sim.body(system_clock().now())};
  });
  if (!server.ok()) return state.SkipWithError(server.error().message.c_str());
  std::thread server_thread([&] { server_io.run(); });

  scrape::ScrapeConfig config;
  config.job_name = "cog";
  config.scrape_interval = 15 * kSecond;
  config.scrape_timeout = 10 * kSecond;
  const Labels target{{"__address__", "127.0.0.1:" + std::to_string((*server)->port())},
                      {"instance", "127.0.0.1"}, {"job", "cog"}};
  tsdb::Head head;
  scrape::ScrapeLoop loop(head, {.target = target, .interval = config.scrape_interval});
  boost::asio::io_context io;
  scrape::ScrapeFetcher fetcher(io);
  Timestamp t = 1'700'000'000'000;
  uint64_t samples = 0;
  auto scrape_once = [&]() -> bool {
    std::optional<Result<scrape::ScrapeResponse>> got;
    fetcher.fetch(*scrape::make_scrape_request(config, target), [&](auto r) { got.emplace(std::move(r)); });
    io.restart();
    while (!got && io.run_one() > 0) {
    }
    if (!got || !got->ok()) return false;
    const auto report = loop.append(t, 1, std::string_view((*got)->body), scrape::ExpositionFormat::kPrometheusText);
    t += config.scrape_interval;
    samples += report.samples_scraped;
    return report.up;
  };
  if (!scrape_once()) state.SkipWithError("warm-up scrape failed");
  samples = 0;
  for (auto _ : state) {
    if (!scrape_once()) {
      state.SkipWithError("scrape failed");
      break;
    }
  }
  state.counters["series"] = static_cast<double>(loop.cached_series());
  state.counters["samples_per_second"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  boost::asio::post(server_io, [&] { (*server)->stop(); server_io.stop(); });
  server_thread.join();
}
BENCHMARK(BM_ScrapeEndToEnd)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cogwatch::bench
