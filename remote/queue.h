// RemoteWriteQueue: one `remote_write` entry at work. It reads the store's
// write-ahead log (WalWatcher), adds the external labels and applies
// write_relabel_configs, and sends the samples (floats and native
// histograms) to the receiver in
// Remote-Write 1.0 or 2.0 bodies, retrying what the receiver could not
// take now. Its place in the log is saved in a file once everything
// before it was accepted (or refused for good), so a restart resumes
// there, and the store keeps the segments the queue has not read
// (Db::hold_wal, through options.hold).
//
//   RemoteWriteQueue q(config, {.wal_dir = "data/wal", .state_dir = "data/remote",
//                               .hold = [&](uint32_t s) { db.hold_wal(config.queue_name(), s); }});
//   q.start();
//   ... q.stats() for /metrics ...
//   q.stop();  // the position saved is what the receiver accepted
//
// Native histograms are sent as Prometheus documents send_native_histograms:
// over 1.0 only when it is set (stale markers of histogram series too, as
// histograms whose sum is the stale NaN), over 2.0 always; custom-bucket
// histograms (schema -53) only over 2.0 (1.0 drops them, counted, as
// Prometheus does; their series' stale marker, of schema 0, still goes, as
// Prometheus's). They count as samples towards capacity and
// max_samples_per_send.
//
// Sending works in rounds. A round reads what the log holds past the
// position, up to queue_config.capacity samples; it waits for more while
// it has fewer than max_samples_per_send and its oldest sample waited less
// than batch_send_deadline. The samples are split by series into shards
// (so each series' samples stay in order), as many as the round needs at
// max_samples_per_send per body, within [min_shards, max_shards]: a
// backlog raises them, a quiet log lowers them. The shards send at once,
// each its bodies in turn. A body is retried after a connection error or
// a 5xx (and a 429 with retry_on_http_429), waiting what the answer's
// Retry-After header asks for, or else min_backoff doubling up to
// max_backoff; another 4xx drops it (counted as failed). A 2.0 receiver
// that answers X-Prometheus-Remote-Write-Samples-Written with fewer than
// were sent refused the rest: counted as failed, not sent again. When every
// body of the round is done the position moves past the round. A round
// cut short by stop() is not saved: the next start sends it again (the
// receiver takes a sample it already has as the same sample).
//
// Metadata (metadata_config), as Prometheus's metadata watcher: every
// send_interval, between rounds, 1.0 sends every family's metadata in
// bodies of max_samples_per_send entries, retried as samples are until
// the next send_interval is due (then counted as failed); 2.0
// takes the families' metadata then and sends it with each series whose
// name is the family's (or the family's plus _total, _bucket, _sum,
// _count, _created, _info).
//
// Thread-safety: start(), stop() and stats() may be called from any
// thread; the queue works on a thread of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/labels.h"
#include "remote/wal_watcher.h"
#include "remote/write_config.h"
#include "remote/write_request.h"
#include "tsdb/file_system.h"

namespace cogwatch::remote {

struct QueueOptions {
  std::string wal_dir;    // the store's log
  std::string state_dir;  // where <queue name>.position is kept (created)
  tsdb::FileSystem* fs = &tsdb::FileSystem::posix();
  Labels external_labels;  // added to every series that lacks the label, before relabelling
  const Clock* clock = nullptr;  // for sample_age_limit; nullptr: the system clock
  // Told the oldest log segment the queue still needs, whenever that
  // changes (and at once, from the saved position).
  std::function<void(uint32_t segment)> hold;
  Duration poll_interval = 200 * kMillisecond;  // how often the log is looked at when idle
  // The scraped metric families' metadata (TYPE, HELP, UNIT), asked for
  // every metadata_config.send_interval when metadata_config.send is on:
  // 1.0 sends it in requests of its own, 2.0 with each series. Null: none.
  std::function<std::vector<WriteMetadata>()> metadata;
};

// The queue's self-metrics, as Prometheus's prometheus_remote_storage_*.
// Samples are floats; histograms (native, either kind) are counted apart,
// as Prometheus's prometheus_remote_storage_histograms_*.
struct QueueStats {
  uint64_t samples_sent = 0;      // accepted by the receiver
  uint64_t samples_failed = 0;    // refused for good (a 4xx)
  uint64_t samples_retried = 0;   // sent again after a failure
  uint64_t samples_dropped = 0;   // dropped before sending: relabelled away, older than sample_age_limit
  uint64_t samples_pending = 0;   // read from the log, not yet accepted or refused
  uint64_t histograms_sent = 0;
  uint64_t histograms_failed = 0;
  uint64_t histograms_retried = 0;
  uint64_t histograms_dropped = 0;  // as samples, and custom-bucket ones over 1.0
  uint64_t histograms_pending = 0;
  uint64_t bytes_sent = 0;        // request bodies (compressed) accepted
  Timestamp highest_sent_timestamp = 0;  // ms; 0: none yet
  uint64_t shards = 0;            // sending the current round
  uint64_t failed_requests = 0;   // answers that were errors (each retried or dropped)
  uint64_t metadata_sent = 0;     // 1.0 metadata entries accepted
  uint64_t metadata_failed = 0;   // refused for good
  uint64_t metadata_retried = 0;  // sent again after a failure
  uint64_t metadata_bytes = 0;    // their request bodies accepted
  WalWatcherStats wal;            // what reading the log found
  std::string last_error;         // the last failed request's or file's error, for the log and status
  WalPosition position;           // saved: the receiver has everything before it
};

class RemoteWriteQueue {
 public:
  RemoteWriteQueue(RemoteWriteConfig config, QueueOptions options);
  ~RemoteWriteQueue();  // stop()
  RemoteWriteQueue(const RemoteWriteQueue&) = delete;
  RemoteWriteQueue& operator=(const RemoteWriteQueue&) = delete;

  // Reads the saved position (calling options.hold) and starts the queue's
  // thread. Returns a note for the log ("" if none): a position file that
  // cannot be read is set aside as <file>.damaged and the queue starts at
  // the log's end. Errors: the state directory cannot be created.
  Result<std::string> start();
  // Ends the queue's thread. With a flush deadline in the future, first
  // sends what the log holds now (retrying as usual) until it is all
  // accepted or the deadline passes, as Prometheus flushes its queues at
  // shutdown. Then the round in progress is abandoned (not saved); the
  // position stays what was accepted.
  void stop(std::chrono::steady_clock::time_point flush_deadline = {});
  // Starts what stop() with a flush deadline does first, without waiting:
  // several queues drain at once, then each is stopped.
  void drain();
  QueueStats stats() const;
  const RemoteWriteConfig& config() const;
  // "<state_dir>/<queue name>.position".
  std::string position_path() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The position file: "cogwatch remote-write position 1\n<segment> <offset>\n".
// Missing: {0, 0}. Damaged: kInvalidArgument naming the file.
Result<WalPosition> read_position_file(tsdb::FileSystem& fs, const std::string& path);
// Written to path.tmp, synced and renamed.
Status write_position_file(tsdb::FileSystem& fs, const std::string& path, WalPosition p);

}  // namespace cogwatch::remote
