#include "tsdb/wal.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tsdb/internal/wal_records.h"

namespace cogwatch::tsdb {
namespace {

class WalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cogwatch_wal_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A record of `type` whose payload is `n` bytes of `fill`.
  static std::vector<uint8_t> record(uint8_t type, size_t n, uint8_t fill) {
    RecordBuffer b;
    const size_t at = b.begin(type);
    b.bytes().insert(b.bytes().end(), n, fill);
    b.finish(at);
    return b.bytes();
  }

  struct Read {
    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> records;
    std::optional<WalDamage> damage;
  };
  static Read read(const std::string& path) {
    Read out;
    auto r = SegmentReader::open(FileSystem::posix(), path);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r) return out;
    while (r->next()) out.records.emplace_back(r->type(), std::vector<uint8_t>(r->payload().begin(), r->payload().end()));
    out.damage = r->damage();
    return out;
  }

  static std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void overwrite(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  std::string dir_;
};

// Timestamps are deltas from the record's first, in two's complement: the
// extremes round-trip, and a damaged delta gives some timestamp (which
// the replay's checks refuse), not undefined behaviour (found by the
// histogram chunk fuzzer under UBSan).
TEST(WalRecords, TimestampDeltasWrapAsGos) {
  constexpr Timestamp kMin = std::numeric_limits<Timestamp>::min(), kMax = std::numeric_limits<Timestamp>::max();
  const std::vector<internal::WalSample> in = {{1, kMax, 1.5}, {2, kMin, 2.5}, {3, 0, 3.5}};
  std::vector<uint8_t> payload;
  internal::encode_samples(payload, in);
  std::vector<internal::WalSample> out;
  ASSERT_TRUE(internal::decode_samples(payload, [&](const internal::WalSample& s) { out.push_back(s); }));
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(out[i].t, in[i].t);
}

TEST_F(WalTest, RecordsComeBackInOrderWithTheirTypes) {
  {
    auto wal = Wal::open(dir_);
    ASSERT_TRUE(wal.ok());
    ASSERT_TRUE((*wal)->write(record(1, 3, 'a')).ok());
    auto two = record(2, 0, 0);
    auto three = record(3, 100000, 'z');
    two.insert(two.end(), three.begin(), three.end());  // two records in one write
    ASSERT_TRUE((*wal)->write(two).ok());
    EXPECT_EQ((*wal)->current_segment(), 1u);
  }
  Read r = read(Wal::segment_path(dir_, 1));
  EXPECT_FALSE(r.damage);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].first, 1);
  EXPECT_EQ(r.records[0].second, std::vector<uint8_t>(3, 'a'));
  EXPECT_EQ(r.records[1].first, 2);
  EXPECT_TRUE(r.records[1].second.empty());
  EXPECT_EQ(r.records[2].first, 3);
  EXPECT_EQ(r.records[2].second.size(), 100000u);
}

TEST_F(WalTest, OpeningBeginsANewSegmentAfterTheLast) {
  { ASSERT_TRUE(Wal::open(dir_).ok()); }
  auto wal = Wal::open(dir_);
  ASSERT_TRUE(wal.ok());
  EXPECT_EQ((*wal)->current_segment(), 2u);
  auto segs = Wal::list_segments(FileSystem::posix(), dir_);
  ASSERT_TRUE(segs.ok());
  EXPECT_EQ(*segs, (std::vector<uint32_t>{1, 2}));
}

TEST_F(WalTest, AFullSegmentIsClosedAndRecordsNeverSpanTwo) {
  auto wal = Wal::open(dir_, WalOptions{.segment_bytes = 1000});
  ASSERT_TRUE(wal.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*wal)->write(record(1, 300, static_cast<uint8_t>(i))).ok());
  auto segs = Wal::list_segments(FileSystem::posix(), dir_);
  ASSERT_TRUE(segs.ok());
  EXPECT_EQ(segs->size(), 4u);  // three 309-byte records fit in 1000 with the header
  int seen = 0;
  for (uint32_t s : *segs) {
    Read r = read(Wal::segment_path(dir_, s));
    EXPECT_FALSE(r.damage);
    for (const auto& rec : r.records) EXPECT_EQ(rec.second.front(), seen++);
  }
  EXPECT_EQ(seen, 10);
  EXPECT_EQ((*wal)->bytes_since(1), 8u * 4 + 10 * 309);
  ASSERT_TRUE((*wal)->remove_before(3).ok());
  EXPECT_EQ(*Wal::list_segments(FileSystem::posix(), dir_), (std::vector<uint32_t>{3, 4}));
  EXPECT_EQ((*wal)->bytes_since(1), 8u * 2 + 4 * 309);
}

TEST_F(WalTest, CutClosesTheSegment) {
  auto wal = Wal::open(dir_);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->write(record(1, 5, 'x')).ok());
  auto next = (*wal)->cut();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 2u);
  ASSERT_TRUE((*wal)->write(record(1, 5, 'y')).ok());
  EXPECT_EQ(read(Wal::segment_path(dir_, 1)).records.size(), 1u);
  EXPECT_EQ(read(Wal::segment_path(dir_, 2)).records.size(), 1u);
}

// Every truncation of a segment reads back exactly the records that end
// before the cut; a cut inside a record is reported with what it dropped.
TEST_F(WalTest, TruncationAtEveryByteKeepsTheRecordsBeforeIt) {
  {
    auto wal = Wal::open(dir_);
    ASSERT_TRUE(wal.ok());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE((*wal)->write(record(1, 10 + i, static_cast<uint8_t>(i))).ok());
  }
  const std::string path = Wal::segment_path(dir_, 1);
  const std::string whole = contents(path);
  std::vector<size_t> ends = {8};
  for (int i = 0; i < 4; ++i) ends.push_back(ends.back() + 9 + 10 + i);
  ASSERT_EQ(ends.back(), whole.size());
  for (size_t cut = 0; cut <= whole.size(); ++cut) {
    overwrite(path, whole.substr(0, cut));
    Read r = read(path);
    size_t complete = 0;
    while (complete + 1 < ends.size() && ends[complete + 1] <= cut) ++complete;
    EXPECT_EQ(r.records.size(), complete) << "cut at " << cut;
    const bool at_boundary = std::find(ends.begin(), ends.end(), cut) != ends.end();
    EXPECT_EQ(r.damage.has_value(), !at_boundary) << "cut at " << cut;
    if (r.damage && cut >= 8) {
      EXPECT_EQ(r.damage->offset, ends[complete]) << "cut at " << cut;
      EXPECT_EQ(r.damage->bytes_dropped, cut - ends[complete]) << "cut at " << cut;
    }
  }
}

TEST_F(WalTest, ABitFlipStopsReadingAtItsRecord) {
  {
    auto wal = Wal::open(dir_);
    ASSERT_TRUE(wal.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*wal)->write(record(1, 20, static_cast<uint8_t>(i))).ok());
  }
  const std::string path = Wal::segment_path(dir_, 1);
  const std::string whole = contents(path);
  for (size_t byte = 8; byte < whole.size(); ++byte) {
    std::string flipped = whole;
    flipped[byte] ^= 0x10;
    overwrite(path, flipped);
    Read r = read(path);
    const size_t damaged_record = (byte - 8) / 29;
    EXPECT_EQ(r.records.size(), damaged_record) << "flip at " << byte;
    ASSERT_TRUE(r.damage) << "flip at " << byte;
    EXPECT_EQ(r.damage->offset, 8 + damaged_record * 29);
  }
}

TEST_F(WalTest, EmptyAndZeroFilledFilesAreDamageNotErrors) {
  ASSERT_TRUE(std::filesystem::create_directories(dir_));
  const std::string path = Wal::segment_path(dir_, 1);
  overwrite(path, "");
  Read r = read(path);
  ASSERT_TRUE(r.damage);
  EXPECT_EQ(r.damage->reason, "empty file (no segment header)");

  overwrite(path, contents(path) + std::string("CWWAL\0\0\1", 8) + std::string(4096, '\0'));
  r = read(path);
  ASSERT_TRUE(r.damage);
  EXPECT_EQ(r.damage->offset, 8u);
  EXPECT_EQ(r.damage->bytes_dropped, 4096u);
  EXPECT_EQ(r.damage->reason, "zeroed bytes where a record should begin");
}

TEST_F(WalTest, ANewerFormatIsRefused) {
  ASSERT_TRUE(std::filesystem::create_directories(dir_));
  const std::string path = Wal::segment_path(dir_, 1);
  overwrite(path, std::string("CWWAL\0\0\x09", 8));
  auto r = SegmentReader::open(FileSystem::posix(), path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("WAL format version 9, newer than this cogwatch reads (2)"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace cogwatch::tsdb
