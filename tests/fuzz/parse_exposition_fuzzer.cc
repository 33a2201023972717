// libFuzzer target: any body given to the exposition parser yields samples
// or an error naming a line, in both formats, and never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scrape/exposition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogwatch::scrape;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (ExpositionFormat f : {ExpositionFormat::kPrometheusText, ExpositionFormat::kOpenMetrics}) {
    auto r = parse_exposition(body, f);
    if (!r && r.error().message.rfind("line ", 0) != 0) std::abort();  // errors must name the line
  }
  return 0;
}
