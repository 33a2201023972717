#include "scrape/config.h"

#include <gtest/gtest.h>

namespace cogwatch::scrape {
namespace {

TEST(Config, SectionsCogwatchDoesNotImplementAreWarnedAboutAndIgnored) {
  auto c = parse_config("scrape_configs: []\nremote_read: [{url: 'http://x'}]\notlp: {}\n", "prometheus.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->warnings, (std::vector<std::string>{
                             "prometheus.yml:2:1: remote_read is not implemented by cogwatch; the section is ignored",
                             "prometheus.yml:3:1: otlp is not implemented by cogwatch; the section is ignored"}));
  auto quiet = parse_config("scrape_configs: []\nalerting: {}\nnotify: {route: {receiver: a}, receivers: [{name: a}]}\n",
                            "prometheus.yml");
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_TRUE(quiet->warnings.empty());
}

TEST(Config, PrometheusYmlWithDefaults) {
  const char* yml = R"(
global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels: {site: edge-1}
rule_files: [rules/*.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ['127.0.0.1:9093']}]}]
notify:  # cogwatch's built-in notifier, read by notify/config.h
  route: {receiver: ml}
  receivers: [{name: ml}]
scrape_configs:
  - job_name: cog
    static_configs:
      - targets: ['127.0.0.1:5000', 'localhost:5001']
        labels: {env: prod}
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'go_.*'
        action: drop
  - job_name: node
    scrape_interval: 5s
    metrics_path: /m
    params: {format: [prometheus]}
    honor_labels: true
    sample_limit: 1000
    body_size_limit: 10MB
    basic_auth: {username: u, password_file: /secret}
    file_sd_configs: [{files: [targets/*.json], refresh_interval: 1m}]
)";
  auto c = parse_config(yml, "prometheus.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->global.scrape_interval, 15 * kSecond);
  EXPECT_EQ(c->global.scrape_timeout, 10 * kSecond);
  EXPECT_EQ(c->global.evaluation_interval, 30 * kSecond);
  EXPECT_EQ(c->global.external_labels, (Labels{{"site", "edge-1"}}));
  EXPECT_EQ(c->rule_files, std::vector<std::string>{"rules/*.yml"});
  ASSERT_EQ(c->scrape_configs.size(), 2u);
  const ScrapeConfig& cog = c->scrape_configs[0];
  EXPECT_EQ(cog.scrape_interval, 15 * kSecond);
  EXPECT_EQ(cog.scrape_timeout, 10 * kSecond);
  EXPECT_EQ(cog.metrics_path, "/metrics");
  EXPECT_TRUE(cog.honor_timestamps);  // Prometheus's default
  EXPECT_FALSE(cog.honor_labels);
  ASSERT_EQ(cog.static_configs.size(), 1u);
  EXPECT_EQ(cog.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(cog.static_configs[0].labels.get("env"), "prod");
  ASSERT_EQ(cog.metric_relabel_configs.size(), 1u);
  EXPECT_EQ(cog.metric_relabel_configs[0].spec().action, net::RelabelAction::kDrop);
  const ScrapeConfig& node = c->scrape_configs[1];
  EXPECT_EQ(node.scrape_interval, 5 * kSecond);
  EXPECT_EQ(node.scrape_timeout, 5 * kSecond);  // the global 10s, capped at the interval
  EXPECT_EQ(node.params.at("format"), std::vector<std::string>{"prometheus"});
  EXPECT_TRUE(node.honor_labels);
  EXPECT_EQ(node.sample_limit, 1000u);
  EXPECT_EQ(node.body_size_limit, 10ull << 20);
  ASSERT_TRUE(node.http_config.basic_auth.has_value());
  EXPECT_EQ(node.http_config.basic_auth->password_file, "/secret");
  ASSERT_EQ(node.file_sd_configs.size(), 1u);
  EXPECT_EQ(node.file_sd_configs[0].refresh_interval, kMinute);
}

TEST(ScrapeConfigTest, GlobalIntervalUnderTheDefaultTimeoutIsTheTimeout) {
  // As Prometheus's GlobalConfig: without its own scrape_timeout, a 1s
  // global interval gets a 1s timeout, not the default 10s and an error.
  auto c = parse_config("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: a\n", "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->global.scrape_timeout, kSecond);
  EXPECT_EQ(c->scrape_configs[0].scrape_timeout, kSecond);
  EXPECT_EQ(parse_config("global:\n  scrape_interval: 1s\n  scrape_timeout: 2s\n", "p.yml").error().message,
            "p.yml:3:19: global scrape timeout greater than scrape interval");
}

TEST(Config, ErrorsPointAtTheirPlace) {
  const struct {
    const char* yml;
    const char* error;
  } cases[] = {
      {"scrape_configs:\n  - job_name: a\n    scrap_interval: 5s\n",
       "p.yml:3:5: unknown field \"scrap_interval\" in scrape config"},
      {"global:\n  scrape_interval: 5x\n", "p.yml:2:20: not a valid duration string: \"5x\" (unknown or misplaced unit \"x\")"},
      // yaml-cpp alone reads this as an empty file: an empty config.
      {",scrape_configs: []\n", "p.yml:1:1: did not find expected node content"},
      {"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n",
       "p.yml:4:21: scrape timeout greater than scrape interval for scrape config with job name \"a\""},
      {"scrape_configs:\n  - job_name: a\n  - job_name: a\n",
       "p.yml:3:15: found multiple scrape configs with job name \"a\""},
      {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: keep, source_labels: [x], regex: '('}\n",
       "p.yml:4:9: invalid regular expression \"(\": missing ): ("},
      {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n",
       "p.yml:4:9: relabel configuration for hashmod requires non-zero modulus"},
      {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: shuffle\n",
       "p.yml:4:17: unknown relabel action \"shuffle\""},
      {"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['http://x:1']}]\n",
       "p.yml:3:33: \"http://x:1\" is not a valid hostname"},
      {"scrape_configs:\n  - job_name: a\n    sample_limit: -1\n",
       "p.yml:3:19: sample_limit must be a non-negative integer"},
      {"scrape_configs:\n  - job_name: a\n    body_size_limit: 10 MB\n",
       "p.yml:3:22: invalid size \"10 MB\": unknown unit \" MB\""},
      {"scrape_configs: [\n", "p.yml:2:1: end of sequence flow not found"},
      {"foo: 1\n", "p.yml:1:1: unknown field \"foo\" in the configuration"},
      // prometheus/common's HTTPClientConfig.Validate.
      {"scrape_configs:\n  - job_name: a\n    bearer_token: t\n    bearer_token_file: f\n",
       "p.yml:2:5: at most one of bearer_token & bearer_token_file must be configured"},
      {"scrape_configs:\n  - job_name: a\n    bearer_token: t\n    basic_auth: {username: u}\n",
       "p.yml:2:5: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"},
      {"scrape_configs:\n  - job_name: a\n    bearer_token_file: f\n    authorization: {credentials: c}\n",
       "p.yml:2:5: authorization is not compatible with bearer_token & bearer_token_file"},
      {"scrape_configs:\n  - job_name: a\n    authorization: {credentials: c, credentials_file: f}\n",
       "p.yml:3:20: at most one of authorization credentials & credentials_file must be configured"},
      {"scrape_configs:\n  - job_name: a\n    authorization: {type: ' Basic '}\n",
       "p.yml:3:20: authorization type cannot be set to \"basic\", use \"basic_auth\" instead"},
      {"scrape_configs:\n  - job_name: a\n    authorization: {credentials: c}\n    basic_auth: {username: u}\n",
       "p.yml:2:5: at most one of basic_auth, oauth2 & authorization must be configured"},
      // Prometheus reads with yaml.v2's UnmarshalStrict: a repeated field is an error, not the first wins.
      {"global:\n  scrape_interval: 15s\n  scrape_interval: 10s\n",
       "p.yml:3:3: field \"scrape_interval\" already set in global"},
      {"scrape_configs:\n  - job_name: a\n    tls_config: {ca_fil: x}\n",
       "p.yml:3:18: unknown field \"ca_fil\" in tls_config"},
      {"scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c.pem}\n",
       "p.yml:3:17: exactly one of key or key_file must be configured when a client certificate is configured"},
      {"scrape_configs:\n  - job_name: a\n    tls_config: {ca: x, ca_file: y}\n",
       "p.yml:3:17: at most one of ca and ca_file must be configured"},
      {"scrape_configs:\n  - job_name: a\n    tls_config: {min_version: TLS14}\n",
       "p.yml:3:31: unknown TLS version: TLS14"},
      {"scrape_configs:\n  - job_name: a\n    follow_redirects: sometimes\n",
       "p.yml:3:23: follow_redirects must be true or false"},
  };
  for (const auto& c : cases) {
    auto r = parse_config(c.yml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.yml;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, c.error) << c.yml;
  }
}

TEST(Config, TlsAndRedirects) {
  auto c = parse_config(
      "scrape_configs:\n"
      "  - job_name: secure\n"
      "    scheme: https\n"
      "    follow_redirects: false\n"
      "    enable_http2: false\n"
      "    tls_config:\n"
      "      ca_file: ca.pem\n"
      "      cert_file: client.pem\n"
      "      key_file: client.key\n"
      "      server_name: cog.internal\n"
      "      insecure_skip_verify: true\n"
      "      min_version: TLS13\n"
      "  - job_name: plain\n",
      "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const ScrapeConfig& secure = c->scrape_configs[0];
  EXPECT_FALSE(secure.http_config.follow_redirects);
  EXPECT_EQ(secure.http_config.tls, (net::TlsConfig{.ca_file = "ca.pem",
                                                    .cert_file = "client.pem",
                                                    .key_file = "client.key",
                                                    .server_name = "cog.internal",
                                                    .insecure_skip_verify = true,
                                                    .min_version = "TLS13"}));
  EXPECT_TRUE(c->scrape_configs[1].http_config.follow_redirects);
  EXPECT_EQ(c->scrape_configs[1].http_config.tls, net::TlsConfig{});
}

// Prometheus checks static target addresses when the config has no
// relabel_configs: relabelling may still make an address of a URL (the
// relabelled address is checked then, scrape/target.h).
TEST(Config, UrlTargetsPassWithRelabelConfigs) {
  auto c = parse_config(R"(
scrape_configs:
  - job_name: a
    static_configs: [{targets: ['http://x:1']}]
    relabel_configs: [{source_labels: [__address__], regex: 'http://(.*)', target_label: __address__}]
)",
                        "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->scrape_configs[0].static_configs[0].targets, std::vector<std::string>{"http://x:1"});
}

// Prometheus 3's ScrapeConfig.Validate: scrape_native_histograms off and
// the text formats by default; a job that scrapes native histograms asks
// for protobuf first; a global scrape_protocols wins over that, a job's
// own over everything. Unset job fields come from global.
TEST(Config, ScrapeProtocolsAndNativeHistograms) {
  auto c = parse_config(R"(
scrape_configs:
  - job_name: plain
    scrape_protocols:
    fallback_scrape_protocol: ""
  - job_name: native
    scrape_native_histograms: true
    always_scrape_classic_histograms: true
    native_histogram_bucket_limit: 160
    native_histogram_min_bucket_factor: 1.1
  - job_name: own
    scrape_native_histograms: true
    scrape_protocols: [PrometheusText0.0.4]
    fallback_scrape_protocol: PrometheusText1.0.0
)",
                        "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  // An empty list or fallback is the default, as in Prometheus.
  const ScrapeConfig& plain = c->scrape_configs[0];
  EXPECT_FALSE(plain.scrape_native_histograms);
  EXPECT_FALSE(plain.always_scrape_classic_histograms);
  EXPECT_EQ(plain.scrape_protocols, kDefaultScrapeProtocols);
  EXPECT_EQ(plain.fallback_scrape_protocol, std::nullopt);
  EXPECT_EQ(plain.native_histogram_bucket_limit, 0u);
  EXPECT_EQ(plain.native_histogram_min_bucket_factor, 0);
  const ScrapeConfig& native = c->scrape_configs[1];
  EXPECT_TRUE(native.scrape_native_histograms);
  EXPECT_TRUE(native.always_scrape_classic_histograms);
  EXPECT_EQ(native.scrape_protocols, kProtoFirstScrapeProtocols);
  EXPECT_EQ(native.native_histogram_bucket_limit, 160u);
  EXPECT_EQ(native.native_histogram_min_bucket_factor, 1.1);
  const ScrapeConfig& own = c->scrape_configs[2];
  EXPECT_EQ(own.scrape_protocols, std::vector<ScrapeProtocol>{ScrapeProtocol::kPrometheusText0_0_4});
  EXPECT_EQ(own.fallback_scrape_protocol, ScrapeProtocol::kPrometheusText1_0_0);

  auto global = parse_config(R"(
global:
  scrape_native_histograms: true
  always_scrape_classic_histograms: true
scrape_configs:
  - job_name: inherits
  - job_name: off
    scrape_native_histograms: false
    always_scrape_classic_histograms: false
)",
                             "p.yml");
  ASSERT_TRUE(global.ok()) << global.error().message;
  EXPECT_TRUE(global->scrape_configs[0].scrape_native_histograms);
  EXPECT_TRUE(global->scrape_configs[0].always_scrape_classic_histograms);
  EXPECT_EQ(global->scrape_configs[0].scrape_protocols, kProtoFirstScrapeProtocols);
  EXPECT_FALSE(global->scrape_configs[1].scrape_native_histograms);
  EXPECT_FALSE(global->scrape_configs[1].always_scrape_classic_histograms);
  EXPECT_EQ(global->scrape_configs[1].scrape_protocols, kDefaultScrapeProtocols);

  auto listed = parse_config(R"(
global:
  scrape_protocols: [OpenMetricsText1.0.0, PrometheusProto]
scrape_configs:
  - job_name: native
    scrape_native_histograms: true
)",
                             "p.yml");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(listed->global.scrape_protocols,
            (std::vector<ScrapeProtocol>{ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kPrometheusProto}));
  EXPECT_EQ(listed->scrape_configs[0].scrape_protocols, *listed->global.scrape_protocols);
}

TEST(Config, ScrapeProtocolErrorsPointAtTheirPlace) {
  const struct {
    const char* yml;
    const char* error;
  } cases[] = {
      {"global:\n  scrape_protocols: [PrometheusProto, Proto]\n",
       "p.yml:2:21: scrape_protocols: unknown scrape protocol Proto, supported: [OpenMetricsText0.0.1 "
       "OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for global config"},
      {"scrape_configs:\n  - job_name: a\n    scrape_protocols: [PrometheusProto, PrometheusProto]\n",
       "p.yml:3:23: duplicated protocol in scrape_protocols, got [PrometheusProto PrometheusProto] for scrape config "
       "with job name \"a\""},
      {"scrape_configs:\n  - job_name: a\n    scrape_protocols: []\n",
       "p.yml:3:23: scrape_protocols cannot be empty for scrape config with job name \"a\""},
      {"scrape_configs:\n  - job_name: a\n    scrape_protocols: PrometheusProto\n",
       "p.yml:3:23: scrape_protocols must be a list"},
      {"scrape_configs:\n  - job_name: a\n    fallback_scrape_protocol: Text\n",
       "p.yml:3:31: invalid fallback_scrape_protocol for scrape config with job name \"a\": unknown scrape protocol "
       "Text, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 "
       "PrometheusText1.0.0]"},
      {"scrape_configs:\n  - job_name: a\n    scrape_native_histograms: yes please\n",
       "p.yml:3:31: scrape_native_histograms must be true or false"},
      {"scrape_configs:\n  - job_name: a\n    native_histogram_bucket_limit: -5\n",
       "p.yml:3:36: native_histogram_bucket_limit must be a non-negative integer"},
      {"scrape_configs:\n  - job_name: a\n    native_histogram_min_bucket_factor: [2]\n",
       "p.yml:3:41: native_histogram_min_bucket_factor must be a number"},
      {"scrape_configs:\n  - job_name: a\n    convert_classic_histograms_to_nhcb: true\n",
       "p.yml:3:41: convert_classic_histograms_to_nhcb: converting classic histograms to native histograms with "
       "custom buckets is not implemented by cogwatch"},
      {"global:\n  convert_classic_histograms_to_nhcb: true\n",
       "p.yml:2:39: convert_classic_histograms_to_nhcb: converting classic histograms to native histograms with "
       "custom buckets is not implemented by cogwatch"},
      // Only a job sets these, as in Prometheus.
      {"global:\n  native_histogram_bucket_limit: 10\n",
       "p.yml:2:3: unknown field \"native_histogram_bucket_limit\" in global"},
  };
  for (const auto& c : cases) {
    auto r = parse_config(c.yml, "p.yml");
    ASSERT_FALSE(r.ok()) << c.yml;
    EXPECT_EQ(r.error().message, c.error) << c.yml;
  }
  // convert_classic_histograms_to_nhcb: false asks for nothing cogwatch lacks.
  EXPECT_TRUE(
      parse_config("scrape_configs:\n  - job_name: a\n    convert_classic_histograms_to_nhcb: false\n", "p.yml").ok());
}

TEST(Config, EmptyFileIsTheDefaultConfig) {
  auto c = parse_config("", "p.yml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->global.scrape_interval, kMinute);
  EXPECT_TRUE(c->scrape_configs.empty());
}

}  // namespace
}  // namespace cogwatch::scrape
