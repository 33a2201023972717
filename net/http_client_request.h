// An HTTP request as net::HttpClient sends it and the response it hands
// back, as plain values; and make_http_request(), which builds a request
// from a URL and Prometheus's HTTP client settings (net/http_config.h) as
// Go's client does for Prometheus and Alertmanager: the auth header (secret
// files read at request time), TLS settings, redirects, User-Agent.
//
//   auto request = make_http_request("POST", "https://hooks.example/cog", receiver.http_config);
//   if (!request) return request.take_error();
//   request->body = message_json;
//   request->content_type = "application/json";
//   client.send(*std::move(request), [](Result<HttpClientResponse> r) {
//     if (r && r->status / 100 == 5) ...;  // a status is a response; the caller decides
//   });
//
// No sockets here (library cogwatch_net): requests are built and responses
// judged in code that tests run without a network; net/http_client.h sends.
//
// Thread-safety: plain values; make_http_request() may be called from any
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/time.h"
#include "net/http_config.h"
#include "net/http_message.h"

namespace cogwatch::net {

struct HttpClientRequest {
  std::string method = "GET";
  std::string scheme = "http";  // "http" or "https"
  std::string host;             // a name or an address; IPv6 without brackets
  std::string port;             // "80" or "443" when the URL has none
  std::string target = "/";     // path and query: "/metrics?module=x"
  HttpHeaders headers;          // sent as given; Host, unless given, is host[:port] (no port when the scheme's)
  std::string body;
  std::string content_type;         // sent as Content-Type when not empty
  Duration timeout = 10 * kSecond;  // the whole exchange: connect, TLS, every redirect, the body
  uint64_t body_size_limit = 0;     // response body bytes, on the wire and inflated; 0: none
  TlsConfig tls;                    // for https
  bool follow_redirects = true;     // 301, 302, 303, 307, 308; at most 10

  // "scheme://host:port/target", for errors and status pages (never with
  // credentials).
  std::string url() const;
  // Replaces every field called `name` (any case) by one `name: value`.
  void set_header(std::string_view name, std::string value);
};

struct HttpClientResponse {
  int status = 0;       // any status is a response, not an error
  std::string reason;   // "Service Unavailable", as the server wrote it
  HttpHeaders headers;  // without Content-Encoding and Content-Length when the body was inflated
  std::string body;     // inflated when the server sent Content-Encoding: gzip
  std::string url;      // the URL that answered: the request's, or that of the last redirect

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

// A `method` request for `url` (absolute, http or https; parsed with
// Boost.URL, its fragment dropped) with `config` applied:
//   - Authorization from basic_auth ("Basic base64(user:password)") or
//     authorization ("<type> <credentials>"). password_file and
//     credentials_file are read now, their surrounding whitespace trimmed,
//     so a rotated secret is picked up by the next request. Without either,
//     the URL's user:password gives Basic auth, as in Go's client.
//   - tls_config and follow_redirects.
//   - User-Agent: cogwatch/<version> (set_header() replaces it).
// Errors (kInvalidArgument): "invalid URL \"<url>\": <why>" (does not
// parse, no host, a port over 65535), "unsupported protocol scheme
// \"ftp\"", "cannot read secret file \"<path>\"".
Result<HttpClientRequest> make_http_request(std::string_view method, std::string_view url,
                                            const HttpClientConfig& config);

// A secret kept in a file (password_file, credentials_file, a webhook's
// url_file): its content with surrounding whitespace trimmed, as
// Prometheus and Alertmanager read them. Read at each use, so a rotated
// secret is picked up. Errors (kInvalidArgument): "cannot read secret file
// \"<path>\"".
Result<std::string> read_secret_file(const std::string& path);

}  // namespace cogwatch::net
