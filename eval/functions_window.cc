// Range-vector functions: one value from one series' window (t - range, t]
// at each step; rate/increase/delta share Prometheus's extrapolation.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>

#include "eval/internal/functions.h"
#include "eval/internal/math.h"

namespace cogwatch::eval::internal {
namespace {

double seconds(Timestamp t) { return static_cast<double>(t) / 1000; }

// rate, increase and delta with Prometheus's extrapolation
// (functions.go's extrapolatedRate).
std::optional<double> extrapolated_rate(const WindowContext& c, bool is_counter, bool is_rate) {
  const Window& s = c.w;
  if (s.size() < 2) return std::nullopt;
  const Timestamp range_start = c.t - c.range;
  const Timestamp range_end = c.t;
  double result = s.back().v - s.front().v;
  if (is_counter) {
    double prev = s.front().v;
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i].v < prev) result += prev;
      prev = s[i].v;
    }
  }
  double to_start = seconds(s.front().t - range_start);
  double to_end = seconds(range_end - s.back().t);
  const double sampled = seconds(s.back().t - s.front().t);
  const double avg_interval = sampled / static_cast<double>(s.size() - 1);
  // Extrapolate to the boundary only when a sample is missing by at most
  // 10% more than the average interval; otherwise by half an interval.
  const double threshold = avg_interval * 1.1;
  if (to_start >= threshold) to_start = avg_interval / 2;
  if (is_counter && result > 0 && s.front().v >= 0) {
    // A counter cannot go below zero: do not extrapolate past that point.
    const double to_zero = sampled * (s.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg_interval / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= seconds(c.range);
  return result * factor;
}

// irate and idelta: from the last two samples.
std::optional<double> instant_value(const WindowContext& c, bool is_rate) {
  const Window& s = c.w;
  if (s.size() < 2) return std::nullopt;
  const Point& last = s[s.size() - 1];
  const Point& prev = s[s.size() - 2];
  double v = is_rate && last.v < prev.v ? last.v : last.v - prev.v;
  const Timestamp dt = last.t - prev.t;
  if (dt == 0) return std::nullopt;
  if (is_rate) v /= seconds(dt);
  return v;
}

std::vector<double> values_of(Window w) {
  std::vector<double> v;
  v.reserve(w.size());
  for (const Point& p : w) v.push_back(p.v);
  return v;
}

// Go's %f, as Prometheus prints the smoothing factors.
std::string go_percent_f(double f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", f);
  return buf;
}

// Whether the scalar argument has the same value (bits) at every step.
bool constant(const std::vector<double>* a) {
  return a == nullptr || std::all_of(a->begin(), a->end(), [&](double x) {
           return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(a->front());
         });
}

}  // namespace

std::optional<double> window_rate(const WindowContext& c) { return extrapolated_rate(c, true, true); }
std::optional<double> window_increase(const WindowContext& c) { return extrapolated_rate(c, true, false); }
std::optional<double> window_delta(const WindowContext& c) { return extrapolated_rate(c, false, false); }
std::optional<double> window_irate(const WindowContext& c) { return instant_value(c, true); }
std::optional<double> window_idelta(const WindowContext& c) { return instant_value(c, false); }

std::optional<double> window_avg(const WindowContext& c) { return mean(values_of(c.w)); }
std::optional<double> window_sum(const WindowContext& c) {
  KahanSum sum;
  for (const Point& p : c.w) sum.add(p.v);
  return sum.value();
}
std::optional<double> window_count(const WindowContext& c) { return static_cast<double>(c.w.size()); }
// A NaN is replaced by any later value, and stays only when all are NaN
// (Prometheus's min_over_time and max_over_time).
std::optional<double> window_min(const WindowContext& c) {
  double m = c.w[0].v;
  for (const Point& p : c.w) {
    if (p.v < m || std::isnan(m)) m = p.v;
  }
  return m;
}
std::optional<double> window_max(const WindowContext& c) {
  double m = c.w[0].v;
  for (const Point& p : c.w) {
    if (p.v > m || std::isnan(m)) m = p.v;
  }
  return m;
}
std::optional<double> window_last(const WindowContext& c) { return c.w.back().v; }
std::optional<double> window_first(const WindowContext& c) { return c.w.front().v; }
std::optional<double> window_ts_of_first(const WindowContext& c) { return seconds(c.w.front().t); }
std::optional<double> window_ts_of_last(const WindowContext& c) { return seconds(c.w.back().t); }
// The time of the extreme value; of its last occurrence on ties.
std::optional<double> window_ts_of_max(const WindowContext& c) {
  Point best = c.w[0];
  for (const Point& p : c.w) {
    if (p.v >= best.v || std::isnan(best.v)) best = p;
  }
  return seconds(best.t);
}
std::optional<double> window_ts_of_min(const WindowContext& c) {
  Point best = c.w[0];
  for (const Point& p : c.w) {
    if (p.v <= best.v || std::isnan(best.v)) best = p;
  }
  return seconds(best.t);
}
std::optional<double> window_present(const WindowContext&) { return 1.0; }
std::optional<double> window_quantile(const WindowContext& c) {
  std::vector<double> v = values_of(c.w);
  return quantile(c.arg, v);
}
std::optional<double> window_stdvar(const WindowContext& c) { return variance(values_of(c.w)); }
std::optional<double> window_stddev(const WindowContext& c) { return std::sqrt(variance(values_of(c.w))); }
std::optional<double> window_mad(const WindowContext& c) {
  std::vector<double> v;
  for (const Point& p : c.w) {
    if (std::isnan(p.v)) return p.v;  // a NaN makes the deviation undefined
    v.push_back(p.v);
  }
  const double median = quantile(0.5, v);
  for (double& x : v) x = std::fabs(x - median);
  return quantile(0.5, v);
}
std::optional<double> window_changes(const WindowContext& c) {
  double n = 0;
  for (size_t i = 1; i < c.w.size(); ++i) {
    const double a = c.w[i - 1].v, b = c.w[i].v;
    if (!(a == b || (std::isnan(a) && std::isnan(b)))) ++n;
  }
  return n;
}
std::optional<double> window_resets(const WindowContext& c) {
  double n = 0;
  for (size_t i = 1; i < c.w.size(); ++i) {
    if (c.w[i].v < c.w[i - 1].v) ++n;
  }
  return n;
}
std::optional<double> window_deriv(const WindowContext& c) {
  if (c.w.size() < 2) return std::nullopt;
  return linear_regression(c.w, c.w[0].t).slope;
}
std::optional<double> window_predict_linear(const WindowContext& c) {
  if (c.w.size() < 2) return std::nullopt;
  const Regression r = linear_regression(c.w, c.eval_time);
  return r.slope * c.arg + r.intercept;
}

// Holt's linear method (double_exponential_smoothing, formerly holt_winters)
// with smoothing factor c.arg and trend factor c.arg2, both in (0, 1).
std::optional<double> window_double_exponential_smoothing(const WindowContext& c) {
  if (!(c.arg > 0 && c.arg < 1)) {
    throw_error("invalid smoothing factor. Expected: 0 < sf < 1, got: " + go_percent_f(c.arg));
  }
  if (!(c.arg2 > 0 && c.arg2 < 1)) {
    throw_error("invalid trend factor. Expected: 0 < tf < 1, got: " + go_percent_f(c.arg2));
  }
  const Window& w = c.w;
  if (w.size() < 2) return std::nullopt;
  const double sf = c.arg, tf = c.arg2;
  double s0 = 0, s1 = w[0].v, b = w[1].v - w[0].v;
  for (size_t i = 1; i < w.size(); ++i) {
    const double x = sf * w[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;  // the trend after the first step
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

NodeValue eval_over_time(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  using parser::Function;
  // The range argument, and the scalar parameters around it.
  const parser::Expr* range_arg = call.args[0].get();
  NodeValue arg, arg2;
  const bool quantile = impl.f == Function::kQuantileOverTime;
  if (quantile) {
    arg = ev.eval(*call.args[0]);
    range_arg = call.args[1].get();
  } else if (call.args.size() > 1) {  // predict_linear, double_exponential_smoothing
    arg = ev.eval(*call.args[1]);
    if (call.args.size() > 2) arg2 = ev.eval(*call.args[2]);
  }
  const std::vector<double>* scalar_arg = arg.scalars.empty() ? nullptr : &arg.scalars;
  const std::vector<double>* scalar_arg2 = arg2.scalars.empty() ? nullptr : &arg2.scalars;

  RangeInput in = range_input(ev, *range_arg);
  // Where rate/increase's note points: the range argument, but the query's
  // start for a subquery, as Prometheus (its evaluator swaps the subquery for
  // a matrix selector that has no position).
  const parser::Expr& range_expr = parser::strip_parens(*range_arg);
  const Span note_span = range_expr.as<parser::SubqueryExpr>() != nullptr ? Span{} : range_expr.span;
  NodeValue out;
  out.type = parser::ValueType::kVector;
  // With @ the window does not depend on the step: Prometheus evaluates the
  // call once, at the query start, and repeats it, unless the function also
  // reads the step's time (predict_linear predicts from there).
  const bool invariant =
      in.at.has_value() && !impl.reads_eval_time && constant(scalar_arg) && constant(scalar_arg2);
  in.for_each_series(ev.run(), [&](const Labels& labels, bool drop_name, std::span<const Point> samples) {
    StepSeries series{labels, {}, impl.keeps_name ? drop_name : true};
    std::optional<double> first;
    auto lo = samples.begin();
    for (size_t i = 0; i < ev.num_steps(); ++i) {
      if (invariant && i > 0) {
        if (first) series.points.push_back({ev.step_time(i), *first});
        continue;
      }
      const Timestamp t = effective_time(ev.step_time(i), in.at, in.offset, ev.start(), ev.end());
      // Windows only move forward for a plain range query: start the search
      // where the previous window started.
      if (lo != samples.begin() && (lo - 1)->t > t - in.range) lo = samples.begin();
      lo = std::upper_bound(lo, samples.end(), t - in.range, [](Timestamp x, const Point& p) { return x < p.t; });
      auto hi = std::upper_bound(lo, samples.end(), t, [](Timestamp x, const Point& p) { return x < p.t; });
      if (lo == hi) continue;
      WindowContext c{
          Window(&*lo, static_cast<size_t>(hi - lo)), t, in.range, scalar_arg ? (*scalar_arg)[i] : 0, ev.step_time(i),
          scalar_arg2 ? (*scalar_arg2)[i] : 0};
      // Prometheus checks the quantile only where a window has samples.
      if (quantile) ev.warn_invalid_quantiles({c.arg}, parser::strip_parens(*call.args[0]).span);
      first = impl.per_window(c);
      if (first) series.points.push_back({ev.step_time(i), *first});
    }
    if (!series.points.empty() && (impl.f == Function::kRate || impl.f == Function::kIncrease)) {
      // Only for a named series (not, say, a subquery of arithmetic).
      const std::string_view name = labels.metric_name();
      if (!name.empty() && !name.ends_with("_total") && !name.ends_with("_sum") && !name.ends_with("_count") &&
          !name.ends_with("_bucket")) {
        ev.annotate(Annotation::Level::kInfo,
                    "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: " + go_quote(name),
                    note_span);
      }
    }
    if (!series.points.empty()) out.matrix.push_back(std::move(series));
  });
  return out;
}

}  // namespace cogwatch::eval::internal
