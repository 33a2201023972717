#include "scrape/target.h"

#include <gtest/gtest.h>

namespace cogwatch::scrape {
namespace {

ScrapeConfig config_with(const char* relabel_yaml = "") {
  std::string yml = "scrape_configs:\n  - job_name: cog\n    scrape_interval: 15s\n    params: {format: [text]}\n";
  yml += relabel_yaml;
  auto c = parse_config(yml, "t.yml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c->scrape_configs.at(0);
}

TEST(Target, LabelsAsPrometheusDerivesThem) {
  auto t = target_labels(config_with(), Labels{{"__address__", "127.0.0.1:5000"}, {"__meta_x", "1"}, {"env", "prod"}});
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ(**t, (Labels{{"__address__", "127.0.0.1:5000"},
                         {"__metrics_path__", "/metrics"},
                         {"__param_format", "text"},
                         {"__scheme__", "http"},
                         {"__scrape_interval__", "15s"},
                         {"__scrape_timeout__", "10s"},
                         {"env", "prod"},
                         {"instance", "127.0.0.1:5000"},
                         {"job", "cog"}}));
  EXPECT_EQ(public_labels(**t), (Labels{{"env", "prod"}, {"instance", "127.0.0.1:5000"}, {"job", "cog"}}));
}

TEST(Target, RelabellingSeesMetaLabelsAndCanDrop) {
  auto c = config_with(
      "    relabel_configs:\n"
      "      - {source_labels: [__meta_pod], target_label: pod}\n"
      "      - {source_labels: [__address__], regex: '(.*):5000', target_label: instance, replacement: '$1'}\n"
      "      - {source_labels: [env], regex: dev, action: drop}\n");
  auto t = target_labels(c, Labels{{"__address__", "host:5000"}, {"__meta_pod", "cog-0"}, {"env", "prod"}});
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(public_labels(**t), (Labels{{"env", "prod"}, {"instance", "host"}, {"job", "cog"}, {"pod", "cog-0"}}));
  auto dropped = target_labels(c, Labels{{"__address__", "host:5000"}, {"env", "dev"}});
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(dropped->has_value());
}

TEST(Target, InvalidTargetsAreErrors) {
  auto c = config_with("    relabel_configs:\n      - {target_label: __scrape_timeout__, replacement: 1m}\n");
  auto t = target_labels(c, Labels{{"__address__", "h:1"}});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message, "scrape timeout cannot be greater than scrape interval (\"1m\" > \"15s\")");
  auto none = target_labels(config_with(), Labels{{"env", "x"}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "no address");
}

TEST(Target, SampleLabelsHonourOrExportClashes) {
  const Labels target{{"instance", "a:1"}, {"job", "cog"}};
  const Labels sample{{"__name__", "up"}, {"job", "inner"}, {"exported_job", "taken"}};
  EXPECT_EQ(merge_target_labels(sample, target, /*honor_labels=*/true),
            (Labels{{"__name__", "up"}, {"exported_job", "taken"}, {"instance", "a:1"}, {"job", "inner"}}));
  EXPECT_EQ(merge_target_labels(sample, target, /*honor_labels=*/false),
            (Labels{{"__name__", "up"},
                    {"exported_exported_job", "inner"},
                    {"exported_job", "taken"},
                    {"instance", "a:1"},
                    {"job", "cog"}}));
}

// Clashes are renamed shortest name first (Prometheus's
// resolveConflictingExposedLabels): the sample's `a` takes
// exported_exported_a before its `exported_a` looks for a free name.
TEST(Target, ExportedClashesAreResolvedShortestNameFirst) {
  const Labels target{{"a", "t1"}, {"exported_a", "t2"}};
  const Labels sample{{"__name__", "m"}, {"a", "s1"}, {"exported_a", "s2"}};
  EXPECT_EQ(merge_target_labels(sample, target, /*honor_labels=*/false),
            (Labels{{"__name__", "m"},
                    {"a", "t1"},
                    {"exported_a", "t2"},
                    {"exported_exported_a", "s1"},
                    {"exported_exported_exported_a", "s2"}}));
}

}  // namespace
}  // namespace cogwatch::scrape
