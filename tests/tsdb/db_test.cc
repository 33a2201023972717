#include "tsdb/db.h"

#include <unistd.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/fault_file_system.h"
#include "tests/tsdb/test_util.h"

namespace cogwatch::tsdb {
namespace {

using testing::FaultFileSystem;

// Every sample of a store, by series, values as bits (stale markers and
// NaNs compare exactly).
using Dump = std::map<std::string, std::vector<std::pair<Timestamp, uint64_t>>>;

Dump dump(const Head& head) {
  Dump out;
  auto all = testing::matcher(MatchType::kRegexMatch, "__name__", ".+");
  for (const SeriesData& s : head.select({all}, kMinTimestamp, kMaxTimestamp)) {
    auto& samples = out[s.labels.to_string()];
    SeriesIterator it = s.iterator();
    while (it.next()) samples.emplace_back(it.t(), std::bit_cast<uint64_t>(it.v()));
    EXPECT_TRUE(it.err().ok());
  }
  return out;
}

Labels series(int i) { return Labels{{"__name__", "cog_metric"}, {"i", std::to_string(i)}}; }

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cogwatch_db_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Db> open(DbOpenReport* report = nullptr, FileSystem* fs = nullptr) {
    DbOptions o = options_;
    if (fs) o.fs = fs;
    auto db = Db::open(dir_, o, report);
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    return db.ok() ? std::move(*db) : nullptr;
  }

  // `scrapes` batches of `n` series each, one per second from t0, with a
  // value that changes in every batch and a stale marker now and then.
  static void scrape(Head& head, int n, int scrapes, Timestamp t0) {
    for (int k = 0; k < scrapes; ++k) {
      auto app = head.appender();
      const Timestamp t = t0 + k * 1000;
      for (int i = 0; i < n; ++i) {
        const double v = (i + k) % 17 == 16 ? stale_nan() : std::sin(i + 0.1 * k) * 1e6;
        ASSERT_TRUE(app->append(series(i), t, v).ok());
      }
      app->commit();
    }
  }

  std::string wal_dir() const { return dir_ + "/wal"; }

  DbOptions options_;
  std::string dir_;
};

TEST_F(DbTest, WhatWasCommittedIsThereAfterReopening) {
  Dump before;
  {
    auto db = open();
    ASSERT_TRUE(db);
    scrape(db->head(), 50, 300, 1'000'000);  // several chunks per series
    before = dump(db->head());
  }
  DbOpenReport report;
  auto db = open(&report);
  ASSERT_TRUE(db);
  EXPECT_EQ(dump(db->head()), before);
  EXPECT_EQ(report.series, 50u);
  EXPECT_EQ(report.samples, 50u * 300);
  EXPECT_TRUE(report.damage.empty());
  EXPECT_EQ(report.min_time, 1'000'000);
  EXPECT_EQ(report.max_time, 1'000'000 + 299'000);
}

TEST_F(DbTest, AReopenedStoreGoesOnAsBefore) {
  {
    auto db = open();
    scrape(db->head(), 3, 10, 0);
  }
  auto db = open();
  Head& head = db->head();
  // The last samples are known: older ones are out of order, the same one
  // again is no error, a new series gets a ref of its own.
  auto app = head.appender();
  auto old = app->append(series(0), 5000, 1);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::kOutOfOrder);
  auto fresh = app->append(series(99), 20000, 1);
  ASSERT_TRUE(fresh.ok());
  auto again = app->append(series(1), 20000, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*fresh, *again);
  app->commit();
  EXPECT_EQ(head.stats().series, 4u);
  Dump d = dump(head);
  EXPECT_EQ(d[series(1).to_string()].size(), 11u);
}

TEST_F(DbTest, ACheckpointReplacesTheSegmentsBeforeIt) {
  options_.wal_segment_bytes = 4096;
  Dump before;
  uint32_t segment = 0;
  {
    auto db = open();
    scrape(db->head(), 20, 300, 0);
    EXPECT_GT(db->stats().wal_segment, 3u);
    auto c = db->checkpoint();
    ASSERT_TRUE(c.ok()) << c.error().message;
    segment = c->segment;
    EXPECT_EQ(c->series, 20u);
    EXPECT_GT(c->chunks, 20u);
    EXPECT_GT(c->segments_removed, 3u);
    scrape(db->head(), 25, 50, 400'000);  // after it: new series and samples
    before = dump(db->head());
  }
  auto segs = Wal::list_segments(FileSystem::posix(), wal_dir());
  ASSERT_TRUE(segs.ok());
  EXPECT_EQ(segs->front(), segment);
  EXPECT_TRUE(std::filesystem::exists(wal_dir() + "/checkpoint." + std::string(8 - std::to_string(segment - 1).size(), '0') +
                                      std::to_string(segment - 1)));
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_EQ(dump(db->head()), before);
  EXPECT_FALSE(report.checkpoint.empty());
  EXPECT_TRUE(report.damage.empty());

  // A second checkpoint replaces the first.
  auto c = db->checkpoint();
  ASSERT_TRUE(c.ok());
  size_t checkpoints = 0;
  for (const auto& e : std::filesystem::directory_iterator(wal_dir())) {
    checkpoints += e.path().filename().string().starts_with("checkpoint.");
  }
  EXPECT_EQ(checkpoints, 1u);
  db.reset();
  EXPECT_EQ(dump(open()->head()), before);
}

TEST_F(DbTest, ACheckpointIsDueWhenTheLogOutgrowsTheHead) {
  options_.checkpoint_min_wal_bytes = 10000;
  auto db = open();
  EXPECT_FALSE(db->checkpoint_due());
  scrape(db->head(), 10, 200, 0);  // ~26 kB of log, ~6 kB of chunks
  EXPECT_TRUE(db->checkpoint_due());
  ASSERT_TRUE(db->checkpoint().ok());
  EXPECT_FALSE(db->checkpoint_due());
}

TEST_F(DbTest, ATornLastRecordIsCutAndTheRestKept) {
  {
    auto db = open();
    scrape(db->head(), 5, 10, 0);
  }
  const std::string seg = Wal::segment_path(wal_dir(), 1);
  const auto size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 7);  // the last commit, torn
  DbOpenReport report;
  {
    auto db = open(&report);
    Dump d = dump(db->head());
    EXPECT_EQ(d[series(0).to_string()].size(), 9u);
    ASSERT_EQ(report.damage.size(), 1u);
    EXPECT_EQ(report.damage[0].path, seg);
    EXPECT_EQ(report.damage[0].bytes_dropped, size - 7 - report.damage[0].offset);
    EXPECT_EQ(db->stats().corruptions_repaired, 1u);
  }
  // Cut: the next open finds nothing to repair.
  auto db = open(&report);
  EXPECT_TRUE(report.damage.empty());
  EXPECT_EQ(dump(db->head())[series(0).to_string()].size(), 9u);
}

TEST_F(DbTest, DamageInAnEarlierSegmentLosesOnlyWhatItCovers) {
  options_.wal_segment_bytes = 1024;
  {
    auto db = open();
    scrape(db->head(), 5, 60, 0);
  }
  // Segment 2 loses its records from the middle on; segment 1 holds the
  // series, so the later segments' samples all come back.
  const std::string seg = Wal::segment_path(wal_dir(), 2);
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(400);
    f.put('\x55');
  }
  DbOpenReport report;
  auto db = open(&report);
  ASSERT_EQ(report.damage.size(), 1u);
  EXPECT_EQ(report.damage[0].path, seg);
  EXPECT_EQ(report.damage[0].reason, "checksum mismatch");
  const auto samples = dump(db->head())[series(0).to_string()];
  EXPECT_LT(samples.size(), 60u);
  EXPECT_GT(samples.size(), 40u);
  EXPECT_EQ(samples.back().first, 59'000);  // the last segments were read
  EXPECT_EQ(report.unknown_series_samples, 0u);
}

TEST_F(DbTest, SamplesWhoseSeriesRecordWasLostAreCountedAndDropped) {
  {
    auto db = open();
    scrape(db->head(), 2, 1, 0);
  }
  {
    auto db = open();  // segment 2: more samples of the same series
    scrape(db->head(), 2, 1, 1000);
  }
  std::filesystem::remove(Wal::segment_path(wal_dir(), 1));
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_EQ(report.unknown_series_samples, 2u);
  EXPECT_EQ(db->head().stats().series, 0u);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_EQ(report.notes[0], "WAL segments 1 to 1 are missing: what they held is lost");
}

TEST_F(DbTest, AMissingSegmentIsReported) {
  options_.wal_segment_bytes = 512;
  {
    auto db = open();
    scrape(db->head(), 3, 40, 0);
  }
  std::filesystem::remove(Wal::segment_path(wal_dir(), 3));
  DbOpenReport report;
  auto db = open(&report);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_EQ(report.notes[0], "WAL segments 3 to 3 are missing: what they held is lost");
}

TEST_F(DbTest, AnUnfinishedCheckpointIsIgnoredAndRemoved) {
  Dump before;
  {
    auto db = open();
    scrape(db->head(), 3, 5, 0);
    before = dump(db->head());
  }
  std::ofstream(wal_dir() + "/checkpoint.00000009.tmp") << "half written";
  auto db = open();
  EXPECT_EQ(dump(db->head()), before);
  EXPECT_FALSE(std::filesystem::exists(wal_dir() + "/checkpoint.00000009.tmp"));
}

TEST_F(DbTest, ASecondProcessCannotOpenTheDirectory) {
  auto first = open();
  ASSERT_TRUE(first);
  auto second = Db::open(dir_, options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("held by another process"), std::string::npos) << second.error().message;
}

TEST_F(DbTest, ANewerFormatIsRefusedAndLeftAlone) {
  { open(); }
  std::ofstream(dir_ + "/FORMAT", std::ios::trunc) << "cogwatch tsdb 2\n";
  const auto segments = *Wal::list_segments(FileSystem::posix(), wal_dir());
  auto db = Db::open(dir_, options_);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("written by a newer cogwatch (storage format 2; this one reads format 1"),
            std::string::npos)
      << db.error().message;
  EXPECT_EQ(*Wal::list_segments(FileSystem::posix(), wal_dir()), segments);  // no new segment
}

TEST_F(DbTest, AForeignDirectoryIsRefusedAndLeftAlone) {
  std::filesystem::create_directories(dir_ + "/wal");
  std::ofstream(dir_ + "/wal/00000001") << "a Prometheus segment";
  auto db = Db::open(dir_, options_);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("is not a cogwatch data directory (no FORMAT file; it holds wal)"),
            std::string::npos)
      << db.error().message;
  std::ifstream in(dir_ + "/wal/00000001");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "a Prometheus segment");
}

TEST_F(DbTest, AFullDiskLosesNothingInMemoryAndWritingResumes) {
  FaultFileSystem fs;
  Dump before;
  {
    auto db = open(nullptr, &fs);
    scrape(db->head(), 4, 5, 0);
    fs.set_free_bytes(0);
    scrape(db->head(), 4, 5, 5000);  // not logged
    EXPECT_EQ(db->head().stats().wal_write_failures, 5u);
    EXPECT_NE(db->head().take_wal_error().find("No space left on device"), std::string::npos);
    EXPECT_EQ(dump(db->head())[series(0).to_string()].size(), 10u);  // queries still see them
    fs.unlimited();
    scrape(db->head(), 5, 5, 10'000);  // logged again; series 4 is new
    before = dump(db->head());
  }
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_TRUE(report.damage.empty());
  Dump after = dump(db->head());
  EXPECT_EQ(after[series(0).to_string()].size(), 10u);  // the 5 not logged are gone
  EXPECT_EQ(after[series(4).to_string()], before[series(4).to_string()]);
}

TEST_F(DbTest, ACheckpointAfterAFullDiskRestoresWhatTheLogMissed) {
  options_.checkpoint_min_wal_bytes = uint64_t{1} << 40;  // never due for size
  FaultFileSystem fs;
  Dump before;
  {
    auto db = open(nullptr, &fs);
    EXPECT_FALSE(db->checkpoint_due());
    fs.set_free_bytes(0);
    scrape(db->head(), 4, 5, 0);  // series and samples not logged
    auto failed = db->checkpoint();
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(db->stats().checkpoint_failures, 1u);
    fs.unlimited();
    // Due at once, though the log is tiny: what it missed is in memory only.
    EXPECT_TRUE(db->checkpoint_due());
    ASSERT_TRUE(db->checkpoint().ok());
    EXPECT_FALSE(db->checkpoint_due());
    scrape(db->head(), 4, 5, 5000);
    before = dump(db->head());
  }
  EXPECT_FALSE(std::filesystem::exists(wal_dir() + "/checkpoint.00000001.tmp"));
  auto db = open();
  EXPECT_EQ(dump(db->head()), before);
}

}  // namespace
}  // namespace cogwatch::tsdb

namespace cogwatch::tsdb {
namespace {

constexpr Timestamp kHourMs = 3600 * 1000;

class DbBlocksTest : public DbTest {
 protected:
  // `n` series scraped every 15 s from `from` to `to` (ms); series i stops
  // at stop[i] when given.
  static void scrape_range(Head& head, int n, Timestamp from, Timestamp to, Timestamp stop0 = kMaxTimestamp) {
    for (Timestamp t = from; t < to; t += 15'000) {
      auto app = head.appender();
      for (int i = 0; i < n; ++i) {
        if (i == 0 && t >= stop0) continue;
        ASSERT_TRUE(app->append(series(i), t, static_cast<double>(t / 1000 + i)).ok());
      }
      app->commit();
    }
  }
  std::vector<std::string> block_files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/blocks")) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(DbBlocksTest, FinishedWindowsMoveIntoBlocksAndQueriesDoNotNotice) {
  Dump before;
  {
    auto db = open();
    scrape_range(db->head(), 5, 0, 5 * kHourMs + 15'000);
    before = dump(db->head());
    const uint64_t head_bytes = db->head().chunk_bytes();
    auto c = db->compact();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->blocks, 2u);  // [0,2h) and [2h,4h); [4h,5h) is not over
    EXPECT_EQ(c->series, 10u);
    EXPECT_EQ(block_files(), (std::vector<std::string>{"0000000000000-0000007199999.block",
                                                       "0000007200000-0000014399999.block"}));
    EXPECT_EQ(dump(db->head()), before);
    EXPECT_LT(db->head().chunk_bytes(), head_bytes / 3);
    EXPECT_EQ(db->stats().blocks, 2u);
    EXPECT_EQ(db->stats().checkpoints, 1u);  // the log let go of what moved
    // The windows are closed.
    auto app = db->head().appender();
    auto late = app->append(series(1), 2 * kHourMs + 1, 1);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, ErrorCode::kOutOfBounds);
    // Nothing more to do.
    auto again = db->compact();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->blocks, 0u);
  }
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_EQ(dump(db->head()), before);
  EXPECT_TRUE(report.damage.empty());
  EXPECT_EQ(report.samples, 5u * 241);  // only [4h, 5h] came from the log
  EXPECT_EQ(report.min_time, 0);          // the blocks' time counts in what was restored
  EXPECT_EQ(report.max_time, 5 * kHourMs);
}

TEST_F(DbBlocksTest, ASeriesOnlyInBlocksLivesOnUntilRetentionRemovesThem) {
  options_.head.retention_time = 3 * kHourMs;
  Dump before;
  {
    auto db = open();
    scrape_range(db->head(), 3, 0, 5 * kHourMs + 15'000, /*stop0=*/kHourMs);
    ASSERT_TRUE(db->compact().ok());
    db->apply_retention();  // nothing is older than 3h before 5h but block 1
    before = dump(db->head());
  }
  auto db = open();
  Dump d = dump(db->head());
  // Block [0,2h) ended before 5h - 3h: removed, and series 0 with it.
  EXPECT_EQ(d.count(series(0).to_string()), 0u);
  EXPECT_EQ(d[series(1).to_string()].front().first, 2 * kHourMs);
  EXPECT_EQ(d, before);
  EXPECT_EQ(block_files(), (std::vector<std::string>{"0000007200000-0000014399999.block"}));
}

TEST_F(DbBlocksTest, BlocksOnlySeriesSurviveGarbageCollection) {
  auto db = open();
  scrape_range(db->head(), 3, 0, 5 * kHourMs + 15'000, /*stop0=*/kHourMs);
  ASSERT_TRUE(db->compact().ok());
  const Dump before = dump(db->head());
  db->apply_retention();  // no retention: only garbage collection
  EXPECT_EQ(dump(db->head()), before);
  EXPECT_EQ(before.at(series(0).to_string()).size(), 240u);
  db.reset();
  EXPECT_EQ(dump(open()->head()), before);
}

TEST_F(DbBlocksTest, RetentionBySizeRemovesTheOldestBlocks) {
  {
    auto db = open();
    scrape_range(db->head(), 20, 0, 9 * kHourMs + 15'000);
    ASSERT_TRUE(db->compact().ok());
    EXPECT_EQ(block_files().size(), 4u);
  }
  options_.head.retention_bytes = 1;  // less than anything: every block goes
  auto db = open();
  const auto r = db->apply_retention();
  EXPECT_EQ(r.blocks_removed, 4u);
  EXPECT_TRUE(block_files().empty());
  Dump d = dump(db->head());
  EXPECT_EQ(d[series(3).to_string()].front().first, 8 * kHourMs);  // the head stays
}

TEST_F(DbBlocksTest, ABlockWrittenBeforeACrashIsNotReadTwice) {
  options_.checkpoint_min_wal_bytes = uint64_t{1} << 40;
  Dump before;
  {
    auto db = open();
    scrape_range(db->head(), 4, 0, 4 * kHourMs);
    before = dump(db->head());
  }
  // Keep the log as it was before the compaction, as if the process died
  // between writing the block and the checkpoint.
  std::filesystem::copy(wal_dir(), dir_ + "/wal.saved");
  {
    auto db = open();
    auto c = db->compact();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->blocks, 1u);
  }
  std::filesystem::remove_all(wal_dir());
  std::filesystem::rename(dir_ + "/wal.saved", wal_dir());
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_EQ(dump(db->head()), before);
}

// A kill at each step of a compaction and the checkpoint after it (after
// each file operation that changes the disk, in turn): reopening finds
// every sample exactly once, whatever step it was, and the store goes on.
TEST_F(DbBlocksTest, AKillAtAnyStepOfCompactionOrCheckpointLosesNothing) {
  options_.checkpoint_min_wal_bytes = 1;
  uint64_t steps = 0;
  for (uint64_t step = 0; step < 10'000; ++step) {
    std::filesystem::remove_all(dir_);
    Dump before;
    {
      auto db = open();
      // 4h15m: the first 2h window is finished, the second is the head's.
      scrape_range(db->head(), 4, 0, 4 * kHourMs + 15'000);
      before = dump(db->head());
    }
    FaultFileSystem fs;
    bool crashed = false;
    {
      auto db = open(nullptr, &fs);
      ASSERT_TRUE(db);
      fs.crash_after(step);
      (void)db->compact();
      (void)db->checkpoint();
      crashed = fs.crashed();
    }  // the Db's own closing steps are refused too: the process is dead
    DbOpenReport report;
    auto db = open(&report);
    ASSERT_TRUE(db) << "killed after step " << step;
    ASSERT_EQ(dump(db->head()), before) << "killed after step " << step;
    // It goes on: the window is compacted now if it was not, and nothing
    // is read twice.
    ASSERT_TRUE(db->compact().ok()) << "killed after step " << step;
    ASSERT_TRUE(db->checkpoint().ok()) << "killed after step " << step;
    ASSERT_EQ(dump(db->head()), before) << "killed after step " << step;
    if (!crashed) {
      steps = step;
      break;
    }
  }
  // Both ran to the end without a kill, after that many steps.
  EXPECT_GT(steps, 10u);
  std::cout << "killed after each of " << steps << " steps\n";
}

// Resident kB (of this process) of the mappings of files under `dir`,
// from /proc/self/smaps.
uint64_t resident_kib_under(const std::string& path) {
  const std::string dir = std::filesystem::weakly_canonical(path).string();  // as smaps names files
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  uint64_t kib = 0;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 16) {
      inside = line.find(dir) != std::string::npos;  // a mapping's header line
    } else if (inside && line.starts_with("Rss:")) {
      kib += std::stoull(line.substr(4));
    }
  }
  return kib;
}

// Blocks do not stay in the process's RSS: not after open() checked them,
// and not after queries read them once release_block_pages() ran.
TEST_F(DbBlocksTest, BlockPagesLeaveTheResidentMemory) {
  {
    auto db = open();
    scrape_range(db->head(), 200, 0, 9 * kHourMs);
    ASSERT_TRUE(db->compact().ok());
  }
  auto db = open();
  ASSERT_GT(db->stats().blocks, 2u);
  EXPECT_EQ(resident_kib_under(dir_ + "/blocks"), 0u);
  const Dump all = dump(db->head());  // reads every chunk of every block
  ASSERT_FALSE(all.empty());
  EXPECT_GT(resident_kib_under(dir_ + "/blocks"), 0u);
  db->release_block_pages();
  EXPECT_EQ(resident_kib_under(dir_ + "/blocks"), 0u);
  EXPECT_EQ(dump(db->head()), all);  // and they read back the same
}

TEST_F(DbBlocksTest, WithoutACheckpointTheBlocksNameTheirSeries) {
  Dump before;
  {
    auto db = open();
    scrape_range(db->head(), 4, 0, 4 * kHourMs, /*stop0=*/kHourMs);
    ASSERT_TRUE(db->compact().ok());
    before = dump(db->head());
  }
  std::filesystem::remove_all(wal_dir());  // checkpoint and segments lost
  auto db = open();
  Dump d = dump(db->head());
  EXPECT_EQ(d.at(series(0).to_string()), before.at(series(0).to_string()));
  EXPECT_EQ(d.at(series(2).to_string()).back().first, 2 * kHourMs - 15'000);  // the head's hours are gone
}

TEST_F(DbBlocksTest, ADamagedBlockIsSetAsideAndTheRestServed) {
  {
    auto db = open();
    scrape_range(db->head(), 4, 0, 7 * kHourMs);
    ASSERT_TRUE(db->compact().ok());
  }
  const std::string first = dir_ + "/blocks/0000000000000-0000007199999.block";
  std::filesystem::resize_file(first, std::filesystem::file_size(first) - 3);
  DbOpenReport report;
  auto db = open(&report);
  ASSERT_EQ(report.damage.size(), 1u);
  EXPECT_EQ(report.damage[0].path, first);
  EXPECT_NE(report.damage[0].reason.find("no footer"), std::string::npos) << report.damage[0].reason;
  EXPECT_TRUE(std::filesystem::exists(first + ".damaged"));
  Dump d = dump(db->head());
  EXPECT_EQ(d[series(1).to_string()].front().first, 2 * kHourMs);
  EXPECT_EQ(d[series(1).to_string()].back().first, 7 * kHourMs - 15'000);
}

}  // namespace
}  // namespace cogwatch::tsdb

// Reading a directory without taking it over (cogwatch tsdb analyze), and
// blocks written from elsewhere (cogwatch tsdb import).
namespace cogwatch::tsdb {
namespace {

// Every file under a directory with its size: what "changed nothing" means.
std::map<std::string, uintmax_t> files_of(const std::string& dir) {
  std::map<std::string, uintmax_t> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[e.path().string()] = e.file_size();
  }
  return out;
}

// The chunks of samples (t, v) per series, as an importer builds them.
std::vector<ImportedSeries> imported(const std::map<int, std::vector<std::pair<Timestamp, double>>>& samples) {
  Head scratch;
  auto app = scratch.appender();
  for (const auto& [i, points] : samples) {
    for (const auto& [t, v] : points) EXPECT_TRUE(app->append(series(i), t, v).ok());
  }
  app->commit();
  std::vector<ImportedSeries> out;
  auto all = testing::matcher(MatchType::kRegexMatch, "__name__", ".+");
  for (const SeriesData& s : scratch.select({all}, kMinTimestamp, kMaxTimestamp)) out.push_back({s.labels, s.chunks});
  return out;
}

TEST_F(DbBlocksTest, ReadOnlyOpenReadsWhatTheOwnerHoldsAndChangesNothing) {
  auto owner = open();
  scrape_range(owner->head(), 5, 0, 5 * kHourMs + 15'000);
  ASSERT_TRUE(owner->compact().ok());
  scrape_range(owner->head(), 5, 5 * kHourMs + 15'000, 5 * kHourMs + 60'000);
  ASSERT_TRUE(owner->sync().ok());
  // Leftovers the owner would clean up at its open stay where they are.
  { std::ofstream(dir_ + "/blocks/0000014400000-0000021599999.block.tmp") << "half written"; }
  const auto files = files_of(dir_);

  DbOpenReport report;
  auto reader = Db::open_read_only(dir_, options_, &report);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_TRUE((*reader)->read_only());
  EXPECT_EQ(dump((*reader)->head()), dump(owner->head()));
  EXPECT_EQ((*reader)->stats().blocks, 2u);
  EXPECT_EQ(report.min_time, 0);
  EXPECT_EQ(report.max_time, 5 * kHourMs + 45'000);
  // It writes nothing, and refuses to.
  for (const Status& s : {(*reader)->sync(), Status((*reader)->checkpoint().error()),
                          Status((*reader)->compact().error()),
                          Status((*reader)->import_block(0, 1, {}).error())}) {
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("is open read-only"), std::string::npos) << s.error().message;
  }
  EXPECT_EQ((*reader)->apply_retention().blocks_removed, 0u);
  reader->reset();
  EXPECT_EQ(files_of(dir_), files);
  // The owner still holds the directory.
  auto second = Db::open(dir_, options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

TEST_F(DbBlocksTest, ReadOnlyOpenDoesNotRepairADamagedLog) {
  {
    auto db = open();
    scrape_range(db->head(), 3, 0, 10 * 60'000);
  }
  const std::string segment = wal_dir() + "/00000001";
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 5);  // a torn last record
  const auto files = files_of(dir_);
  DbOpenReport report;
  auto reader = Db::open_read_only(dir_, options_, &report);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  ASSERT_EQ(report.damage.size(), 1u);
  EXPECT_EQ(report.damage[0].path, segment);
  EXPECT_FALSE(dump((*reader)->head()).empty());
  reader->reset();
  EXPECT_EQ(files_of(dir_), files);  // not cut
}

TEST_F(DbTest, ReadOnlyOpenRefusesWhatIsNotACogwatchDirectory) {
  auto missing = Db::open_read_only(dir_, options_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, dir_ + ": no such directory");
  EXPECT_FALSE(std::filesystem::exists(dir_));  // not created

  std::filesystem::create_directories(dir_);
  auto empty = Db::open_read_only(dir_, options_);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, dir_ + " is not a cogwatch data directory (it has no FORMAT file)");
  EXPECT_TRUE(std::filesystem::is_empty(dir_));  // no FORMAT, no lock written

  { std::ofstream(dir_ + "/FORMAT") << "cogwatch tsdb 9\n"; }
  auto newer = Db::open_read_only(dir_, options_);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("written by a newer cogwatch (storage format 9"), std::string::npos)
      << newer.error().message;
}

TEST_F(DbBlocksTest, AnImportedBlockIsReadWithTheRestAfterReopening) {
  Dump expected;
  {
    auto db = open();
    // The store already holds series 1 and 2 from 10h on, and a checkpoint
    // that knows only them.
    scrape_range(db->head(), 2, 10 * kHourMs, 10 * kHourMs + 60'000);
    ASSERT_TRUE(db->checkpoint().ok());
    // Older data from elsewhere: series 1 (known) and 7 (new).
    auto r = db->import_block(2 * kHourMs, 4 * kHourMs - 1,
                              imported({{1, {{2 * kHourMs, 1}, {3 * kHourMs, 2}}}, {7, {{2 * kHourMs + 5, 7}}}}));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->blocks, 1u);
    EXPECT_EQ(r->series, 2u);
    EXPECT_EQ(block_files(), (std::vector<std::string>{"0000007200000-0000014399999.block"}));
    expected = dump(db->head());
    EXPECT_EQ(expected.at(series(7).to_string()).size(), 1u);
    EXPECT_EQ(expected.at(series(1).to_string()).size(), 2u + 4);
  }
  auto db = open();
  EXPECT_EQ(dump(db->head()), expected);
  // New series after the reopen get refs of their own: nothing lands in
  // the imported series.
  ASSERT_TRUE(testing::append_one(db->head(), series(9), 11 * kHourMs, 9).ok());
  EXPECT_EQ(dump(db->head()).at(series(7).to_string()), expected.at(series(7).to_string()));
}

TEST_F(DbBlocksTest, AnImportOverlappingTheStoreIsRefusedBeforeWriting) {
  auto db = open();
  scrape_range(db->head(), 2, 0, 5 * kHourMs + 15'000);
  ASSERT_TRUE(db->compact().ok());  // blocks [0,2h) and [2h,4h); the head from 4h
  const auto files = files_of(dir_);
  auto block = db->import_block(3 * kHourMs, 5 * kHourMs - 1, imported({{5, {{3 * kHourMs, 1}}}}));
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.error().message, "import: time range [10800000, 17999999] overlaps block " + dir_ +
                                       "/blocks/0000007200000-0000014399999.block [7200000, 14399999]");
  auto head = db->import_block(-2 * kHourMs, 4 * kHourMs + 1, imported({{5, {{-kHourMs, 1}}}}));
  ASSERT_FALSE(head.ok());
  EXPECT_NE(head.error().message.find("overlaps block"), std::string::npos);
  EXPECT_EQ(files_of(dir_), files);
  Dump before = dump(db->head());
  EXPECT_EQ(before.count(series(5).to_string()), 0u);
}

TEST_F(DbTest, AnImportReachingTheHeadsWindowIsRefused) {
  auto db = open();
  ASSERT_TRUE(testing::append_one(db->head(), series(1), 3 * 3600'000 + 5, 1).ok());
  auto r = db->import_block(0, 2 * 3600'000, imported({{1, {{0, 1}}}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "import: time range [0, 7200000] overlaps the head's data [10800005, 10800005] (its windows start at "
            "7200000)");
  EXPECT_TRUE(db->import_block(0, 2 * 3600'000 - 1, imported({{1, {{0, 1}}}})).ok());
}

}  // namespace
}  // namespace cogwatch::tsdb
