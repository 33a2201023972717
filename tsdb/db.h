// Db: the durable store. A Head whose every commit is written to a
// write-ahead log in a data directory before it returns; opening the
// directory rebuilds the head from the log. Once a 2h window of time is
// over, its chunks move from the head into a block file (tsdb/block.h),
// read through a mapping; a checkpoint then writes the (now small) head
// once, so the log segments before it can go. Retention removes whole
// blocks. docs/storage-format.md draws the files:
//
//   <dir>/FORMAT                     "cogwatch tsdb 1": refused if newer
//   <dir>/lock                       held while a process has it open
//   <dir>/blocks/<mint>-<maxt>.block one finished window
//   <dir>/wal/00000007 ...           log segments (tsdb/wal.h)
//   <dir>/wal/checkpoint.00000006    the head as of segment 7's start
//
//   DbOpenReport report;
//   auto db = Db::open("data", DbOptions{.head = {...}}, &report);
//   if (!db) fail(db.error().message);   // newer format, locked, unwritable
//   for (const WalDamage& d : report.damage) log(d);
//   (*db)->head().appender() ...
//   every few seconds:  (*db)->sync();
//   every few seconds:  (*db)->compact();          // when a window is over
//                       if ((*db)->checkpoint_due()) (*db)->checkpoint();
//   every minute:       (*db)->apply_retention(); (*db)->release_block_pages();
//
// Damage is repaired, not fatal: a segment is read up to its first bad
// record, cut there, and the rest of the log is read on (samples of series
// whose records were lost are counted and dropped). Only a directory that
// cannot be used at all (a newer format, held by another process, not
// writable, not cogwatch's) fails open(), before anything in it is
// changed.
//
// A read-only open (open_read_only) reads the same files without taking
// the lock and without changing anything: the blocks as they are (a
// damaged one is skipped, not set aside), the log replayed into memory up
// to its first damage (not cut). It may run while another process holds
// the directory; what it sees is the directory as of its open. Its head
// takes appends in memory only, and sync(), checkpoint(), compact() and
// import_block() fail with kInvalidArgument.
//
// Blocks from elsewhere (cogwatch tsdb import): import_block() writes one
// block of samples that arrived some other way, with refs the head
// assigns, and refuses any range that overlaps a block or the head's
// windows: select() reads blocks one after the other and open() starts
// the appendable window after the newest block, so overlapping data would
// read out of order or be dropped.
//
// Thread-safety: head() may be used from any thread; every method may be
// called from any thread (compaction, checkpoints and retention take turns).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/error.h"
#include "tsdb/block.h"
#include "tsdb/file_system.h"
#include "tsdb/head.h"
#include "tsdb/wal.h"

namespace cogwatch::tsdb {

inline constexpr int kStorageFormatVersion = 1;

struct DbOptions {
  // The head's options. Its retention_time and retention_bytes apply to
  // the whole store (blocks, log and head), by whole blocks, as
  // Prometheus's: the head itself keeps only unfinished windows.
  HeadOptions head;
  FileSystem* fs = &FileSystem::posix();
  uint64_t wal_segment_bytes = 32ull << 20;
  // checkpoint_due() once the log since the last checkpoint holds this
  // many bytes and more than the head's chunks: replaying it would then
  // cost more than reading a checkpoint.
  uint64_t checkpoint_min_wal_bytes = 64ull << 20;
  // Log segments a checkpoint replaced may be kept for readers of the log
  // that have not read them yet (hold_wal(): remote-write queues behind
  // their receiver), up to this many bytes in all; past it the oldest go.
  // 0: none are kept.
  uint64_t wal_hold_bytes = 0;
};

// What open() found and did.
struct DbOpenReport {
  std::string checkpoint;         // the checkpoint read ("" if none)
  uint32_t segments_read = 0;
  uint64_t series = 0;            // series restored
  uint64_t samples = 0;           // samples restored (in chunks or one by one)
  uint64_t unknown_series_samples = 0;  // dropped: their series record was lost
  uint64_t skipped_samples = 0;   // dropped: older than what their series held
  uint64_t bad_records = 0;       // dropped: checksum fine, contents unreadable
  std::vector<WalDamage> damage;  // where files were cut, and what it cost
  std::vector<std::string> notes;  // other things worth a log line
  Timestamp min_time = kMaxTimestamp;  // time range restored (blocks and log)
  Timestamp max_time = kMinTimestamp;
  double seconds = 0;             // how long opening took
};

struct CheckpointResult {
  uint32_t segment = 0;          // the checkpoint covers segments below this
  uint64_t series = 0;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  uint64_t segments_removed = 0;
  double seconds = 0;
};

struct CompactionResult {
  uint64_t blocks = 0;   // written
  uint64_t series = 0;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

struct DbRetentionResult {
  uint64_t blocks_removed = 0;
  uint64_t bytes_removed = 0;
  uint64_t series_removed = 0;
  Timestamp oldest = kMaxTimestamp;  // the oldest time still held
};

struct DbStats {
  uint64_t wal_bytes = 0;             // log segments since the last checkpoint
  uint32_t wal_segment = 0;           // the segment being written
  uint64_t checkpoints = 0;           // written since open
  uint64_t checkpoint_failures = 0;
  uint64_t sync_failures = 0;
  uint64_t corruptions_repaired = 0;  // at open: damaged files cut or set aside
  uint64_t blocks = 0;
  uint64_t block_bytes = 0;
  uint64_t compactions = 0;
  uint64_t compaction_failures = 0;
  uint64_t damaged_chunks = 0;        // in blocks, skipped when read
  uint64_t wal_held_bytes = 0;        // segments kept past a checkpoint for hold_wal()
  uint64_t wal_hold_dropped_segments = 0;  // held segments removed anyway: over wal_hold_bytes
};

// One series of a block from elsewhere: its labels and its chunks, oldest
// first, within the block's range.
struct ImportedSeries {
  Labels labels;
  std::vector<ChunkRef> chunks;
};

class Db {
 public:
  static Result<std::unique_ptr<Db>> open(const std::string& dir, DbOptions options, DbOpenReport* report = nullptr);
  // Reads the directory without taking it over (see above). Errors
  // (kNotFound, kInvalidArgument): no such directory, no FORMAT file (not
  // a cogwatch data directory, empty or not), a newer format. A file that
  // the owning process removes meanwhile (a checkpoint replacing segments)
  // makes it start over, a few times.
  static Result<std::unique_ptr<Db>> open_read_only(const std::string& dir, DbOptions options,
                                                    DbOpenReport* report = nullptr);
  ~Db();  // syncs the log and releases the directory
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Head& head() { return *head_; }
  const std::string& dir() const { return dir_; }

  // Makes every commit so far durable against a power loss.
  Status sync();
  // Writes the head as a checkpoint and removes the log segments and older
  // checkpoint it replaces. Commits go on meanwhile (they wait only while
  // the head is snapshotted). On failure the old checkpoint and segments
  // stay and nothing is lost.
  Result<CheckpointResult> checkpoint();
  // Whether checkpoint() should run now: the log outgrew the head
  // (DbOptions::checkpoint_min_wal_bytes), or commits failed to reach the
  // log (a full disk) since the last checkpoint began. Those commits are
  // in memory only until a checkpoint writes them, so it is due as soon
  // as the disk takes writes again.
  bool checkpoint_due() const;
  // Moves every finished window (one that ended half a window before the
  // newest sample: nothing can be appended to it any more) from the head
  // into a block, then writes a checkpoint. Nothing to do is no error.
  Result<CompactionResult> compact();
  // Writes a block of [mint, maxt] holding `series` (chunks within the
  // range; series without chunks are left out) and adds it to the store.
  // Series the store does not know get refs of their own, logged (and
  // synced) before the block appears, so the next open finds them.
  // Errors, before anything is written: kInvalidArgument when [mint, maxt]
  // overlaps a block, or reaches the window of the head's oldest sample
  // (the message names both ranges), or the Db is read-only. Meant for an
  // offline import: REQUIRES no appender active meanwhile.
  Result<CompactionResult> import_block(Timestamp mint, Timestamp maxt, std::vector<ImportedSeries> series);
  // import_block()'s check of the range alone, so that an importer can
  // check every block it will write before writing the first.
  Status check_import(Timestamp mint, Timestamp maxt) const;
  bool read_only() const { return read_only_; }
  // Removes the blocks entirely older than the retention time before the
  // newest sample, then the oldest blocks while everything under the
  // directory exceeds the retention size; forgets series left without
  // data.
  DbRetentionResult apply_retention();
  // Block::release_pages() for every block: what queries read from blocks
  // leaves the process's resident memory (the page cache keeps it). The
  // daemon calls it every minute, so the RSS is the head, the index and
  // what the last minute's queries read, not the history.
  void release_block_pages() const;
  // Keeps log segment `segment` and the later ones for `holder` (a
  // reader of the log: a remote-write queue not yet past them) when a
  // checkpoint replaces them, within DbOptions::wal_hold_bytes for all
  // holders together. A new call moves the holder's mark; release_wal()
  // drops it. Segments kept are not replayed: the checkpoint has them.
  void hold_wal(const std::string& holder, uint32_t segment);
  void release_wal(const std::string& holder);
  // Bytes of every file under the directory.
  uint64_t size_bytes() const;
  DbStats stats() const;

 private:
  Db(std::string dir, DbOptions options, bool read_only = false);
  static Result<std::unique_ptr<Db>> open_read_only_once(const std::string& dir, DbOptions options,
                                                         DbOpenReport& report);
  Status open_blocks(DbOpenReport& report);
  Status replay(DbOpenReport& report);
  Result<CheckpointResult> checkpoint_locked();
  Status write_checkpoint(const std::string& path, uint32_t segment, CheckpointResult& result);

  const std::string dir_;
  const std::string wal_dir_;
  const DbOptions options_;
  const bool read_only_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Head> head_;
  std::unique_ptr<Wal> wal_;

  mutable std::mutex mu_;  // guards what follows
  uint32_t first_segment_ = 1;  // the first segment after the last checkpoint
  uint32_t held_from_ = 1;      // the oldest segment kept (held_from_ < first_segment_: kept for holders)
  std::map<std::string, uint32_t> holds_;  // hold_wal()
  // HeadStats::wal_write_failures when the last successful checkpoint took
  // its snapshot: failures after it are not covered yet. Guarded by mu_.
  uint64_t wal_failures_covered_ = 0;
  DbStats stats_;
  const std::string blocks_dir_;
  std::mutex maintenance_mu_;  // one compaction, checkpoint or retention pass at a time
};

}  // namespace cogwatch::tsdb
