// Functions of each sample's value: element-wise math, clamp, round, date
// parts and timestamp(). All of them drop the metric name (delayed).
#include <cmath>
#include <limits>
#include <numbers>

#include "eval/internal/functions.h"
#include "eval/internal/go_time.h"
#include "eval/internal/math.h"

namespace cogwatch::eval::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Prometheus's date functions read time.Unix(int64(v), 0).UTC().
GoDate date_of(double seconds) { return go_utc(go_int64(seconds)); }

// Marks every series of v for name removal.
NodeValue dropping_names(NodeValue v) {
  for (StepSeries& s : v.matrix) s.drop_name = true;
  return v;
}

// The float samples of v: the functions of a sample's value pass
// histograms over, as Prometheus's simpleFloatFunc.
NodeValue floats_only(NodeValue v) {
  for (StepSeries& s : v.matrix) std::erase_if(s.points, [](const Point& p) { return bool(p.h); });
  std::erase_if(v.matrix, [](const StepSeries& s) { return s.points.empty(); });
  return v;
}

}  // namespace

double sample_sgn(double v) { return v > 0 ? 1 : v < 0 ? -1 : v; }
double sample_deg(double v) { return v * 180 / std::numbers::pi; }
double sample_rad(double v) { return v * std::numbers::pi / 180; }

double sample_day_of_month(double v) { return date_of(v).day; }
double sample_day_of_week(double v) { return date_of(v).weekday; }
double sample_day_of_year(double v) { return date_of(v).yday + 1; }
double sample_days_in_month(double v) {
  const GoDate g = date_of(v);
  return days_in_month(g.year, g.month);
}
double sample_hour(double v) { return date_of(v).hour; }
double sample_minute(double v) { return date_of(v).minute; }
double sample_month(double v) { return date_of(v).month; }
double sample_year(double v) { return static_cast<double>(date_of(v).year); }

NodeValue eval_per_sample(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  NodeValue v = floats_only(ev.eval(*call.args[0]));
  for (StepSeries& s : v.matrix) {
    for (Point& p : s.points) p.v = impl.per_sample(p.v);
  }
  return dropping_names(std::move(v));
}

NodeValue eval_date_part(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  if (call.args.empty()) {  // of the evaluation time: vector(time())
    NodeValue out;
    out.type = parser::ValueType::kVector;
    StepSeries series;
    for (size_t i = 0; i < ev.num_steps(); ++i) {
      series.points.push_back({ev.step_time(i), impl.per_sample(static_cast<double>(ev.step_time(i)) / 1000)});
    }
    out.matrix.push_back(std::move(series));
    return out;
  }
  return eval_per_sample(ev, call, impl);
}

// clamp(v, min, max), clamp_min(v, min), clamp_max(v, max): Go's
// math.Max(min, math.Min(max, v)), so a NaN sample or bound gives NaN; a
// step where max < min has no result.
NodeValue eval_clamp(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  using parser::Function;
  NodeValue v = floats_only(ev.eval(*call.args[0]));
  const NodeValue a = ev.eval(*call.args[1]);
  const NodeValue b = impl.f == Function::kClamp ? ev.eval(*call.args[2]) : NodeValue{};
  for (StepSeries& s : v.matrix) {
    std::vector<Point> kept;
    kept.reserve(s.points.size());
    for (const Point& p : s.points) {
      const size_t i = ev.step_index(p.t);
      const double lo = impl.f == Function::kClampMax ? -kInf : a.scalars[i];
      const double hi = impl.f == Function::kClamp ? b.scalars[i] : impl.f == Function::kClampMin ? kInf : a.scalars[i];
      if (hi < lo) continue;
      kept.push_back({p.t, go_max(lo, go_min(hi, p.v))});
    }
    s.points = std::move(kept);
  }
  std::erase_if(v.matrix, [](const StepSeries& s) { return s.points.empty(); });
  return dropping_names(std::move(v));
}

// round(v, to_nearest = 1): ties round up.
NodeValue eval_round(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  NodeValue v = floats_only(ev.eval(*call.args[0]));
  const NodeValue to = call.args.size() > 1 ? ev.eval(*call.args[1]) : NodeValue{};
  for (StepSeries& s : v.matrix) {
    for (Point& p : s.points) {
      // The inverse, as Prometheus: fewer floating point surprises.
      const double inverse = 1 / (call.args.size() > 1 ? to.scalars[ev.step_index(p.t)] : 1.0);
      p.v = std::floor(p.v * inverse + 0.5) / inverse;
    }
  }
  return dropping_names(std::move(v));
}

// timestamp(v): of a selector, each sample's own time; of anything else,
// the evaluation time.
NodeValue eval_timestamp(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  if (const auto* vs = parser::strip_parens(*call.args[0]).as<parser::VectorSelector>())
    return dropping_names(ev.eval_selector_timestamps(*vs));
  NodeValue v = ev.eval(*call.args[0]);
  for (StepSeries& s : v.matrix) {
    for (Point& p : s.points) p = {p.t, static_cast<double>(p.t) / 1000};
  }
  return dropping_names(std::move(v));
}

}  // namespace cogwatch::eval::internal
