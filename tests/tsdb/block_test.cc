#include "tsdb/block.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cogwatch::tsdb {
namespace {

using Samples = std::vector<std::pair<Timestamp, double>>;

Samples decode(const std::vector<ChunkRef>& chunks) {
  Samples out;
  for (const ChunkRef& c : chunks) {
    ChunkIterator it(*c);
    while (it.next()) out.emplace_back(it.t(), it.v());
    EXPECT_TRUE(it.err().ok());
  }
  return out;
}

// Series i: head chunks of 150 samples at 1s, from t0 = i seconds; the
// values of odd series are integers.
std::vector<ChunkRef> make_chunks(int i, int nchunks) {
  std::vector<ChunkRef> out;
  Timestamp t = 1'000'000 + i * 1000;
  for (int c = 0; c < nchunks; ++c) {
    ChunkWriter w;
    for (int k = 0; k < 150; ++k, t += 1000) w.append(t, i % 2 ? std::floor(t / 7000.0) : std::sin(i * 7.0 + t));
    out.push_back(w.seal());
  }
  return out;
}

Labels labels_of(int i) { return Labels{{"__name__", "m"}, {"i", std::to_string(i)}}; }

class BlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/cogwatch_block_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  // Writes series 0..n-1 with refs 10*i+3, each with i%4+1 head chunks.
  void write(int n) {
    BlockWriter w(FileSystem::posix(), path_, 0, 10'000'000);
    for (int i = 0; i < n; ++i) {
      chunks_[10 * i + 3] = make_chunks(i, i % 4 + 1);
      ASSERT_TRUE(w.add(10 * i + 3, labels_of(i), chunks_[10 * i + 3]).ok());
    }
    auto size = w.finish();
    ASSERT_TRUE(size.ok()) << size.error().message;
    EXPECT_EQ(*size, std::filesystem::file_size(path_));
  }
  std::shared_ptr<const Block> open() {
    auto b = Block::open(FileSystem::posix(), path_);
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    return b.ok() ? *b : nullptr;
  }
  void flip(uint64_t at) {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x04));
  }

  std::string path_;
  std::map<SeriesRef, std::vector<ChunkRef>> chunks_;
};

TEST_F(BlockTest, EverySeriesComesBackWithItsChunks) {
  write(300);
  auto b = open();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->num_series(), 300u);
  EXPECT_EQ(b->min_time(), 0);
  EXPECT_EQ(b->max_time(), 10'000'000);
  for (const auto& [ref, chunks] : chunks_) {
    std::vector<ChunkRef> got;
    b->chunks(ref, kMinTimestamp, kMaxTimestamp, got);
    // Written again as block chunks of kBlockChunkSamples samples.
    const Samples samples = decode(chunks);
    ASSERT_EQ(got.size(), (samples.size() + kBlockChunkSamples - 1) / kBlockChunkSamples) << ref;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_TRUE(got[i]->mapped());
      const size_t first = i * kBlockChunkSamples, n = std::min<size_t>(kBlockChunkSamples, samples.size() - first);
      EXPECT_EQ(got[i]->min_time(), samples[first].first);
      EXPECT_EQ(got[i]->max_time(), samples[first + n - 1].first);
      EXPECT_EQ(got[i]->num_samples(), n);
    }
    EXPECT_EQ(decode(got), samples);
    EXPECT_TRUE(b->contains(ref));
    EXPECT_FALSE(b->contains(ref + 1));
  }
  std::vector<ChunkRef> none;
  b->chunks(1, kMinTimestamp, kMaxTimestamp, none);
  b->chunks(99999, kMinTimestamp, kMaxTimestamp, none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(b->damaged_chunks(), 0u);

  std::vector<SeriesRef> refs;
  b->for_each_series([&](SeriesRef ref, const Labels& l, size_t n) {
    refs.push_back(ref);
    EXPECT_EQ(l, labels_of(static_cast<int>(ref / 10)));
    EXPECT_EQ(n, (decode(chunks_[ref]).size() + kBlockChunkSamples - 1) / kBlockChunkSamples);
  });
  EXPECT_EQ(refs.size(), 300u);
  EXPECT_TRUE(std::is_sorted(refs.begin(), refs.end()));
}

TEST_F(BlockTest, OnlyChunksOverlappingTheRangeAreReturned) {
  {
    BlockWriter w(FileSystem::posix(), path_, 0, 10'000'000);
    chunks_[33] = make_chunks(3, 12);  // 1800 samples: 4 block chunks
    ASSERT_TRUE(w.add(33, labels_of(3), chunks_[33]).ok());
    ASSERT_TRUE(w.finish().ok());
  }
  auto b = open();
  std::vector<ChunkRef> all;
  b->chunks(33, kMinTimestamp, kMaxTimestamp, all);
  ASSERT_EQ(all.size(), 4u);
  std::vector<ChunkRef> got;
  b->chunks(33, all[1]->max_time(), all[2]->min_time(), got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]->min_time(), all[1]->min_time());
  EXPECT_EQ(got[1]->min_time(), all[2]->min_time());
  got.clear();
  b->chunks(33, all[3]->max_time() + 1, kMaxTimestamp, got);
  EXPECT_TRUE(got.empty());
}

// Series scraped together share their timestamps; a histogram's _count
// and +Inf bucket their values. A block stores each such column once.
TEST_F(BlockTest, SharedColumnsAreStoredOnce) {
  auto block_size = [&](bool same_times, bool same_values) {
    std::filesystem::remove(path_);
    BlockWriter w(FileSystem::posix(), path_, 0, 10'000'000);
    for (int i = 0; i < 20; ++i) {
      ChunkWriter c;
      for (int k = 0; k < 400; ++k) {
        const Timestamp t = 1'000'000 + k * 15'000 + (k * 7919 % 7) + (same_times ? 0 : i);
        c.append(t, same_values ? k * 31 % 97 : std::sin(i + k));
      }
      const ChunkRef chunk = c.seal();
      EXPECT_TRUE(w.add(i + 1, labels_of(i), {&chunk, 1}).ok());
    }
    return *w.finish();
  };
  const uint64_t distinct = block_size(false, false);
  const uint64_t shared_times = block_size(true, false);
  const uint64_t shared_both = block_size(true, true);
  // 19 timestamp columns of 400 jittered samples (about 300 bytes each)
  // saved.
  EXPECT_LT(shared_times + 19 * 250, distinct) << shared_times << " vs " << distinct;
  EXPECT_LT(shared_both * 4, shared_times) << shared_both << " vs " << shared_times;
  auto b = open();
  for (SeriesRef ref = 1; ref <= 20; ++ref) {
    std::vector<ChunkRef> got;
    b->chunks(ref, kMinTimestamp, kMaxTimestamp, got);
    const Samples s = decode(got);
    ASSERT_EQ(s.size(), 400u);
    EXPECT_EQ(s[399].second, 399 * 31 % 97);
  }
}

TEST_F(BlockTest, ChunksOutliveTheBlockAndItsFile) {
  write(10);
  std::vector<ChunkRef> got;
  {
    auto b = open();
    b->chunks(93, kMinTimestamp, kMaxTimestamp, got);
  }
  std::filesystem::remove(path_);
  EXPECT_EQ(decode(got), decode(chunks_[93]));
}

TEST_F(BlockTest, AFlippedBitInAChunkDropsThatChunkOnly) {
  write(3);
  // Series 0 (ref 3) has one chunk, right after the 8-byte header.
  flip(8 + 20);
  auto b = open();
  ASSERT_TRUE(b);  // chunk bytes are checked when read, not at open
  std::vector<ChunkRef> got;
  b->chunks(3, kMinTimestamp, kMaxTimestamp, got);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(b->damaged_chunks(), 1u);
  b->chunks(13, kMinTimestamp, kMaxTimestamp, got);
  EXPECT_EQ(decode(got), decode(chunks_[13]));
  EXPECT_EQ(b->damaged_chunks(), 1u);
}

TEST_F(BlockTest, DamageOutsideTheChunksRefusesTheBlock) {
  write(20);
  const auto size = std::filesystem::file_size(path_);
  const std::string whole = [&] {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto reopen_error = [&]() -> std::string {
    auto b = Block::open(FileSystem::posix(), path_);
    return b.ok() ? "" : b.error().message;
  };
  flip(size - 100);  // in the index
  EXPECT_NE(reopen_error().find("series or index checksum mismatch"), std::string::npos) << reopen_error();
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << whole;
  flip(size - 30);  // in the footer
  EXPECT_NE(reopen_error().find("footer checksum mismatch"), std::string::npos) << reopen_error();
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << whole.substr(0, size - 1);
  EXPECT_NE(reopen_error().find("no footer (the file is truncated)"), std::string::npos) << reopen_error();
  std::string newer = whole;
  newer[7] = 9;
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << newer;
  EXPECT_NE(reopen_error().find("block format version 9, newer than this cogwatch reads (3)"), std::string::npos)
      << reopen_error();
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << whole;
  EXPECT_EQ(reopen_error(), "");
}

TEST_F(BlockTest, AnEmptyBlockOpens) {
  write(0);
  auto b = open();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->num_series(), 0u);
  EXPECT_FALSE(b->contains(3));
}

TEST_F(BlockTest, RefsMustAscend) {
  BlockWriter w(FileSystem::posix(), path_, 0, 1);
  ASSERT_TRUE(w.add(5, labels_of(1), {}).ok());
  EXPECT_FALSE(w.add(5, labels_of(2), {}).ok());
}

}  // namespace
}  // namespace cogwatch::tsdb

namespace cogwatch::tsdb {
namespace {

// A block built byte by byte from docs/storage-format.md by a script, not
// by BlockWriter (the storage fuzzer's seed, after its selector byte):
// series 1025 {__name__="up", job="cog"} with one chunk of one sample.
TEST(BlockFormatTest, AFileWrittenFromTheDocumentationReads) {
  std::ifstream in(std::string(COGWATCH_SOURCE_DIR) + "/tests/fuzz/corpus_storage/block", std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  ASSERT_GT(bytes.size(), 1u);
  const std::string path = ::testing::TempDir() + "/cogwatch_block_fixture_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary) << bytes.substr(1);
  auto b = Block::open(FileSystem::posix(), path);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ((*b)->min_time(), 1699999200000);
  EXPECT_EQ((*b)->max_time(), 1700006399999);
  int seen = 0;
  (*b)->for_each_series([&](SeriesRef ref, const Labels& l, size_t n) {
    ++seen;
    EXPECT_EQ(ref, 1025u);
    EXPECT_EQ(l, (Labels{{"__name__", "up"}, {"job", "cog"}}));
    EXPECT_EQ(n, 1u);
  });
  EXPECT_EQ(seen, 1);
  std::vector<ChunkRef> chunks;
  (*b)->chunks(1025, kMinTimestamp, kMaxTimestamp, chunks);
  EXPECT_EQ(decode(chunks), (Samples{{1700000000000, 1.5}}));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cogwatch::tsdb
