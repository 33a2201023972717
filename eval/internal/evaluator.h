// The evaluator behind Engine: evaluates every node of an expression at all
// steps of a query at once, as Prometheus's rangeEval does. A vector-valued
// node yields a StepMatrix (one row per series, values at the steps where
// the series is present); a scalar node yields one value per step.
//
// Runtime errors are thrown as EvalError inside this module and turned into
// Result values by Engine.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/engine.h"
#include "eval/internal/math.h"
#include "eval/value.h"
#include "model/labels_map.h"
#include "model/value.h"
#include "parser/ast.h"
#include "tsdb/querier.h"

namespace cogwatch::eval::internal {

struct EvalError {
  ErrorCode code;
  std::string message;
};
[[noreturn]] void throw_error(std::string message, ErrorCode code = ErrorCode::kInvalidArgument);

// The error of two samples with the same labels at one step.
inline constexpr std::string_view kDuplicateLabelsetError = "vector cannot contain metrics with the same labelset";

// One series over the steps of a query. A node's matrix holds no series
// without points (each node drops those it empties).
struct StepSeries {
  Labels labels;
  std::vector<Point> points;  // at step timestamps, ascending
  // __name__ goes at the end (Prometheus 3's delayed name removal): until
  // then the name still takes part in grouping and matching.
  bool drop_name = false;
};
using StepMatrix = std::vector<StepSeries>;

// One element of an instant vector at one step: a float, or a histogram
// when h is set.
struct StepSample {
  Labels labels;
  double v = 0;
  bool drop_name = false;
  HistogramRef h;
};
using StepVector = std::vector<StepSample>;

// The result of evaluating a node.
struct NodeValue {
  parser::ValueType type = parser::ValueType::kNone;
  StepMatrix matrix;            // kVector (and kMatrix at the top of an instant query)
  std::vector<double> scalars;  // kScalar: one per step
  std::string str;              // kString
};

// Samples of one series in time order, for range-vector functions.
using Window = std::span<const Point>;

// Collects samples, step by step, into one series per distinct label set.
// A series keeps the drop_name of its first sample (as Prometheus's
// rangeEval does).
class StepCollector {
 public:
  // Appends (t, v) or (t, h) to the series `labels`. Errors
  // (kDuplicateLabelsetError) when that series already has a sample at t.
  // REQUIRES: t never decreases.
  void add(Labels labels, Timestamp t, double v, bool drop_name, HistogramRef h = {}) {
    auto [it, inserted] = index_.try_emplace(labels, rows_.size());
    if (inserted) {
      rows_.push_back({std::move(labels), {}, drop_name});
    } else if (std::vector<Point>& p = rows_[it->second].points; !p.empty() && p.back().t == t) {
      throw_error(std::string(kDuplicateLabelsetError));
    }
    rows_[it->second].points.push_back({t, v, std::move(h)});
  }
  StepMatrix take() { return std::move(rows_); }

 private:
  LabelsMap<size_t> index_;  // labels -> row
  StepMatrix rows_;
};

// Merges series with equal labels into one, as Prometheus's
// mergeSeriesWithSameLabelset: after relabelling (label_replace,
// label_join) and after names are removed at the end. The first series of
// each label set keeps its place and its drop_name. Errors
// (kDuplicateLabelsetError) when two of them have a sample at one time.
void merge_same_labelsets(StepMatrix& m);

// Removes __name__ from the series marked drop_name, then merges those that
// became equal (Prometheus's cleanupMetricLabels at the end of a query).
void remove_dropped_names(StepMatrix& m);

// Whether Prometheus evaluates e once for the whole query (engine.go's
// preprocessExprHelper: selectors and subqueries with @, and what depends
// only on them and on literals, go in a StepInvariantExpr).
bool step_invariant(const parser::Expr& e);

// The warnings and notes of one query, shared by all its evaluators
// (subqueries, parts evaluated once), kept as Prometheus's annotations map
// keeps them. Not thread-safe: one per query.
class AnnotationSink {
 public:
  // Into *out; with nullptr (the caller did not ask) nothing is kept.
  explicit AnnotationSink(Annotations* out) : out_(out) {}

  // One per text: a text reported again moves to the later position. Nodes
  // report their own annotations after their operands', which is the order
  // Prometheus merges them in.
  void add(Annotation::Level level, std::string message, Span span);

  // histogram_quantile's note that it made a histogram's counts monotonic:
  // one per metric name, merged over series and steps as Prometheus's
  // histogramQuantileForcedMonotonicityErr (the buckets fixed, the largest
  // fix, how many samples and when; the first position stays). t is the
  // step's time.
  void add_forced_monotonicity(std::string_view metric_name, Span span, Timestamp t, const MonotonicityFix& fix);

 private:
  struct MergedFix {
    std::string text;  // the note before its details
    size_t index;      // in *out_
    Timestamp first, last;
    MonotonicityFix fix;
    int64_t samples;
  };
  Annotations* out_;
  std::vector<MergedFix> fixes_;
};

// What all evaluators of one query share: its annotations, its deadline
// and its counters. Not thread-safe: one per query.
class QueryRun {
 public:
  explicit QueryRun(const QueryContext& context) : annotations(context.annotations), context_(context) {}

  // Throws kTimeout "query timed out in <where>" once the deadline is
  // reached. One clock read; callers call it per series or per step.
  void check_deadline(std::string_view where = "expression evaluation") const {
    if (!context_.deadline) return;
    const auto now = context_.now ? context_.now() : QueryContext::SteadyClock::now();
    if (now >= *context_.deadline) throw_error("query timed out in " + std::string(where), ErrorCode::kTimeout);
  }
  void count_read(uint64_t n) {
    if (context_.stats != nullptr) context_.stats->samples_read += n;
  }
  void note_held(uint64_t n) {
    if (context_.stats != nullptr && n > context_.stats->peak_samples) context_.stats->peak_samples = n;
  }

  AnnotationSink annotations;
  // What `@ start()` and `@ end()` mean everywhere in the query, subqueries
  // included: the query's own start and end.
  Timestamp query_start = 0, query_end = 0;

 private:
  const QueryContext& context_;
};

class Evaluator {
 public:
  Evaluator(const tsdb::Querier& querier, const EngineOptions& options, Timestamp start, Timestamp end, Duration step,
            QueryRun& run);

  // Records a warning or note (see AnnotationSink::add).
  void annotate(Annotation::Level level, std::string message, Span span) {
    run_.annotations.add(level, std::move(message), span);
  }
  // Warns about quantiles outside [0, 1] (Prometheus's InvalidQuantileWarning).
  void warn_invalid_quantiles(const std::vector<double>& qs, Span span);

  NodeValue eval(const parser::Expr& e);
  // A scalar or string expression evaluated at the first step only, its
  // value repeated at every step, as Prometheus evaluates a step-invariant
  // subtree (engine.go's StepInvariantExpr). REQUIRES: e is not a vector.
  NodeValue eval_at_start(const parser::Expr& e);
  // For an instant query of a range-vector expression: the raw samples of
  // each series, with drop_name from a subquery's inner expression.
  StepMatrix eval_range_vector(const parser::Expr& e);
  // The selector with each value replaced by its sample's timestamp, for
  // timestamp(selector).
  NodeValue eval_selector_timestamps(const parser::VectorSelector& vs) { return eval_selector(vs, true); }

  size_t num_steps() const { return num_steps_; }
  Timestamp start() const { return start_; }
  Timestamp end() const { return end_; }
  Duration step() const { return step_; }
  Timestamp step_time(size_t i) const { return start_ + static_cast<Timestamp>(i) * step_; }
  // The step of a point of this evaluation. REQUIRES: t is a step time.
  size_t step_index(Timestamp t) const { return static_cast<size_t>((t - start_) / step_); }
  // Whether evaluation spans more than one instant the way Prometheus's
  // evaluator sees it (its start and end differ), outside subtrees it
  // evaluates once (see step_invariant()).
  bool spans_instants(const parser::Expr& e) const { return start_ != end_ && !step_invariant(e); }

  // Steps one or more vector arguments together: for each step, calls
  // fn(step, time, inputs, out) with the arguments' samples at that step
  // and collects what fn appends to out into series. Errors if fn yields
  // two samples with the same labels at one step.
  template <typename Fn>
  StepMatrix step_vectors(const std::vector<const StepMatrix*>& args, Fn&& fn);

  // Counts n more samples held (sample_units: a histogram counts as
  // more); errors past max_samples or the deadline. Operators call it once
  // per step, selectors once per series.
  void add_samples(uint64_t n);

  const tsdb::Querier& querier() const { return querier_; }
  const EngineOptions& options() const { return options_; }
  AnnotationSink& annotations() const { return run_.annotations; }
  QueryRun& run() const { return run_; }

  // Whether the selectors being evaluated feed only histogram_count,
  // histogram_sum or histogram_avg (no subquery, histogram_quantile,
  // histogram_fraction or trim on the way): Prometheus reads them with its
  // HistogramStatsIterator then, which gives each histogram whose counter-
  // reset hint is unknown the hint found by comparing it with the sample
  // read before it. The hints show in aggregation (conflicting counter
  // resets) and binary operators; cogwatch keeps the buckets but sets the
  // hints the same way (see StatsHints).
  bool histogram_stats_only() const { return stats_calls_ > 0 && bucket_users_ == 0; }

 private:
  friend struct PathScope;
  NodeValue eval_selector(const parser::VectorSelector& vs, bool sample_timestamps = false);
  NodeValue eval_call(const parser::Expr& e, const parser::Call& call);
  NodeValue eval_aggregate(const parser::AggregateExpr& agg, Span span);
  NodeValue eval_binary(const parser::BinaryExpr& b, Span span);
  NodeValue eval_unary(const parser::UnaryExpr& u);

  const tsdb::Querier& querier_;
  const EngineOptions& options_;
  Timestamp start_, end_;
  Duration step_;
  size_t num_steps_;
  uint64_t samples_in_memory_ = 0;
  QueryRun& run_;
  int stats_calls_ = 0;   // histogram_count/_sum/_avg calls being evaluated
  int bucket_users_ = 0;  // histogram_quantile/_fraction calls and trims being evaluated
};

// Counter-reset hints as Prometheus's HistogramStatsIterator sets them on
// one series read in time order: an unknown hint becomes kCounterReset or
// kNotCounterReset by comparison with the histogram read before (none
// after forget(): a seek past the samples in between). Floats and stale
// markers leave the state alone.
class StatsHints {
 public:
  void apply(Point& p);
  void forget() { last_ = {}; }

 private:
  HistogramRef last_;
};

// A range vector's series, each with all its samples over the query (the
// window for each step is cut from them), plus what the window needs.
struct RangeSeries {
  Labels labels;
  std::vector<Point> samples;  // stale markers already removed
  bool drop_name = false;
};
struct RangeInput {
  std::vector<tsdb::SeriesData> selected;  // from a matrix selector: decoded lazily
  bool stats_hints = false;                // selected feeds histogram_count/_sum/_avg only (StatsHints)
  std::vector<RangeSeries> series;         // from a subquery: already evaluated
  Duration range = 0;
  Duration offset = 0;
  std::optional<parser::AtModifier> at;

  // Calls fn(labels, drop_name, samples) for each series with samples,
  // decoding selected series one at a time into one reused buffer (stale
  // markers dropped). Checks the query's deadline before each series.
  template <typename Fn>
  void for_each_series(QueryRun& run, Fn&& fn) const;
};

// The samples of a matrix selector or subquery over the whole query.
RangeInput range_input(Evaluator& ev, const parser::Expr& e);

// The iterator's current sample as a Point (a histogram decoded into a
// FloatHistogram). Stale markers read as floats (tsdb's contract).
inline Point current_point(const tsdb::SeriesIterator& it) {
  if (it.value_type() == tsdb::ValueType::kFloat) return {it.t(), it.v(), {}};
  return {it.t(), 0, HistogramRef::make(it.float_histogram())};
}
inline bool is_stale(const Point& p) { return !p.h && is_stale_nan(p.v); }

// What a sample counts as against max_samples (and in peakSamples): 1 for
// a float; for a histogram, as Prometheus's HPoint.size(), its size in
// memory over 16: 168 bytes of struct and 8 per span, bucket and custom
// bound (so even an empty one counts as 10).
inline uint64_t sample_units(const HistogramRef& h) {
  if (!h) return 1;
  const size_t slots = h->positive_spans.size() + h->negative_spans.size() + h->positive_buckets.size() +
                       h->negative_buckets.size() + h->custom_values.size();
  return (168 + 8 * slots) / 16;
}
inline uint64_t sample_units(const Point& p) { return sample_units(p.h); }

// Evaluation time of step `ts` for a selector with @ and offset.
Timestamp effective_time(Timestamp ts, const std::optional<parser::AtModifier>& at, Duration offset, Timestamp start,
                         Timestamp end);

// ---- template definitions ----

template <typename Fn>
StepMatrix Evaluator::step_vectors(const std::vector<const StepMatrix*>& args, Fn&& fn) {
  std::vector<std::vector<size_t>> cursors(args.size());
  for (size_t a = 0; a < args.size(); ++a) cursors[a].assign(args[a]->size(), 0);
  std::vector<StepVector> inputs(args.size());
  StepVector out;
  StepCollector result;
  for (size_t i = 0; i < num_steps_; ++i) {
    const Timestamp ts = step_time(i);
    for (size_t a = 0; a < args.size(); ++a) {
      inputs[a].clear();
      const StepMatrix& m = *args[a];
      for (size_t s = 0; s < m.size(); ++s) {
        size_t& c = cursors[a][s];
        if (c < m[s].points.size() && m[s].points[c].t == ts) {
          inputs[a].push_back({m[s].labels, m[s].points[c].v, m[s].drop_name, m[s].points[c].h});
          ++c;
        }
      }
    }
    out.clear();
    fn(i, ts, inputs, out);
    uint64_t units = 0;
    for (StepSample& s : out) {
      units += sample_units(s.h);
      result.add(std::move(s.labels), ts, s.v, s.drop_name, std::move(s.h));
    }
    add_samples(units);
  }
  return result.take();
}

template <typename Fn>
void RangeInput::for_each_series(QueryRun& run, Fn&& fn) const {
  std::vector<Point> buffer;
  for (const tsdb::SeriesData& d : selected) {
    run.check_deadline();
    buffer.clear();
    tsdb::SeriesIterator it = d.iterator();
    uint64_t read = 0;
    StatsHints hints;
    while (it.next()) {
      ++read;
      if (it.value_type() != tsdb::ValueType::kFloat || !is_stale_nan(it.v())) {
        buffer.push_back(current_point(it));
        if (stats_hints) hints.apply(buffer.back());
      }
    }
    run.count_read(read);
    if (!it.err().ok()) throw_error(it.err().error().message, ErrorCode::kInternal);
    if (!buffer.empty()) fn(d.labels, false, std::span<const Point>(buffer));
  }
  for (const RangeSeries& s : series) {
    run.check_deadline();
    if (!s.samples.empty()) fn(s.labels, s.drop_name, std::span<const Point>(s.samples));
  }
}

}  // namespace cogwatch::eval::internal
