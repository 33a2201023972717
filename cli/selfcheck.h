// `cogwatch selfcheck`: exercises the store end to end on synthetic Cog
// data (what a fleet of predictors would expose, scraped every 15s), reads
// every sample back through the querier and checks it, reports sizes, and
// applies the configured retention; then replays the built-in Cog alert
// rules against the simulated Cog service (cli/alert_replay.h).
// Until the daemon exists this is what the demo command runs.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "tsdb/head.h"

namespace cogwatch::cli {

struct SelfcheckOptions {
  int targets = 50;            // simulated Cog predictors
  int hours = 2;               // of data, at a 15s scrape interval
  tsdb::HeadOptions storage;   // retention is applied once at the end
};

// Returns the process exit code: 0 when every check passed.
int run_selfcheck(const SelfcheckOptions& options, std::ostream& out);

}  // namespace cogwatch::cli
