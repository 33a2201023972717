#include <gtest/gtest.h>

#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::tsdb {
namespace {

using testing::matcher;
using testing::read_all;

std::vector<LabelMatcher> all_series() { return {matcher(MatchType::kRegexMatch, "__name__", ".+")}; }

// 10 series, one sample a minute for `minutes` minutes; series i stops
// after `minutes - i*stop_step` minutes.
void fill(Head& head, int minutes, int stop_step = 0) {
  auto app = head.appender();
  for (int i = 0; i < 10; ++i) {
    Labels l{{"__name__", "m"}, {"series", "s" + std::to_string(i)}};
    for (int m = 0; m < minutes - i * stop_step; ++m) ASSERT_TRUE(app->append(l, m * kMinute, m).ok());
  }
  app->commit();
}

TEST(Retention, ByTimeDropsWholeOldChunks) {
  HeadOptions opts;
  opts.retention_time = 3 * kHour;
  opts.chunk_limits.time_window = kHour;  // chunks of one hour
  Head head(opts);
  fill(head, 10 * 60);  // 10h
  const uint64_t bytes_before = head.memory().chunk_bytes;

  RetentionResult r = head.apply_retention();
  EXPECT_EQ(r.cutoff, (10 * 60 - 1) * kMinute - 3 * kHour);
  EXPECT_GT(r.chunks_dropped, 0u);
  EXPECT_EQ(r.series_removed, 0u);
  EXPECT_EQ(head.memory().chunk_bytes, bytes_before - r.bytes_freed);

  // Whole chunks go: the oldest sample left starts the chunk containing the
  // cutoff, so nothing newer than the cutoff is lost.
  for (const SeriesData& s : head.select(all_series(), kMinTimestamp, kMaxTimestamp)) {
    auto samples = read_all(s);
    ASSERT_FALSE(samples.empty());
    EXPECT_LE(samples.front().first, r.cutoff);
    EXPECT_GT(samples.front().first, r.cutoff - kHour);
    EXPECT_EQ(samples.back().first, (10 * 60 - 1) * kMinute);
  }
  EXPECT_EQ(head.stats().min_time, 6 * kHour);
}

TEST(Retention, SeriesWithoutRecentSamplesAreGarbageCollected) {
  HeadOptions opts;
  opts.retention_time = 2 * kHour;
  opts.chunk_limits.time_window = 30 * kMinute;
  Head head(opts);
  fill(head, 10 * 60, /*stop_step=*/60);  // series i ends at 10h - i hours
  head.apply_retention();
  // Series ending more than 2h before the newest sample are gone, from the
  // index too.
  auto left = head.select(all_series(), kMinTimestamp, kMaxTimestamp);
  EXPECT_EQ(left.size(), 3u);
  EXPECT_EQ(head.stats().series, 3u);
  EXPECT_EQ(head.stats().series_removed, 7u);
  EXPECT_EQ(head.label_values("series", {}), (std::vector<std::string>{"s0", "s1", "s2"}));

  // A removed series comes back as a new one when appended to again.
  auto app = head.appender();
  ASSERT_TRUE(app->append(Labels{{"__name__", "m"}, {"series", "s9"}}, 10 * kHour, 1).ok());
  app->commit();
  EXPECT_EQ(head.label_values("series", {}), (std::vector<std::string>{"s0", "s1", "s2", "s9"}));
}

TEST(Retention, BySizeDropsOldestChunksUntilUnderTheLimit) {
  HeadOptions opts;
  opts.retention_time = 0;  // size only
  opts.chunk_limits.time_window = kHour;
  Head probe(opts);
  fill(probe, 10 * 60);
  const uint64_t full = probe.memory().chunk_bytes;

  opts.retention_bytes = full / 2;
  Head head(opts);
  fill(head, 10 * 60);
  RetentionResult r = head.apply_retention();
  EXPECT_GT(r.chunks_dropped, 0u);
  EXPECT_LE(head.memory().chunk_bytes, full / 2);
  EXPECT_GT(head.memory().chunk_bytes, full / 4);  // not more than needed
  // The newest data is kept.
  for (const SeriesData& s : head.select(all_series(), kMinTimestamp, kMaxTimestamp)) {
    EXPECT_EQ(read_all(s).back().first, (10 * 60 - 1) * kMinute);
  }
}

// A store exactly at retention_bytes is within the limit: nothing goes.
TEST(Retention, BySizeKeepsEverythingAtExactlyTheLimit) {
  HeadOptions opts;
  opts.retention_time = 0;
  opts.chunk_limits.time_window = kHour;
  Head probe(opts);
  fill(probe, 10 * 60);
  const uint64_t full = probe.memory().chunk_bytes;

  opts.retention_bytes = full;
  Head at_limit(opts);
  fill(at_limit, 10 * 60);
  ASSERT_EQ(at_limit.memory().chunk_bytes, full);
  EXPECT_EQ(at_limit.apply_retention().chunks_dropped, 0u);
  EXPECT_EQ(at_limit.memory().chunk_bytes, full);

  opts.retention_bytes = full - 1;
  Head over(opts);
  fill(over, 10 * 60);
  EXPECT_GT(over.apply_retention().chunks_dropped, 0u);
}

TEST(Retention, ZeroRetentionKeepsEverything) {
  HeadOptions opts;
  opts.retention_time = 0;
  Head head(opts);
  fill(head, 600);
  RetentionResult r = head.apply_retention();
  EXPECT_EQ(r.chunks_dropped, 0u);
  EXPECT_EQ(head.stats().min_time, 0);
}

TEST(Retention, SeriesBeingAppendedToAreNotCollected) {
  HeadOptions opts;
  opts.retention_time = kHour;
  Head head(opts);
  auto pending = head.appender();
  Labels l{{"__name__", "new"}};
  ASSERT_TRUE(pending->append(l, 5, 1).ok());  // created, nothing committed
  fill(head, 600);
  head.apply_retention();
  EXPECT_EQ(pending->commit().appended, 1u);  // its series was kept for it
  EXPECT_EQ(head.label_values("__name__", {}), (std::vector<std::string>{"m", "new"}));
}

TEST(Retention, RolledBackNewSeriesAreCollected) {
  Head head;
  {
    auto app = head.appender();
    ASSERT_TRUE(app->append(Labels{{"__name__", "ghost"}}, 1, 1).ok());
  }
  EXPECT_EQ(head.stats().series, 1u);
  EXPECT_EQ(head.apply_retention().series_removed, 1u);
  EXPECT_EQ(head.stats().series, 0u);
  EXPECT_TRUE(head.label_names({}).empty());
}

}  // namespace
}  // namespace cogwatch::tsdb
