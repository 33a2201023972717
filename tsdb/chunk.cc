#include "tsdb/chunk.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace cogwatch::tsdb {
namespace {

// Whether x fits the asymmetric signed range of an n-bit dod bucket, as in
// Prometheus's bitRange: -(2^(n-1)-1) <= x <= 2^(n-1).
bool fits_bits(int64_t x, unsigned n) {
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
  if (size > 0) std::memcpy(reinterpret_cast<uint8_t*>(c + 1), bytes, size);
  return ChunkRef(c);
}

ChunkRef::~ChunkRef() {
  if (c_ && c_->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
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
  // Reserve for the worst case once, so the loop below never reallocates.
  reserve(size_ + (nbits + 7) / 8 + 1);
  while (nbits > 0) {
    if (free_bits_ == 0) {
      buf_[size_++] = 0;
      free_bits_ = 8;
    }
    const unsigned take = std::min<unsigned>(nbits, free_bits_);
    const auto piece = static_cast<uint8_t>((value >> (nbits - take)) & ((1u << take) - 1));
    buf_[size_ - 1] |= static_cast<uint8_t>(piece << (free_bits_ - take));
    free_bits_ = static_cast<uint8_t>(free_bits_ - take);
    nbits -= take;
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
    } else if (fits_bits(dod, 14)) {
      write_bits(0b10, 2);
      write_bits(static_cast<uint64_t>(dod), 14);
    } else if (fits_bits(dod, 17)) {
      write_bits(0b110, 3);
      write_bits(static_cast<uint64_t>(dod), 17);
    } else if (fits_bits(dod, 20)) {
      write_bits(0b1110, 4);
      write_bits(static_cast<uint64_t>(dod), 20);
    } else {
      write_bits(0b1111, 4);
      write_bits(static_cast<uint64_t>(dod), 64);
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
    num_samples_ = 0;
    if (size > 0) fail("chunk shorter than its header");
    return;
  }
  num_samples_ = static_cast<uint16_t>(data[0] << 8 | data[1]);
  p_ = data + kChunkHeaderBytes;
  end_ = data + size;
}

void ChunkIterator::refill() {
  if (end_ - p_ >= 8) {
    const unsigned bytes = (64 - valid_) >> 3;
    if (bytes == 0) return;
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

uint64_t ChunkIterator::read_bits(unsigned nbits) {
  if (nbits == 0) return 0;
  if (valid_ < nbits) {
    refill();
    if (valid_ < nbits) {
      fail("chunk truncated");
      valid_ = 0;
      buf_ = 0;
      return 0;
    }
  }
  const uint64_t out = buf_ >> (64 - nbits);
  buf_ <<= nbits;
  valid_ -= nbits;
  return out;
}

uint64_t ChunkIterator::read_bits64() {
  const uint64_t hi = read_bits(32);
  return hi << 32 | read_bits(32);
}

bool ChunkIterator::read_uvarint(uint64_t& out) {
  out = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    const uint64_t b = read_bits(8);
    if (!err_) return false;
    out |= (b & 0x7f) << shift;
    if (b < 0x80) return true;
  }
  return fail("corrupt chunk: varint too long");
}

bool ChunkIterator::fail(const char* what) {
  if (err_) err_ = make_error(ErrorCode::kInternal, what);
  return false;
}

double ChunkIterator::v() const { return std::bit_cast<double>(v_bits_); }

bool ChunkIterator::read_xor() {
  if (read_bits(1) == 0) return true;  // same value
  if (read_bits(1) == 0) {  // '10': the previous window
    if (leading_ == 0xff) return fail("corrupt chunk: XOR window reused before set");
  } else {  // '11': a new window
    leading_ = static_cast<uint8_t>(read_bits(5));
    unsigned sigbits = static_cast<unsigned>(read_bits(6));
    if (sigbits == 0) sigbits = 64;
    if (leading_ + sigbits > 64) return fail("corrupt chunk: bad XOR window");
    trailing_ = static_cast<uint8_t>(64 - leading_ - sigbits);
  }
  const unsigned sigbits = 64u - leading_ - trailing_;
  uint64_t bits;
  if (sigbits > 56) {  // read_bits takes at most 56; read in two steps, in order
    bits = read_bits(sigbits - 32) << 32;
    bits |= read_bits(32);
  } else {
    bits = read_bits(sigbits);
  }
  v_bits_ ^= bits << trailing_;
  return static_cast<bool>(err_);
}

bool ChunkIterator::next() {
  if (read_ >= num_samples_ || !err_) return false;
  if (valid_ < 56) refill();
  if (read_ == 0) {
    uint64_t z;
    if (!read_uvarint(z)) return false;
    t_ = unzigzag(z);
    v_bits_ = read_bits64();
    leading_ = 0xff;
  } else if (read_ == 1) {
    if (!read_uvarint(t_delta_)) return false;
    t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + t_delta_);
    if (!read_xor()) return false;
  } else {
    // Delta-of-delta prefix: 0, 10, 110, 1110 or 1111 (peeked, then skipped).
    unsigned prefix, nbits;
    if ((buf_ >> 63) == 0) {
      prefix = 1, nbits = 0;
    } else if ((buf_ >> 62) == 0b10) {
      prefix = 2, nbits = 14;
    } else if ((buf_ >> 61) == 0b110) {
      prefix = 3, nbits = 17;
    } else if ((buf_ >> 60) == 0b1110) {
      prefix = 4, nbits = 20;
    } else {
      prefix = 4, nbits = 64;
    }
    read_bits(prefix);
    uint64_t dod = 0;
    if (nbits == 64) {
      dod = read_bits64();
    } else if (nbits > 0) {
      dod = read_bits(nbits);
      if (dod > (uint64_t{1} << (nbits - 1))) dod -= uint64_t{1} << nbits;  // negative
    }
    t_delta_ += dod;
    t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + t_delta_);
    if (!read_xor()) return false;
  }
  if (!err_) return false;
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
