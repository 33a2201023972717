// What promqltest scripts cannot reach: the Engine's API contract, limits,
// annotations' positions and the API JSON form. PromQL semantics are
// tested by tests/promql/*.test.
#include "eval/engine.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "eval/value_json.h"
#include "model/value.h"
#include "parser/parser.h"
#include "tsdb/head.h"

namespace cogwatch::eval {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    for (int i = 0; i <= 20; ++i) {
      (void)app->append(Labels{{"__name__", "requests"}, {"job", "cog"}}, i * 15 * kSecond, i * 10.0);
    }
    app->commit();
  }
  parser::ExprPtr parse(const std::string& q) {
    auto e = parser::parse_expr(q);
    EXPECT_TRUE(e.ok()) << q;
    return *std::move(e);
  }
  tsdb::Head head_;
};

TEST_F(EngineTest, RangeQueriesNeedScalarOrVectorAndAPositiveStep) {
  Engine engine(head_);
  auto s = engine.range(*parse("\"text\""), 0, 60'000, 15'000);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().message, "invalid expression type \"string\" for range query, must be Scalar or instant Vector");
  auto m = engine.range(*parse("requests[1m]"), 0, 60'000, 15'000);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("range vector"), std::string::npos);
  EXPECT_FALSE(engine.range(*parse("requests"), 0, 60'000, 0).ok());
  EXPECT_FALSE(engine.range(*parse("requests"), 60'000, 0, 15'000).ok());
}

TEST_F(EngineTest, InstantResultsHaveTheExpressionsType) {
  Engine engine(head_);
  auto scalar = engine.instant(*parse("1 + 2"), 5000);
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(std::get<Scalar>(*scalar).v, 3);
  EXPECT_EQ(std::get<Scalar>(*scalar).t, 5000);
  auto matrix = engine.instant(*parse("requests[1m]"), 300'000);
  ASSERT_TRUE(matrix.ok());
  const auto& m = std::get<Matrix>(*matrix);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].points.size(), 4u);  // (240s, 300s]: 255, 270, 285, 300
  EXPECT_EQ(m[0].points.front().t, 255'000);
}

TEST_F(EngineTest, TooManySamplesIsAnError) {
  EngineOptions opts;
  opts.max_samples = 5;
  Engine engine(head_, opts);
  auto v = engine.range(*parse("requests"), 0, 300'000, 15'000);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kResourceExhausted);
}

// A histogram counts against max_samples as Prometheus's HPoint.size():
// (168 + 8 per span, bucket and bound) / 16. One span of three buckets:
// (168 + 32) / 16 = 12.
TEST_F(EngineTest, AHistogramCountsAsItsSizeAgainstMaxSamples) {
  Histogram h;
  h.schema = 0;
  h.count = 5;
  h.sum = 9;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {1, 1, 0};  // 1, 2, 2
  auto app = head_.appender();
  ASSERT_TRUE(app->append_histogram(Labels{{"__name__", "latency"}}, 15'000, h).ok());
  app->commit();
  for (const auto& [max, ok] : {std::pair{11u, false}, std::pair{12u, true}}) {
    EngineOptions opts;
    opts.max_samples = max;
    Engine engine(head_, opts);
    QueryStats stats;
    auto v = engine.instant(*parse("latency"), 15'000, QueryContext{.stats = &stats});
    EXPECT_EQ(v.ok(), ok) << max;
    if (ok) {
      EXPECT_EQ(stats.peak_samples, 12u);
    }
  }
  // Its count is a float again: one sample.
  EngineOptions opts;
  opts.max_samples = 12;
  EXPECT_TRUE(Engine(head_, opts).instant(*parse("histogram_count(latency) + 1"), 15'000).ok());
}

TEST_F(EngineTest, AnnotationsPointIntoTheQuery) {
  Engine engine(head_);
  const std::string q = "sum(rate(requests[5m]))";
  Annotations notes;
  auto v = engine.instant(*parse(q), 300'000, &notes);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(format_annotation(q, notes[0]),
            "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "
            "\"requests\" (1:10)");
}

TEST(ValueJson, MatchesPrometheusApi) {
  Vector v = {{Labels{{"__name__", "up"}, {"job", "a<b>&\"c\""}}, 1'700'000'000'005, 1.5},
              {Labels{}, -1500, std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(to_api_json(v),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\u003cb\u003e\u0026\"c\""},)"
            R"("value":[1700000000.005,"1.5"]},{"metric":{},"value":[-1.500,"+Inf"]}]})");
  // Scalars and strings are Go floats (their MarshalJSON), samples are not.
  EXPECT_EQ(to_api_json(Scalar{1'700'000'000'500, 2}), R"({"resultType":"scalar","result":[1700000000.5,"2"]})");
  EXPECT_EQ(to_api_json(String{-1'500, "a"}), R"({"resultType":"string","result":[-1.5,"a"]})");
  EXPECT_EQ(to_api_json(Scalar{0, 1}), R"({"resultType":"scalar","result":[0,"1"]})");
  Matrix m = {{Labels{{"x", "y"}}, {{0, 1e6}, {15'000, std::nan("")}}}};
  EXPECT_EQ(to_api_json(m),
            R"({"resultType":"matrix","result":[{"metric":{"x":"y"},"values":[[0,"1000000"],[15,"NaN"]]}]})");
  EXPECT_EQ(to_api_json(Scalar{1000, 0.25}), R"({"resultType":"scalar","result":[1,"0.25"]})");
  EXPECT_EQ(to_api_json(String{1000, "a\nb"}), R"({"resultType":"string","result":[1,"a\nb"]})");
  // Samples switch to exponents below 1e-6 (jsonutil.MarshalFloat);
  // scalars never do (strconv 'f').
  EXPECT_EQ(to_api_json(Vector{{Labels{}, 0, 2.5e-7}}),
            R"({"resultType":"vector","result":[{"metric":{},"value":[0,"2.5e-07"]}]})");
  EXPECT_EQ(to_api_json(Scalar{0, 2.5e-7}), R"({"resultType":"scalar","result":[0,"0.00000025"]})");
  // A native histogram: count, sum, and its non-empty buckets as
  // [boundary rule, lower, upper, count] (0: upper bound inclusive;
  // 3: the zero bucket, closed).
  FloatHistogram h;
  h.schema = 0;
  h.count = 5;
  h.sum = 1e-7;
  h.zero_threshold = 0.001;
  h.zero_count = 1;
  h.positive_spans = {{0, 3}};
  h.positive_buckets = {2, 0, 2};
  Vector hv = {{Labels{{"__name__", "lat"}}, 1000, 0, HistogramRef::make(h)}};
  EXPECT_EQ(to_api_json(hv),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"lat"},"histogram":[1,{"count":"5","sum":"1e-07",)"
            R"("buckets":[[3,"-0.001","0.001","1"],[0,"0.5","1","2"],[0,"2","4","2"]]}]}]})");
  std::string s;
  append_go_json_string(s, "\xff\xe2\x80\xa8\x01");
  EXPECT_EQ(s, R"("\ufffd\u2028\u0001")");
}

}  // namespace
}  // namespace cogwatch::eval

namespace cogwatch::eval {
namespace {

// Mutations of realistic queries, evaluated as instant and range queries:
// any outcome is fine but a crash (run under ASan in the sanitizer build).
TEST(EngineRobustness, RandomQueriesNeverCrash) {
  tsdb::Head head;
  {
    auto app = head.appender();
    const char* jobs[] = {"cog", "node"};
    const char* les[] = {"0.1", "1", "+Inf"};
    for (int t = 0; t <= 40; ++t) {
      for (int j = 0; j < 2; ++j) {
        const std::string job = jobs[j];
        (void)app->append(Labels{{"__name__", "req_total"}, {"job", job}}, t * 15'000, t * (j + 1.0));
        (void)app->append(Labels{{"__name__", "g"}, {"job", job}}, t * 15'000, t % 3 == 0 ? stale_nan() : t * 0.5);
        for (int k = 0; k < 3; ++k) {
          (void)app->append(Labels{{"__name__", "lat_bucket"}, {"job", job}, {"le", les[k]}}, t * 15'000,
                            t * (k + 1.0));
        }
      }
    }
    app->commit();
  }
  const std::string seeds[] = {
      R"(sum by (job) (rate(req_total[1m])) / ignoring(job) group_left sum(rate(req_total[1m])))",
      R"(histogram_quantile(0.9, sum by (le) (rate(lat_bucket[2m])))[5m:30s] offset 1m)",
      R"q(topk(1, g) or label_replace(-g, "x", "$1", "job", "(.*)") and on(job) req_total > bool 3)q",
      R"(quantile_over_time(0.5, g[3m] @ 300) + count_values("v", g) * absent(nope) - time())",
  };
  const std::string alphabet = "()[]{}\"',:@+-*/%^=!~<> 0123456789abgjoqrstx._";
  Engine engine(head);
  std::mt19937 rng(9);
  int evaluated = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string q = seeds[rng() % 4];
    for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n && !q.empty(); ++k) {
      const size_t pos = rng() % q.size();
      switch (rng() % 3) {
        case 0: q.erase(pos, 1); break;
        case 1: q.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        default: q[pos] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    auto e = parser::parse_expr(q);
    if (!e) continue;
    ++evaluated;
    (void)engine.instant(**e, 400'000);
    (void)engine.range(**e, 0, 600'000, 30'000);
  }
  EXPECT_GT(evaluated, 100);
}

}  // namespace
}  // namespace cogwatch::eval
