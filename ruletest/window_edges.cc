#include "ruletest/window_edges.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "model/value.h"
#include "parser/printer.h"

namespace cogwatch::ruletest {
namespace {

// Subqueries inside subqueries multiply the steps; past this many the
// search stops (a hint, not a verdict).
constexpr size_t kMaxTimes = 100'000;

class EdgeFinder {
 public:
  EdgeFinder(const tsdb::Querier& querier, const eval::EngineOptions& options) : querier_(querier), options_(options) {}

  void walk(const parser::Expr& e, const std::vector<Timestamp>& times) {
    if (const auto* m = e.as<parser::MatrixSelector>()) {
      selector(*m->selector->as<parser::VectorSelector>(), m->range, parser::print(e), false, times);
      return;
    }
    if (const auto* s = e.as<parser::VectorSelector>()) {
      selector(*s, options_.lookback_delta, parser::print(e), true, times);
      return;
    }
    if (const auto* sq = e.as<parser::SubqueryExpr>()) {
      const Duration step = sq->step > 0 ? sq->step : options_.default_subquery_step;
      std::set<Timestamp> inner;
      for (const Timestamp t : times) {
        const Timestamp end = at(sq->at, t) - sq->offset;
        // The steps in (end - range, end], aligned to the step, as
        // Prometheus 3 evaluates a subquery.
        Timestamp first = step * ((end - sq->range) / step);
        if (first <= end - sq->range) first += step;
        for (Timestamp s = first; s <= end && inner.size() < kMaxTimes; s += step) inner.insert(s);
      }
      walk(*sq->expr, std::vector<Timestamp>(inner.begin(), inner.end()));
      return;
    }
    for (const parser::Expr* child : parser::children(e)) walk(*child, times);
  }

  std::vector<WindowEdge> take() { return std::move(edges_); }

 private:
  static Timestamp at(const std::optional<parser::AtModifier>& modifier, Timestamp t) {
    // In one instant query, @ start() and @ end() are the query time.
    return modifier && modifier->kind == parser::AtModifier::Kind::kTimestamp ? modifier->timestamp : t;
  }

  void selector(const parser::VectorSelector& s, Duration range, const std::string& text, bool lookback,
                const std::vector<Timestamp>& times) {
    for (const Timestamp t : times) {
      const Timestamp end = at(s.at, t) - s.offset;
      const Timestamp start = end - range;
      for (const tsdb::SeriesData& series : querier_.select(s.matchers, start, end)) {
        tsdb::SeriesIterator it = series.iterator();
        if (!it.seek(start) || it.t() != start || is_stale_nan(it.v())) continue;
        // An instant selector takes the newest sample of its lookback: the
        // one on the edge matters only when no later one is there.
        if (lookback && it.next()) continue;
        if (!seen_.insert({series.labels, start, text}).second) continue;
        edges_.push_back({series.labels, start, at(s.at, t), text, range, lookback});
      }
    }
  }

  const tsdb::Querier& querier_;
  const eval::EngineOptions& options_;
  std::set<std::tuple<Labels, Timestamp, std::string>> seen_;
  std::vector<WindowEdge> edges_;
};

}  // namespace

std::vector<WindowEdge> window_edges(const parser::Expr& expr, Timestamp t, const tsdb::Querier& querier,
                                     const eval::EngineOptions& options) {
  EdgeFinder finder(querier, options);
  finder.walk(expr, {t});
  return finder.take();
}

}  // namespace cogwatch::ruletest
