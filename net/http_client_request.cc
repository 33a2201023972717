// No sockets: URLs (Boost.URL), auth headers and the redirect policy.
#include "net/http_client_request.h"

#include <openssl/evp.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <strings.h>

#include <charconv>

#include "model/file.h"
#include "net/internal/redirect.h"

namespace cogwatch::net {
namespace {

namespace urls = boost::urls;

bool is_authorization(const std::pair<std::string, std::string>& field) {
  return strcasecmp(field.first.c_str(), "Authorization") == 0;
}

std::string basic_auth(std::string_view username, std::string_view password) {
  const std::string plain = std::string(username) + ":" + std::string(password);
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a NUL too
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  out.resize(static_cast<size_t>(n));
  return "Basic " + out;
}

Status add_auth_header(const HttpClientConfig& config, const urls::url_view& url, HttpClientRequest& request) {
  if (config.basic_auth) {
    std::string password = config.basic_auth->password;
    if (!config.basic_auth->password_file.empty()) {
      auto secret = read_secret_file(config.basic_auth->password_file);
      if (!secret) return secret.take_error();
      password = *std::move(secret);
    }
    request.headers.emplace_back("Authorization", basic_auth(config.basic_auth->username, password));
  } else if (config.authorization) {
    std::string credentials = config.authorization->credentials;
    if (!config.authorization->credentials_file.empty()) {
      auto secret = read_secret_file(config.authorization->credentials_file);
      if (!secret) return secret.take_error();
      credentials = *std::move(secret);
    }
    request.headers.emplace_back("Authorization", config.authorization->type + " " + credentials);
  } else if (url.has_userinfo()) {
    request.headers.emplace_back("Authorization", basic_auth(url.user(), url.password()));
  }
  return {};
}

// Points `request` at `url`: scheme, host, port (the scheme's when none),
// path and query. `why` words the errors ("invalid URL \"x\"").
Status set_url(HttpClientRequest& request, const urls::url_view& url, const std::string& why) {
  if (url.scheme_id() != urls::scheme::http && url.scheme_id() != urls::scheme::https) {
    return make_error(ErrorCode::kInvalidArgument, "unsupported protocol scheme \"" + std::string(url.scheme()) + "\"");
  }
  request.scheme = url.scheme_id() == urls::scheme::https ? "https" : "http";
  request.host = url.host_address();
  if (request.host.empty()) return make_error(ErrorCode::kInvalidArgument, why + ": no host");
  const std::string_view port = url.port();
  if (port.empty()) {
    request.port = request.scheme == "https" ? "443" : "80";
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
      return make_error(ErrorCode::kInvalidArgument, why + ": invalid port \"" + std::string(port) + "\"");
    }
    request.port = std::string(port);
  }
  request.target = url.encoded_target();
  if (request.target.empty() || request.target.front() != '/') request.target.insert(0, "/");
  return {};
}

// Go's isDomainOrSubdomain on host:port pairs: where a redirect may take
// the Authorization header.
bool same_or_subdomain(const std::string& dest, std::string_view initial) {
  return dest == initial ||
         (dest.size() > initial.size() && dest.ends_with(initial) && dest[dest.size() - initial.size() - 1] == '.');
}

}  // namespace

Result<std::string> read_secret_file(const std::string& path) {
  auto content = read_file(path);
  if (!content) return make_error(ErrorCode::kInvalidArgument, "cannot read secret file \"" + path + "\"");
  const std::string& s = *content;
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string HttpClientRequest::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + port + target;
}

void HttpClientRequest::set_header(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& field) {
    return field.first.size() == name.size() && strncasecmp(field.first.data(), name.data(), name.size()) == 0;
  });
  headers.emplace_back(std::string(name), std::move(value));
}

Result<HttpClientRequest> make_http_request(std::string_view method, std::string_view url,
                                            const HttpClientConfig& config) {
  const std::string why = "invalid URL \"" + std::string(url) + "\"";
  auto parsed = urls::parse_uri(url);
  if (!parsed) return make_error(ErrorCode::kInvalidArgument, why + ": " + parsed.error().message());
  HttpClientRequest request;
  request.method = std::string(method);
  if (Status s = set_url(request, *parsed, why); !s) return s.take_error();
  request.headers.emplace_back("User-Agent", std::string("cogwatch/") + COGWATCH_VERSION);
  if (Status s = add_auth_header(config, *parsed, request); !s) return s.take_error();
  request.tls = config.tls;
  request.follow_redirects = config.follow_redirects;
  return request;
}

namespace internal {

Result<std::optional<HttpClientRequest>> follow_redirect(const HttpClientRequest& current,
                                                         std::string_view initial_host_port, int status,
                                                         std::string_view location) {
  const bool keeps_body = status == 307 || status == 308;
  if (!current.follow_redirects || location.empty() ||
      !(keeps_body || status == 301 || status == 302 || status == 303)) {
    return std::optional<HttpClientRequest>();
  }
  const std::string why = "failed to parse Location header \"" + std::string(location) + "\"";
  const std::string current_url = current.url();  // parse_uri() views it
  auto base = urls::parse_uri(current_url);
  auto ref = urls::parse_uri_reference(location);
  if (!base || !ref) return make_error(ErrorCode::kInvalidArgument, why + ": " + (base ? ref : base).error().message());
  urls::url resolved;
  if (auto r = urls::resolve(*base, *ref, resolved); !r) {
    return make_error(ErrorCode::kInvalidArgument, why + ": " + r.error().message());
  }
  HttpClientRequest next = current;
  if (Status s = set_url(next, resolved, why); !s) return s.take_error();
  if (!keeps_body) {
    // RFC 7231 lets a client turn a redirected POST into a GET; Go does so
    // for every method but GET and HEAD, and drops the body in any case.
    if (next.method != "GET" && next.method != "HEAD") next.method = "GET";
    next.body.clear();
    next.content_type.clear();
  }
  if (!same_or_subdomain(next.host + ":" + next.port, initial_host_port)) std::erase_if(next.headers, is_authorization);
  return std::optional<HttpClientRequest>(std::move(next));
}

}  // namespace internal
}  // namespace cogwatch::net
