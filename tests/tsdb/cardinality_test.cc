// Head::cardinality_stats: the numbers and top-N tables of Prometheus's
// /api/v1/status/tsdb, from the postings index.
#include <gtest/gtest.h>

#include "tsdb/head.h"

namespace cogwatch::tsdb {

void PrintTo(const CardinalityStat& s, std::ostream* os) { *os << s.name << ":" << s.value; }

namespace {

void add(Head& head, const Labels& labels, Timestamp t) {
  auto app = head.appender();
  ASSERT_TRUE(app->append(labels, t, 1).ok());
  app->commit();
}

TEST(Cardinality, EmptyStore) {
  Head head;
  CardinalityStats s = head.cardinality_stats(10);
  EXPECT_EQ(s.num_series, 0u);
  EXPECT_EQ(s.num_label_pairs, 0u);
  EXPECT_EQ(s.chunk_count, 0u);
  EXPECT_EQ(s.min_time, kMaxTimestamp);
  EXPECT_EQ(s.max_time, kMinTimestamp);
  EXPECT_TRUE(s.series_count_by_metric_name.empty());
  EXPECT_TRUE(s.series_count_by_label_value_pair.empty());
}

TEST(Cardinality, TablesAreTopNLargestFirstTiesByName) {
  Head head;
  add(head, Labels{{"__name__", "up"}, {"job", "a"}}, 1000);
  add(head, Labels{{"__name__", "up"}, {"job", "b"}}, 2000);
  add(head, Labels{{"__name__", "up"}, {"job", "c"}}, 2000);
  add(head, Labels{{"__name__", "reqs"}, {"job", "a"}, {"path", "/x"}}, 3000);
  add(head, Labels{{"__name__", "lat"}, {"job", "a"}}, 1500);

  CardinalityStats s = head.cardinality_stats(10);
  EXPECT_EQ(s.num_series, 5u);
  EXPECT_EQ(s.num_label_pairs, 3u + 3u + 1u);  // __name__ x3, job x3, path x1
  EXPECT_EQ(s.chunk_count, 5u);
  EXPECT_EQ(s.min_time, 1000);
  EXPECT_EQ(s.max_time, 3000);
  EXPECT_EQ(s.series_count_by_metric_name,
            (std::vector<CardinalityStat>{{"up", 3}, {"lat", 1}, {"reqs", 1}}));
  EXPECT_EQ(s.label_value_count_by_label_name,
            (std::vector<CardinalityStat>{{"__name__", 3}, {"job", 3}, {"path", 1}}));
  // Per series: len(name)+1 + len(value)+1.
  // __name__: up 3x(9+3) + reqs (9+5) + lat (9+4) = 63; job: 5x(4+2) = 30; path: 5+3 = 8.
  EXPECT_EQ(s.memory_in_bytes_by_label_name,
            (std::vector<CardinalityStat>{{"__name__", 63}, {"job", 30}, {"path", 8}}));
  EXPECT_EQ(s.series_count_by_label_value_pair,
            (std::vector<CardinalityStat>{{"__name__=up", 3},
                                          {"job=a", 3},
                                          {"__name__=lat", 1},
                                          {"__name__=reqs", 1},
                                          {"job=b", 1},
                                          {"job=c", 1},
                                          {"path=/x", 1}}));

  // A limit keeps the largest rows.
  s = head.cardinality_stats(2);
  EXPECT_EQ(s.series_count_by_metric_name, (std::vector<CardinalityStat>{{"up", 3}, {"lat", 1}}));
  EXPECT_EQ(s.series_count_by_label_value_pair,
            (std::vector<CardinalityStat>{{"__name__=up", 3}, {"job=a", 3}}));
  EXPECT_EQ(s.num_label_pairs, 7u);  // not limited
}

TEST(Cardinality, LongValuesTakeAFourBytePrefix) {
  Head head;
  add(head, Labels{{"__name__", "m"}, {"v", std::string(300, 'x')}}, 1);
  CardinalityStats s = head.cardinality_stats(10);
  ASSERT_EQ(s.memory_in_bytes_by_label_name.size(), 2u);
  EXPECT_EQ(s.memory_in_bytes_by_label_name[0], (CardinalityStat{"v", 2 + 304}));
}

TEST(Cardinality, SealedChunksAreCounted) {
  Head head;
  const Labels l{{"__name__", "m"}};
  for (int i = 0; i < 250; ++i) add(head, l, 1000 + i * 15'000);  // 120 samples a chunk
  EXPECT_EQ(head.cardinality_stats(10).chunk_count, 3u);
}

}  // namespace
}  // namespace cogwatch::tsdb
