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
#include <optional>

#include "eval/internal/evaluator.h"
#include "eval/internal/math.h"
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

// Running state of one group at one step: sum, count, min, max, group, avg
// (Prometheus's Kahan sum switching to an incremental mean), stddev, stdvar
// (Welford).
struct Accumulator {
  double count = 0;
  KahanSum sum;
  MeanAccumulator mean;
  VarianceAccumulator variance;
  double extreme = 0;  // min, max

  void add(AggregateOp op, double v) {
    ++count;
    switch (op) {
      case AggregateOp::kSum: sum.add(v); break;
      // A NaN is replaced by any later value and stays only when all are NaN.
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

  double result(AggregateOp op, double param, std::vector<double>& values) const {
    switch (op) {
      case AggregateOp::kSum: return sum.value();
      case AggregateOp::kCount: return count;
      case AggregateOp::kGroup: return 1;
      case AggregateOp::kMin: case AggregateOp::kMax: return extreme;
      case AggregateOp::kAvg: return mean.value();
      case AggregateOp::kStdvar: return variance.value();
      case AggregateOp::kStddev: return std::sqrt(variance.value());
      case AggregateOp::kQuantile: return quantile(param, values);
      default: return kNaN;
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
std::optional<StepMatrix> one_pass_aggregate(const Evaluator& ev, AggregateOp op, const StepMatrix& in,
                                             const Groups& groups) {
  const size_t steps = ev.num_steps();
  constexpr size_t kMaxAccumulators = 2'000'000;  // ~200 MB at most
  if (groups.keys.size() * steps > kMaxAccumulators) return std::nullopt;
  std::vector<Accumulator> acc(groups.keys.size() * steps);
  GroupDropNames drop_name(groups.keys.size());
  for (size_t s = 0; s < in.size(); ++s) {
    ev.run().check_deadline();
    Accumulator* row = &acc[groups.of_series[s] * steps];
    for (const Point& p : in[s].points) row[ev.step_index(p.t)].add(op, p.v);
    drop_name.add(groups.of_series[s], in[s]);
  }
  StepMatrix out;
  std::vector<double> unused;
  for (size_t g = 0; g < groups.keys.size(); ++g) {
    StepSeries series{groups.keys[g], {}, drop_name[g]};
    for (size_t i = 0; i < steps; ++i) {
      const Accumulator& a = acc[g * steps + i];
      if (a.count > 0) series.points.push_back({ev.step_time(i), a.result(op, 0, unused)});
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
StepMatrix aggregate_by_step(Evaluator& ev, const parser::AggregateExpr& agg, const StepMatrix& in,
                             const Groups& groups, const NodeValue& param) {
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
    const double p = param.type == parser::ValueType::kScalar ? param.scalars[i] : 0;
    size_t produced = 0;
    if (topk || bottomk) {
      if (p < 1) continue;
      const size_t k = static_cast<size_t>(p);
      for (std::vector<size_t>& m : members) {
        std::stable_sort(m.begin(), m.end(), [&](size_t a, size_t b) {
          const double x = value(a), y = value(b);
          if (std::isnan(x)) return false;  // NaN sorts last either way
          if (std::isnan(y)) return true;
          return topk ? x > y : x < y;
        });
        for (size_t n = 0; n < m.size() && n < k; ++n, ++produced) {
          by_labels.add(in[m[n]].labels, ts, value(m[n]), in[m[n]].drop_name);
        }
      }
    } else if (count_values) {
      counts.clear();
      for (const std::vector<size_t>& m : members) {
        for (size_t s : m) counts[count_values_key(agg, in[s].labels, param.str, format_float_plain(value(s)))] += 1;
      }
      for (const auto& [labels, count] : counts) by_labels.add(labels, ts, count, false);
      produced = counts.size();
    } else {
      for (size_t g = 0; g < members.size(); ++g) {
        if (members[g].empty()) continue;
        Accumulator a;
        values.clear();
        for (size_t s : members[g]) {
          a.add(agg.op, value(s));
          values.push_back(value(s));
        }
        by_group[g].points.push_back({ts, a.result(agg.op, p, values)});
        ++produced;
      }
    }
    ev.add_samples(produced);
  }
  if (topk || bottomk || count_values) return by_labels.take();
  std::erase_if(by_group, [](const StepSeries& s) { return s.points.empty(); });
  return by_group;
}

}  // namespace

NodeValue Evaluator::eval_aggregate(const parser::AggregateExpr& agg) {
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
  if (is_one_pass(agg.op)) {
    if (auto m = one_pass_aggregate(*this, agg.op, in.matrix, groups)) {
      out.matrix = *std::move(m);
      return out;
    }
  }
  out.matrix = aggregate_by_step(*this, agg, in.matrix, groups, param);
  return out;
}

}  // namespace cogwatch::eval::internal
