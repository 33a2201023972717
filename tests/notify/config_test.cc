#include "notify/config.h"

#include <gtest/gtest.h>

#include "model/yaml_reader.h"
#include "tests/notify/amtool.h"

namespace cogwatch::notify {
namespace {

std::string matchers_of(const AmMatchers& ms) {
  std::string out;
  for (const AmMatcher& m : ms) out += (out.empty() ? "" : " ") + m.to_string();
  return out;
}

TEST(NotifyConfig, ReadsEveryField) {
  auto c = parse_notify_config(R"(
global:
  resolve_timeout: 2m
  http_config:
    basic_auth: {username: am, password: secret}
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 3h
  routes:
  - receiver: ml
    match: {team: ml, tier: "1"}
    match_re: {service: 'cog-.*'}
    matchers: ['severity=~"critical|page"', 'env!=dev, region!~"eu.*"']
    group_by: ['...']
    continue: true
    routes:
    - receiver: ml-pager
      group_by: [instance]
  - receiver: default
    matchers: [job="batch"]
receivers:
- name: default
- name: ml
  webhook_configs:
  - url: http://hooks.example:8080/ml
    send_resolved: false
    max_alerts: 20
    timeout: 5s
  - url_file: /etc/cogwatch/ml-url
    http_config:
      bearer_token: t0k3n
- name: ml-pager
  webhook_configs:
  - url: https://pager.example/hook
inhibit_rules:
- source_match: {severity: critical}
  source_match_re: {alertname: 'Cog.*'}
  source_matchers: [cluster=a]
  target_match: {severity: warning}
  target_match_re: {service: 'cog|api'}
  target_matchers: ['team!=ops']
  equal: [cluster, service]
)",
                               "am.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->resolve_timeout, 2 * kMinute);

  const RouteConfig& root = c->route;
  EXPECT_EQ(root.receiver, "default");
  EXPECT_EQ(root.group_by, (std::vector<std::string>{"alertname", "cluster"}));
  EXPECT_FALSE(root.group_by_all);
  EXPECT_EQ(root.group_wait, 10 * kSecond);
  EXPECT_EQ(root.group_interval, kMinute);
  EXPECT_EQ(root.repeat_interval, 3 * kHour);
  EXPECT_TRUE(root.matchers.empty());
  EXPECT_FALSE(root.continue_matching);
  ASSERT_EQ(root.routes.size(), 2u);

  const RouteConfig& ml = root.routes[0];
  EXPECT_EQ(ml.receiver, "ml");
  // match (sorted by the map's keys here), match_re anchored as
  // Alertmanager's config.Regexp keeps it, then matchers as written.
  EXPECT_EQ(matchers_of(ml.matchers),
            R"(team="ml" tier="1" service=~"^(?:cog-.*)$" severity=~"critical|page" env!="dev" region!~"eu.*")");
  EXPECT_FALSE(ml.group_by.has_value());  // ['...'] names no label: inherited, and all
  EXPECT_TRUE(ml.group_by_all);
  EXPECT_TRUE(ml.continue_matching);
  EXPECT_FALSE(ml.group_wait.has_value());
  ASSERT_EQ(ml.routes.size(), 1u);
  EXPECT_EQ(ml.routes[0].receiver, "ml-pager");
  EXPECT_EQ(ml.routes[0].group_by, std::vector<std::string>{"instance"});
  EXPECT_EQ(matchers_of(root.routes[1].matchers), R"(job="batch")");

  ASSERT_EQ(c->receivers.size(), 3u);
  EXPECT_TRUE(c->receivers[0].webhook_configs.empty());  // a receiver that drops
  const ReceiverConfig* r = c->receiver("ml");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->webhook_configs.size(), 2u);
  const WebhookConfig& w = r->webhook_configs[0];
  EXPECT_EQ(w.url, "http://hooks.example:8080/ml");
  EXPECT_EQ(w.url_file, "");
  EXPECT_FALSE(w.send_resolved);
  EXPECT_EQ(w.max_alerts, 20u);
  EXPECT_EQ(w.timeout, 5 * kSecond);
  // Without an http_config of its own, a webhook takes the global one.
  ASSERT_TRUE(w.http_config.basic_auth.has_value());
  EXPECT_EQ(w.http_config.basic_auth->username, "am");
  EXPECT_EQ(w.http_config.basic_auth->password, "secret");
  const WebhookConfig& w2 = r->webhook_configs[1];
  EXPECT_EQ(w2.url, "");
  EXPECT_EQ(w2.url_file, "/etc/cogwatch/ml-url");
  EXPECT_TRUE(w2.send_resolved);
  EXPECT_EQ(w2.max_alerts, 0u);
  EXPECT_EQ(w2.timeout, 0);
  // Its own replaces the global one entirely.
  EXPECT_FALSE(w2.http_config.basic_auth.has_value());
  ASSERT_TRUE(w2.http_config.authorization.has_value());
  EXPECT_EQ(w2.http_config.authorization->type, "Bearer");
  EXPECT_EQ(w2.http_config.authorization->credentials, "t0k3n");
  EXPECT_EQ(c->receiver("ml-pager")->webhook_configs[0].url, "https://pager.example/hook");
  EXPECT_EQ(c->receiver("nobody"), nullptr);

  ASSERT_EQ(c->inhibit_rules.size(), 1u);
  const InhibitRuleConfig& ir = c->inhibit_rules[0];
  EXPECT_EQ(matchers_of(ir.source_matchers), R"(severity="critical" alertname=~"^(?:Cog.*)$" cluster="a")");
  EXPECT_EQ(matchers_of(ir.target_matchers), R"(severity="warning" service=~"^(?:cog|api)$" team!="ops")");
  EXPECT_EQ(ir.equal, (std::vector<std::string>{"cluster", "service"}));
}

TEST(NotifyConfig, Defaults) {
  auto c = parse_notify_config("route: {receiver: x}\nreceivers: [{name: x, webhook_configs: [{url: 'http://h/'}]}]\n",
                               "am.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->resolve_timeout, 5 * kMinute);
  EXPECT_FALSE(c->route.group_by.has_value());
  EXPECT_FALSE(c->route.group_by_all);
  EXPECT_FALSE(c->route.group_wait.has_value());
  EXPECT_FALSE(c->route.group_interval.has_value());
  EXPECT_FALSE(c->route.repeat_interval.has_value());
  const WebhookConfig& w = c->receivers[0].webhook_configs[0];
  EXPECT_TRUE(w.send_resolved);
  EXPECT_EQ(w.max_alerts, 0u);
  EXPECT_FALSE(w.http_config.basic_auth.has_value());
  EXPECT_FALSE(w.http_config.authorization.has_value());
  EXPECT_TRUE(w.http_config.follow_redirects);
  EXPECT_TRUE(c->inhibit_rules.empty());
}

// cogwatch's log receiver kind, after the webhooks of its receiver.
TEST(NotifyConfig, LogConfigs) {
  auto c = parse_notify_config(
      "route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs: [{url: 'http://h/'}]\n"
      "  log_configs: [{}, {send_resolved: false}]\n",
      "am.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->receivers[0].log_configs.size(), 2u);
  EXPECT_TRUE(c->receivers[0].log_configs[0].send_resolved);
  EXPECT_FALSE(c->receivers[0].log_configs[1].send_resolved);
  EXPECT_EQ(parse_notify_config("route: {receiver: x}\nreceivers:\n- name: x\n  log_configs: [{level: info}]\n",
                                "am.yml")
                .error()
                .message,
            "am.yml:4:18: unknown field \"level\" in log config");
}

// group_by as Alertmanager's Route.UnmarshalYAML and NewRoute read it.
TEST(NotifyConfig, GroupByForms) {
  auto route_of = [](const char* group_by) {
    auto c = parse_notify_config(
        std::string("route: {receiver: x, group_by: ") + group_by + "}\nreceivers: [{name: x}]\n", "am.yml");
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? c->route : RouteConfig{};
  };
  EXPECT_EQ(route_of("[b, a]").group_by, (std::vector<std::string>{"b", "a"}));
  EXPECT_FALSE(route_of("[b, a]").group_by_all);
  EXPECT_FALSE(route_of("['...']").group_by.has_value());
  EXPECT_TRUE(route_of("['...']").group_by_all);
  EXPECT_TRUE(route_of("['...', '...']").group_by_all);  // not a duplicated label
  EXPECT_FALSE(route_of("[]").group_by.has_value());     // no label names: inherited
  EXPECT_FALSE(route_of("[]").group_by_all);
  EXPECT_FALSE(route_of("~").group_by.has_value());
}

// Alertmanager accepts these globals, which only configure receivers
// cogwatch refuses; they are checked as Alertmanager checks them.
TEST(NotifyConfig, AcceptsGlobalsOfOtherReceivers) {
  auto c = parse_notify_config(R"(
global:
  smtp_from: am@example.org
  smtp_hello: example.org
  smtp_smarthost: 'smtp.example.org:587'
  smtp_auth_username: am
  smtp_auth_password: pw
  smtp_auth_secret: s
  smtp_auth_identity: id
  smtp_require_tls: false
  slack_api_url: '<secret>'
  pagerduty_url: https://events.pagerduty.com/v2/enqueue
  opsgenie_api_url: https://api.opsgenie.com/
  opsgenie_api_key_file: /k
  wechat_api_url: https://qyapi.weixin.qq.com/cgi-bin/
  wechat_api_secret: s
  wechat_api_corp_id: c
  victorops_api_url: https://alert.victorops.com/
  victorops_api_key: k
  telegram_api_url: https://api.telegram.org
  webex_api_url: https://webexapis.com/v1/messages
route: {receiver: x}
receivers: [{name: x}]
)",
                               "am.yml");
  EXPECT_TRUE(c.ok()) << c.error().message;
}

// Empty lists of unsupported things configure nothing and are accepted.
TEST(NotifyConfig, EmptyUnsupportedListsAreAccepted) {
  auto c = parse_notify_config(R"(
templates: []
time_intervals: []
mute_time_intervals:
route:
  receiver: x
  routes: [{receiver: x, mute_time_intervals: [], active_time_intervals: []}]
receivers: [{name: x, email_configs: [], slack_configs: ~}]
)",
                               "am.yml");
  EXPECT_TRUE(c.ok()) << c.error().message;
}

// An error case: the configuration, cogwatch's error, and whether
// Alertmanager 0.25 (amtool check-config) rejects it too. kCogwatchOnly
// marks refusals of what Alertmanager supports and cogwatch does not, and
// fields of later Alertmanagers.
struct ErrorCase {
  std::string yml;
  std::string error;
  bool cogwatch_only = false;
};
constexpr bool kCogwatchOnly = true;

const std::vector<ErrorCase>& error_cases() {
  static const std::string ok_receivers = "receivers: [{name: x}]\n";
  static const std::vector<ErrorCase> cases = {
      // The document and its top level.
      {"", "am.yml:1:1: no route provided in config"},
      {"# only a comment\n", "am.yml:1:1: no route provided in config"},
      {"receivers: [{name: x}]\n", "am.yml:1:1: no routes provided"},
      {"route:\nreceivers: [{name: x}]\n", "am.yml:1:1: no routes provided"},
      {"- route\n", "am.yml:1:1: the configuration must be a mapping"},
      {"route: {receiver: x}\n" + ok_receivers + "routes: []\n",
       "am.yml:3:1: unknown field \"routes\" in the configuration"},
      {"route: {receiver: x}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:2:1: field \"route\" already set in the configuration"},
      {"route: {receiver: x}\n" + ok_receivers + "templates: ['/etc/am/*.tmpl']\n",
       "am.yml:3:1: cogwatch does not support templates yet", kCogwatchOnly},
      {"route: {receiver: x}\n" + ok_receivers + "time_intervals:\n- name: night\n",
       "am.yml:3:1: cogwatch does not support time_intervals yet", kCogwatchOnly},
      {"route: {receiver: x}\n" + ok_receivers + "mute_time_intervals:\n- name: night\n",
       "am.yml:3:1: cogwatch does not support mute_time_intervals yet", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers: [{name: x}\n", "am.yml:3:1: end of sequence flow not found"},
      // global
      {"global: {resolve_timeout: 5}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:27: not a valid duration string: \"5\" (missing unit)"},
      {"global: {smtp_port: 25}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:10: unknown field \"smtp_port\" in global"},
      {"global:\n  http_config: {bearer_token: a, bearer_token_file: b}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:2:16: at most one of bearer_token & bearer_token_file must be configured"},
      {"global:\n  http_config: {proxy_url: 'http://proxy:3128'}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:2:17: cogwatch does not support proxy_url in http_config yet", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h/'\n    http_config:\n"
       "      oauth2: {client_id: c, client_secret: s, token_url: 'http://t/'}\n",
       "am.yml:7:7: cogwatch does not support oauth2 in http_config yet", kCogwatchOnly},
      {"global: {pagerduty_url: 'events.pagerduty.com'}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:25: unsupported scheme \"\" for URL"},
      {"global: {slack_api_url: 'https://'}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:25: missing host for URL"},
      {"global: {smtp_smarthost: 'smtp.example.org'}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:26: address smtp.example.org: missing port in address"},
      {"global: {smtp_smarthost: 'smtp:'}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:26: address \"smtp:\": port cannot be empty"},
      {"global: {opsgenie_api_key: a, opsgenie_api_key_file: b}\nroute: {receiver: x}\n" + ok_receivers,
       "am.yml:1:9: at most one of opsgenie_api_key & opsgenie_api_key_file must be configured"},
      // The root route.
      {"route: {group_wait: 30s}\n" + ok_receivers, "am.yml:1:8: root route must specify a default receiver"},
      {"route:\n  receiver: x\n  match: {a: b}\n" + ok_receivers, "am.yml:3:3: root route must not have any matchers"},
      {"route:\n  receiver: x\n  matchers: [a=b]\n" + ok_receivers,
       "am.yml:3:3: root route must not have any matchers"},
      {"route:\n  receiver: x\n  continue: true\n" + ok_receivers, "am.yml:3:13: cannot have continue in root route"},
      {"route: {receiver: y}\n" + ok_receivers, "am.yml:1:19: undefined receiver \"y\" used in route"},
      // Any route.
      {"route:\n  receiver: x\n  routes:\n  - match: {a: b}\n    routes:\n    - receiver: nonexistent\n" + ok_receivers,
       "am.yml:6:17: undefined receiver \"nonexistent\" used in route"},
      {"route:\n  receiver: x\n  routes:\n  - recevier: x\n" + ok_receivers,
       "am.yml:4:5: unknown field \"recevier\" in route"},
      {"route:\n  receiver: x\n  group_by: [alertname, cluster, service, cluster]\n" + ok_receivers,
       "am.yml:3:43: duplicated label \"cluster\" in group_by"},
      {"route:\n  receiver: x\n  group_by: [alertname, '...']\n" + ok_receivers,
       "am.yml:3:13: cannot have wildcard group_by (`...`) and other other labels at the same time"},
      {"route:\n  receiver: x\n  group_by: ['-invalid-']\n" + ok_receivers,
       "am.yml:3:14: invalid label name \"-invalid-\" in group_by list"},
      {"route:\n  receiver: x\n  group_by: alertname\n" + ok_receivers, "am.yml:3:13: group_by must be a list"},
      {"route:\n  receiver: x\n  group_interval: 0s\n" + ok_receivers, "am.yml:3:19: group_interval cannot be zero"},
      {"route:\n  receiver: x\n  repeat_interval: 0\n" + ok_receivers, "am.yml:3:20: repeat_interval cannot be zero"},
      {"route:\n  receiver: x\n  group_wait: 2h1d\n" + ok_receivers,
       "am.yml:3:15: not a valid duration string: \"2h1d\" (unknown or misplaced unit \"d\")"},
      {"route:\n  receiver: x\n  continue: maybe\n" + ok_receivers, "am.yml:3:13: continue must be true or false"},
      {"route:\n  receiver: x\n  routes: [{match: {a-b: c}}]\n" + ok_receivers,
       "am.yml:3:21: invalid label name \"a-b\""},
      {"route:\n  receiver: x\n  routes: [{match: {a: b, a: c}}]\n" + ok_receivers,
       "am.yml:3:27: key \"a\" already set in map"},
      {"route:\n  receiver: x\n  routes: [{match: [a, b]}]\n" + ok_receivers,
       "am.yml:3:20: match must be a mapping of label names to values"},
      {"route:\n  receiver: x\n  routes: [{match_re: {a: '('}}]\n" + ok_receivers,
       "am.yml:3:27: error parsing regexp: missing ): ^(?:^(?:()$)$"},
      {"route:\n  receiver: x\n  routes: [{match_re: {a: }}]\n" + ok_receivers,
       "am.yml:3:27: invalid regexp value for \"a\""},
      {"route:\n  receiver: x\n  routes:\n  - matchers: ['a=b', 'c']\n" + ok_receivers,
       "am.yml:4:23: bad matcher format: c"},
      {"route:\n  receiver: x\n  routes:\n  - matchers: ['a=~\"(\"']\n" + ok_receivers,
       "am.yml:4:16: error parsing regexp: missing ): ^(?:()$"},
      {"route:\n  receiver: x\n  routes:\n  - matchers: a=b\n" + ok_receivers, "am.yml:4:15: matchers must be a list"},
      {"route:\n  receiver: x\n  routes:\n  - receiver: x\n    mute_time_intervals: [night]\n" + ok_receivers,
       "am.yml:5:5: cogwatch does not support mute_time_intervals yet", kCogwatchOnly},
      {"route:\n  receiver: x\n  routes:\n  - receiver: x\n    active_time_intervals: [day]\n" + ok_receivers,
       "am.yml:5:5: cogwatch does not support active_time_intervals yet", kCogwatchOnly},
      // Alertmanager 0.25's label names are Prometheus's classic ones (no ':' either).
      {"route:\n  receiver: x\n  group_by: ['a:b']\n" + ok_receivers,
       "am.yml:3:14: invalid label name \"a:b\" in group_by list"},
      {"route:\n  receiver: x\n  routes: [{match: {'a:b': c}}]\n" + ok_receivers,
       "am.yml:3:21: invalid label name \"a:b\""},
      {"route:\n  receiver: x\n  routes: [{match: {a: [1]}}]\n" + ok_receivers,
       "am.yml:3:24: a label value must be a string"},
      {"route:\n  receiver: x\n  group_wait: -1s\n" + ok_receivers,
       "am.yml:3:15: not a valid duration string: \"-1s\" (expected a number)"},
      // Receivers.
      {"route: {receiver: x}\nreceivers:\n- name: ''\n", "am.yml:3:3: missing name in receiver"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n- name: x\n",
       "am.yml:4:9: notification config name \"x\" is not unique"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  email_configs:\n  - to: ops@example.org\n",
       "am.yml:4:3: cogwatch cannot deliver email_configs: only webhook_configs and log_configs are supported", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  slack_configs: [{channel: '#ops'}]\n",
       "am.yml:4:3: cogwatch cannot deliver slack_configs: only webhook_configs and log_configs are supported", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  pagerduty_configs: [{routing_key: k}]\n",
       "am.yml:4:3: cogwatch cannot deliver pagerduty_configs: only webhook_configs and log_configs are supported", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  msteams_configs: [{webhook_url: 'http://t/'}]\n",
       "am.yml:4:3: cogwatch cannot deliver msteams_configs: only webhook_configs and log_configs are supported", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  smoke_signal_configs: [{}]\n",
       "am.yml:4:3: unknown field \"smoke_signal_configs\" in receiver"},
      // Webhooks.
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - send_resolved: true\n",
       "am.yml:5:5: one of url or url_file must be configured"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - {url: 'http://h/', url_file: /f}\n",
       "am.yml:5:5: at most one of url & url_file must be configured", kCogwatchOnly},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'hooks.example/x'\n",
       "am.yml:5:10: unsupported scheme \"\" for URL"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'ftp://hooks.example/x'\n",
       "am.yml:5:10: unsupported scheme \"ftp\" for URL"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http:/x'\n",
       "am.yml:5:10: missing host for URL"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://a b/'\n",
       "am.yml:5:10: parse \"http://a b/\": invalid character \" \" in host name"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h:80x/'\n",
       "am.yml:5:10: parse \"http://h:80x/\": invalid port \":80x\" after host"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h/%zz'\n",
       "am.yml:5:10: parse \"http://h/%zz\": invalid URL escape \"%zz\""},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: \"http://h/\\tx\"\n",
       "am.yml:5:10: parse \"http://h/\\tx\": net/url: invalid control character in URL"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: '://h/'\n",
       "am.yml:5:10: parse \"://h/\": missing protocol scheme"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - {url: 'http://h/', max_alerts: -1}\n",
       "am.yml:5:36: max_alerts must be a non-negative integer"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - {url: 'http://h/', send_resolved: 1x}\n",
       "am.yml:5:39: send_resolved must be true or false"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - {url: 'http://h/', headers: {a: b}}\n",
       "am.yml:5:24: unknown field \"headers\" in webhook config"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h/'\n"
       "    http_config: {authorization: {type: basic}}\n",
       "am.yml:6:34: authorization type cannot be set to \"basic\", use \"basic_auth\" instead"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h/#%zz'\n",
       "am.yml:5:10: parse \"http://h/#%zz\": invalid URL escape \"%zz\""},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://a b@h/'\n",
       "am.yml:5:10: parse \"http://a b@h/\": net/url: invalid userinfo"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://[::1/'\n",
       "am.yml:5:10: parse \"http://[::1/\": missing ']' in host"},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http://h%41/'\n",
       "am.yml:5:10: parse \"http://h%41/\": invalid URL escape \"%41\""},
      {"route: {receiver: x}\nreceivers:\n- name: x\n  webhook_configs:\n  - url: 'http:hooks'\n",
       "am.yml:5:10: missing host for URL"},
      // Inhibit rules.
      {"route: {receiver: x}\n" + ok_receivers + "inhibit_rules:\n- equal: [cluster, 'not valid']\n",
       "am.yml:4:20: \"not valid\" is not a valid label name"},
      {"route: {receiver: x}\n" + ok_receivers + "inhibit_rules:\n- source_match_re: {a: '[z-a]'}\n",
       "am.yml:4:24: error parsing regexp: invalid character class range: z-a"},
      {"route: {receiver: x}\n" + ok_receivers + "inhibit_rules:\n- target_matchers: ['a=\"x']\n",
       "am.yml:4:21: matcher value contains unescaped double quote: \"x"},
      {"route: {receiver: x}\n" + ok_receivers + "inhibit_rules:\n- target_match: {1a: x}\n",
       "am.yml:4:18: invalid label name \"1a\""},
      {"route: {receiver: x}\n" + ok_receivers + "inhibit_rules:\n- source: {a: x}\n",
       "am.yml:4:3: unknown field \"source\" in inhibit rule"},
      {"route: {receiver: x}\n" + ok_receivers + "inhibit_rules:\n- equal: ['a:b']\n",
       "am.yml:4:11: \"a:b\" is not a valid label name"},
  };
  return cases;
}

// Configurations Alertmanager 0.25 accepts, using only what cogwatch
// supports: cogwatch accepts them too.
const std::vector<std::string>& accepted_configs() {
  static const std::vector<std::string> configs = {
      "route: {receiver: x}\nreceivers: [{name: x}]\n",
      R"(
global:
  resolve_timeout: 1h
  http_config:
    authorization: {type: Token, credentials_file: /etc/am/token}
    tls_config: {ca_file: /etc/am/ca.pem, insecure_skip_verify: false, min_version: TLS12}
    follow_redirects: false
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 1h30m
  routes:
  - receiver: ml
    match: {team: ml, tier: 1, empty: }
    match_re: {service: 'cog-.*', odd: 'a)|(b'}
    matchers: ['severity=~"critical|page"', 'env!=dev, region!~"eu.*"', '{a="b",}']
    group_by: ['...']
    continue: true
    routes:
    - {receiver: ml, group_by: [], continue: true}
    - {matchers: [x=y]}
  - {receiver: default, group_by: [instance]}
receivers:
- name: default
- name: ml
  webhook_configs:
  - url: HTTP://hooks.example:8080/ml?x=%zz
    send_resolved: false
    max_alerts: 20
  - url: 'http://user:pa%20ss@[::1]:9093/a b#frag'
    http_config:
      basic_auth: {username: am, password_file: /etc/am/pw}
  - url: 'https://bücher.example/'
    http_config: {bearer_token: t}
inhibit_rules:
- source_match: {severity: critical}
  source_match_re: {alertname: 'Cog.*'}
  source_matchers: [cluster=a]
  target_match: {severity: warning}
  target_match_re: {service: 'cog|api'}
  target_matchers: ['team!=ops']
  equal: [cluster, service]
- {}
templates: []
)",
      // Root matchers that parse to none are no matchers.
      "route: {receiver: x, match: {}, matchers: ['']}\nreceivers: [{name: x}]\n",
      "route: {receiver: x, continue: false, routes: [{continue: true}]}\nreceivers: [{name: x}]\n",
      "route: {receiver: 5}\nreceivers: [{name: 5}]\n",
      "global: {resolve_timeout: 0}\nroute: {receiver: x}\nreceivers: [{name: x}]\n",
      "global:\n  smtp_smarthost: '[::1]:25'\n  slack_api_url: '<secret>'\n  opsgenie_api_key: k\n  "
      "victorops_api_key_file: f\n"
      "route: {receiver: x}\nreceivers: [{name: x}]\n",
      "global:\nroute:\n  receiver: x\n  routes:\nreceivers:\n- name: x\n  webhook_configs:\ninhibit_rules:\n",
  };
  return configs;
}

TEST(NotifyConfig, AcceptsWhatAlertmanagerAccepts) {
  for (const std::string& yml : accepted_configs()) {
    auto c = parse_notify_config(yml, "am.yml");
    EXPECT_TRUE(c.ok()) << yml << "\n" << c.error().message;
  }
}

TEST(NotifyConfig, ErrorsPointAtTheirPlace) {
  for (const ErrorCase& c : error_cases()) {
    auto r = parse_notify_config(c.yml, "am.yml");
    if (r.ok()) {
      ADD_FAILURE() << "accepted:\n" << c.yml;
      continue;
    }
    EXPECT_EQ(r.error().message, c.error) << c.yml;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

// cogwatch.yml's `notify:` section holds an alertmanager.yml document;
// errors point into the enclosing file.
TEST(NotifyConfig, ReadsASectionOfAnotherFile) {
  auto read = [](const char* text) { return parse_notify_section(text, "cogwatch.yml"); };
  auto c = read(R"(scrape_configs: []
notify:
  route:
    receiver: ml
  receivers:
  - name: ml
    webhook_configs: [{url: 'http://hook/'}]
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->route.receiver, "ml");
  EXPECT_EQ((*c)->receiver("ml")->webhook_configs[0].url, "http://hook/");

  auto bad = read(
      "scrape_configs: []\nnotify:\n  route:\n    receiver: ml\n  receivers:\n  - name: ml\n    email_configs: [{}]\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "cogwatch.yml:7:5: cogwatch cannot deliver email_configs: only webhook_configs and log_configs are supported");
  // No section (or an empty one): no built-in notifier.
  auto none = read("scrape_configs: []\n");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto empty = read("scrape_configs: []\nnotify:\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  auto no_route = read("scrape_configs: []\nnotify:\n  receivers: []\n");
  ASSERT_FALSE(no_route.ok());
  EXPECT_EQ(no_route.error().message, "cogwatch.yml:3:3: no routes provided");
}

// amtool check-config (Alertmanager 0.25's config.LoadFile) gives the same
// verdict on every configuration above that uses only what cogwatch
// supports.
TEST(NotifyConfigAmtool, CheckConfigVerdictsAgree) {
  COGWATCH_REQUIRE_AMTOOL();
  testing::Amtool amtool;
  auto verdict = [&](const std::string& yml) {
    const auto run = amtool.run({"check-config", amtool.write("alertmanager.yml", yml)});
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << yml << "\n" << run.out;
    return run.exit_code == 0;
  };
  auto compare = [&](const std::string& yml) {
    auto ours = parse_notify_config(yml, "alertmanager.yml");
    EXPECT_EQ(ours.ok(), verdict(yml)) << (ours.ok()
                                               ? "cogwatch accepts, amtool rejects:\n"
                                               : "amtool accepts, cogwatch rejects (" + ours.error().message + "):\n")
                                       << yml;
  };
  size_t compared = 0;
  for (const std::string& yml : accepted_configs()) {
    compare(yml);
    ++compared;
  }
  for (const ErrorCase& c : error_cases()) {
    if (c.cogwatch_only) continue;
    compare(c.yml);
    ++compared;
  }
  EXPECT_GT(compared, 60u);
}

}  // namespace
}  // namespace cogwatch::notify
