// Datasource: where rules read what they evaluate. The local store through
// cogwatch's own PromQL engine (LocalDatasource), or a Prometheus-API
// backend — VictoriaMetrics, Mimir, Thanos, Prometheus — that is sent each
// query's text, as vmalert does (remote/query_datasource.h,
// `--rules.datasource.url`).
//
//   LocalDatasource local(head, engine_options);
//   Result<eval::Vector> v = local.query(rule.expr_text(), rule.expr(), ts);
//
// Both answer with Prometheus's instant-query semantics at the time given;
// rules decide that time (the group's slot minus its query_offset).
//
// Thread-safety: a datasource is used by the rule thread; implementations
// may be shared by several groups, one query at a time.
#pragma once

#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "eval/engine.h"
#include "model/error.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/time.h"
#include "parser/ast.h"
#include "tsdb/querier.h"

namespace cogwatch::rules {

// A query's value as a rule takes it: a vector, or a scalar as a one-sample
// vector without labels (Prometheus's EngineQueryFunc). Errors: "rule
// result is not a vector or scalar".
Result<eval::Vector> as_rule_vector(eval::Value value);

// The newest sample of each series, by its labels (with __name__).
using NewestSamples = std::map<Labels, std::pair<Timestamp, double>>;

class Datasource {
 public:
  virtual ~Datasource() = default;

  // `expr` at t; `text` is the same expression as written (what a backend
  // is sent). Errors: the query's (a backend's carries its message);
  // "rule result is not a vector or scalar".
  virtual Result<eval::Vector> query(std::string_view text, const parser::Expr& expr, Timestamp t) const = 0;

  // The newest sample in [from, to] of each series matching `matchers`, as
  // alert-state restoring reads ALERTS_FOR_STATE. The local store keeps
  // stale markers, so the newest may be one (the series had ended); a
  // backend's API does not show them. `external_labels` are those this
  // cogwatch's remote_write adds: a backend's series must carry them (so
  // another sender's series with the same alert labels are not taken) and
  // come back without them. The local store's series never have them.
  virtual Result<NewestSamples> newest_samples(const std::vector<LabelMatcher>& matchers, Timestamp from,
                                               Timestamp to, const Labels& external_labels) const = 0;
};

// The local store, through the engine.
class LocalDatasource final : public Datasource {
 public:
  explicit LocalDatasource(const tsdb::Querier& querier, eval::EngineOptions options = {})
      : querier_(querier), engine_(querier, std::move(options)) {}

  Result<eval::Vector> query(std::string_view text, const parser::Expr& expr, Timestamp t) const override;
  Result<NewestSamples> newest_samples(const std::vector<LabelMatcher>& matchers, Timestamp from, Timestamp to,
                                       const Labels& external_labels) const override;

 private:
  const tsdb::Querier& querier_;
  eval::Engine engine_;
};

}  // namespace cogwatch::rules
