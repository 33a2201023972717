#include "tsdb/chunk.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <new>

namespace cogwatch::tsdb {
namespace {

// Timestamp delta-of-delta buckets after the 1-bit '0' for dod == 0: the
// prefix, its length, and the bits of the value. Prometheus uses 14/17/20
// bits; a 7-bit bucket first makes the few milliseconds of jitter real
// scrapes have cost 9 bits instead of 16 (see docs/chunk-format.md).
struct DodBucket {
  uint8_t prefix;
  uint8_t prefix_bits;
  uint8_t value_bits;
};
constexpr DodBucket kDodBuckets[] = {{0b10, 2, 7}, {0b110, 3, 14}, {0b1110, 4, 20}, {0b1111, 4, 64}};

// For the decoder: the bucket a dod starts with, by its first 4 bits.
struct DodCode {
  uint8_t prefix_bits;
  uint8_t value_bits;
};
constexpr std::array<DodCode, 16> make_dod_codes() {
  std::array<DodCode, 16> codes{};
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
}
constexpr std::array<DodCode, 16> kDodCodes = make_dod_codes();

// Whether x fits the asymmetric signed range of an n-bit bucket, as in
// Prometheus's bitRange: -(2^(n-1)-1) <= x <= 2^(n-1).
bool fits_bits(int64_t x, unsigned n) {
  if (n >= 64) return true;
  const int64_t half = int64_t{1} << (n - 1);
  return -(half - 1) <= x && x <= half;
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

uint64_t load_be64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
  return w;
}

}  // namespace

// ---- Chunk, ChunkRef ----

ChunkRef Chunk::make(const uint8_t* bytes, uint32_t size, uint16_t num_samples, Timestamp min_time,
                     Timestamp max_time) {
  void* mem = ::operator new(sizeof(Chunk) + size);
  Chunk* c = new (mem) Chunk;
  c->size_ = size;
  c->num_samples_ = num_samples;
  c->min_time_ = min_time;
  c->max_time_ = max_time;
  c->data_ = reinterpret_cast<const uint8_t*>(c + 1);
  if (size > 0) std::memcpy(reinterpret_cast<uint8_t*>(c + 1), bytes, size);
  return ChunkRef(c);
}

namespace {
using ChunkOwner = std::shared_ptr<const void>;
ChunkOwner* owner_of(const Chunk* c) { return reinterpret_cast<ChunkOwner*>(const_cast<Chunk*>(c) + 1); }
}  // namespace

ChunkRef ChunkRef::from_mapped(std::shared_ptr<const void> owner, const uint8_t* bytes, uint32_t size,
                               Timestamp min_time, Timestamp max_time) {
  static_assert(sizeof(Chunk) % alignof(ChunkOwner) == 0);
  void* mem = ::operator new(sizeof(Chunk) + sizeof(ChunkOwner));
  Chunk* c = new (mem) Chunk;
  c->size_ = size;
  c->num_samples_ = size >= kChunkHeaderBytes ? static_cast<uint16_t>(bytes[0] << 8 | bytes[1]) : 0;
  c->min_time_ = min_time;
  c->max_time_ = max_time;
  c->mapped_ = true;
  c->data_ = bytes;
  new (owner_of(c)) ChunkOwner(std::move(owner));
  return ChunkRef(c);
}

ChunkRef::~ChunkRef() {
  if (c_ && c_->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (c_->mapped_) owner_of(c_)->~ChunkOwner();
    c_->~Chunk();
    ::operator delete(const_cast<Chunk*>(c_));
  }
}

ChunkRef ChunkRef::from_bytes(const uint8_t* bytes, uint32_t size, Timestamp min_time, Timestamp max_time) {
  const uint16_t n = size >= kChunkHeaderBytes ? static_cast<uint16_t>(bytes[0] << 8 | bytes[1]) : 0;
  return Chunk::make(bytes, size, n, min_time, max_time);
}

// ---- ChunkWriter ----

void ChunkWriter::reserve(uint32_t bytes) {
  if (bytes <= capacity_) return;
  // Start small (most series in a snapshot hold few samples) and double.
  uint32_t cap = std::max<uint32_t>({bytes, 32, capacity_ * 2});
  auto grown = std::make_unique<uint8_t[]>(cap);
  if (size_ > 0) std::memcpy(grown.get(), buf_.get(), size_);
  buf_ = std::move(grown);
  capacity_ = cap;
}

void ChunkWriter::write_bits(uint64_t value, unsigned nbits) {
  if (nbits == 0) return;
  if (nbits < 64) value &= (uint64_t{1} << nbits) - 1;
  if (nbits <= free_bits_) {  // the common 1- and 2-bit codes
    free_bits_ = static_cast<uint8_t>(free_bits_ - nbits);
    buf_[size_ - 1] |= static_cast<uint8_t>(value << free_bits_);
    return;
  }
  reserve(size_ + 9);
  if (free_bits_ > 0) {  // top bits finish the partly filled last byte
    nbits -= free_bits_;
    buf_[size_ - 1] |= static_cast<uint8_t>(value >> nbits);
    free_bits_ = 0;
  }
  while (nbits >= 8) {
    nbits -= 8;
    buf_[size_++] = static_cast<uint8_t>(value >> nbits);
  }
  if (nbits > 0) {
    free_bits_ = static_cast<uint8_t>(8 - nbits);
    buf_[size_++] = static_cast<uint8_t>(value << free_bits_);
  }
}

void ChunkWriter::write_varint_bytes(uint64_t v) {
  while (v >= 0x80) {
    write_byte(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  write_byte(static_cast<uint8_t>(v));
}

void ChunkWriter::write_xor(uint64_t v_bits) {
  const uint64_t delta = v_bits ^ v_bits_;
  if (delta == 0) {
    write_bits(0, 1);
    return;
  }
  // Leading zeros are stored in 5 bits, so at most 31.
  const auto lead = static_cast<uint8_t>(std::min(std::countl_zero(delta), 31));
  const auto trail = static_cast<uint8_t>(std::countr_zero(delta));
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
    // '10': the meaningful bits fit the previous window.
    write_bits(0b10, 2);
    write_bits(delta >> trailing_, 64u - leading_ - trailing_);
    return;
  }
  // '11': a new window. 64 significant bits do not fit 6 bits; they are
  // written as 0, which cannot otherwise occur (delta != 0).
  leading_ = lead;
  trailing_ = trail;
  const unsigned sigbits = 64u - lead - trail;
  write_bits(0b11, 2);
  write_bits(lead, 5);
  write_bits(sigbits & 63u, 6);
  write_bits(delta >> trail, sigbits);
}

void ChunkWriter::append(Timestamp t, double v) {
  const auto v_bits = std::bit_cast<uint64_t>(v);
  if (num_samples_ == 0) {
    reserve(kChunkHeaderBytes + 10 + 8);
    size_ = kChunkHeaderBytes;
    buf_[0] = buf_[1] = 0;
    free_bits_ = 0;
    write_varint_bytes(zigzag(t));
    write_bits(v_bits, 64);
    min_time_ = t;
  } else if (num_samples_ == 1) {
    t_delta_ = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    write_varint_bytes(t_delta_);
    write_xor(v_bits);
  } else {
    // Modular arithmetic: any pair of int64 timestamps round-trips, even
    // when the difference overflows int64.
    const uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    const auto dod = static_cast<int64_t>(delta - t_delta_);
    if (dod == 0) {
      write_bits(0, 1);
    } else {
      for (const DodBucket& b : kDodBuckets) {
        if (fits_bits(dod, b.value_bits)) {
          write_bits(b.prefix, b.prefix_bits);
          write_bits(static_cast<uint64_t>(dod) & (b.value_bits == 64 ? ~uint64_t{0} : (uint64_t{1} << b.value_bits) - 1),
                     b.value_bits);
          break;
        }
      }
    }
    t_delta_ = delta;
    write_xor(v_bits);
  }
  t_ = t;
  v_bits_ = v_bits;
  ++num_samples_;
  buf_[0] = static_cast<uint8_t>(num_samples_ >> 8);
  buf_[1] = static_cast<uint8_t>(num_samples_);
}

ChunkRef ChunkWriter::snapshot() const {
  return Chunk::make(buf_.get(), size_, num_samples_, min_time_, t_);
}

ChunkRef ChunkWriter::seal() {
  ChunkRef c = snapshot();
  clear();
  return c;
}

// ---- ChunkIterator ----

ChunkIterator::ChunkIterator(const uint8_t* data, size_t size) {
  if (size < kChunkHeaderBytes) {
    if (size > 0) fail("chunk shorter than its header");
    return;
  }
  num_samples_ = static_cast<uint16_t>(data[0] << 8 | data[1]);
  p_ = data + kChunkHeaderBytes;
  end_ = data + size;
}

void ChunkIterator::refill() {
  if (valid_ < 0) return;  // already past the end; next() reports it
  if (end_ - p_ >= 8) {
    const int bytes = (64 - valid_) >> 3;
    // The bits OR-ed below valid_+8*bytes are the bytes after those taken;
    // the next refill ORs the same bits into the same place.
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

uint64_t ChunkIterator::read_bits(int nbits) {
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

bool ChunkIterator::read_uvarint(uint64_t& out) {
  out = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    const uint64_t b = read_bits(8);
    if (valid_ < 0) return fail("chunk truncated");
    out |= (b & 0x7f) << shift;
    if (b < 0x80) return true;
  }
  return fail("corrupt chunk: varint too long");
}

bool ChunkIterator::fail(const char* what) {
  if (err_) err_ = make_error(ErrorCode::kInternal, what);
  num_samples_ = read_;  // stop: next() returns false from now on
  return false;
}

// '0': same value; '10': XOR within the previous window of meaningful bits;
// '11': 5 bits leading zeros, 6 bits length (0 means 64), then the bits.
inline void ChunkIterator::read_xor() {
  ensure(13);
  if (peek(1) == 0) {
    skip(1);
    return;
  }
  if (peek(2) == 0b10) {
    skip(2);
    // Reusing a window before one was set only happens in corrupt chunks;
    // 0xff makes the bit count negative, caught below.
  } else {
    const auto header = static_cast<unsigned>(peek(13));  // 11 lllll ssssss
    skip(13);
    leading_ = static_cast<uint8_t>((header >> 6) & 31);
    unsigned sigbits = header & 63;
    if (sigbits == 0) sigbits = 64;
    trailing_ = static_cast<uint8_t>(64 - leading_ - sigbits);
    if (leading_ + sigbits > 64) trailing_ = 0xff;
  }
  const int sigbits = 64 - leading_ - trailing_;
  if (sigbits <= 0 || trailing_ > 63) {
    fail("corrupt chunk: bad XOR window");
    return;
  }
  v_bits_ ^= read_bits(sigbits) << trailing_;
}

bool ChunkIterator::read_first_samples() {
  if (read_ == 0) {
    uint64_t z;
    if (!read_uvarint(z)) return false;
    t_ = unzigzag(z);
    v_bits_ = read_bits(64);
    leading_ = 0xff;
  } else {
    if (!read_uvarint(t_delta_)) return false;
    t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + t_delta_);
    read_xor();
  }
  if (valid_ < 0) return fail("chunk truncated");
  if (!err_) return false;
  ++read_;
  return true;
}

bool ChunkIterator::next() {
  if (read_ >= num_samples_) return false;
  if (read_ < 2) return read_first_samples();
  // Delta-of-delta: '0' | '10' 7 bits | '110' 14 | '1110' 20 | '1111' 64.
  ensure(24);
  const DodCode code = kDodCodes[peek(4)];
  skip(code.prefix_bits);
  uint64_t dod = read_bits(code.value_bits);
  // Sign-extend the asymmetric range written by fits_bits().
  if (code.value_bits != 0 && code.value_bits < 64 && dod > (uint64_t{1} << (code.value_bits - 1))) {
    dod -= uint64_t{1} << code.value_bits;
  }
  t_delta_ += dod;
  t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + t_delta_);
  read_xor();
  if (valid_ < 0) return fail("chunk truncated");
  if (read_ >= num_samples_) return false;  // read_xor() failed
  ++read_;
  return true;
}

bool ChunkIterator::seek(Timestamp t) {
  if (read_ > 0 && t_ >= t) return true;
  while (next()) {
    if (t_ >= t) return true;
  }
  return false;
}

}  // namespace cogwatch::tsdb
