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

// Returns the exit code: 0 on success, 1 on any error (written to err with
// its position: the PromQL column, or the data file's line).
int run_query(const QueryOptions& options, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
