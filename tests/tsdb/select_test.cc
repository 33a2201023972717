// select() against a brute-force reference: every matcher kind, alone and
// combined, on random label sets with missing labels and shared values.
#include <random>

#include <gtest/gtest.h>

#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::tsdb {
namespace {

using testing::matcher;

class SelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(1);
    const char* names[] = {"cog_predict_requests_total", "cog_predict_errors_total", "up", "cog_input_data_entropy"};
    const char* jobs[] = {"cog", "cog-gpu", "node", "prometheus"};
    const char* types[] = {"timeout", "validation", "internal"};
    auto app = head_.appender();
    for (int i = 0; i < 2000; ++i) {
      LabelsBuilder b;
      b.set("__name__", names[rng() % 4]);
      if (rng() % 5 != 0) b.set("job", jobs[rng() % 4]);  // sometimes absent
      b.set("instance", "host-" + std::to_string(rng() % 50));
      if (rng() % 3 == 0) b.set("error_type", types[rng() % 3]);
      if (rng() % 7 == 0) b.set("multi\nline", "a\nb");
      Labels l = b.build();
      if (auto r = app->append(l, 1000, i); r.ok()) all_.push_back(l);
    }
    app->commit();
    std::sort(all_.begin(), all_.end());
    all_.erase(std::unique(all_.begin(), all_.end()), all_.end());
  }

  std::vector<Labels> brute_force(const std::vector<LabelMatcher>& ms) const {
    std::vector<Labels> out;
    if (ms.empty()) return out;
    for (const Labels& l : all_) {
      if (matches_all(ms, l)) out.push_back(l);
    }
    return out;
  }

  std::vector<Labels> selected(const std::vector<LabelMatcher>& ms) const {
    std::vector<Labels> out;
    for (const SeriesData& s : head_.select(ms, kMinTimestamp, kMaxTimestamp)) out.push_back(s.labels);
    return out;
  }

  Head head_;
  std::vector<Labels> all_;
};

std::string describe(const std::vector<LabelMatcher>& ms) {
  std::string s = "{";
  for (const auto& m : ms) s += m.to_string() + ",";
  return s + "}";
}

TEST_F(SelectTest, SingleMatchersOfEveryKind) {
  using enum MatchType;
  const std::vector<LabelMatcher> cases = {
      matcher(kEqual, "__name__", "up"),
      matcher(kEqual, "job", ""),  // series without job
      matcher(kEqual, "job", "nope"),
      matcher(kEqual, "nolabel", ""),
      matcher(kNotEqual, "job", "cog"),  // includes series without job
      matcher(kNotEqual, "job", ""),     // series with job
      matcher(kNotEqual, "nolabel", "x"),
      matcher(kRegexMatch, "job", "cog.*"),
      matcher(kRegexMatch, "job", "cog|node"),
      matcher(kRegexMatch, "job", ".*"),
      matcher(kRegexMatch, "job", ".+"),
      matcher(kRegexMatch, "job", "cog|"),  // cog or absent
      matcher(kRegexMatch, "job", "c.*|"),
      matcher(kRegexMatch, "instance", "host-[0-9]"),
      matcher(kRegexMatch, "multi\nline", "a.b"),
      matcher(kRegexNoMatch, "job", "cog.*"),
      matcher(kRegexNoMatch, "job", ".+"),  // series without job
      matcher(kRegexNoMatch, "job", ""),    // series with job
      matcher(kRegexNoMatch, "job", ".*"),  // nothing
      matcher(kRegexNoMatch, "error_type", "timeout|internal"),
  };
  for (const LabelMatcher& m : cases) {
    EXPECT_EQ(selected({m}), brute_force({m})) << m.to_string();
  }
}

TEST_F(SelectTest, RandomCombinationsMatchBruteForce) {
  std::mt19937 rng(2);
  const char* names[] = {"__name__", "job", "instance", "error_type", "absent"};
  const char* values[] = {"", "up", "cog", "cog.*", ".*", ".+", "cog|node", "host-1", "host-1.*", "timeout", "x|"};
  for (int round = 0; round < 400; ++round) {
    std::vector<LabelMatcher> ms;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      ms.push_back(matcher(static_cast<MatchType>(rng() % 4), names[rng() % 5], values[rng() % 11]));
    }
    ASSERT_EQ(selected(ms), brute_force(ms)) << describe(ms);
  }
}

TEST_F(SelectTest, EmptyMatcherListSelectsNothing) { EXPECT_TRUE(selected({}).empty()); }

// Seeks and selects at the edges of a chunk: samples every 10 ms, 120 to a
// chunk, so the first chunk ends exactly at 1190.
class ChunkEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    for (int i = 0; i < 360; ++i) ASSERT_TRUE(app->append(kSeries, i * 10, i).ok());
    app->commit();
  }
  SeriesIterator iterator(Timestamp mint, Timestamp maxt) {
    sets_ = head_.select({matcher(MatchType::kEqual, "__name__", "edge")}, mint, maxt);
    EXPECT_EQ(sets_.size(), 1u);
    return sets_[0].iterator();
  }
  // The first sample at or after t, by seek() on a fresh iterator.
  std::pair<Timestamp, double> seek(Timestamp t) {
    SeriesIterator it = iterator(kMinTimestamp, kMaxTimestamp);
    EXPECT_TRUE(it.seek(t)) << t;
    return {it.t(), it.v()};
  }

  const Labels kSeries{{"__name__", "edge"}};
  Head head_;
  std::vector<SeriesData> sets_;
};

TEST_F(ChunkEdgeTest, TheFirstChunkEndsWhereTheTestAssumes) {
  SeriesIterator it = iterator(kMinTimestamp, kMaxTimestamp);
  ASSERT_GE(sets_[0].chunks.size(), 3u);
  EXPECT_EQ(sets_[0].chunks[0]->max_time(), 1190);
  EXPECT_EQ(sets_[0].chunks[1]->max_time(), 2390);
}

TEST_F(ChunkEdgeTest, SeekToAChunksExactMaxTimeFindsItsLastSample) {
  EXPECT_EQ(seek(1190), std::make_pair(Timestamp{1190}, 119.0));
  EXPECT_EQ(seek(1189), std::make_pair(Timestamp{1190}, 119.0));
  EXPECT_EQ(seek(1191), std::make_pair(Timestamp{1200}, 120.0));  // the next chunk's first
  EXPECT_EQ(seek(2390), std::make_pair(Timestamp{2390}, 239.0));
  EXPECT_EQ(seek(2391), std::make_pair(Timestamp{2400}, 240.0));
}

TEST_F(ChunkEdgeTest, SeekFromInsideAChunkToItsMaxTime) {
  SeriesIterator it = iterator(kMinTimestamp, kMaxTimestamp);
  ASSERT_TRUE(it.seek(500));
  EXPECT_EQ(it.t(), 500);
  ASSERT_TRUE(it.seek(1190));
  EXPECT_EQ(it.t(), 1190);
  ASSERT_TRUE(it.next());
  EXPECT_EQ(it.t(), 1200);
  ASSERT_TRUE(it.seek(2390));
  EXPECT_EQ(it.t(), 2390);
  EXPECT_EQ(it.v(), 239);
}

TEST_F(ChunkEdgeTest, SelectStartingAtAChunksMaxTime) {
  // The first next() seeks to mint: a range starting on the last sample of
  // a chunk must still return it.
  for (Timestamp mint : {Timestamp{1189}, Timestamp{1190}, Timestamp{1191}}) {
    SeriesIterator it = iterator(mint, 1300);
    ASSERT_TRUE(it.next()) << mint;
    EXPECT_EQ(it.t(), mint <= 1190 ? 1190 : 1200) << mint;
  }
  // And one ending there stops at it.
  SeriesIterator it = iterator(1180, 1190);
  std::vector<Timestamp> got;
  while (it.next()) got.push_back(it.t());
  EXPECT_EQ(got, (std::vector<Timestamp>{1180, 1190}));
}

TEST_F(SelectTest, ResultsAreSortedByLabels) {
  auto got = selected({matcher(MatchType::kRegexMatch, "__name__", ".+")});
  EXPECT_EQ(got.size(), all_.size());
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
}

}  // namespace
}  // namespace cogwatch::tsdb
