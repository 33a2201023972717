// What promqltest scripts cannot reach: the Engine's API contract, limits,
// annotations' positions and the API JSON form. PromQL semantics are
// tested by tests/promql/*.test.
#include "eval/engine.h"

#include <cmath>

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
  Matrix m = {{Labels{{"x", "y"}}, {{0, 1e6}, {15'000, std::nan("")}}}};
  EXPECT_EQ(to_api_json(m),
            R"({"resultType":"matrix","result":[{"metric":{"x":"y"},"values":[[0,"1000000"],[15,"NaN"]]}]})");
  EXPECT_EQ(to_api_json(Scalar{1000, 0.25}), R"({"resultType":"scalar","result":[1,"0.25"]})");
  EXPECT_EQ(to_api_json(String{1000, "a\nb"}), R"({"resultType":"string","result":[1,"a\nb"]})");
  std::string s;
  append_json_string(s, "\xff\xe2\x80\xa8\x01");
  EXPECT_EQ(s, R"("\ufffd\u2028\u0001")");
}

}  // namespace
}  // namespace cogwatch::eval
