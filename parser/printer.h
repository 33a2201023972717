// Prints an AST as a normalised PromQL expression, as Prometheus's
// String() methods do: `sum by (job) (rate(x{a="b"}[5m] offset 1m))`.
// parse_expr(print(e)) gives back a tree equal to e.
#pragma once

#include <string>

#include "parser/ast.h"

namespace cogwatch::parser {

std::string print(const Expr& e);

}  // namespace cogwatch::parser
