// The `remote_write` section of prometheus.yml, as Prometheus 3 reads it:
// where the store's samples are sent, how they are relabelled on the way,
// and how the queue that sends them behaves.
//
//   remote_write:
//     - url: http://victoria:8428/api/v1/write
//       name: central
//       remote_timeout: 30s
//       headers: {X-Scope-OrgID: edge-7}
//       write_relabel_configs: [{action: drop, source_labels: [__name__], regex: go_.*}]
//       protobuf_message: io.prometheus.write.v2.Request
//       basic_auth: {username: edge, password_file: /etc/rw.pass}
//       queue_config: {max_shards: 10, batch_send_deadline: 5s}
//
//   Result<std::vector<RemoteWriteConfig>> rw = parse_remote_write_configs(yml_text, "prometheus.yml");
//
// Read as strictly as Prometheus reads it (unknown and repeated fields are
// errors at their place, in model/yaml_reader.h's words), with its
// defaults and checks: a missing url ("url for remote_write is empty"),
// reserved or Authorization headers, an unknown protobuf_message, two
// queues with the same name. send_native_histograms is Prometheus's
// (remote/queue.h: 1.0 sends native histograms only when it is set, 2.0
// always); send_exemplars and round_robin_dns are accepted (cogwatch
// stores no exemplars; DNS is resolved per connection). sigv4, azuread,
// google_iam, oauth2 and proxy_url are unknown fields here.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/time.h"
#include "model/yaml_reader.h"
#include "net/http_config.h"
#include "net/relabel.h"
#include "remote/write_request.h"

namespace cogwatch::remote {

// queue_config: the shards that send, and how they retry. Prometheus's
// defaults.
struct QueueConfig {
  uint64_t capacity = 10'000;              // samples buffered per shard
  uint64_t max_shards = 50;
  uint64_t min_shards = 1;
  uint64_t max_samples_per_send = 2'000;
  Duration batch_send_deadline = 5 * kSecond;  // longest a sample waits for its batch to fill
  Duration min_backoff = 30 * kMillisecond;    // after a failed send, doubling up to max_backoff
  Duration max_backoff = 5 * kSecond;
  bool retry_on_http_429 = false;  // false: a 429 drops the batch, as other 4xx do
  Duration sample_age_limit = 0;   // older samples are dropped instead of sent; 0: no limit
};

// metadata_config: metric metadata (TYPE, HELP, UNIT) sent alongside.
struct MetadataConfig {
  bool send = true;
  Duration send_interval = kMinute;
  uint64_t max_samples_per_send = 2'000;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;  // as configured; may be empty (queue_name() then derives one)
  Duration remote_timeout = 30 * kSecond;
  std::vector<std::pair<std::string, std::string>> headers;  // in the file's order
  std::vector<net::RelabelConfig> write_relabel_configs;
  WriteProtocol protobuf_message = WriteProtocol::kV1;
  bool send_exemplars = false;
  bool send_native_histograms = false;  // 1.0 only: 2.0 always sends them
  bool round_robin_dns = false;
  net::HttpClientConfig http_config;
  QueueConfig queue;
  MetadataConfig metadata;
  // A digest of the entry's text: names an unnamed queue, and tells a
  // reload whether the queue changed.
  std::string digest;

  // The queue's name in metrics, logs and on disk: `name`, or the first
  // six hex digits of the digest, as Prometheus names unnamed queues.
  std::string queue_name() const { return name.empty() ? digest.substr(0, 6) : name; }
};

// Reads the `remote_write` node (absent or null: no queues). Fails as
// YamlReader does (throws YamlReader::Error at the bad place); call it
// inside read_yaml_document().
std::vector<RemoteWriteConfig> read_remote_write_configs(const YamlReader& reader, const YAML::Node& node);

// The `remote_write` section of a whole prometheus.yml text.
// Errors: kInvalidArgument, "<filename>:<line>:<col>: <what>".
Result<std::vector<RemoteWriteConfig>> parse_remote_write_configs(std::string_view text, const std::string& filename);

}  // namespace cogwatch::remote
