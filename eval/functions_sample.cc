// Functions of each sample's value: element-wise math, clamp, round, date
// parts and timestamp(). All of them drop the metric name (delayed).
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "eval/internal/functions.h"
#include "eval/internal/math.h"

namespace cogwatch::eval::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Prometheus's date functions take time.Unix(int64(v), 0).UTC(). Go's
// float-to-int64 conversion truncates; for NaN, ±Inf and values outside
// int64 the result is the CPU's: amd64 (Prometheus's reference platform)
// gives INT64_MIN, which the calendar below wraps to 292277026596-12-04.
// (arm64 would give 0 for NaN, so there Prometheus says 1970 for NaN.)
int64_t go_int64(double v) {
  if (!(v >= -0x1p63 && v < 0x1p63)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// A time of day and date in UTC, as Go's time package computes them.
struct GoDate {
  int64_t year;
  int month;    // 1-12
  int day;      // 1-31
  int yday;     // 0-365
  int weekday;  // Sunday = 0
  int hour, minute;
};

bool is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Go counts seconds as a uint64 from its absolute zero year (-292277022399,
// 1 mod 400, starting on a Monday) and splits them into 400-, 100-, 4- and
// 1-year cycles, as here; the unsigned arithmetic wraps where Go's does.
GoDate go_utc(int64_t unix_seconds) {
  constexpr int64_t kAbsoluteZeroYear = -292277022399;
  constexpr uint64_t kDaysPer400Years = 365 * 400 + 97, kDaysPer100Years = 365 * 100 + 24, kDaysPer4Years = 365 * 4 + 1;
  // 1970-01-01 in seconds from the absolute zero year: 400-year cycles to
  // year 1, then year 1 to 1970.
  constexpr uint64_t kUnixToAbsolute = ((1 - kAbsoluteZeroYear) / 400 * kDaysPer400Years + 719162) * 86400;
  const uint64_t abs = static_cast<uint64_t>(unix_seconds) + kUnixToAbsolute;
  GoDate g{};
  g.hour = static_cast<int>(abs % 86400 / 3600);
  g.minute = static_cast<int>(abs % 3600 / 60);
  g.weekday = static_cast<int>((abs + 86400) % (7 * 86400) / 86400);
  uint64_t d = abs / 86400;
  uint64_t n = d / kDaysPer400Years;
  uint64_t y = 400 * n;
  d -= kDaysPer400Years * n;
  n = d / kDaysPer100Years;
  n -= n >> 2;  // the last day of a 400-year cycle
  y += 100 * n;
  d -= kDaysPer100Years * n;
  n = d / kDaysPer4Years;
  y += 4 * n;
  d -= kDaysPer4Years * n;
  n = d / 365;
  n -= n >> 2;  // the last day of a 4-year cycle
  y += n;
  d -= 365 * n;
  g.year = static_cast<int64_t>(y) + kAbsoluteZeroYear;
  g.yday = static_cast<int>(d);
  g.month = 1;
  int day = g.yday;
  while (day >= days_in(g.year, g.month)) day -= days_in(g.year, g.month++);
  g.day = day + 1;
  return g;
}

GoDate go_utc(double seconds) { return go_utc(go_int64(seconds)); }

// Marks every series of v for name removal.
NodeValue dropping_names(NodeValue v) {
  for (StepSeries& s : v.matrix) s.drop_name = true;
  return v;
}

}  // namespace

double sample_sgn(double v) { return v > 0 ? 1 : v < 0 ? -1 : v; }
double sample_deg(double v) { return v * 180 / std::numbers::pi; }
double sample_rad(double v) { return v * std::numbers::pi / 180; }

double sample_day_of_month(double v) { return go_utc(v).day; }
double sample_day_of_week(double v) { return go_utc(v).weekday; }
double sample_day_of_year(double v) { return go_utc(v).yday + 1; }
double sample_days_in_month(double v) {
  const GoDate g = go_utc(v);
  return days_in(g.year, g.month);
}
double sample_hour(double v) { return go_utc(v).hour; }
double sample_minute(double v) { return go_utc(v).minute; }
double sample_month(double v) { return go_utc(v).month; }
double sample_year(double v) { return static_cast<double>(go_utc(v).year); }

NodeValue eval_per_sample(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  NodeValue v = ev.eval(*call.args[0]);
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
  NodeValue v = ev.eval(*call.args[0]);
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
  NodeValue v = ev.eval(*call.args[0]);
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
    for (Point& p : s.points) p.v = static_cast<double>(p.t) / 1000;
  }
  return dropping_names(std::move(v));
}

}  // namespace cogwatch::eval::internal
