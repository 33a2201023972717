// /api/v1/format_query and /api/v1/parse_query: an expression printed as
// Prometheus's Pretty(0), and its tree as Prometheus 3's translateAST
// (web/api/v1/translate_ast.go) gives it to the UI's tree view.
#pragma once

#include <string>

#include "parser/ast.h"

namespace cogwatch::server::internal {

// Prometheus's prettier: a node whose printed form fits in 100 characters
// is printed on one line; a longer one is split, each operand, argument or
// aggregated expression on its own lines, indented by two spaces a level.
std::string pretty(const parser::Expr& e);

// The tree as JSON, keys sorted as Go writes a map: {"type":"vectorSelector",...}.
std::string ast_json(const parser::Expr& e);

}  // namespace cogwatch::server::internal
