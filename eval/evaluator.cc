#include "eval/internal/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "eval/internal/functions.h"
#include "eval/internal/go_time.h"
#include "model/histogram_ops.h"
#include "model/value.h"

namespace cogwatch::eval::internal {

void throw_error(std::string message, ErrorCode code) { throw EvalError{code, std::move(message)}; }

void merge_same_labelsets(StepMatrix& m) {
  if (m.size() <= 1) return;
  LabelsMap<size_t> first;  // labels -> index in merged
  first.reserve(m.size());
  StepMatrix merged;
  merged.reserve(m.size());
  for (StepSeries& s : m) {
    auto [it, inserted] = first.try_emplace(s.labels, merged.size());
    if (inserted) {
      merged.push_back(std::move(s));
      continue;
    }
    std::vector<Point>& into = merged[it->second].points;
    std::vector<Point> points;
    points.reserve(into.size() + s.points.size());
    std::merge(into.begin(), into.end(), s.points.begin(), s.points.end(), std::back_inserter(points),
               [](const Point& a, const Point& b) { return a.t < b.t; });
    for (size_t i = 1; i < points.size(); ++i) {
      if (points[i].t == points[i - 1].t) throw_error(std::string(kDuplicateLabelsetError));
    }
    into = std::move(points);
  }
  m = std::move(merged);
}

void remove_dropped_names(StepMatrix& m) {
  bool dropped = false;
  for (StepSeries& s : m) {
    if (s.drop_name && s.labels.has(kMetricNameLabel)) {
      s.labels = LabelsBuilder(s.labels).del(kMetricNameLabel).build();
      dropped = true;
    }
    s.drop_name = false;
  }
  if (dropped) merge_same_labelsets(m);
}

bool step_invariant(const parser::Expr& e) {
  using namespace parser;
  if (e.as<NumberLiteral>() != nullptr || e.as<StringLiteral>() != nullptr) return true;
  if (const auto* vs = e.as<VectorSelector>()) return vs->at.has_value();
  if (const auto* ms = e.as<MatrixSelector>()) return step_invariant(*ms->selector);
  if (const auto* sq = e.as<SubqueryExpr>()) return sq->at.has_value();
  if (const auto* p = e.as<ParenExpr>()) return step_invariant(*p->expr);
  if (const auto* u = e.as<UnaryExpr>()) return step_invariant(*u->expr);
  if (const auto* b = e.as<BinaryExpr>()) return step_invariant(*b->lhs) && step_invariant(*b->rhs);
  // Only the aggregated expression counts, not the parameter (as upstream).
  if (const auto* a = e.as<AggregateExpr>()) return step_invariant(*a->expr);
  if (const auto* c = e.as<Call>()) {
    const bool args_invariant =
        std::all_of(c->args.begin(), c->args.end(), [](const ExprPtr& a) { return step_invariant(*a); });
    if (!function_impl(c->func).reads_eval_time) return args_invariant;
    // timestamp(selector @ t) is invariant, timestamp(abs(selector @ t)) is not.
    return c->func == Function::kTimestamp && args_invariant && c->args[0]->as<VectorSelector>() != nullptr;
  }
  return false;
}

Timestamp effective_time(Timestamp ts, const std::optional<parser::AtModifier>& at, Duration offset, Timestamp start,
                         Timestamp end) {
  if (at) {
    switch (at->kind) {
      case parser::AtModifier::Kind::kStart: ts = start; break;
      case parser::AtModifier::Kind::kEnd: ts = end; break;
      case parser::AtModifier::Kind::kTimestamp: ts = at->timestamp; break;
    }
  }
  return ts - offset;
}

void AnnotationSink::add(Annotation::Level level, std::string message, Span span) {
  if (out_ == nullptr) return;
  auto same_text = [&](const Annotation& a) { return a.level == level && a.message == message; };
  if (auto it = std::find_if(out_->begin(), out_->end(), same_text); it != out_->end()) {
    it->span = span;
  } else {
    out_->push_back({level, std::move(message), span});
  }
}

namespace {

// Go's %.2g.
std::string go_percent_2g(double v) {
  if (std::isnan(v) || std::isinf(v)) return format_float(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

}  // namespace

void AnnotationSink::add_forced_monotonicity(std::string_view metric_name, Span span, Timestamp t,
                                             const MonotonicityFix& fix) {
  if (out_ == nullptr) return;
  std::string text =
      "input to histogram_quantile needed to be fixed for monotonicity (see "
      "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
  if (!metric_name.empty()) text += " for metric name " + go_quote(metric_name);
  auto it = std::find_if(fixes_.begin(), fixes_.end(), [&](const MergedFix& m) { return m.text == text; });
  if (it == fixes_.end()) {
    out_->push_back({Annotation::Level::kInfo, {}, span});
    it = fixes_.insert(fixes_.end(), {std::move(text), out_->size() - 1, t, t, fix, 0});
  } else {
    it->first = std::min(it->first, t);
    it->last = std::max(it->last, t);
    it->fix.min_bucket = std::min(it->fix.min_bucket, fix.min_bucket);
    it->fix.max_bucket = std::max(it->fix.max_bucket, fix.max_bucket);
    it->fix.max_diff = std::max(it->fix.max_diff, fix.max_diff);
  }
  ++it->samples;
  (*out_)[it->index].message = it->text + ", from buckets " + format_float(it->fix.min_bucket) + " to " +
                               format_float(it->fix.max_bucket) + ", with a max diff of " +
                               go_percent_2g(it->fix.max_diff) + ", over " + std::to_string(it->samples) +
                               " samples from " + go_rfc3339(it->first / 1000) + " to " + go_rfc3339(it->last / 1000);
}

Evaluator::Evaluator(const tsdb::Querier& querier, const EngineOptions& options, Timestamp start, Timestamp end,
                     Duration step, QueryRun& run)
    : querier_(querier),
      options_(options),
      start_(start),
      end_(end),
      step_(step),
      num_steps_(static_cast<size_t>((end - start) / step) + 1),
      run_(run) {
  // Every node holds a value per step: bound the steps like the samples
  // (a subquery such as foo[1y:1ms] would otherwise exhaust memory).
  if (end < start || step <= 0 || static_cast<uint64_t>((end - start) / step) >= options_.max_samples) {
    throw_error("query processing would load too many samples into memory in query execution",
                ErrorCode::kResourceExhausted);
  }
}

void Evaluator::warn_invalid_quantiles(const std::vector<double>& qs, Span span) {
  for (double q : qs) {
    if (std::isnan(q) || q < 0 || q > 1) {
      annotate(Annotation::Level::kWarning, "quantile value should be between 0 and 1, got " + format_float(q), span);
    }
  }
}

void Evaluator::add_samples(uint64_t n) {
  samples_in_memory_ += n;
  run_.note_held(samples_in_memory_);
  if (samples_in_memory_ > options_.max_samples) {
    throw_error("query processing would load too many samples into memory in query execution",
                ErrorCode::kResourceExhausted);
  }
  run_.check_deadline();
}

void StatsHints::apply(Point& p) {
  if (!p.h || is_stale_nan(p.h->sum)) return;
  if (p.h->counter_reset_hint == CounterResetHint::kUnknown && last_) {
    FloatHistogram h = *p.h;
    h.counter_reset_hint =
        histogram_detect_reset(h, *last_) ? CounterResetHint::kCounterReset : CounterResetHint::kNotCounterReset;
    p.h = HistogramRef::make(std::move(h));
  }
  last_ = p.h;
}

// Counts the calls and operators on the path from the root to the node
// being evaluated that decide histogram_stats_only().
struct PathScope {
  PathScope(Evaluator& ev, int Evaluator::*counter) : ev_(ev), counter_(counter) { ++(ev_.*counter_); }
  ~PathScope() { --(ev_.*counter_); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  Evaluator& ev_;
  int Evaluator::*counter_;
};

NodeValue Evaluator::eval(const parser::Expr& e) {
  using namespace parser;
  NodeValue out;
  if (const auto* n = e.as<NumberLiteral>()) {
    out.type = ValueType::kScalar;
    out.scalars.assign(num_steps_, n->value);
    return out;
  }
  if (const auto* s = e.as<StringLiteral>()) {
    out.type = ValueType::kString;
    out.str = s->value;
    return out;
  }
  if (const auto* p = e.as<ParenExpr>()) return eval(*p->expr);
  if (const auto* vs = e.as<VectorSelector>()) return eval_selector(*vs);
  if (const auto* c = e.as<Call>()) {
    switch (c->func) {
      case Function::kHistogramCount:
      case Function::kHistogramSum:
      case Function::kHistogramAvg: {
        PathScope scope(*this, &Evaluator::stats_calls_);
        return eval_call(e, *c);
      }
      case Function::kHistogramQuantile:
      case Function::kHistogramFraction: {
        PathScope scope(*this, &Evaluator::bucket_users_);
        return eval_call(e, *c);
      }
      default: return eval_call(e, *c);
    }
  }
  if (const auto* a = e.as<AggregateExpr>()) return eval_aggregate(*a, e.span);
  if (const auto* b = e.as<BinaryExpr>()) {
    if (b->op == BinaryOp::kTrimUpper || b->op == BinaryOp::kTrimLower) {
      PathScope scope(*this, &Evaluator::bucket_users_);
      return eval_binary(*b, e.span);
    }
    return eval_binary(*b, e.span);
  }
  if (const auto* u = e.as<UnaryExpr>()) return eval_unary(*u);
  throw_error("range vectors can only be evaluated by functions or as the whole instant query");
}

NodeValue Evaluator::eval_at_start(const parser::Expr& e) {
  Evaluator once(querier_, options_, start_, start_, step_, run_);
  once.stats_calls_ = stats_calls_;
  once.bucket_users_ = bucket_users_;
  NodeValue v = once.eval(e);
  if (v.type == parser::ValueType::kScalar) v.scalars.assign(num_steps_, v.scalars.front());
  return v;
}

NodeValue Evaluator::eval_selector(const parser::VectorSelector& vs, bool sample_timestamps) {
  NodeValue out;
  out.type = parser::ValueType::kVector;
  const Duration lookback = options_.lookback_delta;
  Timestamp lo = kMaxTimestamp, hi = kMinTimestamp;
  std::vector<Timestamp> eff(num_steps_);
  for (size_t i = 0; i < num_steps_; ++i) {
    eff[i] = effective_time(step_time(i), vs.at, vs.offset, run_.query_start, run_.query_end);
    lo = std::min(lo, eff[i]);
    hi = std::max(hi, eff[i]);
  }
  const bool stats_hints = histogram_stats_only();
  for (const tsdb::SeriesData& d : querier_.select(vs.matchers, lo - lookback + 1, hi, tsdb::SeriesOrder::kUnsorted)) {
    run_.check_deadline();
    StepSeries s{d.labels, {}, false};
    tsdb::SeriesIterator it = d.iterator();
    uint64_t read = 0;
    bool have_prev = false, have_next = false;
    Point prev, next;
    StatsHints hints;
    uint64_t units = 0;  // against max_samples (sample_units)
    for (size_t i = 0; i < num_steps_; ++i) {
      const Timestamp t = eff[i];
      if (have_prev && prev.t > t) {
        // Only with @ and offset can eff go backwards; they are constant
        // then, so this does not happen. Restart to stay correct anyway.
        it = d.iterator();
        have_prev = have_next = false;
        hints.forget();
      }
      // Prometheus seeks past samples older than the lookback window,
      // which forgets the histogram its stats iterator compares with.
      if (have_prev && prev.t < t - lookback) hints.forget();
      while (true) {
        if (!have_next) {
          if (!it.next()) break;
          ++read;
          next = current_point(it);
          if (stats_hints) hints.apply(next);
          have_next = true;
        }
        if (next.t > t) break;
        prev = next;
        have_prev = true;
        have_next = false;
      }
      if (have_prev && prev.t > t - lookback && !is_stale(prev)) {
        if (sample_timestamps) {
          s.points.push_back({step_time(i), static_cast<double>(prev.t) / 1000});
          ++units;
        } else {
          s.points.push_back({step_time(i), prev.v, prev.h});
          units += sample_units(prev.h);
        }
      }
    }
    run_.count_read(read);
    if (!it.err().ok()) throw_error(it.err().error().message, ErrorCode::kInternal);
    if (!s.points.empty()) {
      add_samples(units);
      out.matrix.push_back(std::move(s));
    }
  }
  return out;
}

NodeValue Evaluator::eval_unary(const parser::UnaryExpr& u) {
  NodeValue v = eval(*u.expr);
  if (!u.negate) return v;
  for (double& x : v.scalars) x = -x;
  for (StepSeries& s : v.matrix) {
    for (Point& p : s.points) {
      if (p.h) {
        FloatHistogram h = *p.h;
        p.h = HistogramRef::make(std::move(h.mul(-1)));
      } else {
        p.v = -p.v;
      }
    }
    s.drop_name = true;
  }
  return v;
}

StepMatrix Evaluator::eval_range_vector(const parser::Expr& e) {
  // Only used for an instant query (one step) of foo[5m] or a subquery.
  StepMatrix out;
  RangeInput in = range_input(*this, e);
  const Timestamp t = effective_time(start_, in.at, in.offset, run_.query_start, run_.query_end);
  in.for_each_series(run_, [&](const Labels& labels, bool drop_name, std::span<const Point> samples) {
    StepSeries series{labels, {}, drop_name};
    for (const Point& p : samples) {
      if (p.t > t - in.range && p.t <= t) series.points.push_back(p);
    }
    if (!series.points.empty()) out.push_back(std::move(series));
  });
  return out;
}

}  // namespace cogwatch::eval::internal
