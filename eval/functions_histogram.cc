// histogram_quantile and histogram_fraction over classic buckets (series
// with an "le" label) and native histograms, and the functions of native
// histograms only (histogram_count, _sum, _avg, _stddev, _stdvar).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "eval/internal/functions.h"
#include "eval/internal/histogram_math.h"
#include "eval/internal/math.h"

namespace cogwatch::eval::internal {

namespace {

std::string for_metric_name(std::string text, std::string_view metric_name) {
  if (!metric_name.empty()) text += " for metric name " + go_quote(metric_name);
  return text;
}

}  // namespace

// histogram_quantile(q, buckets) and histogram_fraction(lower, upper,
// buckets) over both kinds of histograms, as Prometheus's resetHistograms
// splits them: native histogram samples each give a result; classic
// buckets are grouped by all labels but "le", the metric name included
// while it is still there (delayed name removal). A native histogram with
// the labels of a classic group (an NHCB series next to its buckets) makes
// both give nothing, with a warning.
NodeValue eval_histogram_quantile(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  const bool fraction = impl.f == parser::Function::kHistogramFraction;
  const NodeValue q = ev.eval(*call.args[0]);
  const NodeValue upper = fraction ? ev.eval(*call.args[1]) : NodeValue{};
  const parser::Expr& buckets_arg = parser::strip_parens(*call.args[fraction ? 2 : 1]);
  const NodeValue v = ev.eval(buckets_arg);
  if (!fraction) ev.warn_invalid_quantiles(q.scalars, parser::strip_parens(*call.args[0]).span);
  NodeValue out;
  out.type = parser::ValueType::kVector;
  LabelsMap<size_t> index;  // group labels -> classic histogram
  std::vector<std::pair<Labels, std::vector<Bucket>>> classic;
  std::vector<const StepSample*> natives;
  out.matrix = ev.step_vectors({&v.matrix}, [&](size_t i, Timestamp, std::vector<StepVector>& in, StepVector& result) {
    index.clear();
    classic.clear();
    natives.clear();
    for (const StepSample& s : in[0]) {
      if (s.h) {
        natives.push_back(&s);
        continue;
      }
      const std::string_view le = s.labels.get("le");
      double bound;
      if (!parse_bucket_bound(le, bound)) {
        ev.annotate(Annotation::Level::kWarning,
                    for_metric_name("bucket label \"le\" is missing or has a malformed value of " + go_quote(le),
                                    s.labels.metric_name()),
                    buckets_arg.span);
        continue;
      }
      Labels key = LabelsBuilder(s.labels).del("le").build();
      auto [it, inserted] = index.try_emplace(key, classic.size());
      if (inserted) classic.emplace_back(std::move(key), std::vector<Bucket>{});
      classic[it->second].second.push_back({bound, s.v});
    }
    for (const StepSample* s : natives) {
      const std::string_view name = s->labels.metric_name();
      if (auto it = index.find(s->labels); it != index.end() && !classic[it->second].second.empty()) {
        ev.annotate(Annotation::Level::kWarning,
                    for_metric_name("vector contains a mix of classic and native histograms", name), buckets_arg.span);
        classic[it->second].second.clear();
        continue;
      }
      double value;
      if (fraction) {
        const HistogramFractionResult r = native_histogram_fraction(q.scalars[i], upper.scalars[i], *s->h);
        if (r.nan_observations) {
          ev.annotate(Annotation::Level::kInfo,
                      for_metric_name("input to histogram_fraction has NaN observations, which are excluded from all "
                                      "fractions",
                                      name),
                      buckets_arg.span);
        }
        value = r.value;
      } else {
        const HistogramQuantileResult r = native_histogram_quantile(q.scalars[i], *s->h);
        if (r.nan_result || r.nan_skewed) {
          ev.annotate(Annotation::Level::kInfo,
                      for_metric_name(std::string("input to histogram_quantile has NaN observations, result is ") +
                                          (r.nan_result ? "NaN" : "skewed higher"),
                                      name),
                      buckets_arg.span);
        }
        value = r.value;
      }
      result.push_back({s->labels, value, true});
    }
    for (auto& [labels, buckets] : classic) {
      if (buckets.empty()) continue;
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

// histogram_avg, histogram_count, ...: a float of each native histogram;
// float samples give no result. The name goes (delayed).
NodeValue eval_native_histograms_only(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  using parser::Function;
  NodeValue v = ev.eval(*call.args[0]);
  auto value_of = [&](const FloatHistogram& h) {
    switch (impl.f) {
      case Function::kHistogramCount: return h.count;
      case Function::kHistogramSum: return h.sum;
      case Function::kHistogramAvg: return h.sum / h.count;
      case Function::kHistogramStddev: return native_histogram_stddev(h);
      case Function::kHistogramStdvar: return native_histogram_stdvar(h);
      default: throw_error("not a native histogram function", ErrorCode::kInternal);
    }
  };
  for (StepSeries& s : v.matrix) {
    std::erase_if(s.points, [](const Point& p) { return !p.h; });
    for (Point& p : s.points) p = {p.t, value_of(*p.h)};
    s.drop_name = true;
  }
  std::erase_if(v.matrix, [](const StepSeries& s) { return s.points.empty(); });
  return v;
}

}  // namespace cogwatch::eval::internal
