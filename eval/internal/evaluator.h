// The evaluator behind Engine: evaluates every node of an expression at all
// steps of a query at once, as Prometheus's rangeEval does. A vector-valued
// node yields a StepMatrix (one row per series, values at the steps where
// the series is present); a scalar node yields one value per step.
//
// Runtime errors are thrown as EvalError inside this module and turned into
// Result values by Engine.
#pragma once

#include <bit>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/engine.h"
#include "eval/value.h"
#include "parser/ast.h"
#include "tsdb/querier.h"

namespace cogwatch::eval::internal {

struct EvalError {
  ErrorCode code;
  std::string message;
};
[[noreturn]] void throw_error(std::string message, ErrorCode code = ErrorCode::kInvalidArgument);

// One series over the steps of a query.
struct StepSeries {
  Labels labels;
  std::vector<Point> points;  // at step timestamps, ascending
  bool drop_name = false;     // __name__ goes at the end (delayed removal)
};
using StepMatrix = std::vector<StepSeries>;

// One element of an instant vector at one step.
struct StepSample {
  Labels labels;
  double v = 0;
  bool drop_name = false;
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

class Evaluator {
 public:
  Evaluator(const tsdb::Querier& querier, const EngineOptions& options, Timestamp start, Timestamp end,
            Duration step, Annotations* annotations = nullptr);

  // Records a warning or note once (no-op when the caller did not ask).
  void annotate(Annotation::Level level, std::string message, Span span);

  NodeValue eval(const parser::Expr& e);
  // For an instant query of a range-vector expression: the raw samples.
  Matrix eval_range_vector(const parser::Expr& e);

  size_t num_steps() const { return num_steps_; }
  Timestamp start() const { return start_; }
  Timestamp end() const { return end_; }
  Duration step() const { return step_; }
  Timestamp step_time(size_t i) const { return start_ + static_cast<Timestamp>(i) * step_; }

  // Steps one or more vector arguments together: for each step, calls
  // fn(step, time, inputs, out) with the arguments' samples at that step
  // and collects what fn appends to out into series. Errors if fn yields
  // two samples with the same labels at one step.
  template <typename Fn>
  StepMatrix step_vectors(const std::vector<const StepMatrix*>& args, Fn&& fn);

  const tsdb::Querier& querier() const { return querier_; }
  const EngineOptions& options() const { return options_; }
  Annotations* annotations() const { return annotations_; }

 private:
  NodeValue eval_selector(const parser::VectorSelector& vs, bool sample_timestamps = false);
  // The selector with each value replaced by its sample's timestamp, for
  // timestamp(selector).
  NodeValue eval_selector_timestamps(const parser::VectorSelector& vs) { return eval_selector(vs, true); }
  NodeValue label_replace(const parser::Call& call);
  NodeValue label_join(const parser::Call& call);
  NodeValue histogram_quantile(const parser::Call& call);
  NodeValue absent(const NodeValue& present, const parser::Expr& arg);
  // Warns about quantiles outside [0, 1] (Prometheus's InvalidQuantileWarning).
  void warn_invalid_quantiles(const std::vector<double>& qs, Span span);
  // Merges series that relabelling made equal; errors on overlapping steps.
  NodeValue merge_equal_series(NodeValue v);
  NodeValue eval_call(const parser::Call& call);
  NodeValue eval_aggregate(const parser::AggregateExpr& agg);
  NodeValue eval_binary(const parser::BinaryExpr& b);
  NodeValue eval_unary(const parser::UnaryExpr& u);

  void add_samples(uint64_t n);

  const tsdb::Querier& querier_;
  const EngineOptions& options_;
  Timestamp start_, end_;
  Duration step_;
  size_t num_steps_;
  uint64_t samples_in_memory_ = 0;
  Annotations* annotations_;
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
  std::vector<RangeSeries> series;         // from a subquery: already evaluated
  Duration range = 0;
  Duration offset = 0;
  std::optional<parser::AtModifier> at;

  // Calls fn(labels, drop_name, samples) for each series with samples,
  // decoding selected series one at a time into one reused buffer (stale
  // markers dropped).
  template <typename Fn>
  void for_each_series(Fn&& fn) const;
};

// The samples of a matrix selector or subquery over the whole query.
RangeInput range_input(Evaluator& ev, const parser::Expr& e);

// Evaluation time of step `ts` for a selector with @ and offset.
Timestamp effective_time(Timestamp ts, const std::optional<parser::AtModifier>& at, Duration offset, Timestamp start,
                         Timestamp end);

}  // namespace cogwatch::eval::internal

// ---- template definitions ----

#include <boost/unordered/unordered_flat_map.hpp>

namespace cogwatch::eval::internal {

template <typename Fn>
StepMatrix Evaluator::step_vectors(const std::vector<const StepMatrix*>& args, Fn&& fn) {
  std::vector<std::vector<size_t>> cursors(args.size());
  for (size_t a = 0; a < args.size(); ++a) cursors[a].assign(args[a]->size(), 0);
  std::vector<StepVector> inputs(args.size());
  StepVector out;
  StepMatrix result;
  boost::unordered_flat_map<uint64_t, std::vector<size_t>> by_hash;
  for (size_t i = 0; i < num_steps_; ++i) {
    const Timestamp ts = step_time(i);
    for (size_t a = 0; a < args.size(); ++a) {
      inputs[a].clear();
      const StepMatrix& m = *args[a];
      for (size_t s = 0; s < m.size(); ++s) {
        size_t& c = cursors[a][s];
        if (c < m[s].points.size() && m[s].points[c].t == ts) {
          inputs[a].push_back({m[s].labels, m[s].points[c].v, m[s].drop_name});
          ++c;
        }
      }
    }
    out.clear();
    fn(i, ts, inputs, out);
    for (StepSample& s : out) {
      std::vector<size_t>& candidates = by_hash[s.labels.hash()];
      StepSeries* target = nullptr;
      for (size_t idx : candidates) {
        if (result[idx].labels == s.labels) target = &result[idx];
      }
      if (target == nullptr) {
        candidates.push_back(result.size());
        result.push_back({std::move(s.labels), {}, s.drop_name});
        target = &result.back();
      } else if (!target->points.empty() && target->points.back().t == ts) {
        throw_error("vector cannot contain metrics with the same labelset");
      }
      target->points.push_back({ts, s.v});
    }
    add_samples(out.size());
  }
  return result;
}

template <typename Fn>
void RangeInput::for_each_series(Fn&& fn) const {
  std::vector<Point> buffer;
  for (const tsdb::SeriesData& d : selected) {
    buffer.clear();
    tsdb::SeriesIterator it = d.iterator();
    while (it.next()) {
      if (std::bit_cast<uint64_t>(it.v()) != 0x7ff0000000000002ULL) buffer.push_back({it.t(), it.v()});
    }
    if (!it.err().ok()) throw_error(it.err().error().message, ErrorCode::kInternal);
    if (!buffer.empty()) fn(d.labels, false, std::span<const Point>(buffer));
  }
  for (const RangeSeries& s : series) {
    if (!s.samples.empty()) fn(s.labels, s.drop_name, std::span<const Point>(s.samples));
  }
}


}  // namespace cogwatch::eval::internal
