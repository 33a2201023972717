// Runs PromQL test scripts in Prometheus's promqltest language:
//
//   load 5m
//     http_requests{job="api"} 0+10x10
//   eval instant at 50m sum(http_requests)
//     {} 100
//   eval range from 0 to 10m step 5m http_requests
//     http_requests{job="api"} 0 10 20
//   clear
//
// Supported: load (expanding notation), clear, eval instant/range with
// `expect fail|warn|info [msg:|regex:]`, `expect no_warn|no_info`,
// `expect ordered`, `expect string`, and the older eval_fail /
// eval_ordered / eval_warn / eval_info forms. Each instant case is run
// again as a range query over the one instant. Cases that need native
// histograms, `expect range vector`, or an experimental feature cogwatch
// does not implement are skipped, with the reason.
//
// Thread-safety: functions without shared state.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cogwatch::promqltest {

struct FileResult {
  std::string file;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  std::vector<std::string> skip_reasons;  // one per skipped case: "file:line: reason"
};

// Runs one script; writes each failure (file:line, query, expected, got) to
// `out`. A script that cannot be read or has a syntax error counts one
// failure naming the line.
FileResult run_file(const std::string& path, std::ostream& out);

// Runs scripts held in memory (for tests); `name` is used in messages.
FileResult run_script(const std::string& name, const std::string& content, std::ostream& out);

}  // namespace cogwatch::promqltest
