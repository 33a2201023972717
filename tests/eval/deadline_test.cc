// The engine's deadline (QueryContext): a query past it ends with
// Prometheus's timeout errors, checked when it starts and as it evaluates;
// and the counters stats=all reports. The clock is stepped by the test, so
// nothing here depends on how fast the machine is.
#include <gtest/gtest.h>

#include "eval/engine.h"
#include "parser/parser.h"
#include "tsdb/head.h"

namespace cogwatch::eval {
namespace {

using SteadyClock = QueryContext::SteadyClock;

class DeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i <= 20; ++i) {
        (void)app->append(Labels{{"__name__", "requests"}, {"job", "cog"}, {"i", std::to_string(s)}},
                          i * 15 * kSecond, i * 10.0);
      }
    }
    app->commit();
  }
  parser::ExprPtr parse(const std::string& q) {
    auto e = parser::parse_expr(q);
    EXPECT_TRUE(e.ok()) << q;
    return *std::move(e);
  }
  // A clock that stands before the deadline for the first `calls_before`
  // reads and after it from then on.
  QueryContext stepped_clock(int calls_before) {
    QueryContext c;
    c.deadline = SteadyClock::time_point{} + std::chrono::seconds(10);
    c.now = [this, calls_before] {
      return ++reads_ <= calls_before ? SteadyClock::time_point{} : SteadyClock::time_point{} + std::chrono::seconds(11);
    };
    return c;
  }
  tsdb::Head head_;
  Engine engine_{head_};
  int reads_ = 0;
};

TEST_F(DeadlineTest, APassedDeadlineFailsBeforeEvaluation) {
  QueryContext c;
  c.deadline = SteadyClock::now() - std::chrono::seconds(1);
  for (const auto& v : {engine_.instant(*parse("requests"), 300'000, c),
                        engine_.range(*parse("requests"), 0, 300'000, 15'000, c)}) {
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, ErrorCode::kTimeout);
    EXPECT_EQ(v.error().message, "query timed out in query execution");
  }
}

TEST_F(DeadlineTest, TheEvaluatorNoticesTheDeadline) {
  // The first read (at the start) is in time; the evaluator's next check is not.
  for (const char* q : {"requests", "sum(rate(requests[1m]))", "count_values(\"v\", requests)",
                        "requests * on(i) requests", "max_over_time(requests[5m:15s])"}) {
    reads_ = 0;
    auto v = engine_.range(*parse(q), 0, 300'000, 15'000, stepped_clock(1));
    ASSERT_FALSE(v.ok()) << q;
    EXPECT_EQ(v.error().code, ErrorCode::kTimeout) << q;
    EXPECT_EQ(v.error().message, "query timed out in expression evaluation") << q;
  }
}

TEST_F(DeadlineTest, OperatorsCheckAtEveryStep) {
  // Far more reads than nodes: the clock is read per series read and
  // aggregated, and per step of the operators that step (21 steps here),
  // so a long query cannot run on unchecked.
  auto v = engine_.range(*parse("requests * on(i) requests"), 0, 300'000, 15'000, stepped_clock(1'000'000));
  ASSERT_TRUE(v.ok());
  EXPECT_GE(reads_, 1 + 2 * 3 + 21);
  reads_ = 0;
  ASSERT_TRUE(engine_.range(*parse("sum(requests)"), 0, 300'000, 15'000, stepped_clock(1'000'000)).ok());
  EXPECT_GE(reads_, 1 + 3 + 3);
  // Without a deadline the clock is never read.
  QueryContext none;
  none.now = [this] { return ++reads_, SteadyClock::now(); };
  reads_ = 0;
  ASSERT_TRUE(engine_.range(*parse("sum(requests)"), 0, 300'000, 15'000, none).ok());
  EXPECT_EQ(reads_, 0);
}

TEST_F(DeadlineTest, StatsCountSamplesReadAndHeld) {
  QueryStats stats;
  QueryContext c{.stats = &stats};
  // Three series of 21 samples; the window (240s, 300s] holds 4 of each.
  ASSERT_TRUE(engine_.instant(*parse("requests[1m]"), 300'000, c).ok());
  EXPECT_EQ(stats.samples_read, 12u);
  stats = {};
  ASSERT_TRUE(engine_.range(*parse("sum(requests)"), 0, 300'000, 15'000, c).ok());
  EXPECT_EQ(stats.samples_read, 63u);
  EXPECT_EQ(stats.peak_samples, 63u);  // the selector's points (the one-pass sum counts none)
}

}  // namespace
}  // namespace cogwatch::eval
