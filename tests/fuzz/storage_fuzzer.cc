// libFuzzer target: the readers of the data directory's files never crash
// and never read outside the file, whatever its bytes. The first byte
// picks the reader:
//   0: a WAL segment: every record is decoded as the replay does (series,
//      samples, chunks, and each chunk iterated);
//   1: a block, as found;
//   2: a block whose checksums are recomputed first, so the fuzzer gets
//      past them into the series records and chunks a checksum would
//      otherwise guard;
//   3: a timestamp column and a value column (the next byte says where
//      the first ends), decoded as a block chunk;
//   4: doubles (8 bytes each) encoded as a value column and a timestamp
//      column and decoded again: the same bits must come back.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tsdb/block.h"
#include "tsdb/internal/checksum.h"
#include "tsdb/internal/column_codec.h"
#include "tsdb/internal/encoding.h"
#include "tsdb/internal/wal_records.h"
#include "tsdb/wal.h"

namespace {

using namespace cogwatch;
using namespace cogwatch::tsdb;

class Bytes final : public MappedFile {
 public:
  explicit Bytes(std::vector<uint8_t> b) : b_(std::move(b)) {}
  std::span<const uint8_t> bytes() const override { return b_; }
  const std::string& path() const override { return path_; }

 private:
  std::vector<uint8_t> b_;
  std::string path_ = "fuzz";
};

// Only map() is used by the readers.
class OneFile final : public FileSystem {
 public:
  explicit OneFile(std::vector<uint8_t> b) : file_(std::make_shared<Bytes>(std::move(b))) {}
  Result<std::shared_ptr<const MappedFile>> map(const std::string&) override { return file_; }
  Result<std::unique_ptr<WritableFile>> open_append(const std::string&) override { return no(); }
  Status create_dirs(const std::string&) override { return no(); }
  Result<std::vector<std::string>> list(const std::string&) override { return no(); }
  Status rename(const std::string&, const std::string&) override { return no(); }
  Status remove_all(const std::string&) override { return no(); }
  Status sync_dir(const std::string&) override { return no(); }
  bool exists(const std::string&) override { return false; }
  Result<std::unique_ptr<FileLock>> lock(const std::string&) override { return no(); }

 private:
  static Error no() { return make_error(ErrorCode::kInternal, "not in the fuzzer"); }
  std::shared_ptr<const MappedFile> file_;
};

void iterate(std::span<const uint8_t> chunk) {
  ChunkIterator it(chunk.data(), chunk.size());
  while (it.next()) {
  }
}

void iterate(const Chunk& chunk) {
  ChunkIterator it(chunk);
  while (it.next()) {
  }
}

void read_wal(std::vector<uint8_t> bytes) {
  OneFile fs(std::move(bytes));
  auto r = SegmentReader::open(fs, "fuzz");
  if (!r) return;
  while (r->next()) {
    const auto p = r->payload();
    internal::decode_series(p, [](SeriesRef, const Labels&) {});
    internal::decode_samples(p, [](const internal::WalSample&) {});
    internal::decode_chunks(p, [](SeriesRef, bool, std::span<const uint8_t> c) { iterate(c); });
  }
}

// Recomputes a block's checksums where its footer says they are: those
// of format 2's pieces (walked from the header on), of the sections and
// of the footer.
void fix_block_checksums(std::vector<uint8_t>& b) {
  if (b.size() < 8) return;
  const bool v1 = b[7] == 1;
  const size_t footer = v1 ? 56 : 64;
  if (b.size() < 8 + footer) return;
  uint8_t* f = b.data() + b.size() - footer;
  const uint64_t sections = internal::get_u64le(f + 24);  // format 1: series; 2: symbols
  const uint64_t footer_at = b.size() - footer;
  if (!v1 && sections <= footer_at) {
    for (uint64_t at = 8; at < sections;) {
      internal::Decoder d(std::span<const uint8_t>(b.data() + at, sections - at));
      const uint64_t size = d.uvarint();
      if (!d.ok() || d.remaining() < 4 || size > d.remaining() - 4) break;
      uint8_t* payload = b.data() + sections - d.remaining();
      internal::put_u32le(payload + size, internal::crc32_of(payload, size));
      at = static_cast<uint64_t>(payload + size + 4 - b.data());
    }
  }
  if (sections <= footer_at) {
    internal::put_u32le(f + footer - 16, internal::crc32_of(b.data() + sections, footer_at - sections));
  }
  internal::put_u32le(f + footer - 12, internal::crc32_of(f, footer - 12));
}

void read_columns(const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) return;
  const size_t split = std::min<size_t>(bytes[0], bytes.size() - 1);
  const std::span<const uint8_t> timestamps(bytes.data() + 1, split);
  const std::span<const uint8_t> values(bytes.data() + 1 + split, bytes.size() - 1 - split);
  internal::TimestampColumnHeader h;
  if (!internal::read_timestamp_header(timestamps, h)) h.num_samples = bytes[0];
  iterate(*ChunkRef::from_mapped_columns(nullptr, timestamps, values, static_cast<uint16_t>(h.num_samples),
                                         h.min_time, h.max_time));
}

void round_trip_columns(const std::vector<uint8_t>& bytes) {
  std::vector<double> values(std::min<size_t>(bytes.size() / 8, UINT16_MAX));
  if (values.empty()) return;
  std::memcpy(values.data(), bytes.data(), values.size() * 8);
  std::vector<Timestamp> ts;
  Timestamp t = 0;
  for (double v : values) ts.push_back(t += 1 + static_cast<Timestamp>(std::bit_cast<uint64_t>(v) % 30'000));
  std::vector<uint8_t> tcol, vcol;
  internal::encode_timestamp_column(ts, tcol);
  internal::encode_value_column(values, vcol);
  ChunkIterator it(*ChunkRef::from_mapped_columns(nullptr, tcol, vcol, static_cast<uint16_t>(values.size()),
                                                  ts.front(), ts.back()));
  for (size_t i = 0; i < values.size(); ++i) {
    if (!it.next() || it.t() != ts[i] || std::bit_cast<uint64_t>(it.v()) != std::bit_cast<uint64_t>(values[i])) {
      __builtin_trap();
    }
  }
  if (it.next() || !it.err()) __builtin_trap();
}

void read_block(std::vector<uint8_t> bytes) {
  OneFile fs(std::move(bytes));
  auto b = Block::open(fs, "fuzz");
  if (!b) return;
  std::vector<SeriesRef> refs;
  (*b)->for_each_series([&](SeriesRef ref, const Labels&, size_t) { refs.push_back(ref); });
  for (SeriesRef ref : refs) {
    std::vector<ChunkRef> chunks;
    (*b)->chunks(ref, kMinTimestamp, kMaxTimestamp, chunks);
    for (const ChunkRef& c : chunks) iterate(*c);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<uint8_t> bytes(data + 1, data + size);
  switch (data[0] % 5) {
    case 0:
      read_wal(std::move(bytes));
      break;
    case 1:
      read_block(std::move(bytes));
      break;
    case 2:
      fix_block_checksums(bytes);
      read_block(std::move(bytes));
      break;
    case 3:
      read_columns(bytes);
      break;
    default:
      round_trip_columns(bytes);
  }
  return 0;
}
