// The `alerting:` section of prometheus.yml as Prometheus 3 reads it, and
// the Alertmanagers it discovers (URLs, relabelled target labels).
#include "notify/alerting_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cogwatch::notify {
namespace {

TEST(AlertingConfig, ReadsEveryField) {
  const char* yml = R"(
global: {scrape_interval: 15s}
scrape_configs: []
alerting:
  alert_relabel_configs:
    - {action: labeldrop, regex: replica}
  alertmanagers:
    - static_configs: [{targets: ['am1:9093', 'am2:9093'], labels: {dc: a}}]
      scheme: https
      path_prefix: /am
      timeout: 5s
      api_version: v2
      basic_auth: {username: prom, password: secret}
      tls_config: {insecure_skip_verify: true}
      follow_redirects: false
      relabel_configs:
        - {source_labels: [dc], regex: b, action: drop}
      alert_relabel_configs:
        - {target_label: via, replacement: am}
    - file_sd_configs: [{files: [ams/*.json]}]
)";
  auto c = parse_alerting_config(yml, "prometheus.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->alert_relabel_configs.size(), 1u);
  ASSERT_EQ(c->alertmanagers.size(), 2u);
  const AlertmanagerConfig& am = c->alertmanagers[0];
  ASSERT_EQ(am.static_configs.size(), 1u);
  EXPECT_EQ(am.static_configs[0].targets, (std::vector<std::string>{"am1:9093", "am2:9093"}));
  EXPECT_EQ(am.scheme, "https");
  EXPECT_EQ(am.path_prefix, "/am");
  EXPECT_EQ(am.timeout, 5 * kSecond);
  ASSERT_TRUE(am.http_config.basic_auth.has_value());
  EXPECT_EQ(am.http_config.basic_auth->username, "prom");
  EXPECT_TRUE(am.http_config.tls.insecure_skip_verify);
  EXPECT_FALSE(am.http_config.follow_redirects);
  EXPECT_EQ(am.relabel_configs.size(), 1u);
  EXPECT_EQ(am.alert_relabel_configs.size(), 1u);
  const AlertmanagerConfig& sd = c->alertmanagers[1];
  EXPECT_EQ(sd.scheme, "http");
  EXPECT_EQ(sd.timeout, 10 * kSecond);  // Prometheus's default
  ASSERT_EQ(sd.file_sd_configs.size(), 1u);
  EXPECT_EQ(sd.file_sd_configs[0].files, std::vector<std::string>{"ams/*.json"});
}

TEST(AlertingConfig, NoSectionNoAlertmanagers) {
  auto c = parse_alerting_config("scrape_configs: []\n", "p.yml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->alertmanagers.empty());
  EXPECT_TRUE(parse_alerting_config("", "p.yml").ok());
}

TEST(AlertingConfig, ErrorsPointAtTheirPlace) {
  const struct {
    const char* yml;
    const char* error;
  } cases[] = {
      {"alerting:\n  alertmanagers:\n    - api_version: v1\n",
       "p.yml:3:20: expected Alertmanager api version to be one of [v2] but got v1"},
      {"alerting:\n  alertmanagers:\n    - timout: 5s\n", "p.yml:3:7: unknown field \"timout\" in alertmanager config"},
      {"alerting:\n  alertmanager: []\n", "p.yml:2:3: unknown field \"alertmanager\" in alerting config"},
      {"alerting:\n  alertmanagers: {}\n", "p.yml:2:18: alertmanagers must be a list"},
      {"alerting:\n  alertmanagers:\n    - timeout: 5x\n",
       "p.yml:3:16: not a valid duration string: \"5x\" (unknown or misplaced unit \"x\")"},
      {"alerting:\n  alertmanagers:\n    - scheme: ftp\n", "p.yml:3:15: unsupported scheme \"ftp\""},
      {"alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['http://am:9093']}]\n",
       "p.yml:3:35: \"http://am:9093\" is not a valid hostname"},
      {"alerting:\n  alertmanagers:\n    - file_sd_configs: [{files: [ams.txt]}]\n",
       "p.yml:3:34: path \"ams.txt\" is not valid for file discovery (.json, .yml or .yaml)"},
      {"alerting:\n  alert_relabel_configs:\n    - action: shuffle\n",
       "p.yml:3:15: unknown relabel action \"shuffle\""},
      {"alerting:\n  alertmanagers:\n    - bearer_token: a\n      bearer_token_file: b\n",
       "p.yml:3:7: at most one of bearer_token & bearer_token_file must be configured"},
      {"alerting:\n  alertmanagers:\n    - oauth2: {}\n", "p.yml:3:7: unknown field \"oauth2\" in alertmanager config"},
      {"alerting:\n  alertmanagers:\n    - dns_sd_configs: []\n",
       "p.yml:3:7: unknown field \"dns_sd_configs\" in alertmanager config"},
  };
  for (const auto& c : cases) {
    auto r = parse_alerting_config(c.yml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.yml;
    EXPECT_EQ(r.error().message, c.error) << c.yml;
  }
}

TEST(AlertingConfig, UrlsInTargetsPassWhenRelabelled) {
  // Prometheus checks static addresses only without relabel_configs; the
  // relabelled address is checked at discovery.
  auto c = parse_alerting_config(R"(
alerting:
  alertmanagers:
    - static_configs: [{targets: ['http://am:9093']}]
      relabel_configs: [{source_labels: [__address__], regex: 'http://(.*)', target_label: __address__}]
)",
                                 "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto ams = discover_alertmanagers(*c, "");
  ASSERT_TRUE(ams.ok()) << ams.error().message;
  ASSERT_EQ(ams->size(), 1u);
  EXPECT_EQ((*ams)[0].url, "http://am:9093/api/v2/alerts");
  c->alertmanagers[0].relabel_configs.clear();
  auto bad = discover_alertmanagers(*c, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "\"http://am:9093\" is not a valid hostname");
}

TEST(AlertingConfig, AlertsPathIsPathJoin) {
  EXPECT_EQ(alerts_path(""), "/api/v2/alerts");
  EXPECT_EQ(alerts_path("/am"), "/am/api/v2/alerts");
  EXPECT_EQ(alerts_path("am/"), "/am/api/v2/alerts");
  EXPECT_EQ(alerts_path("/a//b/./c/../"), "/a/b/api/v2/alerts");
  EXPECT_EQ(alerts_path("/.."), "/api/v2/alerts");
}

TEST(AlertingConfig, DiscoversTargetsWithPrometheusLabels) {
  const auto dir = std::filesystem::temp_directory_path() / "cogwatch_alerting_config_test";
  std::filesystem::create_directories(dir / "ams");
  std::ofstream(dir / "ams" / "a.json") << R"([{"targets": ["am3:9093"], "labels": {"__scheme__": "https"}}])";
  auto c = parse_alerting_config(R"(
alerting:
  alertmanagers:
    - static_configs: [{targets: ['am1:9093', 'am2:9093', 'am1:9093'], labels: {dc: a}}]
      path_prefix: /am
      relabel_configs:
        - {source_labels: [__address__], regex: 'am2:.*', action: drop}
        - {source_labels: [__alerts_path__], target_label: path}
    - file_sd_configs: [{files: [ams/*.json]}]
    - static_configs: [{targets: ['am1:9093']}]
      path_prefix: /am
)",
                                 "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto ams = discover_alertmanagers(*c, dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(ams.ok()) << ams.error().message;
  ASSERT_EQ(ams->size(), 2u);  // am2 dropped, am1 once
  EXPECT_EQ((*ams)[0].url, "http://am1:9093/am/api/v2/alerts");
  EXPECT_EQ((*ams)[0].labels, (Labels{{"__address__", "am1:9093"},
                                      {"__alerts_path__", "/am/api/v2/alerts"},
                                      {"__scheme__", "http"},
                                      {"dc", "a"},
                                      {"path", "/am/api/v2/alerts"}}));
  EXPECT_EQ((*ams)[0].config, 0u);
  // A group label sets the scheme, as Prometheus's group labels do.
  EXPECT_EQ((*ams)[1].url, "https://am3:9093/api/v2/alerts");
  EXPECT_EQ((*ams)[1].config, 1u);
}

}  // namespace
}  // namespace cogwatch::notify
