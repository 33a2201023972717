// Histogram chunks (tsdb/histogram_chunk.h): round trips, recoding, every
// reason a histogram needs a new chunk and the header that chunk gets,
// the codes of internal/histogram_codec.h at their edges, rebuilding a
// writer from its bytes, and damaged bytes. Byte compatibility with
// Prometheus is histogram_fixture_test.cc's.
#include "tsdb/histogram_chunk.h"

#include <bit>
#include <cctype>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/histogram_fixture_series.h"

namespace cogwatch::tsdb {
namespace {

using fixtures::floating;
using fixtures::integer;
constexpr double kZt = fixtures::kDefaultZeroThreshold;
constexpr auto kGaugeHint = CounterResetHint::kGauge;

std::vector<uint8_t> bytes_of(const ChunkRef& c) { return {c->data(), c->data() + c->size()}; }

// Without the empty buckets a recoding adds, and without the hint.
FloatHistogram canonical(FloatHistogram h) {
  h.counter_reset_hint = CounterResetHint::kUnknown;
  return h.compact(0);
}

struct IntegerSample {
  Timestamp t;
  Histogram h;
};
struct FloatSample {
  Timestamp t;
  FloatHistogram h;
};

ChunkRef write_all(const std::vector<IntegerSample>& samples, CounterResetHeader header = CounterResetHeader::kUnknown) {
  HistogramChunkWriter w;
  for (const auto& s : samples) {
    if (w.empty()) {
      w.start(s.t, s.h, header);
    } else {
      EXPECT_NE(w.append(s.t, s.h).outcome, HistogramAppend::kNeedsNewChunk) << s.t;
    }
  }
  return w.seal();
}

ChunkRef write_all(const std::vector<FloatSample>& samples, CounterResetHeader header = CounterResetHeader::kUnknown) {
  FloatHistogramChunkWriter w;
  for (const auto& s : samples) {
    if (w.empty()) {
      w.start(s.t, s.h, header);
    } else {
      EXPECT_NE(w.append(s.t, s.h).outcome, HistogramAppend::kNeedsNewChunk) << s.t;
    }
  }
  return w.seal();
}

template <typename Samples>
void expect_reads_back(const ChunkRef& c, const Samples& samples) {
  ASSERT_EQ(c->num_samples(), samples.size());
  EXPECT_EQ(c->min_time(), samples.front().t);
  EXPECT_EQ(c->max_time(), samples.back().t);
  HistogramChunkIterator it(*c);
  for (size_t i = 0; i < samples.size(); ++i) {
    ASSERT_TRUE(it.next()) << "sample " << i << ": " << (it.err() ? "" : it.err().error().message);
    EXPECT_EQ(it.t(), samples[i].t) << "sample " << i;
    FloatHistogram want;
    if constexpr (std::is_same_v<typename Samples::value_type, IntegerSample>) {
      want = samples[i].h.to_float();
    } else {
      want = samples[i].h;
    }
    if (is_stale_nan(want.sum)) {
      EXPECT_TRUE(it.stale()) << "sample " << i;
      continue;
    }
    EXPECT_TRUE(canonical(it.float_histogram()).equals(canonical(want)))
        << "sample " << i << ": " << it.float_histogram().to_string() << " vs " << want.to_string();
  }
  EXPECT_FALSE(it.next());
  EXPECT_TRUE(it.err().ok()) << it.err().error().message;
}

// ---- The codes ----

TEST(HistogramCodec, VarbitIntegersRoundTripAtEveryBucketEdge) {
  std::vector<int64_t> values = {0, INT64_MIN, INT64_MAX, -1, 1};
  for (int bits : {3, 6, 9, 12, 18, 25, 56}) {
    const int64_t half = int64_t{1} << (bits - 1);
    for (int64_t v : {half, half + 1, -(half - 1), -half}) values.push_back(v);
  }
  internal::BitBuffer b;
  for (int64_t v : values) internal::put_varbit_int(b, v);
  for (int64_t v : values) internal::put_varbit_uint(b, static_cast<uint64_t>(v));
  internal::BitReader in(b.bytes().data(), b.bytes().size());
  for (int64_t v : values) EXPECT_EQ(internal::get_varbit_int(in), v);
  for (int64_t v : values) EXPECT_EQ(internal::get_varbit_uint(in), static_cast<uint64_t>(v));
  EXPECT_FALSE(in.overrun());
}

TEST(HistogramCodec, VarbitIntegersTakeTheBitsPrometheusGivesThem) {
  struct Case {
    int64_t v;
    size_t bits;
  };
  for (const Case& c : {Case{0, 1}, {4, 5}, {-3, 5}, {5, 9}, {-4, 9}, {32, 9}, {33, 13}, {2048, 17}, {2049, 24},
                        {131072, 24}, {131073, 32}, {16777216, 32}, {16777217, 64}, {int64_t{1} << 55, 64},
                        {(int64_t{1} << 55) + 1, 72}}) {
    internal::BitBuffer b;
    internal::put_varbit_int(b, c.v);
    EXPECT_EQ(b.bytes().size() * 8 - b.free_bits(), c.bits) << c.v;
  }
}

TEST(HistogramCodec, ZeroThresholdsOfOneByteAndOfNine) {
  struct Case {
    double threshold;
    size_t bytes;
    int first_byte;
  };
  for (const Case& c : {Case{0, 1, 0}, {kZt, 1, 116}, {1024, 1, 254}, {std::ldexp(1.0, -243), 1, 1},
                        {2048, 9, 255}, {std::ldexp(1.0, -244), 9, 255}, {0.001, 9, 255}, {-0.5, 9, 255},
                        {std::numeric_limits<double>::infinity(), 9, 255}}) {
    internal::BitBuffer b;
    internal::put_zero_threshold(b, c.threshold);
    ASSERT_EQ(b.bytes().size(), c.bytes) << c.threshold;
    EXPECT_EQ(b.bytes()[0], c.first_byte) << c.threshold;
    internal::BitReader in(b.bytes().data(), b.bytes().size());
    EXPECT_EQ(internal::get_zero_threshold(in), c.threshold);
  }
}

TEST(HistogramCodec, CustomBoundsInThousandthsOrWhole) {
  struct Case {
    double bound;
    bool raw;  // a 0 bit and the double
  };
  for (const Case& c : {Case{0, false}, {0.001, false}, {0.25, false}, {7.5, false}, {33554.43, false},
                        {33554.431, true}, {-1, true}, {0.0001, true}, {1e100, true}}) {
    internal::BitBuffer b;
    internal::put_custom_bound(b, c.bound);
    const size_t bits = b.bytes().size() * 8 - b.free_bits();
    EXPECT_EQ(bits == 65, c.raw) << c.bound << ": " << bits << " bits";
    internal::BitReader in(b.bytes().data(), b.bytes().size());
    EXPECT_EQ(internal::get_custom_bound(in), c.bound);
  }
}

// Prometheus's worked example (expandIntSpansAndBuckets): a span appended,
// one unchanged, one prepended, two merged.
TEST(HistogramCodec, InsertsWidenDeltasAsPrometheusDraws) {
  const HistogramSpans a = {{0, 2}, {2, 1}, {3, 2}, {3, 1}, {1, 1}};
  const std::vector<int64_t> a_deltas = {6, -3, 0, -1, 2, 1, -4};  // 6 3 3 2 4 5 1
  const HistogramSpans b = {{0, 3}, {1, 1}, {1, 4}, {3, 3}};
  const std::vector<int64_t> b_deltas = {6, -3, -3, 3, -3, 0, 2, 2, 1, -5, 1};  // 6 3 0 3 0 0 2 4 5 0 1
  internal::BucketInserts forward, backward;
  ASSERT_TRUE(internal::expand_for_counter<int64_t>(a, a_deltas, b, b_deltas, true, forward, backward));
  EXPECT_TRUE(backward.empty());
  EXPECT_EQ(internal::insert_buckets<int64_t>(a_deltas, forward, true), b_deltas);
  // Absolute counts take zeros.
  const std::vector<double> a_counts = {6, 3, 3, 2, 4, 5, 1};
  EXPECT_EQ(internal::insert_buckets<double>(a_counts, forward, false),
            (std::vector<double>{6, 3, 0, 3, 0, 0, 2, 4, 5, 0, 1}));
  // A populated bucket of a missing from b is a reset; an empty one is not.
  const std::vector<int64_t> fewer = {6, -3, 0, -1, 2, 1};  // bucket 15 gone
  EXPECT_FALSE(internal::expand_for_counter<int64_t>(a, a_deltas, {{0, 2}, {2, 1}, {3, 2}, {3, 1}}, fewer, true,
                                                     forward, backward));
  const std::vector<int64_t> last_empty = {6, -3, 0, -1, 2, 1, -5};  // ... 5 0
  ASSERT_TRUE(internal::expand_for_counter<int64_t>(a, last_empty, {{0, 2}, {2, 1}, {3, 2}, {3, 1}}, fewer, true,
                                                    forward, backward));
  ASSERT_EQ(backward.size(), 1u);
  EXPECT_EQ(backward[0].pos, 6u);
  EXPECT_EQ(backward[0].num, 1u);
  EXPECT_EQ(backward[0].index, 15);
}

TEST(HistogramCodec, BothWaysMergesTheSpans) {
  internal::BucketInserts forward, backward;
  HistogramSpans merged;
  // a: 0 1; b: 1 2 (a gauge whose bucket 0 went and 2 came).
  internal::expand_both_ways({{0, 2}}, {{1, 2}}, forward, backward, merged);
  EXPECT_EQ(merged, (HistogramSpans{{0, 3}}));
  ASSERT_EQ(forward.size(), 1u);
  EXPECT_EQ(forward[0].pos, 2u);  // after a's two buckets
  ASSERT_EQ(backward.size(), 1u);
  EXPECT_EQ(backward[0].pos, 0u);  // before b's first
  // Disjoint, with a gap.
  internal::expand_both_ways({{5, 1}}, {{0, 1}}, forward, backward, merged);
  EXPECT_EQ(merged, (HistogramSpans{{0, 1}, {4, 1}}));
  ASSERT_EQ(forward.size(), 1u);
  EXPECT_EQ(forward[0].pos, 0u);
  ASSERT_EQ(backward.size(), 1u);
  EXPECT_EQ(backward[0].pos, 1u);
  EXPECT_EQ(internal::adjust_spans_for_inserts({{0, 1}, {2, 1}}, {{1, 2, 1}}), (HistogramSpans{{0, 4}}));
}

// ---- Round trips ----

TEST(HistogramChunk, IntegerHistogramsRoundTrip) {
  std::vector<IntegerSample> s;
  Timestamp t = -1'000'000;
  for (int i = 0; i < 60; ++i) {
    t += i % 7 == 0 ? 3'600'000 : 15'000 + i % 3;
    const int64_t k = i * i;
    s.push_back({t, integer(3, kZt, static_cast<uint64_t>(i), 0.1 * k, {{-3, 2}, {4, 3}},
                            {k, 2 * k, k * k, 5 + k, int64_t{1} << std::min(i, 50)}, {{0, 1}}, {i})});
  }
  expect_reads_back(write_all(s), s);
}

TEST(HistogramChunk, FloatHistogramsRoundTripBitForBit) {
  std::vector<FloatSample> s;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1e6);
  double a = 0, b = 0, z = 0;
  for (int i = 0; i < 60; ++i) {
    a += u(rng);
    b += i % 5 == 0 ? 0 : 0.1 * i;
    z += 1.0 / 3;
    s.push_back({1'700'000'000'000 + i * 15'000, floating(-1, 0.5, z, std::sin(i), {{1, 2}}, {a, b})});
  }
  s.push_back({1'700'000'000'000 + 60 * 15'000, floating(-1, 0.5, z, std::numeric_limits<double>::infinity(),
                                                           {{1, 2}}, {a, std::numeric_limits<double>::max()})});
  ChunkRef c = write_all(s);
  expect_reads_back(c, s);
  HistogramChunkIterator it(*c);
  for (const FloatSample& x : s) {
    ASSERT_TRUE(it.next());
    const FloatHistogram h = it.float_histogram();
    EXPECT_EQ(std::bit_cast<uint64_t>(h.sum), std::bit_cast<uint64_t>(x.h.sum));
    EXPECT_EQ(h.positive_buckets, x.h.positive_buckets);
  }
}

// A custom-bucket histogram's layout, drawn bit by bit (Prometheus 2.42
// cannot make one to compare with).
TEST(HistogramChunk, CustomBucketLayoutIsPrometheusLayout) {
  Histogram h = integer(kCustomBucketsSchema, 0, 0, 4.0, {{0, 2}, {1, 1}}, {1, 1, 1});
  h.custom_values = {0.25, 1, 7.5, 50000};
  HistogramChunkWriter w;
  w.start(1000, h, CounterResetHeader::kUnknown);
  const std::vector<uint8_t> expected = {
      0x00, 0x01, 0x00,  // one sample, header "unknown"
      // 00000000          zero threshold 0
      // 1110 111001011    schema -53: varbit, 9 bits
      // 10 010            2 positive spans
      // 10 010  0         length 2, offset 0
      // 10 001  10 001    length 1, offset 1
      // 0                 no negative spans
      // 10 100            4 custom bounds:
      // 1110 011111011    0.25 as 250 + 1
      // 11110 001111101001  1 as 1000 + 1
      // 111110 000001110101001101  7.5 as 7500 + 1
      // 0 <64 bits>       50000 (too large for thousandths): the double
      // 11110 001111101000  t = 1000
      // 10 011  0         count 3, zero count 0
      // <64 bits>         sum 4.0
      // 10 001  0  0      bucket deltas 1 0 0, then padding
      0x00, 0xee, 0x5c, 0xa4, 0x8c, 0x54, 0xe7, 0xdf, 0x8f, 0xa7, 0xe0, 0x75, 0x34, 0x81, 0xd0, 0xd4, 0x00, 0x00,
      0x00, 0x00, 0x01, 0xe3, 0xe8, 0x99, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20};
  EXPECT_EQ(bytes_of(w.snapshot()), expected);
  // Reads back, and takes the same bounds again.
  Histogram next = integer(kCustomBucketsSchema, 0, 0, 9.5, {{0, 4}}, {1, 2, 0, 3});
  next.custom_values = h.custom_values;
  EXPECT_EQ(w.append(2000, next).outcome, HistogramAppend::kRecoded);  // bucket 2 is new
  expect_reads_back(w.snapshot(), std::vector<IntegerSample>{{1000, h}, {2000, next}});
  const ChunkRef chunk = w.snapshot();  // the iterator reads its bytes
  HistogramChunkIterator it(*chunk);
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.histogram().custom_values, h.custom_values);
  EXPECT_EQ(it.histogram().schema, kCustomBucketsSchema);
}

TEST(HistogramChunk, CustomBucketFloatHistogramsRoundTrip) {
  FloatHistogram h = floating(kCustomBucketsSchema, 0, 0, 2.5, {{0, 3}}, {0.5, 0, 1.5});
  h.custom_values = {1e-9, 0.1, 0.2};  // 1e-9 is no multiple of 0.001: stored whole
  FloatHistogram next = h;
  next.positive_buckets = {1, 0.5, 2};
  next.count = 3.5;
  expect_reads_back(write_all(std::vector<FloatSample>{{10, h}, {20, next}}), std::vector<FloatSample>{{10, h}, {20, next}});
}

TEST(HistogramChunk, NewBucketsRecodeTheChunkAndOldSamplesKeepTheirCounts) {
  const std::vector<IntegerSample> s = {
      {1, integer(0, kZt, 0, 1, {{0, 1}}, {1})},
      {2, integer(0, kZt, 0, 2, {{0, 1}}, {2})},
      {3, integer(0, kZt, 0, 5, {{-2, 1}, {1, 1}, {1, 1}}, {1, 3, 1}, {{0, 1}}, {4})},
  };
  HistogramChunkWriter w;
  w.start(s[0].t, s[0].h, CounterResetHeader::kUnknown);
  EXPECT_EQ(w.append(s[1].t, s[1].h).outcome, HistogramAppend::kAppended);
  EXPECT_EQ(w.append(s[2].t, s[2].h).outcome, HistogramAppend::kRecoded);
  expect_reads_back(w.snapshot(), s);
  const ChunkRef chunk = w.snapshot();  // the iterator reads its bytes
  HistogramChunkIterator it(*chunk);
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.histogram().positive_spans, s[2].h.positive_spans);  // the widened layout
  EXPECT_EQ(it.histogram().count, 1u);
}

// ---- Why a histogram needs a new chunk, and what that chunk is told ----

struct CutCase {
  const char* name;
  Histogram first, next;
  HistogramAppend outcome;
  CounterResetHeader header;  // with kNeedsNewChunk
};

std::vector<CutCase> cut_cases() {
  const Histogram base = integer(1, kZt, 2, 10, {{0, 3}}, {1, 2, 3}, {{0, 1}}, {1});
  Histogram custom = integer(kCustomBucketsSchema, 0, 0, 1, {{0, 2}}, {1, 1});
  custom.custom_values = {1, 2};
  Histogram custom_other = custom;
  custom_other.custom_values = {1, 3};
  Histogram reset_hinted = integer(1, kZt, 3, 20, {{0, 3}}, {2, 3, 4}, {{0, 1}}, {1});
  reset_hinted.counter_reset_hint = CounterResetHint::kCounterReset;
  Histogram stale;
  stale.sum = stale_nan();
  Histogram gauge = base;
  gauge.counter_reset_hint = kGaugeHint;
  using enum HistogramAppend;
  using H = CounterResetHeader;
  return {
      {"more of everything", base, integer(1, kZt, 3, 20, {{0, 3}}, {2, 3, 4}, {{0, 1}}, {2}), kAppended, {}},
      {"a new bucket", base, integer(1, kZt, 2, 11, {{0, 4}}, {1, 2, 3, 1}, {{0, 1}}, {1}), kRecoded, {}},
      {"an empty bucket gone", integer(1, kZt, 2, 10, {{0, 3}}, {1, 0, 3}),
       integer(1, kZt, 2, 11, {{0, 1}, {1, 1}}, {1, 4}), kAppended, {}},
      {"a stale marker", base, stale, kAppended, {}},
      {"the schema", base, integer(0, kZt, 2, 11, {{0, 3}}, {1, 2, 3}, {{0, 1}}, {1}), kNeedsNewChunk, H::kUnknown},
      {"the zero threshold", base, integer(1, 0.5, 2, 11, {{0, 3}}, {1, 2, 3}, {{0, 1}}, {1}), kNeedsNewChunk,
       H::kUnknown},
      {"the count down", base, integer(1, kZt, 0, 1, {{0, 1}}, {1}), kNeedsNewChunk, H::kCounterReset},
      {"the zero count down", base, integer(1, kZt, 1, 11, {{0, 3}}, {1, 3, 3}, {{0, 1}}, {3}), kNeedsNewChunk,
       H::kCounterReset},
      {"a bucket down", base, integer(1, kZt, 2, 11, {{0, 3}}, {1, 1, 9}, {{0, 1}}, {1}), kNeedsNewChunk,
       H::kCounterReset},
      {"a populated bucket gone", base, integer(1, kZt, 2, 11, {{0, 2}}, {1, 9}, {{0, 1}}, {1}), kNeedsNewChunk,
       H::kCounterReset},
      {"a reset hint", base, reset_hinted, kNeedsNewChunk, H::kCounterReset},
      {"other custom bounds", custom, custom_other, kNeedsNewChunk, H::kCounterReset},
      {"a sample after a stale marker", stale, base, kNeedsNewChunk, H::kUnknown},
      {"a gauge after counters", base, gauge, kNeedsNewChunk, H::kGauge},
      // Prometheus: a gauge chunk says nothing about a counter after it.
      {"a counter after gauges", gauge, base, kNeedsNewChunk, H::kNotCounterReset},
  };
}

class HistogramCutTest : public ::testing::TestWithParam<CutCase> {};

TEST_P(HistogramCutTest, IntegerChunk) {
  const CutCase& c = GetParam();
  HistogramChunkWriter w;
  w.start(1000, c.first, first_chunk_header(c.first.counter_reset_hint, std::nullopt));
  const std::vector<uint8_t> before = bytes_of(w.snapshot());
  const HistogramAppendResult r = w.append(2000, c.next);
  EXPECT_EQ(r.outcome, c.outcome);
  if (c.outcome == HistogramAppend::kNeedsNewChunk) {
    EXPECT_EQ(r.header, c.header);
    EXPECT_EQ(bytes_of(w.snapshot()), before);  // nothing changed
    EXPECT_EQ(w.num_samples(), 1);
  } else {
    expect_reads_back(w.snapshot(), std::vector<IntegerSample>{{1000, c.first}, {2000, c.next}});
  }
}

TEST_P(HistogramCutTest, FloatChunk) {
  const CutCase& c = GetParam();
  FloatHistogramChunkWriter w;
  const FloatHistogram first = c.first.to_float(), next = c.next.to_float();
  w.start(1000, first, first_chunk_header(first.counter_reset_hint, std::nullopt));
  const HistogramAppendResult r = w.append(2000, next);
  EXPECT_EQ(r.outcome, c.outcome);
  if (c.outcome == HistogramAppend::kNeedsNewChunk) {
    // Float chunks only tell a reset apart: Prometheus's float appendable
    // has no "unknown" verdict.
    const CounterResetHeader want = c.header == CounterResetHeader::kNotCounterReset ? CounterResetHeader::kUnknown
                                                                                    : c.header;
    EXPECT_EQ(r.header, want);
    EXPECT_EQ(w.num_samples(), 1);
  } else {
    expect_reads_back(w.snapshot(), std::vector<FloatSample>{{1000, first}, {2000, next}});
  }
}

INSTANTIATE_TEST_SUITE_P(Reasons, HistogramCutTest, ::testing::ValuesIn(cut_cases()),
                         [](const ::testing::TestParamInfo<CutCase>& param_info) {
                           std::string name;
                           for (const char* p = param_info.param.name; *p; ++p) name += std::isalnum(*p) ? *p : '_';
                           return name;
                         });

TEST(HistogramChunk, GaugeBucketsComeAndGoAndCountsGoDown) {
  const std::vector<IntegerSample> s = {
      {1, integer(0, kZt, 5, 4, {{0, 2}}, {3, 1}, {}, {}, kGaugeHint)},
      {2, integer(0, kZt, 0, -9, {{1, 2}}, {2, 5}, {{3, 1}}, {1}, kGaugeHint)},
      {3, integer(0, kZt, 1, 2, {}, {}, {}, {}, kGaugeHint)},
  };
  HistogramChunkWriter w;
  w.start(s[0].t, s[0].h, first_chunk_header(kGaugeHint, std::nullopt));
  EXPECT_EQ(w.header(), CounterResetHeader::kGauge);
  EXPECT_EQ(w.append(s[1].t, s[1].h).outcome, HistogramAppend::kRecoded);
  EXPECT_EQ(w.append(s[2].t, s[2].h).outcome, HistogramAppend::kAppended);
  expect_reads_back(w.snapshot(), s);
}

TEST(HistogramChunk, TheHeaderOfAChunkCutForItsSize) {
  const Histogram base = integer(0, kZt, 0, 3, {{0, 2}}, {1, 2});
  HistogramChunkWriter w;
  w.start(1, base, CounterResetHeader::kUnknown);
  EXPECT_EQ(w.header_after(integer(0, kZt, 0, 5, {{0, 2}}, {2, 3})), CounterResetHeader::kNotCounterReset);
  EXPECT_EQ(w.header_after(integer(0, kZt, 0, 1, {{0, 2}}, {1, 0})), CounterResetHeader::kCounterReset);
  EXPECT_EQ(w.header_after(integer(1, kZt, 0, 5, {{0, 2}}, {2, 3})), CounterResetHeader::kUnknown);
  FloatHistogramChunkWriter fw;
  fw.start(1, base.to_float(), CounterResetHeader::kUnknown);
  EXPECT_EQ(fw.header_after(integer(1, kZt, 0, 5, {{0, 2}}, {2, 3}).to_float()), CounterResetHeader::kNotCounterReset);
  EXPECT_EQ(fw.header_after(integer(0, kZt, 0, 1, {{0, 2}}, {1, 0}).to_float()), CounterResetHeader::kCounterReset);
  // What a chunk's first histogram says outweighs the chunk before.
  EXPECT_EQ(first_chunk_header(kGaugeHint, CounterResetHeader::kNotCounterReset), CounterResetHeader::kGauge);
  EXPECT_EQ(first_chunk_header(CounterResetHint::kCounterReset, CounterResetHeader::kNotCounterReset),
            CounterResetHeader::kCounterReset);
  EXPECT_EQ(first_chunk_header(CounterResetHint::kUnknown, std::nullopt), CounterResetHeader::kUnknown);
}

// ---- Reading ----

TEST(HistogramChunk, HintsAreWhatTheChunkKnows) {
  const Histogram a = integer(0, kZt, 0, 1, {{0, 1}}, {1}), b = integer(0, kZt, 0, 2, {{0, 1}}, {2});
  for (CounterResetHeader header : {CounterResetHeader::kCounterReset, CounterResetHeader::kNotCounterReset}) {
    const ChunkRef chunk = write_all({{1, a}, {2, b}, {3, b}}, header);  // the iterator reads its bytes
    HistogramChunkIterator it(*chunk);
    ASSERT_TRUE(it.next());
    EXPECT_EQ(it.histogram().counter_reset_hint, CounterResetHint::kUnknown);  // the chunk before may be gone
    ASSERT_TRUE(it.next());
    EXPECT_EQ(it.histogram().counter_reset_hint, CounterResetHint::kNotCounterReset);
    ASSERT_TRUE(it.next());
    EXPECT_EQ(it.float_histogram().counter_reset_hint, CounterResetHint::kNotCounterReset);
  }
  Histogram g = a;
  g.counter_reset_hint = kGaugeHint;
  const ChunkRef chunk = write_all({{1, g}, {2, g}}, CounterResetHeader::kGauge);  // the iterator reads its bytes
  HistogramChunkIterator it(*chunk);
  while (it.next()) EXPECT_EQ(it.histogram().counter_reset_hint, kGaugeHint);
}

TEST(HistogramChunk, AStaleMarkerHasNothingButItsSum) {
  Histogram stale;
  stale.sum = stale_nan();
  stale.count = 7;  // not stored: a stale marker has no counts
  const Histogram a = integer(0, kZt, 1, 1, {{0, 1}}, {1});
  const ChunkRef chunk = write_all({{1, a}, {2, stale}, {3, stale}});  // the iterator reads its bytes
  HistogramChunkIterator it(*chunk);
  ASSERT_TRUE(it.next());
  EXPECT_FALSE(it.stale());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(it.next());
    EXPECT_TRUE(it.stale());
    EXPECT_TRUE(is_stale_nan(it.histogram().sum));
    EXPECT_EQ(it.histogram().count, 0u);
    EXPECT_TRUE(it.histogram().positive_buckets.empty());
    EXPECT_TRUE(is_stale_nan(it.float_histogram().sum));
  }
  EXPECT_FALSE(it.next());
  EXPECT_TRUE(it.err().ok());
}

TEST(HistogramChunk, SeekNeverMovesBackwards) {
  std::vector<IntegerSample> s;
  for (int i = 0; i < 10; ++i) s.push_back({i * 10, integer(0, kZt, 0, i, {{0, 1}}, {i})});
  const ChunkRef chunk = write_all(s);  // the iterator reads its bytes
  HistogramChunkIterator it(*chunk);
  ASSERT_TRUE(it.seek(35));
  EXPECT_EQ(it.t(), 40);
  ASSERT_TRUE(it.seek(10));
  EXPECT_EQ(it.t(), 40);
  EXPECT_EQ(it.histogram().count, 4u);
  EXPECT_FALSE(it.seek(91));
}

// ---- Damage ----

TEST(HistogramChunk, EveryTruncatedPrefixFailsCleanly) {
  const auto series = fixtures::fixture_series();
  for (const auto& f : series) {
    std::vector<uint8_t> whole;
    if (!f.integers.empty()) {
      std::vector<IntegerSample> s;
      for (const auto& x : f.integers) s.push_back({x.t, x.h});
      // The fixtures are cut into several chunks; the first run of them is one.
      HistogramChunkWriter w;
      for (const auto& x : s) {
        if (w.empty()) {
          w.start(x.t, x.h, CounterResetHeader::kUnknown);
        } else if (w.append(x.t, x.h).outcome == HistogramAppend::kNeedsNewChunk) {
          break;
        }
      }
      whole = bytes_of(w.seal());
    } else {
      FloatHistogramChunkWriter w;
      for (const auto& x : f.floats) {
        if (w.empty()) {
          w.start(x.t, x.h, CounterResetHeader::kUnknown);
        } else if (w.append(x.t, x.h).outcome == HistogramAppend::kNeedsNewChunk) {
          break;
        }
      }
      whole = bytes_of(w.seal());
    }
    const ChunkEncoding e = f.integers.empty() ? ChunkEncoding::kFloatHistogram : ChunkEncoding::kHistogram;
    std::vector<Timestamp> all;
    for (HistogramChunkIterator it(e, whole); it.next();) all.push_back(it.t());
    for (size_t n = 0; n < whole.size(); ++n) {
      HistogramChunkIterator it(e, std::span<const uint8_t>(whole.data(), n));
      size_t read = 0;
      while (it.next()) {
        ASSERT_LT(read, all.size());
        EXPECT_EQ(it.t(), all[read++]);
      }
      if (n == 0) continue;  // no header: an empty chunk
      ASSERT_FALSE(it.err().ok()) << f.name << ": prefix of " << n << " bytes";
      EXPECT_LT(read, all.size());
    }
  }
}

TEST(HistogramChunk, RandomBytesNeverCrash) {
  std::mt19937 rng(1);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> b(3 + rng() % 60);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[2] &= 0xc0;
    const ChunkEncoding e = i % 2 ? ChunkEncoding::kHistogram : ChunkEncoding::kFloatHistogram;
    HistogramChunkIterator it(e, b);
    while (it.next()) {
      (void)it.float_histogram();
    }
    (void)HistogramChunkWriter::restore(b);
    (void)FloatHistogramChunkWriter::restore(b);
  }
}

TEST(HistogramChunk, AnImpossibleLayoutIsCorruption) {
  // A huge span count in a few bytes: refused before anything is allocated.
  internal::BitBuffer b(internal::histogram_chunk_header(0));
  b.bytes()[1] = 1;
  internal::put_zero_threshold(b, 0);
  internal::put_varbit_int(b, 0);
  internal::put_varbit_uint(b, uint64_t{1} << 40);
  HistogramChunkIterator it(ChunkEncoding::kHistogram, b.bytes());
  EXPECT_FALSE(it.next());
  ASSERT_FALSE(it.err().ok());
  EXPECT_EQ(it.err().error().message, "corrupt chunk: impossible histogram layout");
  // A schema no writer makes.
  internal::BitBuffer s(internal::histogram_chunk_header(0));
  s.bytes()[1] = 1;
  internal::put_zero_threshold(s, 0);
  internal::put_varbit_int(s, 9);
  s.write_bits(0, 64);
  HistogramChunkIterator schema(ChunkEncoding::kHistogram, s.bytes());
  EXPECT_FALSE(schema.next());
  EXPECT_FALSE(schema.err().ok());
}

// ---- Rebuilding a writer from its bytes ----

template <typename Writer, typename Samples>
void expect_restore_continues(const Samples& s) {
  Writer whole;
  for (size_t k = 0; k < s.size(); ++k) {
    if (k == 0) {
      whole.start(s[k].t, s[k].h, CounterResetHeader::kNotCounterReset);
    } else {
      ASSERT_NE(whole.append(s[k].t, s[k].h).outcome, HistogramAppend::kNeedsNewChunk);
    }
    // Stopped after sample k and rebuilt, the writer goes on with the same bytes.
    auto restored = Writer::restore(bytes_of(whole.snapshot()));
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    Writer copy = whole;
    for (size_t j = k + 1; j < s.size(); ++j) {
      ASSERT_EQ(restored->append(s[j].t, s[j].h).outcome, copy.append(s[j].t, s[j].h).outcome);
    }
    EXPECT_EQ(bytes_of(restored->snapshot()), bytes_of(copy.snapshot())) << "restored after sample " << k;
    EXPECT_EQ(restored->min_time(), s[0].t);
    EXPECT_EQ(restored->header(), CounterResetHeader::kNotCounterReset);
  }
}

TEST(HistogramChunk, ARestoredWriterGoesOnWithTheSameBytes) {
  Histogram stale;
  stale.sum = stale_nan();
  expect_restore_continues<HistogramChunkWriter>(std::vector<IntegerSample>{
      {10, integer(2, kZt, 0, 1, {{0, 1}}, {1})},
      {20, integer(2, kZt, 0, 1, {{0, 1}}, {1})},  // the sum unchanged: no XOR window yet
      {35, integer(2, kZt, 1, 5, {{0, 2}}, {2, 1})},
      {45, integer(2, kZt, 1, 7.25, {{-1, 3}}, {1, 2, 3})},
      {50, stale},
      {60, stale},
  });
  FloatHistogram fstale;
  fstale.sum = stale_nan();
  expect_restore_continues<FloatHistogramChunkWriter>(std::vector<FloatSample>{
      {10, floating(0, kZt, 0.5, 1, {{0, 1}}, {1})},
      {20, floating(0, kZt, 0.5, 1, {{0, 1}}, {1})},
      {30, floating(0, kZt, 0.75, 2.5, {{0, 2}}, {1.5, 0.125})},
      {40, fstale},
  });
}

TEST(HistogramChunk, RestoreRefusesWhatDoesNotDecodeWhole) {
  const Histogram a = integer(0, kZt, 0, 1, {{0, 1}}, {1});
  std::vector<uint8_t> b = bytes_of(write_all({{1, a}, {2, a}}));
  std::vector<uint8_t> longer = b;
  longer.push_back(0);
  EXPECT_EQ(HistogramChunkWriter::restore(longer).error().message, "histogram chunk has bytes after its last sample");
  b.pop_back();
  EXPECT_NE(HistogramChunkWriter::restore(b).error().message.find("does not decode: chunk truncated"),
            std::string::npos);
  EXPECT_EQ(HistogramChunkWriter::restore(std::vector<uint8_t>{0, 0, 0}).error().message,
            "histogram chunk holds no samples");
}

}  // namespace
}  // namespace cogwatch::tsdb
