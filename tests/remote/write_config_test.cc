#include "remote/write_config.h"

#include <string>

#include <gtest/gtest.h>

namespace cogwatch::remote {
namespace {

std::vector<RemoteWriteConfig> parse_ok(const std::string& yml) {
  auto r = parse_remote_write_configs(yml, "prometheus.yml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<RemoteWriteConfig>{};
}

std::string error_of(const std::string& yml) {
  auto r = parse_remote_write_configs(yml, "prometheus.yml");
  return r.ok() ? "" : r.error().message;
}

TEST(RemoteWriteConfig, NoSectionNoQueues) {
  EXPECT_TRUE(parse_ok("global: {scrape_interval: 15s}\n").empty());
  EXPECT_TRUE(parse_ok("remote_write:\n").empty());
}

TEST(RemoteWriteConfig, DefaultsArePrometheuss) {
  const auto c = parse_ok("remote_write:\n  - url: http://vm:8428/api/v1/write\n");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].url, "http://vm:8428/api/v1/write");
  EXPECT_EQ(c[0].remote_timeout, 30 * kSecond);
  EXPECT_EQ(c[0].protobuf_message, WriteProtocol::kV1);
  EXPECT_EQ(c[0].queue.capacity, 10'000u);
  EXPECT_EQ(c[0].queue.max_shards, 50u);
  EXPECT_EQ(c[0].queue.min_shards, 1u);
  EXPECT_EQ(c[0].queue.max_samples_per_send, 2'000u);
  EXPECT_EQ(c[0].queue.batch_send_deadline, 5 * kSecond);
  EXPECT_EQ(c[0].queue.min_backoff, 30 * kMillisecond);
  EXPECT_EQ(c[0].queue.max_backoff, 5 * kSecond);
  EXPECT_FALSE(c[0].queue.retry_on_http_429);
  EXPECT_EQ(c[0].queue.sample_age_limit, 0);
  EXPECT_TRUE(c[0].metadata.send);
  EXPECT_EQ(c[0].metadata.send_interval, kMinute);
  EXPECT_TRUE(c[0].http_config.follow_redirects);
  // Unnamed: six hex digits of its digest, the same for the same text.
  EXPECT_EQ(c[0].queue_name().size(), 6u);
  EXPECT_EQ(parse_ok("remote_write:\n  - url: http://vm:8428/api/v1/write\n")[0].queue_name(), c[0].queue_name());
  EXPECT_NE(parse_ok("remote_write:\n  - url: http://vm:8429/api/v1/write\n")[0].queue_name(), c[0].queue_name());
}

TEST(RemoteWriteConfig, EveryField) {
  const auto c = parse_ok(R"(remote_write:
  - url: https://mimir.example/api/v1/push
    name: central
    remote_timeout: 10s
    headers: {X-Scope-OrgID: edge-7, X-Extra: "1"}
    write_relabel_configs:
      - {source_labels: [__name__], regex: go_.*, action: drop}
    send_exemplars: true
    send_native_histograms: true
    round_robin_dns: true
    protobuf_message: io.prometheus.write.v2.Request
    basic_auth: {username: edge, password: secret}
    tls_config: {insecure_skip_verify: true}
    queue_config:
      capacity: 2500
      max_shards: 10
      min_shards: 2
      max_samples_per_send: 500
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 10s
      retry_on_http_429: true
      sample_age_limit: 1h
    metadata_config: {send: false, send_interval: 30s, max_samples_per_send: 100}
  - url: http://vm:8428/api/v1/write
    name: local
)");
  ASSERT_EQ(c.size(), 2u);
  const RemoteWriteConfig& a = c[0];
  EXPECT_EQ(a.queue_name(), "central");
  EXPECT_EQ(a.remote_timeout, 10 * kSecond);
  ASSERT_EQ(a.headers.size(), 2u);
  EXPECT_EQ(a.headers[0], (std::pair<std::string, std::string>{"X-Scope-OrgID", "edge-7"}));
  EXPECT_EQ(a.write_relabel_configs.size(), 1u);
  EXPECT_TRUE(a.send_exemplars);
  EXPECT_EQ(a.protobuf_message, WriteProtocol::kV2);
  ASSERT_TRUE(a.http_config.basic_auth);
  EXPECT_EQ(a.http_config.basic_auth->username, "edge");
  EXPECT_TRUE(a.http_config.tls.insecure_skip_verify);
  EXPECT_EQ(a.queue.capacity, 2500u);
  EXPECT_EQ(a.queue.max_shards, 10u);
  EXPECT_EQ(a.queue.min_shards, 2u);
  EXPECT_EQ(a.queue.max_samples_per_send, 500u);
  EXPECT_EQ(a.queue.batch_send_deadline, kSecond);
  EXPECT_EQ(a.queue.min_backoff, 100 * kMillisecond);
  EXPECT_EQ(a.queue.max_backoff, 10 * kSecond);
  EXPECT_TRUE(a.queue.retry_on_http_429);
  EXPECT_EQ(a.queue.sample_age_limit, kHour);
  EXPECT_FALSE(a.metadata.send);
  EXPECT_EQ(a.metadata.send_interval, 30 * kSecond);
  EXPECT_EQ(a.metadata.max_samples_per_send, 100u);
  EXPECT_EQ(c[1].queue_name(), "local");
}

TEST(RemoteWriteConfig, ErrorsInPrometheussWordsAtTheirPlace) {
  EXPECT_EQ(error_of("remote_write:\n  - name: x\n"), "prometheus.yml:2:5: url for remote_write is empty");
  EXPECT_EQ(error_of("remote_write:\n  -\n"), "prometheus.yml:2:3: empty or null remote write config section");
  EXPECT_EQ(error_of("remote_write:\n  - url: http://a/w\n    headers: {x-prometheus-remote-write-version: '2'}\n"),
            "prometheus.yml:3:15: x-prometheus-remote-write-version is a reserved header. It must not be changed");
  EXPECT_EQ(error_of("remote_write:\n  - url: http://a/w\n    headers: {Authorization: Bearer x}\n"),
            "prometheus.yml:3:15: authorization header must be changed via the basic_auth, authorization, oauth2, "
            "sigv4, azuread or google_iam parameter");
  EXPECT_EQ(error_of("remote_write:\n  - url: http://a/w\n    protobuf_message: io.prometheus.writet.v2.Request\n"),
            "prometheus.yml:3:23: invalid protobuf_message value: unknown type for remote write protobuf message "
            "io.prometheus.writet.v2.Request, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request");
  EXPECT_EQ(error_of("remote_write:\n  - {url: http://a/w, name: queue1}\n  - {url: http://b/w, name: queue1}\n"),
            "prometheus.yml:3:29: found multiple remote write configs with job name \"queue1\"");
  EXPECT_EQ(error_of("remote_write:\n  - url: http://a/w\n  - url: http://a/w\n"),
            "prometheus.yml:3:5: duplicate remote write configs are not allowed, found duplicate for URL: http://a/w");
  EXPECT_NE(error_of("remote_write:\n  - url: http://a/w\n    sigv4: {region: eu}\n").find("prometheus.yml:3:5: "),
            std::string::npos);
  EXPECT_EQ(error_of("remote_write:\n  - url: ftp://a/w\n"),
            "prometheus.yml:2:10: unsupported scheme in remote write url \"ftp://a/w\" (http or https)");
  EXPECT_EQ(error_of("remote_write:\n  - url: http://a/w\n    queue_config: {min_shards: 5, max_shards: 2}\n"),
            "prometheus.yml:3:32: min_shards is greater than max_shards");
  EXPECT_NE(error_of("remote_write:\n  - url: http://a/w\n    basic_auth: {username: a}\n    bearer_token: x\n"), "");
  EXPECT_NE(error_of("remote_write:\n  - url: http://a/w\n    queue_config: {max_shards: -1}\n"), "");
  EXPECT_EQ(error_of("remote_write: {url: http://a/w}\n"), "prometheus.yml:1:15: remote_write must be a list");
}

}  // namespace
}  // namespace cogwatch::remote
