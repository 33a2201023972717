// `cogwatch query`: evaluates PromQL against files of timestamped samples
// (Prometheus text or OpenMetrics, as `promtool tsdb
// create-blocks-from openmetrics` takes them) and prints the JSON that
// Prometheus's /api/v1/query or /api/v1/query_range put in "data".
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cogwatch::cli {

struct QueryOptions {
  std::vector<std::string> data_files;
  std::string expr;
  std::optional<std::string> time;   // instant query; default: the newest sample
  std::optional<std::string> start;  // range query: start, end and step together
  std::optional<std::string> end;
  std::optional<std::string> step;
};

// Returns the exit code (cli/exit_codes.h): 0 on success, 1 when the data or
// the expression cannot be used (written to err with its position: the
// PromQL column, or the data file's line), 2 for bad --time/--start/--end/
// --step values. On err, also: the evaluation's warnings and infos, as the
// API's "warnings"/"infos" strings ("PromQL info: metric might not be a
// counter, ... (1:6)"); text-format files whose timestamps look like
// seconds (and OpenMetrics ones that look like milliseconds); samples
// dropped because their series already had their timestamp (the first
// read is kept), each kind listed up to 5 times, then counted.
int run_query(const QueryOptions& options, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
