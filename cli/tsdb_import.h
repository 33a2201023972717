// `cogwatch tsdb import openmetrics FILE [DIR]`: promtool tsdb
// create-blocks-from openmetrics. Reads samples with timestamps from an
// OpenMetrics text file (ending with "# EOF"; timestamps in seconds, with
// decimals; counters, gauges, histograms and summaries all as float
// series, one per sample line) and writes them into the data directory
// DIR (default data/, created if absent) as blocks, one per
// --max-block-duration window that holds samples, aligned as promtool's
// (2h by default; a longer maximum picks promtool's largest block range
// of 2h * 3^k that fits it).
//
//   BLOCK                        MIN TIME       MAX TIME       DURATION  NUM SAMPLES  NUM CHUNKS  NUM SERIES  SIZE
//   0001700000000-0001700007199  1700000000000  1700007199999  2h0m0s    480          4           4           1093
//
// promtool's rules: every sample needs a timestamp; within one block's
// window a series' samples come in time order ("out of order sample"), a
// repeated timestamp has the same value (else "duplicate sample for
// timestamp"; the same value again is ignored). The whole file is checked
// before anything is written, and so is every window against the
// directory: cogwatch does not merge blocks, so a window that overlaps a
// block the directory holds, or the windows of its head (the log's data),
// is refused with both time ranges named, and nothing is written. Data for
// the last few hours belongs to the running daemon: import older data.
// Retention (--storage.tsdb.retention.time of the daemon, 15d by default)
// removes imported blocks older than it at the daemon's next pass.
//
// The directory is taken as `cogwatch run` takes it (its lock), so an
// import into a directory a daemon holds is refused; the daemon reads the
// new blocks when it next opens it. Every refusal (a held lock, an
// overlap, a directory that is not cogwatch's) comes before anything in
// the directory is written, so it is left exactly as it was. Exit codes:
// 0; 1 for a file or directory that cannot be used (missing, unparsable,
// out of order, overlapping, locked, not cogwatch's).
#pragma once

#include <iosfwd>
#include <string>

#include "model/time.h"

namespace cogwatch::cli {

struct TsdbImportOptions {
  std::string input;                        // the OpenMetrics file
  std::string output = "data/";             // the data directory
  Duration max_block_duration = 2 * kHour;  // --max-block-duration
  bool quiet = false;                       // --quiet: no table of blocks
};

int run_tsdb_import(const TsdbImportOptions& options, std::ostream& out, std::ostream& err);

// promtool's getCompatibleBlockDuration: 2h, or for a longer maximum the
// largest of 2h * 3^k (k < 10) that does not exceed it.
Duration import_block_duration(Duration max_block_duration);

}  // namespace cogwatch::cli
