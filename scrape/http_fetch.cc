// The one translation unit of scrape/ that includes Beast.
#include "scrape/http_fetch.h"

#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <chrono>
#include <map>
#include <sstream>

#include "model/file.h"

namespace cogwatch::scrape {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Go's url.QueryEscape, which Prometheus's url.Values.Encode() uses.
std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

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

Status add_auth_header(const ScrapeConfig& config, ScrapeRequest& request) {
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
  if (Status s = add_auth_header(config, request); !s) return s.take_error();
  request.timeout = config.scrape_timeout;
  request.body_size_limit = config.body_size_limit;
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
  // Beast sizes each read by the buffer's free capacity (at least 512
  // bytes); a 64 KiB buffer turns a 1 MB body into ~16 reads, not ~1000
  // (each a recvmsg, an epoll_wait and a timer update).
  explicit Impl(asio::io_context& io) : stream(io) { buffer.reserve(kReadBufferBytes); }

  static constexpr size_t kReadBufferBytes = 64 * 1024;

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool connected = false;
  std::string connected_to;  // host:port of the open connection

  void close() {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
    connected = false;
    buffer.clear();
  }

  // One exchange on the current connection (opening one when needed).
  asio::awaitable<Result<http::response<http::string_body>>> exchange(const ScrapeRequest& request,
                                                                      bool* reused) {
    boost::system::error_code ec;
    const std::string endpoint = request.host + ":" + request.port;
    *reused = connected && connected_to == endpoint;
    if (!*reused) {
      if (connected) close();
      tcp::resolver resolver(stream.get_executor());
      const auto results =
          co_await resolver.async_resolve(request.host, request.port, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return make_error(ErrorCode::kUnavailable, ec.message());
      connected = true;
      connected_to = endpoint;
    }
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

  static asio::awaitable<void> run(std::shared_ptr<Impl> self, ScrapeRequest request, Callback done) {
    auto fail = [&](Error e) {
      self->close();
      e.message = "Get \"" + request.url() + "\": " + e.message;
      done(std::move(e));
    };
    if (request.scheme != "http") {
      done(make_error(ErrorCode::kInvalidArgument, "Get \"" + request.url() + "\": scheme \"" + request.scheme +
                                                       "\" is not supported by this build"));
      co_return;
    }
    // One deadline for the whole exchange, as scrape_timeout is in Prometheus.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout);
    self->stream.expires_at(deadline);
    bool reused = false;
    auto response = co_await self->exchange(request, &reused);
    // A kept-alive connection the target closed meanwhile fails at once;
    // that is not the target's fault, so retry once on a fresh connection.
    if (!response && reused && std::chrono::steady_clock::now() < deadline) {
      self->close();
      response = co_await self->exchange(request, &reused);
    }
    if (!response) {
      Error e = response.take_error();
      if (std::chrono::steady_clock::now() >= deadline) {
        e = make_error(ErrorCode::kTimeout, "context deadline exceeded");
      }
      co_return fail(std::move(e));
    }
    self->stream.expires_never();
    if (!response->keep_alive()) self->close();

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
  asio::co_spawn(impl_->stream.get_executor(), Impl::run(impl_, std::move(request), std::move(done)), asio::detached);
}

}  // namespace cogwatch::scrape
