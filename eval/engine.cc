#include "eval/engine.h"

#include <algorithm>
#include <string>

#include "eval/internal/evaluator.h"
#include "parser/parser.h"

namespace cogwatch::eval {
namespace {

using internal::EvalError;
using internal::NodeValue;
using internal::StepMatrix;

Error to_error(const EvalError& e) { return make_error(e.code, e.message); }

// A matrix result: names removed where marked, series ordered by labels (as
// Prometheus sorts a matrix result).
Matrix to_result_matrix(StepMatrix m) {
  internal::remove_dropped_names(m);
  Matrix out;
  out.reserve(m.size());
  for (internal::StepSeries& s : m) out.push_back({std::move(s.labels), std::move(s.points)});
  std::sort(out.begin(), out.end(), [](const Series& a, const Series& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace

Engine::Engine(const tsdb::Querier& querier, EngineOptions options) : querier_(querier), options_(options) {}

std::string format_annotation(std::string_view query, const Annotation& a) {
  const parser::LineCol lc = parser::line_col(query, a.span.begin);
  return std::string(a.level == Annotation::Level::kWarning ? "PromQL warning: " : "PromQL info: ") + a.message +
         " (" + std::to_string(lc.line) + ":" + std::to_string(lc.column) + ")";
}

Result<Value> Engine::instant(const parser::Expr& expr, Timestamp t, Annotations* annotations) const {
  return instant(expr, t, QueryContext{.annotations = annotations});
}

Result<Value> Engine::range(const parser::Expr& expr, Timestamp start, Timestamp end, Duration step,
                            Annotations* annotations) const {
  return range(expr, start, end, step, QueryContext{.annotations = annotations});
}

Result<Value> Engine::instant(const parser::Expr& expr, Timestamp t, const QueryContext& context) const {
  try {
    internal::QueryRun run(context);
    run.query_start = run.query_end = t;
    // As Prometheus's exec: a query whose time is up before it starts.
    run.check_deadline("query execution");
    internal::Evaluator ev(querier_, options_, t, t, 1, run);
    const parser::ValueType type = parser::type_of(expr);
    if (type == parser::ValueType::kMatrix) return Value(to_result_matrix(ev.eval_range_vector(expr)));
    NodeValue v = ev.eval(expr);
    switch (v.type) {
      case parser::ValueType::kScalar: return Value(Scalar{t, v.scalars[0]});
      case parser::ValueType::kString: return Value(String{t, v.str});
      default: break;
    }
    internal::remove_dropped_names(v.matrix);
    Vector out;
    out.reserve(v.matrix.size());
    for (internal::StepSeries& s : v.matrix) {
      out.push_back({std::move(s.labels), t, s.points[0].v, std::move(s.points[0].h)});
    }
    return Value(std::move(out));
  } catch (const EvalError& e) {
    return to_error(e);
  }
}

Result<Value> Engine::range(const parser::Expr& expr, Timestamp start, Timestamp end, Duration step,
                            const QueryContext& context) const {
  const parser::ValueType type = parser::type_of(expr);
  if (type != parser::ValueType::kScalar && type != parser::ValueType::kVector) {
    return make_error(ErrorCode::kInvalidArgument, std::string("invalid expression type \"") +
                                                       parser::value_type_name(type) +
                                                       "\" for range query, must be Scalar or instant Vector");
  }
  if (step <= 0) return make_error(ErrorCode::kInvalidArgument, "zero or negative query resolution step widths are not accepted");
  if (end < start) return make_error(ErrorCode::kInvalidArgument, "end timestamp must not be before start time");
  if ((end - start) / step > 11'000) {
    return make_error(ErrorCode::kInvalidArgument,
                      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                      "resolution (?step=XX)");
  }
  try {
    internal::QueryRun run(context);
    run.query_start = start;
    run.query_end = end;
    run.check_deadline("query execution");
    internal::Evaluator ev(querier_, options_, start, end, step, run);
    NodeValue v = ev.eval(expr);
    if (v.type == parser::ValueType::kScalar) {
      Series s;
      for (size_t i = 0; i < ev.num_steps(); ++i) s.points.push_back({ev.step_time(i), v.scalars[i]});
      return Value(Matrix{std::move(s)});
    }
    return Value(to_result_matrix(std::move(v.matrix)));
  } catch (const EvalError& e) {
    return to_error(e);
  }
}

}  // namespace cogwatch::eval
