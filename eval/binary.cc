// Binary operators: arithmetic, comparisons (filtering or with bool) and
// set operators, between scalars and vectors, with one-to-one and
// many-to-one/one-to-many vector matching.
#include <algorithm>
#include <cmath>
#include <limits>

#include "eval/internal/evaluator.h"

namespace cogwatch::eval::internal {
namespace {

using parser::BinaryOp;
using parser::Cardinality;

struct ElemResult {
  double value;
  bool keep;
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

bool drops_name(BinaryOp op, bool return_bool) { return return_bool || !parser::is_comparison(op); }

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

// Matching keys depend only on a series' labels: computed once per series,
// not once per step.
class KeyCache {
 public:
  explicit KeyCache(const parser::VectorMatching& m) : m_(m) {}
  // A copy (one reference count): entries may move as the cache grows.
  Labels key(const Labels& labels) {
    auto& entries = cache_[labels.hash()];
    for (const auto& [l, k] : entries) {
      if (l == labels) return k;
    }
    entries.emplace_back(labels, matching_key(labels, m_));
    return entries.back().second;
  }

 private:
  const parser::VectorMatching& m_;
  boost::unordered_flat_map<uint64_t, std::vector<std::pair<Labels, Labels>>> cache_;
};

// A set of matching keys, for and/or/unless.
class KeySet {
 public:
  void insert(Labels key) { by_hash_[key.hash()].push_back(std::move(key)); }
  bool contains(const Labels& key) const {
    auto it = by_hash_.find(key.hash());
    if (it == by_hash_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](const Labels& k) { return k == key; });
  }

 private:
  boost::unordered_flat_map<uint64_t, std::vector<Labels>> by_hash_;
};

Labels result_labels(const Labels& lhs, const Labels& rhs, const parser::BinaryExpr& b) {
  LabelsBuilder lb(lhs);
  const parser::VectorMatching& m = b.matching;
  if (m.card == Cardinality::kOneToOne) {
    if (m.on) {
      lb.keep_only(m.labels);
    } else {
      for (const std::string& name : m.labels) lb.del(name);
    }
  }
  for (const std::string& name : m.include) lb.set(name, rhs.get(name));
  return lb.build();
}

}  // namespace

NodeValue Evaluator::eval_binary(const parser::BinaryExpr& b) {
  NodeValue lhs = eval(*b.lhs);
  NodeValue rhs = eval(*b.rhs);
  NodeValue out;
  const bool ls = lhs.type == parser::ValueType::kScalar, rs = rhs.type == parser::ValueType::kScalar;

  if (ls && rs) {
    out.type = parser::ValueType::kScalar;
    out.scalars.resize(num_steps_);
    for (size_t i = 0; i < num_steps_; ++i) {
      const ElemResult r = apply(b.op, lhs.scalars[i], rhs.scalars[i]);
      out.scalars[i] = parser::is_comparison(b.op) ? (r.keep ? 1.0 : 0.0) : r.value;
    }
    return out;
  }

  out.type = parser::ValueType::kVector;
  if (ls || rs) {
    // Vector and scalar: the vector's labels, the vector's value when a
    // comparison filters.
    NodeValue& vec = ls ? rhs : lhs;
    const std::vector<double>& scalars = ls ? lhs.scalars : rhs.scalars;
    for (StepSeries& s : vec.matrix) {
      std::vector<Point> kept;
      for (const Point& p : s.points) {
        const double sv = scalars[static_cast<size_t>((p.t - start_) / step_)];
        ElemResult r = ls ? apply(b.op, sv, p.v) : apply(b.op, p.v, sv);
        if (parser::is_comparison(b.op)) {
          if (b.return_bool) {
            r.value = r.keep ? 1 : 0;
          } else if (!r.keep) {
            continue;
          } else {
            r.value = p.v;
          }
        }
        kept.push_back({p.t, r.value});
      }
      s.points = std::move(kept);
      s.drop_name = s.drop_name || drops_name(b.op, b.return_bool);
    }
    std::erase_if(vec.matrix, [](const StepSeries& s) { return s.points.empty(); });
    out.matrix = std::move(vec.matrix);
    return out;
  }

  std::vector<const StepMatrix*> args = {&lhs.matrix, &rhs.matrix};
  KeyCache keys(b.matching);
  out.matrix = step_vectors(args, [&](size_t, Timestamp, std::vector<StepVector>& in, StepVector& result) {
    StepVector& l = in[0];
    StepVector& r = in[1];
    const parser::VectorMatching& m = b.matching;
    if (parser::is_set_operator(b.op)) {
      KeySet rhs_keys;
      for (const StepSample& s : r) rhs_keys.insert(keys.key(s.labels));
      switch (b.op) {
        case BinaryOp::kAnd:
          for (StepSample& s : l) {
            if (rhs_keys.contains(keys.key(s.labels))) result.push_back(s);
          }
          return;
        case BinaryOp::kUnless:
          for (StepSample& s : l) {
            if (!rhs_keys.contains(keys.key(s.labels))) result.push_back(s);
          }
          return;
        default: {  // or: all of the left, and what of the right the left lacks
          KeySet lhs_keys;
          for (StepSample& s : l) {
            lhs_keys.insert(keys.key(s.labels));
            result.push_back(s);
          }
          for (StepSample& s : r) {
            if (!lhs_keys.contains(keys.key(s.labels))) result.push_back(s);
          }
          return;
        }
      }
    }

    const bool one_to_many = m.card == Cardinality::kOneToMany;
    StepVector& many = one_to_many ? r : l;
    StepVector& one = one_to_many ? l : r;
    if (many.empty() || one.empty()) return;
    // The "one" side by matching key; a key seen twice there is an error.
    boost::unordered_flat_map<uint64_t, std::vector<std::pair<Labels, size_t>>> one_side;
    for (size_t k = 0; k < one.size(); ++k) {
      const Labels key = keys.key(one[k].labels);
      auto& bucket = one_side[key.hash()];
      for (const auto& [other_key, other] : bucket) {
        if (other_key == key) {
          // The pair in sorted order, so the message is stable.
          const Labels& a = one[k].labels < one[other].labels ? one[k].labels : one[other].labels;
          const Labels& b2 = one[k].labels < one[other].labels ? one[other].labels : one[k].labels;
          throw_error("found duplicate series for the match group " + key.to_string() + " on the " +
                      (one_to_many ? "left" : "right") + " hand-side of the operation: [" + a.to_string() + ", " +
                      b2.to_string() + "];many-to-many matching not allowed: matching labels must be unique on one side");
        }
      }
      bucket.emplace_back(key, k);
    }
    boost::unordered_flat_map<uint64_t, std::vector<std::pair<Labels, std::vector<uint64_t>>>> matched;
    for (StepSample& s : many) {
      const Labels key = keys.key(s.labels);
      const StepSample* partner = nullptr;
      for (const auto& [k, idx] : one_side[key.hash()]) {
        if (k == key) partner = &one[idx];
      }
      if (partner == nullptr) continue;
      double lv = s.v, rv = partner->v;
      if (one_to_many) std::swap(lv, rv);
      ElemResult res = apply(b.op, lv, rv);
      // Matching errors count even for pairs a comparison filters out.
      Labels labels = result_labels(s.labels, partner->labels, b);
      auto& seen = matched[key.hash()];
      std::vector<uint64_t>* inserted = nullptr;
      for (auto& [k, sigs] : seen) {
        if (k == key) inserted = &sigs;
      }
      if (m.card == Cardinality::kOneToOne) {
        if (inserted != nullptr) {
          throw_error("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        seen.emplace_back(key, std::vector<uint64_t>{});
      } else {
        if (inserted == nullptr) {
          seen.emplace_back(key, std::vector<uint64_t>{});
          inserted = &seen.back().second;
        }
        if (std::find(inserted->begin(), inserted->end(), labels.hash()) != inserted->end()) {
          throw_error("multiple matches for labels: grouping labels must ensure unique matches");
        }
        inserted->push_back(labels.hash());
      }
      if (b.return_bool) {
        res.value = res.keep ? 1 : 0;
      } else if (!res.keep) {
        continue;
      }
      result.push_back({std::move(labels), res.value, s.drop_name || drops_name(b.op, b.return_bool)});
    }
  });
  return out;
}

}  // namespace cogwatch::eval::internal
