// histogram_quantile and histogram_fraction over classic buckets (series
// with an "le" label), and the functions of native histograms, which
// cogwatch does not store yet.
#include <string>
#include <utility>
#include <vector>

#include "eval/internal/functions.h"
#include "eval/internal/math.h"

namespace cogwatch::eval::internal {

// histogram_quantile(q, buckets) and histogram_fraction(lower, upper,
// buckets) share the grouping of buckets: by all labels but "le", the
// metric name included while it is still there (delayed name removal).
NodeValue eval_histogram_quantile(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  const bool fraction = impl.f == parser::Function::kHistogramFraction;
  const NodeValue q = ev.eval(*call.args[0]);
  const NodeValue upper = fraction ? ev.eval(*call.args[1]) : NodeValue{};
  const parser::Expr& buckets_arg = parser::strip_parens(*call.args[fraction ? 2 : 1]);
  const NodeValue v = ev.eval(buckets_arg);
  if (!fraction) ev.warn_invalid_quantiles(q.scalars, parser::strip_parens(*call.args[0]).span);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  LabelsMap<size_t> index;  // group labels -> histogram
  std::vector<std::pair<Labels, std::vector<Bucket>>> histograms;
  out.matrix = ev.step_vectors({&v.matrix}, [&](size_t i, Timestamp, std::vector<StepVector>& in, StepVector& result) {
    index.clear();
    histograms.clear();
    for (const StepSample& s : in[0]) {
      const std::string_view le = s.labels.get("le");
      double bound;
      if (!parse_bucket_bound(le, bound)) {
        std::string message = "bucket label \"le\" is missing or has a malformed value of " + go_quote(le);
        if (!s.labels.metric_name().empty()) message += " for metric name " + go_quote(s.labels.metric_name());
        ev.annotate(Annotation::Level::kWarning, std::move(message), buckets_arg.span);
        continue;
      }
      Labels key = LabelsBuilder(s.labels).del("le").build();
      auto [it, inserted] = index.try_emplace(key, histograms.size());
      if (inserted) histograms.emplace_back(std::move(key), std::vector<Bucket>{});
      histograms[it->second].second.push_back({bound, s.v});
    }
    for (auto& [labels, buckets] : histograms) {
      MonotonicityFix fix;
      const double value = fraction ? bucket_fraction(q.scalars[i], upper.scalars[i], buckets)
                                    : bucket_quantile(q.scalars[i], buckets, &fix);
      if (fix.forced) {
        ev.annotations().add_forced_monotonicity(labels.metric_name(), buckets_arg.span, ev.step_time(i), fix);
      }
      result.push_back({labels, value, true});
    }
  });
  return out;
}

// histogram_avg, histogram_count, ...: native histograms only; float
// series give no result.
NodeValue eval_native_histograms_only(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  ev.eval(*call.args[0]);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  return out;
}

}  // namespace cogwatch::eval::internal
