#include "net/http_config.h"

#include <cctype>

namespace cogwatch::net {
namespace {

TlsConfig read_tls_config(const YamlReader& reader, const YAML::Node& n) {
  YamlReader::Fields f(reader, n, "tls_config",
                       {"ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name", "insecure_skip_verify",
                        "min_version", "max_version"});
  TlsConfig t;
  t.ca = f.string("ca");
  t.ca_file = f.string("ca_file");
  t.cert = f.string("cert");
  t.cert_file = f.string("cert_file");
  t.key = f.string("key");
  t.key_file = f.string("key_file");
  t.server_name = f.string("server_name");
  t.insecure_skip_verify = f.boolean("insecure_skip_verify", false);
  t.min_version = f.string("min_version");
  t.max_version = f.string("max_version");
  // Prometheus's (common/config) checks and words.
  if (!t.ca.empty() && !t.ca_file.empty()) reader.fail(n, "at most one of ca and ca_file must be configured");
  if (!t.cert.empty() && !t.cert_file.empty()) reader.fail(n, "at most one of cert and cert_file must be configured");
  if (!t.key.empty() && !t.key_file.empty()) reader.fail(n, "at most one of key and key_file must be configured");
  const bool has_cert = !t.cert.empty() || !t.cert_file.empty();
  const bool has_key = !t.key.empty() || !t.key_file.empty();
  if (has_cert && !has_key) {
    reader.fail(n, "exactly one of key or key_file must be configured when a client certificate is configured");
  }
  if (has_key && !has_cert) {
    reader.fail(n, "exactly one of cert or cert_file must be configured when a client key is configured");
  }
  for (const char* key : {"min_version", "max_version"}) {
    const std::string v = f.string(key);
    if (!v.empty() && v != "TLS10" && v != "TLS11" && v != "TLS12" && v != "TLS13") {
      reader.fail(f.get(key), "unknown TLS version: " + v);
    }
  }
  return t;
}

}  // namespace

std::vector<std::string_view> with_http_client_fields(std::vector<std::string_view> known) {
  for (std::string_view f : {"basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config",
                             "follow_redirects", "enable_http2"}) {
    known.push_back(f);
  }
  return known;
}

HttpClientConfig read_http_client_config(const YamlReader& reader, const YamlReader::Fields& f) {
  HttpClientConfig c;
  // prometheus/common's HTTPClientConfig.Validate: its checks, order and words.
  const std::string bearer_token = f.string("bearer_token");
  const std::string bearer_token_file = f.string("bearer_token_file");
  const bool bearer = !bearer_token.empty() || !bearer_token_file.empty();
  if (!bearer_token.empty() && !bearer_token_file.empty()) {
    reader.fail(f.node(), "at most one of bearer_token & bearer_token_file must be configured");
  }
  if (f.has("basic_auth")) {
    if (bearer) {
      reader.fail(f.node(), "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
    }
    YamlReader::Fields b(reader, f.get("basic_auth"), "basic_auth", {"username", "password", "password_file"});
    c.basic_auth = BasicAuth{b.string("username"), b.string("password"), b.string("password_file")};
    if (!c.basic_auth->password.empty() && !c.basic_auth->password_file.empty()) {
      reader.fail(f.get("basic_auth"), "at most one of basic_auth password & password_file must be configured");
    }
  }
  if (f.has("authorization")) {
    const YAML::Node n = f.get("authorization");
    YamlReader::Fields a(reader, n, "authorization", {"type", "credentials", "credentials_file"});
    if (bearer) reader.fail(f.node(), "authorization is not compatible with bearer_token & bearer_token_file");
    c.authorization = Authorization{a.string("type"), a.string("credentials"), a.string("credentials_file")};
    if (!c.authorization->credentials.empty() && !c.authorization->credentials_file.empty()) {
      reader.fail(n, "at most one of authorization credentials & credentials_file must be configured");
    }
    std::string& type = c.authorization->type;
    type.erase(0, type.find_first_not_of(" \t\n\r\v\f"));
    type.erase(type.find_last_not_of(" \t\n\r\v\f") + 1);
    if (type.empty()) type = "Bearer";
    std::string lower = type;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "basic") reader.fail(n, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (c.basic_auth) reader.fail(f.node(), "at most one of basic_auth, oauth2 & authorization must be configured");
  } else if (bearer) {
    c.authorization = Authorization{"Bearer", bearer_token, bearer_token_file};
  }
  if (f.has("tls_config")) c.tls = read_tls_config(reader, f.get("tls_config"));
  c.follow_redirects = f.boolean("follow_redirects", true);
  (void)f.boolean("enable_http2", true);  // validated, no effect (HTTP/1.1)
  return c;
}

}  // namespace cogwatch::net
