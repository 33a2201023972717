// Requests as make_http_request builds them from a URL and the HTTP client
// settings, and the redirect policy of Go's client, without sockets.
#include "net/http_client_request.h"

#include <unistd.h>
#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "net/gzip.h"
#include "net/internal/redirect.h"
#include "tests/net/test_util.h"

namespace cogwatch::net {
namespace {

TEST(MakeHttpRequest, UrlForms) {
  const struct {
    const char* url;
    const char* scheme;
    const char* host;
    const char* port;
    const char* target;
  } cases[] = {
      {"http://cog:5000/metrics?a=%C3%A9&b=1", "http", "cog", "5000", "/metrics?a=%C3%A9&b=1"},
      {"https://hooks.example/services/T0/B0", "https", "hooks.example", "443", "/services/T0/B0"},
      {"HTTP://Am:9093", "http", "Am", "9093", "/"},
      {"http://am?x=1", "http", "am", "80", "/?x=1"},
      {"http://[::1]:9093/api/v2/alerts#frag", "http", "::1", "9093", "/api/v2/alerts"},
      {"http://127.0.0.1:/", "http", "127.0.0.1", "80", "/"},
  };
  for (const auto& c : cases) {
    auto r = make_http_request("POST", c.url, {});
    ASSERT_TRUE(r.ok()) << c.url << ": " << r.error().message;
    EXPECT_EQ(r->method, "POST");
    EXPECT_EQ(r->scheme, c.scheme) << c.url;
    EXPECT_EQ(r->host, c.host) << c.url;
    EXPECT_EQ(r->port, c.port) << c.url;
    EXPECT_EQ(r->target, c.target) << c.url;
  }
  EXPECT_EQ(make_http_request("GET", "http://[::1]:9093/x", {})->url(), "http://[::1]:9093/x");
  EXPECT_EQ(make_http_request("GET", "https://am/x", {})->url(), "https://am:443/x");
}

TEST(MakeHttpRequest, BadUrls) {
  const struct {
    const char* url;
    const char* error;
  } cases[] = {
      {"ftp://files/x", "unsupported protocol scheme \"ftp\""},
      {"http:///metrics", "invalid URL \"http:///metrics\": no host"},
      {"http://::1:9090/metrics", "invalid URL \"http://::1:9090/metrics\": no host"},
      {"http://am:99999/", "invalid URL \"http://am:99999/\": invalid port \"99999\""},
      {"am:9093/api", "unsupported protocol scheme \"am\""},
  };
  for (const auto& c : cases) {
    auto r = make_http_request("GET", c.url, {});
    ASSERT_FALSE(r.ok()) << c.url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, c.error);
  }
  auto spaces = make_http_request("GET", "http://a b/", {});
  ASSERT_FALSE(spaces.ok());
  EXPECT_TRUE(spaces.error().message.starts_with("invalid URL \"http://a b/\": ")) << spaces.error().message;
}

TEST(MakeHttpRequest, SettingsAndHeaders) {
  HttpClientConfig config;
  config.basic_auth = BasicAuth{.username = "user", .password = "pass"};
  config.tls.server_name = "am.internal";
  config.follow_redirects = false;
  auto r = make_http_request("GET", "https://am/", config);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(find_header(r->headers, "authorization"), "Basic dXNlcjpwYXNz");
  EXPECT_TRUE(find_header(r->headers, "User-Agent").starts_with("cogwatch/"));
  EXPECT_EQ(r->tls.server_name, "am.internal");
  EXPECT_FALSE(r->follow_redirects);
  r->set_header("user-agent", "Alertmanager/0.25.0");
  EXPECT_EQ(find_header(r->headers, "User-Agent"), "Alertmanager/0.25.0");
  EXPECT_EQ(
      std::ranges::count_if(r->headers, [](const auto& h) { return strcasecmp(h.first.c_str(), "User-Agent") == 0; }),
      1);

  config.basic_auth = BasicAuth{.username = "ab", .password = "c"};  // one padding byte
  EXPECT_EQ(find_header(make_http_request("GET", "http://am/", config)->headers, "Authorization"), "Basic YWI6Yw==");
  config.basic_auth.reset();
  // Without configured auth, the URL's user:password (decoded), as Go's client.
  EXPECT_EQ(find_header(make_http_request("GET", "http://user:p%40ss@am/", config)->headers, "Authorization"),
            "Basic dXNlcjpwQHNz");
  EXPECT_EQ(find_header(make_http_request("GET", "http://am/", config)->headers, "Authorization"), "");
  EXPECT_EQ(make_http_request("GET", "http://user:secret@am/x", config)->url(), "http://am:80/x");
}

// Secret files are read when the request is built, so a rotated secret is
// picked up by the next one.
TEST(MakeHttpRequest, SecretFilesAreReadEachTime) {
  const std::string file = ::testing::TempDir() + "/cogwatch_net_token_" + std::to_string(getpid());
  HttpClientConfig config;
  config.authorization = Authorization{.type = "Bearer", .credentials_file = file};
  std::ofstream(file) << "  s3cret\n";
  EXPECT_EQ(find_header(make_http_request("GET", "http://am/", config)->headers, "Authorization"), "Bearer s3cret");
  std::ofstream(file) << "rotated";
  EXPECT_EQ(find_header(make_http_request("GET", "http://am/", config)->headers, "Authorization"), "Bearer rotated");
  config.authorization.reset();
  config.basic_auth = BasicAuth{.username = "u", .password_file = file};
  EXPECT_EQ(find_header(make_http_request("GET", "http://am/", config)->headers, "Authorization"),
            "Basic dTpyb3RhdGVk");
  std::remove(file.c_str());
  auto missing = make_http_request("GET", "http://am/", config);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().message, "cannot read secret file \"" + file + "\"");
}

// Go's redirectBehavior: which statuses are followed, what becomes of the
// method and the body, where the Authorization header may go.
TEST(FollowRedirect, MethodBodyAndAuthorization) {
  auto post = make_http_request("POST", "http://am:9093/api/v2/alerts", {});
  ASSERT_TRUE(post.ok());
  post->body = "[]";
  post->content_type = "application/json";
  post->headers.emplace_back("Authorization", "Bearer t");
  const struct {
    int status;
    const char* location;
    const char* method;  // nullptr: not followed
    const char* url;
    bool body;
    bool authorization;
  } cases[] = {
      {303, "/done", "GET", "http://am:9093/done", false, true},
      {302, "other", "GET", "http://am:9093/api/v2/other", false, true},
      {301, "http://am:9093/v3", "GET", "http://am:9093/v3", false, true},
      {307, "/api/v3/alerts", "POST", "http://am:9093/api/v3/alerts", true, true},
      {308, "https://am/x", "POST", "https://am:443/x", true, false},           // another host:port
      {307, "http://eu.am:9093/x", "POST", "http://eu.am:9093/x", true, true},  // a subdomain
      {307, "http://xam:9093/x", "POST", "http://xam:9093/x", true, false},     // not a subdomain
      {307, "", nullptr, "", false, false},                                     // no Location: the 307 is the answer
      {304, "/x", nullptr, "", false, false},
      {300, "/x", nullptr, "", false, false},
      {200, "/x", nullptr, "", false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.status) + " " + c.location);
    auto next = internal::follow_redirect(*post, "am:9093", c.status, c.location);
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (!c.method) {
      EXPECT_FALSE(next->has_value());
      continue;
    }
    ASSERT_TRUE(next->has_value());
    const HttpClientRequest& r = **next;
    EXPECT_EQ(r.method, c.method);
    EXPECT_EQ(r.url(), c.url);
    EXPECT_EQ(r.body, c.body ? "[]" : "");
    EXPECT_EQ(r.content_type, c.body ? "application/json" : "");
    EXPECT_EQ(find_header(r.headers, "Authorization"), c.authorization ? "Bearer t" : "");
  }

  // HEAD stays HEAD after a 303; GET stays GET.
  post->method = "HEAD";
  EXPECT_EQ((*internal::follow_redirect(*post, "am:9093", 303, "/x"))->method, "HEAD");
  post->follow_redirects = false;
  EXPECT_FALSE(internal::follow_redirect(*post, "am:9093", 302, "/x")->has_value());

  auto bad = internal::follow_redirect(*make_http_request("GET", "http://am/", {}), "am:80", 302, "http://[bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(bad.error().message.starts_with("failed to parse Location header \"http://[bad\": "))
      << bad.error().message;
  auto ftp = internal::follow_redirect(*make_http_request("GET", "http://am/", {}), "am:80", 302, "ftp://am/x");
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.error().message, "unsupported protocol scheme \"ftp\"");
}

TEST(Gunzip, InflatesAndBoundsTheOutput) {
  const std::string plain(100000, 'a');
  const std::string packed = testing::gzip(plain);
  EXPECT_LT(packed.size(), 1000u);
  EXPECT_EQ(*gunzip(packed, 0), plain);
  EXPECT_EQ(*gunzip(packed, plain.size()), plain);
  auto bomb = gunzip(packed, 50000);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(gunzip("not gzip", 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(gunzip(packed.substr(0, packed.size() / 2), 0).ok());  // truncated
}

}  // namespace
}  // namespace cogwatch::net
