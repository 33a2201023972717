// The demo's rules (examples/rules/cog_demo.yml) are the shipped Cog alerts
// (examples/rules/cog_alerts.yml) with shorter windows and `for`: nothing
// else may differ, so what the demo shows is what users deploy.
#include <gtest/gtest.h>

#include <regex>

#include "rules/rule_file.h"
#include "template/template.h"

namespace cogwatch::rules {
namespace {

std::string with_windows_of(const std::string& expr, const std::string& window) {
  return std::regex_replace(expr, std::regex(R"(\[[0-9]+[smh]\])"), "[" + window + "]");
}

TEST(DemoRules, SameAlertsAsTheShippedOnesWithShorterWindows) {
  const std::string root = COGWATCH_SOURCE_DIR;
  const RuleFile shipped = load_rule_file(root + "/examples/rules/cog_alerts.yml",
                                          {.check_template = tmpl::check_alert_template});
  const RuleFile demo = load_rule_file(root + "/examples/rules/cog_demo.yml",
                                       {.check_template = tmpl::check_alert_template});
  ASSERT_TRUE(shipped.errors.empty() && demo.errors.empty());
  ASSERT_FALSE(demo.groups.empty());
  for (const RuleSpec& want : shipped.groups.at(0).rules) {
    bool found = false;
    for (const RuleSpec& got : demo.groups.at(0).rules) {
      if (got.name != want.name) continue;
      found = true;
      EXPECT_EQ(with_windows_of(got.expr_text, "5m"), want.expr_text) << want.name;
      EXPECT_LT(got.for_duration, want.for_duration) << want.name;
      EXPECT_EQ(got.labels, want.labels) << want.name;
    }
    EXPECT_TRUE(found) << want.name << " is missing from the demo";
  }
}

}  // namespace
}  // namespace cogwatch::rules
