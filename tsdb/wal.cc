#include "tsdb/wal.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "tsdb/internal/checksum.h"
#include "tsdb/internal/encoding.h"

namespace cogwatch::tsdb {
namespace {

constexpr uint8_t kMagic[kWalSegmentHeaderBytes] = {'C', 'W', 'W', 'A', 'L', 0, 0, kWalFormatVersion};

}  // namespace

size_t RecordBuffer::begin(uint8_t type) {
  const size_t start = buf_.size();
  buf_.resize(start + kWalRecordHeaderBytes);
  buf_[start + 8] = type;
  return start;
}

void RecordBuffer::finish(size_t start) {
  const size_t body = buf_.size() - start - 8;  // type and payload
  internal::put_u32le(buf_.data() + start, static_cast<uint32_t>(body));
  internal::put_u32le(buf_.data() + start + 4, internal::crc32_of(buf_.data() + start + 8, body));
}

Result<SegmentReader> SegmentReader::open(FileSystem& fs, const std::string& path, uint64_t start) {
  auto file = fs.map(path);
  if (!file) return file.error();
  SegmentReader r(std::move(*file));
  const std::span<const uint8_t> b = r.file_->bytes();
  if (b.empty()) {
    r.set_damage("empty file (no segment header)");
  } else if (b.size() < kWalSegmentHeaderBytes || std::memcmp(b.data(), kMagic, 7) != 0) {
    r.set_damage("not a cogwatch WAL segment (bad header)");
  } else if (b[7] > kWalFormatVersion) {
    return make_error(ErrorCode::kInvalidArgument,
                      path + ": written in WAL format version " + std::to_string(b[7]) +
                          ", newer than this cogwatch reads (" + std::to_string(kWalFormatVersion) +
                          "): run the cogwatch that wrote it, or move the data directory away");
  } else {
    r.pos_ = std::max<uint64_t>(kWalSegmentHeaderBytes, start);
    r.released_ = r.pos_;
    if (r.pos_ > b.size()) {
      r.pos_ = b.size();
      r.set_damage("shorter than where reading was to resume (" + std::to_string(start) + ")");
    }
  }
  return r;
}

void SegmentReader::set_damage(std::string reason) {
  const uint64_t size = file_->bytes().size();
  damage_ = WalDamage{file_->path(), pos_, size - pos_, std::move(reason)};
}

bool SegmentReader::next() {
  if (damage_) return false;
  const std::span<const uint8_t> b = file_->bytes();
  if (pos_ == b.size()) return false;
  if (b.size() - pos_ < kWalRecordHeaderBytes) {
    set_damage("torn record header");
    return false;
  }
  const uint32_t length = internal::get_u32le(b.data() + pos_);
  const uint32_t crc = internal::get_u32le(b.data() + pos_ + 4);
  if (length == 0 || length > kWalMaxRecordBytes) {
    // A zero-filled tail (a file extended but not written before a power
    // loss) reads as length 0.
    set_damage(length == 0 ? "zeroed bytes where a record should begin" : "impossible record length " + std::to_string(length));
    return false;
  }
  if (b.size() - pos_ - 8 < length) {
    set_damage("torn record (" + std::to_string(length) + " bytes announced, " + std::to_string(b.size() - pos_ - 8) +
               " present)");
    return false;
  }
  const uint8_t* body = b.data() + pos_ + 8;
  if (internal::crc32_of(body, length) != crc) {
    set_damage("checksum mismatch");
    return false;
  }
  // The records before the previous one are done with: their pages
  // leave the process's memory every few MiB, so a replay holds one
  // window of the file, not all of it.
  constexpr uint64_t kReleaseBytes = 4 << 20;
  if (pos_ - released_ >= kReleaseBytes) {
    released_ = pos_;
    file_->release_before(released_);
  }
  type_ = body[0];
  payload_ = {body + 1, length - 1};
  pos_ += 8 + length;
  return true;
}

Wal::~Wal() {
  if (file_) (void)file_->sync();  // closing is a natural point to be durable
}

std::string Wal::segment_name(uint32_t segment) {
  char name[16];
  std::snprintf(name, sizeof name, "%08u", segment);
  return name;
}

std::optional<uint32_t> Wal::parse_segment_name(std::string_view name) {
  if (name.size() != 8 || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint32_t n = 0;
  std::from_chars(name.data(), name.data() + name.size(), n);
  return n;
}

std::string Wal::segment_path(const std::string& dir, uint32_t segment) { return dir + "/" + segment_name(segment); }

Result<std::vector<uint32_t>> Wal::list_segments(FileSystem& fs, const std::string& dir) {
  auto names = fs.list(dir);
  if (!names) return names.error();
  std::vector<uint32_t> segments;
  for (const std::string& name : *names) {
    if (auto n = parse_segment_name(name)) segments.push_back(*n);
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

Status Wal::write_header(WritableFile& file) { return file.append(kMagic); }

Result<std::unique_ptr<Wal>> Wal::open(const std::string& dir, WalOptions options) {
  if (auto s = options.fs->create_dirs(dir); !s) return s.error();
  auto segments = list_segments(*options.fs, dir);
  if (!segments) return segments.error();
  std::unique_ptr<Wal> wal(new Wal(dir, options));
  for (uint32_t seg : *segments) {
    auto f = options.fs->open_append(segment_path(dir, seg));
    if (!f) return f.error();
    wal->sizes_.emplace_back(seg, (*f)->size());
  }
  std::lock_guard lock(wal->mu_);
  wal->next_ = segments->empty() ? 1 : segments->back() + 1;
  if (auto s = wal->begin_segment(); !s) return s.error();
  return wal;
}

Status Wal::begin_segment() {
  if (file_) {
    // A failed sync of the segment being closed costs durability against a
    // power loss, not data: what it holds is written. Moving on is better
    // than stopping the log.
    (void)file_->sync();
    sizes_.emplace_back(current_, file_->size());
    file_.reset();
  }
  // next_ is above every segment that holds records, so a file by that
  // name can only be the remains of a failed attempt: it is started over.
  const std::string path = segment_path(dir_, next_);
  auto f = options_.fs->open_append(path);
  if (!f) return f.error();
  Status s = (*f)->size() > 0 ? (*f)->truncate(0) : Status();
  if (s) s = write_header(**f);
  if (s) s = options_.fs->sync_dir(dir_);
  if (!s) {
    f->reset();
    (void)options_.fs->remove_all(path);
    return s;
  }
  file_ = std::shared_ptr<WritableFile>(std::move(*f));
  current_ = next_++;
  needs_new_segment_ = false;
  return {};
}

Status Wal::write(std::span<const uint8_t> records) {
  std::lock_guard lock(mu_);
  if (!file_ || needs_new_segment_ ||
      (file_->size() > kWalSegmentHeaderBytes && file_->size() + records.size() > options_.segment_bytes)) {
    if (auto s = begin_segment(); !s) {
      needs_new_segment_ = true;
      return s;
    }
  }
  if (auto s = file_->append(records); !s) {
    needs_new_segment_ = true;
    return s;
  }
  return {};
}

Status Wal::sync() {
  std::shared_ptr<WritableFile> file;
  {
    std::lock_guard lock(mu_);
    file = file_;
  }
  // Outside the lock: a commit's write need not wait for the disk.
  return file ? file->sync() : Status();
}

uint32_t Wal::current_segment() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<uint32_t> Wal::cut() {
  std::lock_guard lock(mu_);
  if (auto s = begin_segment(); !s) {
    needs_new_segment_ = true;
    return s.error();
  }
  return current_;
}

Status Wal::remove_before(uint32_t segment) {
  std::lock_guard lock(mu_);
  Status result;
  auto keep = std::stable_partition(sizes_.begin(), sizes_.end(), [&](const auto& e) { return e.first < segment; });
  for (auto it = sizes_.begin(); it != keep; ++it) {
    if (auto s = options_.fs->remove_all(segment_path(dir_, it->first)); !s && result) result = s;
  }
  sizes_.erase(sizes_.begin(), keep);
  return result;
}

uint64_t Wal::bytes_between(uint32_t first, uint32_t end) const {
  std::lock_guard lock(mu_);
  uint64_t total = 0;
  for (const auto& [seg, size] : sizes_) {
    if (seg >= first && seg < end) total += size;
  }
  return total;
}

uint64_t Wal::bytes_since(uint32_t first) const {
  std::lock_guard lock(mu_);
  uint64_t total = file_ && current_ >= first ? file_->size() : 0;
  for (const auto& [seg, size] : sizes_) {
    if (seg >= first) total += size;
  }
  return total;
}

}  // namespace cogwatch::tsdb
