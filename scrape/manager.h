// ScrapeManager: the scrape side of a running cogwatch. From a Config it
// discovers targets (static_configs, file_sd_configs), derives their labels,
// and runs one loop per target: fetch (ScrapeFetcher) -> store (ScrapeLoop)
// every scrape_interval, at a stable per-target offset inside the interval
// as Prometheus spreads them, so a hundred targets do not all fire at once.
//
//   ScrapeManager manager(io, store);
//   if (Status s = manager.apply(config, "/etc/cogwatch"); !s) ...;
//   io.run();
//
// apply() again is a reload: targets that are gone stop and have their
// series marked stale; new ones start; the others are restarted with the
// new settings, keeping their scrape cache and last scrape's series (so a
// series that vanishes across the reload still gets its stale marker)
// unless the change alters what is stored (labels, honor_*, label limits,
// metric relabelling), as Prometheus does. A new interval or timeout makes
// new targets (they are target labels), whose old series go stale. file_sd files are
// re-read every file_sd_poll and on apply(). Relative paths in the config
// (file_sd files, password/credentials files, tls_config files) are taken
// relative to config_dir, as Prometheus takes them relative to its config
// file.
//
// Time: every timestamp and schedule comes from options.clock (the system
// clock unless a test gives a ManualClock), as the rule manager takes its
// time from its caller.
//
// Thread-safety: everything runs on the io_context's thread; apply(),
// targets() and stop() must be called there too.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "scrape/config.h"
#include "scrape/metadata.h"
#include "tsdb/appender.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::scrape {

struct TargetStatus {
  std::string job;
  std::string scrape_url;
  Labels labels;             // public labels (what samples carry)
  Labels discovered_labels;  // before relabelling (scrape/target.h's prerelabel_labels)
  enum class Health { kUnknown, kUp, kDown } health = Health::kUnknown;
  std::string last_error;
  Timestamp last_scrape = 0;  // ms since the epoch; 0 before the first scrape
  Duration last_scrape_duration = 0;
  uint64_t last_samples = 0;  // samples scraped last time
  Duration interval = 0;
  Duration timeout = 0;
  MetadataSnapshot metadata;  // # HELP/# TYPE/# UNIT of the families scraped, by name (never null)
};

// What the scrapes of one pool (job) did since the manager started, for
// the daemon's self metrics (Prometheus's prometheus_target_* families).
struct PoolStats {
  uint64_t scrapes = 0;
  uint64_t failed_scrapes = 0;      // the target was down: fetch, body or limit
  uint64_t limit_exceeded = 0;      // refused whole by sample_limit or a label limit
  uint64_t bucket_limit_exceeded = 0;  // refused whole by native_histogram_bucket_limit
  uint64_t samples_scraped = 0;     // lines with a sample
  uint64_t samples_rejected = 0;    // refused by the store (out of order, duplicate, ...)
  Duration last_duration_max = 0;   // the slowest target's last scrape
};

// A discovered target that relabelling dropped.
struct DroppedTarget {
  std::string job;
  Labels discovered_labels;  // before relabelling, as TargetStatus's
};

struct ScrapeManagerOptions {
  Duration file_sd_poll = 5 * kSecond;
  // Where "now" comes from: each target's offset and schedule, the scrape
  // timestamps stored, and the time of stale markers. Timers wait the
  // difference between a slot and clock->now() on the steady clock, so a
  // ManualClock a test steps is seen by the next timer armed. Scrape
  // durations are measured on the monotonic clock. Must outlive the manager.
  const Clock* clock = &system_clock();
  // Dropped targets kept per job for dropped_targets() (0: all, as
  // Prometheus's keep_dropped_targets default); the counts are always
  // complete.
  size_t keep_dropped_targets = 0;
};

class ScrapeManager {
 public:
  ScrapeManager(boost::asio::io_context& io, tsdb::AppenderFactory& store, ScrapeManagerOptions options = {});
  ~ScrapeManager();  // stops every loop (no stale markers: the process is ending)
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Starts or reloads. `config_dir` resolves relative file_sd paths. On an
  // error (a file_sd file that does not parse, a bad relabel result) the
  // running targets are left as they were.
  Status apply(const Config& config, const std::string& config_dir);

  // Every target, sorted by job then labels.
  std::vector<TargetStatus> targets() const;
  // The targets relabelling dropped at the last discovery, by job then in
  // discovery order (at most keep_dropped_targets per job).
  std::vector<DroppedTarget> dropped_targets() const;
  // How many targets relabelling dropped, for every job of the config
  // (0 included), as Prometheus 3's droppedTargetCounts.
  std::map<std::string, size_t> dropped_target_counts() const;

  // By job, every pool that ever ran (counters survive reloads).
  std::map<std::string, PoolStats> pool_stats() const;

  // Stops every loop and marks their series stale now.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The offset within `interval` at which a target with this hash scrapes,
// as Prometheus computes it (hash modulo interval, relative to the interval
// grid), given the current time.
Duration scrape_offset(uint64_t target_hash, Duration interval, Timestamp now);

}  // namespace cogwatch::scrape
