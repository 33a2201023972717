#include "tsdb/chunk.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"

namespace cogwatch::tsdb {
namespace {

struct Sample {
  Timestamp t;
  double v;
};

ChunkRef encode(const std::vector<Sample>& samples) {
  ChunkWriter w;
  for (const Sample& s : samples) w.append(s.t, s.v);
  return w.seal();
}

// Decodes everything and checks it bit for bit.
void expect_round_trip(const std::vector<Sample>& samples) {
  ChunkRef c = encode(samples);
  ASSERT_EQ(c->num_samples(), samples.size());
  EXPECT_EQ(c->min_time(), samples.front().t);
  EXPECT_EQ(c->max_time(), samples.back().t);
  ChunkIterator it(*c);
  for (size_t i = 0; i < samples.size(); ++i) {
    ASSERT_TRUE(it.next()) << "sample " << i << ": " << (it.err() ? "" : it.err().error().message);
    ASSERT_EQ(it.t(), samples[i].t) << "sample " << i;
    ASSERT_EQ(std::bit_cast<uint64_t>(it.v()), std::bit_cast<uint64_t>(samples[i].v)) << "sample " << i;
  }
  EXPECT_FALSE(it.next());
  EXPECT_TRUE(it.err().ok());
}

TEST(Chunk, OneSample) { expect_round_trip({{1000, 1.5}}); }
TEST(Chunk, TwoSamples) { expect_round_trip({{1000, 1.5}, {16000, 2.5}}); }

TEST(Chunk, EqualValuesCostOneBitEach) {
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) s.push_back({1'700'000'000'000 + i * 15'000, 42.0});
  expect_round_trip(s);
  // Header, first t and v, the first delta, then 2 bits per sample
  // (timestamp dod 0, value unchanged).
  EXPECT_LE(encode(s)->size(), 2u + 6 + 8 + 3 + (118 * 2 + 7) / 8 + 1);
}

TEST(Chunk, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  expect_round_trip({{0, stale_nan()},
                     {1, normal_nan()},
                     {2, std::numeric_limits<double>::quiet_NaN()},
                     {3, inf},
                     {4, -inf},
                     {5, 0.0},
                     {6, -0.0},
                     {7, stale_nan()},
                     {8, std::numeric_limits<double>::denorm_min()},
                     {9, std::numeric_limits<double>::max()},
                     {10, -std::numeric_limits<double>::max()},
                     {11, 1.0}});
}

TEST(Chunk, ExtremeTimestamps) {
  expect_round_trip({{kMinTimestamp, 1}, {kMinTimestamp + 1, 2}, {0, 3}, {kMaxTimestamp - 1, 4}, {kMaxTimestamp, 5}});
  expect_round_trip({{-1'000'000, 1}, {-999'985, 2}, {-5, 3}, {-4, 4}, {1'000'000'000'000'000, 5}});
}

TEST(Chunk, DeltaOfDeltaBucketEdges) {
  // Every bucket edge of the timestamp encoding, and one past it, both signs.
  for (int bits : {7, 14, 20}) {
    const int64_t half = int64_t{1} << (bits - 1);
    for (int64_t dod : {half, half + 1, -(half - 1), -half, half - 1}) {
      const int64_t base = 1'000'000;
      std::vector<Sample> s = {{0, 1}, {base, 2}, {2 * base + dod, 3}, {3 * base + dod, 4}};
      SCOPED_TRACE(dod);
      expect_round_trip(s);
    }
  }
}

TEST(Chunk, RandomData) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<Sample> s;
    Timestamp t = static_cast<Timestamp>(rng()) >> (rng() % 64);
    const int n = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      double v;
      switch (rng() % 5) {
        case 0: v = std::bit_cast<double>(rng()); break;          // any bit pattern
        case 1: v = static_cast<double>(rng() % 1000); break;     // small integers
        case 2: v = s.empty() ? 0 : s.back().v; break;            // repeats
        case 3: v = static_cast<double>(rng() % 3) * 0.1; break;
        default: v = std::ldexp(1.0, static_cast<int>(rng() % 2000) - 1000); break;
      }
      s.push_back({t, v});
      // Steps from 1ms to huge, sometimes regular.
      const uint64_t kind = rng() % 4;
      const int64_t step = kind == 0 ? 15'000 : kind == 1 ? 1 + static_cast<int64_t>(rng() % 100)
                                              : kind == 2 ? 1 + static_cast<int64_t>(rng() >> (rng() % 64 + 2))
                                                          : 15'000 + static_cast<int64_t>(rng() % 7) - 3;
      if (t > kMaxTimestamp - step) break;
      t += step;
    }
    SCOPED_TRACE(round);
    expect_round_trip(s);
  }
}

TEST(Chunk, EveryTruncatedPrefixFailsCleanly) {
  std::mt19937_64 rng(11);
  std::vector<Sample> s;
  for (int i = 0; i < 120; ++i) {
    s.push_back({i * 15'000 + static_cast<Timestamp>(rng() % 5), i % 3 == 0 ? std::bit_cast<double>(rng()) : i * 1.0});
  }
  ChunkRef full = encode(s);
  for (uint32_t len = 0; len < full->size(); ++len) {
    ChunkIterator it(full->data(), len);
    size_t n = 0;
    while (it.next()) {
      ASSERT_EQ(it.t(), s[n].t);  // whatever decodes is right
      ++n;
    }
    // The header promises 120 samples, so a short buffer must say so.
    if (len >= 2) {
      EXPECT_LT(n, s.size()) << "len " << len;
    }
    EXPECT_FALSE(it.err().ok() && len >= 2 && n < s.size()) << "len " << len << " decoded " << n;
  }
}

TEST(Chunk, GarbageNeverCrashes) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    ChunkIterator it(bytes.data(), bytes.size());
    int n = 0;
    while (it.next()) ++n;
    EXPECT_LE(n, 0xffff);
  }
}

TEST(Chunk, SeekMovesForwardOnly) {
  std::vector<Sample> s;
  for (int i = 0; i < 50; ++i) s.push_back({i * 10, static_cast<double>(i)});
  ChunkRef c = encode(s);
  ChunkIterator it(*c);
  ASSERT_TRUE(it.seek(95));
  EXPECT_EQ(it.t(), 100);
  ASSERT_TRUE(it.seek(50));  // already past: stays
  EXPECT_EQ(it.t(), 100);
  ASSERT_TRUE(it.seek(100));
  EXPECT_EQ(it.t(), 100);
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.t(), 110);
  EXPECT_FALSE(it.seek(491));
}

TEST(Chunk, FromBytesReadsTheHeader) {
  ChunkRef c = encode({{5, 1}, {6, 2}, {7, 3}});
  ChunkRef copy = ChunkRef::from_bytes(ChunkEncoding::kFloat, c->data(), c->size(), 5, 7);
  EXPECT_EQ(copy->num_samples(), 3);
  EXPECT_EQ(copy->encoding(), ChunkEncoding::kFloat);
  ChunkIterator it(*copy);
  int n = 0;
  while (it.next()) ++n;
  EXPECT_EQ(n, 3);
}

TEST(Chunk, AFloatIteratorRefusesAHistogramChunk) {
  ChunkRef c = encode({{5, 1}});
  ChunkRef wrong = ChunkRef::from_bytes(ChunkEncoding::kHistogram, c->data(), c->size(), 5, 5);
  ChunkIterator it(*wrong);
  EXPECT_FALSE(it.next());
  ASSERT_FALSE(it.err().ok());
  EXPECT_EQ(it.err().error().message, "not a chunk of float samples");
}

TEST(ChunkWriter, SnapshotIsIndependentOfLaterAppends) {
  ChunkWriter w;
  w.append(1, 1);
  w.append(2, 2);
  ChunkRef snap = w.snapshot();
  w.append(3, 3);
  EXPECT_EQ(snap->num_samples(), 2);
  EXPECT_EQ(snap->max_time(), 2);
  EXPECT_EQ(w.num_samples(), 3);
  ChunkIterator it(*snap);
  int n = 0;
  while (it.next()) ++n;
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace cogwatch::tsdb
