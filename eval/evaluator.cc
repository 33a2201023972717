#include "eval/internal/evaluator.h"

#include <algorithm>
#include <cmath>

#include "model/value.h"

namespace cogwatch::eval::internal {

void throw_error(std::string message, ErrorCode code) { throw EvalError{code, std::move(message)}; }

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

Evaluator::Evaluator(const tsdb::Querier& querier, const EngineOptions& options, Timestamp start, Timestamp end,
                     Duration step, Annotations* annotations)
    : querier_(querier),
      options_(options),
      start_(start),
      end_(end),
      step_(step),
      num_steps_(static_cast<size_t>((end - start) / step) + 1),
      annotations_(annotations) {
  // Every node holds a value per step: bound the steps like the samples
  // (a subquery such as foo[1y:1ms] would otherwise exhaust memory).
  if (end < start || step <= 0 || static_cast<uint64_t>((end - start) / step) >= options_.max_samples) {
    throw_error("query processing would load too many samples into memory in query execution",
                ErrorCode::kResourceExhausted);
  }
}

void Evaluator::annotate(Annotation::Level level, std::string message, Span span) {
  if (annotations_ == nullptr) return;
  Annotation a{level, std::move(message), span};
  if (std::find(annotations_->begin(), annotations_->end(), a) == annotations_->end()) annotations_->push_back(a);
}

void Evaluator::add_samples(uint64_t n) {
  samples_in_memory_ += n;
  if (samples_in_memory_ > options_.max_samples) {
    throw_error("query processing would load too many samples into memory in query execution",
                ErrorCode::kResourceExhausted);
  }
}

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
  if (const auto* c = e.as<Call>()) return eval_call(*c);
  if (const auto* a = e.as<AggregateExpr>()) return eval_aggregate(*a);
  if (const auto* b = e.as<BinaryExpr>()) return eval_binary(*b);
  if (const auto* u = e.as<UnaryExpr>()) return eval_unary(*u);
  throw_error("range vectors can only be evaluated by functions or as the whole instant query");
}

NodeValue Evaluator::eval_selector(const parser::VectorSelector& vs, bool sample_timestamps) {
  NodeValue out;
  out.type = parser::ValueType::kVector;
  const Duration lookback = options_.lookback_delta;
  Timestamp lo = kMaxTimestamp, hi = kMinTimestamp;
  std::vector<Timestamp> eff(num_steps_);
  for (size_t i = 0; i < num_steps_; ++i) {
    eff[i] = effective_time(step_time(i), vs.at, vs.offset, start_, end_);
    lo = std::min(lo, eff[i]);
    hi = std::max(hi, eff[i]);
  }
  for (const tsdb::SeriesData& d : querier_.select(vs.matchers, lo - lookback + 1, hi, tsdb::SeriesOrder::kUnsorted)) {
    StepSeries s{d.labels, {}, false};
    tsdb::SeriesIterator it = d.iterator();
    bool have_prev = false, have_next = false;
    Point prev, next;
    for (size_t i = 0; i < num_steps_; ++i) {
      const Timestamp t = eff[i];
      if (have_prev && prev.t > t) {
        // Only with @ and offset can eff go backwards; they are constant
        // then, so this does not happen. Restart to stay correct anyway.
        it = d.iterator();
        have_prev = have_next = false;
      }
      while (true) {
        if (!have_next) {
          if (!it.next()) break;
          next = {it.t(), it.v()};
          have_next = true;
        }
        if (next.t > t) break;
        prev = next;
        have_prev = true;
        have_next = false;
      }
      if (have_prev && prev.t > t - lookback && !is_stale_nan(prev.v)) {
        s.points.push_back({step_time(i), sample_timestamps ? static_cast<double>(prev.t) / 1000 : prev.v});
      }
    }
    if (!it.err().ok()) throw_error(it.err().error().message, ErrorCode::kInternal);
    if (!s.points.empty()) {
      add_samples(s.points.size());
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
    for (Point& p : s.points) p.v = -p.v;
    s.drop_name = true;
  }
  return v;
}

Matrix Evaluator::eval_range_vector(const parser::Expr& e) {
  // Only used for an instant query (one step) of foo[5m] or a subquery.
  Matrix out;
  RangeInput in = range_input(*this, e);
  const Timestamp t = effective_time(start_, in.at, in.offset, start_, end_);
  in.for_each_series([&](const Labels& labels, bool, std::span<const Point> samples) {
    Series series{labels, {}};
    for (const Point& p : samples) {
      if (p.t > t - in.range && p.t <= t) series.points.push_back(p);
    }
    if (!series.points.empty()) out.push_back(std::move(series));
  });
  std::sort(out.begin(), out.end(), [](const Series& a, const Series& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace cogwatch::eval::internal
