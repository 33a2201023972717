#include "tsdb/head.h"

#include <bit>
#include <cmath>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/test_util.h"

namespace cogwatch::tsdb {
namespace {

using testing::append_one;
using testing::matcher;
using testing::read_all;

const Labels kUp{{"__name__", "up"}, {"job", "cog"}};

std::vector<SeriesData> select_up(const Head& head, Timestamp mint = kMinTimestamp, Timestamp maxt = kMaxTimestamp) {
  return head.select({matcher(MatchType::kEqual, "__name__", "up")}, mint, maxt);
}

TEST(Head, CommittedSamplesAreVisible) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->append(kUp, 1000, 1).ok());
  ASSERT_TRUE(app->append(kUp, 2000, 0).ok());
  EXPECT_TRUE(select_up(head).empty()) << "nothing is visible before commit";
  CommitResult r = app->commit();
  EXPECT_EQ(r.appended, 2u);
  auto sets = select_up(head);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].labels, kUp);
  EXPECT_EQ(read_all(sets[0]), (std::vector<std::pair<Timestamp, double>>{{1000, 1}, {2000, 0}}));
  EXPECT_EQ(head.stats().samples_appended, 2u);
  EXPECT_EQ(head.stats().min_time, 1000);
  EXPECT_EQ(head.stats().max_time, 2000);
}

TEST(Head, RollbackDiscardsTheWholeBatch) {
  Head head;
  Labels other{{"__name__", "up"}, {"job", "other"}};
  {
    auto app = head.appender();
    ASSERT_TRUE(app->append(kUp, 1000, 1).ok());
    ASSERT_TRUE(app->append(other, 1000, 1).ok());
    app->rollback();
    EXPECT_EQ(app->commit().appended, 0u);  // reusable, and empty
  }
  {
    auto app = head.appender();
    ASSERT_TRUE(app->append(kUp, 1000, 1).ok());
    // Destroyed without commit: rolled back too.
  }
  EXPECT_TRUE(select_up(head).empty());
  // The rolled-back sample did not advance the series: 1000 is still new.
  ASSERT_TRUE(append_one(head, kUp, 1000, 5).ok());
  EXPECT_EQ(read_all(select_up(head).at(0)), (std::vector<std::pair<Timestamp, double>>{{1000, 5}}));
}

TEST(Head, OutOfOrderAndDuplicatesAreRejectedAndCounted) {
  Head head;
  ASSERT_TRUE(append_one(head, kUp, 2000, 1).ok());

  auto app = head.appender();
  auto older = app->append(kUp, 1000, 1);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, ErrorCode::kOutOfOrder);
  EXPECT_NE(older.error().message.find("out of order"), std::string::npos);
  EXPECT_NE(older.error().message.find(R"(job="cog")"), std::string::npos) << older.error().message;

  auto dup = app->append(kUp, 2000, 7);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kDuplicateSample);

  // The same sample again is accepted and changes nothing.
  EXPECT_TRUE(app->append(kUp, 2000, 1).ok());
  // The rest of the batch is unaffected.
  EXPECT_TRUE(app->append(kUp, 3000, 3).ok());
  EXPECT_EQ(app->commit().appended, 1u);

  EXPECT_EQ(read_all(select_up(head).at(0)), (std::vector<std::pair<Timestamp, double>>{{2000, 1}, {3000, 3}}));
  EXPECT_EQ(head.stats().out_of_order_samples, 1u);
  EXPECT_EQ(head.stats().duplicate_samples, 1u);
}

TEST(Head, OrderIsCheckedWithinABatch) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->append(kUp, 2000, 1).ok());
  auto r = app->append(kUp, 1000, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfOrder);
  // Same timestamp twice in a batch: the first wins, the second is counted.
  ASSERT_TRUE(app->append(kUp, 3000, 1).ok());
  ASSERT_TRUE(app->append(kUp, 3000, 2).ok());
  CommitResult c = app->commit();
  EXPECT_EQ(c.appended, 2u);
  EXPECT_EQ(c.duplicates, 1u);
  EXPECT_EQ(read_all(select_up(head).at(0)), (std::vector<std::pair<Timestamp, double>>{{2000, 1}, {3000, 1}}));
}

TEST(Head, ConcurrentBatchesResolveOrderAtCommit) {
  Head head;
  auto a = head.appender();
  auto b = head.appender();
  ASSERT_TRUE(a->append(kUp, 1000, 1).ok());
  ASSERT_TRUE(b->append(kUp, 2000, 2).ok());  // newer than a's pending sample
  EXPECT_EQ(b->commit().appended, 1u);
  CommitResult r = a->commit();  // a's sample is now older than the series
  EXPECT_EQ(r.appended, 0u);
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_EQ(head.stats().out_of_order_samples, 1u);
  EXPECT_EQ(read_all(select_up(head).at(0)), (std::vector<std::pair<Timestamp, double>>{{2000, 2}}));
}

// Two batches with the same sample: the second finds it stored at commit,
// which is neither an append nor a duplicate.
TEST(Head, TheSameSampleFromTwoBatchesIsStoredOnceAndNotCounted) {
  Head head;
  auto a = head.appender();
  auto b = head.appender();
  ASSERT_TRUE(a->append(kUp, 1000, 1).ok());
  ASSERT_TRUE(b->append(kUp, 1000, 1).ok());
  EXPECT_EQ(b->commit().appended, 1u);
  CommitResult r = a->commit();
  EXPECT_EQ(r.appended, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_EQ(r.out_of_order, 0u);
  EXPECT_EQ(head.stats().duplicate_samples, 0u);
  EXPECT_EQ(read_all(select_up(head).at(0)), (std::vector<std::pair<Timestamp, double>>{{1000, 1}}));
}

TEST(Head, AppendByRef) {
  Head head;
  auto app = head.appender();
  auto ref = app->append(kUp, 1000, 1);
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(app->append(*ref, 2000, 2).ok());
  auto again = app->append(kUp, 3000, 3);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *ref);
  app->commit();
  EXPECT_EQ(read_all(select_up(head).at(0)).size(), 3u);

  auto missing = app->append(SeriesRef{12345}, 4000, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Head, EmptyLabelSetIsInvalid) {
  Head head;
  auto app = head.appender();
  auto r = app->append(Labels{}, 1, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(Head, StaleMarkersAndNaNsAreStoredBitExact) {
  Head head;
  auto app = head.appender();
  ASSERT_TRUE(app->append(kUp, 1, normal_nan()).ok());
  ASSERT_TRUE(app->append(kUp, 2, stale_nan()).ok());
  ASSERT_TRUE(app->append(kUp, 3, 1).ok());
  app->commit();
  auto samples = read_all(select_up(head).at(0));
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_FALSE(is_stale_nan(samples[0].second));
  EXPECT_TRUE(std::isnan(samples[0].second));
  EXPECT_TRUE(is_stale_nan(samples[1].second));
  // Samples are compared bit for bit, as Prometheus does: the same NaN or
  // stale marker again at the newest timestamp is the same sample (not a
  // duplicate, though NaN != NaN), while the other NaN there is a duplicate.
  EXPECT_TRUE(append_one(head, kUp, 3, 1).ok());
  ASSERT_TRUE(append_one(head, kUp, 4, stale_nan()).ok());
  EXPECT_TRUE(append_one(head, kUp, 4, stale_nan()).ok());
  ASSERT_TRUE(append_one(head, kUp, 5, normal_nan()).ok());
  EXPECT_TRUE(append_one(head, kUp, 5, normal_nan()).ok());
  auto other_nan = append_one(head, kUp, 5, stale_nan());
  ASSERT_FALSE(other_nan.ok());
  EXPECT_EQ(other_nan.error().code, ErrorCode::kDuplicateSample);
  EXPECT_EQ(head.stats().duplicate_samples, 1u);
  EXPECT_EQ(read_all(select_up(head).at(0)).size(), 5u);
}

TEST(Head, ChunksAreCutBySampleCount) {
  Head head;
  auto app = head.appender();
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(app->append(kUp, i * 1000, i).ok());
  app->commit();
  auto sets = select_up(head);
  ASSERT_EQ(sets.size(), 1u);
  ASSERT_EQ(sets[0].chunks.size(), 3u);  // 120 + 120 + 10
  EXPECT_EQ(sets[0].chunks[0]->num_samples(), 120);
  EXPECT_EQ(sets[0].chunks[1]->num_samples(), 120);
  EXPECT_EQ(sets[0].chunks[2]->num_samples(), 10);
  EXPECT_EQ(read_all(sets[0]).size(), 250u);
}

TEST(Head, ChunksAreCutAtTheTimeWindow) {
  HeadOptions opts;
  opts.chunk_limits.time_window = 10 * kSecond;
  Head head(opts);
  auto app = head.appender();
  for (Timestamp t : {1000, 9000, 9999, 10000, 15000, 25000}) ASSERT_TRUE(app->append(kUp, t, 1).ok());
  app->commit();
  auto sets = select_up(head);
  ASSERT_EQ(sets[0].chunks.size(), 3u);
  EXPECT_EQ(sets[0].chunks[0]->max_time(), 9999);
  EXPECT_EQ(sets[0].chunks[1]->min_time(), 10000);
  EXPECT_EQ(sets[0].chunks[2]->min_time(), 25000);
  // Before 1970 the windows are floored too: [-10s, 0) and [0, 10s).
  Head before_1970(opts);
  auto early = before_1970.appender();
  for (Timestamp t : {-5000, -1, 0, 9999}) ASSERT_TRUE(early->append(kUp, t, 1).ok());
  early->commit();
  auto early_sets = select_up(before_1970);
  ASSERT_EQ(early_sets[0].chunks.size(), 2u);
  EXPECT_EQ(early_sets[0].chunks[0]->max_time(), -1);
  EXPECT_EQ(early_sets[0].chunks[1]->min_time(), 0);
}

TEST(Head, ChunksAreCutBySize) {
  HeadOptions opts;
  opts.chunk_limits.max_bytes = 128;
  Head head(opts);
  auto app = head.appender();
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 100; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    ASSERT_TRUE(app->append(kUp, i, std::bit_cast<double>(x >> 2)).ok());  // incompressible
  }
  app->commit();
  auto sets = select_up(head);
  ASSERT_GT(sets[0].chunks.size(), 5u);
  for (const ChunkRef& c : sets[0].chunks) EXPECT_LE(c->size(), 128u);
  EXPECT_EQ(read_all(sets[0]).size(), 100u);
}

TEST(Head, SelectRespectsTheTimeRange) {
  Head head;
  auto app = head.appender();
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(app->append(kUp, i * 10, i).ok());
  app->commit();
  auto sets = select_up(head, 1000, 1999);
  ASSERT_EQ(sets.size(), 1u);
  auto samples = read_all(sets[0]);
  ASSERT_EQ(samples.size(), 100u);
  EXPECT_EQ(samples.front().first, 1000);
  EXPECT_EQ(samples.back().first, 1990);
  // Chunks entirely outside the range are not even handed out.
  EXPECT_LT(sets[0].chunks.size(), 3u);
  EXPECT_TRUE(select_up(head, 3000, 4000).empty());
  EXPECT_TRUE(select_up(head, 5, 4).empty());
  // A range starting exactly at the newest sample still has it.
  auto edge = select_up(head, 2990, 4000);
  ASSERT_EQ(edge.size(), 1u);
  EXPECT_EQ(read_all(edge[0]), (std::vector<std::pair<Timestamp, double>>{{2990, 299}}));
}

TEST(SeriesIterator, SeekAcrossChunks) {
  Head head;
  auto app = head.appender();
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(app->append(kUp, i * 10, i).ok());
  app->commit();
  auto sets = select_up(head, 100, 4500);
  SeriesIterator it = sets[0].iterator();
  ASSERT_TRUE(it.seek(0));  // clamped to mint
  EXPECT_EQ(it.t(), 100);
  ASSERT_TRUE(it.seek(2405));
  EXPECT_EQ(it.t(), 2410);
  EXPECT_EQ(it.v(), 241);
  ASSERT_TRUE(it.seek(1000));  // never backwards
  EXPECT_EQ(it.t(), 2410);
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.t(), 2420);
  ASSERT_TRUE(it.seek(4500));
  EXPECT_EQ(it.t(), 4500);
  EXPECT_FALSE(it.next());  // maxt reached
  EXPECT_FALSE(it.seek(4600));
  EXPECT_TRUE(it.err().ok());
}

TEST(Head, SnapshotsDoNotSeeLaterAppends) {
  Head head;
  ASSERT_TRUE(append_one(head, kUp, 1, 1).ok());
  auto before = select_up(head);
  ASSERT_TRUE(append_one(head, kUp, 2, 2).ok());
  EXPECT_EQ(read_all(before[0]).size(), 1u);
  EXPECT_EQ(read_all(select_up(head)[0]).size(), 2u);
}

TEST(Head, LabelNamesAndValues) {
  Head head;
  ASSERT_TRUE(append_one(head, Labels{{"__name__", "a"}, {"job", "x"}}, 1, 1).ok());
  ASSERT_TRUE(append_one(head, Labels{{"__name__", "b"}, {"job", "y"}, {"le", "1"}}, 1, 1).ok());
  EXPECT_EQ(head.label_names({}), (std::vector<std::string>{"__name__", "job", "le"}));
  EXPECT_EQ(head.label_values("job", {}), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(head.label_values("nope", {}), std::vector<std::string>{});
  auto only_a = std::vector<LabelMatcher>{matcher(MatchType::kEqual, "__name__", "a")};
  EXPECT_EQ(head.label_names(only_a), (std::vector<std::string>{"__name__", "job"}));
  EXPECT_EQ(head.label_values("job", only_a), (std::vector<std::string>{"x"}));
}

TEST(Head, MemoryAccountingGrowsWithData) {
  Head head;
  const MemoryStats empty = head.memory();
  auto app = head.appender();
  for (int s = 0; s < 100; ++s) {
    Labels l{{"__name__", "m"}, {"i", std::to_string(s)}};
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(app->append(l, i * 1000, i).ok());
  }
  app->commit();
  const MemoryStats m = head.memory();
  EXPECT_GT(m.chunk_bytes, empty.chunk_bytes);
  EXPECT_GT(m.label_bytes, empty.label_bytes);
  EXPECT_GT(m.index_bytes, empty.index_bytes);
  EXPECT_GT(m.series_bytes, empty.series_bytes);
  EXPECT_EQ(m.total(), m.chunk_bytes + m.label_bytes + m.index_bytes + m.series_bytes);
  EXPECT_EQ(head.stats().series, 100u);
}

}  // namespace
}  // namespace cogwatch::tsdb
