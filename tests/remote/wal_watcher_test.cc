#include "remote/wal_watcher.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/remote/histogram_test_util.h"
#include "tsdb/db.h"
#include "tsdb/wal.h"

namespace cogwatch::remote {
namespace {

using tsdb::internal::WalSample;

class WalWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cogwatch_watcher_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    open_db();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open_db() {
    tsdb::DbOptions o;
    o.wal_segment_bytes = segment_bytes_;
    o.wal_hold_bytes = hold_bytes_;
    auto db = tsdb::Db::open(dir_, o);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }
  std::string wal() const { return dir_ + "/wal"; }

  // One commit: series "m{i=...}" for i in [0, n), value v at time t.
  void commit(int n, Timestamp t, double v) {
    auto app = db_->head().appender();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(app->append(Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, t, v + i).ok());
    EXPECT_EQ(app->commit().appended, static_cast<uint64_t>(n));
  }

  // Everything the watcher has to give now, as "i@t=v" (histograms
  // "i@t=H<count>", float ones "i@t=FH<count>", stale ones "...stale").
  std::vector<std::string> drain(WalWatcher& w, size_t max = 1'000'000) {
    WalBatch out;
    EXPECT_TRUE(w.read(max, out).ok());
    std::vector<std::string> got;
    for (const WalEntry& e : out.entries) {
      const Labels* l = w.labels(e.ref);
      EXPECT_NE(l, nullptr);
      std::string value;
      if (!e.is_histogram()) {
        value = is_stale_nan(e.v) ? "stale" : std::to_string(static_cast<int>(e.v));
      } else {
        std::visit(
            [&](const auto& h) {
              value = std::is_same_v<std::decay_t<decltype(h)>, Histogram> ? "H" : "FH";
              value += is_stale_nan(h.sum) ? "stale" : format_float(static_cast<double>(h.count));
            },
            out.histograms[static_cast<size_t>(e.histogram)]);
      }
      got.push_back(std::string(l ? l->get("i") : "?") + "@" + std::to_string(e.t) + "=" + value);
    }
    return got;
  }

  std::string dir_;
  uint64_t segment_bytes_ = 32 << 20;
  uint64_t hold_bytes_ = 0;
  std::unique_ptr<tsdb::Db> db_;
};

TEST_F(WalWatcherTest, ANewWatcherStartsAtTheEndAndFollowsCommits) {
  commit(3, 1000, 10);
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(w).empty()) << "what was there before is not sent";
  commit(2, 2000, 20);
  commit(1, 3000, 30);
  EXPECT_EQ(drain(w), (std::vector<std::string>{"0@2000=20", "1@2000=21", "0@3000=30"}));
  EXPECT_TRUE(drain(w).empty());
  EXPECT_EQ(w.stats().unknown_series_samples, 0u);
}

TEST_F(WalWatcherTest, AResumedWatcherSendsExactlyTheRest) {
  WalWatcher first(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(first).empty());
  commit(2, 1000, 10);
  EXPECT_EQ(drain(first).size(), 2u);
  const WalPosition saved = first.position();
  commit(3, 2000, 20);  // a new series (i=2) too
  db_.reset();          // a restart: the next process begins a new segment
  open_db();
  commit(1, 3000, 30);
  WalWatcher second(tsdb::FileSystem::posix(), wal(), saved);
  EXPECT_EQ(drain(second), (std::vector<std::string>{"0@2000=20", "1@2000=21", "2@2000=22", "0@3000=30"}));
  EXPECT_GT(second.position(), saved);
}

TEST_F(WalWatcherTest, MaxSamplesStopsAtWholeRecords) {
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(w).empty());
  commit(3, 1000, 10);
  commit(3, 2000, 20);
  commit(3, 3000, 30);
  EXPECT_EQ(drain(w, 4).size(), 6u) << "the second record is read whole";
  EXPECT_EQ(drain(w, 1).size(), 3u);
  EXPECT_TRUE(drain(w).empty());
}

TEST_F(WalWatcherTest, FollowsNewSegmentsAndCheckpointsAndCountsWhatItMissed) {
  db_.reset();
  segment_bytes_ = 4096;
  open_db();
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(w).empty());
  const WalPosition before = w.position();
  size_t sent = 0;
  for (int s = 0; s < 200; ++s) commit(20, 1000 + s * 1000, s);
  sent = drain(w).size();
  EXPECT_EQ(sent, 200u * 20);
  EXPECT_GT(w.position().segment, before.segment + 10) << "segments of 4 KiB";
  // A checkpoint lets the old segments go; a watcher still at the
  // beginning finds them gone, says so, and goes on from what is left.
  auto c = db_->checkpoint();
  ASSERT_TRUE(c.ok()) << c.error().message;
  commit(20, 500'000, 7);
  WalWatcher late(tsdb::FileSystem::posix(), wal(), before);
  const std::vector<std::string> got = drain(late);
  EXPECT_GT(late.stats().segments_missed, 0u);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), "19@500000=26");
  EXPECT_EQ(late.stats().unknown_series_samples, 0u) << "the checkpoint names the series";
  EXPECT_EQ(drain(w).size(), 20u);
  EXPECT_EQ(w.num_series(), 20u);
}

// A reader that lags (its receiver is down) holds the segments it has not
// read: checkpoints and restarts keep them, within the store's bound; past
// the bound the oldest go, counted on both sides.
TEST_F(WalWatcherTest, AHoldKeepsSegmentsForALaggingReaderWithinItsBound) {
  db_.reset();
  segment_bytes_ = 4096;
  hold_bytes_ = 1 << 20;
  open_db();
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(w).empty());
  const WalPosition lagging = w.position();
  db_->hold_wal("queue", lagging.segment);
  for (int s = 0; s < 100; ++s) commit(20, 1000 + s * 1000, s);
  ASSERT_TRUE(db_->checkpoint().ok());
  EXPECT_GT(db_->stats().wal_held_bytes, 0u);
  db_.reset();  // and a restart: the held segments are kept, not replayed twice
  open_db();
  db_->hold_wal("queue", lagging.segment);  // as the daemon does before its first checkpoint
  for (int s = 100; s < 110; ++s) commit(20, 1000 + s * 1000, s);
  ASSERT_TRUE(db_->checkpoint().ok());
  WalWatcher resumed(tsdb::FileSystem::posix(), wal(), lagging);
  const std::vector<std::string> got = drain(resumed);
  EXPECT_EQ(got.size(), 110u * 20);
  EXPECT_EQ(resumed.stats().segments_missed, 0u);
  EXPECT_EQ(db_->stats().wal_hold_dropped_segments, 0u);
  // The reader moves on: the next checkpoint lets what it read go.
  db_->hold_wal("queue", resumed.position().segment);
  ASSERT_TRUE(db_->checkpoint().ok());
  EXPECT_LT(db_->stats().wal_held_bytes, 8192u);

  // Over the bound: the oldest held segments go, and the reader is told.
  db_.reset();
  hold_bytes_ = 16 * 1024;
  open_db();
  const WalPosition behind = resumed.position();
  db_->hold_wal("queue", behind.segment);
  for (int s = 200; s < 300; ++s) commit(20, 1000 + s * 1000, s);
  ASSERT_TRUE(db_->checkpoint().ok());
  EXPECT_GT(db_->stats().wal_hold_dropped_segments, 0u);
  EXPECT_LE(db_->stats().wal_held_bytes, 16u * 1024);
  WalWatcher late(tsdb::FileSystem::posix(), wal(), behind);
  EXPECT_LT(drain(late).size(), 100u * 20);
  EXPECT_GT(late.stats().segments_missed, 0u);
}

const Labels kH{{"__name__", "latency"}, {"i", "h"}};
const Labels kFH{{"__name__", "latency:rate"}, {"i", "fh"}};

TEST_F(WalWatcherTest, DeliversHistogramsInCommitOrderAndTheirStaleMarkersAsHistograms) {
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(w).empty());
  {
    auto app = db_->head().appender();
    ASSERT_TRUE(app->append(Labels{{"__name__", "m"}, {"i", "0"}}, 1000, 10).ok());
    ASSERT_TRUE(app->append_histogram(kH, 1000, testing::integer_histogram(1)).ok());
    ASSERT_TRUE(app->append_float_histogram(kFH, 1000, testing::float_histogram(1)).ok());
    ASSERT_TRUE(app->append(Labels{{"__name__", "m"}, {"i", "0"}}, 2000, 20).ok());
    EXPECT_EQ(app->commit().appended, 4u);
  }
  {
    auto app = db_->head().appender();
    ASSERT_TRUE(app->append_histogram(kH, 2000, testing::integer_histogram(2)).ok());
    // The scrape loop and the rule group end series with float stale
    // markers; the head stores them as histograms, and Prometheus logs
    // them so: they are sent as histograms.
    ASSERT_TRUE(app->append(kH, 3000, stale_nan()).ok());
    ASSERT_TRUE(app->append(kFH, 3000, stale_nan()).ok());
    ASSERT_TRUE(app->append(Labels{{"__name__", "m"}, {"i", "0"}}, 3000, stale_nan()).ok());
    app->commit();
  }
  EXPECT_EQ(drain(w, 3), (std::vector<std::string>{"0@1000=10", "h@1000=H13", "fh@1000=FH3.75"}))
      << "a record per run of one kind: floats, integer histograms, float histograms";
  EXPECT_EQ(drain(w), (std::vector<std::string>{"0@2000=20", "h@2000=H26", "h@3000=Hstale", "fh@3000=FHstale",
                                                "0@3000=stale"}))
      << "a float series' stale marker stays a float";
  EXPECT_EQ(w.stats().samples_read, 3u);
  EXPECT_EQ(w.stats().histograms_read, 5u);
}

TEST_F(WalWatcherTest, HistogramsAreReadOnlyWhenAsked) {
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {}, /*read_histograms=*/false);
  EXPECT_TRUE(drain(w).empty());
  auto app = db_->head().appender();
  ASSERT_TRUE(app->append_histogram(kH, 1000, testing::integer_histogram(1)).ok());
  ASSERT_TRUE(app->append(Labels{{"__name__", "m"}, {"i", "0"}}, 1000, 10).ok());
  app->commit();
  ASSERT_TRUE(app->append(kH, 2000, stale_nan()).ok());
  app->commit();
  EXPECT_EQ(drain(w), (std::vector<std::string>{"0@1000=10"})) << "nor the histogram series' stale marker";
  EXPECT_EQ(w.stats().histograms_skipped, 2u);
  EXPECT_EQ(w.stats().histograms_read, 0u);
}

TEST_F(WalWatcherTest, AResumedWatcherKnowsWhichSeriesHoldHistograms) {
  WalWatcher first(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(first).empty());
  {
    auto app = db_->head().appender();
    ASSERT_TRUE(app->append_histogram(kH, 1000, testing::integer_histogram(1)).ok());
    app->commit();
  }
  EXPECT_EQ(drain(first), (std::vector<std::string>{"h@1000=H13"}));
  const WalPosition saved = first.position();
  db_.reset();  // a restart, then the series ends
  open_db();
  auto app = db_->head().appender();
  ASSERT_TRUE(app->append(kH, 2000, stale_nan()).ok());
  app->commit();
  WalWatcher second(tsdb::FileSystem::posix(), wal(), saved);
  EXPECT_EQ(drain(second), (std::vector<std::string>{"h@2000=Hstale"}));
}

TEST_F(WalWatcherTest, ARecordBeingWrittenIsWaitedForNotSkipped) {
  WalWatcher w(tsdb::FileSystem::posix(), wal(), {});
  EXPECT_TRUE(drain(w).empty());
  commit(2, 1000, 10);
  ASSERT_EQ(drain(w).size(), 2u);
  // The next record, half of it on disk (a write in progress): build it
  // with the log's own framing and append it in two steps.
  const WalPosition at = w.position();
  const std::string segment = tsdb::Wal::segment_path(wal(), at.segment);
  tsdb::RecordBuffer buf;
  const size_t start = buf.begin(tsdb::internal::kSamplesRecord);
  std::vector<WalSample> one = {{w.position().segment == 0 ? 0u : 0u, 0, 0}};
  // The ref of series i=0, found through the watcher's table.
  for (tsdb::SeriesRef ref = 1; ref < 1'000'000; ++ref) {
    if (const Labels* l = w.labels(ref); l && l->get("i") == "0") {
      one[0] = {ref, 5000, 55};
      break;
    }
  }
  ASSERT_NE(one[0].ref, 0u);
  tsdb::internal::encode_samples(buf.bytes(), one);
  buf.finish(start);
  db_.reset();  // nothing else writes the segment now
  const std::vector<uint8_t>& bytes = buf.bytes();
  {
    std::ofstream f(segment, std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(bytes.data()), 10);
  }
  EXPECT_TRUE(drain(w).empty());
  EXPECT_EQ(w.position(), at);
  {
    std::ofstream f(segment, std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(bytes.data()) + 10, static_cast<std::streamsize>(bytes.size() - 10));
  }
  EXPECT_EQ(drain(w), (std::vector<std::string>{"0@5000=55"}));
  EXPECT_EQ(w.stats().damaged_bytes, 0u);
}

}  // namespace
}  // namespace cogwatch::remote
