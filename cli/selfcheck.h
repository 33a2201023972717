// `cogwatch selfcheck`: exercises the store end to end on synthetic Cog
// data (what a fleet of predictors would expose, scraped every 15s), reads
// every sample back through the querier and checks it, then reports sizes.
// Until the daemon exists this is what the demo command runs.
#pragma once

#include <cstdint>
#include <iosfwd>

namespace cogwatch::cli {

struct SelfcheckOptions {
  int targets = 50;            // simulated Cog predictors
  int hours = 2;               // of data, at a 15s scrape interval
  bool verbose = false;
};

// Returns the process exit code: 0 when every check passed.
int run_selfcheck(const SelfcheckOptions& options, std::ostream& out);

}  // namespace cogwatch::cli
