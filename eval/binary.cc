// Binary operators, by operand kind: scalar-scalar, vector-scalar, and
// between vectors the set operators (and, or, unless) and arithmetic and
// comparisons with one-to-one or group_left/group_right matching.
//
// Vector matching works as Prometheus's rangeEval with signatures: each
// series' matching key is computed once and numbered; the steps then match
// by those numbers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "eval/internal/evaluator.h"
#include "eval/internal/histogram_math.h"
#include "model/histogram_ops.h"

namespace cogwatch::eval::internal {
namespace {

using parser::BinaryOp;
using parser::Cardinality;

constexpr size_t kNone = std::numeric_limits<size_t>::max();

struct ElemResult {
  double value;
  bool keep;
  HistogramRef h;  // the result is a histogram
};

ElemResult apply(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd: return {l + r, true};
    case BinaryOp::kSub: return {l - r, true};
    case BinaryOp::kMul: return {l * r, true};
    case BinaryOp::kDiv: return {l / r, true};
    case BinaryOp::kMod: return {std::fmod(l, r), true};
    case BinaryOp::kPow: return {std::pow(l, r), true};
    case BinaryOp::kAtan2: return {std::atan2(l, r), true};
    case BinaryOp::kEql: return {l, l == r};
    case BinaryOp::kNeq: return {l, l != r};
    case BinaryOp::kGtr: return {l, l > r};
    case BinaryOp::kLss: return {l, l < r};
    case BinaryOp::kGte: return {l, l >= r};
    case BinaryOp::kLte: return {l, l <= r};
    default: return {l, false};
  }
}

const char* sample_kind(const HistogramRef& h) { return h ? "histogram" : "float"; }

HistogramRef compacted(FloatHistogram h) {
  h.compact(0);
  return HistogramRef::make(std::move(h));
}

// Prometheus's vectorElemBinop where a histogram takes part: what
// histograms support (h * f, f * h, h / f, h + h, h - h, h == h, h != h),
// or nothing when the pair is dropped, with the annotation that says why.
std::optional<ElemResult> apply_histograms(const Evaluator& ev, BinaryOp op, double l, const HistogramRef& lh, double r,
                                           const HistogramRef& rh, Span span) {
  auto incompatible = [&]() -> std::optional<ElemResult> {
    const std::string name = parser::binary_op_string(op);
    ev.annotations().add(Annotation::Level::kInfo,
                         "incompatible sample types encountered for binary operator " + go_quote(name) + ": " +
                             sample_kind(lh) + " " + name + " " + sample_kind(rh),
                         span);
    return std::nullopt;
  };
  if (!lh && !rh) return incompatible();  // float </ float, float >/ float
  if (!lh) {
    if (op != BinaryOp::kMul) return incompatible();
    FloatHistogram h = *rh;
    return ElemResult{0, true, compacted(std::move(h.mul(l)))};
  }
  if (!rh) {
    FloatHistogram h = *lh;
    switch (op) {
      case BinaryOp::kMul: return ElemResult{0, true, compacted(std::move(h.mul(r)))};
      case BinaryOp::kDiv: return ElemResult{0, true, compacted(std::move(h.div(r)))};
      case BinaryOp::kTrimUpper: return ElemResult{0, true, HistogramRef::make(trim_histogram(std::move(h), r, HistogramTrim::kUpper))};
      case BinaryOp::kTrimLower: return ElemResult{0, true, HistogramRef::make(trim_histogram(std::move(h), r, HistogramTrim::kLower))};
      default: return incompatible();
    }
  }
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub: {
      const bool add = op == BinaryOp::kAdd;
      const char* what = add ? "addition" : "subtraction";
      FloatHistogram h = *lh;
      HistogramCombineInfo info;
      if (Status st = add ? histogram_add(h, *rh, &info) : histogram_sub(h, *rh, &info); !st) {
        ev.annotations().add(Annotation::Level::kWarning,
                             std::string("incompatible bucket layout encountered for binary operator ") +
                                 parser::binary_op_string(op),
                             span);
        return std::nullopt;
      }
      // As Prometheus's VectorBinop: a pair whose counter reset hints
      // collide is dropped, with a warning.
      if (info.counter_reset_collision) {
        ev.annotations().add(Annotation::Level::kWarning,
                             std::string("conflicting counter resets during histogram ") + what, span);
        return std::nullopt;
      }
      if (info.nhcb_bounds_reconciled) {
        ev.annotations().add(Annotation::Level::kInfo,
                             std::string("mismatched custom buckets were reconciled during ") + what, span);
      }
      if (!add) h.counter_reset_hint = CounterResetHint::kGauge;
      return ElemResult{0, true, compacted(std::move(h))};
    }
    case BinaryOp::kEql: return ElemResult{0, lh->equals(*rh), lh};
    case BinaryOp::kNeq: return ElemResult{0, !lh->equals(*rh), lh};
    default: return incompatible();
  }
}

bool is_trim(BinaryOp op) { return op == BinaryOp::kTrimUpper || op == BinaryOp::kTrimLower; }

// One pair of samples: floats on the fast path. The trim operators take a
// histogram on the left; two floats are a pair of incompatible types.
std::optional<ElemResult> apply_samples(const Evaluator& ev, BinaryOp op, double l, const HistogramRef& lh, double r,
                                        const HistogramRef& rh, Span span) {
  if (!lh && !rh && !is_trim(op)) return apply(op, l, r);
  return apply_histograms(ev, op, l, lh, r, rh, span);
}

NodeValue scalar_scalar(const parser::BinaryExpr& b, const NodeValue& lhs, const NodeValue& rhs) {
  NodeValue out;
  out.type = parser::ValueType::kScalar;
  out.scalars.resize(lhs.scalars.size());
  if (is_trim(b.op)) {
    throw_error(std::string("operator ") + go_quote(parser::binary_op_string(b.op)) + " not allowed for Scalar operations");
  }
  for (size_t i = 0; i < lhs.scalars.size(); ++i) {
    const ElemResult r = apply(b.op, lhs.scalars[i], rhs.scalars[i]);
    out.scalars[i] = parser::is_comparison(b.op) ? (r.keep ? 1.0 : 0.0) : r.value;
  }
  return out;
}

// The vector's labels; a filtering comparison keeps the vector's value
// even when the scalar is on the left. Arithmetic and bool drop the name
// (delayed); comparisons and trims keep it.
NodeValue vector_scalar(const Evaluator& ev, const parser::BinaryExpr& b, Span span, NodeValue vec,
                        const std::vector<double>& scalars, bool scalar_on_left) {
  const bool comparison = parser::is_comparison(b.op);
  for (StepSeries& s : vec.matrix) {
    std::vector<Point> kept;
    kept.reserve(s.points.size());
    for (const Point& p : s.points) {
      const double sv = scalars[ev.step_index(p.t)];
      std::optional<ElemResult> r = scalar_on_left ? apply_samples(ev, b.op, sv, {}, p.v, p.h, span)
                                                   : apply_samples(ev, b.op, p.v, p.h, sv, {}, span);
      if (!r) continue;
      if (comparison) {
        if (b.return_bool) {
          r->value = r->keep ? 1 : 0;
          r->h = {};
        } else if (!r->keep) {
          continue;
        } else {
          r->value = p.v;
          r->h = p.h;
        }
      }
      kept.push_back({p.t, r->value, std::move(r->h)});
    }
    s.points = std::move(kept);
    s.drop_name = s.drop_name || parser::changes_metric_schema(b.op) || b.return_bool;
  }
  std::erase_if(vec.matrix, [](const StepSeries& s) { return s.points.empty(); });
  return vec;
}

// The key samples are matched by: the on() labels, or all labels but the
// ignoring() ones and the metric name.
Labels matching_key(const Labels& labels, const parser::VectorMatching& m) {
  LabelsBuilder b(labels);
  if (m.on) {
    b.keep_only(m.labels);
  } else {
    b.del(kMetricNameLabel);
    for (const std::string& name : m.labels) b.del(name);
  }
  return b.build();
}

// Each series' matching key, numbered: series of either side with the same
// key have the same number (Prometheus's signature ordinals).
struct Signatures {
  std::vector<Labels> keys;      // by number
  std::vector<size_t> lhs, rhs;  // per series: the number of its key
};

Signatures signatures(const StepMatrix& lhs, const StepMatrix& rhs, const parser::VectorMatching& m) {
  Signatures sig;
  LabelsMap<size_t> numbers;
  auto number = [&](const StepMatrix& side, std::vector<size_t>& out) {
    out.reserve(side.size());
    for (const StepSeries& s : side) {
      Labels key = matching_key(s.labels, m);
      auto [it, inserted] = numbers.try_emplace(key, sig.keys.size());
      if (inserted) sig.keys.push_back(std::move(key));
      out.push_back(it->second);
    }
  };
  number(lhs, sig.lhs);
  number(rhs, sig.rhs);
  return sig;
}

// Walks a side's series step by step: the series with a point at each step.
class StepCursor {
 public:
  explicit StepCursor(const StepMatrix& m) : m_(m), next_(m.size(), 0) {}
  // The series present at ts, in order; each one's value is value(s).
  // REQUIRES: ts increases from call to call.
  const std::vector<size_t>& at(Timestamp ts) {
    present_.clear();
    for (size_t s = 0; s < m_.size(); ++s) {
      if (next_[s] < m_[s].points.size() && m_[s].points[next_[s]].t == ts) {
        present_.push_back(s);
        ++next_[s];
      }
    }
    return present_;
  }
  double value(size_t s) const { return m_[s].points[next_[s] - 1].v; }
  const HistogramRef& histogram(size_t s) const { return m_[s].points[next_[s] - 1].h; }

 private:
  const StepMatrix& m_;
  std::vector<size_t> next_;
  std::vector<size_t> present_;
};

// and, or, unless: the samples of one side, kept by whether the other side
// has the same matching key at the step.
StepMatrix set_operation(Evaluator& ev, const parser::BinaryExpr& b, const StepMatrix& lhs, const StepMatrix& rhs) {
  const Signatures sig = signatures(lhs, rhs, b.matching);
  StepCursor left(lhs), right(rhs);
  std::vector<char> in_other(sig.keys.size(), 0);
  StepCollector out;
  for (size_t i = 0; i < ev.num_steps(); ++i) {
    const Timestamp ts = ev.step_time(i);
    const std::vector<size_t>& l = left.at(ts);
    const std::vector<size_t>& r = right.at(ts);
    // The side whose keys decide, and the side whose samples are filtered.
    const bool is_or = b.op == BinaryOp::kOr;
    for (size_t s : is_or ? l : r) in_other[is_or ? sig.lhs[s] : sig.rhs[s]] = 1;
    size_t produced = 0;
    for (size_t s : l) {
      if (is_or || (in_other[sig.lhs[s]] != 0) == (b.op == BinaryOp::kAnd)) {
        out.add(lhs[s].labels, ts, left.value(s), lhs[s].drop_name, left.histogram(s));
        produced += sample_units(left.histogram(s));
      }
    }
    if (is_or) {  // and what of the right the left lacks
      for (size_t s : r) {
        if (in_other[sig.rhs[s]] == 0) {
          out.add(rhs[s].labels, ts, right.value(s), rhs[s].drop_name, right.histogram(s));
          produced += sample_units(right.histogram(s));
        }
      }
    }
    for (size_t s : is_or ? l : r) in_other[is_or ? sig.lhs[s] : sig.rhs[s]] = 0;
    ev.add_samples(produced);
  }
  return out.take();
}

// The labels of a matched pair: the "many" side's labels without the name
// for arithmetic (removed at once, as Prometheus's resultMetric does), only
// the on() labels or without the ignoring() ones for one-to-one matching,
// plus group_left/group_right's extra labels from the "one" side.
Labels result_labels(const Labels& many, const Labels& one, const parser::BinaryExpr& b) {
  LabelsBuilder lb(many);
  if (parser::changes_metric_schema(b.op)) lb.del(kMetricNameLabel);
  const parser::VectorMatching& m = b.matching;
  if (m.card == Cardinality::kOneToOne) {
    if (m.on) {
      lb.keep_only(m.labels);
    } else {
      for (const std::string& name : m.labels) lb.del(name);
    }
  }
  for (const std::string& name : m.include) lb.set(name, one.get(name));
  return lb.build();
}

[[noreturn]] void duplicate_on_one_side(const Labels& key, const Labels& a, const Labels& b, bool left) {
  // The pair in text order, as Prometheus, so the message is stable.
  std::string x = a.to_string(), y = b.to_string();
  if (x > y) std::swap(x, y);
  throw_error("found duplicate series for the match group " + key.to_string() + " on the " + (left ? "left" : "right") +
              " hand-side of the operation: [" + x + ", " + y +
              "];many-to-many matching not allowed: matching labels must be unique on one side");
}

// Arithmetic and comparisons between vectors: each sample of the "many"
// side (the left unless group_right) with the sample of the "one" side
// that has its matching key.
StepMatrix vector_matching(Evaluator& ev, const parser::BinaryExpr& b, Span span, const StepMatrix& lhs,
                           const StepMatrix& rhs) {
  const parser::VectorMatching& m = b.matching;
  const bool one_to_many = m.card == Cardinality::kOneToMany;
  const StepMatrix& many = one_to_many ? rhs : lhs;
  const StepMatrix& one = one_to_many ? lhs : rhs;
  const Signatures sig = signatures(lhs, rhs, m);
  const std::vector<size_t>& many_sig = one_to_many ? sig.rhs : sig.lhs;
  const std::vector<size_t>& one_sig = one_to_many ? sig.lhs : sig.rhs;
  // A comparison with bool drops the name at the end; a filtering one keeps
  // the labels, name included, and (as Prometheus) does not carry the drop
  // mark of its input; arithmetic removed the name already.
  const bool drop_name = b.return_bool;
  StepCursor many_at(many), one_at(one);
  std::vector<size_t> partner(sig.keys.size(), kNone);  // key -> "one" series at this step
  std::vector<char> matched(sig.keys.size(), 0);        // one-to-one: key already used
  std::vector<LabelsSet> results(sig.keys.size());      // many-to-one: result labels per key
  // Result labels depend only on the pair: kept per "many" series for its
  // last partner.
  std::vector<size_t> labels_for(many.size(), kNone);
  std::vector<Labels> labels_of(many.size());
  StepCollector out;
  for (size_t i = 0; i < ev.num_steps(); ++i) {
    const Timestamp ts = ev.step_time(i);
    const std::vector<size_t>& many_present = many_at.at(ts);
    const std::vector<size_t>& one_present = one_at.at(ts);
    if (many_present.empty() || one_present.empty()) continue;
    for (size_t s : one_present) {
      size_t& p = partner[one_sig[s]];
      if (p != kNone) duplicate_on_one_side(sig.keys[one_sig[s]], one[s].labels, one[p].labels, one_to_many);
      p = s;
    }
    size_t produced = 0;
    for (size_t s : many_present) {
      const size_t key = many_sig[s];
      const size_t o = partner[key];
      if (o == kNone) continue;
      double lv = many_at.value(s), rv = one_at.value(o);
      const HistogramRef* lh = &many_at.histogram(s);
      const HistogramRef* rh = &one_at.histogram(o);
      if (one_to_many) std::swap(lv, rv), std::swap(lh, rh);
      // A pair dropped for its sample types skips the matching checks, as
      // in Prometheus.
      std::optional<ElemResult> r = apply_samples(ev, b.op, lv, *lh, rv, *rh, span);
      if (!r) continue;
      ElemResult& res = *r;
      if (labels_for[s] != o) {
        labels_of[s] = result_labels(many[s].labels, one[o].labels, b);
        labels_for[s] = o;
      }
      // Matching errors count even for pairs a comparison filters out.
      if (m.card == Cardinality::kOneToOne) {
        if (matched[key] != 0) {
          throw_error("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        matched[key] = 1;
      } else {
        if (!results[key].insert(labels_of[s]).second) {
          throw_error("multiple matches for labels: grouping labels must ensure unique matches");
        }
      }
      if (b.return_bool) {
        res.value = res.keep ? 1 : 0;
        res.h = {};
      } else if (!res.keep) {
        continue;
      }
      produced += sample_units(res.h);
      out.add(labels_of[s], ts, res.value, drop_name, std::move(res.h));
    }
    for (size_t s : one_present) partner[one_sig[s]] = kNone;
    for (size_t s : many_present) {
      matched[many_sig[s]] = 0;
      results[many_sig[s]].clear();
    }
    ev.add_samples(produced);
  }
  return out.take();
}

}  // namespace

NodeValue Evaluator::eval_binary(const parser::BinaryExpr& b, Span span) {
  NodeValue lhs = eval(*b.lhs);
  NodeValue rhs = eval(*b.rhs);
  const bool ls = lhs.type == parser::ValueType::kScalar, rs = rhs.type == parser::ValueType::kScalar;
  if (ls && rs) return scalar_scalar(b, lhs, rhs);
  if (ls) return vector_scalar(*this, b, span, std::move(rhs), lhs.scalars, /*scalar_on_left=*/true);
  if (rs) return vector_scalar(*this, b, span, std::move(lhs), rhs.scalars, /*scalar_on_left=*/false);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  out.matrix = parser::is_set_operator(b.op) ? set_operation(*this, b, lhs.matrix, rhs.matrix)
                                             : vector_matching(*this, b, span, lhs.matrix, rhs.matrix);
  return out;
}

}  // namespace cogwatch::eval::internal
