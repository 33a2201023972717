// For tests: PEGTL's static grammar analysis (left recursion, rules that
// can loop without consuming input). Returns the number of problems found.
#pragma once

#include <cstddef>

namespace cogwatch::parser::internal {

std::size_t grammar_issues();

}  // namespace cogwatch::parser::internal
