// Parsing the Prometheus text exposition format (0.0.4) and OpenMetrics
// 1.0 text: the bodies targets serve on /metrics, and the timestamped
// files `cogwatch query --data` loads.
//
//   auto samples = parse_exposition(body, ExpositionFormat::kPrometheusText);
//   if (!samples) std::cerr << samples.error().message;  // "line 40: ..."
//
// A body is all or nothing: the first malformed line makes the whole parse
// fail with a message naming the line. Comments (# HELP, # TYPE, # UNIT)
// are accepted and skipped; OpenMetrics exemplars are ignored; OpenMetrics
// bodies must end with "# EOF".
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::scrape {

enum class ExpositionFormat : uint8_t {
  kPrometheusText,  // timestamps in integer milliseconds
  kOpenMetrics,     // timestamps in seconds, "# EOF" at the end
};

struct ParsedSample {
  Labels labels;  // __name__ and the sample's labels
  double value = 0;
  std::optional<Timestamp> timestamp;  // ms
  uint32_t line = 0;                   // 1-based
};

// Errors: kParse, "line N: <what was expected>".
Result<std::vector<ParsedSample>> parse_exposition(std::string_view body, ExpositionFormat format);

// OpenMetrics when the body's last non-empty line is "# EOF", otherwise the
// Prometheus text format.
ExpositionFormat detect_format(std::string_view body);

}  // namespace cogwatch::scrape
