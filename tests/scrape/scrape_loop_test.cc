// The scrape loop driven with bodies and times: what ends up in the store.
#include "scrape/scrape_loop.h"

#include <cmath>
#include <functional>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::scrape {
namespace {

class ScrapeLoopTest : public ::testing::Test {
 protected:
  ScrapeLoopOptions options() {
    ScrapeLoopOptions o;
    o.target = Labels{{"__address__", "a:1"}, {"instance", "a:1"}, {"job", "cog"}};
    o.interval = 15 * kSecond;
    return o;
  }
  // (t, v) of one series, by name and optional extra matcher.
  std::vector<std::pair<Timestamp, double>> samples(const char* name, const char* label = nullptr,
                                                    const char* value = nullptr) {
    std::vector<LabelMatcher> ms = {tsdb::testing::matcher(MatchType::kEqual, "__name__", name)};
    if (label) ms.push_back(tsdb::testing::matcher(MatchType::kEqual, label, value));
    return tsdb::testing::read_selected(head_, ms);
  }
  static bool stale(double v) { return is_stale_nan(v); }

  tsdb::Head head_;
};

constexpr auto kText = ExpositionFormat::kPrometheusText;

TEST_F(ScrapeLoopTest, StoresSamplesWithTargetLabelsAndReportSeries) {
  ScrapeLoop loop(head_, options());
  auto r = loop.append(15'000, 120, std::string_view("reqs_total{path=\"/p\"} 3\nentropy 1.5\n"), kText);
  EXPECT_TRUE(r.up);
  EXPECT_EQ(r.samples_scraped, 2u);
  EXPECT_EQ(r.series_added, 2u);
  auto got = head_.select({*LabelMatcher::make(MatchType::kEqual, "__name__", "reqs_total")}, 0, kMaxTimestamp);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels, (Labels{{"__name__", "reqs_total"}, {"instance", "a:1"}, {"job", "cog"}, {"path", "/p"}}));
  EXPECT_EQ(samples("up"), (std::vector<std::pair<Timestamp, double>>{{15'000, 1}}));
  EXPECT_EQ(samples("scrape_duration_seconds"), (std::vector<std::pair<Timestamp, double>>{{15'000, 0.12}}));
  EXPECT_EQ(samples("scrape_samples_scraped"), (std::vector<std::pair<Timestamp, double>>{{15'000, 2}}));
  EXPECT_EQ(samples("scrape_series_added"), (std::vector<std::pair<Timestamp, double>>{{15'000, 2}}));
  // The second scrape hits the cache: no series added.
  r = loop.append(30'000, 100, std::string_view("reqs_total{path=\"/p\"} 4\nentropy 1.6\n"), kText);
  EXPECT_EQ(r.series_added, 0u);
  EXPECT_EQ(loop.cached_series(), 2u);
}

TEST_F(ScrapeLoopTest, MissingSeriesAndLostTargetsGoStale) {
  ScrapeLoop loop(head_, options());
  (void)loop.append(15'000, 10, std::string_view("a 1\nb 1\n"), kText);
  (void)loop.append(30'000, 10, std::string_view("a 2\n"), kText);  // b disappeared
  auto b = samples("b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].first, 30'000);
  EXPECT_TRUE(stale(b[1].second));
  // A failed scrape ends every series and reports up 0.
  auto r = loop.append(45'000, 10, Result<std::string_view>(make_error(ErrorCode::kTimeout, "context deadline exceeded")),
                       kText);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.error, "context deadline exceeded");
  auto a = samples("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(stale(a[2].second));
  EXPECT_EQ(samples("up").back(), (std::pair<Timestamp, double>{45'000, 0}));
  // Recovery, then the target is removed from the config.
  (void)loop.append(60'000, 10, std::string_view("a 3\n"), kText);
  loop.stop(61'000);
  EXPECT_TRUE(stale(samples("a").back().second));
  EXPECT_EQ(samples("a").back().first, 61'000);
  // ... and so do the target's own series (Prometheus's reportStale).
  for (const char* name : {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                           "scrape_samples_post_metric_relabeling", "scrape_series_added"}) {
    EXPECT_TRUE(stale(samples(name).back().second)) << name;
    EXPECT_EQ(samples(name).back().first, 61'000) << name;
  }
}

// Removed in the same millisecond as its last scrape (the clock is ms):
// the markers go 1 ms later instead of being rejected as duplicates.
TEST_F(ScrapeLoopTest, StopInTheMillisecondOfTheLastScrapeStillMarksStale) {
  ScrapeLoop loop(head_, options());
  (void)loop.append(15'000, 1, std::string_view("a 1\n"), kText);
  loop.stop(15'000);
  EXPECT_EQ(samples("a").back().first, 15'001);
  EXPECT_TRUE(stale(samples("a").back().second));
  EXPECT_TRUE(stale(samples("up").back().second));
}

// A reload that changes only the interval keeps the cache and the last
// scrape's series: a series gone across the reload still goes stale.
TEST_F(ScrapeLoopTest, StateCarriesOverAReloadThatKeepsTheStoredSeriesTheSame) {
  ScrapeLoop old(head_, options());
  (void)old.append(15'000, 1, std::string_view("a 1\nb 1\n"), kText);
  ScrapeLoopOptions slower = options();
  slower.interval = 30 * kSecond;
  slower.sample_limit = 100;
  ScrapeLoop fresh(head_, slower);
  ASSERT_TRUE(fresh.can_take_state_from(old));
  fresh.take_state_from(old);
  EXPECT_EQ(fresh.cached_series(), 2u);
  auto r = fresh.append(45'000, 1, std::string_view("a 2\n"), kText);
  EXPECT_EQ(r.series_added, 0u);
  EXPECT_TRUE(stale(samples("b").back().second));
  // What shapes stored series must be the same.
  ScrapeLoopOptions relabelled = options();
  relabelled.honor_labels = true;
  EXPECT_FALSE(ScrapeLoop(head_, relabelled).can_take_state_from(fresh));
  ScrapeLoopOptions limited = options();
  limited.label_limit = 3;
  EXPECT_FALSE(ScrapeLoop(head_, limited).can_take_state_from(fresh));
  ScrapeLoopOptions other_target = options();
  other_target.target = Labels{{"__address__", "b:2"}, {"instance", "b:2"}, {"job", "cog"}};
  EXPECT_FALSE(ScrapeLoop(head_, other_target).can_take_state_from(fresh));
  // Each of the others too.
  const std::function<void(ScrapeLoopOptions&)> changes[] = {
      [](ScrapeLoopOptions& o) { o.honor_timestamps = false; },
      [](ScrapeLoopOptions& o) { o.label_name_length_limit = 10; },
      [](ScrapeLoopOptions& o) { o.label_value_length_limit = 10; },
      [](ScrapeLoopOptions& o) {
        o.metric_relabel_configs.push_back(*net::RelabelConfig::make(
            {.action = net::RelabelAction::kDrop, .source_labels = {"__name__"}, .regex = "b"}));
      },
  };
  for (size_t i = 0; i < std::size(changes); ++i) {
    ScrapeLoopOptions changed = options();
    changes[i](changed);
    EXPECT_FALSE(ScrapeLoop(head_, changed).can_take_state_from(fresh)) << "change " << i;
  }
}

TEST_F(ScrapeLoopTest, AMalformedBodyStoresNothingOfIt) {
  ScrapeLoop loop(head_, options());
  (void)loop.append(15'000, 10, std::string_view("a 1\n"), kText);
  auto r = loop.append(30'000, 10, std::string_view("a 2\nb{x=} 1\n"), kText);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.error, "line 2: expected label value for \"x\"");
  auto a = samples("a");
  ASSERT_EQ(a.size(), 2u);  // 1, then the stale marker: the 2 was not stored
  EXPECT_EQ(a[0].second, 1);
  EXPECT_TRUE(stale(a[1].second));
  EXPECT_TRUE(samples("b").empty());
}

TEST_F(ScrapeLoopTest, SampleLimitCountsAfterRelabellingAndFailsTheScrape) {
  ScrapeLoopOptions o = options();
  o.sample_limit = 2;
  o.metric_relabel_configs.push_back(*net::RelabelConfig::make(
      {.action = net::RelabelAction::kDrop, .source_labels = {"__name__"}, .regex = "go_.*"}));
  ScrapeLoop loop(head_, o);
  auto ok = loop.append(15'000, 10, std::string_view("a 1\nb 1\ngo_x 1\ngo_y 1\n"), kText);
  EXPECT_TRUE(ok.up);
  EXPECT_EQ(ok.samples_scraped, 4u);
  EXPECT_EQ(ok.samples_post_relabel, 2u);
  EXPECT_TRUE(samples("go_x").empty());
  auto over = loop.append(30'000, 10, std::string_view("a 1\nb 1\nc 1\n"), kText);
  EXPECT_FALSE(over.up);
  EXPECT_EQ(over.error, "sample limit exceeded");
  EXPECT_TRUE(samples("c").empty());
}

// The limit counts what is left after metric relabelling, wherever in the
// body the dropped samples are: first, or between the kept ones. Counting
// before relabelling would fail both scrapes (4 and 5 samples, limit 2).
TEST_F(ScrapeLoopTest, SampleLimitIgnoresDroppedSamplesBeforeAndBetweenKeptOnes) {
  ScrapeLoopOptions o = options();
  o.sample_limit = 2;
  o.metric_relabel_configs.push_back(*net::RelabelConfig::make(
      {.action = net::RelabelAction::kDrop, .source_labels = {"__name__"}, .regex = "go_.*"}));
  ScrapeLoop loop(head_, o);
  auto first = loop.append(15'000, 10, std::string_view("go_x 1\ngo_y 1\na 1\nb 1\n"), kText);
  EXPECT_TRUE(first.up) << first.error;
  EXPECT_EQ(first.samples_scraped, 4u);
  EXPECT_EQ(first.samples_post_relabel, 2u);
  auto interleaved = loop.append(30'000, 10, std::string_view("go_x 2\na 2\ngo_y 2\ngo_z 2\nb 2\n"), kText);
  EXPECT_TRUE(interleaved.up) << interleaved.error;
  EXPECT_EQ(interleaved.samples_post_relabel, 2u);
  EXPECT_EQ(samples("b"), (std::vector<std::pair<Timestamp, double>>{{15'000, 1}, {30'000, 2}}));
  EXPECT_TRUE(samples("go_z").empty());
  // One kept sample more than the limit, behind the dropped ones, fails.
  auto over = loop.append(45'000, 10, std::string_view("go_x 3\ngo_y 3\na 3\nb 3\nc 3\n"), kText);
  EXPECT_FALSE(over.up);
  EXPECT_EQ(over.error, "sample limit exceeded");
}

// A scrape older than the last one (the clock stepped back): the store
// refuses its sample and its report series, and the loop counts them all;
// the vanished-looking series gets no marker in the past.
TEST_F(ScrapeLoopTest, SamplesTheStoreRefusesAreCountedReportSeriesIncluded) {
  ScrapeLoop loop(head_, options());
  EXPECT_EQ(loop.append(30'000, 10, std::string_view("a 1\n"), kText).rejected, 0u);
  auto back = loop.append(15'000, 10, std::string_view("a 2\n"), kText);
  EXPECT_TRUE(back.up);
  EXPECT_EQ(back.rejected, 6u);  // a, and up and the four other report series
  EXPECT_EQ(samples("a"), (std::vector<std::pair<Timestamp, double>>{{30'000, 1}}));
  EXPECT_EQ(samples("up"), (std::vector<std::pair<Timestamp, double>>{{30'000, 1}}));
}

// A store with Prometheus's appendable window refuses a sample with its own
// timestamp before it ("too old"): counted with the refused ones, the rest
// of the scrape stored.
TEST_F(ScrapeLoopTest, SamplesOutOfTheStoresBoundsAreCounted) {
  tsdb::Head head(tsdb::HeadOptions{.reject_out_of_bounds = true});
  ScrapeLoop loop(head, options());
  const Timestamp t = 3 * kHour;
  auto r = loop.append(t, 10, std::string_view("a 1\nold 2 3600000\nold_enough 3 7200000\n"), kText);
  EXPECT_TRUE(r.up);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(head.stats().out_of_bounds_samples, 1u);
  EXPECT_TRUE(tsdb::testing::read_named(head, "old").empty());
  EXPECT_EQ(tsdb::testing::read_named(head, "old_enough"),
            (std::vector<std::pair<Timestamp, double>>{{2 * kHour, 3}}));
  EXPECT_EQ(tsdb::testing::read_named(head, "a"), (std::vector<std::pair<Timestamp, double>>{{t, 1}}));
}

// Prometheus's scrape cache: a successful scrape of a non-empty body
// forgets the series it lacked, so one that comes back is counted in
// scrape_series_added again; an empty body or a failure flushes nothing.
TEST_F(ScrapeLoopTest, TheCacheForgetsWhatASuccessfulScrapeLacked) {
  ScrapeLoop loop(head_, options());
  EXPECT_EQ(loop.append(15'000, 1, std::string_view("a 1\nb 1\n"), kText).series_added, 2u);
  EXPECT_EQ(loop.append(30'000, 1, std::string_view("a 2\n"), kText).series_added, 0u);
  EXPECT_EQ(loop.cached_series(), 1u);
  EXPECT_EQ(loop.append(45'000, 1, std::string_view("a 3\nb 3\n"), kText).series_added, 1u);
  EXPECT_EQ(samples("scrape_series_added").back(), (std::pair<Timestamp, double>{45'000, 1}));
  (void)loop.append(60'000, 1, std::string_view(""), kText);
  (void)loop.append(75'000, 1, Result<std::string_view>(make_error(ErrorCode::kTimeout, "timeout")), kText);
  EXPECT_EQ(loop.cached_series(), 2u);
}

// A series twice in one body at the scrape time: the first is stored, both
// count after relabelling (Prometheus reports "the exact number of series
// exposed"); with their own timestamps both are samples.
TEST_F(ScrapeLoopTest, RepeatedSeriesCountAfterRelabellingAndOwnTimestampsAreStored) {
  ScrapeLoop loop(head_, options());
  auto r = loop.append(15'000, 1, std::string_view("a 1\na 2\nb 1\n"), kText);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.samples_scraped, 3u);
  EXPECT_EQ(r.samples_post_relabel, 3u);
  EXPECT_EQ(r.series_added, 2u);
  EXPECT_EQ(samples("a"), (std::vector<std::pair<Timestamp, double>>{{15'000, 1}}));
  auto own = loop.append(30'000, 1, std::string_view("x 1 1000\nx 2 2000\n"), kText);
  EXPECT_EQ(own.duplicates, 0u);
  EXPECT_EQ(own.series_added, 1u);
  EXPECT_EQ(samples("x"), (std::vector<std::pair<Timestamp, double>>{{1000, 1}, {2000, 2}}));
}

// A failed scrape still reports what it read: over the sample limit the
// whole body is counted (Prometheus keeps parsing), up to a parse error the
// lines before it. Series stored before the failure count as added.
TEST_F(ScrapeLoopTest, AFailedScrapeReportsWhatItRead) {
  ScrapeLoopOptions o = options();
  o.sample_limit = 2;
  ScrapeLoop loop(head_, o);
  auto over = loop.append(15'000, 1, std::string_view("a 1\nb 1\nc 1\nd 1\na 1\n"), kText);
  EXPECT_FALSE(over.up);
  EXPECT_EQ(over.error, "sample limit exceeded");
  EXPECT_EQ(over.samples_scraped, 5u);
  EXPECT_EQ(over.samples_post_relabel, 5u);
  EXPECT_EQ(over.series_added, 2u);
  EXPECT_EQ(samples("scrape_samples_scraped"), (std::vector<std::pair<Timestamp, double>>{{15'000, 5}}));
  EXPECT_EQ(samples("scrape_samples_post_metric_relabeling"), (std::vector<std::pair<Timestamp, double>>{{15'000, 5}}));
  EXPECT_EQ(samples("scrape_series_added"), (std::vector<std::pair<Timestamp, double>>{{15'000, 2}}));
  EXPECT_TRUE(samples("a").empty());
  auto malformed = loop.append(30'000, 1, std::string_view("a 1\nb 1\nc{x=} 1\n"), kText);
  EXPECT_FALSE(malformed.up);
  EXPECT_EQ(malformed.samples_scraped, 2u);
  EXPECT_EQ(samples("scrape_samples_scraped").back(), (std::pair<Timestamp, double>{30'000, 2}));
  // The series the failed scrapes stored are known; c, refused by the
  // limit, is added when it is first stored.
  auto ok = loop.append(45'000, 1, std::string_view("a 1\nc 1\n"), kText);
  EXPECT_TRUE(ok.up);
  EXPECT_EQ(ok.series_added, 1u);
}

TEST_F(ScrapeLoopTest, HonorLabelsAndTimestamps) {
  ScrapeLoopOptions o = options();
  o.honor_timestamps = true;
  ScrapeLoop loop(head_, o);
  (void)loop.append(15'000, 10, std::string_view("x{job=\"inner\"} 1 5000\n"), kText);
  auto got = head_.select({*LabelMatcher::make(MatchType::kEqual, "__name__", "x")}, 0, kMaxTimestamp);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels.get("job"), "cog");
  EXPECT_EQ(got[0].labels.get("exported_job"), "inner");
  EXPECT_EQ(samples("x").front().first, 5000);  // the sample's own time
  // A series with its own timestamps is not tracked for staleness (as in
  // Prometheus): gone from the next body, it gets no marker.
  (void)loop.append(30'000, 10, std::string_view("y 1\n"), kText);
  EXPECT_EQ(samples("x"), (std::vector<std::pair<Timestamp, double>>{{5000, 1}}));
}

TEST_F(ScrapeLoopTest, RepeatedSeriesKeepTheFirstAndLimitsFail) {
  ScrapeLoopOptions o = options();
  o.label_value_length_limit = 5;
  ScrapeLoop loop(head_, o);
  auto r = loop.append(15'000, 10, std::string_view("a 1\na 2\n"), kText);
  EXPECT_TRUE(r.up);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(samples("a").front().second, 1);
  auto bad = loop.append(30'000, 10, std::string_view("a{path=\"/very/long\"} 1\n"), kText);
  EXPECT_FALSE(bad.up);
  EXPECT_NE(bad.error.find("label_value_length_limit exceeded"), std::string::npos);
}

TEST(ScrapeTimestamps, AlignedWithinTwoMilliseconds) {
  EXPECT_EQ(ScrapeLoop::aligned_time(15'002, 15'000, 15'000), 15'000);
  EXPECT_EQ(ScrapeLoop::aligned_time(14'999, 15'000, 15'000), 15'000);
  EXPECT_EQ(ScrapeLoop::aligned_time(15'003, 15'000, 15'000), 15'003);
  EXPECT_EQ(ScrapeLoop::aligned_time(1'001, 1'000, 100), 1'000);  // tolerance: 1% of the interval, 1ms
  EXPECT_EQ(ScrapeLoop::aligned_time(1'001, 1'000, 50), 1'001);   // 0.5ms rounds down to none
}

}  // namespace
}  // namespace cogwatch::scrape
