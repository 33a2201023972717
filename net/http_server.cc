// Beast and Asio's coroutines are compiled here and in http_client.cc only.
#include "net/http_server.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <mutex>

namespace cogwatch::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Accepts any client certificate (Go's RequestClientCert and
// RequireAnyClientCert ask for one without verifying it).
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

Result<std::shared_ptr<asio::ssl::context>> make_server_context(const TlsServerConfig& c) {
  auto fail = [](const std::string& what) { return make_error(ErrorCode::kInvalidArgument, "TLS: " + what); };
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, c.min_version);
  SSL_CTX_set_max_proto_version(native, c.max_version);
  boost::system::error_code ec;
  if (ctx->use_certificate_chain(asio::buffer(c.cert_pem), ec); ec) return fail("certificate: " + ec.message());
  if (ctx->use_private_key(asio::buffer(c.key_pem), asio::ssl::context::pem, ec); ec) {
    return fail("private key: " + ec.message());
  }
  if (!c.cipher_list.empty() && SSL_CTX_set_cipher_list(native, c.cipher_list.c_str()) != 1) {
    return fail("cipher_suites refused: " + c.cipher_list);
  }
  if (c.prefer_server_ciphers) {
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  } else {
    SSL_CTX_clear_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  if (!c.groups_list.empty() && SSL_CTX_set1_groups_list(native, c.groups_list.c_str()) != 1) {
    return fail("curve_preferences refused: " + c.groups_list);
  }
  if (!c.client_ca_pem.empty()) {
    if (ctx->add_certificate_authority(asio::buffer(c.client_ca_pem), ec); ec) return fail("client CA: " + ec.message());
    // The CA names sent with the certificate request, as Go sends them.
    BIO* bio = BIO_new_mem_buf(c.client_ca_pem.data(), static_cast<int>(c.client_ca_pem.size()));
    while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      SSL_CTX_add_client_CA(native, x);
      X509_free(x);
    }
    BIO_free(bio);
  } else if (c.client_auth == ClientAuth::kVerifyIfGiven || c.client_auth == ClientAuth::kRequireAndVerify) {
    SSL_CTX_set_default_verify_paths(native);  // Go verifies against the system roots then
  }
  static constexpr unsigned char kSessionContext[] = "cogwatch";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  switch (c.client_auth) {
    case ClientAuth::kNone:
      SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequest:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_any_certificate);
      break;
    case ClientAuth::kRequireAny:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
      break;
    case ClientAuth::kVerifyIfGiven:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerify:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  return ctx;
}

class Server final : public HttpServer, public std::enable_shared_from_this<Server> {
 public:
  // The acceptor lives on a strand: with several threads running the
  // io_context, stop() must not close it while the accept loop uses it.
  Server(asio::io_context& io, HttpServerOptions options, HttpHandler handler)
      : io_(io), acceptor_(asio::make_strand(io)), options_(std::move(options)), handler_(std::move(handler)) {}

  Status listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return make_error(ErrorCode::kInvalidArgument, "invalid listen address \"" + options_.address + "\"");
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return make_error(ErrorCode::kResourceExhausted,
                        "cannot listen on " + options_.address + ":" + std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  // The context for these settings: the last one made when they are equal.
  Result<std::shared_ptr<asio::ssl::context>> tls_context(const std::shared_ptr<const TlsServerConfig>& c) {
    std::lock_guard lock(tls_mu_);
    if (tls_config_ && *tls_config_ == *c) return tls_context_;
    auto ctx = make_server_context(*c);
    if (!ctx) return ctx;
    tls_config_ = c;
    tls_context_ = *ctx;
    return ctx;
  }

  // Checks the first connection's settings, so start() fails on bad ones.
  Status check_connection_settings() {
    if (!options_.connection) return {};
    auto c = options_.connection();
    if (!c) return c.take_error();
    if (c->tls) {
      if (auto ctx = tls_context(c->tls); !ctx) return ctx.take_error();
    }
    return {};
  }

  void run() { asio::co_spawn(acceptor_.get_executor(), accept_loop(shared_from_this()), asio::detached); }

  uint16_t port() const override { return port_; }
  void stop() override {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  static asio::awaitable<void> accept_loop(std::shared_ptr<Server> self) {
    while (self->acceptor_.is_open()) {
      boost::system::error_code ec;
      // Each connection on its own strand: one coroutine, whichever thread
      // runs it.
      tcp::socket socket = co_await self->acceptor_.async_accept(asio::make_strand(self->io_),
                                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!self->acceptor_.is_open()) co_return;
        continue;  // a failed accept (e.g. too many files) does not stop the server
      }
      const auto executor = socket.get_executor();
      asio::co_spawn(executor, connection(self, std::move(socket)), asio::detached);
    }
  }

  // What the connection is served with, then its session.
  static asio::awaitable<void> connection(std::shared_ptr<Server> self, tcp::socket socket) {
    ConnectionConfig config;
    if (self->options_.connection) {
      auto c = self->options_.connection();
      if (!c) co_return;  // the callback has reported it; the socket closes
      config = *std::move(c);
    }
    const HttpHandler& handler = config.handler ? config.handler : self->handler_;
    if (!config.tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await session(self, stream, handler);
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    auto ctx = self->tls_context(config.tls);
    if (!ctx) co_return;
    std::shared_ptr<asio::ssl::context> context = *ctx;  // outlives the stream
    TlsStream stream(beast::tcp_stream(std::move(socket)), *context);
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(self->options_.request_timeout));
    boost::system::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // a client that does not speak TLS, or a refused certificate
    co_await session(self, stream, handler);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  // read -> handle -> write, with a deadline before each request.
  template <typename Stream>
  static asio::awaitable<void> session(std::shared_ptr<Server> self, Stream& stream, const HttpHandler& handler) {
    beast::flat_buffer buffer;
    const auto timeout = std::chrono::milliseconds(self->options_.request_timeout);
    while (true) {
      boost::system::error_code ec;
      beast::get_lowest_layer(stream).expires_after(timeout);
      http::request_parser<http::string_body> parser;
      parser.body_limit(self->options_.max_body_bytes);
      parser.header_limit(self->options_.max_header_bytes);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // closed, timed out, or malformed: drop the connection
      const http::request<http::string_body>& req = parser.get();
      HttpRequest request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      for (const auto& field : req) request.headers.emplace_back(field.name_string(), field.value());
      request.body = req.body();
      HttpResponse r = handler(request);
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::server, "cogwatch");
      res.set(http::field::content_type, r.content_type);
      for (const auto& [name, value] : r.headers) res.set(name, value);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(r.body);
      res.prepare_payload();
      if (req.method() == http::verb::head) {
        // The length a GET would get, and no body (one would be read as the
        // start of the next response on a kept-alive connection).
        const size_t length = res.body().size();
        res.body().clear();
        res.content_length(length);
      }
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  HttpServerOptions options_;
  HttpHandler handler_;
  uint16_t port_ = 0;
  std::mutex tls_mu_;
  std::shared_ptr<const TlsServerConfig> tls_config_;  // guarded by tls_mu_
  std::shared_ptr<asio::ssl::context> tls_context_;    // made from tls_config_; guarded by tls_mu_
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(boost::asio::io_context& io, HttpServerOptions options,
                                                      HttpHandler handler) {
  auto server = std::make_shared<Server>(io, std::move(options), std::move(handler));
  if (Status s = server->check_connection_settings(); !s) return s.take_error();
  if (Status s = server->listen(); !s) return s.take_error();
  server->run();
  // The caller owns a handle; the coroutines keep the server alive while
  // they run.
  struct Handle final : HttpServer {
    explicit Handle(std::shared_ptr<Server> s) : s_(std::move(s)) {}
    ~Handle() override { s_->stop(); }
    uint16_t port() const override { return s_->port(); }
    void stop() override { s_->stop(); }
    std::shared_ptr<Server> s_;
  };
  return std::unique_ptr<HttpServer>(std::make_unique<Handle>(std::move(server)));
}

}  // namespace cogwatch::net
