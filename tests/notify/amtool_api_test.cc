// amtool (Debian's, 0.25) against cogwatch's API v2: the same commands run
// against cogwatch's built-in Alertmanager and against the real one, at
// the same time, and their outputs compared with the silence IDs and the
// times taken out; then what must hold of cogwatch on its own (an ID is
// printed, a silenced alert is held back and shows in silencedBy, it goes
// out once the silence expires).
//
// Run alone: cogwatch_notify_peer_tests --gtest_filter='*Amtool*'.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <regex>

#include "model/clock.h"
#include "tests/notify/peer/alertmanager_process.h"
#include "tests/notify/peer/cogwatch_server.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/recording_webhook.h"
#include "tests/notify/peer/scenario.h"

namespace cogwatch::notify::peer {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr int64_t kSlack = 400;

constexpr std::string_view kConfig = R"(
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
- name: ops
  webhook_configs:
  - url: '${webhook:ops}'
)";

const std::regex kId("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
// Times as amtool's tables print them and as JSON carries them.
const std::regex kTime(R"(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( UTC|Z)?)");

// What one amtool command printed, with its exit code.
struct Step {
  std::string command;
  int exit_code = -1;
  std::string out;
};

// A command's output with IDs and times replaced, for comparing runs.
std::string normalized(const std::string& out) {
  return std::regex_replace(std::regex_replace(out, kId, "<ID>"), kTime, "<TIME>");
}

// The session both notifiers get: silences added, queried (table, JSON,
// filtered), alerts posted and queried (active, silenced), the API's view
// of a silenced alert, the silence expired. `url` is the API's base URL;
// `hook` the webhook the config points at.
struct Session {
  std::vector<Step> steps;
  std::string id;                      // the silence amtool added
  std::string api_alerts;              // GET /api/v2/alerts after the post
  std::string api_groups;              // GET /api/v2/alerts/groups after the post
  std::string api_receivers;           // GET /api/v2/receivers
  std::vector<RecordedRequest> before; // what the webhook had before the silence expired
  std::vector<RecordedRequest> after;  // ... and 3.5 s after the post
  SteadyTime posted;
};

Session play(const std::string& url, RecordingWebhook& hook) {
  Session s;
  const auto amtool = [&](std::vector<std::string> args) {
    std::string command;
    for (const std::string& a : args) command += (command.empty() ? "" : " ") + a;
    args.insert(args.begin(), "--alertmanager.url=" + url);
    Result<CommandResult> r = run_amtool(args);
    Step step{.command = command};
    if (r.ok()) {
      step.exit_code = r->exit_code;
      step.out = r->out + (r->err.empty() ? "" : "stderr: " + r->err);
    } else {
      step.out = r.error().message;
    }
    s.steps.push_back(step);
    return step.out;
  };
  std::string id = amtool({"silence", "add", "alertname=X", "-c", "comment", "-a", "author"});
  if (!id.empty() && id.back() == '\n') id.pop_back();
  s.id = id;
  amtool({"silence", "add", "alertname=~Z.*", "job!=cog", "-c", "second", "-a", "other", "-d", "2h"});
  amtool({"silence", "query"});
  amtool({"silence", "query", "-o", "json"});
  amtool({"silence", "query", "alertname=X"});
  amtool({"silence", "query", "-q", "alertname=Nope"});

  s.posted = std::chrono::steady_clock::now();
  const std::string alerts = R"([{"labels":{"alertname":"X","job":"cog"},"annotations":{"summary":"x is <down>"},)"
                             R"("startsAt":"${now}","endsAt":"${now+4m}","generatorURL":"http://prom/graph"},)"
                             R"({"labels":{"alertname":"Y"},"annotations":{"summary":"y"},)"
                             R"("startsAt":"${now}","endsAt":"${now+4m}","generatorURL":"http://prom/graph"}])";
  auto post = http_request("POST", url + "/api/v2/alerts", *expand_times(alerts, system_clock().now()));
  EXPECT_TRUE(post.ok() && post->status == 200) << url << (post.ok() ? post->body : post.error().message);
  amtool({"alert", "query"});
  amtool({"alert", "query", "-s"});
  amtool({"alert", "query", "-a"});
  amtool({"alert", "query", "-o", "json"});
  amtool({"alert", "query", "-s", "-o", "json", "alertname=X"});
  auto api = http_request("GET", url + "/api/v2/alerts");
  s.api_alerts = api.ok() ? api->body : api.error().message;
  auto groups = http_request("GET", url + "/api/v2/alerts/groups");
  s.api_groups = groups.ok() ? groups->body : groups.error().message;
  auto receivers = http_request("GET", url + "/api/v2/receivers");
  s.api_receivers = receivers.ok() ? receivers->body : receivers.error().message;

  // Y goes out at group_wait; X's group flushes too, silenced.
  hook.wait_for(1, 3s);
  std::this_thread::sleep_until(s.posted + 1500ms);
  s.before = hook.requests();
  amtool({"silence", "expire", id});
  amtool({"silence", "query", "-q"});
  amtool({"silence", "query", "--expired", "alertname=X"});
  // Unsilenced, X goes out at its group's next tick.
  std::this_thread::sleep_until(s.posted + 3500ms);
  s.after = hook.requests();
  return s;
}

// A JSON document with the silence ID and the times replaced.
json::value normalized_json(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(normalized(text), ec);
  return ec ? json::value(text) : v;
}

TEST(AmtoolAgainstCogwatch, SilencesAndAlertsAsAlertmanagerShowsThem) {
  auto am_hook = RecordingWebhook::start();
  auto cw_hook = RecordingWebhook::start();
  ASSERT_TRUE(am_hook.ok() && cw_hook.ok());
  auto am = AlertmanagerProcess::start(
      {.config_yaml = expand_webhooks(kConfig, [&](std::string_view) { return (*am_hook)->url("/ops"); })});
  ASSERT_TRUE(am.ok()) << am.error().message;
  auto cw = CogwatchServer::start(
      {.config_yaml = expand_webhooks(kConfig, [&](std::string_view) { return (*cw_hook)->url("/ops"); })});
  ASSERT_TRUE(cw.ok()) << cw.error().message;

  std::future<Session> real = std::async(std::launch::async, [&] { return play((*am)->url(), **am_hook); });
  const Session c = play((*cw)->url(), **cw_hook);
  const Session a = real.get();

  // The same outputs, IDs and times aside.
  ASSERT_EQ(a.steps.size(), c.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) {
    const Step& x = a.steps[i];
    const Step& y = c.steps[i];
    EXPECT_EQ(y.exit_code, x.exit_code) << "amtool " << y.command << "\ncogwatch:\n" << y.out << "Alertmanager:\n" << x.out;
    if (x.command.find("json") != std::string::npos) {
      EXPECT_EQ(normalized_json(y.out), normalized_json(x.out))
          << "amtool " << y.command << "\ncogwatch:\n" << y.out << "Alertmanager:\n" << x.out;
    } else {
      EXPECT_EQ(normalized(y.out), normalized(x.out))
          << "amtool " << y.command << "\ncogwatch:\n" << y.out << "Alertmanager:\n" << x.out;
    }
  }
  // The API's alerts, groups and receivers as amtool does not show them.
  for (const auto& [mine, theirs] : {std::pair{c.api_alerts, a.api_alerts}, std::pair{c.api_groups, a.api_groups},
                                     std::pair{c.api_receivers, a.api_receivers}}) {
    EXPECT_EQ(normalized_json(mine), normalized_json(theirs)) << "cogwatch:\n" << mine << "Alertmanager:\n" << theirs;
  }

  // What holds of cogwatch on its own.
  EXPECT_TRUE(std::regex_match(c.id, kId)) << c.id;
  const std::string& listed = c.steps[2].out;
  EXPECT_TRUE(std::regex_search(listed, std::regex(c.id + R"( +alertname="X" +\S+ \S+ UTC +author +comment)")))
      << listed;
  const std::string& active = c.steps[6].out;
  EXPECT_TRUE(std::regex_search(active, std::regex("\nY +\\S+ \\S+ UTC +y +active"))) << active;
  EXPECT_EQ(active.find("\nX "), std::string::npos) << active;
  const std::string& silenced = c.steps[7].out;
  EXPECT_TRUE(std::regex_search(silenced, std::regex("\nX +\\S+ \\S+ UTC +x is <down> +suppressed"))) << silenced;
  const json::value api = json::parse(c.api_alerts);
  bool found = false;
  for (const json::value& v : api.as_array()) {
    if (v.at("labels").at("alertname") != "X") continue;
    found = true;
    EXPECT_EQ(v.at("status").at("silencedBy"), json::array({json::value(c.id)})) << c.api_alerts;
    EXPECT_EQ(v.at("status").at("state"), "suppressed") << c.api_alerts;
  }
  EXPECT_TRUE(found) << c.api_alerts;
  EXPECT_EQ(c.steps[11].out, "") << "silence expire prints nothing";
  EXPECT_EQ(c.steps[12].out.find(c.id), std::string::npos) << c.steps[12].out;
  EXPECT_NE(c.steps[13].out.find(c.id), std::string::npos) << c.steps[13].out;
  // The webhook: Y at group_wait, X only after the silence expired.
  ASSERT_EQ(c.before.size(), 1u);
  EXPECT_NE(c.before[0].body.find(R"("groupKey":"{}:{alertname=\"Y\"}")"), std::string::npos) << c.before[0].body;
  ASSERT_EQ(c.after.size(), 2u);
  EXPECT_NE(c.after[1].body.find(R"("groupKey":"{}:{alertname=\"X\"}")"), std::string::npos) << c.after[1].body;
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::milliseconds>(c.after[1].at - c.posted).count(), 3000, kSlack);
  EXPECT_EQ(a.after.size(), c.after.size());
}

}  // namespace
}  // namespace cogwatch::notify::peer
