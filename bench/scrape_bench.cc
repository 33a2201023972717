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
#include "scrape/proto/metrics.pb.h"
#include "scrape/protobuf_parser.h"
#include "scrape/scrape_protocol.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

namespace cogwatch::bench {
namespace {

// A scrape cache's hash: transparent, so string_view keys probe it.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
};


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

// The same 10k-series target in both formats a client library writes: 500
// Cog predictors' families (cog_workload.h's values), each series once.
// Per predictor: requests (counter), errors by type (3 counters), latency
// (a classic histogram: 7 buckets, +Inf, _sum, _count), entropy, CPU,
// memory, open fds, up and model info; labels job, instance, model,
// version and a zone or error_type. The text body is what client_golang
// writes for these families (HELP, TYPE, one line a series); the protobuf
// body the MetricFamily messages themselves, one Histogram message per
// latency histogram.
namespace dto = io::prometheus::client;

struct TwoFormatBodies {
  std::vector<std::string> text, protobuf;  // successive scrapes
};

TwoFormatBodies two_format_bodies(int scrapes) {
  constexpr int kTargets = 500;
  static constexpr const char* kBounds[] = {"0.1", "0.25", "0.5", "1", "2.5", "5", "10"};
  std::vector<CogTarget> targets;
  for (int t = 0; t < kTargets; ++t) targets.emplace_back(t);
  TwoFormatBodies out;
  for (int scrape = 0; scrape < scrapes; ++scrape) {
    std::vector<std::array<double, kSeriesPerTarget>> values(kTargets);
    for (int t = 0; t < kTargets; ++t) targets[t].next(values[t].data());
    // Families in order; each metric by target: its labels and values.
    struct Family {
      const char* name;
      dto::MetricType type;
      std::vector<dto::Metric> metrics;
    };
    std::vector<Family> families = {
        {"cog_predict_requests_total", dto::COUNTER, {}},   {"cog_predict_errors_total", dto::COUNTER, {}},
        {"cog_predict_latency_seconds", dto::HISTOGRAM, {}}, {"cog_input_data_entropy", dto::GAUGE, {}},
        {"container_cpu_usage_seconds_total", dto::COUNTER, {}}, {"container_memory_usage_bytes", dto::GAUGE, {}},
        {"process_open_fds", dto::GAUGE, {}},               {"cog_up", dto::GAUGE, {}},
        {"cog_model_info", dto::GAUGE, {}}};
    for (int t = 0; t < kTargets; ++t) {
      const double* v = values[t].data();
      auto metric = [&](Family& f, const char* extra, const std::string& extra_value) -> dto::Metric& {
        dto::Metric& m = f.metrics.emplace_back();
        auto label = [&](const char* n, const std::string& value) {
          dto::LabelPair* l = m.add_label();
          l->set_name(n);
          l->set_value(value);
        };
        label("job", t % 10 == 0 ? "cog-gpu" : "cog");
        label("instance", "10.0." + std::to_string(t / 250) + "." + std::to_string(t % 250) + ":5000");
        label("model", "model-" + std::to_string(t % 37));
        label("version", "v" + std::to_string(t % 5));
        label(extra, extra_value);
        return m;
      };
      const std::string zone = "zone-" + std::to_string(t % 3);
      metric(families[0], "zone", zone).mutable_counter()->set_value(v[0]);
      const char* types[] = {"timeout", "validation", "internal"};
      for (int e = 0; e < 3; ++e) metric(families[1], "error_type", types[e]).mutable_counter()->set_value(v[1 + e]);
      dto::Histogram* h = metric(families[2], "zone", zone).mutable_histogram();
      for (int b = 0; b < 7; ++b) {
        dto::Bucket* bucket = h->add_bucket();
        bucket->set_cumulative_count(static_cast<uint64_t>(v[4 + b]));
        bucket->set_upper_bound(std::stod(kBounds[b]));
      }
      h->set_sample_sum(v[12]);
      h->set_sample_count(static_cast<uint64_t>(v[13]));
      metric(families[3], "zone", zone).mutable_gauge()->set_value(v[14]);
      metric(families[4], "zone", zone).mutable_counter()->set_value(v[15]);
      metric(families[5], "zone", zone).mutable_gauge()->set_value(v[16]);
      metric(families[6], "zone", zone).mutable_gauge()->set_value(v[17]);
      metric(families[7], "zone", zone).mutable_gauge()->set_value(v[18]);
      metric(families[8], "zone", zone).mutable_gauge()->set_value(v[19]);
    }
    std::string text, protobuf;
    for (Family& f : families) {
      dto::MetricFamily mf;
      mf.set_name(f.name);
      mf.set_help("Cog workload family.");
      mf.set_type(f.type);
      text += std::string("# HELP ") + f.name + " Cog workload family.\n# TYPE " + f.name + " " +
              (f.type == dto::COUNTER ? "counter" : f.type == dto::GAUGE ? "gauge" : "histogram") + "\n";
      for (dto::Metric& m : f.metrics) {
        auto line = [&](std::string_view suffix, const char* le, double value) {
          text += f.name;
          text += suffix;
          text += '{';
          for (const dto::LabelPair& l : m.label()) text += l.name() + "=\"" + l.value() + "\",";
          if (le != nullptr) text += std::string("le=\"") + le + "\",";
          text.back() = '}';
          text += ' ';
          append_float(text, value);
          text += '\n';
        };
        if (m.has_histogram()) {
          for (int b = 0; b < 7; ++b) {
            line("_bucket", kBounds[b], static_cast<double>(m.histogram().bucket(b).cumulative_count()));
          }
          line("_bucket", "+Inf", static_cast<double>(m.histogram().sample_count()));
          line("_sum", nullptr, m.histogram().sample_sum());
          line("_count", nullptr, static_cast<double>(m.histogram().sample_count()));
        } else {
          line("", nullptr, m.has_counter() ? m.counter().value() : m.gauge().value());
        }
        *mf.add_metric() = std::move(m);
      }
      scrape::append_delimited(protobuf, mf);
    }
    out.text.push_back(std::move(text));
    out.protobuf.push_back(std::move(protobuf));
  }
  return out;
}

constexpr int kScrapesPrepared = 16;

// The parse and append of one scrape of that target, in either format
// (arg protobuf:0 text, 1 protobuf), steady state: the scrape cache is
// warm and each scrape brings new values (16 successive scrapes, cycled).
// CPU time per scrape is the figure for issue 16: protobuf vs text on the
// same 10k series.
void BM_ScrapeAppendFormats(benchmark::State& state) {
  const bool protobuf = state.range(0) != 0;
  const TwoFormatBodies bodies = two_format_bodies(kScrapesPrepared);
  const std::vector<std::string>& body = protobuf ? bodies.protobuf : bodies.text;
  const auto format = protobuf ? scrape::ExpositionFormat::kProtobuf : scrape::ExpositionFormat::kPrometheusText;
  tsdb::Head head;
  scrape::ScrapeLoop loop(head, {.target = Labels{{"__address__", "cog:5000"}, {"instance", "cog:5000"}, {"job", "fleet"}},
                                 .interval = kScrapeInterval});
  Timestamp t = 1'700'000'000'000;
  const auto warm = loop.append(t, 1, std::string_view(body[0]), format);
  if (!warm.up || warm.samples_scraped != 10'000) return state.SkipWithError(("warm-up: " + warm.error).c_str());
  size_t i = 1;
  uint64_t samples = 0;
  for (auto _ : state) {
    t += kScrapeInterval;
    const auto r = loop.append(t, 1, std::string_view(body[i++ % body.size()]), format);
    if (!r.up || r.rejected != 0) {
      state.SkipWithError(("scrape failed: " + r.error).c_str());
      break;
    }
    samples += r.samples_scraped;
  }
  state.counters["body_bytes"] = static_cast<double>(body[0].size());
  state.counters["series"] = static_cast<double>(loop.cached_series());
  state.counters["samples_per_second"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScrapeAppendFormats)
    ->ArgName("protobuf")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(7)
    ->ReportAggregatesOnly(true);

// The parsing alone, as the scrape loop drives it (every series found in a
// warm cache; labels never built), for the same bodies.
void BM_ParseFormats(benchmark::State& state) {
  const bool protobuf = state.range(0) != 0;
  const TwoFormatBodies bodies = two_format_bodies(1);
  const std::string& body = protobuf ? bodies.protobuf[0] : bodies.text[0];
  using Cache = boost::unordered_flat_map<std::string, uint64_t, StringHash, std::equal_to<>>;
  Cache cache;
  scrape::MapSeriesLookup<Cache> lookup(cache);
  auto parse = [&](auto& p) {
    double sum = 0;
    uint64_t n = 0;
    while (p.next(&lookup)) {
      auto it = p.series_known() ? lookup.found() : cache.emplace(std::string(p.series()), cache.size() + 1).first;
      sum += p.value() + static_cast<double>(it->second);
      ++n;
    }
    benchmark::DoNotOptimize(sum);
    return n;
  };
  auto parse_once = [&] {
    if (protobuf) {
      scrape::ProtobufParser p(body);
      return parse(p);
    }
    scrape::ExpositionParser p(body, scrape::ExpositionFormat::kPrometheusText);
    return parse(p);
  };
  if (parse_once() != 10'000) return state.SkipWithError("the body does not have 10k samples");  // fills the cache
  uint64_t samples = 0;
  for (auto _ : state) samples += parse_once();
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.counters["samples_per_second"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseFormats)
    ->ArgName("protobuf")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(7)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace cogwatch::bench
