// Range vectors: the samples a matrix selector or a subquery provides, for
// every step's window (t - range, t].
#include <algorithm>
#include <utility>

#include "eval/internal/evaluator.h"
#include "model/value.h"

namespace cogwatch::eval::internal {
namespace {

// The earliest and the latest window end over the steps (after @ and offset).
std::pair<Timestamp, Timestamp> window_ends(const Evaluator& ev, const RangeInput& in) {
  Timestamp lo = kMaxTimestamp, hi = kMinTimestamp;
  for (size_t i = 0; i < ev.num_steps(); ++i) {
    const Timestamp t = effective_time(ev.step_time(i), in.at, in.offset, ev.run().query_start, ev.run().query_end);
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  return {lo, hi};
}

RangeInput selector_input(Evaluator& ev, const parser::MatrixSelector& ms) {
  const auto& vs = std::get<parser::VectorSelector>(ms.selector->node);
  RangeInput in;
  in.range = ms.range;
  in.offset = vs.offset;
  in.at = vs.at;
  const auto [lo, hi] = window_ends(ev, in);
  in.selected = ev.querier().select(vs.matchers, lo - ms.range + 1, hi, tsdb::SeriesOrder::kUnsorted);
  in.stats_hints = ev.histogram_stats_only();
  return in;
}

RangeInput subquery_input(Evaluator& ev, const parser::SubqueryExpr& sq) {
  RangeInput in;
  in.range = sq.range;
  in.offset = sq.offset;
  in.at = sq.at;
  const Duration step = sq.step > 0 ? sq.step : ev.options().default_subquery_step;
  const auto [lo, hi] = window_ends(ev, in);
  // The inner steps are the multiples of the subquery step after the
  // window's open start (lo - range), as Prometheus's subqueryTimeRange.
  Timestamp inner_start = step * ((lo - sq.range) / step);
  if (inner_start <= lo - sq.range) inner_start += step;
  if (inner_start > hi) return in;
  Evaluator inner(ev.querier(), ev.options(), inner_start, hi, step, ev.run());
  NodeValue v = inner.eval(*sq.expr);
  for (StepSeries& s : v.matrix) {
    // Counter-reset hints say how a histogram relates to the sample stored
    // before it, which the subquery may skip or repeat: they become
    // unknown, and resets are detected from the counts as for floats (as
    // Prometheus does).
    for (Point& p : s.points) {
      if (p.h && (p.h->counter_reset_hint == CounterResetHint::kCounterReset ||
                  p.h->counter_reset_hint == CounterResetHint::kNotCounterReset)) {
        FloatHistogram h = *p.h;
        h.counter_reset_hint = CounterResetHint::kUnknown;
        p.h = HistogramRef::make(std::move(h));
      }
    }
    in.series.push_back({std::move(s.labels), std::move(s.points), s.drop_name});
  }
  return in;
}

}  // namespace

RangeInput range_input(Evaluator& ev, const parser::Expr& e) {
  if (const auto* p = e.as<parser::ParenExpr>()) return range_input(ev, *p->expr);
  if (const auto* ms = e.as<parser::MatrixSelector>()) return selector_input(ev, *ms);
  if (const auto* sq = e.as<parser::SubqueryExpr>()) return subquery_input(ev, *sq);
  throw_error("expected a range vector", ErrorCode::kInternal);
}

}  // namespace cogwatch::eval::internal
