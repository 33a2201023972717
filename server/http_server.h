// A small HTTP/1.1 server: a handler function from request to response,
// and sessions that add what the network needs (a deadline per request, a
// body size limit, keep-alive, shutdown). Serves the Prometheus HTTP API
// later, and the simulated Cog service's /metrics now.
//
//   boost::asio::io_context io;
//   auto server = HttpServer::start(io, {.port = 0}, [](const HttpRequest& r) {
//     return HttpResponse{.body = "ok"};
//   });
//   io.run();  // serves until server->stop() (or the io_context stops)
//
// Thread-safety: start() and stop() run on the io_context's thread (or
// before it runs); the handler is called on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/time.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::server {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/metrics?x=1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                      // 0: any free port (see port())
  Duration request_timeout = 30 * kSecond;  // to read a request and write its response
  uint64_t max_body_bytes = 1 << 20;
};

class HttpServer {
 public:
  // Binds and starts accepting. Errors: kInvalidArgument for a bad address,
  // kResourceExhausted when the port is taken.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, HttpServerOptions options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;

  // The port actually bound.
  virtual uint16_t port() const = 0;
  // Stops accepting and closes the listening socket.
  virtual void stop() = 0;
};

}  // namespace cogwatch::server
