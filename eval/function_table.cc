// The function table: one FunctionImpl per parser::Function, in the enum's
// order, and the dispatch of a call through it. The simplest functions live
// here too.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "eval/internal/go_math.h"
#include "eval/internal/functions.h"

namespace cogwatch::eval::internal {
namespace {

using parser::Function;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

NodeValue scalar_per_step(const Evaluator& ev, double (*value_at)(Timestamp)) {
  NodeValue out;
  out.type = parser::ValueType::kScalar;
  out.scalars.reserve(ev.num_steps());
  for (size_t i = 0; i < ev.num_steps(); ++i) out.scalars.push_back(value_at(ev.step_time(i)));
  return out;
}

NodeValue eval_time(Evaluator& ev, const parser::Call&, const FunctionImpl&) {
  return scalar_per_step(ev, [](Timestamp t) { return static_cast<double>(t) / 1000; });
}

NodeValue eval_pi(Evaluator& ev, const parser::Call&, const FunctionImpl&) {
  return scalar_per_step(ev, [](Timestamp) { return std::numbers::pi; });
}

// vector(s): one series without labels.
NodeValue eval_vector(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  const NodeValue s = ev.eval(*call.args[0]);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  StepSeries series;
  for (size_t i = 0; i < ev.num_steps(); ++i) series.points.push_back({ev.step_time(i), s.scalars[i]});
  out.matrix.push_back(std::move(series));
  return out;
}

// scalar(v): the value of a vector with exactly one float, else NaN
// (histograms do not count).
NodeValue eval_scalar(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  const NodeValue v = ev.eval(*call.args[0]);
  NodeValue out;
  out.type = parser::ValueType::kScalar;
  out.scalars.assign(ev.num_steps(), kNaN);
  std::vector<size_t> count(ev.num_steps(), 0);
  for (const StepSeries& s : v.matrix) {
    for (const Point& p : s.points) {
      if (p.h) continue;
      const size_t i = ev.step_index(p.t);
      out.scalars[i] = ++count[i] == 1 ? p.v : kNaN;
    }
  }
  return out;
}

// Labels for absent(): the equality matchers of a selector argument, as
// Prometheus's createLabelsForAbsentFunction. A label named again by a later
// matcher (of any kind) is left out, so the outcome follows matcher order:
// {job="a", job=~"b"} gives no job, {job=~"b", job="a"} gives job="a".
Labels absent_labels(const parser::Expr& arg) {
  const parser::Expr* e = &parser::strip_parens(arg);
  const parser::VectorSelector* vs = e->as<parser::VectorSelector>();
  if (const auto* ms = e->as<parser::MatrixSelector>()) vs = ms->selector->as<parser::VectorSelector>();
  if (vs == nullptr) return {};
  LabelsBuilder b;
  std::vector<std::string_view> set_once;
  for (const LabelMatcher& m : vs->matchers) {
    if (m.name() == kMetricNameLabel) continue;
    if (m.type() == MatchType::kEqual && std::find(set_once.begin(), set_once.end(), m.name()) == set_once.end()) {
      b.set(m.name(), m.value());
      set_once.push_back(m.name());
    } else {
      b.del(m.name());
    }
  }
  return b.build();
}

// 1 at the steps where `present` has no sample, labelled from arg's
// equality matchers.
NodeValue absent_where_missing(const Evaluator& ev, const NodeValue& present, const parser::Expr& arg) {
  std::vector<bool> seen(ev.num_steps(), false);
  for (const StepSeries& s : present.matrix) {
    for (const Point& p : s.points) seen[ev.step_index(p.t)] = true;
  }
  NodeValue out;
  out.type = parser::ValueType::kVector;
  StepSeries series{absent_labels(arg), {}, false};
  for (size_t i = 0; i < ev.num_steps(); ++i) {
    if (!seen[i]) series.points.push_back({ev.step_time(i), 1});
  }
  if (!series.points.empty()) out.matrix.push_back(std::move(series));
  return out;
}

constexpr FunctionImpl per_sample(Function f, SampleFn fn) { return {f, eval_per_sample, fn}; }
constexpr FunctionImpl date_part(Function f, SampleFn fn) {
  return {.f = f, .eval = eval_date_part, .per_sample = fn, .reads_eval_time = true};
}
constexpr FunctionImpl over_time(Function f, WindowFn fn, bool keeps_name = false) {
  return {.f = f, .eval = eval_over_time, .per_window = fn, .keeps_name = keeps_name};
}
constexpr FunctionImpl special(Function f, CallHandler eval, bool reads_eval_time = false) {
  return {.f = f, .eval = eval, .reads_eval_time = reads_eval_time};
}
constexpr FunctionImpl sorting(Function f) { return {.f = f, .eval = eval_sort, .orders_result = true}; }
// For an experimental Prometheus function cogwatch does not evaluate:
// calling it is an error naming it.
[[maybe_unused]] constexpr FunctionImpl not_evaluated(Function f) { return {.f = f}; }

// In the order of parser::Function (checked below).
constexpr std::array<FunctionImpl, parser::kNumFunctions> kImpls = {{
    per_sample(Function::kAbs, [](double v) { return std::fabs(v); }),
    special(Function::kAbsent, eval_absent),
    special(Function::kAbsentOverTime, eval_absent_over_time),
    per_sample(Function::kAcos, [](double v) { return std::acos(v); }),
    per_sample(Function::kAcosh, [](double v) { return std::acosh(v); }),
    per_sample(Function::kAsin, [](double v) { return std::asin(v); }),
    per_sample(Function::kAsinh, [](double v) { return std::asinh(v); }),
    per_sample(Function::kAtan, [](double v) { return std::atan(v); }),
    per_sample(Function::kAtanh, [](double v) { return std::atanh(v); }),
    over_time(Function::kAvgOverTime, window_avg),
    per_sample(Function::kCeil, [](double v) { return std::ceil(v); }),
    over_time(Function::kChanges, window_changes),
    special(Function::kClamp, eval_clamp),
    special(Function::kClampMax, eval_clamp),
    special(Function::kClampMin, eval_clamp),
    per_sample(Function::kCos, [](double v) { return std::cos(v); }),
    per_sample(Function::kCosh, [](double v) { return std::cosh(v); }),
    over_time(Function::kCountOverTime, window_count),
    date_part(Function::kDayOfMonth, sample_day_of_month),
    date_part(Function::kDayOfWeek, sample_day_of_week),
    date_part(Function::kDayOfYear, sample_day_of_year),
    date_part(Function::kDaysInMonth, sample_days_in_month),
    per_sample(Function::kDeg, sample_deg),
    over_time(Function::kDelta, window_delta),
    over_time(Function::kDeriv, window_deriv),
    over_time(Function::kDoubleExponentialSmoothing, window_double_exponential_smoothing),
    per_sample(Function::kExp, [](double v) { return std::exp(v); }),
    over_time(Function::kFirstOverTime, window_first, /*keeps_name=*/true),
    per_sample(Function::kFloor, [](double v) { return std::floor(v); }),
    special(Function::kHistogramAvg, eval_native_histograms_only),
    special(Function::kHistogramCount, eval_native_histograms_only),
    special(Function::kHistogramFraction, eval_histogram_quantile),
    special(Function::kHistogramQuantile, eval_histogram_quantile),
    special(Function::kHistogramStddev, eval_native_histograms_only),
    special(Function::kHistogramStdvar, eval_native_histograms_only),
    special(Function::kHistogramSum, eval_native_histograms_only),
    date_part(Function::kHour, sample_hour),
    over_time(Function::kIdelta, window_idelta),
    over_time(Function::kIncrease, window_increase),
    over_time(Function::kIrate, window_irate),
    special(Function::kLabelJoin, eval_label_join),
    special(Function::kLabelReplace, eval_label_replace),
    over_time(Function::kLastOverTime, window_last, /*keeps_name=*/true),
    per_sample(Function::kLn, go_log),
    per_sample(Function::kLog10, go_log10),
    per_sample(Function::kLog2, go_log2),
    over_time(Function::kMadOverTime, window_mad),
    over_time(Function::kMaxOverTime, window_max),
    over_time(Function::kMinOverTime, window_min),
    date_part(Function::kMinute, sample_minute),
    date_part(Function::kMonth, sample_month),
    special(Function::kPi, eval_pi),
    {.f = Function::kPredictLinear,
     .eval = eval_over_time,
     .per_window = window_predict_linear,
     .reads_eval_time = true},
    over_time(Function::kPresentOverTime, window_present),
    over_time(Function::kQuantileOverTime, window_quantile),
    per_sample(Function::kRad, sample_rad),
    over_time(Function::kRate, window_rate),
    over_time(Function::kResets, window_resets),
    special(Function::kRound, eval_round),
    special(Function::kScalar, eval_scalar),
    per_sample(Function::kSgn, sample_sgn),
    per_sample(Function::kSin, [](double v) { return std::sin(v); }),
    per_sample(Function::kSinh, [](double v) { return std::sinh(v); }),
    sorting(Function::kSort),
    sorting(Function::kSortByLabel),
    sorting(Function::kSortByLabelDesc),
    sorting(Function::kSortDesc),
    per_sample(Function::kSqrt, [](double v) { return std::sqrt(v); }),
    over_time(Function::kStddevOverTime, window_stddev),
    over_time(Function::kStdvarOverTime, window_stdvar),
    over_time(Function::kSumOverTime, window_sum),
    per_sample(Function::kTan, [](double v) { return std::tan(v); }),
    per_sample(Function::kTanh, [](double v) { return std::tanh(v); }),
    special(Function::kTime, eval_time, /*reads_eval_time=*/true),
    special(Function::kTimestamp, eval_timestamp, /*reads_eval_time=*/true),
    over_time(Function::kTsOfFirstOverTime, window_ts_of_first),
    over_time(Function::kTsOfLastOverTime, window_ts_of_last),
    over_time(Function::kTsOfMaxOverTime, window_ts_of_max),
    over_time(Function::kTsOfMinOverTime, window_ts_of_min),
    special(Function::kVector, eval_vector),
    date_part(Function::kYear, sample_year),
}};

// Every row is the function of its index: a function added to the parser
// without a row here (an implementation or an explicit not_evaluated())
// shifts the rows after it and fails to compile. The families' handlers
// have their per-function piece.
constexpr bool table_in_step_with_parser() {
  for (size_t i = 0; i < kImpls.size(); ++i) {
    const FunctionImpl& impl = kImpls[i];
    if (impl.f != static_cast<Function>(i)) return false;
    if ((impl.eval == eval_per_sample || impl.eval == eval_date_part) != (impl.per_sample != nullptr)) return false;
    if ((impl.eval == eval_over_time) != (impl.per_window != nullptr)) return false;
  }
  return true;
}
static_assert(table_in_step_with_parser(),
              "kImpls must have one row per parser::Function, in enum order (tests/eval/function_table_test.cc "
              "checks that rows without a handler are experimental functions)");

}  // namespace

const FunctionImpl& function_impl(Function f) { return kImpls[static_cast<size_t>(f)]; }

NodeValue eval_absent(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  return absent_where_missing(ev, ev.eval(*call.args[0]), *call.args[0]);
}

NodeValue eval_absent_over_time(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  return absent_where_missing(ev, eval_over_time(ev, call, function_impl(Function::kPresentOverTime)), *call.args[0]);
}

NodeValue Evaluator::eval_call(const parser::Expr& e, const parser::Call& call) {
  const FunctionImpl& impl = function_impl(call.func);
  if (impl.eval == nullptr) {
    throw_error("function \"" + std::string(parser::function_info(call.func).name) +
                "\" is experimental and not evaluated by cogwatch");
  }
  NodeValue result = impl.eval(*this, call, impl);
  // Warned even when the argument selects nothing, as Prometheus does.
  if (impl.orders_result && spans_instants(e)) {
    annotate(Annotation::Level::kWarning,
             "sort is ineffective for range queries since results are always ordered by labels", e.span);
  }
  return result;
}

}  // namespace cogwatch::eval::internal
