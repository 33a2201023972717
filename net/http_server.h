// A small HTTP/1.1 server: a handler function from request to response
// (net/http_message.h), and sessions that add what the network needs (a
// deadline per request, a body size limit, keep-alive, shutdown). Serves
// the simulated Cog service's /metrics now; the Prometheus HTTP API and
// Alertmanager's /api/v2 later.
//
//   boost::asio::io_context io;
//   auto server = HttpServer::start(io, {.port = 0}, [](const HttpRequest& r) {
//     return HttpResponse{.body = "ok"};
//   });
//   io.run();  // serves until server->stop() (or the io_context stops)
//
// With `connection` set, each accepted connection asks it first what it is
// served with: TLS (a handshake within request_timeout, then the same
// session over it) and the handler. The daemon uses this to re-read its web
// config (net/web_config.h) for every connection, as Prometheus does. The
// OpenSSL context is built once per distinct TlsServerConfig.
//
// Thread-safety: the io_context may be run by several threads; each
// connection is served on its own strand, so the handler may be called on
// several threads at once (one request per connection at a time). stop()
// may be called from any thread; it takes effect on the listener's strand.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/error.h"
#include "model/time.h"
#include "net/http_message.h"
#include "net/web_config.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::net {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                      // 0: any free port (see port())
  Duration request_timeout = 30 * kSecond;  // to read a request and write its response
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_header_bytes = 64 << 10;  // the request line and every header field
  // Called for every accepted connection, on its strand, before anything is
  // read; an error closes the connection (the callback reports it). Absent:
  // plain HTTP with the server's handler.
  std::function<Result<ConnectionConfig>()> connection;
};

class HttpServer {
 public:
  // Binds and starts accepting. With options.connection, calls it once
  // first and builds its TLS context. Errors: kInvalidArgument for a bad
  // address or TLS settings OpenSSL refuses (and the callback's error),
  // kResourceExhausted when the port is taken.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, HttpServerOptions options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;

  // The port actually bound.
  virtual uint16_t port() const = 0;
  // Stops accepting and closes the listening socket.
  virtual void stop() = 0;
};

}  // namespace cogwatch::net
