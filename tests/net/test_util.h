// Helpers shared by the tests that talk HTTP (net, scrape): gzip a body,
// serve a handler on a thread of its own, and run one asynchronous call to
// completion.
#pragma once

#include <zlib.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <gtest/gtest.h>

#include "model/error.h"
#include "net/http_server.h"

namespace cogwatch::net::testing {

inline std::string gzip(std::string_view plain) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, plain.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// An HttpServer on 127.0.0.1, serving `handler` from its own thread and
// io_context until destroyed (so a handler may block without stalling the
// client under test).
class ServerThread {
 public:
  explicit ServerThread(HttpHandler handler) : ServerThread({.port = 0}, std::move(handler)) {}
  ServerThread(HttpServerOptions options, HttpHandler handler) {
    auto s = HttpServer::start(io_, std::move(options), std::move(handler));
    EXPECT_TRUE(s.ok()) << s.error().message;
    if (!s.ok()) return;
    server_ = *std::move(s);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerThread() {
    if (!server_) return;
    boost::asio::post(io_, [this] {
      server_->stop();
      io_.stop();
    });
    thread_.join();
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// Calls start(callback) and runs `io` until the callback has had its
// Result<T>. Bounded: the request's own timeout ends an exchange, and 10 s
// without any handler running gives up.
template <typename T, typename Start>
Result<T> run_until_done(boost::asio::io_context& io, Start start) {
  std::optional<Result<T>> out;
  start([&](Result<T> got) { out.emplace(std::move(got)); });
  io.restart();
  while (!out && io.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  if (!out) return make_error(ErrorCode::kInternal, "never completed");
  return *std::move(out);
}

}  // namespace cogwatch::net::testing
