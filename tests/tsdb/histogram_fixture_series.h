// The histogram sequences of the Prometheus chunk fixtures
// (tests/tsdb/testdata/prometheus-2.42/): what the generator there sent to
// Prometheus 2.42 by remote write, and what histogram_fixture_test.cc
// encodes to compare with the chunks Prometheus wrote. One definition for
// both, so they cannot drift apart. Header-only on purpose: the generator
// is compiled on its own, without cogwatch's libraries.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "model/histogram.h"
#include "model/time.h"

namespace cogwatch::tsdb::fixtures {

inline constexpr Timestamp kT0 = 1700000000000;  // 2023-11-14T22:13:20Z
inline constexpr Timestamp kStep = 15000;

struct IntegerSample {
  Timestamp t;
  Histogram h;
};
struct FloatSample {
  Timestamp t;
  FloatHistogram h;
};

// One series: integer or float histograms, then one float sample (at
// float_t) that makes Prometheus close the last histogram chunk, so that
// it is written to chunks_head/.
struct FixtureSeries {
  std::string name;
  std::vector<IntegerSample> integers;
  std::vector<FloatSample> floats;
  Timestamp float_t = 0;
  // How many chunks Prometheus cut the histograms into.
  size_t chunks = 0;
};

inline double stale_marker() { return std::bit_cast<double>(uint64_t{0x7ff0000000000002}); }

// A histogram from absolute bucket counts (delta-encoded here); its count
// is the zero bucket's plus every bucket's.
inline Histogram integer(int32_t schema, double zero_threshold, uint64_t zero_count, double sum,
                         HistogramSpans positive, std::vector<int64_t> positive_counts, HistogramSpans negative = {},
                         std::vector<int64_t> negative_counts = {},
                         CounterResetHint hint = CounterResetHint::kUnknown) {
  Histogram h;
  h.counter_reset_hint = hint;
  h.schema = schema;
  h.zero_threshold = zero_threshold;
  h.zero_count = zero_count;
  h.sum = sum;
  h.count = zero_count;
  auto deltas = [&h](const std::vector<int64_t>& counts) {
    std::vector<int64_t> out;
    int64_t prev = 0;
    for (int64_t c : counts) {
      out.push_back(c - prev);
      prev = c;
      h.count += static_cast<uint64_t>(c);
    }
    return out;
  };
  h.positive_spans = std::move(positive);
  h.positive_buckets = deltas(positive_counts);
  h.negative_spans = std::move(negative);
  h.negative_buckets = deltas(negative_counts);
  return h;
}

inline FloatHistogram floating(int32_t schema, double zero_threshold, double zero_count, double sum,
                               HistogramSpans positive, std::vector<double> positive_counts,
                               HistogramSpans negative = {}, std::vector<double> negative_counts = {},
                               CounterResetHint hint = CounterResetHint::kUnknown) {
  FloatHistogram h;
  h.counter_reset_hint = hint;
  h.schema = schema;
  h.zero_threshold = zero_threshold;
  h.zero_count = zero_count;
  h.sum = sum;
  h.count = zero_count;
  for (double c : positive_counts) h.count += c;
  for (double c : negative_counts) h.count += c;
  h.positive_spans = std::move(positive);
  h.positive_buckets = std::move(positive_counts);
  h.negative_spans = std::move(negative);
  h.negative_buckets = std::move(negative_counts);
  return h;
}

inline constexpr double kDefaultZeroThreshold = 2.938735877055719e-39;  // 2^-128, client_golang's

inline std::vector<FixtureSeries> fixture_series() {
  constexpr double zt = kDefaultZeroThreshold;
  constexpr auto gauge = CounterResetHint::kGauge;
  std::vector<FixtureSeries> out;

  // Buckets appear between samples, before, after and between the old
  // ones, on both sides: each one recodes the chunk. Timestamps jitter by
  // a few milliseconds and one scrape is missed.
  {
    FixtureSeries s{.name = "new_buckets", .chunks = 1};
    const std::vector<Timestamp> ts = {0, 15000, 30002, 44999, 60000, 75001, 105000, 120000, 135003, 150000, 165000,
                                       180000};
    auto at = [&](size_t i) { return kT0 + ts[i]; };
    s.integers = {
        {at(0), integer(3, zt, 0, 1.25, {{-2, 2}}, {1, 2})},
        {at(1), integer(3, zt, 0, 2.5, {{-2, 2}}, {2, 3})},
        {at(2), integer(3, zt, 0, 3.75, {{-2, 2}, {1, 1}}, {2, 4, 1})},
        {at(3), integer(3, zt, 0, 5.5, {{-5, 1}, {2, 2}, {1, 1}}, {1, 3, 5, 1})},
        {at(4), integer(3, zt, 0, 7.125, {{-5, 1}, {2, 4}}, {1, 3, 6, 1, 2})},
        {at(5), integer(3, zt, 1, 6.5, {{-5, 1}, {2, 4}}, {1, 3, 7, 1, 2}, {{0, 1}}, {2})},
        {at(6), integer(3, zt, 1, 8.75, {{-5, 1}, {2, 4}}, {2, 4, 9, 3, 2}, {{0, 1}}, {2})},
        {at(7), integer(3, zt, 2, 9.0, {{-5, 1}, {2, 4}}, {2, 5, 11, 3, 4}, {{0, 1}, {2, 1}}, {3, 1})},
        {at(8), integer(3, zt, 2, 12.5, {{-5, 1}, {2, 4}}, {3, 5, 12, 6, 4}, {{0, 1}, {2, 1}}, {3, 1})},
        {at(9), integer(3, zt, 2, 14.0, {{-5, 1}, {2, 4}}, {3, 6, 14, 6, 5}, {{0, 1}, {2, 1}}, {3, 2})},
        {at(10), integer(3, zt, 3, 16.25, {{-5, 1}, {2, 4}, {3, 1}}, {3, 7, 15, 8, 5, 1}, {{0, 1}, {2, 1}}, {4, 2})},
        {at(11), integer(3, zt, 3, 19.0, {{-5, 1}, {2, 4}, {3, 1}}, {4, 9, 17, 8, 6, 1}, {{0, 1}, {2, 1}}, {4, 2})},
    };
    s.float_t = at(11) + kStep;
    out.push_back(std::move(s));
  }

  // Counter resets: the count goes down; later only one bucket does.
  {
    FixtureSeries s{.name = "counter_reset", .chunks = 3};
    const HistogramSpans sp = {{0, 3}};
    auto at = [](int i) { return kT0 + i * kStep; };
    s.integers = {
        {at(0), integer(0, zt, 0, 3, sp, {1, 1, 1})},   {at(1), integer(0, zt, 1, 7, sp, {2, 2, 1})},
        {at(2), integer(0, zt, 1, 9, sp, {3, 2, 2})},   {at(3), integer(0, zt, 2, 12, sp, {4, 3, 2})},
        {at(4), integer(0, zt, 2, 15, sp, {5, 4, 3})},  {at(5), integer(0, zt, 0, 1, sp, {1, 0, 0})},
        {at(6), integer(0, zt, 0, 3, sp, {2, 1, 0})},   {at(7), integer(0, zt, 1, 5, sp, {2, 2, 1})},
        {at(8), integer(0, zt, 1, 8, sp, {1, 4, 3})},   {at(9), integer(0, zt, 1, 10, sp, {2, 5, 3})},
        {at(10), integer(0, zt, 2, 13, sp, {3, 5, 4})},
    };
    s.float_t = at(11);
    out.push_back(std::move(s));
  }

  // A gauge histogram: buckets come and go, counts go down, all in one
  // chunk; then a schema change starts another.
  {
    FixtureSeries s{.name = "gauge", .chunks = 2};
    auto at = [](int i) { return kT0 + i * kStep; };
    s.integers = {
        {at(0), integer(1, zt, 0, 4, {{0, 2}}, {3, 1}, {}, {}, gauge)},
        {at(1), integer(1, zt, 0, 9, {{1, 2}}, {2, 5}, {}, {}, gauge)},
        {at(2), integer(1, zt, 1, 2, {{0, 1}}, {1}, {}, {}, gauge)},
        {at(3), integer(1, zt, 0, 6, {{-1, 4}}, {1, 0, 2, 1}, {{1, 1}}, {2}, gauge)},
        {at(4), integer(1, zt, 3, -1, {{2, 1}}, {4}, {{0, 2}}, {1, 1}, gauge)},
        {at(5), integer(1, zt, 0, 0, {}, {}, {}, {}, gauge)},
        {at(6), integer(0, zt, 2, 5, {{0, 2}}, {1, 1}, {}, {}, gauge)},
        {at(7), integer(0, zt, 1, 3, {{1, 1}}, {2}, {}, {}, gauge)},
    };
    s.float_t = at(8);
    out.push_back(std::move(s));
  }

  // A schema change, then a zero threshold change: each starts a chunk
  // whose header says "unknown".
  {
    FixtureSeries s{.name = "layout_change", .chunks = 3};
    auto at = [](int i) { return kT0 + i * kStep; };
    s.integers = {
        {at(0), integer(1, zt, 0, 1, {{0, 2}}, {1, 1})},       {at(1), integer(1, zt, 0, 2, {{0, 2}}, {2, 1})},
        {at(2), integer(1, zt, 0, 3, {{0, 2}}, {2, 2})},       {at(3), integer(0, zt, 0, 5, {{0, 2}}, {3, 2})},
        {at(4), integer(0, zt, 1, 6, {{0, 2}}, {3, 2})},       {at(5), integer(0, zt, 1, 8, {{0, 2}}, {4, 3})},
        {at(6), integer(0, 0.001, 2, 9, {{0, 2}}, {4, 3})},    {at(7), integer(0, 0.001, 2, 11, {{0, 2}}, {5, 4})},
    };
    s.float_t = at(8);
    out.push_back(std::move(s));
  }

  // A stale marker ends the chunk's run: the next histogram starts another.
  {
    FixtureSeries s{.name = "stale", .chunks = 2};
    auto at = [](int i) { return kT0 + i * kStep; };
    Histogram stale;
    stale.sum = stale_marker();
    s.integers = {
        {at(0), integer(2, zt, 0, 1, {{0, 1}}, {1})},    {at(1), integer(2, zt, 0, 3, {{0, 2}}, {2, 1})},
        {at(2), integer(2, zt, 0, 4, {{0, 2}}, {2, 2})}, {at(3), integer(2, zt, 1, 6, {{0, 2}}, {3, 2})},
        {at(4), stale},                                  {at(5), integer(2, zt, 0, 1, {{0, 1}}, {1})},
        {at(6), integer(2, zt, 0, 2, {{0, 1}}, {2})},    {at(7), integer(2, zt, 0, 4, {{0, 2}}, {2, 2})},
    };
    s.float_t = at(8);
    out.push_back(std::move(s));
  }

  // Large values: a 10 minute gap, counts that need the 25- and 56-bit
  // varbit codes, a zero threshold that is no power of two, many negative
  // buckets.
  {
    FixtureSeries s{.name = "wide", .chunks = 1};
    const Timestamp gap = 10 * kMinute;
    s.integers = {
        {kT0, integer(-2, 0.3, 5, 1e9, {{-3, 3}}, {100, 1'000'000, 7}, {{-2, 4}}, {1, 2, 3, 4})},
        {kT0 + kStep, integer(-2, 0.3, 6, 2.5e9, {{-3, 3}}, {200, 20'000'000, 9}, {{-2, 4}}, {2, 2, 3, 9})},
        {kT0 + kStep + gap, integer(-2, 0.3, 6, 3e12, {{-3, 3}}, {300, 40'000'000'000'000, 11}, {{-2, 4}}, {2, 2, 3, 9})},
        {kT0 + 2 * kStep + gap,
         integer(-2, 0.3, 1'000'006, -7.25, {{-3, 3}}, {301, 80'000'000'000'000, 12}, {{-2, 4}}, {2, 2, 3, 10})},
    };
    s.float_t = kT0 + 3 * kStep + gap;
    out.push_back(std::move(s));
  }

  // Float histograms (what rules and federation produce): buckets appear,
  // then a reset.
  {
    FixtureSeries s{.name = "float_counter", .chunks = 2};
    auto at = [](int i) { return kT0 + i * kStep; };
    s.floats = {
        {at(0), floating(2, zt, 0.5, 1.5, {{0, 2}}, {0.25, 1.75})},
        {at(1), floating(2, zt, 0.5, 2.75, {{0, 2}}, {1.25, 2.0})},
        {at(2), floating(2, zt, 1.0, 3.5, {{0, 3}}, {1.5, 2.5, 0.125})},
        {at(3), floating(2, zt, 1.0, 4.0, {{-2, 1}, {1, 3}}, {0.5, 1.5, 3.0, 0.25})},
        {at(4), floating(2, zt, 1.5, 5.125, {{-2, 1}, {1, 3}}, {0.5, 2.5, 3.25, 1.0})},
        {at(5), floating(2, zt, 0.0, 0.5, {{-2, 1}, {1, 3}}, {0.0, 0.5, 0.0, 0.0})},
        {at(6), floating(2, zt, 0.25, 1.5, {{-2, 1}, {1, 3}}, {0.5, 0.75, 0.5, 0.0})},
    };
    s.float_t = at(7);
    out.push_back(std::move(s));
  }

  // A float gauge histogram whose buckets come and go.
  {
    FixtureSeries s{.name = "float_gauge", .chunks = 1};
    auto at = [](int i) { return kT0 + i * kStep; };
    s.floats = {
        {at(0), floating(0, zt, 0.5, 2.0, {{0, 2}}, {1.5, 0.5}, {}, {}, gauge)},
        {at(1), floating(0, zt, 0.25, -3.0, {{1, 2}}, {0.75, 2.5}, {{0, 1}}, {1.0}, gauge)},
        {at(2), floating(0, zt, 0.0, 1.0, {{0, 1}}, {0.125}, {}, {}, gauge)},
        {at(3), floating(0, zt, 2.0, 7.5, {{-1, 2}, {1, 1}}, {1.0, 2.0, 3.0}, {{0, 1}}, {0.5}, gauge)},
    };
    s.float_t = at(4);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cogwatch::tsdb::fixtures
