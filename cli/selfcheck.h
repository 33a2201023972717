// `cogwatch selfcheck`: exercises the store end to end on synthetic Cog
// data (what a fleet of predictors would expose, scraped every 15s), reads
// every sample back through the querier and checks it, reports sizes, and
// applies the configured retention; then replays the built-in Cog alert
// rules against the simulated Cog service (cli/alert_replay.h).
// Until the daemon exists this is what the demo command runs.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>

#include "model/error.h"
#include "tsdb/head.h"

namespace cogwatch::cli {

struct SelfcheckOptions {
  int targets = 50;            // simulated Cog predictors
  int hours = 2;               // of data, at a 15s scrape interval
  tsdb::HeadOptions storage;   // retention is applied once at the end
};

// Returns the process exit code: 0 when every check passed.
int run_selfcheck(const SelfcheckOptions& options, std::ostream& out);

// What a run of this size holds in memory at its peak, estimated from the
// bytes it keeps per sample (the expected timestamp, 8 B, and the chunk
// bytes, ~3.3 B) and per series.
uint64_t selfcheck_memory_estimate(const SelfcheckOptions& options);

// MemAvailable from /proc/meminfo, in bytes; nothing when it cannot be read.
std::optional<uint64_t> available_memory();

// Refuses sizes that cannot fit before anything is allocated. Errors:
// kResourceExhausted naming the flags, the estimate and `available`; no
// error when `available` is unknown.
Status check_selfcheck_fits(const SelfcheckOptions& options, std::optional<uint64_t> available);

}  // namespace cogwatch::cli
