// cogwatch's HTTP API against Debian's Prometheus 2.42, side by side: both
// scrape the same two simulated Cog predictors with the same prometheus.yml
// and rules.yml (peers.h), then get the same requests, and their answers
// are compared structurally (json_diff.h): status code, keys, value kinds,
// label sets, sample values within a tolerance. Times, durations and
// anything with a port are compared by kind only.
//
// cogwatch follows Prometheus 3; what 3.x added and 2.42 lacks is listed
// once, in kAddedIn3, with the release that added it. Every other
// difference found by this test was fixed in cogwatch, or is listed in
// kIntendedDifferences with its reason.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/notify/peer/http_client.h"
#include "tests/server/peer/json_diff.h"
#include "tests/server/peer/peers.h"

namespace cogwatch::server::peer {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using notify::peer::http_request;

// Keys Prometheus 3 (whose API cogwatch follows) writes and 2.42 does not.
const std::set<std::string> kAddedIn3 = {
    "droppedTargetCounts",  // /targets: dropped targets per pool (2.47)
    "samplesRead",          // query stats: samples read, besides totalQueryableSamples (3.x)
};

// Every other difference between cogwatch (Prometheus 3) and 2.42 that is
// intended: a regular expression over "<case>: <path>: <what>" (json_diff's
// lines prefixed by the case's name), and why.
struct Intended {
  std::regex diff;
  std::string reason;
};
const std::vector<Intended> kIntended = {
    {std::regex(R"(^stats: warnings: only in cogwatch: .*for parameter ..stats.. is deprecated)"),
     "3.x warns that stats=1 (anything but true/all) will be refused (web/api/v1/api.go, parseStatsParam)"},
    {std::regex(R"(^bad time: error: cogwatch .invalid parameter ..time..: invalid time value)"),
     "3.x writes \"invalid time value\" in lower case (parseTimeParam)"},
    {std::regex(R"(^no query: error: cogwatch .invalid parameter ..query..: unknown position: parse error)"),
     "3.x names no position in an empty query (posrange.StartPosInput: \"unknown position\"); 2.42 says 1:1"},
    {std::regex(R"(^range type: error: cogwatch .invalid parameter ..query..: invalid expression type)"),
     "3.x reports the engine's refusal of a range query as an invalid query parameter (api.go queryRange)"},
    {std::regex(R"(^runtime error: error: cogwatch .found duplicate series for the match group)"),
     "the message names the first two right-hand series with the same signature, which depends on the order the "
     "store yields them (cogwatch: the order series were created in; Prometheus 2.42: its postings); the status, "
     "errorType and the text around the series agree"},
    {std::regex(R"(^bad label name: (HTTP status: cogwatch 200, Prometheus 400|status: |data: only in cogwatch|errorType: only in Prometheus|error: only in Prometheus))"),
     "3.x accepts any UTF-8 label name (model.UTF8Validation), so not-a-name has no values instead of 400"},
    {std::regex(R"(^(rules|recording rules): data\.groups\[0\]\.rules\[\d+\]\.labels: only in cogwatch: \{\})"),
     "3.x writes a recording rule's empty labels as {} (RecordingRule.Labels has no omitempty)"},
};

// Keys whose values necessarily differ: when things happened, how long
// they took, and URLs that hold a server's own address.
const std::set<std::string> kTimes = {
    "lastScrape", "lastScrapeDuration", "lastEvaluation", "evaluationTime", "activeAt", "globalUrl",
};

struct Case {
  std::string name;
  std::string method;  // GET, or POST with `body` as a form
  std::string target;  // path and query string
  std::string body;
  double tolerance = 1e-9;  // sample values; negative: kind only
  // Applied to both answers before they are compared (e.g. to keep only
  // the shape of what necessarily differs).
  std::function<void(json::value&)> normalize;
};

std::string q(std::string_view expr) { return query_escape(expr); }

// Answers of both servers to one request, parsed.
struct Answers {
  int cogwatch_status = 0, prometheus_status = 0;
  json::value cogwatch, prometheus;
  std::string cogwatch_body, prometheus_body;
};

Answers ask(const Peers& p, const Case& c) {
  Answers a;
  const std::string type = c.body.empty() ? "" : "application/x-www-form-urlencoded";
  auto cw = http_request(c.method, p.cogwatch(c.target), c.body, type, 10s);
  auto pr = http_request(c.method, p.prometheus(c.target), c.body, type, 10s);
  EXPECT_TRUE(cw) << c.name << ": " << (cw ? "" : cw.error().message);
  EXPECT_TRUE(pr) << c.name << ": " << (pr ? "" : pr.error().message);
  if (!cw || !pr) return a;
  a.cogwatch_status = cw->status;
  a.prometheus_status = pr->status;
  a.cogwatch_body = cw->body;
  a.prometheus_body = pr->body;
  boost::system::error_code ec;
  a.cogwatch = json::parse(cw->body, ec);
  EXPECT_FALSE(ec) << c.name << ": cogwatch's body is no JSON: " << cw->body;
  a.prometheus = json::parse(pr->body, ec);
  EXPECT_FALSE(ec) << c.name << ": Prometheus's body is no JSON: " << pr->body;
  return a;
}

void compare(const std::vector<Case>& cases, DiffOptions base = {}) {
  Result<Peers*> p = Peers::get();
  ASSERT_TRUE(p) << p.error().message;
  base.times.insert(kTimes.begin(), kTimes.end());
  base.added_in_3.insert(kAddedIn3.begin(), kAddedIn3.end());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.method + " " + c.target + (c.body.empty() ? "" : " body " + c.body));
    Answers a = ask(**p, c);
    if (c.normalize) {
      c.normalize(a.cogwatch);
      c.normalize(a.prometheus);
    }
    DiffOptions o = base;
    o.tolerance = c.tolerance;
    std::vector<std::string> diffs = json_diff(a.cogwatch, a.prometheus, o);
    if (a.cogwatch_status != a.prometheus_status) {
      diffs.insert(diffs.begin(), "HTTP status: cogwatch " + std::to_string(a.cogwatch_status) + ", Prometheus " +
                                      std::to_string(a.prometheus_status));
    }
    bool unexpected = false;
    for (const std::string& d : diffs) {
      const std::string line = c.name + ": " + d;
      const bool intended = std::any_of(kIntended.begin(), kIntended.end(),
                                        [&](const Intended& i) { return std::regex_search(line, i.diff); });
      if (!intended) {
        ADD_FAILURE() << line;
        unexpected = true;
      }
    }
    if (unexpected) ADD_FAILURE() << "cogwatch: " << a.cogwatch_body << "\nPrometheus: " << a.prometheus_body;
  }
}

// A range over the last few seconds, whole seconds, that both have scraped.
std::string recent_range(int seconds, int step) {
  const long end = static_cast<long>(std::time(nullptr)) - 1;
  return "&start=" + std::to_string(end - seconds) + "&end=" + std::to_string(end) + "&step=" + std::to_string(step);
}

TEST(ApiDifferential, InstantQueries) {
  compare({
      {"vector", "GET", "/api/v1/query?query=up"},
      {"aggregation", "GET", "/api/v1/query?query=" + q("count by (job) (up)")},
      {"rate", "GET", "/api/v1/query?query=" + q("sum by (instance) (rate(cog_predict_requests_total[5s]))"), "", 0.05},
      {"recording rule", "GET", "/api/v1/query?query=" + q("job:cog_predict_requests:rate5s"), "", 0.05},
      {"counters", "GET", "/api/v1/query?query=cog_predict_requests_total", "", -1},
      {"histogram_quantile", "GET",
       "/api/v1/query?query=" + q("histogram_quantile(0.9, sum by (le) (rate(cog_predict_latency_seconds_bucket[5s])))"),
       "", 0.05},
      {"ALERTS", "GET", "/api/v1/query?query=ALERTS"},
      {"ALERTS_FOR_STATE", "GET", "/api/v1/query?query=ALERTS_FOR_STATE", "", -1},
      {"absent", "GET", "/api/v1/query?query=" + q("absent(nonexistent{job=\"cog\"})")},
      {"scalar", "GET", "/api/v1/query?query=" + q("scalar(count(up))")},
      {"scalar at a time", "GET", "/api/v1/query?query=" + q("1+1") + "&time=4"},
      {"string", "GET", "/api/v1/query?query=" + q("\"cog\"")},
      {"POST form", "POST", "/api/v1/query", "query=" + q("count(up)") + "&time=100"},
      {"stats", "GET", "/api/v1/query?query=" + q("count(up)") + "&stats=1", "", -1},
  });
}

TEST(ApiDifferential, QueryErrors) {
  compare({
      {"bad syntax", "GET", "/api/v1/query?query=" + q("sum(")},
      {"bad time", "GET", "/api/v1/query?query=up&time=abc"},
      {"no query", "GET", "/api/v1/query"},
      {"bad timeout", "GET", "/api/v1/query?query=up&timeout=x"},
      {"runtime error", "GET",
       "/api/v1/query?query=" + q("cog_predict_requests_total + on(job) cog_predict_requests_total")},
      {"unknown function", "GET", "/api/v1/query?query=" + q("nosuchfunction(up)")},
      {"range type", "GET", "/api/v1/query_range?query=" + q("up[1m]") + recent_range(2, 1)},
      {"zero step", "GET", "/api/v1/query_range?query=up" + recent_range(2, 0)},
      {"end before start", "GET", "/api/v1/query_range?query=up&start=10&end=5&step=1"},
      {"too many points", "GET", "/api/v1/query_range?query=up&start=0&end=20000&step=1"},
      {"no step", "GET", "/api/v1/query_range?query=up&start=0&end=10"},
  });
}

TEST(ApiDifferential, RangeQueries) {
  compare({
      {"vector", "GET", "/api/v1/query_range?query=up" + recent_range(2, 1)},
      {"rate", "GET", "/api/v1/query_range?query=" + q("sum by (job) (rate(cog_predict_requests_total[5s]))") +
                          recent_range(2, 1), "", 0.05},
      {"scalar", "GET", "/api/v1/query_range?query=" + q("scalar(count(up))") + recent_range(2, 2)},
      {"POST form", "POST", "/api/v1/query_range", "query=" + q("count(up)") + recent_range(2, 1).substr(1)},
  });
}

TEST(ApiDifferential, SeriesAndLabels) {
  compare({
      {"series", "GET", "/api/v1/series?match%5B%5D=up"},
      {"series two matchers", "GET",
       "/api/v1/series?match%5B%5D=" + q("cog_predict_errors_total{error_type=\"timeout\"}") + "&match%5B%5D=" +
           q("cog_input_data_entropy")},
      {"series without match[]", "GET", "/api/v1/series"},
      {"series bad match[]", "GET", "/api/v1/series?match%5B%5D=" + q("up{")},
      {"labels", "GET", "/api/v1/labels"},
      {"labels with match[]", "GET", "/api/v1/labels?match%5B%5D=cog_input_data_entropy"},
      {"labels POST", "POST", "/api/v1/labels", "match%5B%5D=" + q("cog_predict_errors_total")},
      {"job values", "GET", "/api/v1/label/job/values"},
      {"name values", "GET", "/api/v1/label/__name__/values"},
      {"instance values with match[]", "GET",
       "/api/v1/label/instance/values?match%5B%5D=" + q("up{instance=~\".+\"}")},
      {"bad label name", "GET", "/api/v1/label/not-a-name/values"},
  });
}

TEST(ApiDifferential, MetadataAndTargets) {
  compare({
      {"metadata", "GET", "/api/v1/metadata"},
      {"metadata of a metric", "GET", "/api/v1/metadata?metric=cog_predict_requests_total"},
      // Which two metrics depends on Go's map order: only their number is compared.
      {"metadata limit", "GET", "/api/v1/metadata?limit=2", "", -1,
       [](json::value& v) { v.as_object()["data"] = v.at("data").as_object().size(); }},
      {"targets", "GET", "/api/v1/targets"},
      {"active targets", "GET", "/api/v1/targets?state=active"},
      {"dropped targets", "GET", "/api/v1/targets?state=dropped"},
      {"targets metadata", "GET",
       "/api/v1/targets/metadata?match_target=" + q("{job=\"cog\"}") + "&metric=cog_input_data_entropy"},
  });
}

TEST(ApiDifferential, RulesAndAlerts) {
  compare({
      {"rules", "GET", "/api/v1/rules", "", -1},
      {"alerting rules", "GET", "/api/v1/rules?type=alert", "", -1},
      {"recording rules", "GET", "/api/v1/rules?type=record", "", -1},
      {"alerts", "GET", "/api/v1/alerts", "", -1},
  });
}

// Build information, the configuration and the flags necessarily differ:
// only their shape is compared (the same keys for buildinfo; a YAML text;
// a map of strings).
TEST(ApiDifferential, StatusShapes) {
  auto strings_only = [](json::value& v) {
    for (auto& [k, x] : v.as_object()["data"].as_object()) x = x.is_string() ? "string" : "not a string";
  };
  auto keys_of_strings = [](json::value& v) {
    json::object& data = v.as_object()["data"].as_object();
    bool all_strings = true;
    for (auto& [k, x] : data) all_strings = all_strings && x.is_string();
    v.as_object()["data"] = all_strings ? "an object of strings" : "not an object of strings";
  };
  compare({
      {"buildinfo", "GET", "/api/v1/status/buildinfo", "", -1, strings_only},
      {"config", "GET", "/api/v1/status/config", "", -1, strings_only},
      {"flags", "GET", "/api/v1/status/flags", "", -1, keys_of_strings},
  });
}

// Endpoints 2.42 lacks: cogwatch answers them, Prometheus 2.42 says 404.
TEST(ApiDifferential, EndpointsAfter242) {
  Result<Peers*> p = Peers::get();
  ASSERT_TRUE(p) << p.error().message;
  // /api/v1/parse_query came with Prometheus 3's UI (PromLens' tree view).
  const std::string target = "/api/v1/parse_query?query=up";
  auto cw = http_request("GET", (*p)->cogwatch(target));
  auto pr = http_request("GET", (*p)->prometheus(target));
  ASSERT_TRUE(cw && pr);
  EXPECT_EQ(cw->status, 200) << cw->body;
  EXPECT_EQ(pr->status, 404) << "Prometheus 2.42 has parse_query after all: compare it";
}

TEST(ApiDifferential, FormatQueryAndExemplars) {
  compare({
      // cogwatch keeps no exemplars; neither does Prometheus without --enable-feature=exemplar-storage.
      {"exemplars", "POST", "/api/v1/query_exemplars", "query=up&start=0&end=" + std::to_string(std::time(nullptr))},
      {"exemplars bad range", "GET", "/api/v1/query_exemplars?query=up&start=10&end=5"},
      {"format_query", "GET", "/api/v1/format_query?query=" + q("sum(rate(cog_predict_requests_total[5m]))by(job)")},
      {"format_query error", "GET", "/api/v1/format_query?query=" + q("sum(")},
  });
}

}  // namespace
}  // namespace cogwatch::server::peer
