// libFuzzer target: any byte string given to the PromQL parser yields a tree
// or an error, and a tree prints to text that parses to an equal tree.
// Built by scripts/fuzz.sh with clang; run for a bounded time in CI.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parser/parser.h"
#include "parser/printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogwatch::parser;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto e = parse_expr(input);
  if (!e) return 0;
  const std::string printed = print(**e);
  auto again = parse_expr(printed);
  if (!again || !equal(**e, **again)) std::abort();  // the printer lost something
  return 0;
}
