#include "eval/engine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "eval/internal/evaluator.h"
#include "parser/parser.h"

namespace cogwatch::eval {
namespace {

using internal::EvalError;
using internal::NodeValue;
using internal::StepMatrix;

const parser::Expr& unwrap(const parser::Expr& e) {
  const parser::Expr* x = &e;
  while (const auto* p = x->as<parser::ParenExpr>()) x = p->expr.get();
  return *x;
}

// Natural order, as the natsort package Prometheus uses: runs of digits
// compare as numbers, the rest as text.
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
    size_t ie = i, je = j;
    while (ie < a.size() && static_cast<bool>(std::isdigit(static_cast<unsigned char>(a[ie]))) == da) ++ie;
    while (je < b.size() && static_cast<bool>(std::isdigit(static_cast<unsigned char>(b[je]))) == db) ++je;
    std::string_view ca = a.substr(i, ie - i), cb = b.substr(j, je - j);
    if (da && db) {
      std::string_view na = ca, nb = cb;
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
    } else if (ca != cb) {
      return ca < cb;
    }
    i = ie;
    j = je;
  }
  return a.size() - i < b.size() - j;
}

// sort(), sort_desc(), sort_by_label() order an instant query's result.
void apply_sort(const parser::Expr& e, Vector& v) {
  const auto* call = unwrap(e).as<parser::Call>();
  if (call == nullptr) return;
  auto nan_last = [](double a, double b, bool desc) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return desc ? a > b : a < b;
  };
  switch (call->func) {
    case parser::Function::kSort:
      std::stable_sort(v.begin(), v.end(), [&](const Sample& a, const Sample& b) { return nan_last(a.v, b.v, false); });
      break;
    case parser::Function::kSortDesc:
      std::stable_sort(v.begin(), v.end(), [&](const Sample& a, const Sample& b) { return nan_last(a.v, b.v, true); });
      break;
    case parser::Function::kSortByLabel:
    case parser::Function::kSortByLabelDesc: {
      std::vector<std::string> names;
      for (size_t i = 1; i < call->args.size(); ++i) {
        if (const auto* s = unwrap(*call->args[i]).as<parser::StringLiteral>()) names.push_back(s->value);
      }
      const bool desc = call->func == parser::Function::kSortByLabelDesc;
      std::stable_sort(v.begin(), v.end(), [&](const Sample& a, const Sample& b) {
        for (const std::string& name : names) {
          const std::string_view x = a.labels.get(name), y = b.labels.get(name);
          if (x == y) continue;
          return desc ? natural_less(y, x) : natural_less(x, y);
        }
        return desc ? b.labels < a.labels : a.labels < b.labels;  // a stable tie-break
      });
      break;
    }
    default:
      break;
  }
}

Error to_error(const EvalError& e) { return make_error(e.code, e.message); }

}  // namespace

Engine::Engine(const tsdb::Querier& querier, EngineOptions options) : querier_(querier), options_(options) {}

std::string format_annotation(std::string_view query, const Annotation& a) {
  const parser::LineCol lc = parser::line_col(query, a.span.begin);
  return std::string(a.level == Annotation::Level::kWarning ? "PromQL warning: " : "PromQL info: ") + a.message +
         " (" + std::to_string(lc.line) + ":" + std::to_string(lc.column) + ")";
}

Result<Value> Engine::instant(const parser::Expr& expr, Timestamp t, Annotations* annotations) const {
  try {
    internal::Evaluator ev(querier_, options_, t, t, 1, annotations);
    const parser::ValueType type = parser::type_of(expr);
    if (type == parser::ValueType::kMatrix) {
      StepMatrix m = ev.eval_range_vector(expr);
      internal::remove_dropped_names(m);
      Matrix out;
      out.reserve(m.size());
      for (internal::StepSeries& s : m) out.push_back({std::move(s.labels), std::move(s.points)});
      std::sort(out.begin(), out.end(), [](const Series& a, const Series& b) { return a.labels < b.labels; });
      return Value(std::move(out));
    }
    NodeValue v = ev.eval(expr);
    switch (v.type) {
      case parser::ValueType::kScalar: return Value(Scalar{t, v.scalars[0]});
      case parser::ValueType::kString: return Value(String{t, v.str});
      default: break;
    }
    internal::remove_dropped_names(v.matrix);
    Vector out;
    out.reserve(v.matrix.size());
    for (internal::StepSeries& s : v.matrix) out.push_back({std::move(s.labels), t, s.points[0].v});
    apply_sort(expr, out);
    return Value(std::move(out));
  } catch (const EvalError& e) {
    return to_error(e);
  }
}

Result<Value> Engine::range(const parser::Expr& expr, Timestamp start, Timestamp end, Duration step,
                            Annotations* annotations) const {
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
    internal::Evaluator ev(querier_, options_, start, end, step, annotations);
    NodeValue v = ev.eval(expr);
    Matrix out;
    if (v.type == parser::ValueType::kScalar) {
      Series s;
      for (size_t i = 0; i < ev.num_steps(); ++i) s.points.push_back({ev.step_time(i), v.scalars[i]});
      out.push_back(std::move(s));
      return Value(std::move(out));
    }
    internal::remove_dropped_names(v.matrix);
    for (internal::StepSeries& s : v.matrix) out.push_back({std::move(s.labels), std::move(s.points)});
    std::sort(out.begin(), out.end(), [](const Series& a, const Series& b) { return a.labels < b.labels; });
    return Value(std::move(out));
  } catch (const EvalError& e) {
    return to_error(e);
  }
}

}  // namespace cogwatch::eval
