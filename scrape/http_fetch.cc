// The one translation unit of scrape/ that includes Beast.
#include "scrape/http_fetch.h"

#include <zlib.h>

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <chrono>
#include <map>
#include <sstream>

#include "model/file.h"
#include "model/url.h"

namespace cogwatch::scrape {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Secret files hold one value; Prometheus trims surrounding whitespace.
Result<std::string> read_secret_file(const std::string& path) {
  auto content = read_file(path);
  if (!content) return make_error(ErrorCode::kInvalidArgument, "cannot read secret file \"" + path + "\"");
  const std::string& s = *content;
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8 | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (const size_t rest = in.size() - i; rest > 0) {
    const uint32_t n = uint8_t(in[i]) << 16 | (rest == 2 ? uint8_t(in[i + 1]) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Status add_auth_header(const net::HttpClientConfig& config, ScrapeRequest& request) {
  if (config.basic_auth) {
    std::string password = config.basic_auth->password;
    if (!config.basic_auth->password_file.empty()) {
      auto secret = read_secret_file(config.basic_auth->password_file);
      if (!secret) return secret.take_error();
      password = *std::move(secret);
    }
    request.headers.emplace_back("Authorization", "Basic " + base64(config.basic_auth->username + ":" + password));
  } else if (config.authorization) {
    std::string credentials = config.authorization->credentials;
    if (!config.authorization->credentials_file.empty()) {
      auto secret = read_secret_file(config.authorization->credentials_file);
      if (!secret) return secret.take_error();
      credentials = *std::move(secret);
    }
    request.headers.emplace_back("Authorization", config.authorization->type + " " + credentials);
  }
  return {};
}

// "host:port", "[::1]:port" or a bare host.
Status split_address(std::string_view address, const std::string& scheme, ScrapeRequest& request) {
  std::string_view host = address;
  std::string_view port;
  if (address.starts_with('[')) {
    const size_t close = address.find(']');
    if (close == std::string_view::npos) return make_error(ErrorCode::kInvalidArgument, "invalid address \"" + std::string(address) + "\"");
    host = address.substr(1, close - 1);
    if (close + 1 < address.size()) {
      if (address[close + 1] != ':') return make_error(ErrorCode::kInvalidArgument, "invalid address \"" + std::string(address) + "\"");
      port = address.substr(close + 2);
    }
  } else if (const size_t colon = address.rfind(':'); colon != std::string_view::npos) {
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty() || (address.find(':') != address.rfind(':') && !address.starts_with('['))) {
    return make_error(ErrorCode::kInvalidArgument, "invalid address \"" + std::string(address) + "\"");
  }
  request.host = std::string(host);
  request.port = port.empty() ? (scheme == "https" ? "443" : "80") : std::string(port);
  return {};
}


int tls_version(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;
}

// The client side of tls_config. Files are read here, when a fetcher first
// connects to an https target.
Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const net::TlsConfig& c) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, tls_version(c.min_version.empty() ? "TLS12" : c.min_version));
  if (!c.max_version.empty()) SSL_CTX_set_max_proto_version(native, tls_version(c.max_version));
  auto failed = [](const std::string& what, const boost::system::error_code& ec) {
    return make_error(ErrorCode::kInvalidArgument, what + ": " + ec.message());
  };
  boost::system::error_code ec;
  if (!c.ca.empty()) {
    if (ctx->add_certificate_authority(asio::buffer(c.ca), ec); ec) return failed("unable to use inline CA cert", ec);
  } else if (!c.ca_file.empty()) {
    if (ctx->load_verify_file(c.ca_file, ec); ec) return failed("unable to load specified CA cert " + c.ca_file, ec);
  } else if (ctx->set_default_verify_paths(ec); ec) {
    return failed("unable to load the system CA certificates", ec);
  }
  if (!c.cert.empty()) {
    if (ctx->use_certificate_chain(asio::buffer(c.cert), ec); ec) return failed("unable to use inline client cert", ec);
  } else if (!c.cert_file.empty()) {
    if (ctx->use_certificate_chain_file(c.cert_file, ec); ec) {
      return failed("unable to use specified client cert (" + c.cert_file + ")", ec);
    }
  }
  if (!c.key.empty()) {
    if (ctx->use_private_key(asio::buffer(c.key), asio::ssl::context::pem, ec); ec) {
      return failed("unable to use inline client key", ec);
    }
  } else if (!c.key_file.empty()) {
    if (ctx->use_private_key_file(c.key_file, asio::ssl::context::pem, ec); ec) {
      return failed("unable to use specified client key (" + c.key_file + ")", ec);
    }
  }
  ctx->set_verify_mode(c.insecure_skip_verify ? asio::ssl::verify_none : asio::ssl::verify_peer);
  return ctx;
}

bool is_redirect(http::status s) {
  using enum http::status;
  return s == moved_permanently || s == found || s == see_other || s == temporary_redirect ||
         s == permanent_redirect;
}

// Go's isDomainOrSubdomain on host:port pairs: where a redirect may take
// the Authorization header.
bool same_or_subdomain(const std::string& dest, const std::string& initial) {
  return dest == initial || (dest.size() > initial.size() && dest.ends_with(initial) &&
                             dest[dest.size() - initial.size() - 1] == '.');
}

// The request a Location header points to, resolved against `from` (an
// absolute URL, //host/path, /path or a path relative to from's directory).
Result<ScrapeRequest> redirect_request(const ScrapeRequest& from, std::string_view location) {
  ScrapeRequest to = from;
  if (location.empty()) return make_error(ErrorCode::kInvalidArgument, "redirect without a Location header");
  std::string_view rest = location;
  if (const size_t colon = location.find("://"); colon != std::string_view::npos) {
    to.scheme = std::string(location.substr(0, colon));
    for (char& c : to.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (to.scheme != "http" && to.scheme != "https") {
      return make_error(ErrorCode::kInvalidArgument, "redirect to unsupported scheme \"" + to.scheme + "\"");
    }
    rest = location.substr(colon + 1);  // "//host/path"
  }
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const size_t end = std::min(rest.find_first_of("/?"), rest.size());
    if (Status s = split_address(rest.substr(0, end), to.scheme, to); !s) return s.take_error();
    rest.remove_prefix(end);
    to.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
  } else if (rest.starts_with('/')) {
    to.target = std::string(rest);
  } else {
    const std::string_view path = std::string_view(from.target).substr(0, from.target.find('?'));
    to.target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(rest);
  }
  return to;
}

}  // namespace

std::string ScrapeRequest::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + port + target;
}

Result<ScrapeRequest> make_scrape_request(const ScrapeConfig& config, const Labels& target) {
  ScrapeRequest request;
  request.scheme = std::string(target.get("__scheme__"));
  if (request.scheme.empty()) request.scheme = config.scheme;
  if (Status s = split_address(target.get("__address__"), request.scheme, request); !s) return s.take_error();

  // Configured params, each overridden (first value) by its __param_ label;
  // encoded sorted by name, as Go's url.Values does.
  std::map<std::string, std::vector<std::string>> params = config.params;
  for (const auto& label : target) {
    if (!label.name.starts_with("__param_")) continue;
    auto& values = params[std::string(label.name.substr(8))];
    if (values.empty()) values.emplace_back(label.value);
    else values.front() = std::string(label.value);
  }
  request.target = std::string(target.get("__metrics_path__"));
  if (request.target.empty()) request.target = config.metrics_path;
  char sep = request.target.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, values] : params) {
    for (const std::string& value : values) {
      request.target += sep + query_escape(name) + "=" + query_escape(value);
      sep = '&';
    }
  }

  const double timeout_seconds = static_cast<double>(config.scrape_timeout) / kSecond;
  std::ostringstream timeout_header;
  timeout_header << timeout_seconds;
  request.headers = {
      {"Accept", std::string(kScrapeAcceptHeader)},
      {"Accept-Encoding", "gzip"},
      {"User-Agent", std::string("cogwatch/") + COGWATCH_VERSION},
      {"X-Prometheus-Scrape-Timeout-Seconds", timeout_header.str()},
  };
  if (Status s = add_auth_header(config.http_config, request); !s) return s.take_error();
  request.timeout = config.scrape_timeout;
  request.body_size_limit = config.body_size_limit;
  request.tls = config.http_config.tls;
  request.follow_redirects = config.http_config.follow_redirects;
  return request;
}

Result<std::string> gunzip(std::string_view compressed, uint64_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(ErrorCode::kInternal, "inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const size_t before = out.size();
    out.resize(before + std::max<size_t>(64 * 1024, compressed.size() * 2));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    zs.avail_out = static_cast<uInt>(out.size() - before);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(out.size() - zs.avail_out);
    if (limit != 0 && out.size() > limit) {
      inflateEnd(&zs);
      return make_error(ErrorCode::kResourceExhausted,
                        "body size limit exceeded: more than " + std::to_string(limit) + " bytes decompressed");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input: reported below
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error(ErrorCode::kInvalidArgument, "invalid gzip body");
  return out;
}

struct ScrapeFetcher::Impl : std::enable_shared_from_this<Impl> {
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  using Response = http::response<http::string_body>;

  // Beast sizes each read by the buffer's free capacity (at least 512
  // bytes); a 64 KiB buffer turns a 1 MB body into ~16 reads, not ~1000
  // (each a recvmsg, an epoll_wait and a timer update).
  explicit Impl(asio::io_context& io) : plain(io) { buffer.reserve(kReadBufferBytes); }

  static constexpr size_t kReadBufferBytes = 64 * 1024;

  beast::tcp_stream plain;             // the connection, when http
  std::unique_ptr<TlsStream> tls;      // the connection, when https
  std::shared_ptr<asio::ssl::context> tls_context;
  net::TlsConfig tls_context_config;   // what tls_context was made from
  beast::flat_buffer buffer;
  bool connected = false;
  std::string connected_to;  // scheme://host:port of the open connection
  std::chrono::steady_clock::time_point deadline;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : plain; }

  void close() {
    boost::system::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
    tls.reset();
    connected = false;
    buffer.clear();
  }

  // Opens a connection for the request: TCP, then for https the handshake,
  // verifying the certificate against server_name or the host.
  asio::awaitable<Status> connect(const ScrapeRequest& request) {
    boost::system::error_code ec;
    if (request.scheme == "https") {
      if (!tls_context || !(tls_context_config == request.tls)) {
        auto ctx = make_tls_context(request.tls);
        if (!ctx) co_return ctx.take_error();
        tls_context = *std::move(ctx);
        tls_context_config = request.tls;
      }
      tls = std::make_unique<TlsStream>(plain.get_executor(), *tls_context);
    }
    tcp().expires_at(deadline);
    tcp::resolver resolver(plain.get_executor());
    const auto results =
        co_await resolver.async_resolve(request.host, request.port, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await tcp().async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return make_error(ErrorCode::kUnavailable, ec.message());
    if (tls) {
      const std::string& name = request.tls.server_name.empty() ? request.host : request.tls.server_name;
      // SNI takes host names only: the parsed address is not needed, only
      // whether the name parses as one.
      boost::system::error_code not_ip;
      (void)asio::ip::make_address(name, not_ip);
      if (not_ip) SSL_set_tlsext_host_name(tls->native_handle(), name.c_str());
      if (!request.tls.insecure_skip_verify) tls->set_verify_callback(asio::ssl::host_name_verification(name));
      co_await tls->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return make_error(ErrorCode::kUnavailable, "TLS handshake: " + ec.message());
    }
    co_return Status();
  }

  template <typename Stream>
  asio::awaitable<Result<Response>> send(Stream& stream, const ScrapeRequest& request) {
    boost::system::error_code ec;
    http::request<http::empty_body> req{http::verb::get, request.target, 11};
    req.set(http::field::host, request.host + ":" + request.port);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.keep_alive(true);
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return make_error(ErrorCode::kUnavailable, ec.message());

    http::response_parser<http::string_body> parser;
    // The wire size is bounded too; for gzip bodies the decompressed size is
    // checked again after inflating.
    if (request.body_size_limit != 0) parser.body_limit(request.body_size_limit);
    else parser.body_limit(boost::none);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::body_limit) {
      co_return make_error(ErrorCode::kResourceExhausted,
                           "body size limit exceeded: more than " + std::to_string(request.body_size_limit) + " bytes");
    }
    if (ec) co_return make_error(ErrorCode::kUnavailable, ec.message());
    co_return parser.release();
  }

  // One exchange on the current connection (opening one when needed).
  asio::awaitable<Result<Response>> exchange(const ScrapeRequest& request, bool* reused) {
    const std::string endpoint = request.scheme + "://" + request.host + ":" + request.port;
    *reused = connected && connected_to == endpoint;
    if (!*reused) {
      if (connected) close();
      if (Status s = co_await connect(request); !s) {
        close();
        co_return s.take_error();
      }
      connected = true;
      connected_to = endpoint;
    }
    if (tls) co_return co_await send(*tls, request);
    co_return co_await send(plain, request);
  }

  // The exchange, retried once when a kept-alive connection turns out to
  // have been closed by the target meanwhile (not the target's fault).
  asio::awaitable<Result<Response>> exchange_with_retry(const ScrapeRequest& request) {
    tcp().expires_at(deadline);
    bool reused = false;
    auto response = co_await exchange(request, &reused);
    if (!response && reused && std::chrono::steady_clock::now() < deadline) {
      close();
      response = co_await exchange(request, &reused);
    }
    co_return response;
  }

  static asio::awaitable<void> run(std::shared_ptr<Impl> self, ScrapeRequest request, Callback done) {
    auto fail = [&](Error e) {
      self->close();
      e.message = "Get \"" + request.url() + "\": " + e.message;
      done(std::move(e));
    };
    // One deadline for the whole exchange, redirects included, as
    // scrape_timeout is in Prometheus.
    self->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout);
    const std::string initial_host = request.host + ":" + request.port;
    Result<Response> response = make_error(ErrorCode::kInternal, "no response");
    for (int redirects = 0;; ++redirects) {
      response = co_await self->exchange_with_retry(request);
      if (!response) {
        Error e = response.take_error();
        if (std::chrono::steady_clock::now() >= self->deadline) {
          e = make_error(ErrorCode::kTimeout, "context deadline exceeded");
        }
        co_return fail(std::move(e));
      }
      if (!response->keep_alive()) self->close();
      if (!request.follow_redirects || !is_redirect(response->result())) break;
      if (redirects == 10) co_return fail(make_error(ErrorCode::kUnavailable, "stopped after 10 redirects"));
      auto next = redirect_request(request, (*response)[http::field::location]);
      if (!next) co_return fail(next.take_error());
      if (!same_or_subdomain(next->host + ":" + next->port, initial_host)) {
        std::erase_if(next->headers, [](const auto& h) { return beast::iequals(h.first, "Authorization"); });
      }
      request = *std::move(next);
    }
    self->tcp().expires_never();

    if (response->result() != http::status::ok) {
      co_return fail(make_error(ErrorCode::kUnavailable, "server returned HTTP status " +
                                                             std::to_string(response->result_int()) + " " +
                                                             std::string(response->reason())));
    }
    ScrapeResponse out;
    out.content_type = std::string((*response)[http::field::content_type]);
    std::string& body = response->body();
    if (beast::iequals((*response)[http::field::content_encoding], "gzip")) {
      auto inflated = gunzip(body, request.body_size_limit);
      if (!inflated) co_return fail(inflated.take_error());
      out.body = *std::move(inflated);
    } else {
      out.body = std::move(body);
    }
    done(std::move(out));
  }
};

ScrapeFetcher::ScrapeFetcher(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

ScrapeFetcher::~ScrapeFetcher() { impl_->close(); }

void ScrapeFetcher::fetch(ScrapeRequest request, Callback done) {
  asio::co_spawn(impl_->plain.get_executor(), Impl::run(impl_, std::move(request), std::move(done)), asio::detached);
}

}  // namespace cogwatch::scrape
