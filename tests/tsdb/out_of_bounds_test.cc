// HeadOptions::reject_out_of_bounds: Prometheus's appendable window
// (tsdb/head_append.go appendableMinValidTime): a sample older than the
// newest sample in the head minus half the chunk range is "out of bounds".
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::tsdb {
namespace {

using testing::append_one;
using testing::read_named;

const Labels kUp{{"__name__", "up"}, {"job", "cog"}};
const Labels kOld{{"__name__", "old"}, {"job", "cog"}};
constexpr Timestamp kNewest = 10 * kHour;

HeadOptions bounded() {
  HeadOptions o;
  o.reject_out_of_bounds = true;
  return o;
}

void expect_out_of_bounds(const Result<SeriesRef>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfBounds);
  EXPECT_EQ(r.error().message, "out of bounds");
}

TEST(OutOfBounds, OffByDefault) {
  Head head;
  EXPECT_FALSE(head.options().reject_out_of_bounds);
  ASSERT_TRUE(append_one(head, kUp, kNewest, 1).ok());
  // Days before the newest sample, in another series: stored.
  ASSERT_TRUE(append_one(head, kOld, kNewest - 3 * kDay, 1).ok());
  EXPECT_EQ(read_named(head, "old").size(), 1u);
  EXPECT_EQ(head.stats().out_of_bounds_samples, 0u);
}

TEST(OutOfBounds, TheWindowIsHalfTheChunkRangeBeforeTheNewestSample) {
  Head head(bounded());
  ASSERT_TRUE(append_one(head, kUp, kNewest, 1).ok());

  auto app = head.appender();
  // The window's first millisecond is in, the one before is out.
  EXPECT_TRUE(app->append(kOld, kNewest - kHour, 1).ok());
  expect_out_of_bounds(app->append(Labels{{"__name__", "older"}}, kNewest - kHour - 1, 1));
  EXPECT_EQ(app->commit().appended, 1u);

  HeadStats s = head.stats();
  EXPECT_EQ(s.out_of_bounds_samples, 1u);
  EXPECT_EQ(s.out_of_order_samples, 0u);
  EXPECT_EQ(s.series, 2u) << "a refused sample creates no series";
  EXPECT_EQ(read_named(head, "old").size(), 1u);
  EXPECT_TRUE(read_named(head, "older").empty());
}

TEST(OutOfBounds, CheckedBeforeOrderAndByRef) {
  Head head(bounded());
  auto ref = append_one(head, kUp, kNewest, 1);
  ASSERT_TRUE(ref.ok());
  auto app = head.appender();
  // Older than the series too: out of bounds wins, as in Prometheus.
  expect_out_of_bounds(app->append(kUp, kNewest - 2 * kHour, 1));
  expect_out_of_bounds(app->append(*ref, kNewest - 2 * kHour, 1));
  // Within the window but older than the series: out of order.
  auto r = app->append(*ref, kNewest - kMinute, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfOrder);
  EXPECT_EQ(head.stats().out_of_bounds_samples, 2u);
  EXPECT_EQ(head.stats().out_of_order_samples, 1u);
}

TEST(OutOfBounds, FollowsTheChunkRange) {
  HeadOptions o = bounded();
  o.chunk_limits.time_window = 20 * kMinute;
  Head head(o);
  ASSERT_TRUE(append_one(head, kUp, kNewest, 1).ok());
  EXPECT_TRUE(append_one(head, kOld, kNewest - 10 * kMinute, 1).ok());
  expect_out_of_bounds(append_one(head, kOld, kNewest - 10 * kMinute - 1, 1));
}

// An empty head starts its window at the batch's first sample, as
// Prometheus's initAppender.
TEST(OutOfBounds, AnEmptyHeadStartsAtTheFirstSample) {
  Head head(bounded());
  auto app = head.appender();
  ASSERT_TRUE(app->append(kUp, kNewest, 1).ok());
  EXPECT_TRUE(app->append(kOld, kNewest - kHour, 1).ok());
  expect_out_of_bounds(app->append(kOld, kNewest - kHour - 1, 1));
  EXPECT_EQ(app->commit().appended, 2u);
}

// The window is taken at a batch's first append and kept until it ends, as
// Prometheus takes it when an appender is created; a reused appender takes
// it again.
TEST(OutOfBounds, TheWindowIsTakenOncePerBatch) {
  Head head(bounded());
  ASSERT_TRUE(append_one(head, kUp, kNewest, 1).ok());
  auto slow = head.appender();
  ASSERT_TRUE(slow->append(kUp, kNewest + kMinute, 1).ok());  // window from kNewest - 1h
  ASSERT_TRUE(append_one(head, kUp, kNewest + 3 * kHour, 1).ok());
  // Still in the slow batch's window, though the head has moved on.
  EXPECT_TRUE(slow->append(kOld, kNewest - 30 * kMinute, 1).ok());
  CommitResult c = slow->commit();
  EXPECT_EQ(c.appended, 1u);
  EXPECT_EQ(c.out_of_order, 1u);  // kUp at kNewest + 1m: the other batch was newer
  // The next batch of the same appender sees the new window.
  expect_out_of_bounds(slow->append(kOld, kNewest, 1));
  EXPECT_TRUE(slow->append(kOld, kNewest + 2 * kHour, 1).ok());
  slow->rollback();
  // So does one after a rollback.
  expect_out_of_bounds(slow->append(kOld, kNewest + 2 * kHour - 1, 1));
}

// Writers racing while the head's newest time moves: every old sample is
// refused and counted, every one in the window stored.
TEST(OutOfBounds, ConcurrentAppenders) {
  Head head(bounded());
  ASSERT_TRUE(append_one(head, kUp, kNewest, 1).ok());
  constexpr int kWriters = 4;
  constexpr int kBatches = 500;  // kBatches seconds keeps kNewest within every window
  std::atomic<uint64_t> refused{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const Labels mine{{"__name__", "m"}, {"writer", std::to_string(w)}};
      const Labels old{{"__name__", "old"}, {"writer", std::to_string(w)}};
      for (int i = 1; i <= kBatches; ++i) {
        auto app = head.appender();
        EXPECT_TRUE(app->append(mine, kNewest + i * kSecond, i).ok());
        auto r = app->append(old, kNewest - kHour - i, i);
        if (!r && r.error().code == ErrorCode::kOutOfBounds) ++refused;
        app->commit();
      }
    });
  }
  for (auto& t : threads) t.join();
  HeadStats s = head.stats();
  EXPECT_EQ(refused.load(), uint64_t{kWriters} * kBatches);
  EXPECT_EQ(s.out_of_bounds_samples, uint64_t{kWriters} * kBatches);
  EXPECT_EQ(s.samples_appended, uint64_t{kWriters} * kBatches + 1);
  EXPECT_EQ(s.max_time, kNewest + kBatches * kSecond);
  EXPECT_TRUE(read_named(head, "old").empty());
}

}  // namespace
}  // namespace cogwatch::tsdb
