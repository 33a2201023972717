#include "server/api_params.h"

#include <gtest/gtest.h>

namespace cogwatch::server {
namespace {

net::HttpRequest get(std::string target) { return {.method = "GET", .target = std::move(target)}; }

TEST(ApiParamsTest, QueryStringDecodedAsGo) {
  auto p = parse_params(get("/api/v1/query?query=sum+by%20(job)%28up%29&time=&match[]=a&match%5B%5D=b"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->value("query"), "sum by (job)(up)");
  EXPECT_TRUE(p->has("time"));
  EXPECT_EQ(p->value("time"), "");
  EXPECT_FALSE(p->has("start"));
  EXPECT_EQ(p->all("match[]"), (std::vector<std::string>{"a", "b"}));
}

TEST(ApiParamsTest, FormBodyComesBeforeTheQueryString) {
  net::HttpRequest r{.method = "POST", .target = "/api/v1/query?query=url&x=1", .body = "query=body&match[]=m"};
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=UTF-8"}};
  auto p = parse_params(r);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->value("query"), "body");
  EXPECT_EQ(p->all("query"), (std::vector<std::string>{"body", "url"}));
  EXPECT_EQ(p->value("x"), "1");
  r.headers = {{"Content-Type", "application/json"}};  // not a form: the body is not read
  EXPECT_EQ(parse_params(r)->value("query"), "url");
}

TEST(ApiParamsTest, BadEscapesAndSemicolonsAreErrorsAsGo) {
  EXPECT_EQ(parse_params(get("/q?query=%zz")).error().message, "invalid URL escape \"%zz\"");
  EXPECT_EQ(parse_params(get("/q?query=a%4")).error().message, "invalid URL escape \"%4\"");
  EXPECT_EQ(parse_params(get("/q?a=1;b=2")).error().message, "invalid semicolon separator in query");
}

TEST(ApiParamsTest, PathLeavesTheQueryOut) {
  EXPECT_EQ(request_path(get("/api/v1/labels?match[]=up")), "/api/v1/labels");
  EXPECT_EQ(request_path(get("/-/healthy")), "/-/healthy");
}

}  // namespace
}  // namespace cogwatch::server
