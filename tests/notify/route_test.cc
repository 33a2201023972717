#include "notify/route.h"

#include <gtest/gtest.h>

#include "tests/notify/amtool.h"

namespace cogwatch::notify {
namespace {

// A routing tree with the shapes of Alertmanager's dispatch/route_test.go
// (TestRouteMatch): inherited options, '...' at depth, `continue` among
// siblings and at the top, regexes of match_re and of matchers, labels that
// must be empty, and a regex that '.' would need to cross a newline for.
constexpr const char* kTree = R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 20s
  routes:
  - matchers: [team="ml"]
    receiver: ml
    group_interval: 2m
    routes:
    - matchers: [env="staging"]
      receiver: ml-staging
      group_by: ['...']
    - match: {env: production}
      receiver: ml-prod-pager
      group_wait: 5s
      continue: true
    - match_re: {env: 'prod.*', model: '.+'}
      receiver: ml-prod-models
      group_by: [model]
      repeat_interval: 1h
  - match_re: {team: 'data|infra'}
    receiver: platform
    group_by: [cluster, service]
    group_wait: 1m
  - matchers: ['severity=~"critical|page"', 'env!="dev"']
    receiver: pager
    continue: true
  - matchers: [severity=critical]
    receiver: critical-log
    routes:
    - matchers: [wait=long]
      group_wait: 3m
  - matchers: [kind=all]
    receiver: everything
    group_by: ['...']
    routes:
    - matchers: [sub=inherit]
      group_by: []
    - matchers: [sub=own]
      group_by: [instance]
  - matchers: ['msg=~"line.*"']
    receiver: multiline
  - matchers: ['owner=""', kind=orphan]
    receiver: orphans
receivers:
- name: default
- name: ml
- name: ml-staging
- name: ml-prod-pager
- name: ml-prod-models
- name: platform
- name: pager
- name: critical-log
- name: everything
- name: multiline
- name: orphans
)";

// Each match: the options as "receiver by=[..] all=0|1 wait interval repeat"
// and the key.
struct Expected {
  std::string options;
  std::string key;
};

struct Case {
  Labels labels;
  std::vector<Expected> matches;
};

std::string options_string(const RouteOptions& o) {
  std::string by;
  for (const std::string& l : o.group_by) by += (by.empty() ? "" : ",") + l;
  return o.receiver + " by=[" + by + "] all=" + (o.group_by_all ? "1" : "0") + " " + format_duration(o.group_wait) +
         " " + format_duration(o.group_interval) + " " + format_duration(o.repeat_interval);
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {{{"team", "ml"}}, {{"ml by=[alertname] all=0 20s 2m 4h", R"({}/{team="ml"})"}}},
      {{{"team", "ml"}, {"env", "unset"}}, {{"ml by=[alertname] all=0 20s 2m 4h", R"({}/{team="ml"})"}}},
      {{{"team", "ml"}, {"env", "staging"}},
       {{"ml-staging by=[alertname] all=1 20s 2m 4h", R"({}/{team="ml"}/{env="staging"})"}}},
      // `continue` on the first matching child lets its sibling match too,
      // in the order written.
      {{{"team", "ml"}, {"env", "production"}, {"model", "resnet"}},
       {{"ml-prod-pager by=[alertname] all=0 5s 2m 4h", R"({}/{team="ml"}/{env="production"})"},
        {"ml-prod-models by=[model] all=0 20s 2m 1h", R"({}/{team="ml"}/{env=~"^(?:prod.*)$",model=~"^(?:.+)$"})"}}},
      // .+ needs a model; the first match stands alone.
      {{{"team", "ml"}, {"env", "production"}},
       {{"ml-prod-pager by=[alertname] all=0 5s 2m 4h", R"({}/{team="ml"}/{env="production"})"}}},
      {{{"team", "infra"}}, {{"platform by=[cluster,service] all=0 1m 5m 4h", R"({}/{team=~"^(?:data|infra)$"})"}}},
      // platform has no `continue`: the pager after it is not reached.
      {{{"team", "data"}, {"severity", "critical"}},
       {{"platform by=[cluster,service] all=0 1m 5m 4h", R"({}/{team=~"^(?:data|infra)$"})"}}},
      {{{"severity", "critical"}, {"env", "prod"}},
       {{"pager by=[alertname] all=0 20s 5m 4h", R"({}/{env!="dev",severity=~"critical|page"})"},
        {"critical-log by=[alertname] all=0 20s 5m 4h", R"({}/{severity="critical"})"}}},
      {{{"severity", "critical"}, {"env", "dev"}},
       {{"critical-log by=[alertname] all=0 20s 5m 4h", R"({}/{severity="critical"})"}}},
      {{{"severity", "page"}},
       {{"pager by=[alertname] all=0 20s 5m 4h", R"({}/{env!="dev",severity=~"critical|page"})"}}},
      // A child without a receiver takes its parent's.
      {{{"severity", "critical"}, {"wait", "long"}},
       {{"pager by=[alertname] all=0 20s 5m 4h", R"({}/{env!="dev",severity=~"critical|page"})"},
        {"critical-log by=[alertname] all=0 3m 5m 4h", R"({}/{severity="critical"}/{wait="long"})"}}},
      // '...' keeps the parent's group_by beside it, and `group_by: []`
      // changes nothing; a list of labels replaces both.
      {{{"kind", "all"}}, {{"everything by=[alertname] all=1 20s 5m 4h", R"({}/{kind="all"})"}}},
      {{{"kind", "all"}, {"sub", "inherit"}},
       {{"everything by=[alertname] all=1 20s 5m 4h", R"({}/{kind="all"}/{sub="inherit"})"}}},
      {{{"kind", "all"}, {"sub", "own"}},
       {{"everything by=[instance] all=0 20s 5m 4h", R"({}/{kind="all"}/{sub="own"})"}}},
      {{}, {{"default by=[alertname] all=0 20s 5m 4h", "{}"}}},
      {{{"team", "ML"}}, {{"default by=[alertname] all=0 20s 5m 4h", "{}"}}},      // case matters
      {{{"team", "ml-ops"}}, {{"default by=[alertname] all=0 20s 5m 4h", "{}"}}},  // anchored
      {{{"msg", "line 1"}}, {{"multiline by=[alertname] all=0 20s 5m 4h", R"({}/{msg=~"line.*"})"}}},
      // Alertmanager's regexes have no DotNL: '.' stops at a newline.
      {{{"msg", "line 1\nline 2"}}, {{"default by=[alertname] all=0 20s 5m 4h", "{}"}}},
      {{{"kind", "orphan"}}, {{"orphans by=[alertname] all=0 20s 5m 4h", R"({}/{kind="orphan",owner=""})"}}},
      {{{"kind", "orphan"}, {"owner", "x"}}, {{"default by=[alertname] all=0 20s 5m 4h", "{}"}}},
  };
  return all;
}

std::unique_ptr<Route> tree() {
  auto c = parse_notify_config(kTree, "tree.yml");
  EXPECT_TRUE(c.ok()) << c.error().message;
  return c.ok() ? Route::build(c->route) : nullptr;
}

TEST(NotifyRoute, MatchesAsAlertmanager) {
  const auto root = tree();
  ASSERT_NE(root, nullptr);
  for (const Case& c : cases()) {
    std::vector<Expected> got;
    for (const Route* r : root->match(c.labels)) got.push_back({options_string(r->options()), r->key()});
    ASSERT_EQ(got.size(), c.matches.size()) << c.labels.to_string();
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].options, c.matches[i].options) << c.labels.to_string() << " match " << i;
      EXPECT_EQ(got[i].key, c.matches[i].key) << c.labels.to_string() << " match " << i;
    }
  }
}

// The options of a tree as written, each node's from its parent.
TEST(NotifyRoute, InheritsOptionsDownTheTree) {
  const auto root = tree();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(options_string(root->options()), "default by=[alertname] all=0 20s 5m 4h");
  EXPECT_EQ(root->parent(), nullptr);
  EXPECT_EQ(root->key(), "{}");
  ASSERT_EQ(root->routes().size(), 7u);
  const Route& ml = *root->routes()[0];
  EXPECT_EQ(ml.parent(), root.get());
  EXPECT_FALSE(ml.continue_matching());
  ASSERT_EQ(ml.routes().size(), 3u);
  EXPECT_TRUE(ml.routes()[1]->continue_matching());
  // Matchers are sorted (name, value, type), as the key prints them.
  const Route& models = *ml.routes()[2];
  ASSERT_EQ(models.matchers().size(), 2u);
  EXPECT_EQ(models.matchers()[0].to_string(), R"(env=~"^(?:prod.*)$")");
  EXPECT_EQ(options_string(models.options()), "ml-prod-models by=[model] all=0 20s 2m 1h");
}

// Without any option set, Alertmanager's DefaultRouteOpts.
TEST(NotifyRoute, DefaultOptions) {
  auto c = parse_notify_config("route: {receiver: r}\nreceivers: [{name: r}]\n", "am.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(options_string(Route::build(c->route)->options()), "r by=[] all=0 30s 5m 4h");
}

TEST(NotifyRoute, GroupLabels) {
  auto c = parse_notify_config(R"(
route:
  receiver: r
  group_by: [cluster, alertname]
  routes:
  - {matchers: [all=yes], group_by: ['...']}
receivers: [{name: r}]
)",
                               "am.yml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const auto root = Route::build(c->route);
  const Labels alert{{"alertname", "CogDown"}, {"instance", "a:1"}};
  EXPECT_EQ(root->group_labels(alert).to_string(), R"({alertname="CogDown"})");  // a missing cluster is left out
  const Labels all{{"alertname", "CogDown"}, {"all", "yes"}, {"instance", "a:1"}};
  const std::vector<const Route*> m = root->match(all);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]->group_labels(all), all);
}

// `amtool config routes test` (Alertmanager 0.25's own Route.Match) prints
// the receivers of the same matches, in the same order, for every case.
TEST(NotifyRouteAmtool, RoutesTestPrintsTheSameReceivers) {
  COGWATCH_REQUIRE_AMTOOL();
  const auto root = tree();
  ASSERT_NE(root, nullptr);
  testing::Amtool amtool;
  const std::string file = amtool.write("tree.yml", kTree);
  for (const Case& c : cases()) {
    std::vector<std::string> args = {"config", "routes", "test", "--config.file=" + file};
    // amtool reads each argument with Alertmanager's ParseMatcher: name="value", escaped as a matcher prints.
    for (const Label& l : c.labels) args.push_back(AmMatcher::make(AmMatchType::kEqual, l.name, l.value)->to_string());
    const auto run = amtool.run(args);
    ASSERT_EQ(run.exit_code, 0) << c.labels.to_string() << "\n" << run.out;
    std::string ours;
    for (const Route* r : root->match(c.labels)) ours += (ours.empty() ? "" : ",") + r->options().receiver;
    EXPECT_EQ(run.out, ours + "\n") << c.labels.to_string();
  }
}

}  // namespace
}  // namespace cogwatch::notify
