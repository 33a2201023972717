// The daemon's config loader: every section, the rule files, all or
// nothing, every error at its file:line:col, warnings for what is ignored.
#include "cli/daemon_config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the test's temp dir, removed afterwards.
class DaemonConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cogwatch_daemon_config_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string dir() const { return dir_.string(); }

  fs::path dir_;
};

constexpr const char* kRules = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m\n";

TEST_F(DaemonConfigTest, ReadsEverySectionAndTheRuleFiles) {
  write("rules/a.yml", kRules);
  write("rules/b.yml", "groups:\n- name: h\n  rules:\n  - record: r\n    expr: up\n");
  const std::string path = write("cogwatch.yml", R"(global:
  scrape_interval: 15s
rule_files: ['rules/*.yml']
scrape_configs:
- job_name: cog
  static_configs: [{targets: ['cog:5000']}]
alerting:
  alertmanagers:
  - static_configs: [{targets: ['am:9093']}]
notify:
  route: {receiver: web}
  receivers:
  - name: web
    webhook_configs: [{url: 'http://hook:8080/'}]
)");
  auto c = load_daemon_config(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->path, path);
  EXPECT_EQ(c->dir, dir());
  EXPECT_NE(c->text.find("job_name: cog"), std::string::npos);
  EXPECT_EQ(c->scrape.global.scrape_interval, 15 * kSecond);
  ASSERT_EQ(c->scrape.scrape_configs.size(), 1u);
  EXPECT_EQ(c->scrape.scrape_configs[0].job_name, "cog");
  ASSERT_EQ(c->alerting.alertmanagers.size(), 1u);
  ASSERT_TRUE(c->notify.has_value());
  EXPECT_EQ(c->notify->route.receiver, "web");
  ASSERT_EQ(c->rule_files.size(), 2u);
  EXPECT_EQ(c->rule_files[0].path, dir() + "/rules/a.yml");
  EXPECT_EQ(c->rule_files[0].rule_count(), 1u);
  EXPECT_EQ(c->rule_files[1].path, dir() + "/rules/b.yml");
  EXPECT_TRUE(c->warnings.empty());
}

TEST_F(DaemonConfigTest, AnEmptyFileIsPrometheussDefaults) {
  auto c = parse_daemon_config("", "cogwatch.yml", dir());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->scrape.global.scrape_interval, kMinute);
  EXPECT_TRUE(c->scrape.scrape_configs.empty());
  EXPECT_FALSE(c->notify.has_value());
  EXPECT_TRUE(c->rule_files.empty());
}

TEST_F(DaemonConfigTest, UnimplementedSectionsAreWarningsAtTheirPlace) {
  auto c = parse_daemon_config(R"(global: {scrape_interval: 15s}
remote_read:
- url: http://x/api/v1/read
storage:
  tsdb: {out_of_order_time_window: 1h}
tracing: {endpoint: 'x:4317'}
)",
                               "cogwatch.yml", dir());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->warnings, (std::vector<std::string>{
                             "cogwatch.yml:2:1: remote_read is not implemented by cogwatch; the section is ignored",
                             "cogwatch.yml:4:1: storage is not implemented by cogwatch; the section is ignored",
                             "cogwatch.yml:6:1: tracing is not implemented by cogwatch; the section is ignored",
                         }));
}

TEST_F(DaemonConfigTest, ListsTheErrorsOfEverySectionOnePerLine) {
  auto c = parse_daemon_config(R"(scrape_configs:
- job_name: a
  scrape_intervl: 10s
alerting:
  alertmanagers:
  - api_version: v1
notify:
  route: {receiver: nobody}
)",
                               "cogwatch.yml", dir());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.error().message,
            "cogwatch.yml:3:3: unknown field \"scrape_intervl\" in scrape config\n"
            "cogwatch.yml:6:18: expected Alertmanager api version to be one of [v2] but got v1\n"
            "cogwatch.yml:8:21: undefined receiver \"nobody\" used in route");
}

TEST_F(DaemonConfigTest, AYamlSyntaxErrorIsSaidOnce) {
  auto c = parse_daemon_config("global:\n  scrape_interval: [15s\n", "cogwatch.yml", dir());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.find('\n'), std::string::npos) << c.error().message;
  EXPECT_TRUE(c.error().message.starts_with("cogwatch.yml:")) << c.error().message;
}

TEST_F(DaemonConfigTest, RuleFileErrorsAreListedWithTheirPlaces) {
  write("rules/good.yml", kRules);
  write("rules/bad.yml", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up(\n  - record: b\n    expr: sum(\n");
  auto c = parse_daemon_config("rule_files: ['rules/*.yml']\n", "cogwatch.yml", dir());
  ASSERT_FALSE(c.ok());
  const std::string bad = dir() + "/rules/bad.yml";
  EXPECT_EQ(c.error().message,
            bad + ":5:11: group \"g\", rule 1, \"a\": could not parse expression: 1:4: parse error: unclosed left "
                  "parenthesis\n" +
                bad + ":7:11: group \"g\", rule 2, \"b\": could not parse expression: 1:5: parse error: unclosed "
                      "left parenthesis");
}

TEST_F(DaemonConfigTest, ALiteralRuleFileMustExistAPatternNeedNotMatch) {
  auto c = parse_daemon_config("rule_files:\n- 'none/*.yml'\n- missing.yml\n", "cogwatch.yml", dir());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "cogwatch.yml:3:3: \"" + dir() + "/missing.yml\" does not point to an existing file");
  auto ok = parse_daemon_config("rule_files: ['none/*.yml']\n", "cogwatch.yml", dir());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->rule_files.empty());
}

TEST_F(DaemonConfigTest, RuleFilesAreNotReadWhenTheConfigFails) {
  write("rules/bad.yml", "groups: [{name: g, rules: [{record: a, expr: 'up('}]}]\n");
  DaemonConfigReport r = read_daemon_config("rule_files: ['rules/*.yml']\nglobal: {scrape_interval: 1x}\n",
                                            "cogwatch.yml", dir());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.config.rule_files.empty());
}

TEST_F(DaemonConfigTest, SyntaxOnlyDoesNotExpandTheRuleFiles) {
  DaemonConfigReport r =
      read_daemon_config("rule_files: [missing.yml]\n", "cogwatch.yml", dir(), {.read_rule_files = false});
  EXPECT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.config.scrape.rule_files, std::vector<std::string>{"missing.yml"});
}

TEST_F(DaemonConfigTest, AMissingFileIsItsReadError) {
  auto c = load_daemon_config(dir() + "/nope.yml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
}

TEST(ConfigDir, IsWhereRelativePathsAreResolved) {
  EXPECT_EQ(config_dir("cogwatch.yml"), "");
  EXPECT_EQ(config_dir("./cogwatch.yml"), "");
  EXPECT_EQ(config_dir("conf/cogwatch.yml"), "conf");
  EXPECT_EQ(config_dir("/etc/cogwatch/cogwatch.yml"), "/etc/cogwatch");
  EXPECT_EQ(config_dir("/cogwatch.yml"), "/");
}

}  // namespace
}  // namespace cogwatch::cli
