// Aggregation operators: sum, avg, count, min, max, group, stddev, stdvar,
// topk, bottomk, quantile, count_values; by and without.
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

// The labels that identify a sample's group.
Labels group_labels(const parser::AggregateExpr& agg, const Labels& labels, bool drop_name) {
  LabelsBuilder b(labels);
  if (agg.without) {
    b.del(kMetricNameLabel);
    for (const std::string& name : agg.grouping) b.del(name);
  } else {
    b.keep_only(agg.grouping);
    if (drop_name) b.del(kMetricNameLabel);
  }
  return b.build();
}

struct Group {
  Labels labels;
  std::vector<size_t> members;  // indexes into the step's input
};

double reduce(AggregateOp op, const std::vector<double>& values, double param) {
  switch (op) {
    case AggregateOp::kSum: {
      KahanSum sum;
      for (double v : values) sum.add(v);
      return sum.value();
    }
    case AggregateOp::kAvg: return mean(values);
    case AggregateOp::kCount: return static_cast<double>(values.size());
    case AggregateOp::kGroup: return 1;
    case AggregateOp::kMin: {
      double m = values[0];
      for (double v : values) {
        if (v < m || std::isnan(m)) m = v;
      }
      return m;
    }
    case AggregateOp::kMax: {
      double m = values[0];
      for (double v : values) {
        if (v > m || std::isnan(m)) m = v;
      }
      return m;
    }
    case AggregateOp::kStdvar: return variance(values);
    case AggregateOp::kStddev: return std::sqrt(variance(values));
    case AggregateOp::kQuantile: {
      std::vector<double> copy = values;
      return quantile(param, copy);
    }
    default: return kNaN;
  }
}

// Running state of one group at one step for the aggregations that can be
// computed in one pass: sum, count, min, max, group, avg (Prometheus's
// Kahan sum switching to an incremental mean), stddev, stdvar (Welford).
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

  double result(AggregateOp op) const {
    switch (op) {
      case AggregateOp::kSum: return sum.value();
      case AggregateOp::kCount: return count;
      case AggregateOp::kGroup: return 1;
      case AggregateOp::kMin: case AggregateOp::kMax: return extreme;
      case AggregateOp::kAvg: return mean.value();
      case AggregateOp::kStdvar: return variance.value();
      case AggregateOp::kStddev: return std::sqrt(variance.value());
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

}  // namespace

// The common aggregations in one pass over the input's points: each input
// series is assigned its group once, then every point feeds the
// accumulator of its group and step.
// Returns nothing when groups x steps would take too much memory; the
// caller then aggregates step by step.
static std::optional<NodeValue> one_pass_aggregate(const Evaluator& ev, const parser::AggregateExpr& agg,
                                                   const StepMatrix& in) {
  std::vector<Labels> group_keys;
  std::vector<size_t> series_group(in.size());
  boost::unordered_flat_map<uint64_t, std::vector<size_t>> by_hash;
  for (size_t s = 0; s < in.size(); ++s) {
    Labels key = group_labels(agg, in[s].labels, in[s].drop_name);
    std::vector<size_t>& idx = by_hash[key.hash()];
    size_t g = SIZE_MAX;
    for (size_t k : idx) {
      if (group_keys[k] == key) g = k;
    }
    if (g == SIZE_MAX) {
      g = group_keys.size();
      idx.push_back(g);
      group_keys.push_back(std::move(key));
    }
    series_group[s] = g;
  }
  const size_t steps = ev.num_steps();
  constexpr size_t kMaxAccumulators = 2'000'000;  // ~200 MB at most
  if (group_keys.size() * steps > kMaxAccumulators) return std::nullopt;
  std::vector<Accumulator> acc(group_keys.size() * steps);
  for (size_t s = 0; s < in.size(); ++s) {
    Accumulator* row = &acc[series_group[s] * steps];
    for (const Point& p : in[s].points) {
      row[static_cast<size_t>((p.t - ev.start()) / ev.step())].add(agg.op, p.v);
    }
  }
  NodeValue out;
  out.type = parser::ValueType::kVector;
  for (size_t g = 0; g < group_keys.size(); ++g) {
    StepSeries series{group_keys[g], {}, false};
    for (size_t i = 0; i < steps; ++i) {
      const Accumulator& a = acc[g * steps + i];
      if (a.count > 0) series.points.push_back({ev.step_time(i), a.result(agg.op)});
    }
    if (!series.points.empty()) out.matrix.push_back(std::move(series));
  }
  return out;
}

NodeValue Evaluator::eval_aggregate(const parser::AggregateExpr& agg) {
  NodeValue in = eval(*agg.expr);
  if (is_one_pass(agg.op)) {
    if (auto v = one_pass_aggregate(*this, agg, in.matrix)) return *std::move(v);
  }
  NodeValue param = agg.param ? eval(*agg.param) : NodeValue{};
  if (agg.op == AggregateOp::kQuantile) warn_invalid_quantiles(param.scalars, agg.param->span);
  if (agg.op == AggregateOp::kLimitk || agg.op == AggregateOp::kLimitRatio) {
    throw_error(std::string(parser::aggregate_op_string(agg.op)) + " is not implemented yet");
  }
  NodeValue out;
  out.type = parser::ValueType::kVector;
  // Group keys depend only on a series' labels: compute each once.
  boost::unordered_flat_map<uint64_t, std::vector<std::pair<Labels, Labels>>> key_cache;
  auto key_of = [&](const StepSample& s) -> const Labels& {
    auto& entries = key_cache[s.labels.hash() ^ static_cast<uint64_t>(s.drop_name)];
    for (const auto& [labels, key] : entries) {
      if (labels == s.labels) return key;
    }
    entries.emplace_back(s.labels, group_labels(agg, s.labels, s.drop_name));
    return entries.back().second;
  };

  std::vector<const StepMatrix*> args = {&in.matrix};
  out.matrix = step_vectors(args, [&](size_t i, Timestamp, std::vector<StepVector>& inputs, StepVector& result) {
    const StepVector& v = inputs[0];
    std::vector<Group> groups;
    boost::unordered_flat_map<uint64_t, std::vector<size_t>> by_hash;
    for (size_t k = 0; k < v.size(); ++k) {
      const Labels& key = key_of(v[k]);
      std::vector<size_t>& idx = by_hash[key.hash()];
      Group* g = nullptr;
      for (size_t gi : idx) {
        if (groups[gi].labels == key) g = &groups[gi];
      }
      if (g == nullptr) {
        idx.push_back(groups.size());
        groups.push_back({key, {}});
        g = &groups.back();
      }
      g->members.push_back(k);
    }
    const double p = agg.param && param.type == parser::ValueType::kScalar ? param.scalars[i] : 0;

    switch (agg.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk: {
        if (std::isnan(p)) throw_error("Parameter value is NaN");
        if (p < 1) return;
        const size_t k = p >= 9.2e18 ? SIZE_MAX : static_cast<size_t>(p);
        const bool top = agg.op == AggregateOp::kTopk;
        for (Group& g : groups) {
          std::stable_sort(g.members.begin(), g.members.end(), [&](size_t a, size_t b) {
            const double x = v[a].v, y = v[b].v;
            if (std::isnan(x)) return false;  // NaN sorts last either way
            if (std::isnan(y)) return true;
            return top ? x > y : x < y;
          });
          for (size_t m = 0; m < g.members.size() && m < k; ++m) result.push_back(v[g.members[m]]);
        }
        return;
      }
      case AggregateOp::kCountValues: {
        const std::string& label = param.str;
        if (label.empty()) throw_error("invalid label name \"\"");
        for (const Group& g : groups) {
          std::vector<std::pair<std::string, double>> counts;
          for (size_t m : g.members) {
            const std::string value = format_float_plain(v[m].v);
            auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == value; });
            if (it == counts.end()) {
              counts.emplace_back(value, 1);
            } else {
              ++it->second;
            }
          }
          for (const auto& [value, count] : counts) {
            result.push_back({LabelsBuilder(g.labels).set(label, value).build(), count, false});
          }
        }
        return;
      }
      default: {
        std::vector<double> values;
        for (const Group& g : groups) {
          values.clear();
          for (size_t m : g.members) values.push_back(v[m].v);
          result.push_back({g.labels, reduce(agg.op, values, p), false});
        }
        return;
      }
    }
  });
  return out;
}

}  // namespace cogwatch::eval::internal
