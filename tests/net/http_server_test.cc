// The HTTP server over loopback: requests reach the handler, responses
// come back whole, a connection is reused.
#include "net/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

#include <gtest/gtest.h>

namespace cogwatch::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

class ServerTest : public ::testing::Test {
 protected:
  void start(HttpHandler handler) {
    auto s = HttpServer::start(io_, {.port = 0}, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = *std::move(s);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { server_->stop(); io_.stop(); });
    if (thread_.joinable()) thread_.join();
  }
  http::response<http::string_body> get(beast::tcp_stream& stream, const std::string& target) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("X-Probe", "yes");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(ServerTest, HandlerSeesTheRequestAndConnectionsAreReused) {
  start([](const HttpRequest& r) {
    return HttpResponse{.status = r.target == "/missing" ? 404 : 200,
                        .body = r.method + " " + r.target + " " + std::string(r.header("x-probe"))};
  });
  boost::asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
  auto a = get(stream, "/metrics?x=1");
  EXPECT_EQ(a.result_int(), 200);
  EXPECT_EQ(a.body(), "GET /metrics?x=1 yes");
  auto b = get(stream, "/missing");  // same connection
  EXPECT_EQ(b.result_int(), 404);
}

// A body larger than any one read or write, with its content type and
// extra headers (a /metrics page of a busy target).
TEST_F(ServerTest, ContentTypeHeadersAndALargeBodyArriveIntact) {
  std::string body;
  for (int i = 0; body.size() < 300'000; ++i) body += "cog_requests_total{n=\"" + std::to_string(i) + "\"} 1\n";
  start([&](const HttpRequest&) {
    return HttpResponse{.content_type = "text/plain; version=0.0.4", .body = body, .headers = {{"X-Extra", "1"}}};
  });
  boost::asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
  auto res = get(stream, "/metrics");
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_EQ(res["x-extra"], "1");
  EXPECT_EQ(res.body(), body);
}

// HEAD: the length a GET would get, no body, and the connection still
// usable for the next request (a body sent would be read as its answer).
TEST_F(ServerTest, HeadSendsTheLengthWithoutTheBody) {
  start([](const HttpRequest& r) { return HttpResponse{.body = "hello from " + r.method}; });
  boost::asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
  http::request<http::empty_body> head{http::verb::head, "/cog", 11};
  head.set(http::field::host, "127.0.0.1");
  http::write(stream, head);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a HEAD answer has no body whatever its Content-Length
  http::read(stream, buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_EQ(parser.get()[http::field::content_length], std::to_string(std::string("hello from HEAD").size()));
  http::request<http::string_body> get_req{http::verb::get, "/cog", 11};
  get_req.set(http::field::host, "127.0.0.1");
  http::write(stream, get_req);
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.body(), "hello from GET");
}

TEST(HttpServer, PortInUseIsAnError) {
  boost::asio::io_context io;
  auto first = HttpServer::start(io, {.port = 0}, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(first.ok());
  auto second = HttpServer::start(io, {.port = (*first)->port()}, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kResourceExhausted);
  auto bad = HttpServer::start(io, {.address = "not-an-ip"}, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cogwatch::net
