// WalWatcher: reads the store's write-ahead log as it grows, for a
// remote-write queue. The queue is fed from the log, not from a buffer in
// memory, so a receiver that is down for hours costs disk, not samples,
// and a restarted cogwatch resumes where its queue stopped.
//
//   WalWatcher w(fs, "data/wal", saved_position, /*read_histograms=*/true);  // {} : from the log's end
//   WalBatch out;
//   while (running) {
//     if (auto s = w.read(2000, out); !s) log(s.error().message);
//     for (const WalEntry& e : out.entries) {
//       if (e.is_histogram()) send(*w.labels(e.ref), e.t, out.histograms[e.histogram]);
//       else send(*w.labels(e.ref), e.t, e.v);
//     }
//     save(w.position());  // once the receiver has them
//   }
//
// Series records (and the newest checkpoint's series) fill a table of
// labels by ref; samples records, float and native histogram ones, are
// delivered in commit order. A float stale marker of a series whose last
// sample was a histogram is delivered as a histogram stale marker of the
// same kind (sum = the stale NaN), which is what Prometheus's log holds
// there and so what its remote write sends (the store here logs the
// float it was given). Without read_histograms (remote_write's
// send_native_histograms off), histograms and such stale markers are
// skipped and counted. A record cut short at the end of the segment being
// written is not damage: the watcher waits for the rest. In a closed
// segment, damage skips the rest of the segment; a segment removed before
// it was read (the queue lagged past what the store kept) is skipped; both
// are counted. When the position passes a newer checkpoint, series named
// neither in it nor in the one before (nor in a segment since) are
// forgotten, so the table follows the store's churn.
//
// Thread-safety: single-threaded (one per queue). Reading files the Wal
// writes concurrently is safe: the watcher only maps and reads them.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "tsdb/file_system.h"
#include "tsdb/internal/wal_records.h"

namespace cogwatch::remote {

// Where in the log reading resumes: a segment and the offset of a record
// boundary in it. {0, 0}: nowhere yet.
struct WalPosition {
  uint32_t segment = 0;
  uint64_t offset = 0;
  auto operator<=>(const WalPosition&) const = default;
};

// One sample read from the log: a float, or a native histogram kept in
// its batch's `histograms`.
struct WalEntry {
  tsdb::SeriesRef ref = 0;
  Timestamp t = 0;
  double v = 0;             // a float's value
  int32_t histogram = -1;   // a histogram's index in WalBatch::histograms; -1: a float
  bool is_histogram() const { return histogram >= 0; }
};

using WalHistogram = std::variant<Histogram, FloatHistogram>;

// What read() appends to: entries in commit order.
struct WalBatch {
  std::vector<WalEntry> entries;
  std::vector<WalHistogram> histograms;
  size_t size() const { return entries.size(); }
  bool empty() const { return entries.empty(); }
  void clear() {
    entries.clear();
    histograms.clear();
  }
};

struct WalWatcherStats {
  uint64_t samples_read = 0;      // floats delivered
  uint64_t histograms_read = 0;   // histograms delivered (either kind, stale markers included)
  uint64_t histograms_skipped = 0;  // not delivered: read_histograms is off
  uint64_t series_read = 0;
  uint64_t unknown_series_samples = 0;  // samples (of any kind) of a ref no series record named
  uint64_t segments_missed = 0;         // removed before they were read
  uint64_t damaged_bytes = 0;           // skipped in closed segments
  uint64_t checkpoints_read = 0;
};

class WalWatcher {
 public:
  // `start`: a position a previous watcher reported; {0, 0} begins at the
  // log's end as it is when read() is first called (a new queue sends
  // what is committed from then on, as Prometheus's do). `read_histograms`:
  // deliver native histogram samples too.
  WalWatcher(tsdb::FileSystem& fs, std::string wal_dir, WalPosition start, bool read_histograms = true);

  // Appends to `out` the samples committed past the position, whole
  // records at a time, stopping once `out` holds max_samples or more
  // (floats and histograms alike; a record is never split) or at the end
  // of what is written; moves the position past what it appended. An
  // error (the directory cannot be listed, a segment of a newer format)
  // leaves the position.
  Status read(size_t max_samples, WalBatch& out);

  // The labels of a ref read from a series record, or nullptr.
  const Labels* labels(tsdb::SeriesRef ref) const;
  WalPosition position() const { return position_; }
  const WalWatcherStats& stats() const { return stats_; }
  size_t num_series() const { return series_.size(); }

 private:
  struct Series {
    Labels labels;
    uint32_t segment;  // where its record was last read (a checkpoint's number for its series)
  };
  // First read: the newest checkpoint's series, then the series records
  // before the start position (or of the whole log, for {0, 0}).
  Status start();
  // Reads the series of checkpoint.N, forgetting series named neither in
  // it nor since the checkpoint before it.
  Status load_checkpoint(uint32_t n);
  // Loads the newest checkpoint if it is newer than the last one read and
  // the position has passed it.
  Status load_newer_checkpoint();
  // The newest checkpoint's number, if any.
  Result<uint32_t> newest_checkpoint() const;
  // Adds the series of a series record, as last seen in `segment`;
  // returns how many it named.
  size_t add_series(std::span<const uint8_t> payload, uint32_t segment);
  // Reads the records of `segment` that begin in [from, until); series
  // always, samples only when `out` is non-null (without it, histogram
  // records only say which series hold histograms). Sets end to the
  // offset after the last whole record read, and torn_bytes to what
  // follows it when the file is damaged there (a record cut short).
  Status read_segment(uint32_t segment, uint64_t from, uint64_t until, WalBatch* out, size_t max_samples,
                      uint64_t& end, uint64_t& torn_bytes);
  // A float sample, or the histogram stale marker it stands for.
  void add_float(const tsdb::internal::WalSample& s, WalBatch& out);
  template <typename H>
  void add_histogram(tsdb::SeriesRef ref, Timestamp t, const H& h, WalBatch* out);

  tsdb::FileSystem& fs_;
  const std::string dir_;
  WalPosition position_;
  bool started_ = false;
  uint32_t checkpoint_ = 0;  // the newest checkpoint read; 0: none
  boost::unordered_flat_map<tsdb::SeriesRef, Series> series_;
  // The series whose newest sample read was a histogram, and which kind
  // (true: float histograms), for their stale markers.
  boost::unordered_flat_map<tsdb::SeriesRef, bool> histogram_series_;
  const bool read_histograms_;
  WalWatcherStats stats_;
};

}  // namespace cogwatch::remote
