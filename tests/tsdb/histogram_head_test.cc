// Native histograms in the head: appending and reading back, the same
// checks as floats (validation, duplicates, order, bounds), series that
// change between floats and histograms, stale markers, chunk limits,
// retention and memory accounting.
#include <bit>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/histogram_fixture_series.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"
#include "tsdb/stale_markers.h"

namespace cogwatch::tsdb {
namespace {

using fixtures::floating;
using fixtures::integer;
using testing::matcher;
constexpr double kZt = fixtures::kDefaultZeroThreshold;

const Labels kLatency{{"__name__", "latency"}, {"job", "cog"}};

// A latency histogram after n observations.
Histogram latency(int n) { return integer(3, kZt, 0, 0.05 * n, {{-4, 3}}, {n, 2 * n, n / 2}); }

struct Sample {
  Timestamp t;
  ValueType type;
  double v = 0;          // floats
  FloatHistogram h;      // histograms, as floats
  Histogram integer_h;   // integer histograms
};

std::vector<Sample> read_samples(const Head& head, const Labels& labels = kLatency) {
  std::vector<Sample> out;
  auto series = head.select({matcher(MatchType::kEqual, "__name__", std::string(labels.get("__name__")).c_str())},
                            kMinTimestamp, kMaxTimestamp);
  for (const SeriesData& s : series) {
    if (s.labels != labels) continue;
    SeriesIterator it = s.iterator();
    while (it.next()) {
      Sample x{it.t(), it.value_type()};
      if (x.type == ValueType::kFloat) x.v = it.v();
      if (x.type != ValueType::kFloat) x.h = it.float_histogram();
      if (x.type == ValueType::kHistogram) x.integer_h = it.histogram();
      out.push_back(std::move(x));
    }
    EXPECT_TRUE(it.err().ok());
  }
  return out;
}

std::vector<ChunkEncoding> encodings(const Head& head, const Labels& labels = kLatency) {
  std::vector<ChunkEncoding> out;
  for (const SeriesData& s : head.select({matcher(MatchType::kEqual, "job", "cog")}, kMinTimestamp, kMaxTimestamp)) {
    if (s.labels != labels) continue;
    for (const ChunkRef& c : s.chunks) out.push_back(c->encoding());
  }
  return out;
}

Result<SeriesRef> append_one(Head& head, Timestamp t, const Histogram& h, const Labels& l = kLatency) {
  auto app = head.appender();
  auto r = app->append_histogram(l, t, h);
  app->commit();
  return r;
}

Result<SeriesRef> append_one(Head& head, Timestamp t, const FloatHistogram& h, const Labels& l = kLatency) {
  auto app = head.appender();
  auto r = app->append_float_histogram(l, t, h);
  app->commit();
  return r;
}

TEST(HistogramHead, AppendsAndReadsBack) {
  Head head;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(append_one(head, i * 15000, latency(i + 1)).ok());
  const auto got = read_samples(head);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].t, i * 15000);
    ASSERT_EQ(got[i].type, ValueType::kHistogram);
    EXPECT_EQ(got[i].integer_h, latency(i + 1));
    EXPECT_TRUE(got[i].h.equals(latency(i + 1).to_float()));
    // As Prometheus's iterators: nothing known at a chunk's first sample.
    EXPECT_EQ(got[i].integer_h.counter_reset_hint,
              i == 0 ? CounterResetHint::kUnknown : CounterResetHint::kNotCounterReset);
  }
  EXPECT_EQ(head.stats().samples_appended, 5u);
  EXPECT_EQ(encodings(head), std::vector<ChunkEncoding>{ChunkEncoding::kHistogram});
}

TEST(HistogramHead, AnInvalidHistogramIsRefusedWithValidatesMessage) {
  Head head;
  Histogram bad = latency(1);
  bad.positive_buckets.pop_back();
  auto app = head.appender();
  auto r = app->append_histogram(kLatency, 1000, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "positive side: spans need 3 buckets, have 2 buckets: histogram spans specify different number of "
            "buckets than provided");
  FloatHistogram negative = latency(1).to_float();
  negative.positive_buckets[0] = -1;
  EXPECT_EQ(app->append_float_histogram(kLatency, 1000, negative).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(app->commit().appended, 0u);
  EXPECT_EQ(head.stats().series, 0u);  // refused before the series was made
  EXPECT_EQ(head.stats().out_of_bounds_samples, 0u);
}

TEST(HistogramHead, TheSameHistogramAgainIsIgnoredAnotherIsADuplicate) {
  Head head;
  ASSERT_TRUE(append_one(head, 1000, latency(1)).ok());
  Histogram hinted = latency(1);
  hinted.counter_reset_hint = CounterResetHint::kNotCounterReset;  // hints are not compared
  EXPECT_TRUE(append_one(head, 1000, hinted).ok());
  auto other = append_one(head, 1000, latency(2));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kDuplicateSample);
  // Another kind at the newest time is another value.
  EXPECT_EQ(testing::append_one(head, kLatency, 1000, 1.0).error().code, ErrorCode::kDuplicateSample);
  EXPECT_EQ(append_one(head, 1000, latency(1).to_float()).error().code, ErrorCode::kDuplicateSample);
  EXPECT_EQ(head.stats().samples_appended, 1u);
  EXPECT_EQ(head.stats().duplicate_samples, 3u);
  // And the other way round.
  const Labels f{{"__name__", "f"}, {"job", "cog"}};
  ASSERT_TRUE(append_one(head, 1000, latency(1).to_float(), f).ok());
  EXPECT_TRUE(append_one(head, 1000, latency(1).to_float(), f).ok());
  EXPECT_EQ(append_one(head, 1000, latency(1), f).error().code, ErrorCode::kDuplicateSample);
  EXPECT_EQ(head.stats().samples_appended, 2u);
  // The same buckets in other spans are the same histogram (spansMatch).
  Histogram split = latency(1);
  split.positive_spans = {{-4, 1}, {0, 2}};
  EXPECT_TRUE(append_one(head, 1000, split).ok());
  EXPECT_EQ(head.stats().duplicate_samples, 4u);
}

TEST(HistogramHead, OutOfOrderAtAppendAndAtCommit) {
  Head head;
  ASSERT_TRUE(append_one(head, 2000, latency(2)).ok());
  EXPECT_EQ(append_one(head, 1000, latency(1)).error().code, ErrorCode::kOutOfOrder);
  // Two batches: the later commit finds the other's newer histogram.
  auto a = head.appender(), b = head.appender();
  ASSERT_TRUE(a->append_histogram(kLatency, 3000, latency(3)).ok());
  ASSERT_TRUE(b->append_float_histogram(kLatency, 4000, latency(4).to_float()).ok());
  EXPECT_EQ(b->commit().appended, 1u);
  const CommitResult r = a->commit();
  EXPECT_EQ(r.appended, 0u);
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_EQ(head.stats().out_of_order_samples, 2u);
}

TEST(HistogramHead, OutOfBoundsAsFloats) {
  Head head(HeadOptions{.reject_out_of_bounds = true});
  ASSERT_TRUE(append_one(head, 10 * kHour, latency(1)).ok());
  auto r = append_one(head, 8 * kHour, latency(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfBounds);
  EXPECT_EQ(head.stats().out_of_bounds_samples, 1u);
}

// Each change of kind starts a chunk; the iterator tells the kinds apart
// and seeks across them.
TEST(HistogramHead, ASeriesMayChangeBetweenFloatsAndHistograms) {
  Head head;
  ASSERT_TRUE(testing::append_one(head, kLatency, 1000, 1).ok());
  ASSERT_TRUE(testing::append_one(head, kLatency, 2000, 2).ok());
  ASSERT_TRUE(append_one(head, 3000, latency(3)).ok());
  ASSERT_TRUE(append_one(head, 4000, latency(4)).ok());
  ASSERT_TRUE(append_one(head, 5000, latency(5).to_float()).ok());
  ASSERT_TRUE(testing::append_one(head, kLatency, 6000, 6).ok());
  ASSERT_TRUE(append_one(head, 7000, latency(7)).ok());
  EXPECT_EQ(encodings(head),
            (std::vector<ChunkEncoding>{ChunkEncoding::kFloat, ChunkEncoding::kHistogram,
                                        ChunkEncoding::kFloatHistogram, ChunkEncoding::kFloat,
                                        ChunkEncoding::kHistogram}));
  const auto got = read_samples(head);
  ASSERT_EQ(got.size(), 7u);
  const std::vector<ValueType> types = {ValueType::kFloat,          ValueType::kFloat, ValueType::kHistogram,
                                        ValueType::kHistogram,      ValueType::kFloatHistogram,
                                        ValueType::kFloat,          ValueType::kHistogram};
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].t, static_cast<Timestamp>(i + 1) * 1000);
    EXPECT_EQ(got[i].type, types[i]) << i;
  }
  EXPECT_EQ(got[5].v, 6);
  EXPECT_TRUE(got[4].h.equals(latency(5).to_float()));

  auto series = head.select({matcher(MatchType::kEqual, "__name__", "latency")}, 2500, 6500);
  ASSERT_EQ(series.size(), 1u);
  SeriesIterator it = series[0].iterator();
  ASSERT_TRUE(it.seek(4500));  // from a float chunk into a float histogram one
  EXPECT_EQ(it.t(), 5000);
  EXPECT_EQ(it.value_type(), ValueType::kFloatHistogram);
  ASSERT_TRUE(it.seek(5500));
  EXPECT_EQ(it.value_type(), ValueType::kFloat);
  EXPECT_EQ(it.v(), 6);
  EXPECT_FALSE(it.next());  // 7000 is past the selected range
  EXPECT_TRUE(it.err().ok());
  it = series[0].iterator();
  ASSERT_TRUE(it.next());  // the range starts in the first histogram chunk
  EXPECT_EQ(it.t(), 3000);
  EXPECT_EQ(it.histogram(), latency(3));
}

// A float stale marker after histograms stays in the histogram chunk, as
// in Prometheus, and reads as a float stale marker.
TEST(HistogramHead, AStaleMarkerEndsAHistogramSeriesInItsChunk) {
  Head head;
  ASSERT_TRUE(append_one(head, 1000, latency(1)).ok());
  const Labels f{{"__name__", "f"}, {"job", "cog"}};
  ASSERT_TRUE(append_one(head, 1000, latency(1).to_float(), f).ok());
  auto app = head.appender();
  const std::vector<Labels> previous = {kLatency, f};
  EXPECT_EQ(append_stale_markers(*app, previous, {}, 2000), 2u);
  app->commit();
  for (const Labels& l : previous) {
    EXPECT_EQ(encodings(head, l).size(), 1u) << l.to_string();  // no float chunk
    const auto got = read_samples(head, l);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].type, ValueType::kFloat);
    EXPECT_TRUE(is_stale_nan(got[1].v));
  }
  // The same marker again is the same sample; a histogram at its time is not.
  EXPECT_TRUE(testing::append_one(head, kLatency, 2000, stale_nan()).ok());
  EXPECT_EQ(append_one(head, 2000, latency(2)).error().code, ErrorCode::kDuplicateSample);
  EXPECT_EQ(head.stats().samples_appended, 4u);
  // The series comes back: a new chunk, as after any stale marker.
  ASSERT_TRUE(append_one(head, 3000, latency(3)).ok());
  EXPECT_EQ(encodings(head), (std::vector<ChunkEncoding>{ChunkEncoding::kHistogram, ChunkEncoding::kHistogram}));
  const auto got = read_samples(head);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].type, ValueType::kHistogram);
}

// The chunk limits hold for histograms: samples, size (never before ten
// samples) and the time window.
TEST(HistogramHead, ChunksAreCutAtTheLimits) {
  HeadOptions opts;
  opts.chunk_limits.max_samples = 25;
  Head by_count(opts);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(append_one(by_count, i * 15000, latency(i)).ok());
  auto s = by_count.select({matcher(MatchType::kEqual, "job", "cog")}, kMinTimestamp, kMaxTimestamp);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].chunks.size(), 3u);
  EXPECT_EQ(s[0].chunks[0]->num_samples(), 25);
  EXPECT_EQ(s[0].chunks[0]->data()[2], 0x00);  // the series' first chunk: unknown
  EXPECT_EQ(s[0].chunks[1]->data()[2], 0x40);  // cut for its size: no reset
  EXPECT_EQ(testing::read_all(s[0]).size(), 60u);

  // A wide histogram: 30 buckets of noisy increments, about 50 bytes a
  // sample, so a chunk passes 200 bytes before its tenth.
  opts = HeadOptions();
  opts.chunk_limits.max_bytes = 200;
  Head by_size(opts);
  std::vector<int64_t> counts(30);
  for (int i = 0; i < 40; ++i) {
    for (size_t b = 0; b < counts.size(); ++b) counts[b] += static_cast<int64_t>(b * b + 1 + (i * 7919 + b * 31) % 97);
    ASSERT_TRUE(append_one(by_size, i * 15000, integer(3, kZt, 0, i, {{0, 30}}, counts)).ok());
  }
  s = by_size.select({matcher(MatchType::kEqual, "job", "cog")}, kMinTimestamp, kMaxTimestamp);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_GT(s[0].chunks.size(), 1u);
  for (size_t i = 0; i + 1 < s[0].chunks.size(); ++i) {
    EXPECT_EQ(s[0].chunks[i]->num_samples(), 10);  // full long before, but not cut before ten
    EXPECT_GE(s[0].chunks[i]->size(), 200u);
  }

  opts = HeadOptions();
  opts.chunk_limits.time_window = kMinute;
  Head by_time(opts);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(append_one(by_time, i * 15000, latency(i)).ok());
  s = by_time.select({matcher(MatchType::kEqual, "job", "cog")}, kMinTimestamp, kMaxTimestamp);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].chunks.size(), 3u);
  EXPECT_EQ(s[0].chunks[1]->min_time(), kMinute);
}

TEST(HistogramHead, RetentionDropsHistogramChunksAndTheBytesAddUp) {
  HeadOptions opts;
  opts.retention_time = kHour;
  opts.chunk_limits.time_window = 10 * kMinute;
  Head head(opts);
  const Labels f{{"__name__", "f"}, {"job", "cog"}};
  for (int i = 0; i < 4 * 60; ++i) {
    auto app = head.appender();
    // Integer histograms with buckets appearing (recoding), float
    // histograms, and a series that changes kind.
    Histogram h = integer(0, kZt, 0, i, {{0, static_cast<uint32_t>(1 + i % 7)}}, std::vector<int64_t>(1 + i % 7, i));
    ASSERT_TRUE(app->append_histogram(kLatency, i * kMinute, h).ok());
    ASSERT_TRUE(app->append_float_histogram(f, i * kMinute, latency(i).to_float()).ok());
    const Labels mixed{{"__name__", "mixed"}, {"job", "cog"}};
    if (i % 20 < 10) {
      ASSERT_TRUE(app->append(mixed, i * kMinute, i).ok());
    } else {
      ASSERT_TRUE(app->append_histogram(mixed, i * kMinute, latency(i)).ok());
    }
    app->commit();
  }
  const uint64_t before = head.chunk_bytes();
  EXPECT_GT(head.memory().series_bytes, 0u);
  const RetentionResult r = head.apply_retention();
  EXPECT_GT(r.chunks_dropped, 0u);
  EXPECT_EQ(head.chunk_bytes(), before - r.bytes_freed);
  const auto left = read_samples(head);
  ASSERT_FALSE(left.empty());
  EXPECT_GE(left.front().t, (4 * 60 - 1) * kMinute - kHour - 10 * kMinute);
  // Once only one float sample is left, the bytes are what that sample
  // alone costs: every byte counted in for the histograms was counted out.
  const Labels other{{"__name__", "other"}};
  ASSERT_TRUE(testing::append_one(head, other, 100 * kHour, 1).ok());
  head.apply_retention();
  EXPECT_EQ(head.stats().series, 1u);  // the histogram series are collected
  Head reference(opts);
  ASSERT_TRUE(testing::append_one(reference, other, 100 * kHour, 1).ok());
  EXPECT_EQ(head.chunk_bytes(), reference.chunk_bytes());
}

TEST(HistogramHead, AHistogramSeriesCostsMoreRecordThanAFloatOne) {
  Head floats, histograms;
  ASSERT_TRUE(testing::append_one(floats, kLatency, 1000, 1).ok());
  ASSERT_TRUE(append_one(histograms, 1000, latency(1)).ok());
  EXPECT_GT(histograms.memory().series_bytes, floats.memory().series_bytes);
  EXPECT_GT(histograms.chunk_bytes(), 0u);
}

}  // namespace
}  // namespace cogwatch::tsdb
