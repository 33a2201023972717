// MemSeries: one series in the head: its labels, its sealed chunks and the
// open chunk being appended to.
//
// Thread-safety: `ref` and `labels` are immutable. Everything else is
// guarded by the lock of the head stripe the series lives in.
#pragma once

#include <cstdint>
#include <vector>

#include "model/labels.h"
#include "model/time.h"
#include "tsdb/appender.h"
#include "tsdb/chunk.h"

namespace cogwatch::tsdb::internal {

// The verdict of checking a sample against what its series already holds.
enum class AppendCheck : uint8_t {
  kOk,          // newer than anything in the series
  kSameSample,  // identical to the newest sample: accepted, stored once
  kOutOfOrder,  // older than the newest sample
  kDuplicate,   // newest timestamp, other value
};

struct MemSeries {
  MemSeries(SeriesRef r, Labels l) : ref(r), labels(std::move(l)) {}

  // Whether a sample can be appended after the committed samples and, when
  // `with_pending`, after samples appended but not yet committed.
  AppendCheck check(Timestamp t, double v, bool with_pending) const;
  // Appends a committed sample, sealing the open chunk first when `limits`
  // say so. Returns the change in chunk bytes held.
  // REQUIRES: check(t, v, false) == kOk.
  int64_t append(Timestamp t, double v, const ChunkLimits& limits);

  bool empty() const { return closed.empty() && open.empty(); }
  Timestamp min_time() const { return closed.empty() ? open.min_time() : closed.front()->min_time(); }
  // Appends refs to the chunks overlapping [mint, maxt] to out (the open
  // chunk as a copy).
  void snapshot(Timestamp mint, Timestamp maxt, std::vector<ChunkRef>& out) const;
  // Drops chunks whose samples are all before t. Returns bytes freed.
  size_t drop_chunks_before(Timestamp t);
  // Chunk bytes held (sealed chunks plus the open chunk's buffer).
  size_t chunk_bytes() const;

  const SeriesRef ref;
  const Labels labels;
  std::vector<ChunkRef> closed;  // sealed chunks, oldest first
  ChunkWriter open;              // the chunk being appended to
  Timestamp last_t = 0;          // newest committed sample; kept when its
  uint64_t last_v_bits = 0;      //   chunk is dropped, to keep rejecting
  Timestamp pending_max_t = 0;   // newest sample of uncommitted batches
  uint32_t pending = 0;          // uncommitted samples; no GC while > 0
  bool has_last = false;         // last_t/last_v_bits are set
  bool logged = false;           // its series record is in the write-ahead log
};

}  // namespace cogwatch::tsdb::internal
