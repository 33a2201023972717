// libFuzzer target: the readers of the data directory's files never crash
// and never read outside the file, whatever its bytes. The first byte
// picks the reader:
//   0: a WAL segment: every record is decoded as the replay does (series,
//      samples, chunks, and each chunk iterated);
//   1: a block, as found;
//   2: a block whose checksums are recomputed first, so the fuzzer gets
//      past them into the series records and chunks a checksum would
//      otherwise guard.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tsdb/block.h"
#include "tsdb/internal/checksum.h"
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

// Recomputes a block's section and footer checksums, where its footer
// says they are.
void fix_block_checksums(std::vector<uint8_t>& b) {
  constexpr size_t kFooter = 56;
  if (b.size() < 8 + kFooter) return;
  uint8_t* f = b.data() + b.size() - kFooter;
  const uint64_t series_offset = internal::get_u64le(f + 24);
  const uint64_t footer_at = b.size() - kFooter;
  if (series_offset <= footer_at) {
    internal::put_u32le(f + 40, internal::crc32_of(b.data() + series_offset, footer_at - series_offset));
  }
  internal::put_u32le(f + 44, internal::crc32_of(f, 44));
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
    for (const ChunkRef& c : chunks) iterate({c->data(), c->size()});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<uint8_t> bytes(data + 1, data + size);
  switch (data[0] % 3) {
    case 0:
      read_wal(std::move(bytes));
      break;
    case 1:
      read_block(std::move(bytes));
      break;
    default:
      fix_block_checksums(bytes);
      read_block(std::move(bytes));
  }
  return 0;
}
