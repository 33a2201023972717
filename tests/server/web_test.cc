#include "server/web.h"

#include <gtest/gtest.h>

namespace cogwatch::server {
namespace {

net::HttpRequest req(std::string method, std::string target) {
  return {.method = std::move(method), .target = std::move(target)};
}

TEST(WebTest, HealthyAndReady) {
  bool ready = false;
  Web web({.ready = [&] { return ready; }});
  EXPECT_EQ(web.handle(req("GET", "/-/healthy")).status, 200);
  EXPECT_EQ(web.handle(req("GET", "/-/ready")).status, 503);
  ready = true;
  EXPECT_EQ(web.handle(req("HEAD", "/-/ready")).status, 200);
  EXPECT_EQ(web.handle(req("POST", "/-/healthy")).status, 405);
}

TEST(WebTest, ApisAndMetricsAnswer503UntilReady) {
  bool ready = false;
  Web web({.ready = [&] { return ready; },
           .metrics = [] { return std::string("cogwatch_up 1\n"); },
           .routes = {[](const net::HttpRequest&) -> std::optional<net::HttpResponse> {
             return net::HttpResponse{.body = "api"};
           }}});
  EXPECT_EQ(web.handle(req("GET", "/api/v1/query")).status, 503);
  EXPECT_EQ(web.handle(req("GET", "/metrics")).status, 503);
  EXPECT_EQ(web.handle(req("GET", "/-/healthy")).status, 200);
  ready = true;
  EXPECT_EQ(web.handle(req("GET", "/api/v1/query")).body, "api");
  EXPECT_EQ(web.handle(req("GET", "/metrics")).status, 200);
}

TEST(WebTest, LifecycleNeedsTheFlagAndPost) {
  int reloads = 0, quits = 0;
  WebOptions o{.reload = [&] {
                 ++reloads;
                 return Status{};
               },
               .quit = [&] { ++quits; }};
  Web off(o);
  auto r = off.handle(req("POST", "/-/reload"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "Lifecycle API is not enabled.\n");
  EXPECT_EQ(reloads, 0);

  o.enable_lifecycle = true;
  Web on(o);
  EXPECT_EQ(on.handle(req("GET", "/-/reload")).status, 405);
  EXPECT_EQ(on.handle(req("POST", "/-/reload")).status, 200);
  EXPECT_EQ(on.handle(req("PUT", "/-/quit")).status, 200);
  EXPECT_EQ(reloads, 1);
  EXPECT_EQ(quits, 1);
}

TEST(WebTest, FailedReloadAnswers500WithEveryError) {
  Web web({.enable_lifecycle = true, .reload = [] {
             return Status(Error{ErrorCode::kInvalidArgument, "a.yml:1:1: bad\nrules.yml:2:3: worse"});
           }});
  auto r = web.handle(req("POST", "/-/reload"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "failed to reload config: a.yml:1:1: bad\nrules.yml:2:3: worse\n");
}

TEST(WebTest, RoutesAreTriedInOrderThen404) {
  Web web({.routes = {[](const net::HttpRequest& r) -> std::optional<net::HttpResponse> {
                        if (!r.target.starts_with("/api/v1/")) return std::nullopt;
                        return net::HttpResponse{.body = "first"};
                      },
                      [](const net::HttpRequest&) -> std::optional<net::HttpResponse> {
                        return net::HttpResponse{.body = "second"};
                      }}});
  EXPECT_EQ(web.handle(req("GET", "/api/v1/query?query=1")).body, "first");
  EXPECT_EQ(web.handle(req("GET", "/api/v2/alerts")).body, "second");
  Web none({});
  EXPECT_EQ(none.handle(req("GET", "/nope")).status, 404);
}

TEST(WebTest, MetricsCountRequestsByHandlerAndCode) {
  Web web({.metrics = [] { return std::string("cogwatch_up 1\n"); }});
  web.handle(req("GET", "/-/healthy"));
  web.handle(req("GET", "/-/healthy"));
  web.handle(req("GET", "/api/v1/label/job/values"));
  web.handle(req("GET", "/some/where"));
  const std::string body = web.handle(req("GET", "/metrics")).body;
  EXPECT_TRUE(body.starts_with("cogwatch_up 1\n")) << body;
  EXPECT_NE(body.find("cogwatch_http_requests_total{code=\"200\",handler=\"/-/healthy\"} 2\n"), std::string::npos)
      << body;
  EXPECT_NE(body.find("cogwatch_http_requests_total{code=\"404\",handler=\"/api/v1/label/:name/values\"} 1\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("cogwatch_http_requests_total{code=\"404\",handler=\"other\"} 1\n"), std::string::npos) << body;
  EXPECT_NE(body.find("cogwatch_http_request_duration_seconds_count{handler=\"/-/healthy\"} 2\n"), std::string::npos)
      << body;
}

}  // namespace
}  // namespace cogwatch::server
