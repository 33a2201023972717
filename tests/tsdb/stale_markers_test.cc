// append_stale_markers: "previous minus current" as the scrape loop and the
// rule group use it, against a recording appender and against a Head.
#include "tsdb/stale_markers.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::tsdb {
namespace {

// Records what is appended; refuses the label sets in `refuse` as the store
// refuses an out-of-order sample.
class RecordingAppender final : public Appender {
 public:
  struct Call {
    Labels labels;
    Timestamp t;
    bool stale;
  };
  Result<SeriesRef> append(const Labels& labels, Timestamp t, double v) override {
    calls.push_back({labels, t, is_stale_nan(v)});
    for (const Labels& r : refuse) {
      if (r == labels) return make_error(ErrorCode::kOutOfOrder, "out of order sample");
    }
    return SeriesRef{1};
  }
  Result<SeriesRef> append(SeriesRef, Timestamp, double) override {
    ADD_FAILURE() << "stale markers are appended by labels";
    return SeriesRef{1};
  }
  Result<SeriesRef> append_histogram(const Labels&, Timestamp, const Histogram&) override { return unexpected(); }
  Result<SeriesRef> append_histogram(SeriesRef, Timestamp, const Histogram&) override { return unexpected(); }
  Result<SeriesRef> append_float_histogram(const Labels&, Timestamp, const FloatHistogram&) override {
    return unexpected();
  }
  Result<SeriesRef> append_float_histogram(SeriesRef, Timestamp, const FloatHistogram&) override {
    return unexpected();
  }
  CommitResult commit() override { return {}; }
  void rollback() override {}

  static Result<SeriesRef> unexpected() {
    ADD_FAILURE() << "stale markers are floats";
    return SeriesRef{1};
  }

  std::vector<Call> calls;
  std::vector<Labels> refuse;
};

Labels series(const char* name) { return Labels{{"__name__", name}, {"job", "cog"}}; }

std::vector<std::string> marked_names(const RecordingAppender& app) {
  std::vector<std::string> out;
  for (const auto& c : app.calls) {
    EXPECT_TRUE(c.stale) << c.labels.to_string();
    out.emplace_back(c.labels.metric_name());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StaleMarkers, MarksWhatThePreviousSetHadAndTheCurrentLacks) {
  RecordingAppender app;
  const std::vector<Labels> previous = {series("a"), series("b"), series("c")};
  // Equal sets built separately (no shared storage) count as the same.
  const std::vector<Labels> current = {series("b"), series("d")};
  EXPECT_EQ(append_stale_markers(app, previous, current, 15'000), 2u);
  EXPECT_EQ(marked_names(app), (std::vector<std::string>{"a", "c"}));
  for (const auto& c : app.calls) EXPECT_EQ(c.t, 15'000);
}

TEST(StaleMarkers, LabelsNotJustTheNameDecide) {
  RecordingAppender app;
  const std::vector<Labels> previous = {Labels{{"__name__", "up"}, {"instance", "a"}},
                                        Labels{{"__name__", "up"}, {"instance", "b"}}};
  const std::vector<Labels> current = {Labels{{"__name__", "up"}, {"instance", "b"}}};
  EXPECT_EQ(append_stale_markers(app, previous, current, 1), 1u);
  ASSERT_EQ(app.calls.size(), 1u);
  EXPECT_EQ(app.calls[0].labels.get("instance"), "a");
}

TEST(StaleMarkers, EmptyCurrentEndsEverySetOnceAndEmptyPreviousNothing) {
  RecordingAppender app;
  const std::vector<Labels> previous = {series("a"), series("b"), series("a")};
  EXPECT_EQ(append_stale_markers(app, previous, {}, 7), 2u);
  EXPECT_EQ(marked_names(app), (std::vector<std::string>{"a", "b"}));
  RecordingAppender none;
  EXPECT_EQ(append_stale_markers(none, {}, previous, 7), 0u);
  EXPECT_TRUE(none.calls.empty());
}

TEST(StaleMarkers, ARefusedMarkerIsSkippedAndNotCounted) {
  RecordingAppender app;
  app.refuse = {series("b")};
  const std::vector<Labels> previous = {series("a"), series("b"), series("c")};
  EXPECT_EQ(append_stale_markers(app, previous, {}, 7), 2u);
  EXPECT_EQ(app.calls.size(), 3u);  // all tried; the refusal stops nothing
}

// Against the store: the markers land at t; a series someone wrote at or
// after t keeps its sample and gets no marker.
TEST(StaleMarkers, InAHead) {
  Head head;
  ASSERT_TRUE(testing::append_one(head, series("a"), 10'000, 1).ok());
  ASSERT_TRUE(testing::append_one(head, series("b"), 10'000, 1).ok());
  ASSERT_TRUE(testing::append_one(head, series("b"), 20'000, 2).ok());  // written on after 15s
  auto app = head.appender();
  EXPECT_EQ(append_stale_markers(*app, std::vector<Labels>{series("a"), series("b")}, {}, 15'000), 1u);
  app->commit();
  auto a = testing::read_named(head, "a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].first, 15'000);
  EXPECT_TRUE(is_stale_nan(a[1].second));
  EXPECT_EQ(testing::read_named(head, "b"), (std::vector<std::pair<Timestamp, double>>{{10'000, 1}, {20'000, 2}}));
}

}  // namespace
}  // namespace cogwatch::tsdb
