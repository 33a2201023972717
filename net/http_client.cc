// Beast and Asio's coroutines are compiled here and in http_server.cc only.
#include "net/http_client.h"

#include <sys/socket.h>

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <cerrno>
#include <chrono>

#include "net/gzip.h"
#include "net/internal/redirect.h"

namespace cogwatch::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

int tls_version(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;
}

// The client side of tls_config. Files are read here, when a client first
// connects over TLS with these settings.
Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const TlsConfig& c) {
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

// Go's url.Error operation: "Get", "Post", ...
std::string go_operation(std::string_view method) {
  std::string op(method.empty() ? "GET" : method);
  for (size_t i = 1; i < op.size(); ++i) op[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(op[i])));
  return op;
}

// Go's Request.isReplayable (without the Idempotency-Key headers): sent
// again after a reused connection failed even if it had been written.
bool is_replayable(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

// As Go writes Host: the URL's host, the port left out when it is the
// scheme's own.
std::string host_header(const HttpClientRequest& r) {
  const bool v6 = r.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + r.host + "]" : r.host;
  const bool default_port = (r.scheme == "http" && r.port == "80") || (r.scheme == "https" && r.port == "443");
  return default_port ? host : host + ":" + r.port;
}

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<Impl> {
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  using Response = http::response<http::string_body>;

  // One try on the connection: the response, or the error and whether the
  // request had been written whole before it.
  struct Attempt {
    Result<Response> response;
    bool written = false;
  };

  // Beast sizes each read by the buffer's free capacity (at least 512
  // bytes); a 64 KiB buffer turns a 1 MB body into ~16 reads, not ~1000
  // (each a recvmsg, an epoll_wait and a timer update).
  explicit Impl(asio::io_context& io) : plain(io) { buffer.reserve(kReadBufferBytes); }

  static constexpr size_t kReadBufferBytes = 64 * 1024;

  beast::tcp_stream plain;         // the connection, when http
  std::unique_ptr<TlsStream> tls;  // the connection, when https
  std::shared_ptr<asio::ssl::context> tls_context;
  TlsConfig tls_context_config;  // what tls_context was made from
  beast::flat_buffer buffer;
  bool connected = false;
  bool abandoned = false;    // the HttpClient is gone
  std::string connected_to;  // scheme://host:port of the open connection
  SteadyClock::time_point deadline;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : plain; }

  void close() {
    boost::system::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
    tls.reset();
    connected = false;
    buffer.clear();
  }

  // Whether the open, idle connection can carry another request: the peer
  // has neither closed it nor sent anything unasked. Go's transport reads
  // idle connections in the background and drops them on either; this
  // looks at the moment of reuse, so a server's idle timeout does not fail
  // the next request.
  bool idle_connection_alive() {
    if (buffer.size() != 0) return false;
    char byte;
    const ssize_t n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  // Opens a connection for the request: resolve and TCP, then for https
  // the handshake, verifying the certificate against server_name or the
  // host.
  asio::awaitable<Status> connect(const HttpClientRequest& request) {
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
    // The stream's deadline does not cover name resolution: a timer
    // cancels it. Both hold the resolver, whichever finishes last.
    auto resolver = std::make_shared<tcp::resolver>(plain.get_executor());
    asio::steady_timer resolve_deadline(plain.get_executor(), deadline);
    resolve_deadline.async_wait([resolver](const boost::system::error_code& timer_ec) {
      if (!timer_ec) resolver->cancel();
    });
    const auto results =
        co_await resolver->async_resolve(request.host, request.port, asio::redirect_error(asio::use_awaitable, ec));
    resolve_deadline.cancel();
    if (abandoned) co_return make_error(ErrorCode::kCanceled, "client closed");
    tcp().expires_at(deadline);
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
  asio::awaitable<Attempt> write_and_read(Stream& stream, const HttpClientRequest& request) {
    boost::system::error_code ec;
    http::request<http::string_body> req;
    req.version(11);
    req.method_string(request.method);
    req.target(request.target);
    for (const auto& [name, value] : request.headers) req.insert(name, value);
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, host_header(request));
    if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Attempt{make_error(ErrorCode::kUnavailable, ec.message())};

    http::response_parser<http::string_body> parser;
    if (request.method == "HEAD") parser.skip(true);  // its Content-Length describes a body not sent
    // The wire size is bounded too; for gzip bodies the inflated size is
    // checked again after inflating.
    if (request.body_size_limit != 0) {
      parser.body_limit(request.body_size_limit);
    } else {
      parser.body_limit(boost::none);
    }
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::body_limit) {
      co_return Attempt{
          make_error(ErrorCode::kResourceExhausted,
                     "body size limit exceeded: more than " + std::to_string(request.body_size_limit) + " bytes"),
          true};
    }
    if (ec) co_return Attempt{make_error(ErrorCode::kUnavailable, ec.message()), true};
    co_return Attempt{parser.release(), true};
  }

  // One exchange on the open connection to the request's endpoint, or on a
  // new one.
  asio::awaitable<Attempt> exchange(const HttpClientRequest& request, bool* reused) {
    const std::string endpoint = request.scheme + "://" + request.host + ":" + request.port;
    // A TLS connection made with other settings (a reloaded tls_config) is
    // not reused.
    *reused = connected && connected_to == endpoint && (!tls || tls_context_config == request.tls) &&
              idle_connection_alive();
    if (!*reused) {
      if (connected) close();
      if (Status s = co_await connect(request); !s) {
        close();
        co_return Attempt{s.take_error()};
      }
      connected = true;
      connected_to = endpoint;
    }
    tcp().expires_at(deadline);
    if (tls) co_return co_await write_and_read(*tls, request);
    co_return co_await write_and_read(plain, request);
  }

  // The exchange, once more on a new connection when a reused one failed
  // (the peer closed it as the request went out) and sending again is safe.
  asio::awaitable<Result<Response>> exchange_with_retry(const HttpClientRequest& request) {
    bool reused = false;
    Attempt attempt = co_await exchange(request, &reused);
    if (!attempt.response && attempt.response.error().code == ErrorCode::kUnavailable && reused &&
        SteadyClock::now() < deadline && (!attempt.written || is_replayable(request.method))) {
      close();
      attempt = co_await exchange(request, &reused);
    }
    co_return std::move(attempt.response);
  }

  static asio::awaitable<void> run(std::shared_ptr<Impl> self, HttpClientRequest request, Callback done) {
    const std::string operation = go_operation(request.method);
    auto fail = [&](Error e) {
      self->close();
      e.message = operation + " \"" + request.url() + "\": " + e.message;
      done(std::move(e));
    };
    // One deadline for the whole exchange, redirects included, as Go's
    // Client.Timeout (scrape_timeout, an Alertmanager's timeout).
    self->deadline = SteadyClock::now() + std::chrono::milliseconds(request.timeout);
    const std::string initial_host_port = request.host + ":" + request.port;
    Result<Response> response = make_error(ErrorCode::kInternal, "no response");
    for (int redirects = 0;; ++redirects) {
      response = co_await self->exchange_with_retry(request);
      if (!response) {
        Error e = response.take_error();
        if (SteadyClock::now() >= self->deadline) e = make_error(ErrorCode::kTimeout, "context deadline exceeded");
        co_return fail(std::move(e));
      }
      if (!response->keep_alive()) self->close();
      auto next = internal::follow_redirect(request, initial_host_port, response->result_int(),
                                            (*response)[http::field::location]);
      if (!next) co_return fail(next.take_error());
      if (!*next) break;
      if (redirects == 10) co_return fail(make_error(ErrorCode::kUnavailable, "stopped after 10 redirects"));
      request = **std::move(next);
    }
    self->tcp().expires_never();

    HttpClientResponse out;
    out.status = response->result_int();
    out.reason = std::string(response->reason());
    out.url = request.url();
    for (const auto& field : *response) out.headers.emplace_back(field.name_string(), field.value());
    if (beast::iequals((*response)[http::field::content_encoding], "gzip")) {
      auto inflated = gunzip(response->body(), request.body_size_limit);
      if (!inflated) co_return fail(inflated.take_error());
      out.body = *std::move(inflated);
      // As Go's transport does after inflating: the fields described the
      // compressed body.
      std::erase_if(out.headers, [](const auto& field) {
        return beast::iequals(field.first, "Content-Encoding") || beast::iequals(field.first, "Content-Length");
      });
    } else {
      out.body = std::move(response->body());
    }
    done(std::move(out));
  }
};

HttpClient::HttpClient(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

HttpClient::~HttpClient() {
  impl_->abandoned = true;
  impl_->close();
}

void HttpClient::send(HttpClientRequest request, Callback done) {
  asio::co_spawn(impl_->plain.get_executor(), Impl::run(impl_, std::move(request), std::move(done)), asio::detached);
}

}  // namespace cogwatch::net
