// Byte encodings of the on-disk records: LEB128 varints (zigzag for signed
// values, as Go's encoding/binary), little-endian fixed-width integers, and
// a bounds-checked decoder that turns running off the end into a flag
// instead of a read past the buffer.
//
// Thread-safety: plain functions and a single-threaded decoder.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cogwatch::tsdb::internal {

// Go's wrapping int64 arithmetic, which the formats' deltas are defined in
// (timestamps against a record's base, histogram chunks' delta codes): any
// pair round-trips, and damaged input gives wrong numbers for the caller's
// checks to catch, never undefined behaviour.
inline int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

inline void put_uvarint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

inline void put_varint(std::vector<uint8_t>& out, int64_t v) {
  put_uvarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline void put_u32le(uint8_t* at, uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline void put_u64le(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

inline void put_bytes(std::vector<uint8_t>& out, std::string_view s) {
  put_uvarint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

inline uint32_t get_u32le(const uint8_t* at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(at[i]) << (8 * i);
  return v;
}

inline uint64_t get_u64le(const uint8_t* at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(at[i]) << (8 * i);
  return v;
}

// Reads what the put_ functions wrote. After any read runs past the end,
// ok() is false and every later read returns zero values.
class Decoder {
 public:
  explicit Decoder(std::span<const uint8_t> bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  uint64_t uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return fail();
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    return fail();
  }
  int64_t varint() {
    const uint64_t u = uvarint();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  uint8_t u8() {
    if (p_ == end_) return static_cast<uint8_t>(fail());
    return *p_++;
  }
  uint32_t u32le() {
    if (end_ - p_ < 4) return static_cast<uint32_t>(fail());
    const uint32_t v = get_u32le(p_);
    p_ += 4;
    return v;
  }
  uint64_t u64le() {
    if (end_ - p_ < 8) return fail();
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return v;
  }
  std::string_view bytes() {
    const uint64_t n = uvarint();
    if (static_cast<uint64_t>(end_ - p_) < n) {
      fail();
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

  bool ok() const { return ok_; }
  bool done() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  uint64_t fail() {
    ok_ = false;
    p_ = end_;
    return 0;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace cogwatch::tsdb::internal
