// StatusApi with fake sources: each endpoint's exact JSON (Prometheus 3's
// shapes and field order), each parameter, each error.
#include "server/status_api.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "server/internal/go_values.h"
#include "server/internal/status_handlers.h"

namespace cogwatch::server {
namespace {

// 2026-12-01T08:04:18.514Z
constexpr Timestamp kT = 1796112258514;

net::HttpRequest get(std::string target) { return net::HttpRequest{.method = "GET", .target = std::move(target)}; }

class StatusApiTest : public ::testing::Test {
 protected:
  StatusApiTest() {
    auto meta = std::make_shared<std::vector<scrape::MetricMetadata>>(std::vector<scrape::MetricMetadata>{
        {"reqs_total", scrape::MetricType::kCounter, "Requests.", ""},
        {"temp", scrape::MetricType::kGauge, "Temperature <C>.", "celsius"}});
    auto meta_b = std::make_shared<std::vector<scrape::MetricMetadata>>(std::vector<scrape::MetricMetadata>{
        {"reqs_total", scrape::MetricType::kCounter, "Requests.", ""},
        {"temp", scrape::MetricType::kGauge, "Temperature.", ""}});
    scrape::TargetStatus up{.job = "self",
                            .scrape_url = "http://127.0.0.1:9090/metrics",
                            .labels = Labels{{"instance", "127.0.0.1:9090"}, {"job", "self"}},
                            .discovered_labels = Labels{{"__address__", "127.0.0.1:9090"}, {"job", "self"}},
                            .health = scrape::TargetStatus::Health::kUp,
                            .last_scrape = kT,
                            .last_scrape_duration = 12,
                            .interval = 15 * kSecond,
                            .timeout = 10 * kSecond,
                            .metadata = meta};
    scrape::TargetStatus down{.job = "cog",
                              .scrape_url = "http://10.0.0.1:5000/metrics",
                              .labels = Labels{{"instance", "10.0.0.1:5000"}, {"job", "cog"}},
                              .discovered_labels = Labels{{"__address__", "10.0.0.1:5000"}, {"job", "cog"}},
                              .health = scrape::TargetStatus::Health::kDown,
                              .last_error = "connection refused",
                              .last_scrape = kT,
                              .last_scrape_duration = 1,
                              .interval = kMinute,
                              .timeout = 10 * kSecond,
                              .metadata = meta_b};
    scrape::TargetStatus fresh{.job = "cog",
                               .scrape_url = "http://localhost:5001/metrics",
                               .labels = Labels{{"instance", "localhost:5001"}, {"job", "cog"}},
                               .discovered_labels = Labels{{"__address__", "localhost:5001"}, {"job", "cog"}},
                               .interval = kMinute,
                               .timeout = 10 * kSecond,
                               .metadata = std::make_shared<std::vector<scrape::MetricMetadata>>()};
    targets_ = {down, fresh, up};
    dropped_ = {{"self", Labels{{"__address__", "127.0.0.1:9999"}, {"job", "self"}}}};

    rules::GroupStatus g1{.name = "g1", .file = "rules.yml", .interval = 2 * kSecond};
    g1.stats.last_evaluation = kT;
    g1.stats.last_duration = 1;
    rules::GroupStatus::Rule rec{.name = "job:up:sum", .expr = "sum(up) by (job)", .labels = Labels{{"team", "a"}}};
    rec.status = {.health = rules::RuleHealth::kOk, .last_evaluation = kT, .evaluation_time = 0};
    rules::GroupStatus::Rule down_rule{.name = "Down",
                                       .alerting = true,
                                       .expr = "up==0",
                                       .labels = Labels{{"severity", "page"}},
                                       .annotations = {{"summary", "{{ $labels.job }} down"}, {"runbook", ""}},
                                       .keep_firing_for = kMinute};
    down_rule.status = {.health = rules::RuleHealth::kOk, .last_evaluation = kT, .evaluation_time = 2};
    rules::Alert firing{.labels = Labels{{"alertname", "Down"}, {"job", "cog"}, {"severity", "page"}},
                        .annotations = {{"summary", "cog down"}, {"runbook", ""}},
                        .value = 0,
                        .state = rules::AlertState::kFiring,
                        .active_at = kT - 6000};
    rules::Alert resolved = firing;
    resolved.labels = Labels{{"alertname", "Down"}, {"job", "old"}};
    resolved.state = rules::AlertState::kInactive;
    resolved.resolved_at = kT;
    down_rule.alerts = {firing, resolved};
    g1.rules = {rec, down_rule};

    rules::GroupStatus g2{.name = "g2", .file = "other.yml", .interval = kMinute, .limit = 5};
    rules::GroupStatus::Rule pending{.name = "Slow",
                                     .alerting = true,
                                     .expr = "latency > 1",
                                     .for_duration = 10 * kMinute};
    pending.status.last_error = "boom";
    pending.status.health = rules::RuleHealth::kBad;
    pending.alerts = {rules::Alert{.labels = Labels{{"alertname", "Slow"}},
                                   .value = 1234.5,
                                   .state = rules::AlertState::kPending,
                                   .active_at = kT,
                                   .keep_firing_since = kT + 1}};
    g2.rules = {pending};
    groups_ = {g1, g2};
  }

  StatusApi api() {
    StatusSources s;
    s.targets = [this] { return targets_; };
    s.dropped_targets = [this] { return dropped_; };
    s.dropped_target_counts = [] { return std::map<std::string, size_t>{{"cog", 0}, {"self", 1}}; };
    s.rule_groups = [this] { return groups_; };
    s.alertmanagers = [] { return AlertmanagerUrls{{"http://am:9093/api/v2/alerts"}, {}}; };
    s.tsdb_stats = [this](size_t limit) {
      last_limit_ = limit;
      tsdb::CardinalityStats c;
      c.num_series = 3;
      c.num_label_pairs = 4;
      c.chunk_count = 5;
      c.min_time = 1000;
      c.max_time = 2000;
      c.series_count_by_metric_name = {{"up", 3}};
      c.label_value_count_by_label_name = {{"job", 2}};
      c.memory_in_bytes_by_label_name = {{"job", 30}};
      c.series_count_by_label_value_pair = {{"job=a", 2}};
      return c;
    };
    s.runtime_info = [] {
      return RuntimeInfo{.start_time = kT - 60'000,
                         .cwd = "/srv",
                         .hostname = "box",
                         .server_time = kT,
                         .reload_config_success = true,
                         .last_config_time = kT - 60'514,
                         .goroutine_count = 7,
                         .gomaxprocs = 2,
                         .storage_retention = "15d"};
    };
    s.config_yaml = [] { return std::string("global:\n  scrape_interval: 15s\n"); };
    s.flags = [] { return std::map<std::string, std::string>{{"web.listen-address", ":9090"}, {"config.file", "c.yml"}}; };
    s.build_info = BuildInfo{"3.0.0+cogwatch.0.1.0", "abc", "main", "u", "20261201", "gcc 12.2.0"};
    s.global_url = {.listen_address = "0.0.0.0:9090", .host = "vm:9090", .scheme = "http"};
    return StatusApi(std::move(s));
  }

  std::string body(const std::string& target) {
    auto r = api().handle(get(target));
    if (!r) return "<nullopt>";
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->content_type, "application/json");
    return r->body;
  }
  // An error answer: status and body.
  std::pair<int, std::string> error(const std::string& target) {
    auto r = api().handle(get(target));
    if (!r) return {0, "<nullopt>"};
    return {r->status, r->body};
  }
  static std::pair<int, std::string> bad_data(const std::string& message) {
    return {400, R"({"status":"error","errorType":"bad_data","error":)" + message + "}"};
  }

  std::vector<scrape::TargetStatus> targets_;
  std::vector<scrape::DroppedTarget> dropped_;
  std::vector<rules::GroupStatus> groups_;
  size_t last_limit_ = 0;
};

// --- routing -----------------------------------------------------------

TEST_F(StatusApiTest, OtherPathsAreNotServed) {
  EXPECT_FALSE(api().handle(get("/api/v1/query?query=up")).has_value());
  EXPECT_FALSE(api().handle(get("/api/v1/targetsx")).has_value());
  EXPECT_FALSE(api().handle(get("/metrics")).has_value());
}

TEST_F(StatusApiTest, OnlyGetIsAllowed) {
  auto r = api().handle(net::HttpRequest{.method = "POST", .target = "/api/v1/targets"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->body, "Method Not Allowed\n");
  EXPECT_EQ(net::find_header(r->headers, "allow"), "GET, OPTIONS");
}

TEST_F(StatusApiTest, EmptySourcesAnswerAsEmptyComponents) {
  StatusApi empty{StatusSources{}};
  EXPECT_EQ(empty.handle(get("/api/v1/targets"))->body,
            R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}})");
  EXPECT_EQ(empty.handle(get("/api/v1/rules"))->body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(empty.handle(get("/api/v1/alerts"))->body, R"({"status":"success","data":{"alerts":[]}})");
  EXPECT_EQ(empty.handle(get("/api/v1/metadata"))->body, R"({"status":"success","data":{}})");
  EXPECT_EQ(empty.handle(get("/api/v1/targets/metadata"))->body, R"({"status":"success","data":[]})");
  EXPECT_EQ(empty.handle(get("/api/v1/status/tsdb"))->body,
            R"({"status":"success","data":{"headStats":{"numSeries":0,"numLabelPairs":0,"chunkCount":0,)"
            R"("minTime":9223372036854775807,"maxTime":-9223372036854775808},"seriesCountByMetricName":[],)"
            R"("labelValueCountByLabelName":[],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}})");
}

// --- targets -------------------------------------------------------------

const char* const kDownTarget =
    R"({"discoveredLabels":{"__address__":"10.0.0.1:5000","job":"cog"},"labels":{"instance":"10.0.0.1:5000","job":"cog"},)"
    R"("scrapePool":"cog","scrapeUrl":"http://10.0.0.1:5000/metrics","globalUrl":"http://10.0.0.1:5000/metrics",)"
    R"("lastError":"connection refused","lastScrape":"2026-12-01T08:04:18.514Z","lastScrapeDuration":0.001,)"
    R"("health":"down","scrapeInterval":"1m","scrapeTimeout":"10s"})";
const char* const kFreshTarget =
    R"({"discoveredLabels":{"__address__":"localhost:5001","job":"cog"},"labels":{"instance":"localhost:5001","job":"cog"},)"
    R"("scrapePool":"cog","scrapeUrl":"http://localhost:5001/metrics","globalUrl":"http://vm:5001/metrics",)"
    R"("lastError":"","lastScrape":"0001-01-01T00:00:00Z","lastScrapeDuration":0,)"
    R"("health":"unknown","scrapeInterval":"1m","scrapeTimeout":"10s"})";
const char* const kUpTarget =
    R"({"discoveredLabels":{"__address__":"127.0.0.1:9090","job":"self"},"labels":{"instance":"127.0.0.1:9090","job":"self"},)"
    R"("scrapePool":"self","scrapeUrl":"http://127.0.0.1:9090/metrics","globalUrl":"http://vm:9090/metrics",)"
    R"("lastError":"","lastScrape":"2026-12-01T08:04:18.514Z","lastScrapeDuration":0.012,)"
    R"("health":"up","scrapeInterval":"15s","scrapeTimeout":"10s"})";
const char* const kDropped = R"({"discoveredLabels":{"__address__":"127.0.0.1:9999","job":"self"},"scrapePool":"self"})";

TEST_F(StatusApiTest, TargetsActiveAndDropped) {
  const std::string all = std::string(R"({"status":"success","data":{"activeTargets":[)") + kDownTarget + "," +
                          kFreshTarget + "," + kUpTarget + R"(],"droppedTargets":[)" + kDropped +
                          R"(],"droppedTargetCounts":{"cog":0,"self":1}}})";
  EXPECT_EQ(body("/api/v1/targets"), all);
  EXPECT_EQ(body("/api/v1/targets?state=any"), all);
  EXPECT_EQ(body("/api/v1/targets?state=ACTIVE"),
            std::string(R"({"status":"success","data":{"activeTargets":[)") + kDownTarget + "," + kFreshTarget + "," +
                kUpTarget + R"(],"droppedTargets":[],"droppedTargetCounts":null}})");
  EXPECT_EQ(body("/api/v1/targets?state=dropped"),
            std::string(R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[)") + kDropped +
                R"(],"droppedTargetCounts":{"cog":0,"self":1}}})");
  // An unknown state shows neither.
  EXPECT_EQ(body("/api/v1/targets?state=bogus"),
            R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":null}})");
}

TEST_F(StatusApiTest, TargetsOfOnePool) {
  EXPECT_EQ(body("/api/v1/targets?scrapePool=self"),
            std::string(R"({"status":"success","data":{"activeTargets":[)") + kUpTarget + R"(],"droppedTargets":[)" +
                kDropped + R"(],"droppedTargetCounts":{"cog":0,"self":1}}})");
  EXPECT_EQ(body("/api/v1/targets?scrapePool=cog&state=dropped"),
            R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{"cog":0,"self":1}}})");
}

TEST_F(StatusApiTest, GlobalUrlAsPrometheus) {
  using internal::global_url;
  const GlobalUrlOptions o{.listen_address = "0.0.0.0:9090", .host = "prom.example:443", .scheme = "https"};
  EXPECT_EQ(global_url("http://localhost:9090/metrics", o), "https://prom.example:443/metrics");
  EXPECT_EQ(global_url("http://127.0.0.1:9100/metrics?x=1", o), "http://prom.example:9100/metrics?x=1");
  EXPECT_EQ(global_url("http://[::1]:9100/metrics", o), "http://prom.example:9100/metrics");
  EXPECT_EQ(global_url("http://10.1.1.1:9100/metrics", o), "http://10.1.1.1:9100/metrics");
  EXPECT_EQ(global_url("http://localhost/metrics", o), "http://prom.example/metrics");
  EXPECT_EQ(global_url("http://localhost:9100/metrics", {}), "http://localhost:9100/metrics");
}

// --- metadata ------------------------------------------------------------

TEST_F(StatusApiTest, MetricMetadataMergesTargets) {
  EXPECT_EQ(body("/api/v1/metadata"),
            R"({"status":"success","data":{"reqs_total":[{"type":"counter","help":"Requests.","unit":""}],)"
            R"("temp":[{"type":"gauge","help":"Temperature.","unit":""},)"
            R"({"type":"gauge","help":"Temperature \u003cC\u003e.","unit":"celsius"}]}})");
  EXPECT_EQ(body("/api/v1/metadata?metric=temp&limit_per_metric=1"),
            R"({"status":"success","data":{"temp":[{"type":"gauge","help":"Temperature.","unit":""}]}})");
  EXPECT_EQ(body("/api/v1/metadata?limit=1"),
            R"({"status":"success","data":{"reqs_total":[{"type":"counter","help":"Requests.","unit":""}]}})");
  EXPECT_EQ(body("/api/v1/metadata?limit=0"), R"({"status":"success","data":{}})");
  EXPECT_EQ(body("/api/v1/metadata?limit=-1&metric=nope"), R"({"status":"success","data":{}})");
}

TEST_F(StatusApiTest, MetricMetadataErrors) {
  EXPECT_EQ(error("/api/v1/metadata?limit=x"), bad_data(R"("limit must be a number")"));
  EXPECT_EQ(error("/api/v1/metadata?limit=1.5"), bad_data(R"("limit must be a number")"));
  EXPECT_EQ(error("/api/v1/metadata?limit_per_metric=x"), bad_data(R"("limit_per_metric must be a number")"));
}

TEST_F(StatusApiTest, TargetMetadata) {
  EXPECT_EQ(body("/api/v1/targets/metadata?metric=temp"),
            R"({"status":"success","data":[)"
            R"({"target":{"instance":"10.0.0.1:5000","job":"cog"},"type":"gauge","help":"Temperature.","unit":""},)"
            R"({"target":{"instance":"127.0.0.1:9090","job":"self"},"type":"gauge","help":"Temperature \u003cC\u003e.","unit":"celsius"}]})");
  EXPECT_EQ(body("/api/v1/targets/metadata?match_target=%7Bjob%3D%22self%22%7D"),
            R"({"status":"success","data":[)"
            R"({"target":{"instance":"127.0.0.1:9090","job":"self"},"metric":"reqs_total","type":"counter","help":"Requests.","unit":""},)"
            R"({"target":{"instance":"127.0.0.1:9090","job":"self"},"metric":"temp","type":"gauge","help":"Temperature \u003cC\u003e.","unit":"celsius"}]})");
  // The limit is checked per target: the first target's whole list.
  EXPECT_EQ(body("/api/v1/targets/metadata?limit=1"),
            R"({"status":"success","data":[)"
            R"({"target":{"instance":"10.0.0.1:5000","job":"cog"},"metric":"reqs_total","type":"counter","help":"Requests.","unit":""},)"
            R"({"target":{"instance":"10.0.0.1:5000","job":"cog"},"metric":"temp","type":"gauge","help":"Temperature.","unit":""}]})");
  EXPECT_EQ(body("/api/v1/targets/metadata?limit=0"), R"({"status":"success","data":[]})");
  EXPECT_EQ(body("/api/v1/targets/metadata?metric=temp&match_target=%7Bjob%3D~%22n.*%22%7D"),
            R"({"status":"success","data":[]})");
}

TEST_F(StatusApiTest, TargetMetadataErrors) {
  EXPECT_EQ(error("/api/v1/targets/metadata?limit=x"), bad_data(R"("limit must be a number")"));
  EXPECT_EQ(error("/api/v1/targets/metadata?match_target=%7Bjob%3D%3D%22x%22%7D"),
            bad_data(R"("invalid parameter \"match_target\": 1:6: parse error: unexpected \"=\" in label matching, expected string")"));
  // A selector whose matchers all match the empty value is valid here.
  EXPECT_EQ(body("/api/v1/targets/metadata?metric=temp&match_target=%7Bzone%3D%22%22%7D"),
            body("/api/v1/targets/metadata?metric=temp"));
}

// --- rules and alerts ----------------------------------------------------

const char* const kRecRule =
    R"j({"name":"job:up:sum","query":"sum by (job) (up)","labels":{"team":"a"},"health":"ok","evaluationTime":0,)j"
    R"("lastEvaluation":"2026-12-01T08:04:18.514Z","type":"recording"})";
const char* const kFiringAlert =
    R"({"labels":{"alertname":"Down","job":"cog","severity":"page"},"annotations":{"runbook":"","summary":"cog down"},)"
    R"("state":"firing","activeAt":"2026-12-01T08:04:12.514Z","value":"0e+00"})";
const char* const kPendingAlert =
    R"({"labels":{"alertname":"Slow"},"annotations":{},"state":"pending","activeAt":"2026-12-01T08:04:18.514Z",)"
    R"("keepFiringSince":"2026-12-01T08:04:18.515Z","value":"1.2345e+03"})";

std::string down_rule(const std::string& alerts) {
  return R"({"state":"firing","name":"Down","query":"up == 0","duration":0,"keepFiringFor":60,)"
         R"("labels":{"severity":"page"},"annotations":{"runbook":"","summary":"{{ $labels.job }} down"},"alerts":)" +
         alerts +
         R"(,"health":"ok","evaluationTime":0.002,"lastEvaluation":"2026-12-01T08:04:18.514Z","type":"alerting"})";
}
std::string slow_rule(const std::string& alerts) {
  return R"({"state":"pending","name":"Slow","query":"latency \u003e 1","duration":600,"keepFiringFor":0,"labels":{},)"
         R"("annotations":{},"alerts":)" +
         alerts +
         R"(,"health":"err","lastError":"boom","evaluationTime":0,"lastEvaluation":"0001-01-01T00:00:00Z","type":"alerting"})";
}
std::string group1(const std::string& rules) {
  return R"({"name":"g1","file":"rules.yml","rules":[)" + rules +
         R"(],"interval":2,"limit":0,"evaluationTime":0.001,"lastEvaluation":"2026-12-01T08:04:18.514Z"})";
}
std::string group2(const std::string& rules) {
  return R"({"name":"g2","file":"other.yml","rules":[)" + rules +
         R"(],"interval":60,"limit":5,"evaluationTime":0,"lastEvaluation":"0001-01-01T00:00:00Z"})";
}
std::string groups(const std::string& g, const std::string& token = "") {
  std::string out = R"({"status":"success","data":{"groups":[)" + g + "]";
  if (!token.empty()) out += R"(,"groupNextToken":")" + token + "\"";
  return out + "}}";
}

TEST_F(StatusApiTest, RulesAsPrometheus3) {
  const std::string g1 = group1(std::string(kRecRule) + "," + down_rule(std::string("[") + kFiringAlert + "]"));
  const std::string g2 = group2(slow_rule(std::string("[") + kPendingAlert + "]"));
  EXPECT_EQ(body("/api/v1/rules"), groups(g1 + "," + g2));
}

TEST_F(StatusApiTest, RulesFilters) {
  const std::string down = down_rule(std::string("[") + kFiringAlert + "]");
  const std::string slow = slow_rule(std::string("[") + kPendingAlert + "]");
  EXPECT_EQ(body("/api/v1/rules?type=record"), groups(group1(kRecRule)));
  EXPECT_EQ(body("/api/v1/rules?type=Alert"), groups(group1(down) + "," + group2(slow)));
  EXPECT_EQ(body("/api/v1/rules?rule_name[]=Down&rule_name[]=job:up:sum"), groups(group1(std::string(kRecRule) + "," + down)));
  EXPECT_EQ(body("/api/v1/rules?rule_group[]=g2"), groups(group2(slow)));
  EXPECT_EQ(body("/api/v1/rules?file[]=rules.yml&type=alert"), groups(group1(down)));
  EXPECT_EQ(body("/api/v1/rules?rule_name[]=nope"), groups(""));
  EXPECT_EQ(body("/api/v1/rules?match[]=%7Bseverity%3D%22page%22%7D&match[]=%7Bteam%3D%22a%22%7D"),
            groups(group1(std::string(kRecRule) + "," + down)));
  EXPECT_EQ(body("/api/v1/rules?exclude_alerts=TRUE&type=alert"), groups(group1(down_rule("null")) + "," + group2(slow_rule("null"))));
  EXPECT_EQ(body("/api/v1/rules?exclude_alerts=0&rule_group[]=g2"), groups(group2(slow)));
}

// sha256 hex of a text, by sha256sum (an independent implementation).
std::string internal_token_of(const std::string& text) {
  const std::string cmd = "printf '%s' '" + text + "' | sha256sum";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[65] = {};
  if (p == nullptr || fread(buf, 1, 64, p) != 64) return "sha256sum failed";
  pclose(p);
  return buf;
}

TEST_F(StatusApiTest, RulesPagination) {
  const std::string g1 = group1(std::string(kRecRule) + "," + down_rule(std::string("[") + kFiringAlert + "]"));
  const std::string g2 = group2(slow_rule(std::string("[") + kPendingAlert + "]"));
  // sha256("other.yml;g2")
  auto first = body("/api/v1/rules?group_limit=1");
  const size_t at = first.find("\"groupNextToken\":\"");
  ASSERT_NE(at, std::string::npos) << first;
  const std::string real_token = first.substr(at + 18, 64);
  // The next group's token: hex(sha256(file + ";" + name)).
  EXPECT_EQ(real_token, internal_token_of("other.yml;g2"));
  EXPECT_EQ(first, groups(g1, real_token));
  EXPECT_EQ(body("/api/v1/rules?group_limit=1&group_next_token=" + real_token), groups(g2));
  EXPECT_EQ(body("/api/v1/rules?group_limit=2"), groups(g1 + "," + g2));
}

TEST_F(StatusApiTest, RulesErrors) {
  EXPECT_EQ(error("/api/v1/rules?type=x"), bad_data(R"("invalid parameter \"type\": not supported value \"x\"")"));
  EXPECT_EQ(error("/api/v1/rules?exclude_alerts=Yes"),
            bad_data(R"("invalid parameter \"exclude_alerts\": error converting exclude_alerts: strconv.ParseBool: parsing \"yes\": invalid syntax")"));
  EXPECT_EQ(error("/api/v1/rules?match[]=%7Ba%3D%22%22%7D"),
            bad_data(R"("match[] must contain at least one non-empty matcher")"));
  EXPECT_EQ(error("/api/v1/rules?group_next_token=abc"),
            bad_data(R"("invalid parameter \"group_next_token\": group_limit needs to be present in order to paginate over the groups")"));
  EXPECT_EQ(error("/api/v1/rules?group_limit=x"),
            bad_data(R"("invalid parameter \"group_limit\": group_limit needs to be a valid number: strconv.ParseInt: parsing \"x\": invalid syntax")"));
  EXPECT_EQ(error("/api/v1/rules?group_limit=4294967296"),
            bad_data(R"("invalid parameter \"group_limit\": group_limit needs to be a valid number: strconv.ParseInt: parsing \"4294967296\": value out of range")"));
  EXPECT_EQ(error("/api/v1/rules?group_limit=0"),
            bad_data(R"("invalid parameter \"group_limit\": group_limit needs to be greater than 0")"));
  EXPECT_EQ(error("/api/v1/rules?group_limit=1&group_next_token=abc"),
            bad_data(R"("invalid parameter \"group_next_token\": invalid group_next_token 'abc'. were rule groups changed?")"));
  EXPECT_EQ(error("/api/v1/rules?a=%zz"),
            bad_data(R"("error parsing form values: invalid URL escape \"%zz\"")"));
}

TEST_F(StatusApiTest, AlertsAreThePendingAndFiringOnes) {
  EXPECT_EQ(body("/api/v1/alerts"),
            std::string(R"({"status":"success","data":{"alerts":[)") + kFiringAlert + "," + kPendingAlert + "]}}");
}

// --- alertmanagers and status --------------------------------------------

TEST_F(StatusApiTest, Alertmanagers) {
  EXPECT_EQ(body("/api/v1/alertmanagers"),
            R"({"status":"success","data":{"activeAlertmanagers":[{"url":"http://am:9093/api/v2/alerts"}],"droppedAlertmanagers":[]}})");
}

TEST_F(StatusApiTest, BuildInfo) {
  EXPECT_EQ(body("/api/v1/status/buildinfo"),
            R"({"status":"success","data":{"version":"3.0.0+cogwatch.0.1.0","revision":"abc","branch":"main",)"
            R"("buildUser":"u","buildDate":"20261201","goVersion":"gcc 12.2.0"}})");
  const BuildInfo d = default_build_info("0.4.2", "deadbeef");
  EXPECT_EQ(d.version, "3.0.0+cogwatch.0.4.2");
  EXPECT_EQ(d.revision, "deadbeef");
  EXPECT_EQ(d.branch, "HEAD");
  EXPECT_FALSE(d.go_version.empty());
}

TEST_F(StatusApiTest, RuntimeInfo) {
  EXPECT_EQ(body("/api/v1/status/runtimeinfo"),
            R"({"status":"success","data":{"startTime":"2026-12-01T08:03:18.514Z","CWD":"/srv","hostname":"box",)"
            R"("serverTime":"2026-12-01T08:04:18.514Z","reloadConfigSuccess":true,"lastConfigTime":"2026-12-01T08:03:18Z",)"
            R"("corruptionCount":0,"goroutineCount":7,"GOMAXPROCS":2,"GOMEMLIMIT":9223372036854775807,"GOGC":"",)"
            R"("GODEBUG":"","storageRetention":"15d"}})");
}

TEST_F(StatusApiTest, ConfigAndFlags) {
  EXPECT_EQ(body("/api/v1/status/config"),
            R"({"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}})");
  EXPECT_EQ(body("/api/v1/status/flags"),
            R"({"status":"success","data":{"config.file":"c.yml","web.listen-address":":9090"}})");
}

TEST_F(StatusApiTest, Tsdb) {
  EXPECT_EQ(body("/api/v1/status/tsdb"),
            R"({"status":"success","data":{"headStats":{"numSeries":3,"numLabelPairs":4,"chunkCount":5,"minTime":1000,)"
            R"("maxTime":2000},"seriesCountByMetricName":[{"name":"up","value":3}],)"
            R"("labelValueCountByLabelName":[{"name":"job","value":2}],"memoryInBytesByLabelName":[{"name":"job","value":30}],)"
            R"("seriesCountByLabelValuePair":[{"name":"job=a","value":2}]}})");
  EXPECT_EQ(last_limit_, 10u);
  (void)body("/api/v1/status/tsdb?limit=10000");
  EXPECT_EQ(last_limit_, 10000u);
}

TEST_F(StatusApiTest, TsdbErrors) {
  EXPECT_EQ(error("/api/v1/status/tsdb?limit=0"), bad_data(R"("limit must be a positive number")"));
  EXPECT_EQ(error("/api/v1/status/tsdb?limit=x"), bad_data(R"("limit must be a positive number")"));
  EXPECT_EQ(error("/api/v1/status/tsdb?limit=10001"), bad_data(R"("limit must not exceed 10000")"));
}

// --- Go's value forms ----------------------------------------------------

TEST(GoValuesTest, FloatsAsGo) {
  using internal::append_json_float;
  using internal::format_float_e;
  auto json = [](double v) {
    std::string s;
    append_json_float(s, v);
    return s;
  };
  EXPECT_EQ(json(0), "0");
  EXPECT_EQ(json(60), "60");
  EXPECT_EQ(json(0.012597922), "0.012597922");
  EXPECT_EQ(json(1e-7), "1e-7");
  EXPECT_EQ(json(1.5e21), "1.5e+21");
  EXPECT_EQ(format_float_e(0), "0e+00");
  EXPECT_EQ(format_float_e(1), "1e+00");
  EXPECT_EQ(format_float_e(1234.5), "1.2345e+03");
  EXPECT_EQ(format_float_e(-1e-300), "-1e-300");
  EXPECT_EQ(format_float_e(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_float_e(0.0 / 0.0), "NaN");
}

TEST(GoValuesTest, IntegersAndBoolsAsStrconv) {
  using internal::go_atoi;
  EXPECT_EQ(go_atoi("+5"), 5);
  EXPECT_EQ(go_atoi("-1"), -1);
  EXPECT_EQ(go_atoi(" 5"), std::nullopt);
  EXPECT_EQ(go_atoi(""), std::nullopt);
  EXPECT_EQ(go_atoi("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(go_atoi("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(go_atoi("9223372036854775808"), std::nullopt);
  EXPECT_EQ(internal::go_parse_int("-2147483648", 32).value(), -2147483648LL);
  EXPECT_FALSE(internal::go_parse_int("2147483648", 32).ok());
  EXPECT_EQ(internal::go_parse_bool("T").value(), true);
  EXPECT_EQ(internal::go_parse_bool("0").value(), false);
  EXPECT_EQ(internal::go_parse_bool("yes").error().message, "strconv.ParseBool: parsing \"yes\": invalid syntax");
}

}  // namespace
}  // namespace cogwatch::server
