#include "tsdb/block.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "tsdb/internal/checksum.h"
#include "tsdb/internal/column_codec.h"
#include "tsdb/internal/encoding.h"

namespace cogwatch::tsdb {
namespace {

using internal::crc32_of;
using internal::get_u32le;
using internal::get_u64le;
using internal::put_u64le;

constexpr size_t kHeaderBytes = 8;
constexpr uint8_t kMagic[kHeaderBytes] = {'C', 'W', 'B', 'L', 'K', 0, 0, kBlockFormatVersion};
constexpr char kFooterMagic[] = "CWBLKEND";
// Format 1's footer has no symbols offset.
constexpr size_t footer_bytes(uint8_t version) { return (version == 1 ? 5 : 6) * 8 + 4 + 4 + 8; }
constexpr size_t kIndexEntryBytes = 16;
// Chunk bytes are written to the file in runs of about this size.
constexpr size_t kWriteBytes = 1 << 20;
// Distinct pieces the writer remembers, each of timestamps and values: far
// more than the series of one target, which are added one after another.
constexpr size_t kPieceCacheEntries = 1024;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  out.resize(out.size() + 4);
  internal::put_u32le(out.data() + out.size() - 4, v);
}

}  // namespace

// ---- BlockWriter ----

BlockWriter::BlockWriter(FileSystem& fs, std::string path, Timestamp mint, Timestamp maxt)
    : fs_(fs), path_(std::move(path)), mint_(mint), maxt_(maxt) {
  auto f = fs_.open_append(path_);
  if (!f) {
    status_ = f.error();
    return;
  }
  file_ = std::move(*f);
  if (file_->size() > 0) status_ = file_->truncate(0);
  chunk_buf_.assign(kMagic, kMagic + kHeaderBytes);
}

Status BlockWriter::flush_chunks() {
  if (status_ && !chunk_buf_.empty()) status_ = file_->append(chunk_buf_);
  offset_ += chunk_buf_.size();
  chunk_buf_.clear();
  return status_;
}

uint64_t BlockWriter::put_piece(std::span<const uint8_t> payload, PieceCache* cache) {
  std::string key;
  if (cache != nullptr) {
    key.assign(payload.begin(), payload.end());
    if (auto it = cache->offsets.find(key); it != cache->offsets.end()) return it->second;
  }
  const uint64_t at = offset_ + chunk_buf_.size();
  internal::put_uvarint(chunk_buf_, payload.size());
  chunk_buf_.insert(chunk_buf_.end(), payload.begin(), payload.end());
  put_u32(chunk_buf_, crc32_of(payload.data(), payload.size()));
  if (cache == nullptr) return at;
  if (cache->order.size() == kPieceCacheEntries) {
    cache->offsets.erase(cache->order.front());
    cache->order.pop_front();
  }
  cache->order.push_back(key);
  cache->offsets.emplace(std::move(key), at);
  return at;
}

void BlockWriter::put_float_run() {
  for (size_t i = 0; i < ts_.size(); i += kBlockChunkSamples) {
    const size_t n = std::min<size_t>(kBlockChunkSamples, ts_.size() - i);
    internal::put_uvarint(entries_, static_cast<uint8_t>(ChunkEncoding::kFloat));
    payload_.clear();
    internal::encode_timestamp_column({ts_.data() + i, n}, payload_);
    internal::put_uvarint(entries_, put_piece(payload_, &timestamp_pieces_));
    payload_.clear();
    internal::encode_value_column({values_.data() + i, n}, payload_);
    internal::put_uvarint(entries_, put_piece(payload_, &value_pieces_));
    ++entry_count_;
    ++chunks_;
  }
  ts_.clear();
  values_.clear();
}

uint64_t BlockWriter::symbol(std::string_view s) {
  auto [it, inserted] = symbols_.try_emplace(std::string(s), symbols_.size());
  if (inserted) internal::put_bytes(symbol_section_, s);
  return it->second;
}

Status BlockWriter::add(SeriesRef ref, const Labels& labels, std::span<const ChunkRef> chunks) {
  if (!status_) return status_;
  if (ref <= last_ref_) return make_error(ErrorCode::kInternal, path_ + ": series refs out of order");
  last_ref_ = ref;
  ts_.clear();
  values_.clear();
  entries_.clear();
  entry_count_ = 0;
  auto undecodable = [&](const Status& err) {
    return make_error(ErrorCode::kInternal, path_ + ": series " + std::to_string(ref) +
                                                ": a chunk does not decode: " + err.error().message);
  };
  for (const ChunkRef& c : chunks) {
    if (c->encoding() == ChunkEncoding::kFloat) {
      ChunkIterator it(*c);
      while (it.next()) {
        ts_.push_back(it.t());
        values_.push_back(it.v());
      }
      if (!it.err()) return undecodable(it.err());
      continue;
    }
    // Histograms between float runs: the run so far is written first, so
    // that entries stay in time order.
    put_float_run();
    HistogramChunkIterator it(*c);
    Timestamp first = 0, last = 0;
    while (it.next()) {
      if (it.read() == 1) first = it.t();
      last = it.t();
    }
    if (!it.err()) return undecodable(it.err());
    if (it.read() == 0) continue;
    internal::put_uvarint(entries_, static_cast<uint8_t>(c->encoding()));
    internal::put_varint(entries_, first);
    internal::put_uvarint(entries_, static_cast<uint64_t>(last) - static_cast<uint64_t>(first));
    internal::put_uvarint(entries_, put_piece({c->data(), c->size()}, nullptr));
    ++entry_count_;
    ++chunks_;
  }
  put_float_run();
  index_.emplace_back(ref, series_.size());
  internal::put_uvarint(series_, labels.size());
  for (const Label& l : labels) {
    internal::put_uvarint(series_, symbol(l.name));
    internal::put_uvarint(series_, symbol(l.value));
  }
  internal::put_uvarint(series_, entry_count_);
  series_.insert(series_.end(), entries_.begin(), entries_.end());
  if (chunk_buf_.size() >= kWriteBytes) return flush_chunks();
  return status_;
}

Result<uint64_t> BlockWriter::finish() {
  if (!flush_chunks()) return status_.error();
  const uint64_t symbols_offset = offset_;
  const uint64_t series_offset = symbols_offset + symbol_section_.size();
  const uint64_t index_offset = series_offset + series_.size();
  std::vector<uint8_t> tail = std::move(symbol_section_);
  tail.insert(tail.end(), series_.begin(), series_.end());
  for (const auto& [ref, at] : index_) {
    put_u64le(tail, ref);
    put_u64le(tail, series_offset + at);
  }
  const uint32_t sections_crc = crc32_of(tail.data(), tail.size());
  const size_t footer = tail.size();
  put_u64le(tail, static_cast<uint64_t>(mint_));
  put_u64le(tail, static_cast<uint64_t>(maxt_));
  put_u64le(tail, index_.size());
  put_u64le(tail, symbols_offset);
  put_u64le(tail, series_offset);
  put_u64le(tail, index_offset);
  put_u32(tail, sections_crc);
  put_u32(tail, crc32_of(tail.data() + footer, tail.size() - footer));
  tail.insert(tail.end(), kFooterMagic, kFooterMagic + 8);
  chunk_buf_ = std::move(tail);
  if (!flush_chunks()) return status_.error();
  if (Status s = file_->sync(); !s) return s.error();
  return file_->size();
}

// ---- Block ----

Result<std::shared_ptr<const Block>> Block::open(FileSystem& fs, const std::string& path) {
  auto file = fs.map(path);
  if (!file) return file.error();
  const std::span<const uint8_t> b = (*file)->bytes();
  auto damaged = [&](const std::string& what) { return make_error(ErrorCode::kInternal, path + ": " + what); };
  if (b.size() < kHeaderBytes + footer_bytes(1) || std::memcmp(b.data(), kMagic, 7) != 0 || b[7] == 0) {
    return damaged("not a cogwatch block (bad header or too short)");
  }
  const uint8_t version = b[7];
  if (version > kBlockFormatVersion) {
    return make_error(ErrorCode::kInvalidArgument,
                      path + ": written in block format version " + std::to_string(version) +
                          ", newer than this cogwatch reads (" + std::to_string(kBlockFormatVersion) + ")");
  }
  const size_t footer_size = footer_bytes(version);
  if (b.size() < kHeaderBytes + footer_size) return damaged("no footer (the file is truncated)");
  const uint8_t* f = b.data() + b.size() - footer_size;
  if (std::memcmp(f + footer_size - 8, kFooterMagic, 8) != 0) return damaged("no footer (the file is truncated)");
  if (crc32_of(f, footer_size - 12) != get_u32le(f + footer_size - 12)) return damaged("footer checksum mismatch");
  std::shared_ptr<Block> block(new Block(std::move(*file)));
  block->version_ = version;
  block->mint_ = static_cast<Timestamp>(get_u64le(f));
  block->maxt_ = static_cast<Timestamp>(get_u64le(f + 8));
  block->nseries_ = get_u64le(f + 16);
  const uint8_t* offsets = f + 24;
  if (version >= 2) {
    block->symbols_offset_ = get_u64le(offsets);
    offsets += 8;
  }
  block->series_offset_ = get_u64le(offsets);
  block->index_offset_ = get_u64le(offsets + 8);
  if (version == 1) block->symbols_offset_ = block->series_offset_;
  block->data_end_ = block->symbols_offset_;
  const uint64_t footer_at = b.size() - footer_size;
  if (block->symbols_offset_ < kHeaderBytes || block->series_offset_ < block->symbols_offset_ ||
      block->index_offset_ < block->series_offset_ || block->index_offset_ > footer_at ||
      (footer_at - block->index_offset_) % kIndexEntryBytes != 0 ||
      block->nseries_ != (footer_at - block->index_offset_) / kIndexEntryBytes) {
    return damaged("footer offsets do not fit the file");
  }
  if (crc32_of(b.data() + block->symbols_offset_, footer_at - block->symbols_offset_) !=
      get_u32le(f + footer_size - 16)) {
    return damaged("symbol, series or index checksum mismatch");
  }
  // The checks read the header, the footer and every byte of the series
  // and index sections; without this those pages (and the rest of each
  // 1 MiB the kernel read around them) would stay in the RSS until the
  // block is removed: 2.7 MiB per block of 10k series.
  block->release_pages();
  return std::shared_ptr<const Block>(std::move(block));
}

const std::string& Block::path() const { return file_->path(); }
void Block::release_pages() const { file_->release_before(file_->bytes().size()); }
uint64_t Block::size_bytes() const { return file_->bytes().size(); }

std::span<const uint8_t> Block::series_record(SeriesRef ref) const {
  const uint8_t* index = file_->bytes().data() + index_offset_;
  uint64_t lo = 0, hi = nseries_;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (get_u64le(index + mid * kIndexEntryBytes) < ref) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == nseries_ || get_u64le(index + lo * kIndexEntryBytes) != ref) return {};
  const uint64_t begin = get_u64le(index + lo * kIndexEntryBytes + 8);
  const uint64_t end = lo + 1 < nseries_ ? get_u64le(index + (lo + 1) * kIndexEntryBytes + 8) : index_offset_;
  if (begin < series_offset_ || end < begin || end > index_offset_) return {};  // checked at open; defensive
  return file_->bytes().subspan(begin, end - begin);
}

bool Block::contains(SeriesRef ref) const { return !series_record(ref).empty(); }

namespace {

// Skips a record's labels; false if they do not decode.
bool skip_labels(internal::Decoder& d) {
  const uint64_t n = d.uvarint();
  for (uint64_t i = 0; i < n && d.ok(); ++i) {
    d.bytes();
    d.bytes();
  }
  return d.ok();
}

}  // namespace

void Block::chunks(SeriesRef ref, Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const {
  const std::span<const uint8_t> record = series_record(ref);
  if (record.empty()) return;
  if (version_ == 1) {
    chunks_v1(record, mint, maxt, out);
  } else {
    chunks_v2(record, mint, maxt, out);
  }
}

void Block::chunks_v1(std::span<const uint8_t> record, Timestamp mint, Timestamp maxt,
                      std::vector<ChunkRef>& out) const {
  internal::Decoder d(record);
  if (!skip_labels(d)) return;
  uint64_t offset = d.uvarint();
  const uint64_t n = d.uvarint();
  const std::span<const uint8_t> bytes = file_->bytes();
  Timestamp prev = mint_;
  std::shared_ptr<const void> owner;  // the mapping, shared by the chunks returned
  for (uint64_t i = 0; i < n && d.ok(); ++i) {
    // Two's complement, as written: damage gives wrong times, not UB.
    const Timestamp cmin = static_cast<Timestamp>(static_cast<uint64_t>(prev) + static_cast<uint64_t>(d.varint()));
    const Timestamp cmax = static_cast<Timestamp>(static_cast<uint64_t>(cmin) + d.uvarint());
    const uint64_t size = d.uvarint();
    const uint32_t crc = d.u32le();
    prev = cmax;
    const uint64_t at = offset;
    offset += size;
    if (cmax < mint || cmin > maxt) continue;
    if (!d.ok() || size > data_end_ || at > data_end_ - size) break;
    // Checked at every read: a flipped bit on disk must never become a
    // wrong answer.
    if (crc32_of(bytes.data() + at, size) != crc) {
      damaged_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!owner) owner = file_;
    out.push_back(
        ChunkRef::from_mapped(ChunkEncoding::kFloat, owner, bytes.data() + at, static_cast<uint32_t>(size), cmin, cmax));
  }
}

std::span<const uint8_t> Block::piece(uint64_t offset) const {
  if (offset < kHeaderBytes || offset >= data_end_) return {};
  internal::Decoder d(file_->bytes().subspan(offset, data_end_ - offset));
  const uint64_t size = d.uvarint();
  if (!d.ok() || d.remaining() < 4 || size == 0 || size > d.remaining() - 4) return {};
  const uint8_t* payload = file_->bytes().data() + data_end_ - d.remaining();
  if (crc32_of(payload, size) != get_u32le(payload + size)) return {};
  return {payload, size};
}

void Block::chunks_v2(std::span<const uint8_t> record, Timestamp mint, Timestamp maxt,
                      std::vector<ChunkRef>& out) const {
  internal::Decoder d(record);
  const uint64_t nlabels = d.uvarint();
  for (uint64_t i = 0; i < nlabels && d.ok(); ++i) {
    d.uvarint();
    d.uvarint();
  }
  const uint64_t n = d.uvarint();
  std::shared_ptr<const void> owner;  // the mapping, shared by the chunks returned
  for (uint64_t i = 0; i < n && d.ok(); ++i) {
    // Format 2 holds float chunks only; format 3 says each chunk's encoding.
    const uint64_t encoding = version_ >= 3 ? d.uvarint() : static_cast<uint64_t>(ChunkEncoding::kFloat);
    if (!d.ok() || !is_chunk_encoding(encoding)) {
      damaged_.fetch_add(1, std::memory_order_relaxed);  // the rest of the record cannot be parsed
      break;
    }
    if (encoding != static_cast<uint64_t>(ChunkEncoding::kFloat)) {
      const Timestamp cmin = d.varint();
      const auto cmax = static_cast<Timestamp>(static_cast<uint64_t>(cmin) + d.uvarint());
      const uint64_t at = d.uvarint();
      if (!d.ok()) break;
      if (cmax < mint || cmin > maxt) continue;
      // Checked at every read, as the columns below.
      const std::span<const uint8_t> bytes = piece(at);
      if (bytes.size() < kHistogramChunkHeaderBytes) {
        damaged_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (!owner) owner = file_;
      out.push_back(ChunkRef::from_mapped(static_cast<ChunkEncoding>(encoding), owner, bytes.data(),
                                          static_cast<uint32_t>(bytes.size()), cmin, cmax));
      continue;
    }
    const uint64_t timestamps_at = d.uvarint();
    const uint64_t values_at = d.uvarint();
    if (!d.ok()) break;
    // Both pieces' checksums are checked at every read: a flipped bit on
    // disk must never become a wrong answer (nor a chunk wrongly skipped).
    const std::span<const uint8_t> timestamps = piece(timestamps_at);
    internal::TimestampColumnHeader h;
    if (timestamps.empty() || !internal::read_timestamp_header(timestamps, h)) {
      damaged_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (h.max_time < mint || h.min_time > maxt) continue;
    const std::span<const uint8_t> values = piece(values_at);
    if (values.empty()) {
      damaged_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!owner) owner = file_;
    out.push_back(ChunkRef::from_mapped_columns(owner, timestamps, values, static_cast<uint16_t>(h.num_samples),
                                                h.min_time, h.max_time));
  }
}

void Block::for_each_series(const std::function<void(SeriesRef, const Labels&, size_t)>& fn) const {
  std::vector<std::string_view> symbols;
  if (version_ >= 2) {
    internal::Decoder d(file_->bytes().subspan(symbols_offset_, series_offset_ - symbols_offset_));
    while (d.ok() && !d.done()) symbols.push_back(d.bytes());
  }
  auto symbol = [&](uint64_t id, bool& ok) {
    if (id < symbols.size()) return symbols[id];
    ok = false;
    return std::string_view();
  };
  const uint8_t* index = file_->bytes().data() + index_offset_;
  LabelsBuilder builder;
  for (uint64_t i = 0; i < nseries_; ++i) {
    const SeriesRef ref = get_u64le(index + i * kIndexEntryBytes);
    internal::Decoder d(series_record(ref));
    builder.reset(Labels());
    bool ok = true;
    const uint64_t n = d.uvarint();
    for (uint64_t j = 0; j < n && d.ok(); ++j) {
      if (version_ == 1) {
        const std::string_view name = d.bytes();
        const std::string_view value = d.bytes();
        builder.set(name, value);
      } else {
        const std::string_view name = symbol(d.uvarint(), ok);
        const std::string_view value = symbol(d.uvarint(), ok);
        builder.set(name, value);
      }
    }
    if (version_ == 1) d.uvarint();  // the first chunk's offset
    const uint64_t chunks = d.uvarint();
    if (d.ok() && ok) fn(ref, builder.build(), chunks);
  }
}

}  // namespace cogwatch::tsdb
