// net::HttpClient over loopback: bodies both ways, statuses as responses,
// gzip, body_size_limit, deadlines, refused and kept-alive connections,
// redirects as Go's client follows them. Servers are net::HttpServer on
// its own thread, or a raw socket where a test needs to see connections.
#include "net/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/net/test_util.h"

namespace cogwatch::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// What a server saw of one request.
struct Seen {
  std::string method;
  std::string target;
  std::string content_type;
  std::string content_length;
  std::string authorization;
  std::string body;
  friend bool operator==(const Seen&, const Seen&) = default;
};

void PrintTo(const Seen& s, std::ostream* os) {
  // Long bodies by their size: a failure should not print 200 kB.
  const std::string body =
      s.body.size() <= 80 ? s.body : s.body.substr(0, 80) + "... (" + std::to_string(s.body.size()) + " bytes)";
  *os << s.method << " " << s.target << " [" << s.content_type << "] [" << s.content_length << "] [" << s.authorization
      << "] " << body;
}

class HttpClientTest : public ::testing::Test {
 protected:
  // Serves `handler` on its own thread, recording what it saw.
  void start(HttpHandler handler) {
    server_.emplace([this, handler = std::move(handler)](const HttpRequest& r) {
      {
        std::lock_guard lock(mu_);
        seen_.push_back({r.method, r.target, std::string(r.header("content-type")),
                         std::string(r.header("content-length")), std::string(r.header("authorization")), r.body});
      }
      return handler(r);
    });
    port_ = server_->port();
  }
  std::string url(const std::string& target) const { return "http://127.0.0.1:" + std::to_string(port_) + target; }
  HttpClientRequest request(const std::string& method, const std::string& target, Duration timeout = 2 * kSecond) {
    auto r = make_http_request(method, url(target), {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    r->timeout = timeout;
    return *r;
  }
  Result<HttpClientResponse> send(HttpClient& client, HttpClientRequest r) {
    return testing::run_until_done<HttpClientResponse>(io_, [&](auto done) { client.send(std::move(r), done); });
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return std::exchange(seen_, {});
  }

  asio::io_context io_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::optional<testing::ServerThread> server_;  // last: stopped before what its handler uses
};

// A JSON body and its content type reach the server intact; its answer
// comes back with status, headers and body.
TEST_F(HttpClientTest, PostsABodyWithItsContentType) {
  std::string big_json = "[";
  for (int i = 0; big_json.size() < 200'000; ++i) big_json += "{\"n\":" + std::to_string(i) + "},";
  big_json.back() = ']';
  start([](const HttpRequest& r) {
    return HttpResponse{.status = 200,
                        .content_type = "application/json",
                        .body = "{\"got\":" + std::to_string(r.body.size()) + "}",
                        .headers = {{"X-Request-Method", r.method}}};
  });
  HttpClient client(io_);
  HttpClientRequest post = request("POST", "/api/v2/alerts");
  post.body = big_json;
  post.content_type = "application/json";
  auto got = send(client, post);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "{\"got\":" + std::to_string(big_json.size()) + "}");
  EXPECT_EQ(got->header("content-type"), "application/json");
  EXPECT_EQ(got->header("x-request-method"), "POST");
  EXPECT_EQ(got->url, url("/api/v2/alerts"));
  EXPECT_EQ(seen(), (std::vector<Seen>{{"POST", "/api/v2/alerts", "application/json", std::to_string(big_json.size()),
                                        "", big_json}}));

  // An empty POST still says how long its body is.
  auto empty = send(client, request("POST", "/empty"));
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(seen(), (std::vector<Seen>{{"POST", "/empty", "", "0", "", ""}}));
}

// Statuses are the caller's business: 4xx and 5xx come back as responses
// (the notifier retries a 503 and not a 400), on a connection kept open.
TEST_F(HttpClientTest, ErrorStatusesAreResponses) {
  start([](const HttpRequest& r) {
    if (r.target == "/bad") return HttpResponse{.status = 400, .body = "bad alert"};
    return HttpResponse{
        .status = 503, .body = "down", .headers = {{"Retry-After", "5"}, {"X-Host", std::string(r.header("host"))}}};
  });
  HttpClient client(io_);
  auto down = send(client, request("POST", "/down"));
  ASSERT_TRUE(down.ok()) << down.error().message;
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(down->reason, "Service Unavailable");
  EXPECT_EQ(down->header("Retry-After"), "5");
  EXPECT_EQ(down->header("X-Host"), "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(down->body, "down");
  auto bad = send(client, request("POST", "/bad"));
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "bad alert");
}

TEST_F(HttpClientTest, GzipBodiesAreInflated) {
  start([](const HttpRequest& r) {
    HttpResponse res{.body = testing::gzip("cog_up 1\n"), .headers = {{"Content-Encoding", "gzip"}}};
    if (r.target == "/broken") res.body = "not gzip";
    return res;
  });
  HttpClient client(io_);
  auto got = send(client, request("GET", "/metrics"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "cog_up 1\n");
  EXPECT_EQ(got->header("Content-Encoding"), "");  // describes the body no more
  EXPECT_EQ(got->header("Content-Length"), "");
  auto broken = send(client, request("GET", "/broken"));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(broken.error().message, "Get \"" + url("/broken") + "\": invalid gzip body");
}

TEST_F(HttpClientTest, BodySizeLimitAppliesToPlainAndInflatedBodies) {
  const std::string big(5000, '#');
  start([&](const HttpRequest& r) {
    HttpResponse res{.body = big};
    if (r.target == "/gz") {
      res.body = testing::gzip(big);
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
    return res;
  });
  HttpClient client(io_);
  HttpClientRequest limited = request("GET", "/plain");
  limited.body_size_limit = 4000;
  auto plain = send(client, limited);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, ErrorCode::kResourceExhausted);
  limited.target = "/gz";
  auto packed = send(client, limited);
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.error().code, ErrorCode::kResourceExhausted) << packed.error().message;
  limited.body_size_limit = 5000;
  EXPECT_TRUE(send(client, limited).ok());
}

TEST_F(HttpClientTest, SlowServerTimesOut) {
  start([](const HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return HttpResponse{.body = "late\n"};
  });
  HttpClient client(io_);
  auto got = send(client, request("GET", "/metrics", 100 * kMillisecond));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(got.error().message, "Get \"" + url("/metrics") + "\": context deadline exceeded");
}

// A peer that accepts the connection and never answers: the deadline ends
// the exchange, not the peer.
TEST_F(HttpClientTest, ServerThatNeverAnswersTimesOut) {
  asio::io_context raw_io;
  tcp::acceptor acceptor(raw_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor.local_endpoint().port();
  tcp::socket accepted(raw_io);
  std::thread raw([&] { acceptor.accept(accepted); });  // then holds the connection, silent
  HttpClient client(io_);
  HttpClientRequest post = request("POST", "/hook", 200 * kMillisecond);
  post.body = "{}";
  const auto started = std::chrono::steady_clock::now();
  auto got = send(client, post);
  const auto took = std::chrono::steady_clock::now() - started;
  raw.join();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(got.error().message, "Post \"" + url("/hook") + "\": context deadline exceeded");
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(HttpClientTest, RefusedConnection) {
  {
    // Bind and release a port so nothing listens on it.
    asio::io_context probe;
    tcp::acceptor a(probe, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = a.local_endpoint().port();
  }
  HttpClient client(io_);
  auto got = send(client, request("GET", "/metrics"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(got.error().message.starts_with("Get \"" + url("/metrics") + "\": ")) << got.error().message;
}

// A server that accepts exactly one connection: the later requests only
// succeed if the client kept the first connection open, bodies included.
TEST_F(HttpClientTest, ConnectionIsKeptAlive) {
  asio::io_context raw_io;
  tcp::acceptor acceptor(raw_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor.local_endpoint().port();
  std::thread raw([&] {
    tcp::socket socket(raw_io);
    acceptor.accept(socket);
    acceptor.close();
    beast::flat_buffer buffer;
    for (int i = 0; i < 3; ++i) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(socket, buffer, req, ec);
      if (ec) return;
      http::response<http::string_body> res{http::status::ok, 11};
      res.body() = std::to_string(i) + " " + std::string(req.method_string()) + " " + req.body();
      res.keep_alive(true);
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  });
  HttpClient client(io_);
  const char* methods[] = {"GET", "POST", "POST"};
  for (int i = 0; i < 3; ++i) {
    HttpClientRequest r = request(methods[i], "/n");
    if (i > 0) r.body = "body" + std::to_string(i);
    auto got = send(client, r);
    EXPECT_TRUE(got.ok()) << i << ": " << got.error().message;
    if (!got.ok()) break;
    EXPECT_EQ(got->body, std::to_string(i) + " " + methods[i] + " " + r.body);
  }
  raw.join();
}

// A server that closes an idle kept-alive connection (as servers with short
// idle timeouts do): the next request goes out on a new connection instead
// of failing, a POST too.
TEST_F(HttpClientTest, ConnectionClosedByThePeerIsReopened) {
  asio::io_context raw_io;
  tcp::acceptor acceptor(raw_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor.local_endpoint().port();
  std::thread raw([&] {
    for (int i = 0; i < 2; ++i) {  // one request per connection, then close
      tcp::socket socket(raw_io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) return;
      http::response<http::string_body> res{http::status::ok, 11};
      res.body() = "conn " + std::to_string(i) + " " + req.body();
      res.keep_alive(true);  // says keep-alive, closes anyway
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  });
  HttpClient client(io_);
  auto first = send(client, request("GET", "/"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->body, "conn 0 ");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the close arrive
  HttpClientRequest post = request("POST", "/");
  post.body = "again";
  auto second = send(client, post);
  EXPECT_TRUE(second.ok()) << second.error().message;
  if (second.ok()) {
    EXPECT_EQ(second->body, "conn 1 again");
  } else {
    // Unblock the server's second accept so the test ends.
    tcp::socket poke(raw_io);
    boost::system::error_code ec;
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  raw.join();
}

// Redirects as Go's client follows them: absolute, rooted and relative
// Locations; Authorization only to the same host:port; at most 10; with
// follow_redirects off the 3xx is the response.
TEST_F(HttpClientTest, RedirectsAreFollowed) {
  start([&](const HttpRequest& r) {
    HttpResponse res{.status = 302};
    if (r.target == "/metrics") {
      res.headers.emplace_back("Location", "/a/moved?x=1");
    } else if (r.target == "/a/moved?x=1") {
      res.headers.emplace_back("Location", "final");  // relative: /a/final
    } else if (r.target == "/a/final") {
      res = {.body = "moved 1\n"};
    } else if (r.target == "/elsewhere") {
      res.headers.emplace_back("Location", "http://localhost:" + std::to_string(port_) + "/a/final");
    } else {
      res.headers.emplace_back("Location", "/loop");
    }
    return res;
  });
  auto with_auth = [&](const std::string& target) {
    HttpClientRequest r = request("GET", target);
    r.headers.emplace_back("Authorization", "Bearer t");
    return r;
  };
  auto get = [](const char* target, const char* authorization) {
    return Seen{.method = "GET", .target = target, .authorization = authorization};
  };
  HttpClient client(io_);
  auto got = send(client, with_auth("/metrics"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "moved 1\n");
  EXPECT_EQ(got->url, url("/a/final"));
  EXPECT_EQ(seen(), (std::vector<Seen>{get("/metrics", "Bearer t"), get("/a/moved?x=1", "Bearer t"),
                                       get("/a/final", "Bearer t")}));

  // Another host:port (localhost is not 127.0.0.1 to Go either): no token.
  got = send(client, with_auth("/elsewhere"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(seen(), (std::vector<Seen>{get("/elsewhere", "Bearer t"), get("/a/final", "")}));

  got = send(client, with_auth("/loop"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(got.error().message, "Get \"" + url("/loop") + "\": stopped after 10 redirects");
  EXPECT_EQ(seen().size(), 11u);

  HttpClientRequest unfollowed = with_auth("/metrics");
  unfollowed.follow_redirects = false;
  got = send(client, unfollowed);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 302);
  EXPECT_EQ(got->header("Location"), "/a/moved?x=1");
  EXPECT_EQ(seen().size(), 1u);
}

// After a POST, 303 (and 301, 302) make the next request a GET without
// body; 307 and 308 send the POST and its body again.
TEST_F(HttpClientTest, RedirectedPostsAsGo) {
  start([](const HttpRequest& r) {
    if (r.target.starts_with("/done")) return HttpResponse{.body = r.method + " " + r.body};
    const int status = std::stoi(r.target.substr(1));
    return HttpResponse{.status = status, .headers = {{"Location", "/done?from=" + r.target.substr(1)}}};
  });
  HttpClient client(io_);
  const struct {
    const char* target;
    const char* answer;
  } cases[] = {
      {"/303", "GET "}, {"/301", "GET "}, {"/302", "GET "}, {"/307", "POST {\"a\":1}"}, {"/308", "POST {\"a\":1}"}};
  for (const auto& c : cases) {
    HttpClientRequest post = request("POST", c.target);
    post.body = "{\"a\":1}";
    post.content_type = "application/json";
    auto got = send(client, post);
    ASSERT_TRUE(got.ok()) << c.target << ": " << got.error().message;
    EXPECT_EQ(got->body, c.answer) << c.target;
    const std::vector<Seen> requests = seen();
    ASSERT_EQ(requests.size(), 2u) << c.target;
    const Seen& redirected = requests[1];
    EXPECT_EQ(redirected.target, "/done?from=" + std::string(c.target + 1));
    if (std::string(c.answer).starts_with("GET")) {
      EXPECT_EQ(redirected, (Seen{.method = "GET", .target = redirected.target})) << c.target;
    } else {
      EXPECT_EQ(redirected, (Seen{"POST", redirected.target, "application/json", "7", "", "{\"a\":1}"})) << c.target;
    }
  }
}

}  // namespace
}  // namespace cogwatch::net
