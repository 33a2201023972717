// From grammar.cc's parse tree to the AST (builder.cc). The grammar accepts
// the syntax; the builder reports what Prometheus's parser reports while it
// builds (its grammar actions): unknown functions, bad numbers and
// durations, misplaced offset/@/range modifiers, aggregation arity, invalid
// regular expressions, experimental syntax that is not enabled. Type
// errors are check.cc's (Prometheus's checkAST), run afterwards.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include "model/error.h"
#include "model/labels.h"
#include "parser/ast.h"
#include "parser/internal/parse_tree.h"

namespace cogwatch::parser::internal {

// `expr` is a kExpr node. Errors: kParse with the span Prometheus reports.
Result<ExprPtr> build_expr(const Node& expr);

// `metric` is a kMetric node (parse_metric). A label with an empty value
// is no label.
Result<Labels> build_metric(const Node& metric);

}  // namespace cogwatch::parser::internal
