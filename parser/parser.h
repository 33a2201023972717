// Parsing PromQL: text to a type-checked AST.
//
//   auto e = parse_expr("rate(cog_predict_requests_total[5m]) > 0.1");
//   if (!e) std::cerr << format_error(query, e.error()) << "\n";
//   // -> 1:6: parse error: ...
//
// Errors are kParse with Prometheus 3's message and position for the same
// input ("unexpected end of input inside braces", "unexpected identifier
// \"bar\" in aggregation", "expected type range vector in call to function
// \"rate\", got instant vector"): the first error Prometheus's parser would
// report, from its lexer, its grammar, its grammar actions or its type
// check (tests/parser/parse_errors_test.cc lists the few exceptions), with
// the byte span it is about; format_error() adds the line:col prefix. The
// language is Prometheus 3's with its default feature flags, except that
// experimental functions are enabled. Any input, however malformed or
// deeply nested, yields a value or an error, never a crash.
//
// Thread-safety: free functions; each thread reuses its own parse buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "parser/ast.h"

namespace cogwatch::parser {

// The deepest nesting of brackets and sub-expressions accepted, and the
// deepest tree (long operator chains nest too); deeper inputs get a parse
// error, so that no later recursion over a tree can exhaust the stack.
inline constexpr int kMaxNesting = 256;
inline constexpr int kMaxDepth = 1024;

// Parses and type-checks a PromQL expression.
Result<ExprPtr> parse_expr(std::string_view input);

// Parses a series selector as the HTTP API's match[] (Prometheus's
// ParseMetricSelector): `up`, `{job="cog"}`, `up{job=~"c.*"}`. Unlike
// parse_expr it makes no semantic checks, so `{a=""}` gives its matchers
// (the API refuses them itself, in its own words). Errors: kParse, as
// parse_expr's; anything but a plain selector (`up[5m]`, `up offset 1m`,
// `sum(up)`) is an error at the part after the selector (cogwatch's
// wording: "unexpected ... in series selector").
Result<std::vector<LabelMatcher>> parse_metric_selector(std::string_view input);

struct LineCol {
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in bytes, as Prometheus counts
};
LineCol line_col(std::string_view input, uint32_t byte_offset);

// "1:15: parse error: unexpected end of input" for a parse error ("unknown
// position: parse error: ..." for an empty input, as Prometheus says);
// other errors are returned as their message.
std::string format_error(std::string_view input, const Error& error);

}  // namespace cogwatch::parser
