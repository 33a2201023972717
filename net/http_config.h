// Prometheus's HTTP client settings (prometheus/common's HTTPClientConfig):
// `basic_auth`, `authorization`, `bearer_token(_file)`, `tls_config`,
// `follow_redirects`, `enable_http2`, as scrape configs, Alertmanager
// configs and webhook receivers all write them, with the same checks and
// words.
//
//   YamlReader::Fields f(reader, node, "webhook config", with_http_client_fields({"url", "send_resolved"}));
//   HttpClientConfig http = read_http_client_config(reader, f);
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/yaml_reader.h"

namespace cogwatch::net {

struct BasicAuth {
  std::string username;
  std::string password;
  std::string password_file;
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;
};

// tls_config: how https targets are verified, and the client certificate.
// PEM either inline (ca, cert, key) or from files read when a target's
// connection is set up.
struct TlsConfig {
  std::string ca, ca_file;
  std::string cert, cert_file;
  std::string key, key_file;
  std::string server_name;  // expected in the certificate, and sent as SNI; default: the target's host
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS10", "TLS11", "TLS12", "TLS13"; empty: TLS12, as Prometheus
  std::string max_version;  // empty: the highest the library has

  bool operator==(const TlsConfig&) const = default;
};

struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // bearer_token(_file) end up here too
  TlsConfig tls;
  bool follow_redirects = true;  // 3xx answers followed, up to 10 (Go's http client)
  // enable_http2 is accepted and has no effect: requests go over HTTP/1.1,
  // which every HTTP/2 server also speaks.
};

// `known` plus the HTTP client fields above, for a Fields whose mapping
// holds them inline (a scrape config, an Alertmanager config).
std::vector<std::string_view> with_http_client_fields(std::vector<std::string_view> known);

// Reads the HTTP client fields of a mapping (fails at the place of a bad
// one, as YamlReader does) with prometheus/common's checks and words
// (HTTPClientConfig.Validate: "at most one of bearer_token &
// bearer_token_file must be configured", "authorization is not compatible
// with bearer_token & bearer_token_file", an authorization of type "basic",
// ...), TLS file pairs, TLS versions.
HttpClientConfig read_http_client_config(const YamlReader& reader, const YamlReader::Fields& fields);

}  // namespace cogwatch::net
