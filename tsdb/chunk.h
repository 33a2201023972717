// Chunks: compressed runs of float samples, Gorilla-style. The byte format
// is Prometheus's XOR chunk (tsdb/chunkenc/xor.go) with one more, smaller
// timestamp bucket; it is drawn in docs/chunk-format.md. In short:
//
//   num_samples:u16 BE | t0:varint | v0:64 bits | t1-t0:uvarint | v1:xor |
//   (dod(t_i):varbit | v_i:xor)... | zero padding to a byte
//
// Timestamps are stored as delta-of-delta in 1, 9, 17, 24 or 68 bits;
// values as the XOR with the previous value, reusing the previous window of
// meaningful bits when the new XOR fits inside it.
//
// A Chunk is immutable and reference-counted (ChunkRef), so queries can hold
// chunks while the head keeps appending and retention drops old ones.
// ChunkWriter builds the open chunk of a series; ChunkIterator decodes.
//
// Chunks read from blocks of format 2 and 3 have another layout: a
// timestamp column shared with the other series of their scrape and a
// value column (internal/column_codec.h). ChunkIterator(const Chunk&)
// reads either.
//
// Native histograms live in chunks of their own encodings, Prometheus's
// (tsdb/histogram_chunk.h); every Chunk says its encoding().
//
// Thread-safety: Chunk and ChunkRef may be shared between threads.
// ChunkWriter and ChunkIterator are single-threaded.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "model/error.h"
#include "model/time.h"
#include "tsdb/internal/bit_stream.h"
#include "tsdb/internal/column_codec.h"

namespace cogwatch::tsdb {

inline constexpr size_t kChunkHeaderBytes = 2;

// How a chunk's bytes encode its samples. The numbers are Prometheus's
// (chunkenc.Encoding); they are stored in checkpoints and blocks.
enum class ChunkEncoding : uint8_t {
  // Float samples: the chunk drawn above (Prometheus's EncXOR with one
  // more timestamp bucket, so not byte-compatible with it), or a column
  // chunk of a block.
  kFloat = 1,
  kHistogram = 2,       // integer histograms: Prometheus's EncHistogram
  kFloatHistogram = 3,  // float histograms: Prometheus's EncFloatHistogram
};
// Whether e names one of the encodings above (a byte read from disk).
inline bool is_chunk_encoding(uint64_t e) { return e >= 1 && e <= 3; }
inline bool is_histogram_encoding(ChunkEncoding e) { return e != ChunkEncoding::kFloat; }

// When the open chunk of a series is closed and a new one begun.
struct ChunkLimits {
  // Samples per chunk; Prometheus uses 120 (about 1.4 bytes each for regular
  // scrapes, and a cheap seek).
  uint16_t max_samples = 120;
  // Bytes per chunk, so noisy values (e.g. random floats, 9+ bytes each) do
  // not make huge chunks.
  uint32_t max_bytes = 1024;
  // Chunks never cross a boundary of this aligned window (Prometheus's
  // 2h chunk range), so old data is dropped in whole, time-bounded chunks.
  Duration time_window = 2 * kHour;
};

// An immutable chunk: made by the writers (ChunkWriter, the histogram
// chunk writers) and by the ChunkRef::from_* functions.
class Chunk {
 public:
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  // The encoded bytes: the whole chunk, or the value column of a column
  // chunk.
  const uint8_t* data() const { return data_; }
  uint32_t size() const { return size_; }  // encoded bytes, header included
  // A column chunk's timestamp column (shared with other chunks); empty
  // for a head-format chunk, whose data() holds both.
  std::span<const uint8_t> timestamp_column() const;
  uint16_t num_samples() const { return num_samples_; }
  ChunkEncoding encoding() const { return encoding_; }
  Timestamp min_time() const { return min_time_; }
  Timestamp max_time() const { return max_time_; }
  // Heap bytes this chunk occupies: the header struct, and the encoded
  // bytes unless they live in a mapped file.
  size_t allocated_bytes() const {
    return sizeof(Chunk) + (mapped_ ? sizeof(std::shared_ptr<const void>) : size_) +
           (columns_ ? sizeof(std::span<const uint8_t>) : 0);
  }
  // The bytes are in a file mapped into memory (a block), not on the heap.
  bool mapped() const { return mapped_; }

 private:
  friend class ChunkRef;
  friend class ChunkWriter;
  friend class ChunkIterator;
  Chunk() = default;
  // The only way to make one: one allocation holding this header and bytes.
  static class ChunkRef make(ChunkEncoding encoding, const uint8_t* bytes, uint32_t size, uint16_t num_samples,
                             Timestamp min_time, Timestamp max_time);

  mutable std::atomic<uint32_t> refs_{1};
  uint32_t size_ = 0;
  uint16_t num_samples_ = 0;
  // A heap chunk's bytes follow this header; a mapped chunk's live in a
  // file whose mapping a shared_ptr after the header keeps alive.
  bool mapped_ = false;
  // A column chunk (mapped only): the timestamp column's span follows the
  // shared_ptr.
  bool columns_ = false;
  ChunkEncoding encoding_ = ChunkEncoding::kFloat;
  const uint8_t* data_ = nullptr;
  Timestamp min_time_ = 0;
  Timestamp max_time_ = 0;
};

// A shared reference to an immutable Chunk; 8 bytes, copy = atomic increment.
class ChunkRef {
 public:
  ChunkRef() = default;
  ChunkRef(const ChunkRef& o) noexcept : c_(o.c_) {
    if (c_) c_->refs_.fetch_add(1, std::memory_order_relaxed);
  }
  ChunkRef(ChunkRef&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  ChunkRef& operator=(ChunkRef o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~ChunkRef();

  const Chunk* get() const { return c_; }
  const Chunk* operator->() const { return c_; }
  const Chunk& operator*() const { return *c_; }
  explicit operator bool() const { return c_ != nullptr; }

  // Builds a chunk of `encoding` from its bytes (a writer's, or read back
  // from disk); its sample count is its first two bytes. The bytes are
  // not validated here; an iterator over bad bytes reports err().
  static ChunkRef from_bytes(ChunkEncoding encoding, const uint8_t* bytes, uint32_t size, Timestamp min_time,
                             Timestamp max_time);
  // A chunk whose bytes stay where they are, in memory that `owner` (a
  // file's mapping) keeps valid while the chunk is referenced. Not
  // validated, as from_bytes.
  static ChunkRef from_mapped(ChunkEncoding encoding, std::shared_ptr<const void> owner, const uint8_t* bytes,
                              uint32_t size, Timestamp min_time, Timestamp max_time);
  // A column chunk (float samples) of num_samples samples whose columns
  // stay in memory that `owner` keeps valid. Not validated.
  static ChunkRef from_mapped_columns(std::shared_ptr<const void> owner, std::span<const uint8_t> timestamps,
                                      std::span<const uint8_t> values, uint16_t num_samples, Timestamp min_time,
                                      Timestamp max_time);

 private:
  friend class Chunk;
  explicit ChunkRef(const Chunk* adopted) : c_(adopted) {}
  const Chunk* c_ = nullptr;
};

// Encodes samples into a growing buffer: the open ("head") chunk of a series.
class ChunkWriter {
 public:
  ChunkWriter() = default;
  ChunkWriter(ChunkWriter&&) noexcept = default;
  ChunkWriter& operator=(ChunkWriter&&) noexcept = default;

  // Appends one sample.
  // REQUIRES: t > max_time() unless empty() (the head enforces ordering).
  void append(Timestamp t, double v);

  bool empty() const { return num_samples_ == 0; }
  uint16_t num_samples() const { return num_samples_; }
  uint32_t size() const { return size_; }
  Timestamp min_time() const { return min_time_; }
  Timestamp max_time() const { return t_; }
  // Heap bytes held by the buffer (its capacity).
  size_t allocated_bytes() const { return capacity_; }
  // Asks the CPU to fetch the byte the next append writes first.
  // REQUIRES: no concurrent append (it reads the buffer's fields).
  void prefetch_tail() const {
    if (buf_) __builtin_prefetch(buf_.get() + (size_ > 0 ? size_ - 1 : 0), 1);
  }

  // An immutable copy of what was written so far (for a query snapshot).
  // REQUIRES: !empty().
  ChunkRef snapshot() const;
  // Moves the contents into an immutable chunk and resets to empty.
  // REQUIRES: !empty().
  ChunkRef seal();
  // Discards everything written.
  void clear() { *this = ChunkWriter(); }

 private:
  void reserve(uint32_t bytes);
  void write_bits(uint64_t value, unsigned nbits);  // nbits <= 64
  void write_byte(uint8_t b) { write_bits(b, 8); }
  void write_varint_bytes(uint64_t v);               // LEB128, unsigned
  void write_xor(uint64_t v_bits);

  std::unique_ptr<uint8_t[]> buf_;
  uint32_t size_ = 0;       // bytes in use, including a partly filled last byte
  uint32_t capacity_ = 0;
  uint8_t free_bits_ = 0;   // unused low bits in buf_[size_-1]
  internal::XorWindow window_;  // of the last value
  uint16_t num_samples_ = 0;
  Timestamp min_time_ = 0;
  Timestamp t_ = 0;         // last timestamp
  uint64_t t_delta_ = 0;    // last timestamp delta, modulo 2^64
  uint64_t v_bits_ = 0;     // last value's bits
};

// Decodes one chunk of float samples. Before the first next() or seek(),
// t() and v() are undefined. next() and seek() return false at the end or
// when the bytes are corrupt or truncated (or, for a Chunk, hold
// histograms); err() then tells which.
class ChunkIterator {
 public:
  ChunkIterator() = default;
  // A head-format chunk's bytes.
  ChunkIterator(const uint8_t* data, size_t size);
  // Either layout.
  explicit ChunkIterator(const Chunk& c);

  bool next();
  // Advances to the first sample with timestamp >= t; stays put if the
  // current sample already qualifies. Never moves backwards.
  bool seek(Timestamp t);
  Timestamp t() const { return t_; }
  double v() const { return std::bit_cast<double>(v_bits_); }
  // Samples decoded so far; the header says how many there are.
  uint16_t read() const { return read_; }
  uint16_t num_samples() const { return num_samples_; }
  const Status& err() const { return err_; }

 private:
  bool read_first_samples();
  bool next_column_sample();
  bool fail(const char* what);

  // A head-format chunk: everything. A column chunk: unused.
  internal::BitReader in_;
  internal::XorWindow window_;
  uint64_t t_delta_ = 0;  // modulo 2^64, as written
  // A column chunk.
  bool columns_ = false;
  internal::TimestampColumnReader timestamps_;
  internal::ValueColumnReader values_;

  uint16_t num_samples_ = 0;
  uint16_t read_ = 0;
  Timestamp t_ = 0;
  uint64_t v_bits_ = 0;
  Status err_;
};

}  // namespace cogwatch::tsdb
