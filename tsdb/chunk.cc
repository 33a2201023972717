#include "tsdb/chunk.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <new>

namespace cogwatch::tsdb {
namespace {

using internal::unzigzag;
using internal::zigzag;

}  // namespace

// ---- Chunk, ChunkRef ----

ChunkRef Chunk::make(ChunkEncoding encoding, const uint8_t* bytes, uint32_t size, uint16_t num_samples,
                     Timestamp min_time, Timestamp max_time) {
  void* mem = ::operator new(sizeof(Chunk) + size);
  Chunk* c = new (mem) Chunk;
  c->encoding_ = encoding;
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
// A column chunk's timestamp column, after its owner.
using TimestampSpan = std::span<const uint8_t>;
TimestampSpan* timestamps_of(const Chunk* c) { return reinterpret_cast<TimestampSpan*>(owner_of(c) + 1); }
}  // namespace

std::span<const uint8_t> Chunk::timestamp_column() const { return columns_ ? *timestamps_of(this) : TimestampSpan(); }

ChunkRef ChunkRef::from_mapped(ChunkEncoding encoding, std::shared_ptr<const void> owner, const uint8_t* bytes,
                               uint32_t size, Timestamp min_time, Timestamp max_time) {
  static_assert(sizeof(Chunk) % alignof(ChunkOwner) == 0);
  void* mem = ::operator new(sizeof(Chunk) + sizeof(ChunkOwner));
  Chunk* c = new (mem) Chunk;
  c->encoding_ = encoding;
  c->size_ = size;
  c->num_samples_ = size >= kChunkHeaderBytes ? static_cast<uint16_t>(bytes[0] << 8 | bytes[1]) : 0;
  c->min_time_ = min_time;
  c->max_time_ = max_time;
  c->mapped_ = true;
  c->data_ = bytes;
  new (owner_of(c)) ChunkOwner(std::move(owner));
  return ChunkRef(c);
}

ChunkRef ChunkRef::from_mapped_columns(std::shared_ptr<const void> owner, std::span<const uint8_t> timestamps,
                                       std::span<const uint8_t> values, uint16_t num_samples, Timestamp min_time,
                                       Timestamp max_time) {
  static_assert(sizeof(ChunkOwner) % alignof(TimestampSpan) == 0);
  void* mem = ::operator new(sizeof(Chunk) + sizeof(ChunkOwner) + sizeof(TimestampSpan));
  Chunk* c = new (mem) Chunk;
  c->size_ = static_cast<uint32_t>(values.size());
  c->num_samples_ = num_samples;
  c->min_time_ = min_time;
  c->max_time_ = max_time;
  c->mapped_ = true;
  c->columns_ = true;
  c->data_ = values.data();
  new (owner_of(c)) ChunkOwner(std::move(owner));
  new (timestamps_of(c)) TimestampSpan(timestamps);
  return ChunkRef(c);
}

ChunkRef::~ChunkRef() {
  if (c_ && c_->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (c_->mapped_) owner_of(c_)->~ChunkOwner();
    c_->~Chunk();
    ::operator delete(const_cast<Chunk*>(c_));
  }
}

ChunkRef ChunkRef::from_bytes(ChunkEncoding encoding, const uint8_t* bytes, uint32_t size, Timestamp min_time,
                              Timestamp max_time) {
  const uint16_t n = size >= kChunkHeaderBytes ? static_cast<uint16_t>(bytes[0] << 8 | bytes[1]) : 0;
  return Chunk::make(encoding, bytes, size, n, min_time, max_time);
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
  internal::put_xor(window_, v_bits ^ v_bits_, [this](uint64_t v, unsigned n) { write_bits(v, n); });
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
    window_ = internal::XorWindow();
    min_time_ = t;
  } else if (num_samples_ == 1) {
    t_delta_ = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    write_varint_bytes(t_delta_);
    write_xor(v_bits);
  } else {
    // Modular arithmetic: any pair of int64 timestamps round-trips, even
    // when the difference overflows int64.
    const uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    internal::put_dod(static_cast<int64_t>(delta - t_delta_), [this](uint64_t bits, unsigned n) { write_bits(bits, n); });
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
  return Chunk::make(ChunkEncoding::kFloat, buf_.get(), size_, num_samples_, min_time_, t_);
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
  in_ = internal::BitReader(data + kChunkHeaderBytes, size - kChunkHeaderBytes);
}

ChunkIterator::ChunkIterator(const Chunk& c) {
  if (c.encoding() != ChunkEncoding::kFloat) {
    fail("not a chunk of float samples");
    return;
  }
  if (!c.columns_) {
    *this = ChunkIterator(c.data(), c.size());
    return;
  }
  columns_ = true;
  if (!timestamps_.init(c.timestamp_column()) || !values_.init({c.data(), c.size()})) {
    fail("corrupt chunk: bad column header");
    return;
  }
  if (timestamps_.num_samples() != c.num_samples()) {
    fail("corrupt chunk: sample counts differ");
    return;
  }
  num_samples_ = c.num_samples();
}

bool ChunkIterator::fail(const char* what) {
  if (err_) err_ = make_error(ErrorCode::kInternal, what);
  num_samples_ = read_;  // stop: next() returns false from now on
  return false;
}

bool ChunkIterator::read_first_samples() {
  if (read_ == 0) {
    uint64_t z;
    if (!in_.read_uvarint(z)) return fail(in_.overrun() ? "chunk truncated" : "corrupt chunk: varint too long");
    t_ = unzigzag(z);
    v_bits_ = in_.read_bits(64);
    window_ = internal::XorWindow();
  } else {
    if (!in_.read_uvarint(t_delta_)) return fail(in_.overrun() ? "chunk truncated" : "corrupt chunk: varint too long");
    t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + t_delta_);
    if (!internal::get_xor(in_, window_, v_bits_)) return fail("corrupt chunk: bad XOR window");
  }
  if (in_.overrun()) return fail("chunk truncated");
  ++read_;
  return true;
}

bool ChunkIterator::next_column_sample() {
  t_ = timestamps_.next();
  if (!values_.next(v_bits_)) return fail("corrupt chunk: bad value column");
  if (timestamps_.overrun() || values_.overrun()) return fail("chunk truncated");
  ++read_;
  return true;
}

bool ChunkIterator::next() {
  if (read_ >= num_samples_) return false;
  if (columns_) return next_column_sample();
  if (read_ < 2) return read_first_samples();
  t_delta_ += internal::get_dod(in_);
  t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + t_delta_);
  if (!internal::get_xor(in_, window_, v_bits_)) return fail("corrupt chunk: bad XOR window");
  if (in_.overrun()) return fail("chunk truncated");
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
