// Column chunks: how blocks (format 2) store samples. A block chunk is two
// pieces, a timestamp column and a value column, so that the series of one
// scrape target, which share every timestamp, store their timestamps once:
// the block writer keeps one copy of each distinct column (and of each
// distinct value column: a histogram's `_count` and its `+Inf` bucket are
// the same numbers). docs/chunk-format.md draws both; in short:
//
//   timestamps := n:uvarint t0:varint span:uvarint [t1-t0:uvarint dod bits...]
//   values     := mode:u8 ...
//     mode 0, XOR:     v0:64 bits, then the XOR codes of v1.. (as head chunks)
//     mode 1, decimal: every value (but a few exceptions) is m / 10^k for an
//                      integer m; the m are stored as deltas (or deltas of
//                      deltas) minus their minimum, divided by their GCD,
//                      in a fixed bit width chosen for the chunk.
//
// The encoder tries both value modes and keeps the smaller. Decoding
// reads a column once, front to back, a sample at a time.
//
// Thread-safety: plain functions and single-threaded readers.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/time.h"
#include "tsdb/internal/bit_stream.h"

namespace cogwatch::tsdb::internal {

// The first byte of a value column.
inline constexpr uint8_t kModeXor = 0;
inline constexpr uint8_t kModeDecimal = 1;

// Appends the encoding of ts (ascending, non-empty) to out.
void encode_timestamp_column(std::span<const Timestamp> ts, std::vector<uint8_t>& out);
// Appends the encoding of values (non-empty) to out. Decoding it with the
// number of values written gives the same bits back (NaNs and -0 too).
void encode_value_column(std::span<const double> values, std::vector<uint8_t>& out);

// What a timestamp column's header says.
struct TimestampColumnHeader {
  uint32_t num_samples = 0;
  Timestamp min_time = 0, max_time = 0;
};
// Reads the header of a timestamp column; false if it does not decode
// (or says more than 65535 samples, more than a chunk may hold).
bool read_timestamp_header(std::span<const uint8_t> column, TimestampColumnHeader& header);

class TimestampColumnReader {
 public:
  // False if the header does not decode.
  bool init(std::span<const uint8_t> column);
  uint32_t num_samples() const { return num_samples_; }
  // The next timestamp. REQUIRES: fewer than num_samples() read.
  Timestamp next();
  bool overrun() const { return in_.overrun(); }

 private:
  BitReader in_;
  uint32_t num_samples_ = 0, read_ = 0;
  Timestamp t_ = 0;
  uint64_t delta_ = 0;  // modulo 2^64
};

class ValueColumnReader {
 public:
  // False if the header does not decode.
  bool init(std::span<const uint8_t> column);
  // The next value's bits; false if the column is corrupt.
  bool next(uint64_t& bits);
  bool overrun() const { return in_.overrun(); }

 private:
  bool next_exception();

  BitReader in_;
  uint32_t read_ = 0;
  uint8_t mode_ = 0;
  // XOR mode.
  XorWindow window_;
  uint64_t bits_ = 0;
  // Decimal mode.
  bool dod_ = false;      // the stream holds deltas of deltas
  bool flagged_ = false;  // each element has a '0' / '10' / '11' prefix
  uint8_t width_ = 0;
  uint8_t exponent_ = 0;
  double scale_ = 1;      // 10^exponent_
  uint64_t base_ = 0, gcd_ = 0;
  int64_t m_ = 0;         // the current integer
  uint64_t delta_ = 0;    // the current delta (dod mode), modulo 2^64
  // Exceptions: values stored as raw bits, in index order.
  const uint8_t* exceptions_ = nullptr;
  const uint8_t* exceptions_end_ = nullptr;
  uint64_t exceptions_left_ = 0;
  uint64_t exception_index_ = UINT64_MAX;  // the next one's; UINT64_MAX: none left
  uint64_t next_exception_from_ = 0;       // the index the next gap counts from
  uint64_t exception_bits_ = 0;
};

// Inline: these run once per sample read from a block.

inline Timestamp TimestampColumnReader::next() {
  if (read_ == 1) {
    t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + delta_);
  } else if (read_ > 1) {
    delta_ += get_dod(in_);
    t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + delta_);
  }
  ++read_;
  return t_;
}

inline bool ValueColumnReader::next(uint64_t& bits) {
  const uint32_t i = read_++;
  if (mode_ == kModeXor) {
    if (i == 0) {
      bits_ = in_.read_bits(64);
    } else if (!get_xor(in_, window_, bits_)) {
      return false;
    }
    bits = bits_;
    return true;
  }
  if (i > 0 && !(dod_ && i == 1)) {
    uint64_t s;
    if (!flagged_) {
      s = in_.read_bits(width_);
    } else {
      in_.ensure(2);
      if (in_.peek(1) == 0) {
        in_.skip(1);
        s = 0;
      } else {
        const bool wide = in_.peek(2) == 0b11;
        in_.skip(2);
        s = in_.read_bits(wide ? 64 : width_);
      }
    }
    s = s * gcd_ + base_;
    if (dod_) {
      delta_ += s;
    } else {
      delta_ = s;
    }
  }
  if (i > 0) m_ = static_cast<int64_t>(static_cast<uint64_t>(m_) + delta_);
  if (i == exception_index_) {
    bits = exception_bits_;
    next_exception_from_ = uint64_t{i} + 1;
    return next_exception();
  }
  bits = std::bit_cast<uint64_t>(exponent_ == 0 ? static_cast<double>(m_) : static_cast<double>(m_) / scale_);
  return true;
}

}  // namespace cogwatch::tsdb::internal
