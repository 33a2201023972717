// QueryApi without sockets: requests in, exact bodies and statuses out, as
// Prometheus 3 answers them (texts from web/api/v1/api.go and promql).
#include "server/query_api.h"

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "tsdb/head.h"

namespace cogwatch::server {
namespace {

constexpr Timestamp kNow = 300'000;

class QueryApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    for (int i = 0; i <= 20; ++i) {
      const Timestamp t = i * 15 * kSecond;
      (void)app->append(Labels{{"__name__", "up"}, {"job", "cog"}, {"instance", "a:1"}}, t, 1);
      (void)app->append(Labels{{"__name__", "up"}, {"job", "cog"}, {"instance", "b:1"}}, t, 0);
      (void)app->append(Labels{{"__name__", "requests_total"}, {"job", "cog"}, {"code", "200"}}, t, i * 10.0);
    }
    // A series that ended long ago.
    (void)app->append(Labels{{"__name__", "old"}, {"job", "batch"}}, -3600 * kSecond, 7);
    app->commit();
  }

  net::HttpResponse get(const std::string& target) { return call("GET", target); }
  net::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = "") {
    net::HttpRequest r{.method = method, .target = target, .body = body};
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    auto response = api_->handle(r);
    EXPECT_TRUE(response.has_value()) << target;
    return response.value_or(net::HttpResponse{.status = 0});
  }
  // The body of an error answer, checking its status.
  std::string error(const std::string& target, int status = 400) {
    net::HttpResponse r = get(target);
    EXPECT_EQ(r.status, status) << target << "\n" << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return r.body;
  }
  static std::string bad_data(const std::string& message) {
    return "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"" + message + "\"}";
  }

  tsdb::Head head_;
  QueryApiOptions options_{.querier = head_, .now = [] { return kNow; }};
  std::unique_ptr<QueryApi> api_ = std::make_unique<QueryApi>(options_);
};

const std::string kUpVector =
    R"({"resultType":"vector","result":[)"
    R"({"metric":{"__name__":"up","instance":"a:1","job":"cog"},"value":[300,"1"]},)"
    R"({"metric":{"__name__":"up","instance":"b:1","job":"cog"},"value":[300,"0"]}]})";

TEST_F(QueryApiTest, InstantQuery) {
  net::HttpResponse r = get("/api/v1/query?query=up&time=300");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":)" + kUpVector + "}");
  // Without time: now. POST with a form body, which wins over the URL.
  EXPECT_EQ(get("/api/v1/query?query=up").body, r.body);
  EXPECT_EQ(call("POST", "/api/v1/query?query=nothing", "query=up&time=300").body, r.body);
  EXPECT_EQ(get("/api/v1/query?query=1%2B1&time=300").body,
            R"({"status":"success","data":{"resultType":"scalar","result":[300,"2"]}})");
  EXPECT_EQ(get("/api/v1/query?query=%22a%22&time=1.5").body,
            R"({"status":"success","data":{"resultType":"string","result":[1.5,"a"]}})");
  EXPECT_EQ(get("/api/v1/query?query=up%7Binstance%3D%22a:1%22%7D%5B30s%5D&time=300").body,
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"__name__":"up","instance":"a:1","job":"cog"},"values":[[285,"1"],[300,"1"]]}]}})");
  EXPECT_EQ(get("/api/v1/query?query=nothing&time=300").body,
            R"({"status":"success","data":{"resultType":"vector","result":[]}})");
}

// What queries read, for the Status page's "metrics nothing reads": the
// names and __name__ patterns of query, query_range and /federate, not of
// the other endpoints; the endpoint exists only with a recorder.
TEST_F(QueryApiTest, MetricReadsRecordWhatQueriesSelect) {
  EXPECT_FALSE(api_->handle({.method = "GET", .target = "/api/v1/status/metric_reads"}).has_value());
  MetricReads reads;
  options_.metric_reads = &reads;
  api_ = std::make_unique<QueryApi>(options_);
  EXPECT_EQ(get("/api/v1/status/metric_reads").body,
            R"({"status":"success","data":{"names":[],"patterns":[],"truncated":false}})");
  get("/api/v1/query?query=rate(requests_total%5B1m%5D)+%2B+on()+group_left+%7B__name__%3D~%22u.%2A%22%7D&time=300");
  get("/api/v1/query_range?query=sum(up)&start=0&end=300&step=15");
  get("/api/v1/query?query=sum(&time=300");                 // does not parse: reads nothing
  get("/api/v1/series?match%5B%5D=old");                     // not a query
  get("/api/v1/parse_query?query=never_read");               // nor this
  get("/federate?match%5B%5D=old");                          // a federating Prometheus reads it
  EXPECT_EQ(get("/api/v1/status/metric_reads").body,
            R"({"status":"success","data":{"names":["old","requests_total","up"],)"
            R"("patterns":[{"type":"=~","value":"u.*"}],"truncated":false}})");
  EXPECT_EQ(call("POST", "/api/v1/status/metric_reads").status, 405);
}

TEST_F(QueryApiTest, InstantQueryErrors) {
  EXPECT_EQ(error("/api/v1/query?query=sum(up"),
            bad_data(R"(invalid parameter \"query\": 1:7: parse error: unclosed left parenthesis)"));
  EXPECT_EQ(error("/api/v1/query"),
            bad_data(R"(invalid parameter \"query\": unknown position: parse error: no expression found in input)"));
  EXPECT_EQ(error("/api/v1/query?query=up&time=x"),
            bad_data(R"(invalid parameter \"time\": invalid time value for 'time': cannot parse \"x\" to a valid timestamp)"));
  EXPECT_EQ(error("/api/v1/query?query=up&limit=x"),
            bad_data(R"(invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax)"));
  EXPECT_EQ(error("/api/v1/query?query=up&limit=-1"), bad_data(R"(invalid parameter \"limit\": limit must be non-negative)"));
  EXPECT_EQ(error("/api/v1/query?query=up&timeout=x"),
            bad_data(R"(invalid parameter \"timeout\": cannot parse \"x\" to a valid duration)"));
  EXPECT_EQ(error("/api/v1/query?query=up&lookback_delta=x"),
            bad_data(R"(error parsing lookback delta duration: cannot parse \"x\" to a valid duration)"));
  EXPECT_EQ(error("/api/v1/query?query=up&time=%zz"), bad_data(R"(error parsing form values: invalid URL escape \"%zz\")"));
  // Runtime errors are "execution", 422.
  EXPECT_EQ(error("/api/v1/query?query=label_replace(up,\"instance\",\"\",\"\",\"\")&time=300", 422),
            R"({"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"})");
}

TEST_F(QueryApiTest, LimitTruncatesWithAWarning) {
  EXPECT_EQ(get("/api/v1/query?query=up&time=300&limit=1").body,
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"up","instance":"a:1","job":"cog"},"value":[300,"1"]}]},)"
            R"("warnings":["results truncated due to limit"]})");
  EXPECT_EQ(get("/api/v1/query?query=up&time=300&limit=2").body, R"({"status":"success","data":)" + kUpVector + "}");
  EXPECT_EQ(get("/api/v1/query_range?query=up&start=0&end=15&step=15&limit=1").body,
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"__name__":"up","instance":"a:1","job":"cog"},"values":[[0,"1"],[15,"1"]]}]},)"
            R"("warnings":["results truncated due to limit"]})");
}

TEST_F(QueryApiTest, AnnotationsAreWarningsAndInfos) {
  EXPECT_EQ(get("/api/v1/query?query=sum(rate(up%5B1m%5D))&time=300").body,
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[300,"0"]}]},)"
            R"j("infos":["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"up\" (1:10)"]})j");
  EXPECT_EQ(get("/api/v1/query?query=quantile(2,up)&time=300").body,
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[300,"+Inf"]}]},)"
            R"j("warnings":["PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)"]})j");
}

TEST_F(QueryApiTest, Stats) {
  const std::string body = get("/api/v1/query?query=up&time=300&stats=all").body;
  ASSERT_TRUE(body.starts_with(R"({"status":"success","data":{"resultType":"vector","result":[)")) << body;
  const size_t stats = body.find(R"(],"stats":{"timings":{"evalTotalTime":)");
  ASSERT_NE(stats, std::string::npos) << body;
  for (const char* key : {R"(,"resultSortTime":0,"queryPreparationTime":)", R"(,"innerEvalTime":)",
                          R"(,"execQueueTime":)", R"(,"execTotalTime":)",
                          // 20 samples of each up series in the lookback window are read.
                          R"(},"samples":{"totalQueryableSamples":40,"samplesRead":40,"peakSamples":2}}}})"}) {
    EXPECT_NE(body.find(key, stats), std::string::npos) << key << "\n" << body;
  }
  // Without stats, no stats; an unknown value is deprecated but still gives them.
  EXPECT_EQ(get("/api/v1/query?query=up&time=300").body.find("stats"), std::string::npos);
  const std::string other = get("/api/v1/query?query=up&time=300&stats=1").body;
  EXPECT_NE(other.find(R"("stats":{"timings")"), std::string::npos);
  EXPECT_TRUE(other.ends_with(
      R"("warnings":["value \"1\" for parameter \"stats\" is deprecated and will be rejected in the next major release, use \"true\" or \"all\""]})"))
      << other;
}

TEST_F(QueryApiTest, RangeQuery) {
  EXPECT_EQ(get("/api/v1/query_range?query=up&start=0&end=30&step=15").body,
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"__name__":"up","instance":"a:1","job":"cog"},"values":[[0,"1"],[15,"1"],[30,"1"]]},)"
            R"({"metric":{"__name__":"up","instance":"b:1","job":"cog"},"values":[[0,"0"],[15,"0"],[30,"0"]]}]}})");
  // Step as a duration; times as RFC 3339; a scalar is a matrix of one series.
  EXPECT_EQ(get("/api/v1/query_range?query=2&start=1970-01-01T00:00:00Z&end=1970-01-01T00:00:30Z&step=15s").body,
            R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"2"],[15,"2"],[30,"2"]]}]}})");
}

TEST_F(QueryApiTest, RangeQueryErrors) {
  EXPECT_EQ(error("/api/v1/query_range?query=up&end=30&step=15"),
            bad_data(R"(invalid parameter \"start\": cannot parse \"\" to a valid timestamp)"));
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&step=15"),
            bad_data(R"(invalid parameter \"end\": cannot parse \"\" to a valid timestamp)"));
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=30&end=0&step=15"),
            bad_data(R"(invalid parameter \"end\": end timestamp must not be before start time)"));
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=30"),
            bad_data(R"(invalid parameter \"step\": cannot parse \"\" to a valid duration)"));
  for (const char* step : {"0", "-15", "0s"}) {
    EXPECT_EQ(error(std::string("/api/v1/query_range?query=up&start=0&end=30&step=") + step),
              bad_data(R"(invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer)"));
  }
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=11001&step=1"),
            bad_data("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                     "resolution (?step=XX)"));
  EXPECT_EQ(get("/api/v1/query_range?query=up&start=0&end=11000&step=1").status, 200);
  EXPECT_EQ(error("/api/v1/query_range?query=up%5B5m%5D&start=0&end=30&step=15"),
            bad_data(R"(invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector)"));
  EXPECT_EQ(error("/api/v1/query_range?query=%22a%22&start=0&end=30&step=15"),
            bad_data(R"(invalid parameter \"query\": invalid expression type \"string\" for range query, must be Scalar or instant Vector)"));
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=30&step=15&limit=1.5"),
            bad_data(R"(invalid parameter \"limit\": strconv.Atoi: parsing \"1.5\": invalid syntax)"));
}

TEST_F(QueryApiTest, TimeoutsAreDeterministic) {
  // A timeout of 0 has passed when evaluation would start.
  const std::string timed_out =
      R"({"status":"error","errorType":"timeout","error":"query timed out in query execution"})";
  EXPECT_EQ(error("/api/v1/query?query=up&timeout=0", 503), timed_out);
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=30&step=15&timeout=0s", 503), timed_out);
  // So has --query.timeout 0, whatever the request asks.
  options_.query_timeout = 0;
  api_ = std::make_unique<QueryApi>(options_);
  EXPECT_EQ(error("/api/v1/query?query=up&timeout=1h", 503), timed_out);
}

TEST_F(QueryApiTest, TooManySamplesIs422) {
  options_.engine.max_samples = 10;
  api_ = std::make_unique<QueryApi>(options_);
  const std::string too_many =
      R"({"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"})";
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=300&step=15", 422), too_many);
  EXPECT_EQ(get("/api/v1/query?query=up&time=300").status, 200);
}

TEST_F(QueryApiTest, HostileQueriesGiveErrorsNotCrashes) {
  // Deep nesting is a parse error.
  std::string deep = std::string(5000, '(') + "up" + std::string(5000, ')');
  EXPECT_EQ(get("/api/v1/query?query=" + deep).status, 400);
  std::string chain = "up";
  for (int i = 0; i < 3000; ++i) chain += "%2Bup";
  EXPECT_EQ(get("/api/v1/query?query=" + chain).status, 400);
  // A subquery of a year at 1ms steps and a huge range are bounded by max_samples.
  EXPECT_EQ(get("/api/v1/query?query=max_over_time(up%5B1y:1ms%5D)&time=300").status, 422);
  EXPECT_EQ(get("/api/v1/query?query=count_over_time(up%5B100y%5D)&time=300").status, 200);
  EXPECT_EQ(get("/api/v1/query_range?query=count_values(%22v%22,up)&start=0&end=11000&step=1").status, 200);
  options_.engine.max_samples = 1000;
  api_ = std::make_unique<QueryApi>(options_);
  EXPECT_EQ(get("/api/v1/query_range?query=count_values(%22v%22,time())&start=0&end=11000&step=1").status, 400);
  EXPECT_EQ(get("/api/v1/query_range?query=count_values(%22v%22,vector(time()))&start=0&end=11000&step=1").status,
            422);
  // A regex that backtracking engines blow up on is linear in RE2.
  EXPECT_EQ(get("/api/v1/query?query=up%7Bjob%3D~%22(a%2B)%2Bb%22%7D&time=300").status, 200);
  EXPECT_EQ(get("/api/v1/query?query=up%7Bjob%3D~%22(%22%7D&time=300").status, 400);
}

// A querier whose first select() blocks until released, to hold the gate
// (later ones pass, so a gate that lets a query through fails the test
// instead of hanging it).
class BlockingQuerier : public tsdb::Querier {
 public:
  explicit BlockingQuerier(const tsdb::Querier& inner) : inner_(inner) {}
  std::vector<tsdb::SeriesData> select(const std::vector<LabelMatcher>& m, Timestamp mint, Timestamp maxt,
                                       tsdb::SeriesOrder order) const override {
    if (!first_.exchange(true)) {
      entered.set_value();
      release.get_future().wait();
    }
    return inner_.select(m, mint, maxt, order);
  }
  std::vector<std::string> label_names(const std::vector<LabelMatcher>& m) const override {
    return inner_.label_names(m);
  }
  std::vector<std::string> label_values(const std::string& n, const std::vector<LabelMatcher>& m) const override {
    return inner_.label_values(n, m);
  }
  mutable std::promise<void> entered, release;

 private:
  const tsdb::Querier& inner_;
  mutable std::atomic<bool> first_{false};
};

TEST_F(QueryApiTest, TheGateHoldsQueriesUntilTheirDeadline) {
  BlockingQuerier blocking(head_);
  QueryApi api({.querier = blocking, .max_concurrency = 1, .now = [] { return kNow; }});
  auto first = std::async(std::launch::async, [&] {
    return api.handle({.method = "GET", .target = "/api/v1/query?query=up&time=300"});
  });
  blocking.entered.get_future().wait();  // the first query holds the only slot
  EXPECT_EQ(api.active_queries(), 1u);
  auto second = api.handle({.method = "GET", .target = "/api/v1/query?query=up&time=300&timeout=0.05"});
  EXPECT_EQ(second->status, 503);
  EXPECT_EQ(second->body, R"({"status":"error","errorType":"timeout","error":"query timed out in query queue"})");
  // Every query waits at the gate, even one that reads no series.
  EXPECT_EQ(api.handle({.method = "GET", .target = "/api/v1/query?query=1&timeout=0.01"})->status, 503);
  blocking.release.set_value();
  EXPECT_EQ(first.get()->status, 200);
  EXPECT_EQ(api.active_queries(), 0u);
  // The slot is free again.
  EXPECT_EQ(api.handle({.method = "GET", .target = "/api/v1/query?query=1&time=300"})->status, 200);
}

TEST_F(QueryApiTest, ConcurrentQueries) {
  QueryApi api({.querier = head_, .max_concurrency = 2, .now = [] { return kNow; }});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        auto r = api.handle({.method = "GET", .target = "/api/v1/query_range?query=sum(up)&start=0&end=300&step=15"});
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
  EXPECT_EQ(api.active_queries(), 0u);
}

// cogwatch keeps no exemplars: Grafana's exemplar queries get an empty
// list, their parameters checked as Prometheus's queryExemplars does.
TEST_F(QueryApiTest, QueryExemplars) {
  EXPECT_EQ(call("POST", "/api/v1/query_exemplars", "query=up&start=0&end=300").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(get("/api/v1/query_exemplars?query=up").body, R"({"status":"success","data":[]})");
  // No selector: Prometheus answers null without asking its store.
  EXPECT_EQ(get("/api/v1/query_exemplars?query=1%2B2").body, R"({"status":"success","data":null})");
  EXPECT_EQ(get("/api/v1/query_exemplars?query=rate(up[5m])").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(error("/api/v1/query_exemplars?query=sum(up"), bad_data("1:7: parse error: unclosed left parenthesis"));
  EXPECT_EQ(error("/api/v1/query_exemplars?query=up&start=x"),
            bad_data(R"(invalid parameter \"start\": invalid time value for 'start': cannot parse \"x\" to a valid timestamp)"));
  EXPECT_EQ(error("/api/v1/query_exemplars?query=up&start=10&end=5"),
            bad_data("end timestamp must not be before start timestamp"));
  EXPECT_EQ(call("DELETE", "/api/v1/query_exemplars?query=up").status, 405);
}

TEST_F(QueryApiTest, Routing) {
  EXPECT_FALSE(api_->handle({.method = "GET", .target = "/api/v1/targets"}).has_value());
  EXPECT_FALSE(api_->handle({.method = "GET", .target = "/metrics"}).has_value());
  EXPECT_FALSE(api_->handle({.method = "GET", .target = "/api/v1/label/a/b/values"}).has_value());
  net::HttpResponse r = call("DELETE", "/api/v1/query?query=up");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, "Method Not Allowed\n");
  EXPECT_EQ(call("POST", "/api/v1/label/job/values").status, 405);
  EXPECT_EQ(call("POST", "/federate").status, 405);
  EXPECT_EQ(call("OPTIONS", "/api/v1/series").status, 204);
}

}  // namespace
}  // namespace cogwatch::server
