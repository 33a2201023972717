// Benchmarks of the in-memory store. Names and counters are stable so that
// results can be compared over time (see README, "Performance").
#include <malloc.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/cog_workload.h"
#include "cli/cog_sim.h"
#include "model/histogram.h"
#include "model/matcher.h"
#include "model/value.h"
#include "scrape/protobuf_parser.h"
#include "tsdb/block.h"
#include "tsdb/chunk.h"
#include "tsdb/db.h"
#include "tsdb/head.h"
#include "tsdb/internal/column_codec.h"

namespace cogwatch::bench {
namespace {

using tsdb::Head;

constexpr Timestamp kStart = 1'700'000'000'000;

std::vector<Labels> fleet_labels(int series) {
  std::vector<Labels> out;
  for (int t = 0; out.size() < static_cast<size_t>(series); ++t) {
    for (Labels& l : cog_target_series(t)) {
      if (out.size() < static_cast<size_t>(series)) out.push_back(std::move(l));
    }
  }
  return out;
}

// Appends to 10k existing series, one scrape-sized batch per iteration,
// looking each series up by its labels (the path of a scrape's new series
// and of recording rules).
// Creates the series in head with one sample at kStart; returns their refs.
std::vector<tsdb::SeriesRef> create_series(Head& head, const std::vector<Labels>& labels) {
  std::vector<tsdb::SeriesRef> refs;
  auto app = head.appender();
  for (const Labels& l : labels) refs.push_back(*app->append(l, kStart, 0));
  app->commit();
  return refs;
}

void BM_TsdbAppend(benchmark::State& state) {
  const std::vector<Labels> labels = fleet_labels(10'000);
  Head head;
  create_series(head, labels);
  Timestamp t = kStart;
  double v = 0;
  for (auto _ : state) {
    t += kScrapeInterval;
    v += 1;
    auto app = head.appender();
    for (const Labels& l : labels) (void)app->append(l, t, v);
    benchmark::DoNotOptimize(app->commit());
  }
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * labels.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TsdbAppend)->Unit(benchmark::kMillisecond);

// The same with cached series refs (the path of a scrape loop's known
// series, as Prometheus's scrape cache).
void BM_TsdbAppendByRef(benchmark::State& state) {
  Head head;
  const std::vector<tsdb::SeriesRef> refs = create_series(head, fleet_labels(10'000));
  Timestamp t = kStart;
  double v = 0;
  for (auto _ : state) {
    t += kScrapeInterval;
    v += 1;
    auto app = head.appender();
    for (tsdb::SeriesRef r : refs) (void)app->append(r, t, v);
    benchmark::DoNotOptimize(app->commit());
  }
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * refs.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TsdbAppendByRef)->Unit(benchmark::kMillisecond);

// The same as a daemon sees it: between two scrapes a second passes, the
// parser, the HTTP buffers and other processes run, and the store's series,
// locks and chunk tails are no longer in cache. Each batch starts after a
// 64 MiB sweep (not timed) and appends gauge values that do not compress
// (as cog-sim's padding series), so the time is the cold-cache cost per
// sample that `cogwatch run` pays (bench/footprint_vs_prometheus.sh).
// Arg wal:1 does it on a tsdb::Db, each commit written to its write-ahead
// log (page cache; the sync every few seconds is not on this path).
void BM_TsdbAppendByRefColdCache(benchmark::State& state) {
  std::unique_ptr<tsdb::Db> db;
  std::unique_ptr<Head> memory;
  std::string dir;
  if (state.range(0) != 0) {
    char tmpl[] = "/tmp/cogwatch-bench-wal-XXXXXX";
    dir = ::mkdtemp(tmpl);
    auto opened = tsdb::Db::open(dir, {});
    if (!opened) {
      state.SkipWithError(opened.error().message.c_str());
      return;
    }
    db = std::move(*opened);
  } else {
    memory = std::make_unique<Head>();
  }
  Head& head = db ? db->head() : *memory;
  const std::vector<tsdb::SeriesRef> refs = create_series(head, fleet_labels(10'000));
  std::vector<uint8_t> sweep(64 << 20);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> gauge(-1, 1);
  std::vector<double> values(refs.size());
  Timestamp t = kStart;
  for (auto _ : state) {
    state.PauseTiming();
    for (double& v : values) v = gauge(rng);
    for (size_t i = 0; i < sweep.size(); i += 64) sweep[i] += 1;
    benchmark::DoNotOptimize(sweep.data());
    t += kScrapeInterval;
    state.ResumeTiming();
    auto app = head.appender();
    for (size_t i = 0; i < refs.size(); ++i) (void)app->append(refs[i], t, values[i]);
    benchmark::DoNotOptimize(app->commit());
  }
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * refs.size()), benchmark::Counter::kIsRate);
  db.reset();
  if (!dir.empty()) std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TsdbAppendByRefColdCache)->ArgName("wal")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// `targets` simulated Cog predictors, scraped one interval at a time:
// each target at its own offset within the interval, its timestamps
// jittering by up to +-3 ms when asked, one batch per target and scrape
// (as a scrape loop commits). With cache_refs, series are appended by the
// ref their first append returned (a scrape loop's cache), by labels again
// when the store has forgotten it; without, always by labels.
class CogFleet {
 public:
  CogFleet(int targets, bool jitter, bool cache_refs = false) : jitter_(jitter), cache_refs_(cache_refs) {
    for (int t = 0; t < targets; ++t) {
      labels_.push_back(cog_target_series(t));
      fleet_.emplace_back(t);
    }
    refs_.assign(static_cast<size_t>(targets) * kSeriesPerTarget, 0);
  }

  // Appends scrape number s (at kStart + s intervals) of every target.
  void scrape(Head& head, int s) {
    double values[kSeriesPerTarget];
    for (size_t t = 0; t < fleet_.size(); ++t) {
      const Timestamp ts = kStart + s * kScrapeInterval + static_cast<Timestamp>(t) * 29 + (jitter_ ? ms_(rng_) : 0);
      fleet_[t].next(values);
      auto app = head.appender();
      for (size_t i = 0; i < kSeriesPerTarget; ++i) {
        const Labels& l = labels_[t][i];
        if (!cache_refs_) {
          (void)app->append(l, ts, values[i]);
          continue;
        }
        tsdb::SeriesRef& ref = refs_[t * kSeriesPerTarget + i];
        Result<tsdb::SeriesRef> r = ref != 0 ? app->append(ref, ts, values[i]) : app->append(l, ts, values[i]);
        if (!r && r.error().code == ErrorCode::kNotFound) r = app->append(l, ts, values[i]);
        ref = r ? *r : 0;
      }
      app->commit();
    }
  }

 private:
  const bool jitter_, cache_refs_;
  std::vector<std::vector<Labels>> labels_;
  std::vector<CogTarget> fleet_;
  std::vector<tsdb::SeriesRef> refs_;
  std::mt19937 rng_{5};
  std::uniform_int_distribution<int> ms_{-3, 3};
};

// Scrapes `targets` simulated Cog predictors `scrapes` times into head.
void append_cog_fleet(Head& head, int targets, int scrapes, bool jitter) {
  CogFleet fleet(targets, jitter);
  for (int s = 0; s < scrapes; ++s) fleet.scrape(head, s);
}

// Bytes per sample on 10k series x 2h of Cog data at 15s. Arg 1: each
// scrape's timestamp jitters by up to +-3ms (as real scrapes do); arg 0:
// exactly regular timestamps.
void BM_TsdbBytesPerSample(benchmark::State& state) {
  const bool jitter = state.range(0) != 0;
  const int targets = 10'000 / kSeriesPerTarget;
  const int scrapes = static_cast<int>(2 * kHour / kScrapeInterval);
  uint64_t encoded = 0, samples = 0, heap = 0;
  uint64_t float_encoded = 0, float_samples = 0;
  for (auto _ : state) {
    Head head;
    append_cog_fleet(head, targets, scrapes, jitter);
    state.PauseTiming();
    encoded = samples = float_encoded = float_samples = 0;
    auto all = *LabelMatcher::make(MatchType::kRegexMatch, "__name__", ".+");
    for (const tsdb::SeriesData& d : head.select({all}, kMinTimestamp, kMaxTimestamp)) {
      for (const tsdb::ChunkRef& c : d.chunks) {
        encoded += c->size();
        samples += c->num_samples();
        if (is_float_series(d.labels)) {
          float_encoded += c->size();
          float_samples += c->num_samples();
        }
      }
    }
    heap = head.memory().chunk_bytes;
    state.ResumeTiming();
  }
  state.counters["bytes_per_sample"] = static_cast<double>(encoded) / static_cast<double>(samples);
  state.counters["heap_bytes_per_sample"] = static_cast<double>(heap) / static_cast<double>(samples);
  // The same split by kind: 17 of 20 series per target hold integers.
  state.counters["int_series_bytes_per_sample"] =
      static_cast<double>(encoded - float_encoded) / static_cast<double>(samples - float_samples);
  state.counters["float_series_bytes_per_sample"] =
      static_cast<double>(float_encoded) / static_cast<double>(float_samples);
  state.counters["samples"] = static_cast<double>(samples);
}
BENCHMARK(BM_TsdbBytesPerSample)->Arg(1)->Arg(0)->ArgName("jitter")->Unit(benchmark::kMillisecond)->Iterations(1);

// A latency histogram as a Prometheus client library exposes it: native
// (schema 3, client_golang's default bucket factor 1.1) and, for the same
// observations, classic (the default 11 buckets and +Inf, sum, count).
class LatencyHistogram {
 public:
  explicit LatencyHistogram(uint64_t seed) : rng_(seed) {}

  // One scrape interval of traffic: about 4 requests a second, latencies
  // log-normal around 200 ms.
  void observe_interval() {
    std::poisson_distribution<int> requests(60);
    std::lognormal_distribution<double> latency(std::log(0.2), 0.35);
    for (int n = requests(rng_); n > 0; --n) {
      const double v = latency(rng_);
      ++native_[static_cast<int32_t>(std::ceil(8 * std::log2(v)))];
      for (size_t i = 0; i < kClassicBounds.size(); ++i) {
        if (v <= kClassicBounds[i]) ++classic_[i];
      }
      ++count_;
      sum_ += v;
    }
  }
  Histogram native() const {
    Histogram h;
    h.schema = 3;
    h.zero_threshold = std::ldexp(1.0, -128);
    h.count = count_;
    h.sum = sum_;
    int64_t prev = 0;
    int32_t next = 0;  // the index after the last bucket
    for (const auto& [index, n] : native_) {
      if (h.positive_spans.empty() || index != next) {
        h.positive_spans.push_back({h.positive_spans.empty() ? index : index - next, 0});
      }
      ++h.positive_spans.back().length;
      h.positive_buckets.push_back(static_cast<int64_t>(n) - prev);
      prev = static_cast<int64_t>(n);
      next = index + 1;
    }
    return h;
  }
  // le, then count (+Inf) and sum.
  std::vector<double> classic() const {
    std::vector<double> out(classic_.begin(), classic_.end());
    out.push_back(static_cast<double>(count_));
    out.push_back(sum_);
    return out;
  }
  size_t populated_buckets() const { return native_.size(); }

  static constexpr std::array<double, 11> kClassicBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10};

 private:
  std::mt19937_64 rng_;
  std::map<int32_t, uint64_t> native_;
  std::array<uint64_t, 11> classic_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Bytes per sample of a native latency histogram (issue 16's figure):
// 50 histograms scraped every 15 s (+-3 ms of jitter) for 2 h, their chunk
// bytes over their samples; the median over the histograms, and the
// classic layout of the same observations (11 buckets, +Inf, sum, count:
// 14 float series) per scrape beside it.
void BM_TsdbHistogramBytesPerSample(benchmark::State& state) {
  constexpr int kHistograms = 50;
  const int scrapes = static_cast<int>(2 * kHour / kScrapeInterval);
  std::vector<double> per_series;
  uint64_t native_bytes = 0, native_samples = 0, classic_bytes = 0;
  size_t buckets = 0;
  for (auto _ : state) {
    Head head;
    std::vector<LatencyHistogram> hists;
    for (int i = 0; i < kHistograms; ++i) hists.emplace_back(1000 + i);
    std::mt19937 jitter(7);
    for (int s = 0; s < scrapes; ++s) {
      auto app = head.appender();
      for (int i = 0; i < kHistograms; ++i) {
        const Timestamp t = kStart + s * kScrapeInterval + static_cast<int>(jitter() % 7) - 3;
        LatencyHistogram& h = hists[i];
        h.observe_interval();
        const std::string target = std::to_string(i);
        (void)app->append_histogram(
            Labels{{"__name__", "cog_predict_latency_seconds"}, {"instance", target}}, t, h.native());
        // The classic layout: a series per bucket (the last, +Inf, is the
        // count), and the sum and count.
        const std::vector<double> classic = h.classic();
        const size_t n = LatencyHistogram::kClassicBounds.size();
        for (size_t b = 0; b <= n; ++b) {
          const std::string le = b < n ? format_float(LatencyHistogram::kClassicBounds[b]) : "+Inf";
          (void)app->append(
              Labels{{"__name__", "cog_predict_latency_seconds_bucket"}, {"instance", target}, {"le", le}}, t,
              classic[b]);
        }
        (void)app->append(Labels{{"__name__", "cog_predict_latency_seconds_count"}, {"instance", target}}, t,
                          classic[n]);
        (void)app->append(Labels{{"__name__", "cog_predict_latency_seconds_sum"}, {"instance", target}}, t,
                          classic[n + 1]);
      }
      app->commit();
    }
    state.PauseTiming();
    per_series.clear();
    native_bytes = native_samples = classic_bytes = 0;
    auto all = *LabelMatcher::make(MatchType::kRegexMatch, "__name__", "cog_predict_latency_seconds.*");
    for (const tsdb::SeriesData& d : head.select({all}, kMinTimestamp, kMaxTimestamp)) {
      uint64_t bytes = 0, samples = 0;
      for (const tsdb::ChunkRef& c : d.chunks) {
        bytes += c->size();
        samples += c->num_samples();
      }
      if (d.labels.get("__name__") == "cog_predict_latency_seconds") {
        native_bytes += bytes;
        native_samples += samples;
        per_series.push_back(static_cast<double>(bytes) / static_cast<double>(samples));
      } else {
        classic_bytes += bytes;
      }
    }
    buckets = 0;
    for (const LatencyHistogram& h : hists) buckets += h.populated_buckets();
    state.ResumeTiming();
  }
  std::sort(per_series.begin(), per_series.end());
  state.counters["median_bytes_per_sample"] = per_series[per_series.size() / 2];
  state.counters["bytes_per_sample"] = static_cast<double>(native_bytes) / static_cast<double>(native_samples);
  state.counters["classic_bytes_per_scrape"] = static_cast<double>(classic_bytes) / static_cast<double>(native_samples);
  state.counters["populated_buckets"] = static_cast<double>(buckets) / kHistograms;
  state.counters["samples"] = static_cast<double>(native_samples);
}
BENCHMARK(BM_TsdbHistogramBytesPerSample)->Unit(benchmark::kMillisecond)->Iterations(1);

// The same figure on cog-sim's own traffic (issue 16 asks for it): its
// protobuf body scraped every 15 s for 2 h, cog_predict_latency_seconds
// stored both ways, as a scrape with always_scrape_classic_histograms
// stores it: one native histogram series, and the classic layout's
// _bucket (10 bounds and +Inf), _sum and _count series. Reported: chunk
// bytes per native sample, and the classic series' chunk bytes per scrape.
void BM_TsdbCogSimHistogramBytesPerSample(benchmark::State& state) {
  const int scrapes = static_cast<int>(2 * kHour / kScrapeInterval);
  uint64_t native_bytes = 0, native_samples = 0, classic_bytes = 0, classic_series = 0;
  size_t buckets = 0;  // of the last native histogram
  for (auto _ : state) {
    Head head;
    const cli::CogSimulator sim({});
    for (int s = 0; s < scrapes; ++s) {
      const Timestamp t = kStart + s * kScrapeInterval;
      const std::string body = sim.protobuf_body(t);
      scrape::ProtobufParser p(body, {.native_histograms = true, .classic_histograms_too = true});
      auto app = head.appender();
      while (p.next()) {
        auto labels = p.labels();
        if (!labels || !labels->metric_name().starts_with("cog_predict_latency_seconds")) continue;
        if (p.kind() == scrape::SampleKind::kHistogram) {
          buckets = p.histogram().positive_buckets.size() + p.histogram().negative_buckets.size();
          (void)app->append_histogram(*labels, t, p.histogram());
        } else if (p.kind() == scrape::SampleKind::kFloat) {
          (void)app->append(*labels, t, p.value());
        }
      }
      if (!p.status()) state.SkipWithError(p.status().error().message.c_str());
      app->commit();
    }
    state.PauseTiming();
    native_bytes = native_samples = classic_bytes = classic_series = 0;
    auto all = *LabelMatcher::make(MatchType::kRegexMatch, "__name__", "cog_predict_latency_seconds.*");
    for (const tsdb::SeriesData& d : head.select({all}, kMinTimestamp, kMaxTimestamp)) {
      uint64_t bytes = 0, samples = 0;
      for (const tsdb::ChunkRef& c : d.chunks) {
        bytes += c->size();
        samples += c->num_samples();
      }
      if (d.labels.metric_name() == "cog_predict_latency_seconds") {
        native_bytes += bytes;
        native_samples += samples;
      } else {
        classic_bytes += bytes;
        ++classic_series;
      }
    }
    state.ResumeTiming();
  }
  state.counters["native_bytes_per_sample"] = static_cast<double>(native_bytes) / static_cast<double>(native_samples);
  state.counters["classic_bytes_per_scrape"] = static_cast<double>(classic_bytes) / static_cast<double>(native_samples);
  state.counters["classic_series"] = static_cast<double>(classic_series);
  state.counters["native_buckets"] = static_cast<double>(buckets);
  state.counters["samples"] = static_cast<double>(native_samples);
}
BENCHMARK(BM_TsdbCogSimHistogramBytesPerSample)->Unit(benchmark::kMillisecond)->Iterations(1);

// Bytes per sample on disk: the same Cog workload (10k series at 15 s,
// arg jitter as above) through a tsdb::Db for 3.5 h, compacted: the block
// files' bytes (chunks, series section, index, footer) over the samples
// they hold.
void BM_TsdbDiskBytesPerSample(benchmark::State& state) {
  const bool jitter = state.range(0) != 0;
  const int targets = 10'000 / kSeriesPerTarget;
  const int scrapes = static_cast<int>(7 * kHour / 2 / kScrapeInterval);
  uint64_t block_bytes = 0, samples = 0;
  for (auto _ : state) {
    char tmpl[] = "/tmp/cogwatch-bench-disk-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    {
      auto db = tsdb::Db::open(dir, {});
      if (!db) {
        state.SkipWithError(db.error().message.c_str());
        return;
      }
      Head& head = (*db)->head();
      append_cog_fleet(head, targets, scrapes, jitter);
      auto c = (*db)->compact();
      if (!c || c->blocks == 0) {
        state.SkipWithError("no block was written");
        return;
      }
      state.PauseTiming();
      block_bytes = c->bytes;
      samples = 0;
      auto all = *LabelMatcher::make(MatchType::kRegexMatch, "__name__", ".+");
      for (const tsdb::SeriesData& d : head.select({all}, kMinTimestamp, kMaxTimestamp)) {
        for (const tsdb::ChunkRef& ch : d.chunks) {
          if (ch->mapped()) samples += ch->num_samples();
        }
      }
      state.ResumeTiming();
    }
    std::filesystem::remove_all(dir);
  }
  state.counters["bytes_per_sample"] = static_cast<double>(block_bytes) / static_cast<double>(samples);
  state.counters["samples"] = static_cast<double>(samples);
}
BENCHMARK(BM_TsdbDiskBytesPerSample)->Arg(1)->Arg(0)->ArgName("jitter")->Unit(benchmark::kMillisecond)->Iterations(1);

// Restart: 100k Cog series with 2 h of samples at 15 s (48M samples, all
// in the write-ahead log, as Prometheus holds its last 2 h), the store
// closed, then opened again: the time of Db::open (replay) and, as
// counters, the process's resident memory with the store loaded before the
// restart (steady) and its peak during the replay (VmHWM, reset just
// before).
namespace {
uint64_t status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::string(field).size()));
  }
  return 0;
}
}  // namespace

void BM_TsdbReplay(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int scrapes = static_cast<int>(2 * kHour / kScrapeInterval);
  char tmpl[] = "/tmp/cogwatch-bench-replay-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  uint64_t steady_kib = 0;
  {
    auto db = tsdb::Db::open(dir, {});
    if (!db) {
      state.SkipWithError(db.error().message.c_str());
      return;
    }
    const std::vector<tsdb::SeriesRef> refs = create_series((*db)->head(), fleet_labels(series));
    std::mt19937_64 rng(1);
    for (int s = 1; s < scrapes; ++s) {
      auto app = (*db)->head().appender();
      for (size_t i = 0; i < refs.size(); ++i) {
        (void)app->append(refs[i], kStart + s * kScrapeInterval, static_cast<double>(s * 10 + (rng() & 7)));
      }
      app->commit();
    }
    steady_kib = status_kib("VmRSS:");
  }
  malloc_trim(0);
  uint64_t samples = 0;
  for (auto _ : state) {
    std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
    tsdb::DbOpenReport report;
    auto db = tsdb::Db::open(dir, {}, &report);
    if (!db) {
      state.SkipWithError(db.error().message.c_str());
      break;
    }
    samples = report.samples;
    state.counters["peak_rss_mib"] = static_cast<double>(status_kib("VmHWM:")) / 1024;
  }
  state.counters["steady_rss_mib"] = static_cast<double>(steady_kib) / 1024;
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["samples_per_second"] =
      benchmark::Counter(static_cast<double>(samples * state.iterations()), benchmark::Counter::kIsRate);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TsdbReplay)->Arg(100'000)->ArgName("series")->Unit(benchmark::kMillisecond)->Iterations(3);

// RSS over a month: 10k Cog series (500 targets) scraped every 15 s for 30
// simulated days (172,800 scrapes, 1.7G samples, generated as fast as the
// store takes them) through a tsdb::Db set up as `cogwatch run` sets it up
// (cli/daemon.cc open_storage: retention.time 30d, the appendable window,
// 32 MiB segments, a checkpoint due from 64 MiB of log), with the daemon's
// timers every simulated minute: sync, compact (2 h blocks), checkpoint
// when due, retention. At the end of days 1, 2, 7, 15 and 30 the counters
// record, in MiB:
//   rss_dayN        VmRSS
//   anon_dayN       RssAnon (the heap, stacks)
//   file_dayN       RssFile (file pages mapped and touched: the binary,
//                   libraries, and the blocks' mappings)
//   blocks_rss_dayN the part of RssFile that maps files under the data
//                   directory (/proc/self/smaps)
//   heap_dayN       bytes malloc has handed out (mallinfo2 uordblks+hblkhd)
//   store_dayN      the store's own accounting (Head::memory().total())
//   disk_dayN       every file under the data directory (Db::size_bytes)
// and blocks_dayN the number of blocks. A line per simulated day goes to
// stderr. COGWATCH_BENCH_RSS_DAYS=n runs n days instead of 30 (a quick
// check; the counters of later days are then absent), and
// COGWATCH_BENCH_RSS_RETENTION_DAYS=n keeps n days instead of 30 (to see
// what retention removes within a shorter run).
namespace {
// The resident KiB of mappings of files whose path starts with prefix.
uint64_t mapped_rss_kib(const std::string& prefix) {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool ours = false;
  uint64_t kib = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.find(':') == std::string::npos || line.find('-') < line.find(' ')) {
      // A mapping's header: "start-end perms offset dev inode   path".
      const size_t slash = line.find('/');
      ours = slash != std::string::npos && line.compare(slash, prefix.size(), prefix) == 0;
    } else if (ours && line.rfind("Rss:", 0) == 0) {
      kib += std::stoull(line.substr(4));
    }
  }
  return kib;
}
}  // namespace

void BM_TsdbRss30Days(benchmark::State& state) {
  int days = 30;
  if (const char* env = std::getenv("COGWATCH_BENCH_RSS_DAYS")) days = std::max(1, std::atoi(env));
  int retention_days = 30;
  if (const char* env = std::getenv("COGWATCH_BENCH_RSS_RETENTION_DAYS")) retention_days = std::max(1, std::atoi(env));
  const int targets = 10'000 / kSeriesPerTarget;
  const int scrapes_per_day = static_cast<int>(kDay / kScrapeInterval);
  const int scrapes_per_minute = static_cast<int>(kMinute / kScrapeInterval);
  const std::vector<int> reported = {1, 2, 7, 15, 30};
  const auto mib = [](double kib) { return kib / 1024; };
  for (auto _ : state) {
    char tmpl[] = "/tmp/cogwatch-bench-rss-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    {
      tsdb::HeadOptions h;
      h.retention_time = retention_days * kDay;
      h.reject_out_of_bounds = true;
      auto db = tsdb::Db::open(dir, tsdb::DbOptions{.head = h,
                                                    .wal_segment_bytes = 32ull << 20,
                                                    .checkpoint_min_wal_bytes = 2 * (32ull << 20)});
      if (!db) {
        state.SkipWithError(db.error().message.c_str());
        return;
      }
      Head& head = (*db)->head();
      CogFleet fleet(targets, /*jitter=*/true, /*cache_refs=*/true);
      const auto start = std::chrono::steady_clock::now();
      std::string failed;
      for (int s = 0; s < days * scrapes_per_day && failed.empty(); ++s) {
        fleet.scrape(head, s);
        if ((s + 1) % scrapes_per_minute == 0) {
          // The daemon's timers (arm_sync, arm_checkpoint, arm_retention).
          if (auto r = (*db)->sync(); !r) failed = r.error().message;
          if (auto c = (*db)->compact(); !c) failed = c.error().message;
          if ((*db)->checkpoint_due()) {
            if (auto c = (*db)->checkpoint(); !c) failed = c.error().message;
          }
          (void)(*db)->apply_retention();
          (*db)->release_block_pages();
        }
        if ((s + 1) % scrapes_per_day != 0) continue;
        const int day = (s + 1) / scrapes_per_day;
        const struct mallinfo2 mi = mallinfo2();
        const double rss = mib(static_cast<double>(status_kib("VmRSS:")));
        const double anon = mib(static_cast<double>(status_kib("RssAnon:")));
        const double file = mib(static_cast<double>(status_kib("RssFile:")));
        const double blocks_rss = mib(static_cast<double>(mapped_rss_kib(dir + "/")));
        const double heap = static_cast<double>(mi.uordblks + mi.hblkhd) / (1 << 20);
        const double store = static_cast<double>(head.memory().total()) / (1 << 20);
        const double disk = static_cast<double>((*db)->size_bytes()) / (1 << 20);
        const tsdb::DbStats ds = (*db)->stats();
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr,
                     "rss30: day %2d  wall %7.1fs  rss %7.1f  anon %7.1f  file %7.1f  blocks_rss %7.1f  heap %7.1f  "
                     "store %6.1f  disk %7.1f MiB  blocks %3llu  wal %6.1f MiB  series %llu\n",
                     day, wall, rss, anon, file, blocks_rss, heap, store, disk,
                     static_cast<unsigned long long>(ds.blocks), static_cast<double>(ds.wal_bytes) / (1 << 20),
                     static_cast<unsigned long long>(head.stats().series));
        if (std::find(reported.begin(), reported.end(), day) == reported.end()) continue;
        const std::string d = "_day" + std::to_string(day);
        state.counters["rss" + d] = rss;
        state.counters["anon" + d] = anon;
        state.counters["file" + d] = file;
        state.counters["blocks_rss" + d] = blocks_rss;
        state.counters["heap" + d] = heap;
        state.counters["store" + d] = store;
        state.counters["disk" + d] = disk;
        state.counters["blocks" + d] = static_cast<double>(ds.blocks);
      }
      if (!failed.empty()) state.SkipWithError(failed.c_str());
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      state.counters["wall_s_per_sim_day"] = wall / days;
      state.counters["samples"] = static_cast<double>(head.stats().samples_appended);
    }
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_TsdbRss30Days)->Unit(benchmark::kSecond)->Iterations(1);

// Heap bytes per series: 100k series with 6 labels each, each with one
// sample (so its open chunk exists), measured as the process heap growth
// (mallinfo2) and as the store's own accounting.
void BM_TsdbSeriesMemory(benchmark::State& state) {
  const int n = 100'000;
  double per_series = 0, accounted = 0;
  for (auto _ : state) {
    // Heap in use before the caller's label sets exist; they are dropped
    // again before measuring (the store keeps its own interned copies).
    const size_t before = mallinfo2().uordblks;
    auto labels = std::make_unique<std::vector<Labels>>(fleet_labels(n));
    auto head = std::make_unique<Head>();
    auto app = head->appender();
    for (const Labels& l : *labels) (void)app->append(l, kStart, 1);
    app->commit();
    app.reset();
    labels.reset();
    const size_t after = mallinfo2().uordblks;
    per_series = (static_cast<double>(after) - static_cast<double>(before)) / n;
    accounted = static_cast<double>(head->memory().total()) / n;
    head.reset();
  }
  state.counters["bytes_per_series"] = per_series;
  state.counters["accounted_bytes_per_series"] = accounted;
}
BENCHMARK(BM_TsdbSeriesMemory)->Unit(benchmark::kMillisecond)->Iterations(1);

// Cog data of 50 targets over 2h (480 scrapes, jittered): as the head
// holds it (120-sample chunks) or as a block does (column chunks of 480
// samples, a target's timestamp column shared).
std::vector<tsdb::ChunkRef> cog_chunks(bool columns, std::vector<std::vector<uint8_t>>& pieces, int first_target = 0) {
  std::vector<tsdb::ChunkRef> chunks;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> ms(-3, 3);
  for (int t = first_target; t < first_target + 50; ++t) {
    CogTarget target(t);
    std::vector<Timestamp> ts;
    std::vector<std::vector<double>> values(kSeriesPerTarget);
    double v[kSeriesPerTarget];
    for (int s = 0; s < 480; ++s) {
      target.next(v);
      ts.push_back(kStart + s * kScrapeInterval + ms(rng));
      for (int i = 0; i < kSeriesPerTarget; ++i) values[static_cast<size_t>(i)].push_back(v[i]);
    }
    if (!columns) {
      for (const std::vector<double>& series : values) {
        tsdb::ChunkWriter w;
        for (size_t s = 0; s < ts.size(); ++s) {
          w.append(ts[s], series[s]);
          if (w.num_samples() == 120) chunks.push_back(w.seal());
        }
      }
      continue;
    }
    pieces.emplace_back();
    tsdb::internal::encode_timestamp_column(ts, pieces.back());
    const std::vector<uint8_t>& timestamps = pieces.back();
    for (const std::vector<double>& series : values) {
      pieces.emplace_back();
      tsdb::internal::encode_value_column(series, pieces.back());
      chunks.push_back(tsdb::ChunkRef::from_mapped_columns(nullptr, timestamps, pieces.back(), 480, ts.front(),
                                                           ts.back()));
    }
  }
  return chunks;
}

// Decoding speed of Cog data in either layout (arg columns).
void BM_ChunkDecode(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> pieces;
  pieces.reserve(50 * (kSeriesPerTarget + 1));  // the chunks point into them
  const std::vector<tsdb::ChunkRef> chunks = cog_chunks(state.range(0) != 0, pieces);
  uint64_t decoded = 0;
  for (auto _ : state) {
    for (const tsdb::ChunkRef& c : chunks) {
      tsdb::ChunkIterator it(*c);
      double sum = 0;
      while (it.next()) sum += it.v();
      benchmark::DoNotOptimize(sum);
      decoded += c->num_samples();
    }
  }
  state.counters["samples_per_second"] = benchmark::Counter(static_cast<double>(decoded), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChunkDecode)->ArgName("columns")->Arg(0)->Arg(1);

// Writing one 2h block of 10k Cog series (the head's chunks decoded and
// encoded again as column chunks): the CPU a compaction costs.
void BM_BlockWrite(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> unused;
  std::vector<tsdb::ChunkRef> chunks;
  for (int part = 0; part < 10; ++part) {  // 10 x 50 targets x 20 series
    std::vector<tsdb::ChunkRef> c = cog_chunks(false, unused, 50 * part);
    chunks.insert(chunks.end(), c.begin(), c.end());
  }
  const std::vector<Labels> labels = fleet_labels(10'000);
  char tmpl[] = "/tmp/cogwatch-bench-block-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  uint64_t bytes = 0;
  for (auto _ : state) {
    tsdb::BlockWriter w(tsdb::FileSystem::posix(), dir + "/block", kStart - kHour, kStart + 3 * kHour);
    for (size_t s = 0; s < labels.size(); ++s) (void)w.add(s + 1, labels[s], {chunks.data() + 4 * s, 4});
    bytes = *w.finish();
  }
  std::filesystem::remove_all(dir);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["series_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * labels.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BlockWrite)->Unit(benchmark::kMillisecond);

// {__name__="cog_predict_requests_total", job=~"cog.*"} among 100k series.
void BM_TsdbSelect(benchmark::State& state) {
  Head head;
  create_series(head, fleet_labels(100'000));
  const std::vector<LabelMatcher> ms = {
      *LabelMatcher::make(MatchType::kEqual, "__name__", "cog_predict_requests_total"),
      *LabelMatcher::make(MatchType::kRegexMatch, "job", "cog.*")};
  size_t n = 0;
  for (auto _ : state) {
    auto sets = head.select(ms, kStart - 5 * kMinute, kStart);
    n = sets.size();
    benchmark::DoNotOptimize(sets);
  }
  state.counters["series_selected"] = static_cast<double>(n);
}
BENCHMARK(BM_TsdbSelect)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cogwatch::bench

BENCHMARK_MAIN();
