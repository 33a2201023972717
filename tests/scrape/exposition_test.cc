#include "scrape/exposition.h"

#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"

namespace cogwatch::scrape {
namespace {

TEST(Exposition, PrometheusText) {
  const char* body =
      "# HELP cog_predict_requests_total Predictions.\n"
      "# TYPE cog_predict_requests_total counter\n"
      "cog_predict_requests_total{job=\"cog\",instance=\"a\"} 42 1700000000000\n"
      "cog_input_data_entropy 1.5\n"
      "weird{a=\"x\\\"y\\\\z\\nw\", b=\"\\q\",} +Inf\n"
      "\n"
      "nan_value NaN\n"
      "neg -1e3\n";
  auto r = parse_exposition(body, ExpositionFormat::kPrometheusText);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  const auto& s = *r;
  EXPECT_EQ(s[0].labels, (Labels{{"__name__", "cog_predict_requests_total"}, {"job", "cog"}, {"instance", "a"}}));
  EXPECT_EQ(s[0].value, 42);
  EXPECT_EQ(s[0].timestamp, 1'700'000'000'000);
  EXPECT_EQ(s[0].line, 3u);
  EXPECT_FALSE(s[1].timestamp.has_value());
  EXPECT_EQ(s[2].labels.get("a"), "x\"y\\z\nw");
  EXPECT_EQ(s[2].labels.get("b"), "\\q");  // unknown escapes are kept
  EXPECT_TRUE(std::isinf(s[2].value));
  EXPECT_TRUE(std::isnan(s[3].value));
  EXPECT_FALSE(is_stale_nan(s[3].value));
  EXPECT_EQ(s[4].value, -1000);
}

TEST(Exposition, OpenMetricsTimestampsAreSecondsAndExemplarsIgnored) {
  const char* body =
      "# TYPE x counter\n"
      "# UNIT x seconds\n"
      "x_total{a=\"b\"} 1 1700000000.5 # {trace_id=\"abc\"} 0.5 1700000000.4\n"
      "{\"my.metric\", \"my.label\"=\"v\"} 2\n"
      "# EOF\n";
  ASSERT_EQ(detect_format(body), ExpositionFormat::kOpenMetrics);
  auto r = parse_exposition(body, ExpositionFormat::kOpenMetrics);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].timestamp, 1'700'000'000'500);
  EXPECT_EQ((*r)[1].labels, (Labels{{"__name__", "my.metric"}, {"my.label", "v"}}));
}

// Without Prometheus's created-timestamp feature flag, `_created` lines are
// ordinary series (Prometheus 2.x and 3.x store them as samples).
TEST(Exposition, OpenMetricsCreatedSeriesAreSamples) {
  const char* body =
      "# TYPE cog_predict_requests counter\n"
      "# HELP cog_predict_requests Predictions.\n"
      "cog_predict_requests_total{input_type=\"image\"} 17\n"
      "cog_predict_requests_created{input_type=\"image\"} 1.7e+09\n"
      "# EOF\n";
  auto r = parse_exposition(body, ExpositionFormat::kOpenMetrics);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].labels.metric_name(), "cog_predict_requests_created");
  EXPECT_EQ((*r)[1].value, 1.7e9);
}

TEST(Exposition, ErrorsNameTheLine) {
  const struct {
    const char* body;
    ExpositionFormat format;
    const char* error;
  } cases[] = {
      {"ok 1\nbad{a=} 1\n", ExpositionFormat::kPrometheusText, "line 2: expected label value for \"a\""},
      {"x{a=\"b\" 1\n", ExpositionFormat::kPrometheusText, "line 1: expected ',' or '}' after a label"},
      {"x\n", ExpositionFormat::kPrometheusText, "line 1: expected a value after the series"},
      {"x abc\n", ExpositionFormat::kPrometheusText, "line 1: invalid value \"abc\""},
      {"x 1 1.5\n", ExpositionFormat::kPrometheusText,
       "line 1: invalid timestamp \"1.5\" (integer milliseconds expected)"},
      {"x 1 2 3\n", ExpositionFormat::kPrometheusText, "line 1: unexpected text after the sample"},
      {"{a=\"b\"} 1\n", ExpositionFormat::kPrometheusText, "line 1: expected metric name"},
      {"x{a=\"1\",a=\"2\"} 1\n", ExpositionFormat::kPrometheusText, "line 1: duplicate label name \"a\""},
      {"x{a=\"unterminated} 1\n", ExpositionFormat::kPrometheusText, "line 1: expected label value for \"a\""},
      {"x 1\n", ExpositionFormat::kOpenMetrics, "line 2: expected \"# EOF\" at the end"},
      {"x 1\n# EOF\ny 2\n", ExpositionFormat::kOpenMetrics, "line 3: content after \"# EOF\""},
  };
  for (const auto& c : cases) {
    auto r = parse_exposition(c.body, c.format);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
    EXPECT_EQ(r.error().message, c.error) << c.body;
  }
}


// The scrape cache's shortcut: a series text validated before is not
// validated again, but everything else on the line still is, and a line
// that only looks like a known series is parsed in full.
class SetLookup final : public SeriesLookup {
 public:
  explicit SetLookup(std::set<std::string, std::less<>> texts) : texts_(std::move(texts)) {}
  bool known(std::string_view series) override { return texts_.contains(series); }

 private:
  std::set<std::string, std::less<>> texts_;
};

TEST(Exposition, KnownSeriesAreNotValidatedAgainButTheRestOfTheLineIs) {
  SetLookup lookup({R"(a{x="1"})", R"(b{x="}"})", R"(h_bucket{le="1"})"});
  const char* body =
      "a{x=\"1\"} 1\n"
      "b{x=\"}\"}  2 1000\n"  // a brace inside the value
      "c{x=\"3\"} 3\n"        // not known: validated
      "d 4\n";                // no braces: validated
  ExpositionParser p(body, ExpositionFormat::kPrometheusText);
  std::vector<std::tuple<std::string, bool, double>> got;
  while (p.next(&lookup)) got.emplace_back(p.series(), p.series_known(), p.value());
  ASSERT_TRUE(p.status().ok()) << p.status().error().message;
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, bool, double>>{
                     {R"(a{x="1"})", true, 1}, {R"(b{x="}"})", true, 2}, {R"(c{x="3"})", false, 3}, {"d", false, 4}}));

  // An exemplar's braces hide the series' closing brace: the line is
  // validated in full, and its series is still found.
  ExpositionParser om("h_bucket{le=\"1\"} 3 # {trace_id=\"t\"} 1\n# EOF\n", ExpositionFormat::kOpenMetrics);
  ASSERT_TRUE(om.next(&lookup)) << om.status().error().message;
  EXPECT_EQ(om.series(), R"(h_bucket{le="1"})");
  EXPECT_FALSE(om.series_known());

  const struct {
    const char* body;
    const char* error;
  } broken[] = {
      {"a{x=\"1\"} abc\n", "line 1: invalid value \"abc\""},
      {"a{x=\"1\"} 1 2 3\n", "line 1: unexpected text after the sample"},
      {"a{x=\"1\"} 1 }\n", "line 1: invalid timestamp \"}\" (integer milliseconds expected)"},
      {"a{x=\"1\"}} 1\n", "line 1: invalid value \"}\""},
      {"a{x=\"1\",} 1\n", ""},  // same series, other text: validated (and valid)
  };
  for (const auto& c : broken) {
    ExpositionParser q(c.body, ExpositionFormat::kPrometheusText);
    while (q.next(&lookup)) EXPECT_FALSE(q.series_known()) << c.body;
    EXPECT_EQ(q.status().ok() ? "" : q.status().error().message, c.error) << c.body;
  }
}

}  // namespace
}  // namespace cogwatch::scrape
