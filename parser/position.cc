#include <string>

#include "parser/parser.h"

namespace cogwatch::parser {

LineCol line_col(std::string_view input, uint32_t byte_offset) {
  LineCol lc;
  const size_t end = std::min<size_t>(byte_offset, input.size());
  size_t line_start = 0;
  for (size_t i = 0; i < end; ++i) {
    if (input[i] == '\n') {
      ++lc.line;
      line_start = i + 1;
    }
  }
  lc.column = static_cast<uint32_t>(end - line_start + 1);
  return lc;
}

std::string format_error(std::string_view input, const Error& error) {
  if (error.code != ErrorCode::kParse) return error.message;
  if (input.empty()) return "unknown position: parse error: " + error.message;  // as Prometheus's StartPosInput
  const LineCol lc = line_col(input, error.span.begin);
  return std::to_string(lc.line) + ":" + std::to_string(lc.column) + ": parse error: " + error.message;
}

}  // namespace cogwatch::parser
