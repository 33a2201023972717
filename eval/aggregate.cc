// Aggregation operators: sum, avg, count, min, max, group, stddev, stdvar,
// topk, bottomk, quantile, count_values; by and without.
//
// Groups are formed while __name__ is still on the series that will lose
// it (Prometheus 3's delayed name removal): `by (__name__)` keeps each name
// apart, and a group's result drops the name if any of its members at that
// step would have.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "eval/internal/evaluator.h"
#include "eval/internal/math.h"
#include "model/histogram_ops.h"
#include "model/value.h"

namespace cogwatch::eval::internal {
namespace {

using parser::AggregateOp;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The labels that identify a series' group. `without` always removes the
// name; `by` keeps only the listed labels, the name too if listed.
Labels group_labels(const parser::AggregateExpr& agg, const Labels& labels) {
  LabelsBuilder b(labels);
  if (agg.without) {
    b.del(kMetricNameLabel);
    for (const std::string& name : agg.grouping) b.del(name);
  } else {
    b.keep_only(agg.grouping);
  }
  return b.build();
}

// The group of each input series, worked out once per series.
struct Groups {
  std::vector<Labels> keys;       // per group, in order of first appearance
  std::vector<size_t> of_series;  // per input series: its group
};

// Whether each group's result drops __name__. Prometheus sets the flag at
// each step from the members present then (any of them dropping), so the
// last step the group is present at decides. Feed it every input series.
class GroupDropNames {
 public:
  explicit GroupDropNames(size_t groups) : last_(groups, kMinTimestamp), drop_(groups, false) {}
  void add(size_t group, const StepSeries& s) {
    if (s.points.empty()) return;
    const Timestamp t = s.points.back().t;
    if (t > last_[group]) {
      last_[group] = t;
      drop_[group] = s.drop_name;
    } else if (t == last_[group] && s.drop_name) {
      drop_[group] = true;
    }
  }
  bool operator[](size_t group) const { return drop_[group]; }

 private:
  std::vector<Timestamp> last_;  // per group: the last step seen
  std::vector<bool> drop_;       // per group: the flag at that step
};

Groups group_series(const parser::AggregateExpr& agg, const StepMatrix& in) {
  Groups g;
  g.of_series.resize(in.size());
  LabelsMap<size_t> index;
  for (size_t s = 0; s < in.size(); ++s) {
    Labels key = group_labels(agg, in[s].labels);
    auto [it, inserted] = index.try_emplace(key, g.keys.size());
    if (inserted) g.keys.push_back(std::move(key));
    g.of_series[s] = it->second;
  }
  return g;
}

// What an aggregation reports its annotations with: the evaluator, the
// positions Prometheus gives them (the aggregated expression for most, the
// whole aggregation for topk and bottomk).
struct AggregationSite {
  const Evaluator& ev;
  AggregateOp op;
  Span expr_span;
  Span agg_span;

  void histogram_ignored() const {
    const bool k = op == AggregateOp::kTopk || op == AggregateOp::kBottomk;
    ev.annotations().add(Annotation::Level::kInfo,
                         std::string("ignored histogram in ") + parser::aggregate_op_string(op) + " aggregation",
                         k ? agg_span : expr_span);
  }
};

// sum and avg of histograms: a Kahan-compensated sum, as Prometheus's, and
// for avg an incremental mean from the first sum that would overflow.
struct HistogramAccumulator {
  FloatHistogram value;                // the sum, or the mean once incremental
  std::optional<FloatHistogram> comp;  // its Kahan compensation, from the second one on
  double count = 0;
  bool incremental = false;
  bool incompatible = false;  // exponential and custom buckets met: no result
  bool reset_seen = false, not_reset_seen = false;

  void add(const AggregationSite& site, const FloatHistogram& h, const Labels& labels) {
    if (incompatible) return;
    ++count;
    if (h.counter_reset_hint == CounterResetHint::kCounterReset) reset_seen = true;
    if (h.counter_reset_hint == CounterResetHint::kNotCounterReset) not_reset_seen = true;
    if (count == 1) {
      value = h;
      return;
    }
    HistogramCombineInfo info;
    auto report = [&](const Status& st) {
      if (st) {
        if (info.nhcb_bounds_reconciled) {
          site.ev.annotations().add(Annotation::Level::kInfo,
                                    "mismatched custom buckets were reconciled during aggregation", site.expr_span);
        }
        return true;
      }
      site.ev.annotations().add(Annotation::Level::kWarning,
                                "vector contains a mix of histograms with exponential and custom buckets schemas for "
                                "metric name " + go_quote(labels.metric_name()),
                                site.expr_span);
      incompatible = true;
      return false;
    };
    if (site.op == AggregateOp::kSum) {
      if (!comp) comp = new_compensation(value);
      report(histogram_add(value, h, &info, &*comp));
      return;
    }
    // avg
    if (!incremental) {
      FloatHistogram v = value;
      FloatHistogram c = comp ? *comp : new_compensation(value);
      if (!report(histogram_add(v, h, &info, &c))) return;
      if (!histogram_overflows(v)) {
        value = std::move(v), comp = std::move(c);
        return;
      }
      incremental = true;
      value.div(count - 1);
      if (comp) comp->div(count - 1);
    }
    const double q = (count - 1) / count;
    if (comp) {
      comp->mul(q);
    } else {
      comp = new_compensation(value);
    }
    FloatHistogram to_add = h;
    to_add.div(count);
    report(histogram_add(value.mul(q), to_add, &info, &*comp));
  }

  // The sum or mean with its compensation added, compacted.
  FloatHistogram result(AggregateOp op) const {
    FloatHistogram out = value;
    const bool divide = op == AggregateOp::kAvg && !incremental;
    if (divide) out.div(count);
    if (comp) {
      FloatHistogram c = *comp;
      if (divide) c.div(count);
      // Cannot fail: every addition into the compensation succeeded.
      (void)histogram_add(out, c);
    }
    out.compact(0);
    return out;
  }
};

// Running state of one group at one step: sum, count, min, max, group, avg
// (Prometheus's Kahan sum switching to an incremental mean), stddev, stdvar
// (Welford); histograms for sum and avg, counted by count and group and
// ignored (with a note) by the others.
struct Accumulator {
  double count = 0;
  KahanSum sum;
  MeanAccumulator mean;
  VarianceAccumulator variance;
  double extreme = 0;  // min, max
  bool has_float = false;
  std::unique_ptr<HistogramAccumulator> histograms;  // sum, avg: once one is seen

  void add(AggregateOp op, double v) {
    ++count;
    has_float = true;
    switch (op) {
      case AggregateOp::kSum: sum.add(v); break;
      // A NaN is replaced by any later value and stays only when all are NaN.
      // Histograms do not count for min and max: count is the floats'.
      case AggregateOp::kMin:
        if (count == 1 || v < extreme || std::isnan(extreme)) extreme = v;
        break;
      case AggregateOp::kMax:
        if (count == 1 || v > extreme || std::isnan(extreme)) extreme = v;
        break;
      case AggregateOp::kAvg: mean.add(v); break;
      case AggregateOp::kStddev: case AggregateOp::kStdvar: variance.add(v); break;
      default: break;
    }
  }

  void add(const AggregationSite& site, const Point& p, const Labels& labels) {
    if (!p.h) return add(site.op, p.v);
    switch (site.op) {
      case AggregateOp::kSum:
      case AggregateOp::kAvg:
        ++count;
        if (!histograms) histograms = std::make_unique<HistogramAccumulator>();
        // After a float the result is void anyway: skip the work.
        if (!has_float) histograms->add(site, *p.h, labels);
        break;
      case AggregateOp::kCount:
      case AggregateOp::kGroup:
        ++count;
        break;
      default:
        site.histogram_ignored();
        break;
    }
  }

  // The result, or nothing when the group has none (only ignored
  // histograms, floats mixed with histograms, incompatible histograms).
  std::optional<Point> result(const AggregationSite& site, double param, std::vector<double>& values) const {
    if (count == 0) return std::nullopt;
    if (histograms) {
      if (has_float) {
        site.ev.annotations().add(Annotation::Level::kWarning,
                                  "encountered a mix of histograms and floats for aggregation", site.expr_span);
        return std::nullopt;
      }
      if (histograms->incompatible) return std::nullopt;
      if (histograms->reset_seen && histograms->not_reset_seen) {
        site.ev.annotations().add(Annotation::Level::kWarning,
                                  "conflicting counter resets during histogram aggregation", site.expr_span);
      }
      return Point{0, 0, HistogramRef::make(histograms->result(site.op))};
    }
    switch (site.op) {
      case AggregateOp::kSum: return Point{0, sum.value()};
      case AggregateOp::kCount: return Point{0, count};
      case AggregateOp::kGroup: return Point{0, 1};
      case AggregateOp::kMin: case AggregateOp::kMax: return Point{0, extreme};
      case AggregateOp::kAvg: return Point{0, mean.value()};
      case AggregateOp::kStdvar: return Point{0, variance.value()};
      case AggregateOp::kStddev: return Point{0, std::sqrt(variance.value())};
      case AggregateOp::kQuantile: return Point{0, quantile(param, values)};
      default: return Point{0, kNaN};
    }
  }
};

bool is_one_pass(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum: case AggregateOp::kCount: case AggregateOp::kGroup: case AggregateOp::kMin:
    case AggregateOp::kMax: case AggregateOp::kAvg: case AggregateOp::kStddev: case AggregateOp::kStdvar:
      return true;
    default:
      return false;
  }
}

// The common aggregations in one pass over the input's points: every point
// feeds the accumulator of its series' group and its step. Returns nothing
// when groups x steps would take too much memory; the caller then
// aggregates step by step.
std::optional<StepMatrix> one_pass_aggregate(const AggregationSite& site, const StepMatrix& in,
                                             const Groups& groups) {
  const Evaluator& ev = site.ev;
  const size_t steps = ev.num_steps();
  constexpr size_t kMaxAccumulators = 2'000'000;  // ~200 MB at most
  if (groups.keys.size() * steps > kMaxAccumulators) return std::nullopt;
  std::vector<Accumulator> acc(groups.keys.size() * steps);
  GroupDropNames drop_name(groups.keys.size());
  for (size_t s = 0; s < in.size(); ++s) {
    ev.run().check_deadline();
    Accumulator* row = &acc[groups.of_series[s] * steps];
    for (const Point& p : in[s].points) {
      if (p.h) {
        row[ev.step_index(p.t)].add(site, p, in[s].labels);
      } else {
        row[ev.step_index(p.t)].add(site.op, p.v);
      }
    }
    drop_name.add(groups.of_series[s], in[s]);
  }
  StepMatrix out;
  std::vector<double> unused;
  for (size_t g = 0; g < groups.keys.size(); ++g) {
    StepSeries series{groups.keys[g], {}, drop_name[g]};
    for (size_t i = 0; i < steps; ++i) {
      if (std::optional<Point> p = acc[g * steps + i].result(site, 0, unused)) {
        p->t = ev.step_time(i);
        series.points.push_back(*std::move(p));
      }
    }
    if (!series.points.empty()) out.push_back(std::move(series));
  }
  return out;
}

// count_values: the group of a sample whose value became the label
// `label`. As Prometheus, the label is set first: `by` keeps it, `without`
// may remove it again.
Labels count_values_key(const parser::AggregateExpr& agg, const Labels& labels, const std::string& label,
                        const std::string& value) {
  LabelsBuilder b(labels);
  b.set(label, value);
  if (agg.without) {
    b.del(kMetricNameLabel);
    for (const std::string& name : agg.grouping) b.del(name);
  } else {
    std::vector<std::string> keep = agg.grouping;
    keep.push_back(label);
    b.keep_only(keep);
  }
  return b.build();
}

// A parameter over all steps, as Prometheus checks it before aggregating
// (its fParams): the smallest and largest value by Go's math.Min and
// math.Max (a NaN makes both NaN), and whether any is NaN.
struct ParamRange {
  double min = std::numeric_limits<double>::max();
  double max = -std::numeric_limits<double>::max();
  bool any_nan = false;
};
ParamRange param_range(const std::vector<double>& values) {
  ParamRange r;
  for (double v : values) {
    r.max = go_max(r.max, v);
    r.min = go_min(r.min, v);
    r.any_nan = r.any_nan || std::isnan(v);
  }
  return r;
}

// topk and bottomk's k. False when every k is below 1 (no result at all).
bool check_k(const std::vector<double>& ks) {
  const ParamRange k = param_range(ks);
  if (k.max < 1) return false;
  if (k.any_nan) throw_error("Parameter value is NaN");
  constexpr double kTwo63 = 9223372036854775808.0;
  if (k.min <= -kTwo63) throw_error("Scalar value " + format_float(k.min) + " underflows int64");
  if (k.max >= kTwo63) throw_error("Scalar value " + format_float(k.max) + " overflows int64");
  return true;
}

// quantile's parameter: a warning for a NaN, for the largest value above 1
// and for the smallest below 0.
void warn_invalid_quantile_param(Evaluator& ev, const std::vector<double>& qs, Span span) {
  const ParamRange q = param_range(qs);
  if (q.any_nan) ev.warn_invalid_quantiles({kNaN}, span);
  if (q.max > 1) ev.warn_invalid_quantiles({q.max}, span);
  if (q.min < 0) ev.warn_invalid_quantiles({q.min}, span);
}

// The aggregations that need all of a group's values at a step (topk,
// bottomk, quantile, count_values), and the others when one pass would
// take too much memory.
StepMatrix aggregate_by_step(Evaluator& ev, const AggregationSite& site, const parser::AggregateExpr& agg,
                             const StepMatrix& in, const Groups& groups, const NodeValue& param) {
  const bool topk = agg.op == AggregateOp::kTopk, bottomk = agg.op == AggregateOp::kBottomk;
  const bool count_values = agg.op == AggregateOp::kCountValues;
  StepCollector by_labels;                  // topk, bottomk, count_values
  StepMatrix by_group(groups.keys.size());  // the others
  GroupDropNames drop_name(groups.keys.size());
  for (size_t s = 0; s < in.size(); ++s) drop_name.add(groups.of_series[s], in[s]);
  for (size_t g = 0; g < groups.keys.size(); ++g) by_group[g] = {groups.keys[g], {}, drop_name[g]};

  std::vector<size_t> cursor(in.size(), 0);
  std::vector<std::vector<size_t>> members(groups.keys.size());  // series present at this step, per group
  std::vector<double> values;
  LabelsMap<double> counts;
  for (size_t i = 0; i < ev.num_steps(); ++i) {
    const Timestamp ts = ev.step_time(i);
    for (auto& m : members) m.clear();
    for (size_t s = 0; s < in.size(); ++s) {
      if (cursor[s] < in[s].points.size() && in[s].points[cursor[s]].t == ts) {
        members[groups.of_series[s]].push_back(s);
        ++cursor[s];
      }
    }
    auto value = [&](size_t s) { return in[s].points[cursor[s] - 1].v; };
    auto point = [&](size_t s) -> const Point& { return in[s].points[cursor[s] - 1]; };
    const double p = param.type == parser::ValueType::kScalar ? param.scalars[i] : 0;
    size_t produced = 0;
    if (topk || bottomk) {
      if (p < 1) continue;
      const size_t k = static_cast<size_t>(p);
      for (std::vector<size_t>& m : members) {
        std::erase_if(m, [&](size_t s) {
          if (!point(s).h) return false;
          site.histogram_ignored();
          return true;
        });
        std::stable_sort(m.begin(), m.end(), [&](size_t a, size_t b) {
          const double x = value(a), y = value(b);
          if (std::isnan(x)) return false;  // NaN sorts last either way
          if (std::isnan(y)) return true;
          return topk ? x > y : x < y;
        });
        for (size_t n = 0; n < m.size() && n < k; ++n, ++produced) {  // floats only: histograms were dropped
          by_labels.add(in[m[n]].labels, ts, value(m[n]), in[m[n]].drop_name);
        }
      }
    } else if (count_values) {
      counts.clear();
      for (const std::vector<size_t>& m : members) {
        for (size_t s : m) {
          // A histogram counts by its text, as Prometheus's String().
          const std::string text = point(s).h ? point(s).h->to_string() : format_float_plain(value(s));
          counts[count_values_key(agg, in[s].labels, param.str, text)] += 1;
        }
      }
      for (const auto& [labels, count] : counts) by_labels.add(labels, ts, count, false);
      produced = counts.size();
    } else {
      for (size_t g = 0; g < members.size(); ++g) {
        if (members[g].empty()) continue;
        Accumulator a;
        values.clear();
        for (size_t s : members[g]) {
          a.add(site, point(s), in[s].labels);
          if (!point(s).h) values.push_back(value(s));
        }
        if (std::optional<Point> r = a.result(site, p, values)) {
          r->t = ts;
          produced += sample_units(*r);
          by_group[g].points.push_back(*std::move(r));
        }
      }
    }
    ev.add_samples(produced);
  }
  if (topk || bottomk || count_values) return by_labels.take();
  std::erase_if(by_group, [](const StepSeries& s) { return s.points.empty(); });
  return by_group;
}

}  // namespace

NodeValue Evaluator::eval_aggregate(const parser::AggregateExpr& agg, Span span) {
  if (agg.op == AggregateOp::kLimitk || agg.op == AggregateOp::kLimitRatio) {
    throw_error("aggregation \"" + std::string(parser::aggregate_op_string(agg.op)) +
                "\" is experimental and not evaluated by cogwatch");
  }
  NodeValue param;
  if (agg.param) {
    // Prometheus evaluates an aggregation whose input does not depend on the
    // step once, parameter included: topk(scalar(k), x @ t) takes k at the
    // first step for every step.
    param = start_ != end_ && step_invariant(*agg.expr) ? eval_at_start(*agg.param) : eval(*agg.param);
  }
  if (agg.op == AggregateOp::kCountValues && !is_valid_label_name(param.str)) {
    throw_error("invalid label name " + go_quote(param.str));
  }
  NodeValue in = eval(*agg.expr);
  if (agg.op == AggregateOp::kQuantile) {
    warn_invalid_quantile_param(*this, param.scalars, parser::strip_parens(*agg.param).span);
  }
  NodeValue out;
  out.type = parser::ValueType::kVector;
  if ((agg.op == AggregateOp::kTopk || agg.op == AggregateOp::kBottomk) && !check_k(param.scalars)) return out;
  const Groups groups = group_series(agg, in.matrix);
  const AggregationSite site{*this, agg.op, agg.expr->span, span};
  if (is_one_pass(agg.op)) {
    if (auto m = one_pass_aggregate(site, in.matrix, groups)) {
      out.matrix = *std::move(m);
      return out;
    }
  }
  out.matrix = aggregate_by_step(*this, site, agg, in.matrix, groups, param);
  return out;
}

}  // namespace cogwatch::eval::internal
