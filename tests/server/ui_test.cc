// The web UI's files as the route serves them, and the route prefix every
// path lives under: content types, the pages that get index.html, the
// relative redirect, ETags, and the 404s outside the prefix.
#include "server/ui.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "net/http_message.h"
#include "server/web.h"

namespace cogwatch::server {
namespace {

net::HttpRequest req(std::string method, std::string target) {
  return {.method = std::move(method), .target = std::move(target)};
}

TEST(UiTest, EveryFileIsCompiledInAndServedWithItsType) {
  std::set<std::string> paths;
  for (const UiAsset& a : ui_assets()) {
    paths.insert(std::string(a.path));
    EXPECT_FALSE(a.body.empty()) << a.path;
  }
  EXPECT_EQ(paths, (std::set<std::string>{"index.html", "app.js", "app.css", "vendor/uPlot.iife.min.js",
                                          "vendor/uPlot.min.css", "vendor/uPlot.LICENSE"}));
  Web web({.routes = {ui_route()}});
  const auto js = web.handle(req("GET", "/static/app.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("'use strict'"), std::string::npos);
  EXPECT_EQ(web.handle(req("GET", "/static/vendor/uPlot.min.css")).content_type, "text/css; charset=utf-8");
  EXPECT_NE(web.handle(req("GET", "/static/vendor/uPlot.LICENSE")).body.find("MIT"), std::string::npos);
  EXPECT_EQ(web.handle(req("GET", "/static/nope.js")).status, 404);
  EXPECT_EQ(web.handle(req("GET", "/static/../index.html")).status, 404);
}

TEST(UiTest, PagesGetIndexHtmlAndTheRootRedirectsRelatively) {
  Web web({.routes = {ui_route()}});
  for (const char* page : {"/cog", "/alerts", "/rules", "/targets", "/query", "/graph", "/status"}) {
    const auto r = web.handle(req("GET", std::string(page) + "?expr=up"));
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << page;
    EXPECT_NE(r.body.find("<script src=\"static/app.js\">"), std::string::npos) << page;
  }
  const auto root = web.handle(req("GET", "/"));
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(net::find_header(root.headers, "Location"), "cog");
  EXPECT_EQ(web.handle(req("GET", "/cog/")).status, 404) << "a page one level deeper would break relative URLs";
  EXPECT_EQ(web.handle(req("POST", "/cog")).status, 405);
  // HEAD answers as GET; the server sends the length without the body.
  const auto head = web.handle(req("HEAD", "/cog"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, web.handle(req("GET", "/cog")).body);
}

TEST(UiTest, AnUnchangedFileAnswers304ToItsETag) {
  Web web({.routes = {ui_route()}});
  const auto first = web.handle(req("GET", "/static/app.css"));
  const std::string etag(net::find_header(first.headers, "ETag"));
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(net::find_header(first.headers, "Cache-Control"), "no-cache");
  net::HttpRequest again = req("GET", "/static/app.css");
  again.headers.emplace_back("If-None-Match", etag);
  const auto second = web.handle(again);
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  for (const std::string& header : {"W/" + etag, "\"other\", " + etag, std::string("*")}) {
    net::HttpRequest r = req("GET", "/static/app.css");
    r.headers.emplace_back("If-None-Match", header);
    EXPECT_EQ(web.handle(r).status, 304) << header;
  }
  net::HttpRequest other = req("GET", "/static/app.css");
  other.headers.emplace_back("If-None-Match", "\"other\"");
  EXPECT_EQ(web.handle(other).status, 200);
}

TEST(WebRoutePrefix, EveryPathLivesUnderThePrefix) {
  Web web({.routes = {[](const net::HttpRequest& r) -> std::optional<net::HttpResponse> {
                        if (!r.target.starts_with("/api/v1/")) return std::nullopt;
                        return net::HttpResponse{.body = "api " + r.target};
                      },
                      ui_route()},
           .route_prefix = "/cogwatch/"});
  EXPECT_EQ(web.handle(req("GET", "/cogwatch/api/v1/query?query=up")).body, "api /api/v1/query?query=up");
  EXPECT_EQ(web.handle(req("GET", "/cogwatch/-/healthy")).status, 200);
  EXPECT_EQ(web.handle(req("GET", "/cogwatch/cog")).status, 200);
  const auto bare = web.handle(req("GET", "/cogwatch"));
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(net::find_header(bare.headers, "Location"), "/cogwatch/");
  EXPECT_EQ(web.handle(req("GET", "/cogwatch/")).status, 302) << "then on to cog";
  EXPECT_EQ(net::find_header(web.handle(req("GET", "/cogwatch?x=1")).headers, "Location"), "/cogwatch/?x=1");
  EXPECT_EQ(web.handle(req("GET", "/api/v1/query?query=up")).status, 404);
  EXPECT_EQ(web.handle(req("GET", "/cogwatchx/api/v1/query")).status, 404);
  EXPECT_EQ(web.handle(req("GET", "/-/healthy")).status, 404);
}

}  // namespace
}  // namespace cogwatch::server
