// Range-vector functions: one value from one series' window (t - range, t]
// at each step; rate/increase/delta share Prometheus's extrapolation.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>

#include "eval/internal/functions.h"
#include "eval/internal/math.h"
#include "model/histogram_ops.h"

namespace cogwatch::eval::internal {
namespace {

double seconds(Timestamp t) { return static_cast<double>(t) / 1000; }

// A window's floats and histograms apart (for series that have histograms).
struct SplitWindow {
  std::vector<Point> floats, histograms;
};
SplitWindow split(Window w) {
  SplitWindow out;
  for (const Point& p : w) (p.h ? out.histograms : out.floats).push_back(p);
  return out;
}

// Prometheus's extrapolation of a change over [first_t, last_t] to the
// window (t - range, t]: to a boundary when a sample is missing by at most
// 10% more than the average interval, otherwise by half an interval; for a
// counter never past the point where it would have been zero (first is the
// first sample's value or count, change the result's).
double extrapolation_factor(const WindowContext& c, Timestamp first_t, Timestamp last_t, size_t samples,
                            bool is_counter, bool is_rate, double first, double change) {
  double to_start = seconds(first_t - (c.t - c.range));
  double to_end = seconds(c.t - last_t);
  const double sampled = seconds(last_t - first_t);
  const double avg_interval = sampled / static_cast<double>(samples - 1);
  const double threshold = avg_interval * 1.1;
  if (to_start >= threshold) to_start = avg_interval / 2;
  if (is_counter && change > 0 && first >= 0) {
    const double to_zero = sampled * (first / change);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg_interval / 2;
  double factor = sampled != 0 ? (sampled + to_start + to_end) / sampled : 1;
  if (is_rate) factor /= seconds(c.range);
  return factor;
}

// The increase (or, not a counter, the change) of histogram samples, with
// counter resets accounted for: Prometheus's histogramRate. Nothing when
// the histograms cannot be combined (an annotation says why).
std::optional<FloatHistogram> histogram_rate(const std::vector<Point>& points, bool is_counter,
                                             const WindowNotes& notes) {
  const std::string name(notes.metric_name);
  auto not_counter = [&] {
    notes.warn("this native histogram metric is not a counter: " + go_quote(name), notes.range_span);
  };
  const FloatHistogram* prev = points.front().h.get();
  const FloatHistogram& last = *points.back().h;
  FloatHistogram empty;
  bool custom = prev->uses_custom_buckets();
  if (is_counter && (prev->counter_reset_hint == CounterResetHint::kGauge ||
                     last.counter_reset_hint == CounterResetHint::kGauge)) {
    not_counter();
  }
  // A reset between the first two samples: the first does not matter, and
  // neither does its bucket layout.
  if (is_counter && histogram_detect_reset(*points[1].h, *prev)) {
    empty.schema = points[1].h->schema;
    empty.custom_values = points[1].h->custom_values;
    prev = &empty;
    custom = empty.uses_custom_buckets();
  }
  if (last.uses_custom_buckets() != custom) {
    notes.mixed_exponential_custom();
    return std::nullopt;
  }
  int32_t min_schema = std::min(last.schema, prev->schema);
  for (size_t i = 1; i + 1 < points.size(); ++i) {
    if (!is_counter) continue;
    const FloatHistogram& h = *points[i].h;
    if (h.counter_reset_hint == CounterResetHint::kGauge) not_counter();
    min_schema = std::min(min_schema, h.schema);
    if (h.uses_custom_buckets() != custom) {
      notes.mixed_exponential_custom();
      return std::nullopt;
    }
  }
  FloatHistogram result = last;
  histogram_reduce_resolution(result, min_schema);
  // Conflicting reset hints do not matter here: resets are handled below.
  HistogramCombineInfo info;
  if (!histogram_sub(result, *prev, &info)) {
    notes.mixed_exponential_custom();
    return std::nullopt;
  }
  if (info.nhcb_bounds_reconciled) {
    notes.info("mismatched custom buckets were reconciled during subtraction", notes.range_span);
  }
  if (is_counter) {
    for (size_t i = 1; i < points.size(); ++i) {
      const FloatHistogram& cur = *points[i].h;
      if (histogram_detect_reset(cur, *prev)) {
        HistogramCombineInfo add_info;
        if (!histogram_add(result, *prev, &add_info)) {
          notes.mixed_exponential_custom();
          return std::nullopt;
        }
        if (add_info.nhcb_bounds_reconciled) {
          notes.info("mismatched custom buckets were reconciled during addition", notes.range_span);
        }
      }
      prev = &cur;
    }
  } else if (points.front().h->counter_reset_hint != CounterResetHint::kGauge ||
             last.counter_reset_hint != CounterResetHint::kGauge) {
    notes.warn("this native histogram metric is not a gauge: " + go_quote(name), notes.range_span);
  }
  result.counter_reset_hint = CounterResetHint::kGauge;
  result.compact(0);
  return result;
}

// rate, increase and delta of histograms.
std::optional<WindowValue> extrapolated_histogram_rate(const WindowContext& c, bool is_counter, bool is_rate) {
  SplitWindow parts = split(c.w);
  if (!parts.floats.empty()) {
    c.notes->mixed_floats_histograms();
    return std::nullopt;
  }
  const std::vector<Point>& h = parts.histograms;
  if (h.size() < 2) return std::nullopt;
  std::optional<FloatHistogram> result = histogram_rate(h, is_counter, *c.notes);
  if (!result) return std::nullopt;
  result->mul(extrapolation_factor(c, h.front().t, h.back().t, h.size(), is_counter, is_rate, h.front().h->count,
                                   result->count));
  return WindowValue(HistogramRef::make(*std::move(result)));
}

// rate, increase and delta with Prometheus's extrapolation
// (functions.go's extrapolatedRate).
std::optional<WindowValue> extrapolated_rate(const WindowContext& c, bool is_counter, bool is_rate) {
  if (c.has_histograms && std::any_of(c.w.begin(), c.w.end(), [](const Point& p) { return bool(p.h); })) {
    return extrapolated_histogram_rate(c, is_counter, is_rate);
  }
  const Window& s = c.w;
  if (s.size() < 2) return std::nullopt;
  double result = s.back().v - s.front().v;
  if (is_counter) {
    double prev = s.front().v;
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i].v < prev) result += prev;
      prev = s[i].v;
    }
  }
  return result * extrapolation_factor(c, s.front().t, s.back().t, s.size(), is_counter, is_rate, s.front().v, result);
}

// irate and idelta: from the last two samples.
std::optional<WindowValue> instant_value(const WindowContext& c, bool is_rate) {
  const Window& s = c.w;
  if (s.size() < 2) return std::nullopt;
  const Point& last = s[s.size() - 1];
  const Point& prev = s[s.size() - 2];
  const Timestamp dt = last.t - prev.t;
  if (dt == 0) return std::nullopt;
  if (!last.h && !prev.h) {
    double v = is_rate && last.v < prev.v ? last.v : last.v - prev.v;
    if (is_rate) v /= seconds(dt);
    return v;
  }
  if (!last.h || !prev.h) {
    c.notes->mixed_floats_histograms();
    return std::nullopt;
  }
  const std::string name(c.notes->metric_name);
  const bool gauge_seen = last.h->counter_reset_hint == CounterResetHint::kGauge ||
                          prev.h->counter_reset_hint == CounterResetHint::kGauge;
  const bool both_gauges = last.h->counter_reset_hint == CounterResetHint::kGauge &&
                           prev.h->counter_reset_hint == CounterResetHint::kGauge;
  if (is_rate && gauge_seen) {
    c.notes->warn("this native histogram metric is not a counter: " + go_quote(name), c.notes->range_span);
  }
  if (!is_rate && !both_gauges) {
    c.notes->warn("this native histogram metric is not a gauge: " + go_quote(name), c.notes->range_span);
  }
  FloatHistogram result = *last.h;
  if (!is_rate || !histogram_detect_reset(*last.h, *prev.h)) {
    HistogramCombineInfo info;
    if (!histogram_sub(result, *prev.h, &info)) {
      c.notes->mixed_exponential_custom();
      return std::nullopt;
    }
    if (info.nhcb_bounds_reconciled) {
      c.notes->info("mismatched custom buckets were reconciled during subtraction", c.notes->range_span);
    }
  }
  result.counter_reset_hint = CounterResetHint::kGauge;
  result.compact(0);
  if (is_rate) result.div(seconds(dt));
  return WindowValue(HistogramRef::make(std::move(result)));
}

// The floats of a window for a function that ignores histograms: the whole
// window when the series has none; otherwise its floats, with a note when
// there were histograms too. Empty: no result.
class FloatsOnly {
 public:
  explicit FloatsOnly(const WindowContext& c) {
    if (!c.has_histograms) {
      w_ = c.w;
      return;
    }
    SplitWindow parts = split(c.w);
    floats_ = std::move(parts.floats);
    w_ = Window(floats_);
    if (!floats_.empty() && !parts.histograms.empty()) c.notes->histograms_ignored();
  }
  Window window() const { return w_; }
  bool empty() const { return w_.empty(); }

 private:
  std::vector<Point> floats_;
  Window w_;
};

// sum_over_time and avg_over_time of histograms.
std::optional<WindowValue> histogram_sum_over_time(const WindowContext& c, bool average) {
  SplitWindow parts = split(c.w);
  if (!parts.floats.empty()) {
    c.notes->mixed_floats_histograms();
    return std::nullopt;
  }
  const std::vector<Point>& hs = parts.histograms;
  bool reset_seen = false, not_reset_seen = false, reconciled = false;
  auto track = [&](const FloatHistogram& h) {
    reset_seen = reset_seen || h.counter_reset_hint == CounterResetHint::kCounterReset;
    not_reset_seen = not_reset_seen || h.counter_reset_hint == CounterResetHint::kNotCounterReset;
  };
  FloatHistogram sum = *hs.front().h;  // the mean once incremental
  track(sum);
  std::optional<FloatHistogram> comp;
  bool incremental = false;
  for (size_t i = 1; i < hs.size(); ++i) {
    const FloatHistogram& h = *hs[i].h;
    track(h);
    const double count = static_cast<double>(i + 1);
    HistogramCombineInfo info;
    if (!incremental) {
      FloatHistogram next = sum;
      FloatHistogram next_comp = comp ? *comp : new_compensation(sum);
      if (!histogram_add(next, h, &info, &next_comp)) {
        c.notes->mixed_exponential_custom();
        return std::nullopt;
      }
      reconciled = reconciled || info.nhcb_bounds_reconciled;
      if (!average || !histogram_overflows(next)) {
        sum = std::move(next), comp = std::move(next_comp);
        continue;
      }
      // The sum would overflow: an incremental mean from here on.
      incremental = true;
      sum.div(count - 1);
      if (comp) comp->div(count - 1);
    }
    const double q = (count - 1) / count;
    if (comp) {
      comp->mul(q);
    } else {
      comp = new_compensation(sum);
    }
    FloatHistogram to_add = h;
    to_add.div(count);
    if (!histogram_add(sum.mul(q), to_add, &info, &*comp)) {
      c.notes->mixed_exponential_custom();
      return std::nullopt;
    }
    reconciled = reconciled || info.nhcb_bounds_reconciled;
  }
  if (reset_seen && not_reset_seen) {
    c.notes->warn("conflicting counter resets during histogram aggregation", c.notes->range_span);
  }
  if (reconciled) c.notes->info("mismatched custom buckets were reconciled during aggregation", c.notes->range_span);
  const double n = static_cast<double>(hs.size());
  if (average && !incremental) sum.div(n);
  if (comp) {
    if (average && !incremental) comp->div(n);
    (void)histogram_add(sum, *comp);
  }
  return WindowValue(HistogramRef::make(std::move(sum)));
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

void WindowNotes::mixed_floats_histograms() const {
  warn("encountered a mix of histograms and floats for metric name " + go_quote(metric_name), range_span);
}
void WindowNotes::histograms_ignored() const {
  info("ignored histograms in a range containing both floats and histograms for metric name " + go_quote(metric_name),
       first_arg_span);
}
void WindowNotes::mixed_exponential_custom() const {
  warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name " +
           go_quote(metric_name),
       range_span);
}

std::optional<WindowValue> window_rate(const WindowContext& c) { return extrapolated_rate(c, true, true); }
std::optional<WindowValue> window_increase(const WindowContext& c) { return extrapolated_rate(c, true, false); }
std::optional<WindowValue> window_delta(const WindowContext& c) { return extrapolated_rate(c, false, false); }
std::optional<WindowValue> window_irate(const WindowContext& c) { return instant_value(c, true); }
std::optional<WindowValue> window_idelta(const WindowContext& c) { return instant_value(c, false); }

std::optional<WindowValue> window_avg(const WindowContext& c) {
  if (c.has_histograms) return histogram_sum_over_time(c, true);
  return mean(values_of(c.w));
}
std::optional<WindowValue> window_sum(const WindowContext& c) {
  if (c.has_histograms) return histogram_sum_over_time(c, false);
  KahanSum sum;
  for (const Point& p : c.w) sum.add(p.v);
  return sum.value();
}
std::optional<WindowValue> window_count(const WindowContext& c) { return static_cast<double>(c.w.size()); }
// A NaN is replaced by any later value, and stays only when all are NaN
// (Prometheus's min_over_time and max_over_time).
std::optional<WindowValue> window_min(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  double m = f.window()[0].v;
  for (const Point& p : f.window()) {
    if (p.v < m || std::isnan(m)) m = p.v;
  }
  return m;
}
std::optional<WindowValue> window_max(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  double m = f.window()[0].v;
  for (const Point& p : f.window()) {
    if (p.v > m || std::isnan(m)) m = p.v;
  }
  return m;
}
// The last (first) sample, float or histogram.
std::optional<WindowValue> window_last(const WindowContext& c) {
  if (c.w.back().h) return WindowValue(c.w.back().h);
  return c.w.back().v;
}
std::optional<WindowValue> window_first(const WindowContext& c) {
  if (c.w.front().h) return WindowValue(c.w.front().h);
  return c.w.front().v;
}
std::optional<WindowValue> window_ts_of_first(const WindowContext& c) { return seconds(c.w.front().t); }
std::optional<WindowValue> window_ts_of_last(const WindowContext& c) { return seconds(c.w.back().t); }
// The time of the extreme value; of its last occurrence on ties.
std::optional<WindowValue> window_ts_of_max(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  Point best = f.window()[0];
  for (const Point& p : f.window()) {
    if (p.v >= best.v || std::isnan(best.v)) best = p;
  }
  return seconds(best.t);
}
std::optional<WindowValue> window_ts_of_min(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  Point best = f.window()[0];
  for (const Point& p : f.window()) {
    if (p.v <= best.v || std::isnan(best.v)) best = p;
  }
  return seconds(best.t);
}
std::optional<WindowValue> window_present(const WindowContext&) { return 1.0; }
std::optional<WindowValue> window_quantile(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  std::vector<double> v = values_of(f.window());
  return quantile(c.arg, v);
}
std::optional<WindowValue> window_stdvar(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  return variance(values_of(f.window()));
}
std::optional<WindowValue> window_stddev(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  return std::sqrt(variance(values_of(f.window())));
}
std::optional<WindowValue> window_mad(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.empty()) return std::nullopt;
  std::vector<double> v;
  for (const Point& p : f.window()) {
    if (std::isnan(p.v)) return p.v;  // a NaN makes the deviation undefined
    v.push_back(p.v);
  }
  const double median = quantile(0.5, v);
  for (double& x : v) x = std::fabs(x - median);
  return quantile(0.5, v);
}
// A float following a histogram (or the reverse) counts as a change and
// as a reset.
std::optional<WindowValue> window_changes(const WindowContext& c) {
  double n = 0;
  for (size_t i = 1; i < c.w.size(); ++i) {
    const Point& a = c.w[i - 1];
    const Point& b = c.w[i];
    if (a.h || b.h) {
      if (!a.h || !b.h || !b.h->equals(*a.h)) ++n;
    } else if (!(a.v == b.v || (std::isnan(a.v) && std::isnan(b.v)))) {
      ++n;
    }
  }
  return n;
}
std::optional<WindowValue> window_resets(const WindowContext& c) {
  double n = 0;
  for (size_t i = 1; i < c.w.size(); ++i) {
    const Point& a = c.w[i - 1];
    const Point& b = c.w[i];
    if (a.h || b.h) {
      if (!a.h || !b.h || histogram_detect_reset(*b.h, *a.h)) ++n;
    } else if (b.v < a.v) {
      ++n;
    }
  }
  return n;
}
// deriv, predict_linear and double_exponential_smoothing need two floats;
// histograms beside them are ignored with a note.
std::optional<WindowValue> window_deriv(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.window().size() < 2) return std::nullopt;
  return linear_regression(f.window(), f.window()[0].t).slope;
}
std::optional<WindowValue> window_predict_linear(const WindowContext& c) {
  const FloatsOnly f(c);
  if (f.window().size() < 2) return std::nullopt;
  const Regression r = linear_regression(f.window(), c.eval_time);
  return r.slope * c.arg + r.intercept;
}

// Holt's linear method (double_exponential_smoothing, formerly holt_winters)
// with smoothing factor c.arg and trend factor c.arg2, both in (0, 1).
std::optional<WindowValue> window_double_exponential_smoothing(const WindowContext& c) {
  if (!(c.arg > 0 && c.arg < 1)) {
    throw_error("invalid smoothing factor. Expected: 0 < sf < 1, got: " + go_percent_f(c.arg));
  }
  if (!(c.arg2 > 0 && c.arg2 < 1)) {
    throw_error("invalid trend factor. Expected: 0 < tf < 1, got: " + go_percent_f(c.arg2));
  }
  const FloatsOnly f(c);
  const Window& w = f.window();
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
  // Where notes about histograms point: the range argument, or the first
  // argument (quantile_over_time's quantile), as Prometheus's args[0].
  const Span first_arg_span = quantile ? parser::strip_parens(*call.args[0]).span : note_span;
  in.for_each_series(ev.run(), [&](const Labels& labels, bool drop_name, std::span<const Point> samples) {
    StepSeries series{labels, {}, impl.keeps_name ? drop_name : true};
    const WindowNotes notes{ev, labels.metric_name(), note_span, first_arg_span};
    const bool has_histograms = std::any_of(samples.begin(), samples.end(), [](const Point& p) { return bool(p.h); });
    std::optional<WindowValue> first;
    auto lo = samples.begin();
    for (size_t i = 0; i < ev.num_steps(); ++i) {
      if (invariant && i > 0) {
        if (first) series.points.push_back({ev.step_time(i), first->v, first->h});
        continue;
      }
      const Timestamp t = effective_time(ev.step_time(i), in.at, in.offset, ev.run().query_start, ev.run().query_end);
      // Windows only move forward for a plain range query: start the search
      // where the previous window started.
      if (lo != samples.begin() && (lo - 1)->t > t - in.range) lo = samples.begin();
      lo = std::upper_bound(lo, samples.end(), t - in.range, [](Timestamp x, const Point& p) { return x < p.t; });
      auto hi = std::upper_bound(lo, samples.end(), t, [](Timestamp x, const Point& p) { return x < p.t; });
      if (lo == hi) continue;
      WindowContext c{
          Window(&*lo, static_cast<size_t>(hi - lo)), t, in.range, scalar_arg ? (*scalar_arg)[i] : 0, ev.step_time(i),
          scalar_arg2 ? (*scalar_arg2)[i] : 0,   has_histograms, &notes};
      // Prometheus checks the quantile only where a window has floats.
      if (quantile && (!has_histograms || std::any_of(lo, hi, [](const Point& p) { return !p.h; }))) {
        ev.warn_invalid_quantiles({c.arg}, parser::strip_parens(*call.args[0]).span);
      }
      first = impl.per_window(c);
      if (first) series.points.push_back({ev.step_time(i), first->v, first->h});
    }
    // The note is about float results only, as Prometheus's.
    const bool float_result =
        std::any_of(series.points.begin(), series.points.end(), [](const Point& p) { return !p.h; });
    if (float_result && (impl.f == Function::kRate || impl.f == Function::kIncrease)) {
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
