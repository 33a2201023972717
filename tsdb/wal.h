// Wal: the write-ahead log. Numbered segment files in one directory
// (00000001, 00000002, ...), each a header and a run of checksummed
// records; the format is drawn in docs/storage-format.md:
//
//   segment := magic "CWWAL\0\0" version:u8 | record*
//   record  := length:u32le | crc32:u32le | type:u8 | payload
//              (length counts type and payload; the CRC-32 covers them)
//
// A record never spans two segments. Whatever was written by a write()
// that returned is read back after the process is killed; what reaches
// the disk before a power loss is what sync() made durable.
//
//   RecordBuffer buf;
//   size_t at = buf.begin(kSamplesRecord);
//   ... append the payload to buf.bytes() ...
//   buf.finish(at);
//   if (auto s = wal->write(buf.bytes()); !s) count_and_log(s.error());
//
//   for (uint32_t seg : Wal::list_segments(fs, dir)) {
//     auto r = SegmentReader::open(fs, Wal::segment_path(dir, seg));
//     while (r->next()) use(r->type(), r->payload());
//     if (r->damage()) report(*r->damage());
//   }
//
// Thread-safety: Wal's methods may be called from any thread (the head
// writes under its commit lock, a background task syncs and truncates).
// SegmentReader is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "tsdb/file_system.h"

namespace cogwatch::tsdb {

// Version 2 added histogram samples (records 4 and 5) and checkpoint
// chunks of any encoding (6). A version-1 reader would skip them as
// unknown types, losing the histograms and every chunk of a checkpoint,
// so it refuses the log instead; version-1 logs are read as ever.
inline constexpr uint8_t kWalFormatVersion = 2;
inline constexpr size_t kWalSegmentHeaderBytes = 8;
inline constexpr size_t kWalRecordHeaderBytes = 9;  // length, crc, type
// Larger lengths are damage, not records.
inline constexpr uint32_t kWalMaxRecordBytes = 256u << 20;

// Builds one or more framed records in a reusable buffer, so a commit's
// records reach the file in one write.
class RecordBuffer {
 public:
  // Starts a record of `type`; its payload is what is appended to bytes()
  // until finish(). Returns the record's start, for finish().
  size_t begin(uint8_t type);
  // Fills in the length and checksum of the record begun at `start`.
  void finish(size_t start);
  std::vector<uint8_t>& bytes() { return buf_; }
  const std::vector<uint8_t>& bytes() const { return buf_; }
  bool empty() const { return buf_.empty(); }
  void clear() { buf_.clear(); }

 private:
  std::vector<uint8_t> buf_;
};

// Where a segment stopped being readable, and how much of it that cost.
struct WalDamage {
  std::string path;
  uint64_t offset = 0;         // first byte not read
  uint64_t bytes_dropped = 0;  // from offset to the end of the file
  std::string reason;          // "checksum mismatch", "torn record", ...
};

// Reads the records of one segment (or checkpoint) file, through a
// read-only mapping.
class SegmentReader {
 public:
  // Opens `path` to read from `start`, which must be where a record
  // begins (good_bytes() of an earlier reader of the same file); 0: from
  // the first record.
  static Result<SegmentReader> open(FileSystem& fs, const std::string& path, uint64_t start = 0);

  // Moves to the next record. False at the end of the file or at the
  // first damage, which damage() then describes.
  bool next();
  uint8_t type() const { return type_; }
  std::span<const uint8_t> payload() const { return payload_; }
  // Offset of the end of the last good record: where a repair cuts.
  uint64_t good_bytes() const { return pos_; }
  const std::optional<WalDamage>& damage() const { return damage_; }

 private:
  explicit SegmentReader(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {}
  void set_damage(std::string reason);

  std::shared_ptr<const MappedFile> file_;
  uint64_t pos_ = 0;
  uint64_t released_ = 0;  // release_before() was called up to here
  uint8_t type_ = 0;
  std::span<const uint8_t> payload_;
  std::optional<WalDamage> damage_;
};

struct WalOptions {
  FileSystem* fs = &FileSystem::posix();
  // A segment is closed and the next begun once it holds this many bytes.
  uint64_t segment_bytes = 32ull << 20;
};

class Wal {
 public:
  // Opens the log in `dir` (creating it) and begins a new segment after
  // the last one there: a segment a crash may have torn is never appended
  // to. Reading and repairing the old segments is the caller's business
  // (tsdb::Db replays them first).
  static Result<std::unique_ptr<Wal>> open(const std::string& dir, WalOptions options = {});
  ~Wal();

  // Appends framed records (RecordBuffer::bytes()) to the current segment,
  // beginning a new one first if it is full. On error nothing was written
  // and the next write begins a new segment.
  Status write(std::span<const uint8_t> records);
  // Makes every write so far durable.
  Status sync();
  // Closes the current segment (synced) and begins the next. Returns the
  // new segment's number: every record written before cut() is in a
  // segment below it.
  Result<uint32_t> cut();
  // Removes the segments numbered below `segment`.
  Status remove_before(uint32_t segment);

  uint32_t current_segment() const;
  // Bytes in the segments from `first` through the current one.
  uint64_t bytes_since(uint32_t first) const;
  // Bytes in the closed segments from `first` up to, not including, `end`.
  uint64_t bytes_between(uint32_t first, uint32_t end) const;
  const std::string& dir() const { return dir_; }

  static std::string segment_path(const std::string& dir, uint32_t segment);
  // A segment's name, its number in 8 decimal digits ("00000007"), and
  // back: nothing for any other text. Checkpoints carry the same number
  // after their prefix.
  static std::string segment_name(uint32_t segment);
  static std::optional<uint32_t> parse_segment_name(std::string_view name);
  // The numbers of the segment files in `dir`, ascending (other entries,
  // such as checkpoints, are ignored).
  static Result<std::vector<uint32_t>> list_segments(FileSystem& fs, const std::string& dir);
  // Writes a segment header to an empty file.
  static Status write_header(WritableFile& file);

 private:
  Wal(std::string dir, WalOptions options) : dir_(std::move(dir)), options_(options) {}
  // Closes the current segment, if any, and begins segment next_.
  // REQUIRES: mu_ held.
  Status begin_segment();

  const std::string dir_;
  const WalOptions options_;
  mutable std::mutex mu_;  // guards what follows
  uint32_t current_ = 0;
  uint32_t next_ = 1;
  std::shared_ptr<WritableFile> file_;  // shared with a sync() in progress
  bool needs_new_segment_ = false;  // a write failed: do not append after it
  std::vector<std::pair<uint32_t, uint64_t>> sizes_;  // closed segments still on disk
};

}  // namespace cogwatch::tsdb
