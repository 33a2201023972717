// The web configuration file of Prometheus's --web.config.file (the
// exporter-toolkit format): TLS for the server, extra response headers and
// basic-auth users with bcrypt hashes. No sockets here: the file is read
// into a WebConfig, requests are checked against it by WebAuth, and
// net/http_server.h serves TLS from its TlsServerConfig.
//
//   auto config = load_web_config("web.yml");  // errors: "web.yml:3:5: ..."
//   WebAuth auth;
//   HttpResponse r = auth.serve(*config, request, handler);  // 401 or the handler's answer
//
//   tls_server_config:
//     cert_file: server.crt            # relative to the file's directory
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert
//     client_ca_file: ca.crt
//     min_version: TLS12                # TLS10..TLS13; default TLS12, max TLS13
//     cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]  # Go's names, TLS <= 1.2
//     prefer_server_cipher_suites: true
//     curve_preferences: [X25519, CurveP256]
//   http_server_config:
//     http2: false                      # HTTP/1.1 only: `true` is an error
//     headers: {X-Frame-Options: deny}
//   basic_auth_users:
//     alice: $2y$10$...                 # bcrypt
//
// What differs from exporter-toolkit, so nothing is accepted and silently
// ignored: `http2: true`, `client_allowed_sans`, `rate_limit` and TLS 1.3
// names in cipher_suites are errors; a tls_server_config with settings but
// neither cert nor key is an error (exporter-toolkit would serve plain HTTP).
//
// Thread-safety: WebConfig is a plain value; WebAuth may be used from any
// number of threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "net/http_message.h"

namespace cogwatch::net {

// How a server asks for client certificates (Go's tls.ClientAuthType).
enum class ClientAuth : uint8_t {
  kNone,                  // NoClientCert
  kRequest,               // RequestClientCert: asked, not required, not verified
  kRequireAny,            // RequireAnyClientCert: required, not verified
  kVerifyIfGiven,         // VerifyClientCertIfGiven
  kRequireAndVerify,      // RequireAndVerifyClientCert
};

// A server's TLS settings with the PEM the files held when they were read.
// Equal values make the same OpenSSL context (net/http_server.h reuses it).
struct TlsServerConfig {
  std::string cert_pem;       // the certificate chain
  std::string key_pem;
  std::string client_ca_pem;  // may be empty
  ClientAuth client_auth = ClientAuth::kNone;
  int min_version = 0x0303;   // TLS 1.2 (OpenSSL's TLS1_2_VERSION)
  int max_version = 0x0304;   // TLS 1.3
  std::string cipher_list;    // OpenSSL names joined by ':'; empty: OpenSSL's default (TLS <= 1.2 only)
  bool prefer_server_ciphers = true;
  std::string groups_list;    // OpenSSL group names joined by ':'; empty: the default

  bool operator==(const TlsServerConfig&) const = default;
};

struct WebConfig {
  std::shared_ptr<const TlsServerConfig> tls;  // null: plain HTTP
  HttpHeaders headers;                         // added to every response
  std::map<std::string, std::string> users;    // user -> bcrypt hash; empty: no authentication
};

// Parses the file's text. Relative file names are taken relative to
// `filename`'s directory, and the files named (cert, key, client CA) are
// read and checked (the key matches the certificate). Errors
// (kInvalidArgument): "<file>:<line>:<col>: <what>" for the YAML, as
// exporter-toolkit's words for the rest ("missing one of cert or
// cert_file", "client CA's have been configured without a Client Auth
// Policy", a bcrypt hash that is not one).
Result<WebConfig> parse_web_config(std::string_view text, const std::string& filename);
// read_file + parse_web_config.
Result<WebConfig> load_web_config(const std::string& path);

// Basic authentication as exporter-toolkit's webHandler: with users, every
// request needs `Authorization: Basic` with a user and a password its bcrypt
// hash matches; otherwise 401 "Unauthorized" with `WWW-Authenticate: Basic`.
// An unknown user is checked against a fixed hash, so timing does not tell
// users apart. Successful checks are cached (user, hash, sha256(password)),
// at most kCacheSize of them, so bcrypt runs once per credential; bcrypt
// runs one at a time, as in exporter-toolkit.
class WebAuth {
 public:
  static constexpr size_t kCacheSize = 100;

  // Whether the request may pass.
  bool authorized(const WebConfig& config, const HttpRequest& request);
  // The handler's response, or 401; config.headers on either.
  HttpResponse serve(const WebConfig& config, const HttpRequest& request, const HttpHandler& handler);
  // Successful checks cached now.
  size_t cached() const;

 private:
  bool check_password(const std::string& user, const std::string& hash, std::string_view password);

  mutable std::mutex cache_mu_;
  std::map<std::string, uint64_t> cache_;  // sha256 key -> insertion number; guarded by cache_mu_
  uint64_t inserted_ = 0;                  // guarded by cache_mu_
  std::mutex bcrypt_mu_;
};

// What one connection is served with, decided when it is accepted
// (net/http_server.h's HttpServerOptions::connection).
struct ConnectionConfig {
  std::shared_ptr<const TlsServerConfig> tls;  // null: plain HTTP
  HttpHandler handler;                         // null: the server's handler
};

// HttpServerOptions::connection for a server behind the web config file at
// `path`: the file is read again for every new connection, as Prometheus's
// exporter-toolkit does (so a changed file, users or certificates, applies
// to the next connection without a restart), and `handler` is served behind
// its basic auth and headers. A file that no longer loads closes the
// connection and is passed to on_error.
std::function<Result<ConnectionConfig>()> web_config_connections(std::string path, HttpHandler handler,
                                                                  std::function<void(const Error&)> on_error);

// Whether `hash` matches `password` with bcrypt (libxcrypt); false for
// anything that is not a bcrypt hash. Compares in constant time.
bool bcrypt_matches(std::string_view password, const std::string& hash);

}  // namespace cogwatch::net
