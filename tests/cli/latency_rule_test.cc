// The guide's latency recording rule (deploy/cog_recording.yml, and the
// demo's copy in examples/rules/cog_demo.yml) on either layout of
// cog_predict_latency_seconds: cog-sim's bodies scraped by the scrape loop
// as text (classic buckets), as protobuf with native histograms only, and
// as protobuf with both; the rule gives the classic quantile wherever
// classic buckets exist and the native one elsewhere, per job. The
// configurations cogwatch writes for the demo and runs by default scrape
// native histograms.
#include <gtest/gtest.h>

#include <regex>

#include "cli/cog_sim.h"
#include "cli/daemon.h"
#include "cli/demo.h"
#include "eval/engine.h"
#include "parser/parser.h"
#include "rules/rule_file.h"
#include "scrape/config.h"
#include "scrape/scrape_loop.h"
#include "template/template.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

constexpr Timestamp kStart = 1'700'000'000'000;
constexpr Timestamp kEnd = kStart + 20 * kMinute;

enum class Layout {
  kText,    // text format: classic buckets
  kNative,  // protobuf, scrape_native_histograms: the native histogram only
  kBoth,    // protobuf, and always_scrape_classic_histograms: both
};

// One store, each job scraping its own cog-sim every 15s for 20 minutes.
class Scraped {
 public:
  explicit Scraped(std::initializer_list<std::pair<std::string, Layout>> jobs) {
    const CogSimulator sim({});
    for (const auto& [job, layout] : jobs) {
      scrape::ScrapeLoopOptions o;
      o.target = Labels{{"__address__", "127.0.0.1:5000"}, {"instance", "127.0.0.1:5000"}, {"job", job}};
      o.interval = 15 * kSecond;
      o.scrape_native_histograms = layout != Layout::kText;
      o.always_scrape_classic_histograms = layout == Layout::kBoth;
      scrape::ScrapeLoop loop(head_, o);
      for (Timestamp t = kStart; t <= kEnd; t += 15 * kSecond) {
        const std::string body = layout == Layout::kText ? sim.body(t) : sim.protobuf_body(t);
        auto r = loop.append(t, 12, std::string_view(body),
                             layout == Layout::kText ? scrape::ExpositionFormat::kPrometheusText
                                                     : scrape::ExpositionFormat::kProtobuf);
        EXPECT_TRUE(r.up) << r.error;
      }
    }
  }
  // job -> value of a float result.
  std::map<std::string, double> query(const std::string& q) {
    auto e = parser::parse_expr(q);
    EXPECT_TRUE(e.ok()) << q;
    auto v = eval::Engine(head_).instant(**e, kEnd);
    EXPECT_TRUE(v.ok()) << q << ": " << (v.ok() ? "" : v.error().message);
    std::map<std::string, double> out;
    for (const eval::Sample& s : std::get<eval::Vector>(*v)) {
      EXPECT_FALSE(s.h) << q;
      EXPECT_EQ(s.labels.size(), 1u) << q << ": " << s.labels.to_string();
      out[std::string(s.labels.get("job"))] = s.v;
    }
    return out;
  }
  size_t series(const std::string& name) {
    auto e = parser::parse_expr("{__name__=~\"" + name + "\"}");
    auto v = eval::Engine(head_).instant(**e, kEnd);
    return std::get<eval::Vector>(*v).size();
  }

 private:
  tsdb::Head head_;
};

const rules::RuleSpec& only_rule(const rules::RuleFile& f, const std::string& record) {
  for (const auto& g : f.groups) {
    for (const auto& r : g.rules) {
      if (r.name == record) return r;
    }
  }
  ADD_FAILURE() << record << " not in " << f.path;
  static const rules::RuleSpec none;
  return none;
}

class LatencyRule : public ::testing::Test {
 protected:
  void SetUp() override {
    const rules::RuleFile f = rules::load_rule_file(std::string(COGWATCH_SOURCE_DIR) + "/deploy/cog_recording.yml",
                                                    {.check_template = tmpl::check_alert_template});
    ASSERT_TRUE(f.errors.empty()) << f.errors.front();
    rule_ = only_rule(f, "job:cog_predict_latency_seconds:p95").expr_text;
  }
  std::string rule_;
  const std::string classic_ = "histogram_quantile(0.95, sum by (job, le) (rate(cog_predict_latency_seconds_bucket[5m])))";
  const std::string native_ = "histogram_quantile(0.95, sum by (job) (rate(cog_predict_latency_seconds[5m])))";
};

TEST_F(LatencyRule, ClassicBucketsFromText) {
  Scraped s({{"cog", Layout::kText}});
  EXPECT_EQ(s.series("cog_predict_latency_seconds"), 0u);
  const auto classic = s.query(classic_);
  ASSERT_EQ(classic.size(), 1u);
  EXPECT_EQ(s.query(rule_), classic);
  // The buckets put p95 between 1 and 2 (86% and 96% of predictions).
  EXPECT_GT(classic.at("cog"), 1);
  EXPECT_LT(classic.at("cog"), 2);
}

TEST_F(LatencyRule, NativeHistogramAlone) {
  Scraped s({{"cog", Layout::kNative}});
  EXPECT_EQ(s.series("cog_predict_latency_seconds_(bucket|sum|count)"), 0u);
  EXPECT_EQ(s.series("cog_predict_latency_seconds"), 1u);
  const auto native = s.query(native_);
  ASSERT_EQ(native.size(), 1u);
  EXPECT_EQ(s.query(rule_), native);
  // The same distribution read from the native buckets: close to the
  // classic quantile (schema 3's buckets are 9% wide; the classic one
  // interpolates linearly across (1, 2]).
  Scraped text({{"cog", Layout::kText}});
  EXPECT_NEAR(native.at("cog"), text.query(classic_).at("cog"), 0.15 * native.at("cog"));
}

TEST_F(LatencyRule, BothLayoutsGiveTheClassicQuantile) {
  Scraped s({{"cog", Layout::kBoth}});
  EXPECT_EQ(s.series("cog_predict_latency_seconds"), 1u);
  EXPECT_EQ(s.series("cog_predict_latency_seconds_bucket"), 9u);  // 8 bounds and +Inf
  const auto classic = s.query(classic_);
  ASSERT_EQ(classic.size(), 1u);
  ASSERT_EQ(s.query(native_).size(), 1u);
  EXPECT_NE(s.query(native_), classic);
  EXPECT_EQ(s.query(rule_), classic);
}

TEST_F(LatencyRule, EachJobByItsOwnLayout) {
  Scraped s({{"text", Layout::kText}, {"native", Layout::kNative}, {"both", Layout::kBoth}});
  const auto classic = s.query(classic_), native = s.query(native_);
  const auto rule = s.query(rule_);
  ASSERT_EQ(rule.size(), 3u);
  EXPECT_EQ(rule.at("text"), classic.at("text"));
  EXPECT_EQ(rule.at("both"), classic.at("both"));
  EXPECT_EQ(rule.at("native"), native.at("native"));
}

// The demo runs the same rule with its shorter window.
TEST(DemoLatencyRule, IsTheShippedRuleWithTheDemoWindow) {
  const std::string root = COGWATCH_SOURCE_DIR;
  const rules::RuleFile shipped = rules::load_rule_file(root + "/deploy/cog_recording.yml", {});
  const rules::RuleFile demo = rules::load_rule_file(root + "/examples/rules/cog_demo.yml",
                                                     {.check_template = tmpl::check_alert_template});
  ASSERT_TRUE(shipped.errors.empty() && demo.errors.empty());
  const std::string record = "job:cog_predict_latency_seconds:p95";
  EXPECT_EQ(std::regex_replace(only_rule(demo, record).expr_text, std::regex(R"(\[30s\])"), "[5m]"),
            only_rule(shipped, record).expr_text);
}

// The configurations cogwatch writes itself scrape the predictor's native
// histograms (asking for protobuf first), and nothing else changes for it.
TEST(NativeHistogramConfigs, DemoAndEmbeddedDefaultScrapeThem) {
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"demo", demo_config_text("127.0.0.1:5000", 9095)},
                                   {"embedded default", default_config_text(9095)}}) {
    auto c = scrape::parse_config(text, name);
    ASSERT_TRUE(c.ok()) << name << ": " << c.error().message;
    bool found = false;
    for (const scrape::ScrapeConfig& sc : c->scrape_configs) {
      if (sc.job_name == "cog") {
        found = true;
        EXPECT_TRUE(sc.scrape_native_histograms) << name;
        EXPECT_FALSE(sc.always_scrape_classic_histograms) << name;
        EXPECT_EQ(sc.scrape_protocols, scrape::kProtoFirstScrapeProtocols) << name;
      } else {
        EXPECT_FALSE(sc.scrape_native_histograms) << name << ": " << sc.job_name;
      }
    }
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace cogwatch::cli
