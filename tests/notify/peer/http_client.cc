#include "tests/notify/peer/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

namespace cogwatch::notify::peer {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Target {
  std::string host;
  uint16_t port = 80;
  std::string path;
};

Result<Target> split_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return make_error(ErrorCode::kInvalidArgument, "not an http:// URL: " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Target t;
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  t.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
    if (ec != std::errc() || end != port.data() + port.size()) {
      return make_error(ErrorCode::kInvalidArgument, "bad port in URL: " + std::string(url));
    }
  }
  return t;
}

}  // namespace

Result<HttpReply> http_request(std::string_view method, std::string_view url, std::string body,
                               std::string_view content_type, std::chrono::milliseconds timeout) {
  Result<Target> target = split_url(url);
  if (!target) return target.take_error();
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(target->host, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "host is not an IP address: " + std::string(url));

  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::string_body> req{http::string_to_verb(method), target->path, 11};
  req.set(http::field::host, target->host + ":" + std::to_string(target->port));
  req.set(http::field::user_agent, "cogwatch-peer-test");
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  boost::system::error_code result;
  // One deadline over connect, write and read: the stream's timer closes
  // the socket when it passes, which ends whichever step is running.
  stream.expires_after(timeout);
  stream.async_connect(tcp::endpoint(address, target->port), [&](boost::system::error_code e) {
    if (e) {
      result = e;
      return;
    }
    http::async_write(stream, req, [&](boost::system::error_code e2, size_t) {
      if (e2) {
        result = e2;
        return;
      }
      http::async_read(stream, buffer, res, [&](boost::system::error_code e3, size_t) { result = e3; });
    });
  });
  io.run();
  if (result == beast::error::timeout) {
    return make_error(ErrorCode::kTimeout, std::string(method) + " " + std::string(url) + ": no answer within " +
                                               std::to_string(timeout.count()) + " ms");
  }
  if (result) {
    return make_error(ErrorCode::kUnavailable, std::string(method) + " " + std::string(url) + ": " + result.message());
  }
  HttpReply reply;
  reply.status = res.result_int();
  for (const auto& field : res) reply.headers.emplace_back(field.name_string(), field.value());
  reply.body = std::move(res.body());
  return reply;
}

}  // namespace cogwatch::notify::peer
