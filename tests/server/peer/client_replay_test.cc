// The requests Grafana's Prometheus data source and pint's online checks
// send, written down as data and replayed against the running cogwatch
// (peers.h); each must succeed with the shape the client parses. They are
// replayed against Prometheus 2.42 too, to show the recorded requests are
// ones a Prometheus answers (except where 2.42 lacks what is asked).
//
// Sources (github.com, read for this test):
//   grafana/grafana pkg/promlib/client/client.go: QueryInstant/QueryRange
//     (POST forms with query, time | start, end, step; url.Values.Encode
//     sorts the keys; times as seconds with a fraction), QueryExemplars,
//     QueryResource (POST for every resource path but the GET-only ones,
//     GET for label values, metadata and status/*);
//   grafana/grafana pkg/promlib/healthcheck.go: the "Save & test" query
//     1+1, instant, at the end of the range 1s..4s (time=4);
//   grafana/grafana pkg/promlib/heuristics.go: GET status/buildinfo, read as
//     {version, features}: no features means Prometheus (not Mimir);
//   grafana/grafana packages/grafana-prometheus/src/resource_clients.ts and
//     language_provider.ts: label/__name__/values and label/<name>/values
//     with limit=40000 (DEFAULT_SERIES_LIMIT, constants.ts), start, end
//     and match[]; labels with match[]; series with match[]={__name__!=""};
//     metadata without parameters;
//   cloudflare/pint internal/promapi/config.go, flags.go, metadata.go,
//     query.go, range.go, buildinfo.go, prometheus.go (doRequest: GET with
//     a query string, POST with a form; timeout as Go's Duration.String(),
//     "2m0s"; stats=1).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "tests/notify/peer/http_client.h"
#include "tests/server/peer/peers.h"

namespace cogwatch::server::peer {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using notify::peer::http_request;

// What a client checks in an answer: "" when it would accept it, else why not.
using Check = std::function<std::string(const json::value& data)>;

struct Replay {
  std::string client;  // "grafana" or "pint"
  std::string what;    // what the client does with it
  std::string method;
  std::string target;  // path and query string
  std::string form;    // POST body (application/x-www-form-urlencoded)
  Check check;
  bool in_242 = true;  // false: Prometheus 2.42 lacks it
};

std::string now_s() { return std::to_string(std::time(nullptr)); }
std::string ago_s(int seconds) { return std::to_string(std::time(nullptr) - seconds); }

Check result_type(std::string type) {
  return [type](const json::value& d) -> std::string {
    const json::object* o = d.if_object();
    if (o == nullptr || !o->contains("resultType") || !o->contains("result")) return "no resultType/result";
    if (o->at("resultType") != json::value(type)) return "resultType " + json::serialize(o->at("resultType"));
    if (type == "vector" || type == "matrix") {
      if (!o->at("result").is_array() || o->at("result").as_array().empty()) return "no series";
      for (const auto& s : o->at("result").as_array()) {
        if (!s.is_object() || !s.as_object().contains("metric") ||
            !s.as_object().contains(type == "vector" ? "value" : "values")) {
          return "a series without metric and value(s)";
        }
      }
    }
    return "";
  };
}

Check strings_containing(std::vector<std::string> wanted) {
  return [wanted](const json::value& d) -> std::string {
    if (!d.is_array()) return "not an array";
    for (const auto& x : d.as_array()) {
      if (!x.is_string()) return "not an array of strings";
    }
    for (const std::string& w : wanted) {
      bool found = false;
      for (const auto& x : d.as_array()) found = found || x.as_string() == w;
      if (!found) return "no \"" + w + "\"";
    }
    return "";
  };
}

Check object_of_strings() {
  return [](const json::value& d) -> std::string {
    if (!d.is_object() || d.as_object().empty()) return "not an object";
    for (const auto& [k, v] : d.as_object()) {
      if (!v.is_string()) return std::string(k) + " is not a string";
    }
    return "";
  };
}

Check metadata_of(std::string metric, std::string type) {
  return [metric, type](const json::value& d) -> std::string {
    if (!d.is_object() || !d.as_object().contains(metric)) return "no " + metric;
    const json::value& list = d.as_object().at(metric);
    if (!list.is_array() || list.as_array().empty()) return metric + ": not a list";
    for (const auto& m : list.as_array()) {
      if (!m.is_object() || m.as_object().size() != 3 || m.at("type") != json::value(type) ||
          !m.at("help").is_string() || !m.at("unit").is_string()) {
        return metric + ": not {type, help, unit}: " + json::serialize(m);
      }
    }
    return "";
  };
}

std::vector<Replay> grafana() {
  const std::string start = ago_s(3600), end = now_s();
  const std::string range = "&end=" + end + ".5&query=" + query_escape("sum by (instance) (rate(cog_predict_requests_total[5s]))") +
                            "&start=" + ago_s(60) + ".5&step=1";
  return {
      {"grafana", "health check (Save & test)", "POST", "/api/v1/query", "query=1%2B1&time=4",
       [](const json::value& d) -> std::string {
         if (std::string e = result_type("scalar")(d); !e.empty()) return e;
         const json::array& r = d.at("result").as_array();
         if (r.size() != 2 || !r[0].is_number() || r[0].to_number<double>() != 4 || r[1] != json::value("2")) {
           return "not [4, \"2\"]";
         }
         return "";
       }},
      {"grafana", "heuristics: Prometheus or Mimir, API features by version", "GET", "/api/v1/status/buildinfo", "",
       [](const json::value& d) -> std::string {
         if (!d.is_object() || !d.at("version").is_string()) return "no version";
         const std::string v(d.at("version").as_string());
         if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0])) || v.find('.') == std::string::npos) {
           return "version is no semver: " + v;
         }
         if (d.as_object().contains("features") && !d.at("features").as_object().empty()) return "features: Mimir";
         return "";
       }},
      {"grafana", "panel, instant", "POST", "/api/v1/query",
       "query=" + query_escape("sum by (instance) (rate(cog_predict_requests_total[5s]))") + "&time=" + end + ".123",
       result_type("vector")},
      {"grafana", "panel, range", "POST", "/api/v1/query_range", range.substr(1), result_type("matrix")},
      {"grafana", "panel, exemplars", "POST", "/api/v1/query_exemplars",
       "end=" + end + "&query=" + query_escape("cog_predict_latency_seconds_bucket") + "&start=" + start,
       [](const json::value& d) -> std::string { return d.is_array() ? "" : "not an array"; }},
      {"grafana", "metric names for the editor", "GET",
       "/api/v1/label/__name__/values?limit=40000&start=" + start + "&end=" + end,
       "", strings_containing({"cog_predict_requests_total", "up"})},
      {"grafana", "label names (POST, as the data source's default method)", "POST", "/api/v1/labels",
       "limit=40000&start=" + start + "&end=" + end, strings_containing({"__name__", "instance", "job"})},
      {"grafana", "label names of a metric", "GET",
       "/api/v1/labels?limit=40000&start=" + start + "&end=" + end + "&match%5B%5D=cog_predict_requests_total", "",
       strings_containing({"__name__", "input_type", "instance", "job"})},
      {"grafana", "label values of a metric", "GET",
       "/api/v1/label/input_type/values?limit=40000&start=" + start + "&end=" + end +
           "&match%5B%5D=" + query_escape("cog_predict_requests_total{job=\"cog\"}"),
       "", strings_containing({"image", "text"})},
      {"grafana", "series (metrics browser)", "POST", "/api/v1/series",
       "start=" + start + "&end=" + end + "&match%5B%5D=" + query_escape("{__name__!=\"\"}") + "&limit=40000",
       [](const json::value& d) -> std::string {
         if (!d.is_array() || d.as_array().empty()) return "no series";
         for (const auto& s : d.as_array()) {
           if (std::string e = object_of_strings()(s); !e.empty()) return e;
         }
         return "";
       }},
      {"grafana", "metadata for the editor's hints", "GET", "/api/v1/metadata", "",
       metadata_of("cog_predict_latency_seconds", "histogram")},
  };
}

std::vector<Replay> pint() {
  return {
      {"pint", "config: scrape and evaluation intervals, rule files", "GET", "/api/v1/status/config", "",
       [](const json::value& d) -> std::string {
         if (!d.is_object() || !d.at("yaml").is_string()) return "no yaml";
         try {
           YAML::Node cfg = YAML::Load(std::string(d.at("yaml").as_string()));
           if (cfg["global"]["scrape_interval"].as<std::string>() != "1s") return "scrape_interval is not 1s";
           if (cfg["global"]["evaluation_interval"].as<std::string>() != "1s") return "evaluation_interval is not 1s";
         } catch (const std::exception& e) {
           return std::string("the yaml does not parse: ") + e.what();
         }
         return "";
       }},
      {"pint", "flags (storage.tsdb.retention.time and friends)", "GET", "/api/v1/status/flags", "", object_of_strings()},
      {"pint", "metadata of a metric (promql/counter, rate checks)", "GET",
       "/api/v1/metadata?metric=cog_predict_requests_total", "", metadata_of("cog_predict_requests_total", "counter")},
      {"pint", "instant query (promql/series)", "POST", "/api/v1/query",
       "query=" + query_escape("count(cog_predict_requests_total)") + "&stats=1&timeout=2m0s",
       [](const json::value& d) -> std::string {
         if (std::string e = result_type("vector")(d); !e.empty()) return e;
         const json::object* stats = d.as_object().contains("stats") ? d.at("stats").if_object() : nullptr;
         if (stats == nullptr) return "no stats";
         for (const char* k : {"evalTotalTime", "resultSortTime", "queryPreparationTime", "innerEvalTime",
                               "execQueueTime", "execTotalTime"}) {
           if (!stats->at("timings").as_object().contains(k) || !stats->at("timings").at(k).is_number()) {
             return std::string("no stats.timings.") + k;
           }
         }
         for (const char* k : {"totalQueryableSamples", "peakSamples"}) {
           if (!stats->at("samples").as_object().contains(k)) return std::string("no stats.samples.") + k;
         }
         return "";
       }},
      {"pint", "range query (promql/series, alerts/count)", "POST", "/api/v1/query_range",
       "end=" + now_s() + "&query=" + query_escape("count(up)") + "&start=" + ago_s(60) + "&stats=1&step=1&timeout=2m0s",
       result_type("matrix")},
      {"pint", "build info (version-gated checks)", "GET", "/api/v1/status/buildinfo", "",
       [](const json::value& d) -> std::string { return d.at("version").is_string() ? "" : "no version"; }},
  };
}

// `replays` is called once the peers run, so its times are recent.
void replay(const std::function<std::vector<Replay>()>& make) {
  Result<Peers*> p = Peers::get();
  ASSERT_TRUE(p) << p.error().message;
  const std::vector<Replay> replays = make();
  for (const Replay& r : replays) {
    SCOPED_TRACE(r.client + ", " + r.what + ": " + r.method + " " + r.target + (r.form.empty() ? "" : " " + r.form));
    struct Server {
      const char* name;
      std::string url;
    };
    std::vector<Server> servers = {{"cogwatch", (*p)->cogwatch(r.target)}};
    if (r.in_242) servers.push_back({"Prometheus 2.42", (*p)->prometheus(r.target)});
    for (const Server& s : servers) {
      auto reply = http_request(r.method, s.url, r.form, r.form.empty() ? "" : "application/x-www-form-urlencoded", 10s);
      ASSERT_TRUE(reply) << s.name << ": " << reply.error().message;
      EXPECT_EQ(reply->status, 200) << s.name << ": " << reply->body;
      boost::system::error_code ec;
      json::value v = json::parse(reply->body, ec);
      ASSERT_FALSE(ec) << s.name << ": no JSON: " << reply->body;
      ASSERT_TRUE(v.is_object() && v.as_object().contains("status") && v.as_object().contains("data"))
          << s.name << ": " << reply->body;
      EXPECT_EQ(v.at("status"), json::value("success")) << s.name << ": " << reply->body;
      const std::string why = r.check(v.at("data"));
      EXPECT_EQ(why, "") << s.name << ": " << reply->body;
    }
  }
}

TEST(ClientReplay, Grafana) { replay(grafana); }
TEST(ClientReplay, Pint) { replay(pint); }

}  // namespace
}  // namespace cogwatch::server::peer
