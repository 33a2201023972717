// Beast and Asio's coroutines are compiled here and in http_client.cc only.
#include "net/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace cogwatch::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

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
      asio::co_spawn(executor, session(self, beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  // read -> handle -> write, with a deadline before each request.
  static asio::awaitable<void> session(std::shared_ptr<Server> self, beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    const auto timeout = std::chrono::milliseconds(self->options_.request_timeout);
    while (true) {
      boost::system::error_code ec;
      stream.expires_after(timeout);
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
      HttpResponse r = self->handler_(request);
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::server, "cogwatch");
      res.set(http::field::content_type, r.content_type);
      for (const auto& [name, value] : r.headers) res.set(name, value);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(r.body);
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  HttpServerOptions options_;
  HttpHandler handler_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(boost::asio::io_context& io, HttpServerOptions options,
                                                      HttpHandler handler) {
  auto server = std::make_shared<Server>(io, std::move(options), std::move(handler));
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
