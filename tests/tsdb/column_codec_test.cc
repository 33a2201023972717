#include "tsdb/internal/column_codec.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tsdb/chunk.h"

namespace cogwatch::tsdb {
namespace {

using internal::encode_timestamp_column;
using internal::encode_value_column;

struct Columns {
  std::vector<uint8_t> timestamps, values;
};

Columns encode(const std::vector<Timestamp>& ts, const std::vector<double>& vs) {
  Columns c;
  encode_timestamp_column(ts, c.timestamps);
  encode_value_column(vs, c.values);
  return c;
}

ChunkRef chunk_of(const Columns& c, size_t n) {
  internal::TimestampColumnHeader h;
  EXPECT_TRUE(internal::read_timestamp_header(c.timestamps, h));
  EXPECT_EQ(h.num_samples, n);
  return ChunkRef::from_mapped_columns(nullptr, c.timestamps, c.values, static_cast<uint16_t>(n), h.min_time,
                                       h.max_time);
}

// Encodes, decodes through ChunkIterator, and expects the same bits back.
void expect_round_trip(const std::vector<Timestamp>& ts, const std::vector<double>& vs) {
  const Columns c = encode(ts, vs);
  const ChunkRef chunk = chunk_of(c, ts.size());
  EXPECT_EQ(chunk->min_time(), ts.front());
  EXPECT_EQ(chunk->max_time(), ts.back());
  EXPECT_EQ(chunk->timestamp_column().size(), c.timestamps.size());
  ChunkIterator it(*chunk);
  for (size_t i = 0; i < ts.size(); ++i) {
    ASSERT_TRUE(it.next()) << "sample " << i << ": " << (it.err() ? "" : it.err().error().message);
    EXPECT_EQ(it.t(), ts[i]) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(it.v()), std::bit_cast<uint64_t>(vs[i])) << i << ": " << it.v() << " vs " << vs[i];
  }
  EXPECT_FALSE(it.next());
  EXPECT_TRUE(it.err().ok());
}

std::vector<Timestamp> scrape_times(size_t n, int jitter_ms = 0, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> jitter(-jitter_ms, jitter_ms);
  std::vector<Timestamp> ts;
  for (size_t i = 0; i < n; ++i) ts.push_back(1'700'000'000'000 + static_cast<Timestamp>(i) * 15'000 + jitter(rng));
  return ts;
}

TEST(ColumnCodec, OneAndTwoSamples) {
  expect_round_trip({42}, {1.5});
  expect_round_trip({-5, 7}, {3, -3});
  expect_round_trip({0, 1, 2}, {0.1, 0.2, 0.30000000000000004});
}

TEST(ColumnCodec, CountersAndGaugesOfIntegers) {
  std::mt19937_64 rng(3);
  std::poisson_distribution<int> arrivals(37);
  std::vector<double> counter, memory;
  double c = 1e6, m = 1.5e9;
  for (int i = 0; i < 480; ++i) {
    counter.push_back(c += arrivals(rng));
    memory.push_back(m += 4096.0 * (static_cast<int>(rng() % 64) - 32));
  }
  expect_round_trip(scrape_times(480, 3), counter);
  expect_round_trip(scrape_times(480, 3), memory);
  // Integers in decimal mode beat the XOR of their doubles: a Poisson(37)
  // counter needs about 6 bits a sample, its XOR about 11.
  Columns cc = encode(scrape_times(480), counter);
  EXPECT_LT(cc.values.size(), 480u * 7 / 8) << "decimal mode was not chosen";
  // Multiples of 4096 store the multiplier: 6 bits.
  Columns mc = encode(scrape_times(480), memory);
  EXPECT_LT(mc.values.size(), 480u * 7 / 8);
}

TEST(ColumnCodec, DecimalsAsPrintedByExporters) {
  // cAdvisor's CPU seconds: nanoseconds over 1e9, as the text format
  // carries them; a steady rate becomes a constant delta: ~0 bits.
  std::vector<double> cpu, steady;
  uint64_t ns = 123'456'789'012;
  for (int i = 0; i < 480; ++i) {
    ns += 30'000'000 + (i % 7) * 1'000'003;
    cpu.push_back(static_cast<double>(ns) / 1e9);
    steady.push_back(static_cast<double>(100'000'000'000 + i * 30'000'000ull) / 1e9);
  }
  expect_round_trip(scrape_times(480), cpu);
  expect_round_trip(scrape_times(480), steady);
  EXPECT_LT(encode(scrape_times(480), steady).values.size(), 40u);
  std::vector<double> tenths;
  for (int i = 0; i < 100; ++i) tenths.push_back(i * 0.1);  // not all exactly i/10
  expect_round_trip(scrape_times(100), tenths);
}

TEST(ColumnCodec, RandomFloatsFallBackToXor) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(1.2, 1.5);
  std::vector<double> entropy;
  for (int i = 0; i < 480; ++i) entropy.push_back(u(rng));
  expect_round_trip(scrape_times(480, 3), entropy);
  EXPECT_EQ(encode(scrape_times(480), entropy).values[0], 0) << "mode byte: XOR";
}

TEST(ColumnCodec, SpecialValuesComeBackBitForBit) {
  const double kInf = std::numeric_limits<double>::infinity();
  const std::vector<double> specials = {
      stale_nan(),          std::nan(""),  -0.0, 0.0, kInf, -kInf, std::numeric_limits<double>::max(),
      std::numeric_limits<double>::denorm_min(), -1e300, 9007199254740993.0, 9007199254740992.0, -9007199254740992.0,
      1e15 + 0.5};
  expect_round_trip(scrape_times(specials.size()), specials);
  // A few specials among integers are exceptions of decimal mode, the
  // integers around them unaffected.
  std::vector<double> counter;
  for (int i = 0; i < 200; ++i) counter.push_back(i * 3);
  counter[0] = -0.0;
  counter[57] = stale_nan();
  counter[58] = stale_nan();
  counter[199] = kInf;
  const Columns c = encode(scrape_times(200), counter);
  EXPECT_EQ(c.values[0], 1) << "mode byte: decimal";
  expect_round_trip(scrape_times(200), counter);
}

TEST(ColumnCodec, ExtremeTimestampsAndDeltas) {
  expect_round_trip({std::numeric_limits<Timestamp>::min(), 0, std::numeric_limits<Timestamp>::max()}, {1, 2, 3});
  expect_round_trip({-1'000'000, -999'999, -1, 1'000'000'000'000}, {1, 2, 3, 4});
  std::vector<double> wide = {-9e15, 9e15, -9e15, 9e15, 0};  // deltas of 2^54
  expect_round_trip(scrape_times(5), wide);
}

TEST(ColumnCodec, RandomSeriesRoundTrip) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 300; ++round) {
    const size_t n = 1 + rng() % 600;
    std::vector<Timestamp> ts;
    Timestamp t = static_cast<Timestamp>(rng() % 2'000'000'000'000);
    for (size_t i = 0; i < n; ++i) ts.push_back(t += 1 + static_cast<Timestamp>(rng() % (round % 3 == 0 ? 5 : 100'000)));
    std::vector<double> vs;
    const int kind = round % 5;
    double v = static_cast<double>(rng() % 1000);
    for (size_t i = 0; i < n; ++i) {
      switch (kind) {
        case 0: v += static_cast<double>(rng() % 50); break;                     // counter
        case 1: v = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 100; break;  // cents
        case 2: v = std::bit_cast<double>(rng()); break;                          // any bits
        case 3: v = rng() % 10 == 0 ? stale_nan() : v + 1; break;                   // with exceptions
        default: v = static_cast<double>(rng() % 3); break;
      }
      vs.push_back(v);
    }
    SCOPED_TRACE("round " + std::to_string(round));
    expect_round_trip(ts, vs);
  }
}

// Cut short anywhere, or overwritten with noise, columns decode to a
// prefix or an error: never a crash, never a read past their end (ASan).
TEST(ColumnCodec, TruncatedOrNoisyColumnsNeverCrash) {
  std::vector<double> vs;
  for (int i = 0; i < 300; ++i) vs.push_back(i % 50 == 0 ? stale_nan() : i * 7);
  const std::vector<Timestamp> ts = scrape_times(300, 3);
  const Columns whole = encode(ts, vs);
  for (size_t cut = 1; cut < whole.values.size(); ++cut) {
    std::vector<uint8_t> values(whole.values.begin(), whole.values.begin() + static_cast<ptrdiff_t>(cut));
    const ChunkRef c = ChunkRef::from_mapped_columns(nullptr, whole.timestamps, values, 300, ts.front(), ts.back());
    ChunkIterator it(*c);
    size_t read = 0;
    while (it.next()) ++read;
    EXPECT_LT(read, 300u) << cut;
    EXPECT_FALSE(it.err().ok()) << cut;
  }
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> t(1 + rng() % 40), v(1 + rng() % 80);
    for (uint8_t& b : t) b = static_cast<uint8_t>(rng());
    for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
    if (round % 2 == 0) v[0] = 1;  // decimal mode
    const ChunkRef c = ChunkRef::from_mapped_columns(nullptr, t, v, static_cast<uint16_t>(rng() % 500), 0, 0);
    ChunkIterator it(*c);
    while (it.next()) {
    }
  }
}

}  // namespace
}  // namespace cogwatch::tsdb
