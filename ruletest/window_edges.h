// Samples that sit exactly on the start of a selector's window, where
// Prometheus 3 and promtool 2.x disagree: 3.x windows are open at the start
// ((t - range, t] for `x[range]`, (t - lookback, t] for an instant
// selector), so such a sample is left out, while 2.x counted it. When a
// `test rules` case written against promtool 2.x fails, these explain why
// (the runner prints them as "why:" lines).
//
//   for (const WindowEdge& e : window_edges(*expr, t, head, options)) ...
//
// Every selector of the expression is checked at the times it is evaluated:
// the query time, or each step of the subqueries around it (their own
// windows open at the start too), after `offset` and `@`. A range window
// reports any sample on its start; a lookback only one that 2.x would have
// returned (no later sample in the window).
//
// Thread-safety: reads the querier, which may be shared.
#pragma once

#include <string>
#include <vector>

#include "eval/engine.h"
#include "model/labels.h"
#include "model/time.h"
#include "parser/ast.h"
#include "tsdb/querier.h"

namespace cogwatch::ruletest {

struct WindowEdge {
  Labels series;           // the series with the sample
  Timestamp sample_at;     // the sample's time: the window's start
  Timestamp evaluated_at;  // when the selector is evaluated (the step, or its @), before offset
  std::string selector;    // as written: `foo[5m]`, or `foo` for a lookback
  Duration range;          // the window's length
  bool lookback;           // an instant selector's lookback, not a range
};

// Each edge once, in the order met; stale markers are not samples here.
std::vector<WindowEdge> window_edges(const parser::Expr& expr, Timestamp t, const tsdb::Querier& querier,
                                     const eval::EngineOptions& options);

}  // namespace cogwatch::ruletest
