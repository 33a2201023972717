// Alertmanager's API v2 over the dispatcher, request by request (amtool
// against it is in amtool_api_test.cc).
#include "notify/api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cogwatch::notify {
namespace {

constexpr Timestamp kNow = 1'800'000'000'000;  // 2027-01-15T08:00:00Z

class NullIntegrations : public Integrations {
 public:
  void deliver(Notification, std::function<void(bool)> done) override { done(true); }
};

NotifyConfig config() {
  NotifyConfig c;
  c.route.receiver = "ops";
  c.receivers = {{.name = "ops"}, {.name = "ml"}};
  c.route.routes = {RouteConfig{.receiver = "ml", .matchers = parse_matchers(R"(team="ml")").value()}};
  return c;
}

struct ApiFixture {
  ManualClock clock{kNow};
  NullIntegrations integrations;
  Dispatcher dispatcher{config(), integrations, {.clock = &clock}};
  AlertmanagerApi api{dispatcher, {.config_text = "route: {}\n", .version = "0.1.0", .started_at = kNow}};

  net::HttpResponse call(std::string method, std::string target, std::string body = "") {
    auto r = api.handle({.method = std::move(method), .target = std::move(target), .body = std::move(body)});
    EXPECT_TRUE(r.has_value());
    return r.value_or(net::HttpResponse{.status = 0});
  }
  boost::json::value json(std::string method, std::string target, std::string body = "") {
    auto r = call(std::move(method), std::move(target), std::move(body));
    EXPECT_EQ(r.status, 200) << r.body;
    return boost::json::parse(r.body);
  }
};

TEST(AlertmanagerApi, PostedAlertsReadBackWithReceiversAndStatus) {
  ApiFixture f;
  auto r = f.call("POST", "/api/v2/alerts",
                  R"([{"labels":{"alertname":"Drift","team":"ml"},"annotations":{"summary":"s","empty":""},)"
                  R"("startsAt":"2027-01-15T07:59:00.000Z","endsAt":"2027-01-15T08:04:00.000Z","generatorURL":"http://g/"},)"
                  R"({"labels":{"alertname":"Cpu"}}])");
  ASSERT_EQ(r.status, 200) << r.body;
  auto all = f.json("GET", "/api/v2/alerts");
  ASSERT_EQ(all.as_array().size(), 2u);
  auto ml = f.json("GET", "/api/v2/alerts?filter=team%3D%22ml%22");
  ASSERT_EQ(ml.as_array().size(), 1u);
  const auto& a = ml.as_array()[0].as_object();
  EXPECT_EQ(a.at("receivers").as_array()[0].at("name").as_string(), "ml");
  EXPECT_EQ(a.at("startsAt").as_string(), "2027-01-15T07:59:00.000Z");
  EXPECT_EQ(a.at("annotations").at("empty").as_string(), "");
  EXPECT_EQ(a.at("status").at("state").as_string(), "active");
  EXPECT_EQ(a.at("generatorURL").as_string(), "http://g/");
  // A negative filter also matches alerts without the label.
  EXPECT_EQ(f.json("GET", "/api/v2/alerts?filter=team!%3D%22ml%22").as_array().size(), 1u);
  EXPECT_EQ(f.json("GET", "/api/v2/alerts?receiver=ops").as_array().size(), 1u);

  auto bad = f.call("POST", "/api/v2/alerts", R"([{"labels":{}}])");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "\"at least one label pair required\"\n");
  EXPECT_EQ(f.call("GET", "/api/v2/alerts?filter=%3D%3D").status, 400);
  EXPECT_FALSE(f.api.handle({.method = "GET", .target = "/api/v1/query"}).has_value());
}

TEST(AlertmanagerApi, SilenceLifecycle) {
  ApiFixture f;
  ASSERT_EQ(f.call("POST", "/api/v2/alerts", R"([{"labels":{"alertname":"Drift","team":"ml"}}])").status, 200);
  auto created = f.json("POST", "/api/v2/silences",
                        R"({"matchers":[{"name":"team","value":"ml","isRegex":false,"isEqual":true}],)"
                        R"("startsAt":"2027-01-15T08:00:00.000Z","endsAt":"2027-01-15T09:00:00.000Z",)"
                        R"("createdBy":"ops","comment":"deploy"})");
  const std::string id(created.at("silenceID").as_string());
  ASSERT_EQ(id.size(), 36u);

  auto alerts = f.json("GET", "/api/v2/alerts");
  EXPECT_EQ(alerts.as_array()[0].at("status").at("state").as_string(), "suppressed");
  EXPECT_EQ(alerts.as_array()[0].at("status").at("silencedBy").as_array()[0].as_string(), id);
  EXPECT_EQ(f.json("GET", "/api/v2/alerts?silenced=false").as_array().size(), 0u);

  auto one = f.json("GET", "/api/v2/silence/" + id);
  EXPECT_EQ(one.at("status").at("state").as_string(), "active");
  EXPECT_EQ(one.at("createdBy").as_string(), "ops");
  EXPECT_EQ(one.at("matchers").as_array()[0].at("isEqual").as_bool(), true);
  EXPECT_EQ(f.json("GET", "/api/v2/silences?filter=team%3Dml").as_array().size(), 1u);
  EXPECT_EQ(f.json("GET", "/api/v2/silences?filter=team%3Dops").as_array().size(), 0u);

  EXPECT_EQ(f.call("DELETE", "/api/v2/silence/" + id).status, 200);
  EXPECT_EQ(f.json("GET", "/api/v2/silence/" + id).at("status").at("state").as_string(), "expired");
  EXPECT_EQ(f.call("DELETE", "/api/v2/silence/" + id).status, 500);  // "already expired", as Alertmanager
  EXPECT_EQ(f.call("DELETE", "/api/v2/silence/nope").status, 404);
  EXPECT_EQ(f.json("GET", "/api/v2/alerts").as_array()[0].at("status").at("state").as_string(), "active");

  auto past = f.call("POST", "/api/v2/silences",
                     R"({"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2027-01-15T06:00:00Z",)"
                     R"("endsAt":"2027-01-15T07:00:00Z","createdBy":"x","comment":"y"})");
  EXPECT_EQ(past.status, 400);
  EXPECT_EQ(past.body, "\"Failed to create silence: end time can't be in the past\"\n");
}

TEST(AlertmanagerApi, StatusAndReceivers) {
  ApiFixture f;
  auto status = f.json("GET", "/api/v2/status");
  EXPECT_EQ(status.at("config").at("original").as_string(), "route: {}\n");
  EXPECT_EQ(status.at("versionInfo").at("version").as_string(), "0.1.0");
  auto receivers = f.json("GET", "/api/v2/receivers");
  ASSERT_EQ(receivers.as_array().size(), 2u);
  EXPECT_EQ(receivers.as_array()[1].at("name").as_string(), "ml");
}

}  // namespace
}  // namespace cogwatch::notify
