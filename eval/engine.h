// The PromQL engine: evaluates a parsed expression against a Querier at one
// time (instant query) or at every step of a range (range query), with
// Prometheus 3 semantics for float samples.
//
//   eval::Engine engine(head);
//   auto e = parser::parse_expr("sum by (job) (rate(x[5m]))");
//   Result<eval::Value> v = engine.instant(**e, t);
//   Result<eval::Value> m = engine.range(**e, start, end, 15 * kSecond);
//
// Errors: kInvalidArgument for a query that cannot run (a range query of a
// string, a step of 0), kExecution-like runtime errors as Prometheus raises
// them ("vector cannot contain metrics with the same labelset", "found
// duplicate series for the match group ..."), kResourceExhausted past
// max_samples, kTimeout past a QueryContext's deadline ("query timed out
// in expression evaluation").
//
// Thread-safety: an Engine is immutable after construction and may evaluate
// queries from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "eval/value.h"
#include "model/error.h"
#include "model/time.h"
#include "parser/ast.h"
#include "tsdb/querier.h"

namespace cogwatch::eval {

struct EngineOptions {
  // How far back an instant vector selector looks for a sample (Prometheus's
  // --query.lookback-delta, default 5m).
  Duration lookback_delta = 5 * kMinute;
  // Most samples a query may hold in memory at once (--query.max-samples).
  uint64_t max_samples = 50'000'000;
  // Step of a subquery without one ([30m:]): the rule evaluation interval.
  Duration default_subquery_step = kMinute;
};

// What one query read and held, for the API's stats=all. Approximations of
// Prometheus's counters (see docs/architecture.md, server/): cogwatch does
// not count samples per step.
struct QueryStats {
  // Samples decoded from the store by selectors (Prometheus's samplesRead;
  // also reported as totalQueryableSamples).
  uint64_t samples_read = 0;
  // The most samples one evaluator (the query, or one subquery) held at
  // once; evaluators free nothing before they end, so this is their total.
  uint64_t peak_samples = 0;
};

// How a caller bounds and observes one query. All fields are optional.
struct QueryContext {
  using SteadyClock = std::chrono::steady_clock;
  // Warnings and notes about the result are added here (each once).
  Annotations* annotations = nullptr;
  // The query fails with kTimeout once now() reaches the deadline: "query
  // timed out in query execution" when it has passed before evaluation
  // starts, "query timed out in expression evaluation" when the evaluator
  // notices it, which it checks for every series it reads and every step
  // of every operator (Prometheus's contextDone), so a heavy query ends
  // soon after its deadline.
  std::optional<SteadyClock::time_point> deadline;
  // The clock the deadline is read on; empty: SteadyClock::now. Tests step it.
  std::function<SteadyClock::time_point()> now;
  // Filled in when given, also when the query fails.
  QueryStats* stats = nullptr;
};

// "PromQL warning: <message> (1:8)" as Prometheus's API reports it, with
// the position taken from the query text.
std::string format_annotation(std::string_view query, const Annotation& a);

class Engine {
 public:
  explicit Engine(const tsdb::Querier& querier, EngineOptions options = {});

  // Evaluates at time t. The value has the expression's type: Scalar,
  // String, Vector, or Matrix for a range-vector expression.
  // Warnings and notes about the result are added to `annotations` when
  // given (each once).
  Result<Value> instant(const parser::Expr& expr, Timestamp t, Annotations* annotations = nullptr) const;
  Result<Value> instant(const parser::Expr& expr, Timestamp t, const QueryContext& context) const;

  // Evaluates at start, start+step, ... <= end. Returns a Matrix (a scalar
  // expression gives one series without labels). Errors: kInvalidArgument
  // when the expression is not a scalar or instant vector, step <= 0 or
  // end < start.
  Result<Value> range(const parser::Expr& expr, Timestamp start, Timestamp end, Duration step,
                      Annotations* annotations = nullptr) const;
  Result<Value> range(const parser::Expr& expr, Timestamp start, Timestamp end, Duration step,
                      const QueryContext& context) const;

  const EngineOptions& options() const { return options_; }

 private:
  const tsdb::Querier& querier_;
  EngineOptions options_;
};

}  // namespace cogwatch::eval
