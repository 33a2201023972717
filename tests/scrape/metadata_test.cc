// Metric metadata: the exposition parser's # HELP/# TYPE/# UNIT lines as
// Prometheus's parsers read them, and the scrape loop's per-target cache of
// them (kept as Prometheus's scrape cache keeps metadata).
#include <gtest/gtest.h>

#include "scrape/exposition.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

namespace cogwatch::scrape {
namespace {

constexpr auto kText = ExpositionFormat::kPrometheusText;
constexpr auto kOpenMetrics = ExpositionFormat::kOpenMetrics;

// Records what the parser passes, as "help a text", "type a counter", "unit a s".
struct Recorder final : MetadataSink {
  void on_help(std::string_view m, std::string_view raw) override {
    seen.push_back("help " + std::string(m) + " [" + std::string(raw) + "]");
  }
  void on_type(std::string_view m, MetricType t) override {
    seen.push_back("type " + std::string(m) + " " + std::string(metric_type_name(t)));
  }
  void on_unit(std::string_view m, std::string_view u) override {
    seen.push_back("unit " + std::string(m) + " [" + std::string(u) + "]");
  }
  std::vector<std::string> seen;
};

std::vector<std::string> metadata_lines(std::string_view body, ExpositionFormat format) {
  Recorder r;
  ExpositionParser p(body, format, &r);
  while (p.next()) {
  }
  EXPECT_TRUE(p.status().ok()) << p.status().error().message;
  return r.seen;
}

TEST(ExpositionMetadataTest, TextFormatLines) {
  EXPECT_EQ(metadata_lines("# HELP a Requests \\\\ served\\nper path.\n"
                           "# TYPE a counter\n"
                           "a 1\n"
                           "#\tHELP  b  two spaces\n"
                           "# TYPE b untyped\n"
                           "# TYPE c bogus\n"
                           "# UNIT a seconds\n"
                           "# HELP d\n"
                           "# HELP \"e.f\" quoted\n"
                           "# plain comment\n"
                           "#HELP g no blank after #\n"
                           "# TYPE h gaugehistogram\n",
                           kText),
            (std::vector<std::string>{"help a [Requests \\\\ served\\nper path.]", "type a counter",
                                      "help b [ two spaces]", "type b unknown", "help d []", "help e.f [quoted]"}));
}

TEST(ExpositionMetadataTest, OpenMetricsLinesIncludeUnitAndItsTypes) {
  EXPECT_EQ(metadata_lines("# TYPE a counter\n# UNIT a seconds\n# HELP a x\\\"y\na_total 1\n"
                           "# TYPE b gaugehistogram\n# TYPE c untyped\n# TYPE d info\n# TYPE e stateset\n"
                           "# TYPE f unknown\n# EOF\n",
                           kOpenMetrics),
            (std::vector<std::string>{"type a counter", "unit a [seconds]", "help a [x\\\"y]", "type b gaugehistogram",
                                      "type d info", "type e stateset", "type f unknown"}));
}

TEST(ExpositionMetadataTest, HelpIsUnescapedAsEachFormatDoes) {
  std::string out;
  unescape_help(R"(a\\b\nc\"d\t)", kText, out);
  EXPECT_EQ(out, "a\\b\nc\\\"d\\t");
  unescape_help(R"(a\\b\nc\"d\t)", kOpenMetrics, out);
  EXPECT_EQ(out, "a\\b\nc\"d\\t");
}

TEST(ExpositionMetadataTest, WithoutASinkCommentsAreSkipped) {
  auto samples = parse_exposition("# HELP a x\n# TYPE a counter\na 1\n", kText);
  ASSERT_TRUE(samples.ok());
  EXPECT_EQ(samples->size(), 1u);
}

class ScrapeLoopMetadataTest : public ::testing::Test {
 protected:
  ScrapeLoopOptions options() {
    ScrapeLoopOptions o;
    o.target = Labels{{"__address__", "a:1"}, {"instance", "a:1"}, {"job", "cog"}};
    o.interval = 15 * kSecond;
    return o;
  }
  ScrapeReport scrape(ScrapeLoop& loop, std::string_view body, ExpositionFormat format = kText) {
    t_ += 15'000;
    return loop.append(t_, 10, body, format);
  }
  tsdb::Head head_;
  Timestamp t_ = 0;
};

TEST_F(ScrapeLoopMetadataTest, KeepsTheLatestMetadataPerFamilySorted) {
  ScrapeLoop loop(head_, options());
  EXPECT_TRUE(loop.metadata()->empty());
  (void)scrape(loop, "# HELP z_total Zs.\n# TYPE z_total counter\nz_total 1\n# HELP a A\\nB.\na 1\n");
  EXPECT_EQ(*loop.metadata(), (std::vector<MetricMetadata>{{"a", MetricType::kUnknown, "A\nB.", ""},
                                                           {"z_total", MetricType::kCounter, "Zs.", ""}}));
  (void)scrape(loop, "# HELP z_total Zs, again.\n# TYPE z_total gauge\nz_total 1\n# TYPE a gauge\na 1\n");
  EXPECT_EQ(*loop.metadata(), (std::vector<MetricMetadata>{{"a", MetricType::kGauge, "A\nB.", ""},
                                                           {"z_total", MetricType::kGauge, "Zs, again.", ""}}));
  (void)scrape(loop, "# TYPE r counter\n# UNIT r seconds\n# HELP r R.\nr_total 1\n# EOF\n", kOpenMetrics);
  EXPECT_EQ(loop.metadata()->back(), (MetricMetadata{"z_total", MetricType::kGauge, "Zs, again.", ""}));
  EXPECT_EQ((*loop.metadata())[1], (MetricMetadata{"r", MetricType::kCounter, "R.", "seconds"}));
}

TEST_F(ScrapeLoopMetadataTest, UnchangedMetadataKeepsTheSameSnapshot) {
  ScrapeLoop loop(head_, options());
  const std::string body = "# HELP a A \\\\ x.\n# TYPE a gauge\na 1\n";
  (void)scrape(loop, body);
  const MetricMetadata* first = loop.metadata()->data();
  (void)scrape(loop, body);
  EXPECT_EQ(loop.metadata()->data(), first);  // not rebuilt
  (void)scrape(loop, "# HELP a A \\\\ y.\n# TYPE a gauge\na 1\n");
  EXPECT_NE(loop.metadata()->data(), first);
  EXPECT_EQ(loop.metadata()->front().help, "A \\ y.");
}

TEST_F(ScrapeLoopMetadataTest, AFamilyMissingForMoreThanTenScrapesIsForgotten) {
  ScrapeLoop loop(head_, options());
  (void)scrape(loop, "# TYPE gone gauge\ngone 1\n# TYPE kept gauge\nkept 1\n");
  for (int i = 0; i < 10; ++i) (void)scrape(loop, "# TYPE kept gauge\nkept 1\n");
  ASSERT_EQ(loop.metadata()->size(), 2u);  // missing for 10 scrapes: still kept
  (void)scrape(loop, "# TYPE kept gauge\nkept 1\n");
  ASSERT_EQ(loop.metadata()->size(), 1u);
  EXPECT_EQ(loop.metadata()->front().metric, "kept");
}

TEST_F(ScrapeLoopMetadataTest, FailedScrapesKeepAndUpdateButNeverForget) {
  ScrapeLoop loop(head_, options());
  (void)scrape(loop, "# TYPE a gauge\na 1\n");
  // A body that fails after its metadata lines: what was read is kept.
  auto r = scrape(loop, "# TYPE b counter\nb 1\nb{ 2\n");
  EXPECT_FALSE(r.up);
  ASSERT_EQ(loop.metadata()->size(), 2u);
  for (int i = 0; i < 20; ++i) (void)loop.append(t_ += 15'000, 10, make_error(ErrorCode::kUnavailable, "down"), kText);
  EXPECT_EQ(loop.metadata()->size(), 2u);  // failed scrapes forget nothing
}

TEST_F(ScrapeLoopMetadataTest, AtMostTheLimitOfFamilies) {
  ScrapeLoopOptions o = options();
  o.metadata_limit = 2;
  ScrapeLoop loop(head_, o);
  (void)scrape(loop, "# TYPE a gauge\n# TYPE b gauge\n# TYPE c gauge\n# HELP c C\na 1\nb 1\nc 1\n");
  ASSERT_EQ(loop.metadata()->size(), 2u);
  EXPECT_EQ(loop.metadata()->back().metric, "b");
}

TEST_F(ScrapeLoopMetadataTest, AReloadKeepsTheMetadata) {
  ScrapeLoop old(head_, options());
  (void)scrape(old, "# TYPE a gauge\na 1\n");
  ScrapeLoop loop(head_, options());
  ASSERT_TRUE(loop.can_take_state_from(old));
  loop.take_state_from(old);
  ASSERT_EQ(loop.metadata()->size(), 1u);
  EXPECT_EQ(loop.metadata()->front().type, MetricType::kGauge);
}

}  // namespace
}  // namespace cogwatch::scrape
