#include "rules/datasource.h"

#include <optional>
#include <variant>

namespace cogwatch::rules {

Result<eval::Vector> as_rule_vector(eval::Value value) {
  if (auto* v = std::get_if<eval::Vector>(&value)) return std::move(*v);
  if (auto* s = std::get_if<eval::Scalar>(&value)) return eval::Vector{eval::Sample{Labels(), s->t, s->v}};
  return make_error(ErrorCode::kInvalidArgument, "rule result is not a vector or scalar");
}

Result<eval::Vector> LocalDatasource::query(std::string_view /*text*/, const parser::Expr& expr, Timestamp t) const {
  auto value = engine_.instant(expr, t);
  if (!value) return value.take_error();
  return as_rule_vector(*std::move(value));
}

Result<NewestSamples> LocalDatasource::newest_samples(const std::vector<LabelMatcher>& matchers, Timestamp from,
                                                      Timestamp to, const Labels& /*external_labels*/) const {
  NewestSamples newest;
  for (const tsdb::SeriesData& s : querier_.select(matchers, from, to)) {
    tsdb::SeriesIterator it = s.iterator();
    std::optional<std::pair<Timestamp, double>> last;
    while (it.next()) last.emplace(it.t(), it.v());
    if (!it.err().ok()) return it.err().error();
    if (last) newest[s.labels] = *last;
  }
  return newest;
}

}  // namespace cogwatch::rules
