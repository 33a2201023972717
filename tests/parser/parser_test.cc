#include "parser/parser.h"

#include <random>

#include <gtest/gtest.h>

#include "parser/internal/grammar_check.h"
#include "parser/printer.h"
#include "parser/series.h"

namespace cogwatch::parser {
namespace {

TEST(Grammar, HasNoLeftRecursionOrEmptyLoops) { EXPECT_EQ(internal::grammar_issues(), 0u); }

// Parses, prints, and checks that the printed form parses to an equal tree.
std::string round_trip(std::string_view input) {
  auto e = parse_expr(input);
  if (!e) return "ERROR: " + format_error(input, e.error());
  const std::string printed = print(**e);
  auto again = parse_expr(printed);
  EXPECT_TRUE(again.ok()) << "printed form does not parse: " << printed << ": "
                          << (again.ok() ? "" : format_error(printed, again.error()));
  if (again) {
    EXPECT_TRUE(equal(**e, **again)) << input << " -> " << printed << " -> " << print(**again);
  }
  return printed;
}

TEST(Parser, PrintsNormalisedExpressions) {
  const struct {
    const char* input;
    const char* printed;
  } cases[] = {
      // Literals
      {"1", "1"},
      {"12.34e6", "1.234e+07"},
      {".2", "0.2"},
      {"2.", "2"},
      {"0x1F", "31"},
      {"+Inf", "+Inf"},
      {"-inf", "-Inf"},
      {"nan", "NaN"},
      // ^ binds tighter than a sign: +Inf printed signed would read as +(Inf ^ x).
      {"inf ^ x", "Inf ^ x"},
      {"0 * inf ^ o", "0 * Inf ^ o"},  // found by the fuzzer
      {"-inf ^ x", "-Inf ^ x"},
      {"x ^ inf ^ 2", "x ^ Inf ^ 2"},
      {"2 ^ inf", "2 ^ +Inf"},
      {"-1", "-1"},
      {"- - 1", "1"},
      {"1h", "3600"},
      {"1m30s", "90"},
      {"500ms", "0.5"},
      {R"("a\"b\n")", R"("a\"b\n")"},
      {R"('single "q"')", R"("single \"q\"")"},
      {"`raw\\n`", R"("raw\\n")"},
      {R"("\x41\101\u00e9")", R"("AAé")"},
      // Selectors
      {"up", "up"},
      {"up{}", "up"},
      {R"(up{job="cog",instance=~"a.*"})", R"(up{instance=~"a.*",job="cog"})"},
      {R"({__name__="up"})", R"({__name__="up"})"},
      {R"({__name__=~"cog_.*", job!="x",})", R"({__name__=~"cog_.*",job!="x"})"},
      {R"(foo:bar:baz{a!~'x'})", R"(foo:bar:baz{a!~"x"})"},
      {R"({"service.name"})", R"({__name__="service.name"})"},
      {R"({"my.metric", "my.label"="v"})", R"({"my.label"="v",__name__="my.metric"})"},
      {"foo offset 5m", "foo offset 5m"},
      {"foo offset -1h30m", "foo offset -1h30m"},
      {"foo offset 90", "foo offset 1m30s"},
      {"foo @ 1603774568", "foo @ 1603774568.000"},
      {"foo @ -100.5", "foo @ -100.500"},
      {"foo @ start()", "foo @ start()"},
      {"foo offset 5m @ end()", "foo @ end() offset 5m"},
      {"foo[5m]", "foo[5m]"},
      {"foo[300]", "foo[5m]"},
      {"foo[1h30m] offset 1d @ 100", "foo[1h30m] @ 100.000 offset 1d"},
      {"rate(foo[5m])[30m:1m]", "rate(foo[5m])[30m:1m]"},
      {"foo[30m:]", "foo[30m:]"},
      {"foo[30m:] offset 2m", "foo[30m:] offset 2m"},
      // Operators, precedence, associativity
      {"1 + 2 * 3", "1 + 2 * 3"},
      {"(1 + 2) * 3", "(1 + 2) * 3"},
      {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
      {"a - b - c", "a - b - c"},
      {"-a ^ 2", "-a ^ 2"},
      {"a == bool b", "a == bool b"},
      {"a > on(job) group_left(instance) b", "a > on (job) group_left (instance) b"},
      {"a * ignoring (x, y) group_right b", "a * ignoring (x, y) group_right () b"},
      {"a + on() b", "a + on () b"},
      {"a and b or c unless d", "a and b or c unless d"},
      {"a AND b", "a and b"},
      {"a atan2 b", "a atan2 b"},
      {"h</0.5", "h </ 0.5"},
      {"h >/ on(job) b", "h >/ on (job) b"},
      {"a % b", "a % b"},
      {"1 - -1", "1 - -1"},
      {"foo # comment\n + bar", "foo + bar"},
      // Aggregations
      {"sum(foo)", "sum(foo)"},
      {"sum by (job) (foo)", "sum by (job) (foo)"},
      {"sum(foo) by (job, instance)", "sum by (job, instance) (foo)"},
      {"SUM without (a) (foo)", "sum without (a) (foo)"},
      {"sum by () (foo)", "sum(foo)"},
      {"sum without () (foo)", "sum without () (foo)"},
      {"topk(5, foo)", "topk(5, foo)"},
      {"quantile by (le) (0.9, foo)", "quantile by (le) (0.9, foo)"},
      {R"(count_values("value", foo))", R"(count_values("value", foo))"},
      {"sum by (\"a.b\") (foo)", "sum by (\"a.b\") (foo)"},
      // Functions
      {"time()", "time()"},
      {"rate(foo[5m])", "rate(foo[5m])"},
      {"round(foo)", "round(foo)"},
      {"round(foo, 0.5)", "round(foo, 0.5)"},
      {R"(label_join(foo, "d", ",", "a", "b", "c"))", R"(label_join(foo, "d", ",", "a", "b", "c"))"},
      {"histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
       "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))"},
      {"day_of_week()", "day_of_week()"},
      // Keywords as metric names where Prometheus allows them
      {"sum", "sum"},
      {"offset + by", "offset + by"},
      // The Cog alert expressions
      {R"(avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name) > 0.8 * count(node_cpu_seconds_total{mode!="idle"}) by (instance))",
       R"(avg by (container_name) (rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) > 0.8 * count by (instance) (node_cpu_seconds_total{mode!="idle"}))"},
      {"sum(rate(cog_predict_errors_total[5m])) / sum(rate(cog_predict_requests_total[5m])) > 0.01",
       "sum(rate(cog_predict_errors_total[5m])) / sum(rate(cog_predict_requests_total[5m])) > 0.01"},
      {"cog_input_data_entropy > 1.5", "cog_input_data_entropy > 1.5"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(round_trip(c.input), c.printed) << "input: " << c.input;
  }
}

const BinaryExpr& binary(const Expr& e) {
  const auto* b = e.as<BinaryExpr>();
  EXPECT_NE(b, nullptr);
  return *b;
}

TEST(Parser, PrecedenceAndAssociativity) {
  auto e = parse_expr("a + b * c ^ d ^ e > bool f or g > bool h and i > bool j");
  ASSERT_TRUE(e.ok()) << e.error().message;
  // or is the loosest: (... > bool 4) or ((5 > bool 6) and (7 > bool 8))
  const BinaryExpr& top = binary(**e);
  EXPECT_EQ(top.op, BinaryOp::kOr);
  EXPECT_EQ(binary(*top.rhs).op, BinaryOp::kAnd);
  const BinaryExpr& cmp = binary(*top.lhs);
  EXPECT_EQ(cmp.op, BinaryOp::kGtr);
  const BinaryExpr& add = binary(*cmp.lhs);
  EXPECT_EQ(add.op, BinaryOp::kAdd);
  const BinaryExpr& mul = binary(*add.rhs);
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  const BinaryExpr& pow = binary(*mul.rhs);  // c ^ (d ^ e): right-associative
  EXPECT_EQ(pow.op, BinaryOp::kPow);
  EXPECT_EQ(binary(*pow.rhs).op, BinaryOp::kPow);
  EXPECT_NE(pow.lhs->as<VectorSelector>(), nullptr);

  // The trim operators rank with the comparisons: a + b </ c * d is
  // (a + b) </ (c * d), and they associate to the left with them.
  auto t = parse_expr("a + b </ c * d >/ e");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(binary(**t).op, BinaryOp::kTrimLower);
  const BinaryExpr& trim = binary(*binary(**t).lhs);
  EXPECT_EQ(trim.op, BinaryOp::kTrimUpper);
  EXPECT_EQ(binary(*trim.lhs).op, BinaryOp::kAdd);
  EXPECT_EQ(binary(*trim.rhs).op, BinaryOp::kMul);

  // a - b - c is (a - b) - c.
  auto l = parse_expr("a - b - c");
  EXPECT_NE(binary(*binary(**l).lhs).lhs, nullptr);

  // Unary minus binds looser than ^ and tighter than *.
  auto u = parse_expr("-a ^ b * c");
  const BinaryExpr& m = binary(**u);
  EXPECT_EQ(m.op, BinaryOp::kMul);
  const auto* neg = m.lhs->as<UnaryExpr>();
  ASSERT_NE(neg, nullptr);
  EXPECT_EQ(binary(*neg->expr).op, BinaryOp::kPow);
  // On a number literal the sign folds into it.
  auto n = parse_expr("-2 ^ 2");
  ASSERT_TRUE(n.ok());
  const auto* folded = (*n)->as<UnaryExpr>();
  ASSERT_NE(folded, nullptr);  // -(2^2): the sign applies to the power
}

TEST(Parser, SelectorDetails) {
  auto e = parse_expr(R"(foo{a="b"} offset -5m @ 100.5)");
  ASSERT_TRUE(e.ok());
  const auto* vs = (*e)->as<VectorSelector>();
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->name, "foo");
  ASSERT_EQ(vs->matchers.size(), 2u);
  EXPECT_EQ(vs->matchers[0].to_string(), R"(__name__="foo")");
  EXPECT_EQ(vs->offset, -5 * kMinute);
  ASSERT_TRUE(vs->at.has_value());
  EXPECT_EQ(vs->at->timestamp, 100'500);

  auto sq = parse_expr("rate(x[5m])[1h:30s] offset 1m");
  const auto* s = (*sq)->as<SubqueryExpr>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->range, kHour);
  EXPECT_EQ(s->step, 30 * kSecond);
  EXPECT_EQ(s->offset, kMinute);
}

TEST(Parser, SpansCoverTheirSource) {
  const std::string q = "sum(rate(foo[5m])) > 1";
  auto e = parse_expr(q);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->span.begin, 0u);
  EXPECT_EQ((*e)->span.end, q.size());
  const BinaryExpr& b = binary(**e);
  EXPECT_EQ(q.substr(b.lhs->span.begin, b.lhs->span.end - b.lhs->span.begin), "sum(rate(foo[5m]))");
}

TEST(Parser, ParseMetric) {
  auto m = parse_metric(R"(up{job="cog"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->to_string(), R"({__name__="up", job="cog"})");
}

// Parse errors: parse_errors_test.cc.

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  const std::string parens = std::string(100000, '(') + "1" + std::string(100000, ')');
  auto e = parse_expr(parens);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("nests too deeply"), std::string::npos);

  std::string chain = "a";
  for (int i = 0; i < 5000; ++i) chain += " + a";
  auto c = parse_expr(chain);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("nests too deeply"), std::string::npos);

  EXPECT_FALSE(parse_expr(std::string(10000, '-') + "foo").ok());
  // Moderate depth is fine.
  EXPECT_TRUE(parse_expr(std::string(100, '(') + "1" + std::string(100, ')')).ok());
}

TEST(Parser, RandomInputNeverCrashes) {
  // A cheap stand-in for the fuzzer in CI: mutations of valid queries.
  const std::string seeds[] = {
      R"(sum by (job) (rate(cog_predict_requests_total{job=~"cog.*"}[5m] offset 1m)) > bool 0.5)",
      R"(histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))[30m:1m] @ start())",
      R"q(a * on(b) group_left(c) -d ^ 2 or label_replace(e, "x", "$1", "y", "(.*)"))q",
  };
  const std::string alphabet = "(){}[]\"'`,:@#+-*/%^=!~<> \n0123456789abcdefxyz._";
  std::mt19937 rng(1);
  for (int i = 0; i < 20000; ++i) {
    std::string s = seeds[rng() % 3];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      const size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s.erase(pos, 1 + rng() % 3); break;
        case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        default: s[pos] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    auto e = parse_expr(s);
    if (e) {
      // Whatever parses must print to something that parses to the same tree.
      const std::string printed = print(**e);
      auto again = parse_expr(printed);
      ASSERT_TRUE(again.ok()) << s << " -> " << printed;
      ASSERT_TRUE(equal(**e, **again)) << s << " -> " << printed;
    } else {
      ASSERT_FALSE(e.error().message.empty());
      ASSERT_LE(e.error().span.begin, s.size());
    }
  }
}

}  // namespace
}  // namespace cogwatch::parser
