#include "remote/write_config.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace cogwatch::remote {
namespace {

// Headers the sender sets itself (Prometheus's reservedHeaders);
// Authorization has its own message.
constexpr std::string_view kReservedHeaders[] = {
    "host",       "content-encoding",   "content-length",      "content-type",
    "user-agent", "connection",         "keep-alive",          "proxy-authenticate",
    "proxy-authorization",              "www-authenticate",    "accept-encoding",
    "x-prometheus-remote-write-version", "x-prometheus-remote-read-version",
    "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::pair<std::string, std::string>> read_headers(const YamlReader& r, const YAML::Node& n) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) r.fail(n, "headers must be a mapping of header names to values");
  for (const auto& kv : n) {
    const std::string name = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) r.fail(kv.second, "the value of header " + name + " must be a string");
    const std::string l = lower(name);
    if (l == "authorization") {
      r.fail(kv.first, "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, "
                       "azuread or google_iam parameter");
    }
    if (std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), l) != std::end(kReservedHeaders)) {
      r.fail(kv.first, name + " is a reserved header. It must not be changed");
    }
    out.emplace_back(name, kv.second.as<std::string>());
  }
  return out;
}

QueueConfig read_queue(const YamlReader& r, const YAML::Node& n) {
  QueueConfig q;
  if (!n || n.IsNull()) return q;
  const YamlReader::Fields f(r, n, "queue config",
                             {"capacity", "max_shards", "min_shards", "max_samples_per_send", "batch_send_deadline",
                              "min_backoff", "max_backoff", "retry_on_http_429", "sample_age_limit"});
  // Prometheus's zero values mean "the default" (omitempty).
  auto count = [&](const char* key, uint64_t fallback) { return f.has(key) && f.count(key) > 0 ? f.count(key) : fallback; };
  q.capacity = count("capacity", q.capacity);
  q.max_shards = count("max_shards", q.max_shards);
  q.min_shards = count("min_shards", q.min_shards);
  q.max_samples_per_send = count("max_samples_per_send", q.max_samples_per_send);
  q.batch_send_deadline = f.duration("batch_send_deadline", q.batch_send_deadline);
  q.min_backoff = f.duration("min_backoff", q.min_backoff);
  q.max_backoff = f.duration("max_backoff", q.max_backoff);
  q.retry_on_http_429 = f.boolean("retry_on_http_429", q.retry_on_http_429);
  q.sample_age_limit = f.duration("sample_age_limit", q.sample_age_limit);
  // Checks Prometheus leaves to the queue at run time, or does not make:
  // a queue that can never send is a configuration error here.
  if (q.min_shards > q.max_shards) r.fail(f.get("min_shards"), "min_shards is greater than max_shards");
  if (q.min_backoff > q.max_backoff) r.fail(f.get("min_backoff"), "min_backoff is greater than max_backoff");
  if (q.batch_send_deadline <= 0) r.fail(f.get("batch_send_deadline"), "batch_send_deadline must be positive");
  return q;
}

MetadataConfig read_metadata(const YamlReader& r, const YAML::Node& n) {
  MetadataConfig m;
  if (!n || n.IsNull()) return m;
  const YamlReader::Fields f(r, n, "metadata config", {"send", "send_interval", "max_samples_per_send"});
  m.send = f.boolean("send", m.send);
  m.send_interval = f.duration("send_interval", m.send_interval);
  if (f.has("max_samples_per_send") && f.count("max_samples_per_send") > 0) {
    m.max_samples_per_send = f.count("max_samples_per_send");
  }
  return m;
}

RemoteWriteConfig read_one(const YamlReader& r, const YAML::Node& n) {
  const YamlReader::Fields f(
      r, n, "remote write config",
      net::with_http_client_fields({"url", "name", "remote_timeout", "headers", "write_relabel_configs",
                                    "send_exemplars", "send_native_histograms", "round_robin_dns",
                                    "protobuf_message", "queue_config", "metadata_config"}));
  RemoteWriteConfig c;
  c.url = f.string("url");
  if (c.url.empty()) r.fail(n, "url for remote_write is empty");
  if (!c.url.starts_with("http://") && !c.url.starts_with("https://")) {
    r.fail(f.get("url"), "unsupported scheme in remote write url \"" + c.url + "\" (http or https)");
  }
  c.name = f.string("name");
  c.remote_timeout = f.duration("remote_timeout", c.remote_timeout);
  c.headers = read_headers(r, f.get("headers"));
  c.write_relabel_configs = net::read_relabel_configs(r, f.get("write_relabel_configs"), "write relabel config");
  c.send_exemplars = f.boolean("send_exemplars", false);
  c.send_native_histograms = f.boolean("send_native_histograms", false);
  c.round_robin_dns = f.boolean("round_robin_dns", false);
  if (const std::string m = f.string("protobuf_message", "prometheus.WriteRequest"); m == "io.prometheus.write.v2.Request") {
    c.protobuf_message = WriteProtocol::kV2;
  } else if (m != "prometheus.WriteRequest") {
    r.fail(f.get("protobuf_message"), "invalid protobuf_message value: unknown type for remote write protobuf message " +
                                          m + ", supported: prometheus.WriteRequest, io.prometheus.write.v2.Request");
  }
  c.http_config = net::read_http_client_config(r, f);
  c.queue = read_queue(r, f.get("queue_config"));
  c.metadata = read_metadata(r, f.get("metadata_config"));
  const std::string text = YAML::Dump(n);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  c.digest = hex;
  return c;
}

}  // namespace

std::vector<RemoteWriteConfig> read_remote_write_configs(const YamlReader& r, const YAML::Node& n) {
  std::vector<RemoteWriteConfig> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) r.fail(n, "remote_write must be a list");
  std::set<std::string> names;
  for (const auto& item : n) {
    // A null entry has no place of its own in yaml-cpp: the list's.
    if (!item || item.IsNull()) r.fail(n, "empty or null remote write config section");
    RemoteWriteConfig c = read_one(r, item);
    if (!c.name.empty() && !names.insert(c.name).second) {
      r.fail(item["name"], "found multiple remote write configs with job name \"" + c.name + "\"");
    }
    out.push_back(std::move(c));
  }
  // Unnamed queues are named by their digest, so two identical entries
  // would be one queue twice: Prometheus refuses them too.
  std::set<std::string> digests;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!digests.insert(out[i].queue_name()).second) {
      r.fail(n[i], "duplicate remote write configs are not allowed, found duplicate for URL: " + out[i].url);
    }
  }
  return out;
}

Result<std::vector<RemoteWriteConfig>> parse_remote_write_configs(std::string_view text, const std::string& filename) {
  return read_yaml_document(text, filename, [](const YamlReader& r, const YAML::Node& root) {
    if (!root || root.IsNull()) return std::vector<RemoteWriteConfig>{};
    if (!root.IsMap()) r.fail(root, "the configuration must be a mapping");
    return read_remote_write_configs(r, root["remote_write"]);
  });
}

}  // namespace cogwatch::remote
