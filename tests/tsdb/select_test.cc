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

TEST_F(SelectTest, ResultsAreSortedByLabels) {
  auto got = selected({matcher(MatchType::kRegexMatch, "__name__", ".+")});
  EXPECT_EQ(got.size(), all_.size());
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
}

}  // namespace
}  // namespace cogwatch::tsdb
