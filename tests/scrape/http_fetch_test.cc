// Scrape requests as Prometheus builds them, and the fetcher over loopback:
// plain and gzip bodies, status errors, body_size_limit, timeouts, refused
// connections and kept-alive connections.
#include "scrape/http_fetch.h"

#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <utility>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "tests/scrape/fetch_until_done.h"

#include "net/http_server.h"

namespace cogwatch::scrape {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string gzip(std::string_view plain) {
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

ScrapeConfig config_with_timeout(Duration timeout) {
  ScrapeConfig c;
  c.job_name = "cog";
  c.scrape_interval = 15 * kSecond;
  c.scrape_timeout = timeout;
  return c;
}

std::string header(const ScrapeRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

TEST(ScrapeRequestTest, UrlFromTargetLabelsAndParams) {
  ScrapeConfig c = config_with_timeout(10 * kSecond);
  c.params = {{"module", {"a b", "second"}}, {"target", {"x"}}};
  const Labels target({{"__address__", "cog:5000"},
                       {"__metrics_path__", "/probe"},
                       {"__param_module", "m&1"},
                       {"__param_extra", "é"},
                       {"__scheme__", "http"}});
  auto r = make_scrape_request(c, target);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->host, "cog");
  EXPECT_EQ(r->port, "5000");
  // Sorted by name; the label overrides the first configured value only.
  EXPECT_EQ(r->target, "/probe?extra=%C3%A9&module=m%261&module=second&target=x");
  EXPECT_EQ(r->url(), "http://cog:5000/probe?extra=%C3%A9&module=m%261&module=second&target=x");
  EXPECT_EQ(header(*r, "Accept"), kScrapeAcceptHeader);
  EXPECT_EQ(header(*r, "Accept-Encoding"), "gzip");
  EXPECT_EQ(header(*r, "X-Prometheus-Scrape-Timeout-Seconds"), "10");
  EXPECT_EQ(header(*r, "Authorization"), "<none>");
}

TEST(ScrapeRequestTest, AddressForms) {
  const ScrapeConfig c = config_with_timeout(kSecond);
  auto bare = make_scrape_request(c, Labels({{"__address__", "cog"}, {"__scheme__", "https"}}));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, "443");
  EXPECT_EQ(bare->target, "/metrics");
  auto v6 = make_scrape_request(c, Labels({{"__address__", "[::1]:9090"}}));
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->url(), "http://[::1]:9090/metrics");
  EXPECT_FALSE(make_scrape_request(c, Labels({{"__address__", "::1:9090"}})).ok());
  EXPECT_FALSE(make_scrape_request(c, Labels({{"__address__", ""}})).ok());
}

TEST(ScrapeRequestTest, AuthHeaders) {
  ScrapeConfig c = config_with_timeout(kSecond);
  const Labels target({{"__address__", "cog:5000"}});
  c.http_config.basic_auth = net::BasicAuth{.username = "user", .password = "pass"};
  EXPECT_EQ(header(*make_scrape_request(c, target), "Authorization"), "Basic dXNlcjpwYXNz");
  c.http_config.basic_auth = net::BasicAuth{.username = "ab", .password = "c"};  // one padding byte
  EXPECT_EQ(header(*make_scrape_request(c, target), "Authorization"), "Basic YWI6Yw==");

  const std::string file = testing::TempDir() + "/cogwatch_token";
  std::ofstream(file) << "  s3cret\n";
  c.http_config.basic_auth.reset();
  c.http_config.authorization = net::Authorization{.type = "Bearer", .credentials_file = file};
  EXPECT_EQ(header(*make_scrape_request(c, target), "Authorization"), "Bearer s3cret");
  std::remove(file.c_str());
  auto missing = make_scrape_request(c, target);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(file), std::string::npos);
}

TEST(GunzipTest, InflatesAndBoundsTheOutput) {
  const std::string plain(100000, 'a');
  const std::string packed = gzip(plain);
  EXPECT_LT(packed.size(), 1000u);
  EXPECT_EQ(*gunzip(packed, 0), plain);
  EXPECT_EQ(*gunzip(packed, plain.size()), plain);
  auto bomb = gunzip(packed, 50000);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE(gunzip("not gzip", 0).ok());
  EXPECT_FALSE(gunzip(packed.substr(0, packed.size() / 2), 0).ok());  // truncated
}

// A server on its own thread, the fetcher on the test's io_context.
class FetchTest : public ::testing::Test {
 protected:
  void start(net::HttpHandler handler) {
    auto s = net::HttpServer::start(server_io_, {.port = 0}, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = *std::move(s);
    port_ = server_->port();
    thread_ = std::thread([this] { server_io_.run(); });
  }
  void TearDown() override {
    if (server_) asio::post(server_io_, [this] { server_->stop(); server_io_.stop(); });
    if (thread_.joinable()) thread_.join();
  }
  ScrapeRequest request(Duration timeout, uint64_t body_size_limit = 0) {
    ScrapeConfig c = config_with_timeout(timeout);
    c.body_size_limit = body_size_limit;
    return *make_scrape_request(c, Labels({{"__address__", "127.0.0.1:" + std::to_string(port_)}}));
  }
  Result<ScrapeResponse> fetch(ScrapeFetcher& fetcher, ScrapeRequest r) {
    return fetch_until_done(io_, fetcher, std::move(r));
  }

  asio::io_context io_;
  asio::io_context server_io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

TEST_F(FetchTest, PlainAndGzipBodies) {
  std::string seen_accept;
  start([&](const net::HttpRequest& r) {
    seen_accept = std::string(r.header("accept"));
    net::HttpResponse res{.content_type = "text/plain; version=0.0.4", .body = "up 1\n"};
    if (r.target == "/metrics" && r.header("accept-encoding") == "gzip") {
      res.body = gzip("cog_up 1\n");
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
    return res;
  });
  ScrapeFetcher fetcher(io_);
  auto got = fetch(fetcher, request(kSecond));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "cog_up 1\n");
  EXPECT_EQ(got->content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(seen_accept, kScrapeAcceptHeader);
}

TEST_F(FetchTest, StatusErrorsNameTheUrl) {
  start([](const net::HttpRequest&) { return net::HttpResponse{.status = 503, .body = "down"}; });
  ScrapeFetcher fetcher(io_);
  auto got = fetch(fetcher, request(kSecond));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(got.error().message, "Get \"http://127.0.0.1:" + std::to_string(port_) +
                                     "/metrics\": server returned HTTP status 503 Service Unavailable");
}

TEST_F(FetchTest, BodySizeLimitAppliesToPlainAndDecompressedBodies) {
  const std::string big(5000, '#');
  start([&](const net::HttpRequest& r) {
    net::HttpResponse res{.body = big};
    if (r.target == "/metrics?gz=1") {
      res.body = gzip(big);
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
    return res;
  });
  ScrapeFetcher fetcher(io_);
  auto plain = fetch(fetcher, request(kSecond, 4000));
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, ErrorCode::kResourceExhausted);
  ScrapeRequest gz = request(kSecond, 4000);
  gz.target += "?gz=1";
  auto packed = fetch(fetcher, gz);
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.error().code, ErrorCode::kResourceExhausted) << packed.error().message;
  EXPECT_TRUE(fetch(fetcher, request(kSecond, 5000)).ok());
}

TEST_F(FetchTest, SlowTargetTimesOut) {
  start([](const net::HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return net::HttpResponse{.body = "late 1\n"};
  });
  ScrapeFetcher fetcher(io_);
  auto got = fetch(fetcher, request(100 * kMillisecond));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
  EXPECT_NE(got.error().message.find("context deadline exceeded"), std::string::npos);
}

TEST_F(FetchTest, RefusedConnection) {
  {
    // Bind and release a port so nothing listens on it.
    asio::io_context probe;
    tcp::acceptor a(probe, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = a.local_endpoint().port();
  }
  ScrapeFetcher fetcher(io_);
  auto got = fetch(fetcher, request(kSecond));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
}

// A server that accepts exactly one connection: a second scrape only
// succeeds if the fetcher kept the first connection open.
TEST_F(FetchTest, ConnectionIsKeptAlive) {
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
      res.body() = "n " + std::to_string(i) + "\n";
      res.keep_alive(true);
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  });
  ScrapeFetcher fetcher(io_);
  for (int i = 0; i < 3; ++i) {
    auto got = fetch(fetcher, request(2 * kSecond));
    EXPECT_TRUE(got.ok()) << i << ": " << got.error().message;
    if (!got.ok()) break;
    EXPECT_EQ(got->body, "n " + std::to_string(i) + "\n");
  }
  raw.join();
}

// A target that closes an idle kept-alive connection (as servers with short
// idle timeouts do): the next scrape retries once on a new connection
// instead of failing.
TEST_F(FetchTest, ConnectionClosedByTheTargetIsReopened) {
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
      res.body() = "conn " + std::to_string(i) + "\n";
      res.keep_alive(true);  // says keep-alive, closes anyway
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  });
  ScrapeFetcher fetcher(io_);
  auto first = fetch(fetcher, request(2 * kSecond));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->body, "conn 0\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the close arrive
  auto second = fetch(fetcher, request(2 * kSecond));
  EXPECT_TRUE(second.ok()) << second.error().message;
  if (second.ok()) {
    EXPECT_EQ(second->body, "conn 1\n");
  } else {
    // Unblock the server's second accept so the test ends.
    tcp::socket poke(raw_io);
    boost::system::error_code ec;
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  raw.join();
}


// Redirects as Go's client follows them for Prometheus: absolute, rooted
// and relative Locations; Authorization only to the same host:port; at
// most 10; with follow_redirects: false the 3xx fails the scrape.
TEST_F(FetchTest, RedirectsAreFollowed) {
  std::vector<std::pair<std::string, std::string>> seen;  // target, Authorization
  std::mutex mu;
  start([&](const net::HttpRequest& r) {
    {
      std::lock_guard lock(mu);
      seen.emplace_back(r.target, std::string(r.header("authorization")));
    }
    net::HttpResponse res{.status = 302};
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
  auto with_auth = [&](std::string target) {
    ScrapeRequest r = request(2 * kSecond);
    r.target = std::move(target);
    r.headers.emplace_back("Authorization", "Bearer t");
    return r;
  };
  auto targets = [&] {
    std::lock_guard lock(mu);
    return std::exchange(seen, {});
  };
  ScrapeFetcher fetcher(io_);
  auto got = fetch(fetcher, with_auth("/metrics"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "moved 1\n");
  EXPECT_EQ(targets(), (std::vector<std::pair<std::string, std::string>>{
                           {"/metrics", "Bearer t"}, {"/a/moved?x=1", "Bearer t"}, {"/a/final", "Bearer t"}}));

  // Another host:port (localhost is not 127.0.0.1 to Go either): no token.
  got = fetch(fetcher, with_auth("/elsewhere"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(targets(), (std::vector<std::pair<std::string, std::string>>{{"/elsewhere", "Bearer t"},
                                                                         {"/a/final", ""}}));

  got = fetch(fetcher, with_auth("/loop"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message,
            "Get \"http://127.0.0.1:" + std::to_string(port_) + "/loop\": stopped after 10 redirects");
  EXPECT_EQ(targets().size(), 11u);

  ScrapeRequest unfollowed = with_auth("/metrics");
  unfollowed.follow_redirects = false;
  got = fetch(fetcher, unfollowed);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "Get \"http://127.0.0.1:" + std::to_string(port_) +
                                     "/metrics\": server returned HTTP status 302 Found");
}

}  // namespace
}  // namespace cogwatch::scrape
