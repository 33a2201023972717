// MemSeries: one series in the head: its labels, its sealed chunks and the
// open chunk being appended to.
//
// A series holds float samples, integer histograms and float histograms,
// each kind in chunks of its own encoding; a sample of another kind than
// the open chunk's closes it. The histogram writers and the newest
// histogram live in a HistogramSeries made with the series' first
// histogram, so a float series pays one null pointer for them.
//
// Stale markers: a float stale marker (the scrape loop's and the rule
// group's way to end a series) appended after a histogram is stored as a
// histogram of the same kind whose sum is the marker, as Prometheus does,
// so that a histogram series' chunks do not flip to floats and back.
//
// Thread-safety: `ref` and `labels` are immutable. Everything else is
// guarded by the lock of the head stripe the series lives in.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"
#include "tsdb/appender.h"
#include "tsdb/chunk.h"
#include "tsdb/histogram_chunk.h"
#include "tsdb/querier.h"

namespace cogwatch::tsdb::internal {

// The verdict of checking a sample against what its series already holds.
enum class AppendCheck : uint8_t {
  kOk,          // newer than anything in the series
  kSameSample,  // identical to the newest sample: accepted, stored once
  kOutOfOrder,  // older than the newest sample
  kDuplicate,   // newest timestamp, other value (or another kind of value)
};

// A histogram chunk is not closed for its size before it holds this many
// samples (Prometheus's MinSamplesPerHistogramChunk): one sample of a wide
// histogram can take hundreds of bytes, and a chunk of a few samples would
// spend most of its bytes on its layout and first sample.
inline constexpr uint16_t kMinHistogramChunkSamples = 10;

// The histogram half of a series.
struct HistogramSeries {
  HistogramChunkWriter open;             // the open chunk, when it holds integer histograms
  FloatHistogramChunkWriter open_float;  // the open chunk, when it holds float histograms
  Histogram last;                        // the newest sample, when MemSeries::last_type says so
  FloatHistogram last_float;
  // Heap bytes of this record and its newest histograms (the open chunks
  // are chunk bytes, counted apart).
  size_t allocated_bytes() const;
};

struct MemSeries {
  MemSeries(SeriesRef r, Labels l) : ref(r), labels(std::move(l)) {}

  // Whether a sample can be appended after the committed samples and, when
  // `with_pending`, after samples appended but not yet committed.
  AppendCheck check(Timestamp t, double v, bool with_pending) const;
  AppendCheck check(Timestamp t, const Histogram& h, bool with_pending) const;
  AppendCheck check(Timestamp t, const FloatHistogram& h, bool with_pending) const;
  // Appends a committed sample, closing the open chunk first when `limits`
  // say so, when the sample is of another kind, or when a histogram does
  // not fit the open chunk. Returns the change in chunk bytes held.
  // REQUIRES: check(t, sample, false) == kOk; a histogram valid.
  int64_t append(Timestamp t, double v, const ChunkLimits& limits);
  int64_t append(Timestamp t, const Histogram& h, const ChunkLimits& limits);
  int64_t append(Timestamp t, const FloatHistogram& h, const ChunkLimits& limits);

  bool empty() const { return closed.empty() && !has_open(); }
  Timestamp min_time() const { return closed.empty() ? open_min_time() : closed.front()->min_time(); }
  // Appends refs to the chunks overlapping [mint, maxt] to out (the open
  // chunk as a copy).
  void snapshot(Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const;
  // Drops chunks whose samples are all before t. Returns bytes freed.
  size_t drop_chunks_before(Timestamp t);
  // Chunk bytes held (sealed chunks plus the open chunk's buffer).
  size_t chunk_bytes() const;

  // The open chunk, whichever its kind.
  bool has_open() const;
  Timestamp open_min_time() const;
  Timestamp open_max_time() const;
  size_t open_allocated_bytes() const;
  // An immutable copy of it. REQUIRES: has_open().
  ChunkRef open_snapshot() const;
  // Moves it to `closed`; returns the change in chunk bytes. No-op
  // without one.
  int64_t seal_open();
  // Heap bytes of the record beyond sizeof(MemSeries): the closed-chunk
  // list and the histogram half.
  size_t record_bytes() const;

  const SeriesRef ref;
  const Labels labels;
  std::vector<ChunkRef> closed;  // sealed chunks, oldest first
  ChunkWriter open;              // the open chunk, when it holds floats
  std::unique_ptr<HistogramSeries> histograms;  // null until the first histogram
  Timestamp last_t = 0;          // newest committed sample; kept when its
  uint64_t last_v_bits = 0;      //   chunk is dropped, to keep rejecting
  Timestamp pending_max_t = 0;   // newest sample of uncommitted batches
  uint32_t pending = 0;          // uncommitted samples; no GC while > 0
  ValueType last_type = ValueType::kFloat;  // of the newest committed sample
  bool has_last = false;         // last_t and the newest value are set
  bool logged = false;           // its series record is in the write-ahead log
};

}  // namespace cogwatch::tsdb::internal
