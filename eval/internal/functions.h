// The engine's half of the PromQL function table. parser/functions.h lists
// each function's signature; function_table.cc has one FunctionImpl per
// parser::Function, in the enum's order, and a static_assert keeps the two in
// step: every function has an implementation or is marked experimental and
// not evaluated (calling it is then an error naming it).
//
// Families are one handler each over a per-function piece: element-wise
// functions over a SampleFn, range-vector functions over a WindowFn.
#pragma once

#include <optional>

#include "eval/internal/evaluator.h"
#include "parser/functions.h"

namespace cogwatch::eval::internal {

struct FunctionImpl;
// Evaluates one call of a function at every step.
using CallHandler = NodeValue (*)(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);

// Where a range-vector function's annotations go, with what they name:
// the series' metric name, and the positions Prometheus reports (the range
// argument, and the call's first argument).
struct WindowNotes {
  const Evaluator& ev;
  std::string_view metric_name;
  Span range_span;
  Span first_arg_span;

  void warn(std::string message, Span span) const {
    ev.annotations().add(Annotation::Level::kWarning, std::move(message), span);
  }
  void info(std::string message, Span span) const {
    ev.annotations().add(Annotation::Level::kInfo, std::move(message), span);
  }
  // "encountered a mix of histograms and floats for metric name ..."
  void mixed_floats_histograms() const;
  // "ignored histograms in a range containing both floats and histograms ..."
  void histograms_ignored() const;
  // "vector contains a mix of histograms with exponential and custom buckets ..."
  void mixed_exponential_custom() const;
};

// What a range-vector function sees at one step.
struct WindowContext {
  Window w;     // the samples in (t - range, t], non-empty
  Timestamp t;  // the window's end (evaluation time - offset)
  Duration range;
  double arg = 0;           // a scalar parameter (quantile, predict_linear's t, smoothing factor)
  Timestamp eval_time = 0;  // the step's time, before @ and offset
  double arg2 = 0;          // a second scalar parameter (trend factor)
  // The series has histogram samples somewhere (not necessarily in this
  // window); when false every sample is a float and w can be read as such.
  bool has_histograms = false;
  const WindowNotes* notes = nullptr;
};
// The value of one window: a float, or a histogram when h is set.
struct WindowValue {
  WindowValue(double value) : v(value) {}  // NOLINT: floats are the common case
  explicit WindowValue(HistogramRef histogram) : h(std::move(histogram)) {}
  double v = 0;
  HistogramRef h;
};
// The value for one window, or nothing (too few samples, or samples the
// function cannot combine, with an annotation saying so).
using WindowFn = std::optional<WindowValue> (*)(const WindowContext&);
// The value for one sample.
using SampleFn = double (*)(double);

struct FunctionImpl {
  parser::Function f;
  // nullptr: experimental in Prometheus and not evaluated by cogwatch.
  CallHandler eval = nullptr;
  SampleFn per_sample = nullptr;  // element-wise and date functions
  WindowFn per_window = nullptr;  // range-vector functions
  // The result keeps the input's __name__ (last_over_time, first_over_time).
  bool keeps_name = false;
  // The result depends on the evaluation time, not only on the arguments
  // (Prometheus's AtModifierUnsafeFunctions): never evaluated once for all
  // steps.
  bool reads_eval_time = false;
  // Orders a one-step evaluation's result (sort and friends); ineffective,
  // and warned about, over more steps.
  bool orders_result = false;
};

// The entry of f. Every parser::Function has one.
const FunctionImpl& function_impl(parser::Function f);

// ---- family handlers ----

// functions_window.cc: a range-vector function at every step.
NodeValue eval_over_time(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
// function_table.cc
NodeValue eval_absent(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_absent_over_time(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
// functions_sample.cc
NodeValue eval_per_sample(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_date_part(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_clamp(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_round(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_timestamp(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
// functions_sort.cc: sort, sort_desc, sort_by_label, sort_by_label_desc.
NodeValue eval_sort(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
// functions_labels.cc
NodeValue eval_label_replace(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_label_join(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
// functions_histogram.cc: classic-bucket histogram_quantile and
// histogram_fraction; the native-histogram-only functions.
NodeValue eval_histogram_quantile(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);
NodeValue eval_native_histograms_only(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl);

// ---- per-window functions (functions_window.cc) ----

std::optional<WindowValue> window_avg(const WindowContext& c);
std::optional<WindowValue> window_changes(const WindowContext& c);
std::optional<WindowValue> window_count(const WindowContext& c);
std::optional<WindowValue> window_delta(const WindowContext& c);
std::optional<WindowValue> window_deriv(const WindowContext& c);
std::optional<WindowValue> window_double_exponential_smoothing(const WindowContext& c);
std::optional<WindowValue> window_first(const WindowContext& c);
std::optional<WindowValue> window_idelta(const WindowContext& c);
std::optional<WindowValue> window_increase(const WindowContext& c);
std::optional<WindowValue> window_irate(const WindowContext& c);
std::optional<WindowValue> window_last(const WindowContext& c);
std::optional<WindowValue> window_mad(const WindowContext& c);
std::optional<WindowValue> window_max(const WindowContext& c);
std::optional<WindowValue> window_min(const WindowContext& c);
std::optional<WindowValue> window_predict_linear(const WindowContext& c);
std::optional<WindowValue> window_present(const WindowContext& c);
std::optional<WindowValue> window_quantile(const WindowContext& c);
std::optional<WindowValue> window_rate(const WindowContext& c);
std::optional<WindowValue> window_resets(const WindowContext& c);
std::optional<WindowValue> window_stddev(const WindowContext& c);
std::optional<WindowValue> window_stdvar(const WindowContext& c);
std::optional<WindowValue> window_sum(const WindowContext& c);
std::optional<WindowValue> window_ts_of_first(const WindowContext& c);
std::optional<WindowValue> window_ts_of_last(const WindowContext& c);
std::optional<WindowValue> window_ts_of_max(const WindowContext& c);
std::optional<WindowValue> window_ts_of_min(const WindowContext& c);

// ---- per-sample functions (functions_sample.cc) ----

// Go's math semantics where they differ from <cmath>'s names.
double sample_sgn(double v);
double sample_deg(double v);
double sample_rad(double v);
// Date parts of a value of Unix seconds, in UTC, as Prometheus's
// time.Unix(int64(v), 0): Go's calendar, and amd64's int64 conversion (NaN,
// ±Inf and values beyond int64 fall on 292277026596-12-04 15:30 UTC).
double sample_day_of_month(double v);
double sample_day_of_week(double v);
double sample_day_of_year(double v);
double sample_days_in_month(double v);
double sample_hour(double v);
double sample_minute(double v);
double sample_month(double v);
double sample_year(double v);

}  // namespace cogwatch::eval::internal
