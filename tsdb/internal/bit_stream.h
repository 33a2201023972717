// Bit streams and the two Gorilla codes every sample encoding here uses:
// a timestamp's delta-of-delta and a value's XOR with the previous one.
// Head chunks (tsdb/chunk.h) and block column chunks (column_codec.h)
// share them, so the two formats cannot drift apart; the codes are drawn
// in docs/chunk-format.md.
//
// Bits are written and read most significant first. A BitReader never
// reads past its buffer: reads beyond the end yield zero bits and make
// overrun() true, which decoders check once per sample.
//
// Thread-safety: plain values, single-threaded.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace cogwatch::tsdb::internal {

inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

  // Makes at least nbits (<= 57) available to peek(), unless at the end.
  void ensure(int nbits) {
    if (valid_ < nbits) refill();
  }
  uint64_t peek(int nbits) const { return buf_ >> (64 - nbits); }  // 0 < nbits <= 64
  void skip(int nbits) {
    buf_ <<= nbits;
    valid_ -= nbits;
  }
  uint64_t read_bits(int nbits) {  // 0 <= nbits <= 64
    if (nbits == 0) return 0;
    if (nbits > 56) {  // wider than one refill guarantees: two steps, in order
      const uint64_t hi = read_bits(nbits - 32) << 32;
      return hi | read_bits(32);
    }
    ensure(nbits);
    const uint64_t out = peek(nbits);
    skip(nbits);
    return out;
  }
  // A LEB128 varint read from the bit stream; false if it runs off the
  // end or is longer than 10 bytes.
  bool read_uvarint(uint64_t& out) {
    out = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      const uint64_t b = read_bits(8);
      if (overrun()) return false;
      out |= (b & 0x7f) << shift;
      if (b < 0x80) return true;
    }
    return false;
  }
  // More bits were read than the buffer holds.
  bool overrun() const { return valid_ < 0; }
  // Bits not read yet (0 once overrun): a bound on how many items a
  // decoder may still find, so corrupt counts cannot make it allocate.
  uint64_t bits_left() const {
    return valid_ < 0 ? 0 : static_cast<uint64_t>(end_ - p_) * 8 + static_cast<uint64_t>(valid_);
  }

 private:
  static uint64_t load_be64(const uint8_t* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
    return w;
  }
  void refill() {
    if (valid_ < 0) return;  // already past the end
    if (end_ - p_ >= 8) {
      const int bytes = (64 - valid_) >> 3;
      // The bits OR-ed below valid_+8*bytes are the bytes after those
      // taken; the next refill ORs the same bits into the same place.
      buf_ |= load_be64(p_) >> valid_;
      p_ += bytes;
      valid_ += bytes * 8;
      return;
    }
    while (valid_ <= 56 && p_ < end_) {
      buf_ |= static_cast<uint64_t>(*p_++) << (56 - valid_);
      valid_ += 8;
    }
  }

  const uint8_t* p_ = nullptr;  // next byte to load into buf_
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;  // valid_ unread bits, most significant first
  int valid_ = 0;
};

// Appends bits to a byte vector; the last byte is padded with zeros.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>& out) : out_(out) {}
  void write_bits(uint64_t value, unsigned nbits) {  // nbits <= 64
    if (nbits == 0) return;
    if (nbits < 64) value &= (uint64_t{1} << nbits) - 1;
    while (nbits > 0) {
      if (free_bits_ == 0) {
        out_.push_back(0);
        free_bits_ = 8;
      }
      const unsigned take = std::min<unsigned>(nbits, free_bits_);
      nbits -= take;
      free_bits_ = static_cast<uint8_t>(free_bits_ - take);
      out_.back() |= static_cast<uint8_t>(((value >> nbits) & ((1u << take) - 1)) << free_bits_);
    }
  }

 private:
  std::vector<uint8_t>& out_;
  uint8_t free_bits_ = 0;  // unused low bits of out_.back()
};

// A growing byte buffer written bit by bit, most significant first, for a
// chunk that is appended to sample by sample (it owns its bytes, so the
// object that holds it may move). Bytes already in it stay as they are;
// the last one is padded with zeros.
class BitBuffer {
 public:
  BitBuffer() = default;
  explicit BitBuffer(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}

  void write_bits(uint64_t value, unsigned nbits) {  // nbits <= 64
    if (nbits == 0) return;
    if (nbits < 64) value &= (uint64_t{1} << nbits) - 1;
    if (nbits <= free_bits_) {
      free_bits_ = static_cast<uint8_t>(free_bits_ - nbits);
      bytes_.back() |= static_cast<uint8_t>(value << free_bits_);
      return;
    }
    if (free_bits_ > 0) {  // top bits finish the partly filled last byte
      nbits -= free_bits_;
      bytes_.back() |= static_cast<uint8_t>(value >> nbits);
      free_bits_ = 0;
    }
    while (nbits >= 8) {
      nbits -= 8;
      bytes_.push_back(static_cast<uint8_t>(value >> nbits));
    }
    if (nbits > 0) {
      free_bits_ = static_cast<uint8_t>(8 - nbits);
      bytes_.push_back(static_cast<uint8_t>(value << free_bits_));
    }
  }
  std::vector<uint8_t>& bytes() { return bytes_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  // Unused low bits of the last byte.
  uint8_t free_bits() const { return free_bits_; }
  void set_free_bits(uint8_t n) { free_bits_ = n; }

 private:
  std::vector<uint8_t> bytes_;
  uint8_t free_bits_ = 0;
};

// ---- Timestamps: delta-of-delta ----
//
// '0' for dod == 0, else a bucket: prefix, then the value in the bucket's
// bits. Prometheus uses 14/17/20 bits; the 7-bit bucket first makes the
// few milliseconds of jitter real scrapes have cost 9 bits instead of 16.

struct DodBucket {
  uint8_t prefix;
  uint8_t prefix_bits;
  uint8_t value_bits;
};
inline constexpr DodBucket kDodBuckets[] = {{0b10, 2, 7}, {0b110, 3, 14}, {0b1110, 4, 20}, {0b1111, 4, 64}};

// Whether x fits the asymmetric signed range of an n-bit bucket, as in
// Prometheus's bitRange: -(2^(n-1)-1) <= x <= 2^(n-1).
inline bool fits_bits(int64_t x, unsigned n) {
  if (n >= 64) return true;
  const int64_t half = int64_t{1} << (n - 1);
  return -(half - 1) <= x && x <= half;
}

// Writes dod through emit(value, nbits).
template <class Emit>
inline void put_dod(int64_t dod, Emit&& emit) {
  if (dod == 0) {
    emit(0, 1);
    return;
  }
  for (const DodBucket& b : kDodBuckets) {
    if (fits_bits(dod, b.value_bits)) {
      emit(b.prefix, b.prefix_bits);
      emit(static_cast<uint64_t>(dod), b.value_bits);
      return;
    }
  }
}

// Reads what put_dod wrote, modulo 2^64.
inline uint64_t get_dod(BitReader& in) {
  struct Code {
    uint8_t prefix_bits, value_bits;
  };
  // The bucket a dod starts with, by its first 4 bits.
  static constexpr std::array<Code, 16> kCodes = [] {
    std::array<Code, 16> codes{};
    for (unsigned top = 0; top < 16; ++top) {
      codes[top] = {1, 0};  // '0': dod == 0
      for (const DodBucket& b : kDodBuckets) {
        if (top >> (4 - b.prefix_bits) == b.prefix) {
          codes[top] = {b.prefix_bits, b.value_bits};
          break;
        }
      }
    }
    return codes;
  }();
  in.ensure(24);
  const Code code = kCodes[in.peek(4)];
  in.skip(code.prefix_bits);
  uint64_t dod = in.read_bits(code.value_bits);
  // Sign-extend the asymmetric range written by fits_bits().
  if (code.value_bits != 0 && code.value_bits < 64 && dod > (uint64_t{1} << (code.value_bits - 1))) {
    dod -= uint64_t{1} << code.value_bits;
  }
  return dod;
}

// ---- Values: XOR with the previous value ----
//
// '0': unchanged; '10': the meaningful bits of the XOR, inside the previous
// window; '11': 5 bits leading zeros (at most 31), 6 bits length (0 means
// 64), the bits.

struct XorWindow {
  uint8_t leading = 0xff;  // 0xff: no window yet
  uint8_t trailing = 0;
};

template <class Emit>
inline void put_xor(XorWindow& w, uint64_t delta, Emit&& emit) {
  if (delta == 0) {
    emit(0, 1);
    return;
  }
  const auto lead = static_cast<uint8_t>(std::min(std::countl_zero(delta), 31));
  const auto trail = static_cast<uint8_t>(std::countr_zero(delta));
  if (w.leading != 0xff && lead >= w.leading && trail >= w.trailing) {
    emit(0b10, 2);
    emit(delta >> w.trailing, 64u - w.leading - w.trailing);
    return;
  }
  // 64 significant bits do not fit 6 bits; they are written as 0, which
  // cannot otherwise occur (delta != 0).
  w.leading = lead;
  w.trailing = trail;
  const unsigned sigbits = 64u - lead - trail;
  emit(0b11, 2);
  emit(lead, 5);
  emit(sigbits & 63u, 6);
  emit(delta >> trail, sigbits);
}

// Reads what put_xor wrote into bits; false on a window that cannot be
// (reusing one before any was set, or wider than 64 bits).
inline bool get_xor(BitReader& in, XorWindow& w, uint64_t& bits) {
  in.ensure(13);
  if (in.peek(1) == 0) {
    in.skip(1);
    return true;
  }
  if (in.peek(2) == 0b10) {
    in.skip(2);
  } else {
    const auto header = static_cast<unsigned>(in.peek(13));  // 11 lllll ssssss
    in.skip(13);
    w.leading = static_cast<uint8_t>((header >> 6) & 31);
    unsigned sigbits = header & 63;
    if (sigbits == 0) sigbits = 64;
    w.trailing = static_cast<uint8_t>(64 - w.leading - sigbits);
    if (w.leading + sigbits > 64) w.trailing = 0xff;
  }
  const int sigbits = 64 - w.leading - w.trailing;
  if (sigbits <= 0 || w.trailing > 63) return false;
  bits ^= in.read_bits(sigbits) << w.trailing;
  return true;
}

}  // namespace cogwatch::tsdb::internal
