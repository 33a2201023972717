// Native histograms on disk: the log's histogram records, replay,
// checkpoints (chunks of every encoding, open histogram chunks going on
// where they stopped), blocks of format 3, damage, and the formats
// cogwatch wrote before (a format-2 block, a version-1 log with its
// checkpoint: tests/tsdb/testdata/old_formats/).
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/histogram_fixture_series.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/block.h"
#include "tsdb/db.h"
#include "tsdb/internal/wal_records.h"

namespace cogwatch::tsdb {
namespace {

using fixtures::floating;
using fixtures::integer;
constexpr double kZt = fixtures::kDefaultZeroThreshold;

// Every sample of a store, by series: floats as bits, histograms printed
// with their hint (so that what a chunk's header says is compared too).
using Dump = std::map<std::string, std::vector<std::string>>;

std::string sample_text(SeriesIterator& it) {
  char head[64];
  std::snprintf(head, sizeof head, "%lld ", static_cast<long long>(it.t()));
  switch (it.value_type()) {
    case ValueType::kFloat: {
      char v[32];
      std::snprintf(v, sizeof v, "%016llx", static_cast<unsigned long long>(std::bit_cast<uint64_t>(it.v())));
      return head + std::string(v);
    }
    case ValueType::kHistogram:
      return head + std::string("h ") + it.float_histogram().test_expression();
    case ValueType::kFloatHistogram:
      return head + std::string("fh ") + it.float_histogram().test_expression();
  }
  return "";
}

Dump dump(const Querier& q) {
  Dump out;
  for (const SeriesData& s :
       q.select({testing::matcher(MatchType::kRegexMatch, "__name__", ".+")}, kMinTimestamp, kMaxTimestamp)) {
    auto& samples = out[s.labels.to_string()];
    SeriesIterator it = s.iterator();
    while (it.next()) samples.push_back(sample_text(it));
    EXPECT_TRUE(it.err().ok()) << it.err().error().message;
  }
  return out;
}

// The head's chunks, byte for byte, by series.
using ChunkDump = std::map<std::string, std::vector<std::pair<ChunkEncoding, std::vector<uint8_t>>>>;

ChunkDump chunk_dump(const Head& head) {
  ChunkDump out;
  for (const SeriesData& s :
       head.select({testing::matcher(MatchType::kRegexMatch, "__name__", ".+")}, kMinTimestamp, kMaxTimestamp)) {
    for (const ChunkRef& c : s.chunks) {
      out[s.labels.to_string()].emplace_back(c->encoding(), std::vector<uint8_t>(c->data(), c->data() + c->size()));
    }
  }
  return out;
}

Labels series(const char* name, int i) { return Labels{{"__name__", name}, {"i", std::to_string(i)}}; }

// Scrapes of a mixed workload from t0, one every 15 s: integer histograms
// whose buckets grow (recoding their chunks) and that reset now and then,
// float histograms, gauge histograms, a series that changes between
// floats and histograms, and stale markers.
void scrape(Head& head, int scrapes, Timestamp t0, int first = 0) {
  for (int k = first; k < first + scrapes; ++k) {
    auto app = head.appender();
    const Timestamp t = t0 + (k - first) * 15'000;
    for (int i = 0; i < 4; ++i) {
      const int n = (k % 40) + i;  // resets every 40 scrapes
      const int width = 1 + std::min(n / 5, 6);
      std::vector<int64_t> counts(width);
      for (int b = 0; b < width; ++b) counts[b] = n * (b + 1);
      ASSERT_TRUE(app->append_histogram(series("lat", i), t, integer(2, kZt, n, 0.5 * n, {{-1, static_cast<uint32_t>(width)}}, counts)).ok());
      ASSERT_TRUE(app->append_float_histogram(series("rate", i), t,
                                              floating(0, kZt, 0.1 * n, n / 3.0, {{0, 2}}, {0.25 * n, 0.5 * n}))
                      .ok());
      ASSERT_TRUE(app->append_histogram(series("gauge", i), t,
                                        integer(1, kZt, 0, 1, {{k % 3, 1}}, {1 + k % 5}, {}, {}, CounterResetHint::kGauge))
                      .ok());
      const Labels mixed = series("mixed", i);
      if (k % 30 == 29) {
        ASSERT_TRUE(app->append(mixed, t, stale_nan()).ok());
      } else if ((k / 10) % 2 == 0) {
        ASSERT_TRUE(app->append(mixed, t, k).ok());
      } else {
        ASSERT_TRUE(app->append_histogram(mixed, t, integer(0, kZt, 0, k, {{0, 1}}, {k})).ok());
      }
    }
    app->commit();
  }
}

class HistogramDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cogwatch_hdb_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Db> open(DbOpenReport* report = nullptr) {
    auto db = Db::open(dir_, options_, report);
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    return db.ok() ? std::move(*db) : nullptr;
  }
  std::string wal_dir() const { return dir_ + "/wal"; }

  DbOptions options_;
  std::string dir_;
};

TEST_F(HistogramDbTest, ReplayRebuildsTheSameChunks) {
  Head reference;
  scrape(reference, 200, 1'000'000);
  {
    auto db = open();
    scrape(db->head(), 200, 1'000'000);
    EXPECT_EQ(chunk_dump(db->head()), chunk_dump(reference));
  }
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_TRUE(report.damage.empty());
  EXPECT_EQ(report.bad_records, 0u);
  EXPECT_EQ(report.samples, 200u * 16);
  EXPECT_EQ(dump(db->head()), dump(reference));
  EXPECT_EQ(chunk_dump(db->head()), chunk_dump(reference));
}

// A checkpoint keeps every chunk as it is and the open ones going: after
// it and a restart, appending goes on exactly as in a store that never
// stopped.
TEST_F(HistogramDbTest, ACheckpointKeepsChunksAndOpenChunksGoOn) {
  Head reference;
  scrape(reference, 150, 0);
  scrape(reference, 50, 150 * 15'000, 150);
  {
    auto db = open();
    scrape(db->head(), 150, 0);
    auto c = db->checkpoint();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->series, 16u);
  }
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_FALSE(report.checkpoint.empty());
  EXPECT_EQ(report.bad_records, 0u);
  scrape(db->head(), 50, 150 * 15'000, 150);
  EXPECT_EQ(dump(db->head()), dump(reference));
  EXPECT_EQ(chunk_dump(db->head()), chunk_dump(reference));
  db.reset();
  EXPECT_EQ(chunk_dump(open()->head()), chunk_dump(reference));
}

TEST_F(HistogramDbTest, ATornHistogramRecordIsCutAndTheRestKept) {
  Dump before;
  {
    auto db = open();
    scrape(db->head(), 10, 0);
    before = dump(db->head());
  }
  const std::string seg = Wal::segment_path(wal_dir(), 1);
  std::filesystem::resize_file(seg, std::filesystem::file_size(seg) - 5);  // the last commit, torn
  DbOpenReport report;
  auto db = open(&report);
  ASSERT_EQ(report.damage.size(), 1u);
  const Dump after = dump(db->head());
  // The last scrape's records are a run per kind; what is torn is the tail
  // of its last record.
  for (const auto& [name, samples] : before) {
    const auto& got = after.at(name);
    ASSERT_GE(got.size(), 9u) << name;
    EXPECT_TRUE(std::equal(got.begin(), got.end(), samples.begin())) << name;
  }
}

// A record whose checksum is fine but which holds an invalid histogram
// (damage the checksum missed, or a bug) is counted; its valid samples
// are kept.
TEST_F(HistogramDbTest, AnInvalidHistogramInTheLogIsCounted) {
  {
    auto wal = Wal::open(wal_dir());
    ASSERT_TRUE(wal.ok());
    RecordBuffer buf;
    size_t at = buf.begin(internal::kSeriesRecord);
    internal::encode_series_entry(buf.bytes(), 1025, series("lat", 0));
    buf.finish(at);
    at = buf.begin(internal::kHistogramsRecord);
    internal::put_varint(buf.bytes(), 1000);
    Histogram bad = integer(0, kZt, 0, 1, {{0, 2}}, {1, 1});
    bad.positive_buckets.pop_back();
    internal::encode_histogram_sample(buf.bytes(), 1000, 1025, 1000, integer(0, kZt, 0, 1, {{0, 1}}, {1}));
    internal::encode_histogram_sample(buf.bytes(), 1000, 1025, 2000, bad);
    internal::encode_histogram_sample(buf.bytes(), 1000, 1025, 3000, integer(0, kZt, 0, 1, {{0, 1}}, {2}));
    buf.finish(at);
    ASSERT_TRUE((*wal)->write(buf.bytes()).ok());
    std::ofstream(dir_ + "/FORMAT") << "cogwatch tsdb 1\n";
  }
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_EQ(report.bad_records, 1u);
  EXPECT_EQ(report.samples, 2u);
  EXPECT_EQ(dump(db->head())[series("lat", 0).to_string()].size(), 2u);
}

TEST_F(HistogramDbTest, FinishedWindowsOfHistogramsMoveIntoBlocksOfFormat3) {
  Dump before;
  {
    auto db = open();
    scrape(db->head(), 5 * 240 + 1, 0);  // 5h
    before = dump(db->head());
    auto c = db->compact();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->blocks, 2u);
    EXPECT_EQ(dump(db->head()), before);
  }
  std::vector<std::string> blocks;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/blocks")) blocks.push_back(e.path());
  ASSERT_EQ(blocks.size(), 2u);
  std::ifstream in(blocks[0], std::ios::binary);
  std::string header(8, '\0');
  in.read(header.data(), 8);
  EXPECT_EQ(header[7], 3);  // the format version
  auto b = Block::open(FileSystem::posix(), blocks[0]);
  ASSERT_TRUE(b.ok()) << b.error().message;
  std::map<ChunkEncoding, int> kinds;
  (*b)->for_each_series([&](SeriesRef ref, const Labels&, size_t) {
    std::vector<ChunkRef> chunks;
    (*b)->chunks(ref, kMinTimestamp, kMaxTimestamp, chunks);
    for (const ChunkRef& c : chunks) ++kinds[c->encoding()];
  });
  EXPECT_GT(kinds[ChunkEncoding::kFloat], 0);
  EXPECT_GT(kinds[ChunkEncoding::kHistogram], 0);
  EXPECT_GT(kinds[ChunkEncoding::kFloatHistogram], 0);
  DbOpenReport report;
  auto db = open(&report);
  EXPECT_TRUE(report.damage.empty());
  EXPECT_EQ(dump(db->head()), before);
}

// ---- BlockWriter and Block ----

class HistogramBlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/cogwatch_hblock_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

TEST_F(HistogramBlockTest, ASeriesOfEveryKindReadsBackInOrder) {
  Head head;
  const Labels l = series("mixed", 0);
  auto add = [&](Timestamp t, auto f) {
    auto app = head.appender();
    ASSERT_TRUE(f(*app, t).ok());
    app->commit();
  };
  Timestamp t = 0;
  for (int i = 0; i < 600; ++i, t += 15'000) add(t, [&](Appender& a, Timestamp at) { return a.append(l, at, i); });
  for (int i = 0; i < 30; ++i, t += 15'000) {
    add(t, [&](Appender& a, Timestamp at) { return a.append_histogram(l, at, integer(0, kZt, 0, i, {{0, 1}}, {i})); });
  }
  for (int i = 0; i < 10; ++i, t += 15'000) add(t, [&](Appender& a, Timestamp at) { return a.append(l, at, -i); });
  for (int i = 0; i < 10; ++i, t += 15'000) {
    add(t, [&](Appender& a, Timestamp at) {
      return a.append_float_histogram(l, at, floating(0, kZt, 0, i, {{0, 1}}, {0.5 * i}));
    });
  }
  const Dump before = dump(head);
  auto selected = head.select({testing::matcher(MatchType::kEqual, "__name__", "mixed")}, kMinTimestamp, kMaxTimestamp);
  ASSERT_EQ(selected.size(), 1u);
  BlockWriter w(FileSystem::posix(), path_, 0, t);
  ASSERT_TRUE(w.add(7, l, selected[0].chunks).ok());
  ASSERT_TRUE(w.finish().ok());
  auto b = Block::open(FileSystem::posix(), path_);
  ASSERT_TRUE(b.ok()) << b.error().message;
  SeriesData d;
  d.labels = l;
  (*b)->chunks(7, kMinTimestamp, kMaxTimestamp, d.chunks);
  std::vector<ChunkEncoding> kinds;
  for (const ChunkRef& c : d.chunks) kinds.push_back(c->encoding());
  // 600 floats are two column chunks (480 + 120); histogram chunks as they were.
  EXPECT_EQ(kinds, (std::vector<ChunkEncoding>{ChunkEncoding::kFloat, ChunkEncoding::kFloat,
                                               ChunkEncoding::kHistogram, ChunkEncoding::kFloat,
                                               ChunkEncoding::kFloatHistogram}));
  Dump got;
  SeriesIterator it = d.iterator();
  while (it.next()) got[l.to_string()].push_back(sample_text(it));
  EXPECT_EQ(got, before);
  // Only chunks in range, and a seek lands in a histogram chunk.
  std::vector<ChunkRef> some;
  (*b)->chunks(7, 600 * 15'000 + 1, 600 * 15'000 + 1, some);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0]->encoding(), ChunkEncoding::kHistogram);
}

TEST_F(HistogramBlockTest, ADamagedHistogramChunkIsSkippedAndCounted) {
  HistogramChunkWriter hw;
  hw.start(1000, integer(0, kZt, 0, 1, {{0, 1}}, {1}), CounterResetHeader::kUnknown);
  ASSERT_EQ(hw.append(2000, integer(0, kZt, 0, 2, {{0, 1}}, {2})).outcome, HistogramAppend::kAppended);
  const ChunkRef c = hw.seal();
  BlockWriter w(FileSystem::posix(), path_, 0, 10'000);
  ASSERT_TRUE(w.add(3, series("a", 0), {&c, 1}).ok());
  ASSERT_TRUE(w.add(4, series("b", 0), {&c, 1}).ok());
  ASSERT_TRUE(w.finish().ok());
  // Flip a bit in the first piece: the first series' chunk.
  {
    std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(8 + 1 + 5);
    char byte;
    f.read(&byte, 1);
    byte ^= 0x10;
    f.seekp(8 + 1 + 5);
    f.write(&byte, 1);
  }
  auto b = Block::open(FileSystem::posix(), path_);
  ASSERT_TRUE(b.ok());
  std::vector<ChunkRef> got;
  (*b)->chunks(3, kMinTimestamp, kMaxTimestamp, got);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ((*b)->damaged_chunks(), 1u);
  (*b)->chunks(4, kMinTimestamp, kMaxTimestamp, got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::vector<uint8_t>(got[0]->data(), got[0]->data() + got[0]->size()),
            std::vector<uint8_t>(c->data(), c->data() + c->size()));
  EXPECT_EQ(got[0]->min_time(), 1000);
  EXPECT_EQ(got[0]->max_time(), 2000);
}

TEST_F(HistogramBlockTest, AChunkThatDoesNotDecodeIsAWriterError) {
  const std::vector<uint8_t> bad = {0, 5, 0, 0xff};
  const ChunkRef c = ChunkRef::from_bytes(ChunkEncoding::kHistogram, bad.data(), 4, 0, 1);
  BlockWriter w(FileSystem::posix(), path_, 0, 10);
  const Status s = w.add(3, series("a", 0), {&c, 1});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("series 3: a chunk does not decode: chunk truncated"), std::string::npos)
      << s.error().message;
}

// ---- What cogwatch wrote before ----

std::string testdata(const std::string& name) {
  return std::string(COGWATCH_SOURCE_DIR) + "/tests/tsdb/testdata/old_formats/" + name;
}

// Written by BlockWriter at format 2 (generate_old_formats.cc).
TEST(OldFormats, AFormat2BlockReads) {
  auto b = Block::open(FileSystem::posix(), testdata("block_v2.block"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  std::map<SeriesRef, Labels> labels;
  (*b)->for_each_series([&](SeriesRef ref, const Labels& l, size_t) { labels[ref] = l; });
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[1025], (Labels{{"__name__", "up"}, {"job", "cog"}}));
  EXPECT_EQ(labels[2049], (Labels{{"__name__", "temp"}, {"job", "cog"}}));
  for (SeriesRef ref : {SeriesRef{1025}, SeriesRef{2049}}) {
    SeriesData d;
    (*b)->chunks(ref, kMinTimestamp, kMaxTimestamp, d.chunks);
    SeriesIterator it = d.iterator();
    int i = 0;
    for (; it.next(); ++i) {
      EXPECT_EQ(it.t(), 1700000000000 + i * 15000);
      ASSERT_EQ(it.value_type(), ValueType::kFloat);
      const double want = ref == 1025 ? (i == 77 ? stale_nan() : 0.5 * i) : std::sin(i);
      EXPECT_EQ(std::bit_cast<uint64_t>(it.v()), std::bit_cast<uint64_t>(want)) << i;
    }
    EXPECT_TRUE(it.err().ok());
    EXPECT_EQ(i, 130);
  }
  EXPECT_EQ((*b)->damaged_chunks(), 0u);
}

// A data directory whose log is of version 1: a checkpoint of float
// chunks (records of type 3, the last chunk of each series open) and a
// segment after it. It opens, and what is appended afterwards is logged
// at version 2 beside it.
TEST(OldFormats, AVersion1LogAndCheckpointReplay) {
  const std::string dir = ::testing::TempDir() + "/cogwatch_wal_v1_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::copy(testdata("db_wal_v1"), dir, std::filesystem::copy_options::recursive);
  auto check = [&](Head& head, size_t n) {
    const Dump d = dump(head);
    ASSERT_EQ(d.size(), 2u);
    const auto& up = d.at("{__name__=\"up\", job=\"cog\"}");
    const auto& sum = d.at("{__name__=\"latency_sum\", job=\"cog\"}");
    ASSERT_EQ(up.size(), n);
    ASSERT_EQ(sum.size(), n);
    for (size_t i = 0; i < 150; ++i) {
      char want[64];
      std::snprintf(want, sizeof want, "%lld %016llx", static_cast<long long>(1700000000000 + i * 15000),
                    static_cast<unsigned long long>(std::bit_cast<uint64_t>(0.25 * static_cast<double>(i))));
      EXPECT_EQ(sum[i], want);
    }
  };
  {
    DbOpenReport report;
    auto db = Db::open(dir, DbOptions{}, &report);
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_EQ(report.checkpoint, dir + "/wal/checkpoint.00000001");
    EXPECT_EQ(report.segments_read, 1u);
    EXPECT_EQ(report.bad_records, 0u);
    EXPECT_TRUE(report.damage.empty());
    EXPECT_EQ(report.samples, 300u);
    check((*db)->head(), 150);
    auto app = (*db)->head().appender();
    ASSERT_TRUE(app->append_histogram(Labels{{"__name__", "up"}, {"job", "cog"}}, 1700000000000 + 150 * 15000,
                                      integer(0, kZt, 0, 1, {{0, 1}}, {1}))
                    .ok());
    app->commit();
    ASSERT_TRUE((*db)->checkpoint().ok());
  }
  auto db = Db::open(dir, DbOptions{});
  ASSERT_TRUE(db.ok()) << db.error().message;
  const Dump d = dump((*db)->head());
  EXPECT_EQ(d.at("{__name__=\"up\", job=\"cog\"}").size(), 151u);
  db->reset();
  std::filesystem::remove_all(dir);
}

// ---- The records ----

TEST(HistogramRecords, RoundTripAndEveryTruncationIsRefused) {
  Histogram h = integer(kCustomBucketsSchema, 0, 0, 2.5, {{0, 2}, {3, 1}}, {1, 4, 6});
  h.custom_values = {0.5, 1, 2, 4, 8};
  h.counter_reset_hint = CounterResetHint::kNotCounterReset;
  FloatHistogram f = floating(-4, 0.125, 1.5, -3, {{-2, 1}}, {0.25}, {{5, 2}}, {1e300, 0}, CounterResetHint::kGauge);
  std::vector<uint8_t> ints, floats;
  internal::put_varint(ints, 5000);
  internal::encode_histogram_sample(ints, 5000, 42, 5015, h);
  internal::encode_histogram_sample(ints, 5000, 43, 4990, integer(0, 0, 0, 0, {}, {}));
  internal::put_varint(floats, 0);
  internal::encode_histogram_sample(floats, 0, 44, 7, f);
  std::vector<std::tuple<SeriesRef, Timestamp, Histogram>> got;
  ASSERT_TRUE(internal::decode_histogram_samples(ints, [&](SeriesRef r, Timestamp t, const Histogram& x) {
    got.emplace_back(r, t, x);
  }));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<0>(got[0]), 42u);
  EXPECT_EQ(std::get<1>(got[0]), 5015);
  EXPECT_EQ(std::get<2>(got[0]), h);
  EXPECT_EQ(std::get<2>(got[0]).counter_reset_hint, CounterResetHint::kNotCounterReset);
  EXPECT_EQ(std::get<1>(got[1]), 4990);
  bool seen = false;
  ASSERT_TRUE(internal::decode_float_histogram_samples(floats, [&](SeriesRef r, Timestamp t, const FloatHistogram& x) {
    EXPECT_EQ(r, 44u);
    EXPECT_EQ(t, 7);
    EXPECT_TRUE(x.equals(f));
    EXPECT_EQ(x.counter_reset_hint, CounterResetHint::kGauge);
    seen = true;
  }));
  EXPECT_TRUE(seen);
  for (size_t n = 3; n < ints.size(); ++n) {  // past the 2-byte base time
    size_t whole = 0;
    const bool ok = internal::decode_histogram_samples(std::span<const uint8_t>(ints.data(), n),
                                                       [&](SeriesRef, Timestamp, const Histogram&) { ++whole; });
    // A prefix ending exactly after an entry is a shorter record.
    EXPECT_TRUE(!ok || whole == 1) << n;
  }
  // Chunk entries carry their encoding; one this cogwatch does not know
  // is refused.
  std::vector<uint8_t> chunks;
  internal::encode_chunk_entry(chunks, 7, true, ChunkEncoding::kFloatHistogram, std::vector<uint8_t>{1, 2, 3});
  ASSERT_TRUE(internal::decode_chunks(chunks, false, [](SeriesRef ref, bool open, ChunkEncoding e, auto bytes) {
    EXPECT_EQ(ref, 7u);
    EXPECT_TRUE(open);
    EXPECT_EQ(e, ChunkEncoding::kFloatHistogram);
    EXPECT_EQ(bytes.size(), 3u);
  }));
  chunks[2] = 9;
  EXPECT_FALSE(internal::decode_chunks(chunks, false, [](SeriesRef, bool, ChunkEncoding, auto) {}));
}

}  // namespace
}  // namespace cogwatch::tsdb
