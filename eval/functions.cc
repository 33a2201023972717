// PromQL functions over float samples, in the order of parser::Function.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <ctime>
#include <limits>
#include <numbers>

#include <re2/re2.h>

#include "eval/internal/evaluator.h"
#include "eval/internal/math.h"
#include "model/labels.h"
#include "model/regex_template.h"
#include "model/value.h"

namespace cogwatch::eval::internal {
namespace {

using parser::Function;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Range-vector functions: one value from one series' window ----

// What a range-vector function sees at one step.
struct WindowContext {
  Window w;                 // the samples in (t - range, t], non-empty
  Timestamp t;              // the window's end (evaluation time - offset)
  Duration range;
  double arg = 0;           // a scalar parameter (quantile, predict_linear's t)
  Timestamp eval_time = 0;  // the step's time, before @ and offset
  double arg2 = 0;          // a second scalar parameter
};
using OverTimeFn = std::optional<double> (*)(const WindowContext&);

// rate, increase and delta with Prometheus's extrapolation.
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
  double to_start = static_cast<double>(s.front().t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - s.back().t) / 1000;
  const double sampled = static_cast<double>(s.back().t - s.front().t) / 1000;
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
  if (is_rate) factor /= static_cast<double>(c.range) / 1000;
  return result * factor;
}

std::optional<double> instant_value(const WindowContext& c, bool is_rate) {
  const Window& s = c.w;
  if (s.size() < 2) return std::nullopt;
  const Point& last = s[s.size() - 1];
  const Point& prev = s[s.size() - 2];
  double v = is_rate && last.v < prev.v ? last.v : last.v - prev.v;
  const Timestamp dt = last.t - prev.t;
  if (dt == 0) return std::nullopt;
  if (is_rate) v /= static_cast<double>(dt) / 1000;
  return v;
}

std::optional<double> f_rate(const WindowContext& c) { return extrapolated_rate(c, true, true); }
std::optional<double> f_increase(const WindowContext& c) { return extrapolated_rate(c, true, false); }
std::optional<double> f_delta(const WindowContext& c) { return extrapolated_rate(c, false, false); }
std::optional<double> f_irate(const WindowContext& c) { return instant_value(c, true); }
std::optional<double> f_idelta(const WindowContext& c) { return instant_value(c, false); }

std::optional<double> f_avg_over_time(const WindowContext& c) {
  std::vector<double> v;
  v.reserve(c.w.size());
  for (const Point& p : c.w) v.push_back(p.v);
  return mean(v);
}
std::optional<double> f_sum_over_time(const WindowContext& c) {
  KahanSum sum;
  for (const Point& p : c.w) sum.add(p.v);
  return sum.value();
}
std::optional<double> f_count_over_time(const WindowContext& c) { return static_cast<double>(c.w.size()); }
std::optional<double> f_min_over_time(const WindowContext& c) {
  double m = c.w[0].v;
  for (const Point& p : c.w) {
    if (p.v < m || std::isnan(m)) m = p.v;
  }
  return m;
}
std::optional<double> f_max_over_time(const WindowContext& c) {
  double m = c.w[0].v;
  for (const Point& p : c.w) {
    if (p.v > m || std::isnan(m)) m = p.v;
  }
  return m;
}
std::optional<double> f_last_over_time(const WindowContext& c) { return c.w.back().v; }
std::optional<double> f_first_over_time(const WindowContext& c) { return c.w.front().v; }
double seconds(Timestamp t) { return static_cast<double>(t) / 1000; }
std::optional<double> f_ts_of_first_over_time(const WindowContext& c) { return seconds(c.w.front().t); }
std::optional<double> f_ts_of_last_over_time(const WindowContext& c) { return seconds(c.w.back().t); }
// The time of the extreme value; of its last occurrence on ties.
std::optional<double> f_ts_of_max_over_time(const WindowContext& c) {
  Point best = c.w[0];
  for (const Point& p : c.w) {
    if (p.v >= best.v || std::isnan(best.v)) best = p;
  }
  return seconds(best.t);
}
std::optional<double> f_ts_of_min_over_time(const WindowContext& c) {
  Point best = c.w[0];
  for (const Point& p : c.w) {
    if (p.v <= best.v || std::isnan(best.v)) best = p;
  }
  return seconds(best.t);
}
std::optional<double> f_present_over_time(const WindowContext&) { return 1.0; }
std::optional<double> f_quantile_over_time(const WindowContext& c) {
  std::vector<double> v;
  v.reserve(c.w.size());
  for (const Point& p : c.w) v.push_back(p.v);
  return quantile(c.arg, v);
}
std::optional<double> f_stdvar_over_time(const WindowContext& c) {
  std::vector<double> v;
  for (const Point& p : c.w) v.push_back(p.v);
  return variance(v);
}
std::optional<double> f_stddev_over_time(const WindowContext& c) {
  std::vector<double> v;
  for (const Point& p : c.w) v.push_back(p.v);
  return std::sqrt(variance(v));
}
std::optional<double> f_mad_over_time(const WindowContext& c) {
  std::vector<double> v;
  for (const Point& p : c.w) {
    if (std::isnan(p.v)) return p.v;  // a NaN makes the deviation undefined
    v.push_back(p.v);
  }
  const double median = quantile(0.5, v);
  for (double& x : v) x = std::fabs(x - median);
  return quantile(0.5, v);
}
std::optional<double> f_changes(const WindowContext& c) {
  double n = 0;
  for (size_t i = 1; i < c.w.size(); ++i) {
    const double a = c.w[i - 1].v, b = c.w[i].v;
    if (!(a == b || (std::isnan(a) && std::isnan(b)))) ++n;
  }
  return n;
}
std::optional<double> f_resets(const WindowContext& c) {
  double n = 0;
  for (size_t i = 1; i < c.w.size(); ++i) {
    if (c.w[i].v < c.w[i - 1].v) ++n;
  }
  return n;
}
std::optional<double> f_deriv(const WindowContext& c) {
  if (c.w.size() < 2) return std::nullopt;
  return linear_regression(c.w, c.w[0].t).slope;
}
std::optional<double> f_predict_linear(const WindowContext& c) {
  if (c.w.size() < 2) return std::nullopt;
  const Regression r = linear_regression(c.w, c.eval_time);
  return r.slope * c.arg + r.intercept;
}

// Holt's linear method (double_exponential_smoothing, formerly holt_winters)
// with smoothing factor c.arg and trend factor c.arg2, both in (0, 1).
std::optional<double> f_double_exponential_smoothing(const WindowContext& c) {
  auto factor_text = [](double f) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", f);  // Go's %f
    return std::string(buf);
  };
  if (!(c.arg > 0 && c.arg < 1)) throw_error("invalid smoothing factor. Expected: 0 < sf < 1, got: " + factor_text(c.arg));
  if (!(c.arg2 > 0 && c.arg2 < 1)) throw_error("invalid trend factor. Expected: 0 < tf < 1, got: " + factor_text(c.arg2));
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

// ---- Element-wise functions ----

using ElementFn = double (*)(double);
double f_sgn(double v) { return v > 0 ? 1 : v < 0 ? -1 : v; }
double f_deg(double v) { return v * 180 / std::numbers::pi; }
double f_rad(double v) { return v * std::numbers::pi / 180; }
double f_ln(double v) { return std::log(v); }

struct ElementImpl {
  Function f;
  ElementFn fn;
};
constexpr std::array kElementFunctions = {
    ElementImpl{Function::kAbs, [](double v) { return std::fabs(v); }},
    ElementImpl{Function::kAcos, [](double v) { return std::acos(v); }},
    ElementImpl{Function::kAcosh, [](double v) { return std::acosh(v); }},
    ElementImpl{Function::kAsin, [](double v) { return std::asin(v); }},
    ElementImpl{Function::kAsinh, [](double v) { return std::asinh(v); }},
    ElementImpl{Function::kAtan, [](double v) { return std::atan(v); }},
    ElementImpl{Function::kAtanh, [](double v) { return std::atanh(v); }},
    ElementImpl{Function::kCeil, [](double v) { return std::ceil(v); }},
    ElementImpl{Function::kCos, [](double v) { return std::cos(v); }},
    ElementImpl{Function::kCosh, [](double v) { return std::cosh(v); }},
    ElementImpl{Function::kDeg, f_deg},
    ElementImpl{Function::kExp, [](double v) { return std::exp(v); }},
    ElementImpl{Function::kFloor, [](double v) { return std::floor(v); }},
    ElementImpl{Function::kLn, f_ln},
    ElementImpl{Function::kLog10, [](double v) { return std::log10(v); }},
    ElementImpl{Function::kLog2, [](double v) { return std::log2(v); }},
    ElementImpl{Function::kRad, f_rad},
    ElementImpl{Function::kSgn, f_sgn},
    ElementImpl{Function::kSin, [](double v) { return std::sin(v); }},
    ElementImpl{Function::kSinh, [](double v) { return std::sinh(v); }},
    ElementImpl{Function::kSqrt, [](double v) { return std::sqrt(v); }},
    ElementImpl{Function::kTan, [](double v) { return std::tan(v); }},
    ElementImpl{Function::kTanh, [](double v) { return std::tanh(v); }},
};

struct OverTimeImpl {
  Function f;
  OverTimeFn fn;
  bool keeps_name;
};
constexpr std::array kOverTimeFunctions = {
    OverTimeImpl{Function::kAvgOverTime, f_avg_over_time, false},
    OverTimeImpl{Function::kChanges, f_changes, false},
    OverTimeImpl{Function::kCountOverTime, f_count_over_time, false},
    OverTimeImpl{Function::kDelta, f_delta, false},
    OverTimeImpl{Function::kDeriv, f_deriv, false},
    OverTimeImpl{Function::kDoubleExponentialSmoothing, f_double_exponential_smoothing, false},
    OverTimeImpl{Function::kFirstOverTime, f_first_over_time, true},
    OverTimeImpl{Function::kIdelta, f_idelta, false},
    OverTimeImpl{Function::kIncrease, f_increase, false},
    OverTimeImpl{Function::kIrate, f_irate, false},
    OverTimeImpl{Function::kLastOverTime, f_last_over_time, true},
    OverTimeImpl{Function::kMadOverTime, f_mad_over_time, false},
    OverTimeImpl{Function::kMaxOverTime, f_max_over_time, false},
    OverTimeImpl{Function::kMinOverTime, f_min_over_time, false},
    OverTimeImpl{Function::kPredictLinear, f_predict_linear, false},
    OverTimeImpl{Function::kPresentOverTime, f_present_over_time, false},
    OverTimeImpl{Function::kQuantileOverTime, f_quantile_over_time, false},
    OverTimeImpl{Function::kRate, f_rate, false},
    OverTimeImpl{Function::kResets, f_resets, false},
    OverTimeImpl{Function::kStddevOverTime, f_stddev_over_time, false},
    OverTimeImpl{Function::kStdvarOverTime, f_stdvar_over_time, false},
    OverTimeImpl{Function::kSumOverTime, f_sum_over_time, false},
    OverTimeImpl{Function::kTsOfFirstOverTime, f_ts_of_first_over_time, false},
    OverTimeImpl{Function::kTsOfLastOverTime, f_ts_of_last_over_time, false},
    OverTimeImpl{Function::kTsOfMaxOverTime, f_ts_of_max_over_time, false},
    OverTimeImpl{Function::kTsOfMinOverTime, f_ts_of_min_over_time, false},
};

template <typename Table>
const auto* find_impl(const Table& table, Function f) {
  for (const auto& impl : table) {
    if (impl.f == f) return &impl;
  }
  return static_cast<const typename Table::value_type*>(nullptr);
}

// Go's time package on a value of Unix seconds.
std::tm utc_time(double seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

double date_part(Function f, double v) {
  const std::tm tm = utc_time(v);
  switch (f) {
    case Function::kDayOfMonth: return tm.tm_mday;
    case Function::kDayOfWeek: return tm.tm_wday;
    case Function::kDayOfYear: return tm.tm_yday + 1;
    case Function::kDaysInMonth: {
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const int year = tm.tm_year + 1900;
      const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      return tm.tm_mon == 1 && leap ? 29 : kDays[tm.tm_mon];
    }
    case Function::kHour: return tm.tm_hour;
    case Function::kMinute: return tm.tm_min;
    case Function::kMonth: return tm.tm_mon + 1;
    case Function::kYear: return tm.tm_year + 1900;
    default: return kNaN;
  }
}

}  // namespace

// Applies a range-vector function at every step.
static NodeValue over_time(Evaluator& ev, const OverTimeImpl& impl, const parser::Expr& range_arg,
                           const std::vector<double>* scalar_arg, const std::vector<double>* scalar_arg2 = nullptr) {
  RangeInput in = range_input(ev, range_arg);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  in.for_each_series([&](const Labels& labels, bool drop_name, std::span<const Point> samples) {
    StepSeries series{labels, {}, impl.keeps_name ? drop_name : true};
    // With @ the result does not depend on the step: Prometheus evaluates
    // it once, at the query start, and repeats it.
    bool invariant = in.at.has_value();
    for (const std::vector<double>* a : {scalar_arg, scalar_arg2}) {
      if (invariant && a != nullptr) {
        invariant = std::all_of(a->begin(), a->end(), [&](double x) {
          return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(a->front());
        });
      }
    }
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
      WindowContext c{Window(&*lo, static_cast<size_t>(hi - lo)), t, in.range, scalar_arg ? (*scalar_arg)[i] : 0,
                      ev.step_time(i), scalar_arg2 ? (*scalar_arg2)[i] : 0};
      first = impl.fn(c);
      if (first) series.points.push_back({ev.step_time(i), *first});
    }
    if (!series.points.empty() && (impl.f == Function::kRate || impl.f == Function::kIncrease)) {
      const std::string_view name = labels.metric_name();
      if (!name.ends_with("_total") && !name.ends_with("_sum") && !name.ends_with("_count") &&
          !name.ends_with("_bucket")) {
        ev.annotate(Annotation::Level::kInfo,
                    "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"" +
                        std::string(name) + "\"",
                    range_arg.span);
      }
    }
    if (!series.points.empty()) out.matrix.push_back(std::move(series));
  });
  return out;
}

// Labels for absent(): the equality matchers of a selector argument.
static Labels absent_labels(const parser::Expr& arg) {
  const parser::Expr* e = &arg;
  while (const auto* p = e->as<parser::ParenExpr>()) e = p->expr.get();
  const parser::VectorSelector* vs = e->as<parser::VectorSelector>();
  if (const auto* ms = e->as<parser::MatrixSelector>()) vs = ms->selector->as<parser::VectorSelector>();
  if (vs == nullptr) return {};
  // A label named by several matchers has no single value: leave it out.
  LabelsBuilder b;
  for (const LabelMatcher& m : vs->matchers) {
    if (m.name() == kMetricNameLabel || m.type() != MatchType::kEqual) continue;
    const auto named = std::count_if(vs->matchers.begin(), vs->matchers.end(),
                                     [&](const LabelMatcher& o) { return o.name() == m.name(); });
    if (named == 1) b.set(m.name(), m.value());
  }
  return b.build();
}

NodeValue Evaluator::eval_call(const parser::Call& call) {
  using parser::Function;
  const Function f = call.func;
  const parser::FunctionInfo& info = parser::function_info(f);
  NodeValue out;
  out.type = info.return_type;

  if (const auto* impl = find_impl(kOverTimeFunctions, f)) {
    if (f == Function::kQuantileOverTime) {
      NodeValue q = eval(*call.args[0]);
      warn_invalid_quantiles(q.scalars, call.args[0]->span);
      return over_time(*this, *impl, *call.args[1], &q.scalars);
    }
    if (f == Function::kDoubleExponentialSmoothing) {
      NodeValue sf = eval(*call.args[1]);
      NodeValue tf = eval(*call.args[2]);
      return over_time(*this, *impl, *call.args[0], &sf.scalars, &tf.scalars);
    }
    if (f == Function::kPredictLinear) {
      NodeValue d = eval(*call.args[1]);
      return over_time(*this, *impl, *call.args[0], &d.scalars);
    }
    return over_time(*this, *impl, *call.args[0], nullptr);
  }

  if (const auto* impl = find_impl(kElementFunctions, f)) {
    NodeValue v = eval(*call.args[0]);
    for (StepSeries& s : v.matrix) {
      for (Point& p : s.points) p.v = impl->fn(p.v);
      s.drop_name = true;
    }
    return v;
  }

  switch (f) {
    case Function::kTime:
      for (size_t i = 0; i < num_steps_; ++i) out.scalars.push_back(static_cast<double>(step_time(i)) / 1000);
      return out;
    case Function::kPi:
      out.scalars.assign(num_steps_, std::numbers::pi);
      return out;
    case Function::kVector: {
      NodeValue s = eval(*call.args[0]);
      StepSeries series;
      for (size_t i = 0; i < num_steps_; ++i) series.points.push_back({step_time(i), s.scalars[i]});
      out.matrix.push_back(std::move(series));
      return out;
    }
    case Function::kScalar: {
      NodeValue v = eval(*call.args[0]);
      std::vector<size_t> count(num_steps_, 0);
      out.scalars.assign(num_steps_, kNaN);
      for (const StepSeries& s : v.matrix) {
        for (const Point& p : s.points) {
          const auto i = static_cast<size_t>((p.t - start_) / step_);
          out.scalars[i] = ++count[i] == 1 ? p.v : kNaN;
        }
      }
      return out;
    }
    case Function::kTimestamp: {
      const parser::Expr* arg = call.args[0].get();
      while (const auto* p = arg->as<parser::ParenExpr>()) arg = p->expr.get();
      if (const auto* vs = arg->as<parser::VectorSelector>()) {
        NodeValue v = eval_selector_timestamps(*vs);
        for (StepSeries& s : v.matrix) s.drop_name = true;
        return v;
      }
      NodeValue v = eval(*call.args[0]);
      for (StepSeries& s : v.matrix) {
        for (Point& p : s.points) p.v = static_cast<double>(p.t) / 1000;
        s.drop_name = true;
      }
      return v;
    }
    case Function::kDayOfMonth: case Function::kDayOfWeek: case Function::kDayOfYear: case Function::kDaysInMonth:
    case Function::kHour: case Function::kMinute: case Function::kMonth: case Function::kYear: {
      if (call.args.empty()) {
        StepSeries series;
        for (size_t i = 0; i < num_steps_; ++i) {
          series.points.push_back({step_time(i), date_part(f, static_cast<double>(step_time(i)) / 1000)});
        }
        out.matrix.push_back(std::move(series));
        return out;
      }
      NodeValue v = eval(*call.args[0]);
      for (StepSeries& s : v.matrix) {
        for (Point& p : s.points) p.v = std::isfinite(p.v) ? date_part(f, p.v) : kNaN;
        s.drop_name = true;
      }
      return v;
    }
    case Function::kClamp: case Function::kClampMax: case Function::kClampMin: {
      NodeValue v = eval(*call.args[0]);
      NodeValue a = eval(*call.args[1]);
      NodeValue b = f == Function::kClamp ? eval(*call.args[2]) : NodeValue{};
      for (StepSeries& s : v.matrix) {
        std::vector<Point> kept;
        for (const Point& p : s.points) {
          const auto i = static_cast<size_t>((p.t - start_) / step_);
          double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
          if (f == Function::kClamp) lo = a.scalars[i], hi = b.scalars[i];
          if (f == Function::kClampMin) lo = a.scalars[i];
          if (f == Function::kClampMax) hi = a.scalars[i];
          if (f == Function::kClamp && hi < lo) continue;  // empty result, as Prometheus
          kept.push_back({p.t, std::max(lo, std::min(hi, p.v))});
        }
        s.points = std::move(kept);
        s.drop_name = true;
      }
      std::erase_if(v.matrix, [](const StepSeries& s) { return s.points.empty(); });
      return v;
    }
    case Function::kRound: {
      NodeValue v = eval(*call.args[0]);
      NodeValue to = call.args.size() > 1 ? eval(*call.args[1]) : NodeValue{};
      for (StepSeries& s : v.matrix) {
        for (Point& p : s.points) {
          const auto i = static_cast<size_t>((p.t - start_) / step_);
          const double inverse = 1 / (call.args.size() > 1 ? to.scalars[i] : 1.0);
          p.v = std::floor(p.v * inverse + 0.5) / inverse;
        }
        s.drop_name = true;
      }
      return v;
    }
    case Function::kSort: case Function::kSortDesc: case Function::kSortByLabel: case Function::kSortByLabelDesc:
      // Ordering is applied to the final instant-query result (Engine).
      return eval(*call.args[0]);
    case Function::kLabelReplace: return label_replace(call);
    case Function::kLabelJoin: return label_join(call);
    case Function::kAbsent: return absent(eval(*call.args[0]), *call.args[0]);
    case Function::kAbsentOverTime: {
      static constexpr OverTimeImpl kPresent{Function::kPresentOverTime, f_present_over_time, false};
      return absent(over_time(*this, kPresent, *call.args[0], nullptr), *call.args[0]);
    }
    case Function::kHistogramQuantile:
    case Function::kHistogramFraction: return histogram_quantile(call);
    case Function::kHistogramAvg: case Function::kHistogramCount: case Function::kHistogramStddev:
    case Function::kHistogramStdvar: case Function::kHistogramSum:
      // Native histograms only; float series give no result.
      eval(*call.args[0]);
      return out;
    default:
      throw_error(std::string("function \"") + std::string(info.name) + "\" is not implemented yet",
                  ErrorCode::kInvalidArgument);
  }
}

// 1 at the steps where `present` has no sample, labelled from arg's
// equality matchers (absent, absent_over_time).
NodeValue Evaluator::absent(const NodeValue& present, const parser::Expr& arg) {
  std::vector<bool> seen(num_steps_, false);
  for (const StepSeries& s : present.matrix) {
    for (const Point& p : s.points) seen[static_cast<size_t>((p.t - start_) / step_)] = true;
  }
  NodeValue out;
  out.type = parser::ValueType::kVector;
  StepSeries series{absent_labels(arg), {}, false};
  for (size_t i = 0; i < num_steps_; ++i) {
    if (!seen[i]) series.points.push_back({step_time(i), 1});
  }
  if (!series.points.empty()) out.matrix.push_back(std::move(series));
  return out;
}

void Evaluator::warn_invalid_quantiles(const std::vector<double>& qs, Span span) {
  for (double q : qs) {
    if (std::isnan(q) || q < 0 || q > 1) {
      annotate(Annotation::Level::kWarning, "quantile value should be between 0 and 1, got " + format_float(q), span);
    }
  }
}

NodeValue Evaluator::label_replace(const parser::Call& call) {
  NodeValue v = eval(*call.args[0]);
  const std::string dst = eval(*call.args[1]).str;
  const std::string replacement = eval(*call.args[2]).str;
  const std::string src = eval(*call.args[3]).str;
  const std::string regex = eval(*call.args[4]).str;
  RE2::Options opts;
  opts.set_dot_nl(true);
  opts.set_log_errors(false);
  const RE2 re("^(?:" + regex + ")$", opts);
  if (!re.ok()) throw_error("invalid regular expression in label_replace(): " + regex);
  if (!is_valid_label_name(dst)) throw_error("invalid destination label name in label_replace(): " + dst);
  std::vector<std::string_view> groups;
  for (StepSeries& s : v.matrix) {
    const std::string_view value = s.labels.get(src);
    if (!match_groups(re, value, groups)) continue;
    const std::string result = expand_regex_template(re, replacement, groups);
    s.labels = LabelsBuilder(s.labels).set(dst, result).build();
    if (dst == kMetricNameLabel) s.drop_name = false;
  }
  return merge_equal_series(std::move(v));
}

NodeValue Evaluator::label_join(const parser::Call& call) {
  NodeValue v = eval(*call.args[0]);
  const std::string dst = eval(*call.args[1]).str;
  const std::string sep = eval(*call.args[2]).str;
  std::vector<std::string> srcs;
  for (size_t i = 3; i < call.args.size(); ++i) srcs.push_back(eval(*call.args[i]).str);
  if (!is_valid_label_name(dst)) throw_error("invalid destination label name in label_join(): " + dst);
  for (StepSeries& s : v.matrix) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.labels.get(srcs[i]);
    }
    s.labels = LabelsBuilder(s.labels).set(dst, joined).build();
    if (dst == kMetricNameLabel) s.drop_name = false;
  }
  return merge_equal_series(std::move(v));
}

NodeValue Evaluator::merge_equal_series(NodeValue v) {
  // Relabelling can make two series equal; like Prometheus, that is only an
  // error when both have a sample at the same step.
  StepMatrix out;
  boost::unordered_flat_map<uint64_t, std::vector<size_t>> by_hash;
  for (StepSeries& s : v.matrix) {
    StepSeries* target = nullptr;
    for (size_t idx : by_hash[s.labels.hash()]) {
      if (out[idx].labels == s.labels) target = &out[idx];
    }
    if (target == nullptr) {
      by_hash[s.labels.hash()].push_back(out.size());
      out.push_back(std::move(s));
      continue;
    }
    std::vector<Point> merged;
    std::merge(target->points.begin(), target->points.end(), s.points.begin(), s.points.end(),
               std::back_inserter(merged), [](const Point& a, const Point& b) { return a.t < b.t; });
    for (size_t i = 1; i < merged.size(); ++i) {
      if (merged[i].t == merged[i - 1].t) throw_error("vector cannot contain metrics with the same labelset");
    }
    target->points = std::move(merged);
  }
  v.matrix = std::move(out);
  return v;
}

NodeValue Evaluator::histogram_quantile(const parser::Call& call) {
  // histogram_quantile(q, buckets) and histogram_fraction(lower, upper,
  // buckets) share the grouping of classic buckets by their series.
  const bool fraction = call.func == parser::Function::kHistogramFraction;
  NodeValue q = eval(*call.args[0]);
  if (!fraction) warn_invalid_quantiles(q.scalars, call.args[0]->span);
  NodeValue upper = fraction ? eval(*call.args[1]) : NodeValue{};
  const parser::Expr& buckets_arg = *call.args[fraction ? 2 : 1];
  NodeValue v = eval(buckets_arg);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  std::vector<const StepMatrix*> args = {&v.matrix};
  out.matrix = step_vectors(args, [&](size_t i, Timestamp, std::vector<StepVector>& in, StepVector& result) {
    // Group buckets by their labels without le.
    boost::unordered_flat_map<uint64_t, std::vector<size_t>> groups;
    std::vector<std::pair<Labels, std::vector<Bucket>>> hist;
    for (const StepSample& s : in[0]) {
      const std::string_view le = s.labels.get("le");
      double bound;
      if (!parse_bucket_bound(le, bound)) {
        annotate(Annotation::Level::kWarning,
                 "bucket label \"le\" is missing or has a malformed value of \"" + std::string(le) +
                     "\" for metric name \"" + std::string(s.labels.metric_name()) + "\"",
                 buckets_arg.span);
        continue;
      }
      // Grouped with the metric name, which is dropped later (delayed name
      // removal): two histograms differing only by name then collide.
      Labels key = LabelsBuilder(s.labels).del("le").build();
      std::vector<size_t>& idx = groups[key.hash()];
      size_t found = SIZE_MAX;
      for (size_t k : idx) {
        if (hist[k].first == key) found = k;
      }
      if (found == SIZE_MAX) {
        found = hist.size();
        idx.push_back(found);
        hist.push_back({std::move(key), {}});
      }
      hist[found].second.push_back({bound, s.v});
    }
    for (auto& [labels, buckets] : hist) {
      bool forced = false;
      const double value = fraction ? bucket_fraction(q.scalars[i], upper.scalars[i], buckets)
                                    : bucket_quantile(q.scalars[i], buckets, &forced);
      if (forced) {
        annotate(Annotation::Level::kInfo,
                 "input to histogram_quantile needed to be fixed for monotonicity (see "
                 "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric "
                 "name \"" + std::string(labels.metric_name()) + "\"",
                 buckets_arg.span);
      }
      result.push_back({labels, value, true});
    }
  });
  return out;
}

}  // namespace cogwatch::eval::internal
