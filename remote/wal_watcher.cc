#include "remote/wal_watcher.h"

#include <algorithm>
#include <utility>

#include "tsdb/wal.h"

namespace cogwatch::remote {

using tsdb::SegmentReader;
using tsdb::Wal;
using tsdb::internal::WalSample;

namespace {
constexpr std::string_view kCheckpointPrefix = "checkpoint.";
}  // namespace

WalWatcher::WalWatcher(tsdb::FileSystem& fs, std::string wal_dir, WalPosition start)
    : fs_(fs), dir_(std::move(wal_dir)), position_(start) {}

const Labels* WalWatcher::labels(tsdb::SeriesRef ref) const {
  auto it = series_.find(ref);
  return it == series_.end() ? nullptr : &it->second.labels;
}

Result<uint32_t> WalWatcher::newest_checkpoint() const {
  auto names = fs_.list(dir_);
  if (!names) return names.error();
  uint32_t newest = 0;
  for (const std::string& name : *names) {
    if (!name.starts_with(kCheckpointPrefix) || name.ends_with(".tmp")) continue;
    if (auto n = Wal::parse_segment_name(std::string_view(name).substr(kCheckpointPrefix.size()))) {
      newest = std::max(newest, *n);
    }
  }
  return newest;
}

size_t WalWatcher::add_series(std::span<const uint8_t> payload, uint32_t segment) {
  size_t n = 0;
  tsdb::internal::decode_series(payload, [&](tsdb::SeriesRef ref, const Labels& l) {
    series_[ref] = Series{l, segment};
    ++n;
  });
  return n;
}

Status WalWatcher::load_checkpoint(uint32_t n) {
  auto r = SegmentReader::open(fs_, dir_ + "/" + std::string(kCheckpointPrefix) + Wal::segment_name(n));
  if (!r) return r.error();
  while (r->next()) {
    if (r->type() == tsdb::internal::kSeriesRecord) add_series(r->payload(), n);  // its chunks are the head's business
  }
  // What neither this checkpoint nor the one before it named, nor a
  // segment after that one, the store no longer holds. One checkpoint
  // late: samples of a series the store dropped since the last checkpoint
  // may still be in the caller's hands, read in this very call.
  const uint32_t before = checkpoint_;
  boost::unordered::erase_if(series_, [before](const auto& kv) { return kv.second.segment < before; });
  checkpoint_ = n;
  ++stats_.checkpoints_read;
  return {};
}

Status WalWatcher::read_segment(uint32_t segment, uint64_t from, uint64_t until, std::vector<WalSample>* samples,
                                size_t max_samples, uint64_t& end, uint64_t& torn_bytes) {
  auto r = SegmentReader::open(fs_, Wal::segment_path(dir_, segment), from);
  if (!r) return r.error();
  while ((samples == nullptr || samples->size() < max_samples) && r->good_bytes() < until && r->next()) {
    const std::span<const uint8_t> payload = r->payload();
    if (r->type() == tsdb::internal::kSeriesRecord) {
      stats_.series_read += add_series(payload, segment);
    } else if (r->type() == tsdb::internal::kSamplesRecord && samples != nullptr) {
      tsdb::internal::decode_samples(payload, [&](const WalSample& s) {
        if (series_.contains(s.ref)) {
          samples->push_back(s);
          ++stats_.samples_read;
        } else {
          ++stats_.unknown_series_samples;
        }
      });
    }
  }
  end = r->good_bytes();
  torn_bytes = r->damage() ? r->damage()->bytes_dropped : 0;
  return {};
}

Status WalWatcher::start() {
  auto checkpoint = newest_checkpoint();
  if (!checkpoint) return checkpoint.error();
  if (*checkpoint > 0) {
    if (Status s = load_checkpoint(*checkpoint); !s) return s;
  }
  auto segments = Wal::list_segments(fs_, dir_);
  if (!segments) return segments.error();
  const bool at_end = position_ == WalPosition{};
  // Series only: from the segments before the position and the records
  // before it in its own segment (all of the log, for {0, 0}).
  for (uint32_t seg : *segments) {
    if (!at_end && seg > position_.segment) break;
    const uint64_t until = !at_end && seg == position_.segment ? position_.offset : UINT64_MAX;
    uint64_t end = 0, torn_bytes = 0;
    if (Status s = read_segment(seg, 0, until, nullptr, 0, end, torn_bytes); !s) return s;
    if (at_end) position_ = {seg, end};
  }
  if (at_end && segments->empty()) position_ = {*checkpoint + 1, 0};
  return {};
}

Status WalWatcher::read(size_t max_samples, std::vector<WalSample>& out) {
  if (!started_) {
    if (Status s = start(); !s) return s;
    started_ = true;
  }
  while (out.size() < max_samples) {
    auto segments = Wal::list_segments(fs_, dir_);
    if (!segments) return segments.error();
    // The position's segment, or the first after it if it is gone.
    auto at = std::lower_bound(segments->begin(), segments->end(), position_.segment);
    if (at == segments->end()) return {};  // nothing written past the position yet
    if (*at != position_.segment) {
      stats_.segments_missed += *at - position_.segment;
      position_ = {*at, 0};
      // The segments skipped were replaced by a checkpoint: the series
      // they named are in it.
      if (Status s = load_newer_checkpoint(); !s) return s;
    }
    const bool closed = at + 1 != segments->end();
    uint64_t end = 0, torn_bytes = 0;
    if (Status s = read_segment(position_.segment, position_.offset, UINT64_MAX, &out, max_samples, end, torn_bytes); !s) {
      return s;
    }
    position_.offset = end;
    if (out.size() >= max_samples || !closed) return {};
    // A closed segment was complete when listed: a record cut short in it
    // is damage, and the rest of the file is skipped.
    stats_.damaged_bytes += torn_bytes;
    const uint32_t next = *(at + 1);
    stats_.segments_missed += next - position_.segment - 1;
    position_ = {next, 0};
    if (Status s = load_newer_checkpoint(); !s) return s;
  }
  return {};
}

Status WalWatcher::load_newer_checkpoint() {
  // A checkpoint the position has passed replaces the series before it.
  auto checkpoint = newest_checkpoint();
  if (!checkpoint) return checkpoint.error();
  if (*checkpoint > checkpoint_ && *checkpoint < position_.segment) return load_checkpoint(*checkpoint);
  return {};
}

}  // namespace cogwatch::remote
