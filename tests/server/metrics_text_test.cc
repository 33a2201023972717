#include "server/metrics_text.h"

#include <gtest/gtest.h>

namespace cogwatch::server {
namespace {

TEST(MetricsTextTest, FamiliesAndEscapedLabels) {
  MetricsWriter w;
  w.family("cogwatch_rule_group_rules", "gauge", "The number of rules.\nPer group \\ file.");
  w.sample("cogwatch_rule_group_rules", {{"rule_group", "a \"b\"\\c\nd"}}, 3);
  w.sample("cogwatch_up", {}, 1e6);
  EXPECT_EQ(w.text(),
            "# HELP cogwatch_rule_group_rules The number of rules.\\nPer group \\\\ file.\n"
            "# TYPE cogwatch_rule_group_rules gauge\n"
            "cogwatch_rule_group_rules{rule_group=\"a \\\"b\\\"\\\\c\\nd\"} 3\n"
            "cogwatch_up 1e+06\n");
}

TEST(MetricsTextTest, HistogramBucketsAreCumulative) {
  const double bounds[] = {0.1, 1};
  Histogram h(bounds);
  h.observe(0.05);
  h.observe(0.1);  // on a bound: in that bucket (le)
  h.observe(0.5);
  h.observe(7);
  MetricsWriter w;
  write_histogram(w, "d_seconds", {{"handler", "/q"}}, h.snapshot());
  EXPECT_EQ(w.text(),
            "d_seconds_bucket{handler=\"/q\",le=\"0.1\"} 2\n"
            "d_seconds_bucket{handler=\"/q\",le=\"1\"} 3\n"
            "d_seconds_bucket{handler=\"/q\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{handler=\"/q\"} 7.65\n"
            "d_seconds_count{handler=\"/q\"} 4\n");
}

TEST(MetricsTextTest, ProcessMetricsReadThisProcess) {
  MetricsWriter w;
  write_process_metrics(w, 1700000000500);
  const std::string& t = w.text();
  EXPECT_NE(t.find("process_start_time_seconds 1.7000000005e+09\n"), std::string::npos) << t;
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_max_fds ", "process_virtual_memory_bytes "}) {
    EXPECT_NE(t.find(std::string("\n") + name), std::string::npos) << name;
  }
  EXPECT_GT(resident_memory_bytes(), 1u << 20);  // a test binary holds more than a megabyte
  EXPECT_GE(peak_resident_memory_bytes(), resident_memory_bytes() / 2);
}

}  // namespace
}  // namespace cogwatch::server
