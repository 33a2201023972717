// `cogwatch tsdb analyze [DIR] [BLOCK]`: promtool tsdb analyze's report on
// one block of a data directory, or on its head: series, label names,
// postings, chunks, and the top --limit rows of promtool's six tables.
//
//   Block ID: 0001700000000-0001700007199
//   Duration: 2h0m0s
//   Total Series: 280
//   Label names: 6
//   Postings (unique label pairs): 312
//   Postings entries (total label pairs): 1400
//   Chunks: 560
//   Chunk bytes: 71680
//   Samples: 134400
//
//   Label pairs most involved in churning:
//   17 job=cog
//   ...
//
// BLOCK is a block's name as in DIR/blocks/ (with or without ".block"),
// or "head"; by default the newest block, as promtool, and the head when
// there is no block yet. The directory is opened read-only
// (tsdb::Db::open_read_only): no lock taken, nothing written, so it works
// beside a `cogwatch run` that holds it; the head is what its log held at
// that moment.
//
// Rows are sorted by value, largest first, ties by name. A churn value is
// promtool's: per label pair (or name), the part of the block's time range
// its series do not cover, summed and divided by the range (how many
// series' worth of time is missing). The range is promtool's MaxTime -
// MinTime, MaxTime exclusive: a block of [mint, maxt] spans maxt - mint + 1
// ms, and the head [its oldest sample, its newest + 1 ms), as promtool's
// block writer would cut a block of the same samples. Exit codes: 0; 1 when the directory
// is missing, not cogwatch's, of a newer format, or BLOCK is unknown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace cogwatch::cli {

struct TsdbAnalyzeOptions {
  std::string path = "data/";  // --storage.tsdb.path or the first argument
  std::string block;           // "" (newest block, else head), "head", or a block's name
  size_t limit = 20;           // --limit: rows per table
};

int run_tsdb_analyze(const TsdbAnalyzeOptions& options, std::ostream& out, std::ostream& err);

// Go's time.Duration.String() of a number of milliseconds ("2h0m0s",
// "1h59m59.999s", "500ms", "0s"), as promtool prints durations.
std::string go_duration_string(int64_t ms);

}  // namespace cogwatch::cli
