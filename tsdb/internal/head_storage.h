// HeadStorage: what tsdb::Db does to a Head beneath its public interface:
// rebuilds it from the write-ahead log and its checkpoint (series with the
// refs they had, samples, chunks), takes the consistent snapshot a
// checkpoint is written from, and moves finished time windows out of the
// head into blocks.
//
//   HeadStorage r(head);
//   r.add_series(ref, labels);          // from series records
//   r.add_sample(ref, t, v);            // from sample records
//   r.add_histogram(ref, t, h);         // from histogram records
//   r.add_chunk(ref, open, encoding, bytes);  // from checkpoint chunk records
//   r.finish();                         // index, refs, stats
//
// Thread-safety: replay (add_*, finish) requires that nothing else uses
// the Head yet. The static functions may run alongside appenders and
// queries.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "model/labels.h"
#include "tsdb/block.h"
#include "tsdb/chunk.h"
#include "tsdb/head.h"
#include "tsdb/internal/wal_records.h"

namespace cogwatch::tsdb::internal {

struct MemSeries;

// What a replay restored and what it had to skip.
struct ReplayCounts {
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t chunks = 0;
  uint64_t unknown_series_samples = 0;  // samples or chunks of a ref no record named
  uint64_t skipped_samples = 0;         // older than what the series already held
  uint64_t bad_records = 0;             // checksummed but unreadable payloads (or histograms in them)
  uint64_t in_blocks = 0;               // skipped: a block already holds their time
};

// One series as a checkpoint or a block records it.
struct SeriesSnapshot {
  SeriesRef ref;
  Labels labels;
  std::vector<ChunkRef> chunks;  // oldest first
  bool last_is_open = false;     // the last chunk is a copy of the open one
};

class HeadStorage {
 public:
  explicit HeadStorage(Head& head) : head_(head) {}

  void add_series(SeriesRef ref, const Labels& labels);
  void add_sample(SeriesRef ref, Timestamp t, double v);
  // The samples of one record, in order: as add_sample, faster (each
  // sample's series is fetched into the cache a few samples ahead).
  void add_samples(std::span<const WalSample> samples);
  // A histogram sample; false (and nothing stored) if it is not valid: the
  // record holding it is then counted as bad.
  bool add_histogram(SeriesRef ref, Timestamp t, const Histogram& h);
  bool add_histogram(SeriesRef ref, Timestamp t, const FloatHistogram& h);
  // A chunk of a checkpoint. An open chunk goes on being filled: a float
  // chunk's samples are appended again, a histogram chunk's writer is
  // rebuilt from its bytes (so it goes on with the same bytes).
  void add_chunk(SeriesRef ref, bool open, ChunkEncoding encoding, std::span<const uint8_t> bytes);
  void count_bad_record() { ++counts_.bad_records; }
  // Indexes the restored series, moves the ref counter past them, and
  // records their time range and bytes.
  void finish();
  const ReplayCounts& counts() const { return counts_; }

  // Under the head's commit lock (no batch half-committed), calls `cut`
  // (the log begins a new segment) and then takes every series with its
  // chunks. What the snapshot holds plus the segments from the cut on is
  // the whole head.
  static Result<std::vector<SeriesSnapshot>> snapshot(const Head& head, const std::function<Status()>& cut);

  // Blocks. From now on samples before t are refused (and skipped when
  // replaying): that time belongs to blocks.
  static void set_min_valid_time(Head& head, Timestamp t);
  // Seals the open chunks that end before `end` and returns every series'
  // chunks before `end`, in ref order: what the block of a finished window
  // holds. REQUIRES: set_min_valid_time(head, end) first, so that nothing
  // is added before `end` afterwards.
  static std::vector<SeriesSnapshot> chunks_before(Head& head, Timestamp end);
  // At once for queries: `block` joins the head's blocks and the head's
  // chunks before `end` (those the block holds) are dropped. A null block:
  // the window held nothing.
  static void install_block(Head& head, std::shared_ptr<const Block> block, Timestamp end);
  // Replaces the list of blocks (opening a directory, retention).
  static void set_blocks(Head& head, std::vector<std::shared_ptr<const Block>> blocks);
  // The ref of the series with these labels; a series the head does not
  // know is created (with a new ref, indexed, marked as logged: the caller
  // writes its series record) and `created` set. For blocks written from
  // elsewhere (Db::import_block), whose refs must be the head's.
  static SeriesRef series_ref(Head& head, const Labels& labels, bool& created);

 private:
  MemSeries* find(SeriesRef ref);
  template <typename Sample>
  void add_sample_to(MemSeries* s, Timestamp t, const Sample& sample);
  // A sealed chunk, or an open histogram chunk, that decoded whole.
  void add_whole_chunk(MemSeries& s, bool open, ChunkEncoding encoding, std::span<const uint8_t> bytes);
  // Sorts `blocks` by time and makes them the head's list.
  // REQUIRES: the head's commit lock held exclusively.
  static void replace_blocks_locked(Head& head, Head::BlockList blocks);

  Head& head_;
  // Refs of the log that this head knows under another ref (the same
  // labels logged twice, or a ref whose stripe no longer matches).
  boost::unordered_flat_map<SeriesRef, MemSeries*> aliases_;
  std::vector<std::pair<SeriesRef, Labels>> created_;
  std::vector<MemSeries*> resolved_;  // add_samples' series, by sample
  uint64_t max_id_ = 0;
  int64_t chunk_bytes_ = 0;
  Timestamp mint_ = kMaxTimestamp;
  Timestamp maxt_ = kMinTimestamp;
  ReplayCounts counts_;
};

}  // namespace cogwatch::tsdb::internal
