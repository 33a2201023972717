#include "remote/wal_watcher.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "model/value.h"
#include "tsdb/wal.h"

namespace cogwatch::remote {

using tsdb::SegmentReader;
using tsdb::Wal;
using tsdb::internal::WalSample;

namespace {
constexpr std::string_view kCheckpointPrefix = "checkpoint.";
}  // namespace

WalWatcher::WalWatcher(tsdb::FileSystem& fs, std::string wal_dir, WalPosition start, bool read_histograms)
    : fs_(fs), dir_(std::move(wal_dir)), position_(start), read_histograms_(read_histograms) {}

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
  boost::unordered::erase_if(histogram_series_, [this](const auto& kv) { return !series_.contains(kv.first); });
  checkpoint_ = n;
  ++stats_.checkpoints_read;
  return {};
}

void WalWatcher::add_float(const WalSample& s, WalBatch& out) {
  if (!series_.contains(s.ref)) {
    ++stats_.unknown_series_samples;
    return;
  }
  if (auto it = histogram_series_.find(s.ref); it != histogram_series_.end()) {
    if (is_stale_nan(s.v)) {
      // The store turned it into a histogram stale marker; so does the log
      // Prometheus writes.
      if (it->second) {
        FloatHistogram stale;
        stale.sum = s.v;
        add_histogram(s.ref, s.t, stale, &out);
      } else {
        Histogram stale;
        stale.sum = s.v;
        add_histogram(s.ref, s.t, stale, &out);
      }
      return;
    }
    histogram_series_.erase(it);  // the series holds floats from here on
  }
  out.entries.push_back({s.ref, s.t, s.v, -1});
  ++stats_.samples_read;
}

template <typename H>
void WalWatcher::add_histogram(tsdb::SeriesRef ref, Timestamp t, const H& h, WalBatch* out) {
  histogram_series_[ref] = std::is_same_v<H, FloatHistogram>;
  if (out == nullptr) return;  // before the start position: the series' kind only
  if (!series_.contains(ref)) {
    ++stats_.unknown_series_samples;
  } else if (!read_histograms_) {
    ++stats_.histograms_skipped;
  } else {
    out->entries.push_back({ref, t, 0, static_cast<int32_t>(out->histograms.size())});
    out->histograms.emplace_back(h);
    ++stats_.histograms_read;
  }
}

Status WalWatcher::read_segment(uint32_t segment, uint64_t from, uint64_t until, WalBatch* out, size_t max_samples,
                                uint64_t& end, uint64_t& torn_bytes) {
  auto r = SegmentReader::open(fs_, Wal::segment_path(dir_, segment), from);
  if (!r) return r.error();
  while ((out == nullptr || out->size() < max_samples) && r->good_bytes() < until && r->next()) {
    const std::span<const uint8_t> payload = r->payload();
    switch (r->type()) {
      case tsdb::internal::kSeriesRecord:
        stats_.series_read += add_series(payload, segment);
        break;
      case tsdb::internal::kSamplesRecord:
        // Not decoded before the start position: a series that went from
        // histograms to floats there is taken for a histogram series until
        // its next float (only its stale marker could differ).
        if (out != nullptr) tsdb::internal::decode_samples(payload, [&](const WalSample& s) { add_float(s, *out); });
        break;
      case tsdb::internal::kHistogramsRecord:
        tsdb::internal::decode_histogram_samples(
            payload, [&](tsdb::SeriesRef ref, Timestamp t, const Histogram& h) { add_histogram(ref, t, h, out); });
        break;
      case tsdb::internal::kFloatHistogramsRecord:
        tsdb::internal::decode_float_histogram_samples(
            payload, [&](tsdb::SeriesRef ref, Timestamp t, const FloatHistogram& h) { add_histogram(ref, t, h, out); });
        break;
      default:
        break;  // a checkpoint's chunks, types a newer store writes: the head's business
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
  // Series only (and which of them hold histograms): from the segments
  // before the position and the records before it in its own segment (all
  // of the log, for {0, 0}).
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

Status WalWatcher::read(size_t max_samples, WalBatch& out) {
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
