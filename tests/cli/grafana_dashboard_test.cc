// examples/grafana/cog-dashboard.json against a running cogwatch, as
// Grafana's Prometheus data source would use it: the template variables'
// label_values() queries and every panel's queries, with the variables
// substituted (All for job, instance and model_version, $__rate_interval
// for a 1s scrape interval), sent to the HTTP API over a few seconds of
// a simulated predictor's data with the demo rules loaded (for the
// guide's recording rule). Each must parse, evaluate and return data,
// whether the latency histogram is scraped as classic buckets (text) or
// as a native histogram (scrape_native_histograms, protobuf).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/cog_sim_server.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "model/url.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::cli {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using notify::peer::http_request;

std::string substitute(std::string expr) {
  // All of a multi-value variable is its allValue; $__rate_interval is at
  // least four scrape intervals (Grafana's rule).
  for (const auto& [var, value] : {std::pair<std::string, std::string>{"$job", "cog"},
                                   {"$instance", ".*"},
                                   {"$model_version", ".*"},
                                   {"$__rate_interval", "5s"}}) {
    for (size_t p = expr.find(var); p != std::string::npos; p = expr.find(var, p + value.size())) {
      expr.replace(p, var.size(), value);
    }
  }
  return expr;
}

struct Query {
  std::string where;  // "panel \"Request rate\" target A"
  std::string expr;
};

class GrafanaDashboard : public ::testing::TestWithParam<bool> {};  // native histograms?

TEST_P(GrafanaDashboard, EveryPanelsQueriesReturnDataFromCogwatch) {
  const bool native = GetParam();
  std::ifstream file(std::string(COGWATCH_SOURCE_DIR) + "/examples/grafana/cog-dashboard.json");
  ASSERT_TRUE(file) << "examples/grafana/cog-dashboard.json";
  std::stringstream text;
  text << file.rdbuf();
  const json::value dashboard = json::parse(text.str());
  std::vector<Query> queries;
  for (const json::value& panel : dashboard.at("panels").as_array()) {
    for (const json::value& target : panel.at("targets").as_array()) {
      queries.push_back({"panel \"" + std::string(panel.at("title").as_string()) + "\" target " +
                             std::string(target.at("refId").as_string()),
                         substitute(std::string(target.at("expr").as_string()))});
    }
  }
  ASSERT_GE(queries.size(), 9u);
  // label_values(<selector>, <label>): Grafana asks /api/v1/label/<label>/values?match[]=<selector>.
  std::vector<std::pair<std::string, std::string>> variables;  // selector, label
  const std::regex label_values(R"(^label_values\((.+), *(\w+)\)$)");
  for (const json::value& v : dashboard.at("templating").at("list").as_array()) {
    if (v.at("type").as_string() != "query") continue;
    std::smatch m;
    const std::string q(v.at("definition").as_string());
    ASSERT_TRUE(std::regex_match(q, m, label_values)) << q;
    variables.emplace_back(substitute(m[1]), m[2]);
  }
  ASSERT_EQ(variables.size(), 3u);

  auto dir = notify::peer::make_temp_dir("grafana-dashboard");
  ASSERT_TRUE(dir);
  auto sim = BackgroundCogSim::start({});
  ASSERT_TRUE(sim);
  std::ofstream(*dir + "/cogwatch.yml") << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                                           "scrape_configs:\n  - job_name: cog\n"
                                        << (native ? "    scrape_native_histograms: true\n" : "")
                                        << "    static_configs: [{targets: ['"
                                        << (*sim)->address() << "']}]\nrule_files: ['" << COGWATCH_SOURCE_DIR
                                        << "/examples/rules/cog_demo.yml']\n";
  DaemonOptions o;
  o.config_file = *dir + "/cogwatch.yml";
  o.config_file_given = true;
  o.listen_address = "127.0.0.1:0";
  auto log = std::make_shared<std::string>();
  o.log = Logger::to_string_sink(log, LogLevel::kInfo, false);
  Daemon cogwatch(o);
  ASSERT_TRUE(cogwatch.start()) << *log;
  const std::string api = "http://127.0.0.1:" + std::to_string(cogwatch.port()) + "/api/v1";

  // As a time-series panel asks: a range query over the last 10 seconds.
  auto empty_or_error = [&](const Query& q) -> std::string {
    const int64_t end = system_clock().now() / 1000;
    auto r = http_request("POST", api + "/query_range",
                          "query=" + query_escape(q.expr) + "&start=" + std::to_string(end - 10) +
                              "&end=" + std::to_string(end) + "&step=1",
                          "application/x-www-form-urlencoded");
    if (!r) return r.error().message;
    if (r->status != 200) return r->body;
    const json::value body = json::parse(r->body);
    if (body.at("data").at("result").as_array().empty()) return "no data";
    return "";
  };
  // The recording rule's group runs every 5s: give every query up to 30s.
  std::map<std::string, std::string> failing;
  for (int i = 0; i < 60; ++i) {
    failing.clear();
    for (const Query& q : queries) {
      if (std::string why = empty_or_error(q); !why.empty()) failing[q.where + ": " + q.expr] = why;
    }
    if (failing.empty()) break;
    std::this_thread::sleep_for(500ms);
  }
  for (const auto& [query, why] : failing) ADD_FAILURE() << query << ": " << why;

  for (const auto& [selector, label] : variables) {
    auto r = http_request("GET", api + "/label/" + label + "/values?match%5B%5D=" + query_escape(selector));
    ASSERT_TRUE(r && r->status == 200) << selector;
    EXPECT_FALSE(json::parse(r->body).at("data").as_array().empty()) << "label_values(" << selector << ", " << label << ")";
  }
  // The annotation query parses and evaluates (firing alerts may be none).
  const std::string annotation(dashboard.at("annotations").at("list").at(0).at("expr").as_string());
  auto r = http_request("GET", api + "/query?query=" + query_escape(annotation));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  // The layout is the one asked for.
  auto buckets = http_request("GET", api + "/query?query=" + query_escape("count(cog_predict_latency_seconds_bucket)"));
  ASSERT_TRUE(buckets);
  EXPECT_EQ(json::parse(buckets->body).at("data").at("result").as_array().empty(), native) << buckets->body;
  cogwatch.shutdown();
  notify::peer::remove_tree(*dir);
}

INSTANTIATE_TEST_SUITE_P(Layouts, GrafanaDashboard, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "NativeHistogram" : "ClassicBuckets";
                         });

}  // namespace
}  // namespace cogwatch::cli
