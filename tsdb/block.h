// Block: an immutable file with the samples of every series over one time
// range, and an index that finds a series' chunks by its ref without
// reading the rest. Blocks are how samples leave the heap: the head writes
// a finished time window into one (tsdb::Db), and queries read its chunks
// through a read-only mapping. docs/storage-format.md draws the layout of
// format 3 (written) and 2 and 1 (still read):
//
//   block   := magic "CWBLK\0\0" 3 | pieces... | symbols | series section | index | footer
//   piece   := size:uvarint payload crc:u32le: a timestamp or value
//              column, or a histogram chunk
//   symbols := every label name and value once, numbered in order
//   series  := per series, in ref order: labels as symbol numbers, and per
//              chunk its encoding and then, for floats, the offsets of its
//              timestamp and value pieces; for histograms its time range
//              and the offset of its piece
//   index   := per series, in ref order: ref:u64le series_offset:u64le
//   footer  := mint maxt nseries symbols_offset series_offset index_offset
//              sections_crc:u32le footer_crc:u32le magic "CWBLKEND"
//
// The writer re-encodes the head's float chunks as column chunks
// (internal/column_codec.h) of up to kBlockChunkSamples samples, cut at
// the same sample counts for every series, so series scraped together
// have identical timestamp columns, and stores each distinct column once.
// Histogram chunks (tsdb/histogram_chunk.h) are stored as they are.
//
//   BlockWriter w(fs, "data/blocks/0000001700000000-0000001700007200.tmp", mint, maxt);
//   w.add(ref, labels, chunks);   // refs ascending
//   w.finish();                   // synced; the caller renames it into place
//   auto b = Block::open(fs, path);
//   b->chunks(ref, mint, maxt, out);  // refs to mapped chunks
//
// A chunk whose CRC does not match is never returned: chunks() skips it
// and counts it (damaged_chunks()). A block whose footer or sections do not
// check out does not open.
//
// Thread-safety: a Block is immutable and may be shared between threads;
// its chunks stay readable while any ChunkRef to them lives, even after
// the file is removed. BlockWriter is single-threaded.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "tsdb/appender.h"
#include "tsdb/chunk.h"
#include "tsdb/file_system.h"
#include "tsdb/histogram_chunk.h"

namespace cogwatch::tsdb {

// 3: chunks carry their encoding, so blocks hold histograms. Formats 1
// (head chunks) and 2 (column chunks, floats only) are still read.
inline constexpr uint8_t kBlockFormatVersion = 3;
// Samples per chunk in a block: a 2h window at a 15s interval in one.
inline constexpr uint32_t kBlockChunkSamples = 480;

class BlockWriter {
 public:
  // Creates (truncating) `path`. The block covers [mint, maxt].
  BlockWriter(FileSystem& fs, std::string path, Timestamp mint, Timestamp maxt);
  // Adds a series and its chunks (oldest first, within the block's range).
  // Float chunks are decoded and written again as column chunks (each run
  // of them between histogram chunks cut apart); histogram chunks are
  // decoded to check them and written as they are. A chunk that does not
  // decode is an error.
  // REQUIRES: ref greater than the last one added.
  Status add(SeriesRef ref, const Labels& labels, std::span<const ChunkRef> chunks);
  // Writes the sections and the footer and syncs the file. Returns its size.
  Result<uint64_t> finish();
  // Block chunks written so far (not the head chunks added).
  uint64_t chunks() const { return chunks_; }

 private:
  // Recently written pieces by their payload, so that a series repeating
  // one (its target's timestamps, a value column another series has) costs
  // only its offset. Bounded: series scraped together are added together.
  struct PieceCache {
    std::unordered_map<std::string, uint64_t> offsets;
    std::deque<std::string> order;  // oldest first, for eviction
  };
  Status flush_chunks();
  // Writes payload as a piece unless the cache (if any) has it; returns
  // its offset.
  uint64_t put_piece(std::span<const uint8_t> payload, PieceCache* cache);
  // Writes the float samples collected in ts_ and values_ as column
  // chunks, their entries into entries_.
  void put_float_run();
  uint64_t symbol(std::string_view s);

  FileSystem& fs_;
  const std::string path_;
  const Timestamp mint_, maxt_;
  std::unique_ptr<WritableFile> file_;
  Status status_;                 // the first error; later calls return it
  std::vector<uint8_t> chunk_buf_;  // chunk bytes not yet written
  uint64_t offset_ = 0;           // where chunk_buf_ begins in the file
  PieceCache timestamp_pieces_, value_pieces_;
  std::unordered_map<std::string, uint64_t> symbols_;  // symbol -> its number
  std::vector<uint8_t> symbol_section_;
  std::vector<Timestamp> ts_;     // the series being added, decoded
  std::vector<double> values_;
  std::vector<uint8_t> payload_;  // scratch for one piece
  std::vector<uint8_t> entries_;  // the chunk entries of the series being added
  uint64_t entry_count_ = 0;
  std::vector<uint8_t> series_;   // the series section, built in memory
  std::vector<std::pair<SeriesRef, uint64_t>> index_;  // ref, offset within series_
  SeriesRef last_ref_ = 0;
  uint64_t chunks_ = 0;
};

class Block : public std::enable_shared_from_this<Block> {
 public:
  // Maps the file and checks its footer, sections and checksums. Errors
  // name the file and what is wrong with it (kInvalidArgument for a newer
  // version, kDataLoss-worthy damage as kInternal: the caller sets it
  // aside).
  static Result<std::shared_ptr<const Block>> open(FileSystem& fs, const std::string& path);

  const std::string& path() const;
  Timestamp min_time() const { return mint_; }
  Timestamp max_time() const { return maxt_; }
  uint64_t num_series() const { return nseries_; }
  uint64_t size_bytes() const;

  // Whether the block holds series `ref`.
  bool contains(SeriesRef ref) const;
  // Appends the series' chunks overlapping [mint, maxt] to out, oldest
  // first; damaged ones are skipped and counted.
  void chunks(SeriesRef ref, Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const;
  // Calls fn(ref, labels, chunk count) for every series, in ref order.
  void for_each_series(const std::function<void(SeriesRef, const Labels&, size_t)>& fn) const;
  // Lets the system drop the block's pages from this process's resident
  // memory: they stay in the page cache and come back on the next read.
  // open() does it once its checks have read the file; the Db does it for
  // every block now and then, so that the pages queries read do not stay
  // counted against the process for as long as the block lives.
  void release_pages() const;
  // Chunks skipped because their bytes did not match their checksum.
  uint64_t damaged_chunks() const { return damaged_.load(std::memory_order_relaxed); }

 private:
  explicit Block(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {}
  // The series record of `ref`, or an empty span.
  std::span<const uint8_t> series_record(SeriesRef ref) const;
  // chunks() of format 1, and of formats 2 and 3 (whose chunk entries
  // begin with their encoding).
  void chunks_v1(std::span<const uint8_t> record, Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const;
  void chunks_v2(std::span<const uint8_t> record, Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const;
  // The payload of the piece at offset, if it is whole and its CRC
  // matches; empty otherwise.
  std::span<const uint8_t> piece(uint64_t offset) const;

  std::shared_ptr<const MappedFile> file_;
  uint8_t version_ = 0;
  Timestamp mint_ = 0, maxt_ = 0;
  uint64_t nseries_ = 0;
  // Where the chunk bytes (format 1) or pieces (2) end.
  uint64_t data_end_ = 0;
  uint64_t symbols_offset_ = 0, series_offset_ = 0, index_offset_ = 0;
  mutable std::atomic<uint64_t> damaged_{0};
};

}  // namespace cogwatch::tsdb
