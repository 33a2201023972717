#include "tsdb/db.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "model/file.h"
#include "tsdb/internal/head_storage.h"
#include "tsdb/internal/wal_records.h"

namespace cogwatch::tsdb {
namespace {

constexpr const char* kFormatFile = "FORMAT";
constexpr const char* kFormatPrefix = "cogwatch tsdb ";
constexpr const char* kCheckpointPrefix = "checkpoint.";
// A checkpoint record is cut once its payload passes this size, so reading
// one back needs no large buffer.
constexpr size_t kCheckpointRecordBytes = 1 << 20;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string checkpoint_name(uint32_t segment) { return kCheckpointPrefix + Wal::segment_name(segment); }

// The segment number of a checkpoint file name, or nothing.
std::optional<uint32_t> checkpoint_segment(std::string_view name) {
  if (!name.starts_with(kCheckpointPrefix)) return std::nullopt;
  return Wal::parse_segment_name(name.substr(std::string_view(kCheckpointPrefix).size()));
}

// Writes FORMAT into a new directory, or checks the one there. A directory
// without it that holds anything is not cogwatch's: refusing it keeps
// cogwatch from "repairing" someone else's files (a Prometheus data
// directory, say).
Status check_format(FileSystem& fs, const std::string& dir, bool read_only = false) {
  const std::string path = dir + "/" + kFormatFile;
  if (read_only && !fs.exists(path)) {
    return make_error(ErrorCode::kInvalidArgument,
                      dir + " is not a cogwatch data directory (it has no " + kFormatFile + " file)");
  }
  if (fs.exists(path)) {
    auto text = read_file(path);
    if (!text) return text.error();
    int version = 0;
    const std::string prefix = kFormatPrefix;
    if (text->compare(0, prefix.size(), prefix) == 0) {
      std::from_chars(text->data() + prefix.size(), text->data() + text->size(), version);
    }
    if (version <= 0) {
      return make_error(ErrorCode::kInvalidArgument, path + ": not a cogwatch storage format file");
    }
    if (version > kStorageFormatVersion) {
      return make_error(ErrorCode::kInvalidArgument,
                        dir + " was written by a newer cogwatch (storage format " + std::to_string(version) +
                            "; this one reads format " + std::to_string(kStorageFormatVersion) +
                            " and older): run that version, or point --storage.tsdb.path elsewhere");
    }
    return {};
  }
  auto names = fs.list(dir);
  if (!names) return names.error();
  std::vector<std::string> foreign;
  for (const std::string& n : *names) {
    if (n != "lock" && n != "FORMAT.tmp") foreign.push_back(n);
  }
  if (!foreign.empty()) {
    std::string list;
    for (size_t i = 0; i < foreign.size() && i < 5; ++i) list += (i ? ", " : "") + foreign[i];
    return make_error(ErrorCode::kInvalidArgument,
                      dir + " is not a cogwatch data directory (no " + kFormatFile + " file; it holds " + list +
                          "): point --storage.tsdb.path at an empty directory or one cogwatch made");
  }
  const std::string text = kFormatPrefix + std::to_string(kStorageFormatVersion) + "\n";
  return write_file_atomically(fs, path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

// The Db applies retention to the whole directory; its head only to what
// it holds in memory, which compaction keeps to the unfinished windows.
HeadOptions head_options(HeadOptions h) {
  h.retention_time = 0;
  h.retention_bytes = 0;
  return h;
}

constexpr const char* kBlockSuffix = ".block";

std::string block_name(Timestamp mint, Timestamp maxt) {
  char name[64];
  std::snprintf(name, sizeof name, "%013lld-%013lld%s", static_cast<long long>(mint), static_cast<long long>(maxt),
                kBlockSuffix);
  return name;
}

}  // namespace

Db::Db(std::string dir, DbOptions options, bool read_only)
    : dir_(std::move(dir)),
      wal_dir_(dir_ + "/wal"),
      options_(options),
      read_only_(read_only),
      head_(std::make_unique<Head>(head_options(options.head))),
      blocks_dir_(dir_ + "/blocks") {}

Db::~Db() {
  head_.reset();  // no appender may outlive the Db
  if (wal_) (void)wal_->sync();
}

Result<std::unique_ptr<Db>> Db::open(const std::string& dir, DbOptions options, DbOpenReport* report) {
  const auto start = std::chrono::steady_clock::now();
  DbOpenReport local;
  DbOpenReport& r = report ? *report : local;
  r = DbOpenReport{};
  FileSystem& fs = *options.fs;
  if (auto s = fs.create_dirs(dir); !s) return s.error();
  auto lock = fs.lock(dir + "/lock");
  if (!lock) return lock.error();
  if (auto s = check_format(fs, dir); !s) return s.error();

  std::unique_ptr<Db> db(new Db(dir, options));
  db->lock_ = std::move(*lock);
  if (auto s = fs.create_dirs(db->wal_dir_); !s) return s.error();
  if (auto s = fs.create_dirs(db->blocks_dir_); !s) return s.error();
  if (auto s = db->open_blocks(r); !s) return s.error();
  if (auto s = db->replay(r); !s) return s.error();
  auto wal = Wal::open(db->wal_dir_, WalOptions{.fs = &fs, .segment_bytes = options.wal_segment_bytes});
  if (!wal) return wal.error();
  db->wal_ = std::move(*wal);
  db->head_->attach_wal(db->wal_.get());
  const HeadStats hs = db->head_->stats();
  r.min_time = hs.min_time;
  r.max_time = hs.max_time;
  if (auto blocks = db->head_->blocks(); blocks && !blocks->empty()) {  // sorted by time
    r.min_time = std::min(r.min_time, blocks->front()->min_time());
    r.max_time = std::max(r.max_time, blocks->back()->max_time());
  }
  r.seconds = seconds_since(start);
  return db;
}

Result<std::unique_ptr<Db>> Db::open_read_only(const std::string& dir, DbOptions options, DbOpenReport* report) {
  DbOpenReport local;
  DbOpenReport& r = report ? *report : local;
  // The owner may remove a file between our listing and our reading it (a
  // checkpoint replaces segments, retention removes a block): start over.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    r = DbOpenReport{};
    auto db = open_read_only_once(dir, options, r);
    if (db || db.error().code != ErrorCode::kNotFound || attempt == kAttempts || !options.fs->exists(dir)) return db;
  }
}

Result<std::unique_ptr<Db>> Db::open_read_only_once(const std::string& dir, DbOptions options, DbOpenReport& r) {
  const auto start = std::chrono::steady_clock::now();
  FileSystem& fs = *options.fs;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return make_error(ErrorCode::kNotFound, dir + ": no such directory");
  if (!std::filesystem::is_directory(dir, ec)) return make_error(ErrorCode::kInvalidArgument, dir + ": not a directory");
  if (auto s = check_format(fs, dir, /*read_only=*/true); !s) return s.error();
  std::unique_ptr<Db> db(new Db(dir, options, /*read_only=*/true));
  if (fs.exists(db->blocks_dir_)) {
    if (auto s = db->open_blocks(r); !s) return s.error();
  }
  if (fs.exists(db->wal_dir_)) {
    if (auto s = db->replay(r); !s) return s.error();
  }
  const HeadStats hs = db->head_->stats();
  r.min_time = hs.min_time;
  r.max_time = hs.max_time;
  if (auto blocks = db->head_->blocks(); blocks && !blocks->empty()) {
    r.min_time = std::min(r.min_time, blocks->front()->min_time());
    r.max_time = std::max(r.max_time, blocks->back()->max_time());
  }
  r.seconds = seconds_since(start);
  return db;
}

Status Db::open_blocks(DbOpenReport& report) {
  FileSystem& fs = *options_.fs;
  auto names = fs.list(blocks_dir_);
  if (!names) return names.error();
  std::vector<std::shared_ptr<const Block>> blocks;
  for (const std::string& name : *names) {
    const std::string path = blocks_dir_ + "/" + name;
    if (name.ends_with(".tmp")) {
      if (read_only_) continue;  // or one being written now
      if (auto s = fs.remove_all(path); !s) return s;  // a compaction cut short
      continue;
    }
    if (!name.ends_with(kBlockSuffix)) continue;
    auto block = Block::open(fs, path);
    if (block) {
      blocks.push_back(std::move(*block));
      continue;
    }
    if (block.error().code == ErrorCode::kInvalidArgument) return block.error();  // newer format: touch nothing
    // Damaged beyond its chunks: its index cannot be trusted. It is set
    // aside (not deleted: someone may want to look at it) and its time
    // range is lost.
    if (block.error().code == ErrorCode::kNotFound) return block.error();  // removed meanwhile (read-only)
    uint64_t size = 0;
    if (auto mapped = fs.map(path)) size = (*mapped)->bytes().size();
    if (read_only_) {
      report.damage.push_back(WalDamage{path, 0, size, block.error().message + "; skipped"});
      continue;
    }
    report.damage.push_back(WalDamage{path, 0, size, block.error().message + "; set aside as " + name + ".damaged"});
    ++stats_.corruptions_repaired;
    if (auto s = fs.rename(path, path + ".damaged"); !s) return s;
  }
  if (blocks.empty()) return {};
  Timestamp newest = kMinTimestamp;
  for (const auto& b : blocks) newest = std::max(newest, b->max_time());
  internal::HeadStorage::set_blocks(*head_, std::move(blocks));
  internal::HeadStorage::set_min_valid_time(*head_, newest + 1);
  return {};
}

Status Db::replay(DbOpenReport& report) {
  FileSystem& fs = *options_.fs;
  auto names = fs.list(wal_dir_);
  if (!names) return names.error();
  // The newest complete checkpoint; unfinished ones (.tmp) go.
  std::optional<uint32_t> checkpoint;
  for (const std::string& name : *names) {
    if (name.ends_with(".tmp")) {
      if (read_only_) continue;
      if (auto s = fs.remove_all(wal_dir_ + "/" + name); !s) return s;
    } else if (auto seg = checkpoint_segment(name)) {
      checkpoint = std::max(checkpoint.value_or(0), *seg);
    }
  }
  auto segments = Wal::list_segments(fs, wal_dir_);
  if (!segments) return segments.error();

  internal::HeadStorage recovery(*head_);
  std::vector<internal::WalSample> samples;  // of one record
  // Reads one file's records into the head; cuts it at its first damage.
  auto read = [&](const std::string& path, bool repair) -> Status {
    auto reader = SegmentReader::open(fs, path);
    if (!reader) return reader.error();
    while (reader->next()) {
      const std::span<const uint8_t> payload = reader->payload();
      bool ok = true;
      bool invalid = false;  // a histogram in it failed validation
      switch (reader->type()) {
        case internal::kSeriesRecord:
          ok = internal::decode_series(payload, [&](SeriesRef ref, const Labels& l) { recovery.add_series(ref, l); });
          break;
        case internal::kSamplesRecord:
          samples.clear();
          ok = internal::decode_samples(payload, [&](const internal::WalSample& s) { samples.push_back(s); });
          recovery.add_samples(samples);
          break;
        case internal::kHistogramsRecord:
          ok = internal::decode_histogram_samples(payload, [&](SeriesRef ref, Timestamp t, const Histogram& h) {
            if (!recovery.add_histogram(ref, t, h)) invalid = true;
          });
          break;
        case internal::kFloatHistogramsRecord:
          ok = internal::decode_float_histogram_samples(
              payload, [&](SeriesRef ref, Timestamp t, const FloatHistogram& h) {
                if (!recovery.add_histogram(ref, t, h)) invalid = true;
              });
          break;
        case internal::kChunksRecord:
        case internal::kEncodedChunksRecord:
          ok = internal::decode_chunks(
              payload, reader->type() == internal::kChunksRecord,
              [&](SeriesRef ref, bool open, ChunkEncoding encoding, std::span<const uint8_t> bytes) {
                recovery.add_chunk(ref, open, encoding, bytes);
              });
          break;
        default:
          ok = false;  // a record type from a newer minor version: skipped
      }
      if (!ok || invalid) recovery.count_bad_record();
    }
    if (const auto& damage = reader->damage()) {
      report.damage.push_back(*damage);
      if (read_only_) return {};
      ++stats_.corruptions_repaired;
      const uint64_t keep = reader->good_bytes();
      if (repair) {
        auto f = fs.open_append(path);
        if (!f) return f.error();
        if (keep == 0) {
          // Not even a header survived: start the file over.
          if (auto s = (*f)->truncate(0); !s) return s;
          if (auto s = Wal::write_header(**f); !s) return s;
        } else if (auto s = (*f)->truncate(keep); !s) {
          return s;
        }
        if (auto s = (*f)->sync(); !s) return s;
      }
    }
    return {};
  };

  if (checkpoint) {
    report.checkpoint = wal_dir_ + "/" + checkpoint_name(*checkpoint);
    // A damaged checkpoint keeps what it holds up to the damage; it is not
    // cut, as the segments it replaced are gone: the next checkpoint
    // replaces it.
    if (auto s = read(report.checkpoint, /*repair=*/false); !s) return s;
  }
  const bool checkpoint_whole = checkpoint && report.damage.empty();
  std::optional<uint32_t> previous, first;
  // Segments the checkpoint replaced are not replayed. They are there
  // after a crash before their removal, or kept for readers of the log
  // (hold_wal()): the newest of them, up to wal_hold_bytes, stay until
  // the next checkpoint, by which time the readers have said what they
  // need; the others go.
  uint64_t kept_bytes = 0;
  uint32_t held_from = checkpoint ? *checkpoint + 1 : 1;
  for (auto it = segments->rbegin(); it != segments->rend(); ++it) {
    if (!checkpoint || *it > *checkpoint) continue;
    auto file = fs.map(Wal::segment_path(wal_dir_, *it));
    const uint64_t size = file ? (*file)->bytes().size() : 0;
    if (held_from == *it + 1 && kept_bytes + size <= options_.wal_hold_bytes) {
      kept_bytes += size;
      held_from = *it;
      continue;
    }
    if (read_only_) continue;
    if (auto s = fs.remove_all(Wal::segment_path(wal_dir_, *it)); !s) return s;
  }
  for (uint32_t seg : *segments) {
    if (checkpoint && seg <= *checkpoint) continue;
    const uint32_t expected = previous ? *previous + 1 : (checkpoint ? *checkpoint + 1 : 1);
    if (seg != expected) {
      report.notes.push_back("WAL segments " + std::to_string(expected) + " to " + std::to_string(seg - 1) +
                             " are missing: what they held is lost");
    }
    if (auto s = read(Wal::segment_path(wal_dir_, seg), /*repair=*/true); !s) return s;
    previous = seg;
    if (!first) first = seg;
    ++report.segments_read;
  }
  // Every series of the blocks is in the checkpoint (it is written after
  // each compaction) or in the segments after it. Without a whole
  // checkpoint, the blocks themselves name their series.
  if (!checkpoint_whole) {
    if (auto blocks = head_->blocks()) {
      for (const auto& b : *blocks) {
        b->for_each_series([&](SeriesRef ref, const Labels& labels, size_t) { recovery.add_series(ref, labels); });
      }
    }
  }
  recovery.finish();
  const internal::ReplayCounts& c = recovery.counts();
  report.series = c.series;
  report.samples = c.samples;
  report.unknown_series_samples = c.unknown_series_samples;
  report.skipped_samples = c.skipped_samples;
  report.bad_records = c.bad_records;
  std::lock_guard lock(mu_);
  first_segment_ = checkpoint ? *checkpoint + 1 : first.value_or(1);
  held_from_ = std::min(held_from, first_segment_);
  return {};
}

namespace {
Error read_only_error(const std::string& dir, const char* what) {
  return make_error(ErrorCode::kInvalidArgument, dir + " is open read-only: cannot " + what);
}
}  // namespace

Status Db::sync() {
  if (read_only_) return read_only_error(dir_, "sync");
  Status s = wal_->sync();
  if (!s) {
    std::lock_guard lock(mu_);
    ++stats_.sync_failures;
  }
  return s;
}

bool Db::checkpoint_due() const {
  if (read_only_) return false;
  uint32_t first;
  uint64_t failures_covered;
  {
    std::lock_guard lock(mu_);
    first = first_segment_;
    failures_covered = wal_failures_covered_;
  }
  if (head_->stats().wal_write_failures > failures_covered) return true;
  const uint64_t wal_bytes = wal_->bytes_since(first);
  return wal_bytes >= options_.checkpoint_min_wal_bytes && wal_bytes >= head_->chunk_bytes();
}

Result<CheckpointResult> Db::checkpoint() {
  if (read_only_) return read_only_error(dir_, "write a checkpoint");
  std::lock_guard one_at_a_time(maintenance_mu_);
  return checkpoint_locked();
}

Result<CheckpointResult> Db::checkpoint_locked() {
  const auto start = std::chrono::steady_clock::now();
  CheckpointResult result;
  auto fail = [&](Error e) -> Result<CheckpointResult> {
    std::lock_guard lock(mu_);
    ++stats_.checkpoint_failures;
    return e;
  };
  uint32_t segment = 0;
  // Read before the snapshot: a commit that fails later is not in it.
  const uint64_t failures = head_->stats().wal_write_failures;
  auto snapshot = internal::HeadStorage::snapshot(*head_, [&]() -> Status {
    auto cut = wal_->cut();
    if (!cut) return cut.error();
    segment = *cut;
    return {};
  });
  if (!snapshot) return fail(snapshot.error());

  // The checkpoint is named after the last segment it replaces.
  const std::string path = wal_dir_ + "/" + checkpoint_name(segment - 1);
  const std::string tmp = path + ".tmp";
  FileSystem& fs = *options_.fs;
  Status written = [&]() -> Status {
    auto f = fs.open_append(tmp);
    if (!f) return f.error();
    if (auto s = (*f)->truncate(0); !s) return s;
    if (auto s = Wal::write_header(**f); !s) return s;
    RecordBuffer buf;
    // Series first (every chunk's series precedes it), in records of about
    // kCheckpointRecordBytes.
    auto flush = [&](size_t& at, uint8_t type, bool last) -> Status {
      if (buf.bytes().size() - at <= kWalRecordHeaderBytes) {
        buf.bytes().resize(at);  // nothing in it
      } else {
        buf.finish(at);
      }
      Status s = (*f)->append(buf.bytes());
      result.bytes += buf.bytes().size();
      buf.clear();
      if (!last) at = buf.begin(type);
      return s;
    };
    size_t at = buf.begin(internal::kSeriesRecord);
    for (const internal::SeriesSnapshot& s : *snapshot) {
      internal::encode_series_entry(buf.bytes(), s.ref, s.labels);
      ++result.series;
      if (buf.bytes().size() >= kCheckpointRecordBytes) {
        if (auto st = flush(at, internal::kSeriesRecord, false); !st) return st;
      }
    }
    if (auto st = flush(at, internal::kSeriesRecord, true); !st) return st;
    at = buf.begin(internal::kEncodedChunksRecord);
    for (internal::SeriesSnapshot& s : *snapshot) {
      for (size_t i = 0; i < s.chunks.size(); ++i) {
        const Chunk& c = *s.chunks[i];
        const bool open = s.last_is_open && i + 1 == s.chunks.size();
        internal::encode_chunk_entry(buf.bytes(), s.ref, open, c.encoding(), {c.data(), c.size()});
        ++result.chunks;
        if (buf.bytes().size() >= kCheckpointRecordBytes) {
          if (auto st = flush(at, internal::kEncodedChunksRecord, false); !st) return st;
        }
      }
      s.chunks.clear();  // let go of what is written
    }
    if (auto st = flush(at, internal::kEncodedChunksRecord, true); !st) return st;
    if (auto s = (*f)->sync(); !s) return s;
    f->reset();
    if (auto s = fs.rename(tmp, path); !s) return s;
    return fs.sync_dir(wal_dir_);
  }();
  if (!written) {
    (void)fs.remove_all(tmp);
    return fail(written.error());
  }

  // The checkpoint is durable: what it replaces can go. A failure here
  // leaves files that the next open removes.
  uint32_t before = 0;
  {
    std::lock_guard lock(mu_);
    before = first_segment_;
    first_segment_ = segment;
    wal_failures_covered_ = std::max(wal_failures_covered_, failures);
    ++stats_.checkpoints;
  }
  result.segment = segment;
  // Segments holders still need stay, the newest of them first, within
  // wal_hold_bytes; what is older goes.
  uint32_t keep_from = segment;
  {
    std::lock_guard lock(mu_);
    for (const auto& [holder, from] : holds_) keep_from = std::min(keep_from, std::max(from, held_from_));
    while (keep_from < segment && wal_->bytes_between(keep_from, segment) > options_.wal_hold_bytes) {
      ++keep_from;
      ++stats_.wal_hold_dropped_segments;
    }
    before = held_from_;
    held_from_ = keep_from;
  }
  result.segments_removed = keep_from > before ? keep_from - before : 0;
  (void)wal_->remove_before(keep_from);
  if (auto names = fs.list(wal_dir_)) {
    for (const std::string& name : *names) {
      if (auto seg = checkpoint_segment(name); seg && *seg < segment - 1) (void)fs.remove_all(wal_dir_ + "/" + name);
    }
  }
  result.seconds = seconds_since(start);
  return result;
}

Result<CompactionResult> Db::compact() {
  if (read_only_) return read_only_error(dir_, "compact");
  std::lock_guard one_at_a_time(maintenance_mu_);
  const auto start = std::chrono::steady_clock::now();
  CompactionResult result;
  const Duration window = head_->options().chunk_limits.time_window;
  if (window <= 0) return result;
  FileSystem& fs = *options_.fs;
  auto fail = [&](Error e) -> Result<CompactionResult> {
    std::lock_guard lock(mu_);
    ++stats_.compaction_failures;
    return e;
  };
  while (true) {
    const HeadStats hs = head_->stats();
    if (hs.min_time > hs.max_time) break;  // empty
    Timestamp wstart = hs.min_time / window * window;
    if (hs.min_time < 0 && wstart != hs.min_time) wstart -= window;
    const Timestamp wend = wstart + window;
    // Prometheus's rule: the head holds 1.5 windows before the oldest goes,
    // so every sample the appendable window allows is already in.
    if (hs.max_time < wend + window / 2) break;
    internal::HeadStorage::set_min_valid_time(*head_, wend);
    std::vector<internal::SeriesSnapshot> series = internal::HeadStorage::chunks_before(*head_, wend);
    if (series.empty()) {
      internal::HeadStorage::install_block(*head_, nullptr, wend);
      if (head_->stats().min_time < wend) break;  // defensive: never loop on one window
      continue;
    }
    const std::string path = blocks_dir_ + "/" + block_name(wstart, wend - 1);
    const std::string tmp = path + ".tmp";
    BlockWriter writer(fs, tmp, wstart, wend - 1);
    Status written;
    for (const internal::SeriesSnapshot& s : series) {
      written = writer.add(s.ref, s.labels, s.chunks);
      if (!written) break;
      ++result.series;
    }
    result.chunks += writer.chunks();
    series.clear();
    auto size = written ? writer.finish() : Result<uint64_t>(written.error());
    if (size) written = fs.rename(tmp, path);
    if (size && written) written = fs.sync_dir(blocks_dir_);
    if (!size || !written) {
      (void)fs.remove_all(tmp);
      // The chunks stay in the head; the next attempt writes them.
      return fail(size ? written.error() : size.error());
    }
    auto block = Block::open(fs, path);
    if (!block) return fail(block.error());
    internal::HeadStorage::install_block(*head_, std::move(*block), wend);
    ++result.blocks;
    result.bytes += *size;
    if (head_->stats().min_time < wend) break;  // defensive: never loop on one window
  }
  if (result.blocks > 0) {
    {
      std::lock_guard lock(mu_);
      ++stats_.compactions;
    }
    // The log still holds what moved into blocks: a checkpoint lets it go.
    if (auto c = checkpoint_locked(); !c) return c.error();
  }
  result.seconds = seconds_since(start);
  return result;
}

Status Db::check_import(Timestamp mint, Timestamp maxt) const {
  if (mint > maxt) return make_error(ErrorCode::kInvalidArgument, "import: empty time range");
  auto range = [](Timestamp a, Timestamp b) {
    return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
  };
  // Blocks must not overlap one another, and the head's windows (the one
  // of its oldest sample on) will become blocks of their own.
  const auto blocks = head_->blocks();
  if (blocks) {
    for (const auto& b : *blocks) {
      if (b->min_time() <= maxt && mint <= b->max_time()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "import: time range " + range(mint, maxt) + " overlaps block " + b->path() + " " +
                              range(b->min_time(), b->max_time()));
      }
    }
  }
  const HeadStats hs = head_->stats();
  if (hs.min_time <= hs.max_time) {
    const Duration window = head_->options().chunk_limits.time_window;
    Timestamp head_start = hs.min_time;
    if (window > 0) {
      head_start = hs.min_time / window * window;
      if (hs.min_time < 0 && head_start != hs.min_time) head_start -= window;
    }
    if (maxt >= head_start) {
      return make_error(ErrorCode::kInvalidArgument,
                        "import: time range " + range(mint, maxt) + " overlaps the head's data " +
                            range(hs.min_time, hs.max_time) + " (its windows start at " + std::to_string(head_start) +
                            ")");
    }
  }
  return {};
}

Result<CompactionResult> Db::import_block(Timestamp mint, Timestamp maxt, std::vector<ImportedSeries> series) {
  if (read_only_) return read_only_error(dir_, "import blocks");
  std::lock_guard one_at_a_time(maintenance_mu_);
  const auto start = std::chrono::steady_clock::now();
  CompactionResult result;
  if (auto ok = check_import(mint, maxt); !ok) return ok.error();
  auto range = [](Timestamp a, Timestamp b) {
    return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
  };
  for (const ImportedSeries& s : series) {
    for (const ChunkRef& c : s.chunks) {
      if (c->min_time() < mint || c->max_time() > maxt) {
        return make_error(ErrorCode::kInvalidArgument, "import: a chunk of " + s.labels.to_string() + " " +
                                                           range(c->min_time(), c->max_time()) +
                                                           " is outside the block " + range(mint, maxt));
      }
    }
  }

  // Refs from the head; the series it did not know are logged first, so
  // that the next open knows them whatever checkpoint it reads.
  std::vector<std::pair<SeriesRef, const ImportedSeries*>> refs;
  refs.reserve(series.size());
  RecordBuffer buf;
  size_t at = buf.begin(internal::kSeriesRecord);
  bool any_new = false;
  for (const ImportedSeries& s : series) {
    if (s.chunks.empty()) continue;
    bool created = false;
    const SeriesRef ref = internal::HeadStorage::series_ref(*head_, s.labels, created);
    if (created) {
      internal::encode_series_entry(buf.bytes(), ref, s.labels);
      any_new = true;
    }
    refs.emplace_back(ref, &s);
  }
  if (refs.empty()) return result;
  if (any_new) {
    buf.finish(at);
    if (auto w = wal_->write(buf.bytes()); !w) return w.error();
    if (auto w = wal_->sync(); !w) return w.error();
  }
  std::sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  FileSystem& fs = *options_.fs;
  const std::string path = blocks_dir_ + "/" + block_name(mint, maxt);
  const std::string tmp = path + ".tmp";
  BlockWriter writer(fs, tmp, mint, maxt);
  Status written;
  for (const auto& [ref, s] : refs) {
    written = writer.add(ref, s->labels, s->chunks);
    if (!written) break;
    ++result.series;
  }
  result.chunks = writer.chunks();
  auto size = written ? writer.finish() : Result<uint64_t>(written.error());
  if (size) written = fs.rename(tmp, path);
  if (size && written) written = fs.sync_dir(blocks_dir_);
  if (!size || !written) {
    (void)fs.remove_all(tmp);
    return size ? written.error() : size.error();
  }
  auto block = Block::open(fs, path);
  if (!block) return block.error();
  internal::HeadStorage::set_min_valid_time(*head_, maxt + 1);
  internal::HeadStorage::install_block(*head_, std::move(*block), kMinTimestamp);
  result.blocks = 1;
  result.bytes = *size;
  result.seconds = seconds_since(start);
  return result;
}

void Db::hold_wal(const std::string& holder, uint32_t segment) {
  std::lock_guard lock(mu_);
  holds_[holder] = segment;
}

void Db::release_wal(const std::string& holder) {
  std::lock_guard lock(mu_);
  holds_.erase(holder);
}

uint64_t Db::size_bytes() const {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

void Db::release_block_pages() const {
  const auto blocks = head_->blocks();
  if (!blocks) return;
  for (const auto& b : *blocks) b->release_pages();
}

DbRetentionResult Db::apply_retention() {
  std::lock_guard one_at_a_time(maintenance_mu_);
  DbRetentionResult r;
  if (read_only_) return r;  // removes nothing from the disk
  const auto blocks = head_->blocks();
  if (blocks && !blocks->empty()) {
    std::vector<std::shared_ptr<const Block>> keep(blocks->begin(), blocks->end());  // oldest first
    const Timestamp newest = std::max(head_->stats().max_time, keep.back()->max_time());
    const Duration keep_for = options_.head.retention_time;
    std::vector<std::shared_ptr<const Block>> doomed;
    while (!keep.empty() && keep_for > 0 && keep.front()->max_time() < newest - keep_for) {
      doomed.push_back(keep.front());
      keep.erase(keep.begin());
    }
    if (options_.head.retention_bytes > 0) {
      uint64_t total = size_bytes();
      for (const auto& b : doomed) total -= std::min(total, b->size_bytes());
      while (!keep.empty() && total > options_.head.retention_bytes) {
        total -= std::min(total, keep.front()->size_bytes());
        doomed.push_back(keep.front());
        keep.erase(keep.begin());
      }
    }
    if (!doomed.empty()) {
      internal::HeadStorage::set_blocks(*head_, keep);
      for (const auto& b : doomed) {
        // Queries still reading it keep its mapping; the name goes now.
        if (options_.fs->remove_all(b->path())) {
          ++r.blocks_removed;
          r.bytes_removed += b->size_bytes();
        }
      }
      (void)options_.fs->sync_dir(blocks_dir_);
    }
    if (!keep.empty()) r.oldest = keep.front()->min_time();
  }
  r.series_removed = head_->apply_retention().series_removed;
  if (r.oldest == kMaxTimestamp) r.oldest = head_->stats().min_time;
  return r;
}

DbStats Db::stats() const {
  DbStats s;
  if (auto blocks = head_->blocks()) {
    for (const auto& b : *blocks) {
      ++s.blocks;
      s.block_bytes += b->size_bytes();
      s.damaged_chunks += b->damaged_chunks();
    }
  }
  std::lock_guard lock(mu_);
  const DbStats counters = stats_;
  s.checkpoints = counters.checkpoints;
  s.checkpoint_failures = counters.checkpoint_failures;
  s.wal_hold_dropped_segments = counters.wal_hold_dropped_segments;
  s.sync_failures = counters.sync_failures;
  s.corruptions_repaired = counters.corruptions_repaired;
  s.compactions = counters.compactions;
  s.compaction_failures = counters.compaction_failures;
  if (wal_) {
    s.wal_bytes = wal_->bytes_since(first_segment_);
    s.wal_held_bytes = wal_->bytes_between(held_from_, first_segment_);
    s.wal_segment = wal_->current_segment();
  }
  return s;
}

}  // namespace cogwatch::tsdb
