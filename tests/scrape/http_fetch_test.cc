// Scrape requests as Prometheus builds them, and the fetcher's verdicts over
// loopback: the Accept header and content type, gzip, and anything but a
// 200 as a failed scrape. The exchange itself (keep-alive, deadlines,
// redirects, TLS) is net::HttpClient's, tested in tests/net/.
#include "scrape/http_fetch.h"

#include <boost/asio.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <utility>

#include <gtest/gtest.h>

#include "tests/net/test_util.h"

namespace cogwatch::scrape {
namespace {

namespace asio = boost::asio;

// Prometheus 3's Accept header for its default scrape_protocols (its
// scrape_test.go, UTF-8 names allowed).
constexpr std::string_view kTextAccept =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

ScrapeConfig config_with_timeout(Duration timeout) {
  ScrapeConfig c;
  c.job_name = "cog";
  c.scrape_interval = 15 * kSecond;
  c.scrape_timeout = timeout;
  return c;
}

std::string header(const net::HttpClientRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

TEST(ScrapeRequestTest, UrlFromTargetLabelsAndParams) {
  ScrapeConfig c = config_with_timeout(10 * kSecond);
  c.params = {{"module", {"a b", "second"}}, {"target", {"x"}}};
  c.body_size_limit = 1000;
  const Labels target({{"__address__", "cog:5000"},
                       {"__metrics_path__", "/probe"},
                       {"__param_module", "m&1"},
                       {"__param_extra", "é"},
                       {"__scheme__", "http"}});
  auto r = make_scrape_request(c, target);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->host, "cog");
  EXPECT_EQ(r->port, "5000");
  // Sorted by name; the label overrides the first configured value only.
  EXPECT_EQ(r->target, "/probe?extra=%C3%A9&module=m%261&module=second&target=x");
  EXPECT_EQ(r->url(), "http://cog:5000/probe?extra=%C3%A9&module=m%261&module=second&target=x");
  EXPECT_EQ(header(*r, "Accept"), kTextAccept);
  EXPECT_EQ(header(*r, "Accept-Encoding"), "gzip");
  EXPECT_EQ(header(*r, "User-Agent"), "cogwatch/" COGWATCH_VERSION);
  EXPECT_EQ(header(*r, "X-Prometheus-Scrape-Timeout-Seconds"), "10");
  EXPECT_EQ(header(*r, "Authorization"), "<none>");
  EXPECT_EQ(r->timeout, 10 * kSecond);
  EXPECT_EQ(r->body_size_limit, 1000u);
}

// The Accept header follows the job's scrape_protocols, as Prometheus's
// acceptHeader writes it.
TEST(ScrapeRequestTest, AcceptHeaderFollowsScrapeProtocols) {
  ScrapeConfig c = config_with_timeout(kSecond);
  c.scrape_protocols = kProtoFirstScrapeProtocols;
  auto r = make_scrape_request(c, Labels({{"__address__", "cog:5000"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(header(*r, "Accept"),
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
  c.scrape_protocols = {ScrapeProtocol::kPrometheusText0_0_4};
  r = make_scrape_request(c, Labels({{"__address__", "cog:5000"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(header(*r, "Accept"), "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
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

// The scrape config's http_config reaches the request (net/ builds the
// headers; its tests hold the details).
TEST(ScrapeRequestTest, HttpClientSettings) {
  ScrapeConfig c = config_with_timeout(kSecond);
  const Labels target({{"__address__", "cog:5000"}, {"__scheme__", "https"}});
  c.http_config.basic_auth = net::BasicAuth{.username = "user", .password = "pass"};
  c.http_config.tls.server_name = "cog.internal";
  c.http_config.follow_redirects = false;
  auto r = make_scrape_request(c, target);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(header(*r, "Authorization"), "Basic dXNlcjpwYXNz");
  EXPECT_EQ(r->tls.server_name, "cog.internal");
  EXPECT_FALSE(r->follow_redirects);

  const std::string file = ::testing::TempDir() + "/cogwatch_token";
  std::ofstream(file) << "  s3cret\n";
  c.http_config.basic_auth.reset();
  c.http_config.authorization = net::Authorization{.type = "Bearer", .credentials_file = file};
  EXPECT_EQ(header(*make_scrape_request(c, target), "Authorization"), "Bearer s3cret");
  std::remove(file.c_str());
  auto missing = make_scrape_request(c, target);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(file), std::string::npos);
}

// A server on its own thread, the fetcher on the test's io_context.
class FetchTest : public ::testing::Test {
 protected:
  void start(net::HttpHandler handler) {
    server_.emplace(std::move(handler));
    port_ = server_->port();
  }
  net::HttpClientRequest request(const std::string& path = "/metrics") {
    ScrapeConfig c = config_with_timeout(2 * kSecond);
    c.metrics_path = path;
    return *make_scrape_request(c, Labels({{"__address__", "127.0.0.1:" + std::to_string(port_)}}));
  }
  Result<ScrapeResponse> fetch(ScrapeFetcher& fetcher, net::HttpClientRequest r) {
    return net::testing::run_until_done<ScrapeResponse>(io_, [&](auto done) { fetcher.fetch(std::move(r), done); });
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  asio::io_context io_;
  std::optional<net::testing::ServerThread> server_;
  uint16_t port_ = 0;
};

TEST_F(FetchTest, PlainAndGzipBodies) {
  std::string seen_accept;
  start([&](const net::HttpRequest& r) {
    seen_accept = std::string(r.header("accept"));
    net::HttpResponse res{.content_type = "text/plain; version=0.0.4", .body = "up 1\n"};
    if (r.target == "/metrics" && r.header("accept-encoding") == "gzip") {
      res.body = net::testing::gzip("cog_up 1\n");
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
    return res;
  });
  ScrapeFetcher fetcher(io_);
  auto got = fetch(fetcher, request());
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "cog_up 1\n");
  EXPECT_EQ(got->content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(seen_accept, kTextAccept);
  got = fetch(fetcher, request("/plain"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "up 1\n");
}

// Anything but a 200 fails the scrape, named as Prometheus names it: a
// redirect that is not followed too, and after redirects the URL that
// answered.
TEST_F(FetchTest, StatusOtherThan200FailsTheScrape) {
  start([](const net::HttpRequest& r) {
    if (r.target == "/moved") return net::HttpResponse{.status = 302, .headers = {{"Location", "/gone"}}};
    if (r.target == "/empty") return net::HttpResponse{.status = 204};
    return net::HttpResponse{.status = 503, .body = "down"};
  });
  ScrapeFetcher fetcher(io_);
  auto down = fetch(fetcher, request());
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(down.error().message,
            "Get \"" + url("/metrics") + "\": server returned HTTP status 503 Service Unavailable");
  auto redirected = fetch(fetcher, request("/moved"));
  ASSERT_FALSE(redirected.ok());
  EXPECT_EQ(redirected.error().message,
            "Get \"" + url("/gone") + "\": server returned HTTP status 503 Service Unavailable");
  auto empty = fetch(fetcher, request("/empty"));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "Get \"" + url("/empty") + "\": server returned HTTP status 204 No Content");

  net::HttpClientRequest unfollowed = request("/moved");
  unfollowed.follow_redirects = false;
  auto found = fetch(fetcher, unfollowed);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().message, "Get \"" + url("/moved") + "\": server returned HTTP status 302 Found");
}

}  // namespace
}  // namespace cogwatch::scrape
