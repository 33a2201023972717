// Histogram chunks: runs of native histogram samples of one series, in
// Prometheus's chunk encodings EncHistogram (ChunkEncoding::kHistogram,
// integer histograms) and EncFloatHistogram (kFloatHistogram, float
// histograms), byte for byte (tsdb/chunkenc/histogram.go,
// float_histogram.go). docs/chunk-format.md draws both; in short:
//
//   num_samples:u16 BE | header:u8 (counter-reset bits 7-6) |
//   layout: zero threshold, schema, spans, [custom bounds] |
//   sample 0: t, count, zero count, sum, buckets, all whole |
//   sample i: t as delta of delta; counts and buckets as deltas of deltas
//             (integer) or XOR with the previous value (float); sum XOR |
//   zero padding to a byte
//
// The first sample fixes the chunk's layout: schema, zero threshold,
// bucket spans, custom bounds. A later histogram with buckets the layout
// lacks is taken by recoding the chunk (every sample written again with
// the wider layout, the new buckets empty). What no recoding can take
// needs a new chunk: another schema, zero threshold or set of custom
// bounds, a stale marker's successor, and for counters (not gauges) a
// counter reset (a count going down, a populated bucket gone). append()
// then changes nothing and says which counter-reset header the new chunk
// starts with: what is known about a reset between the two chunks.
//
//   HistogramChunkWriter w;
//   w.start(t0, h0, first_chunk_header(h0.counter_reset_hint, std::nullopt));
//   if (w.append(t1, h1).outcome == HistogramAppend::kNeedsNewChunk) ...
//   ChunkRef c = w.seal();
//   HistogramChunkIterator it(*c);
//   while (it.next()) use(it.t(), it.float_histogram());
//
// Thread-safety: writers and iterators are single-threaded; the chunks
// they make are immutable and shareable (tsdb/chunk.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/time.h"
#include "tsdb/chunk.h"
#include "tsdb/internal/bit_stream.h"
#include "tsdb/internal/histogram_codec.h"

namespace cogwatch::tsdb {

inline constexpr size_t kHistogramChunkHeaderBytes = 3;

// The top two bits of a histogram chunk's third byte (Prometheus's
// CounterResetHeader): what is known about a counter reset between the
// previous chunk of the series and this one.
enum class CounterResetHeader : uint8_t {
  kUnknown = 0x00,          // not known: a reader compares the samples
  kNotCounterReset = 0x40,  // the chunk was cut for another reason
  kCounterReset = 0x80,     // the chunk was cut because of a reset
  kGauge = 0xc0,            // the chunk holds gauge histograms
};
inline constexpr uint8_t kCounterResetHeaderMask = 0xc0;

// What HistogramChunkWriter::append() and FloatHistogramChunkWriter::
// append() did.
enum class HistogramAppend : uint8_t {
  kAppended,        // added after the chunk's samples
  kRecoded,         // the chunk was written again with the histogram's new buckets, then it added
  kNeedsNewChunk,   // it does not fit: nothing changed; a new chunk starts with it under `header`
};
struct HistogramAppendResult {
  HistogramAppend outcome = HistogramAppend::kAppended;
  CounterResetHeader header = CounterResetHeader::kUnknown;  // with kNeedsNewChunk
};

// The header of a chunk that starts with a histogram carrying `hint`.
// `after_previous` is what the series' previous chunk of the same kind
// said of the histogram (header_after()), when that chunk was closed for
// its size, sample count or time window rather than for this histogram;
// nothing when there is none (the series' first chunk, or one after
// samples of another kind). As Prometheus's first-sample rules: a gauge
// hint gives kGauge, a reset hint kCounterReset.
CounterResetHeader first_chunk_header(CounterResetHint hint, std::optional<CounterResetHeader> after_previous);

// The open chunk of a series holding integer histograms.
class HistogramChunkWriter {
 public:
  HistogramChunkWriter() = default;

  // Begins the chunk with its first sample.
  // REQUIRES: empty(); h valid (Histogram::validate()).
  void start(Timestamp t, const Histogram& h, CounterResetHeader header);
  // Adds a sample, recoding the chunk first if h brings new buckets;
  // or, if h does not fit, changes nothing (kNeedsNewChunk).
  // REQUIRES: !empty(); t > max_time(); h valid.
  HistogramAppendResult append(Timestamp t, const Histogram& h);
  // The header of a new chunk starting with h that follows this one,
  // closed for its size, sample count or time window (Prometheus's
  // appendable() verdict). REQUIRES: !empty().
  CounterResetHeader header_after(const Histogram& h) const;

  bool empty() const { return num_samples_ == 0; }
  uint16_t num_samples() const { return num_samples_; }
  uint32_t size() const { return static_cast<uint32_t>(buf_.bytes().size()); }
  Timestamp min_time() const { return min_time_; }
  Timestamp max_time() const { return t_; }
  CounterResetHeader header() const;
  // Heap bytes held: the buffer and the per-bucket state.
  size_t allocated_bytes() const;

  // An immutable copy of the chunk so far. REQUIRES: !empty().
  ChunkRef snapshot() const;
  // Moves the chunk into an immutable one and resets to empty.
  ChunkRef seal();
  void clear() { *this = HistogramChunkWriter(); }

  // The writer that made `bytes` (a chunk a checkpoint saved open), so
  // that appending goes on exactly as if it had never stopped. Errors
  // (kInternal, as all damage): bytes that do not decode whole.
  static Result<HistogramChunkWriter> restore(std::span<const uint8_t> bytes);

 private:
  friend class HistogramChunkIterator;
  struct Fit;
  Fit fit_counter(const Histogram& h) const;
  void write(Timestamp t, const Histogram& h);
  void recode(const internal::BucketInserts& positive, const internal::BucketInserts& negative,
              const HistogramSpans& positive_spans, const HistogramSpans& negative_spans);
  void set_num_samples(uint16_t n);

  internal::BitBuffer buf_;
  internal::HistogramLayout layout_;
  uint16_t num_samples_ = 0;
  Timestamp min_time_ = 0;
  Timestamp t_ = 0;
  int64_t t_delta_ = 0;
  uint64_t count_ = 0, zero_count_ = 0;
  int64_t count_delta_ = 0, zero_count_delta_ = 0;
  std::vector<int64_t> positive_, negative_;              // the last sample's buckets, delta-encoded
  std::vector<int64_t> positive_delta_, negative_delta_;  // their change from the sample before
  double sum_ = 0;
  internal::XorWindow sum_window_;
};

// The open chunk of a series holding float histograms.
class FloatHistogramChunkWriter {
 public:
  FloatHistogramChunkWriter() = default;

  // As HistogramChunkWriter's.
  void start(Timestamp t, const FloatHistogram& h, CounterResetHeader header);
  HistogramAppendResult append(Timestamp t, const FloatHistogram& h);
  CounterResetHeader header_after(const FloatHistogram& h) const;

  bool empty() const { return num_samples_ == 0; }
  uint16_t num_samples() const { return num_samples_; }
  uint32_t size() const { return static_cast<uint32_t>(buf_.bytes().size()); }
  Timestamp min_time() const { return min_time_; }
  Timestamp max_time() const { return t_; }
  CounterResetHeader header() const;
  size_t allocated_bytes() const;

  ChunkRef snapshot() const;
  ChunkRef seal();
  void clear() { *this = FloatHistogramChunkWriter(); }
  static Result<FloatHistogramChunkWriter> restore(std::span<const uint8_t> bytes);

 private:
  friend class HistogramChunkIterator;
  // A value written as the XOR with its predecessor.
  struct XorValue {
    double value = 0;
    internal::XorWindow window;
  };
  struct Fit;
  Fit fit_counter(const FloatHistogram& h) const;
  void write(Timestamp t, const FloatHistogram& h);
  void write_xor(XorValue& old, double v);
  void recode(const internal::BucketInserts& positive, const internal::BucketInserts& negative,
              const HistogramSpans& positive_spans, const HistogramSpans& negative_spans);
  void set_num_samples(uint16_t n);

  internal::BitBuffer buf_;
  internal::HistogramLayout layout_;
  uint16_t num_samples_ = 0;
  Timestamp min_time_ = 0;
  Timestamp t_ = 0;
  int64_t t_delta_ = 0;
  XorValue count_, zero_count_, sum_;
  std::vector<XorValue> positive_, negative_;
};

// Decodes a histogram chunk of either kind. Before the first next() or
// seek(), the accessors are undefined. next() and seek() return false at
// the end or when the bytes are corrupt or truncated; err() then tells
// which.
//
// A sample whose sum is the stale marker is a stale histogram: stale()
// is true and it has no buckets (histogram() and float_histogram() give
// an empty one with that sum). As Prometheus's iterators, the first
// sample of a counter chunk carries CounterResetHint::kUnknown whatever
// the header says (the chunk before it may be gone, or not be its
// predecessor), the later ones kNotCounterReset; every sample of a gauge
// chunk kGauge.
class HistogramChunkIterator {
 public:
  HistogramChunkIterator() = default;
  // REQUIRES: c.encoding() is kHistogram or kFloatHistogram (else err()).
  explicit HistogramChunkIterator(const Chunk& c);
  HistogramChunkIterator(ChunkEncoding encoding, std::span<const uint8_t> bytes);

  bool next();
  // Advances to the first sample with timestamp >= t; stays put if the
  // current sample already qualifies. Never moves backwards.
  bool seek(Timestamp t);
  Timestamp t() const { return t_; }
  bool is_float() const { return float_; }
  bool stale() const;
  double sum() const { return float_ ? fsum_.value : sum_; }
  CounterResetHeader header() const { return header_; }
  CounterResetHint hint() const;
  // The current sample. REQUIRES: !is_float().
  Histogram histogram() const;
  // The current sample, of either kind, as floats.
  FloatHistogram float_histogram() const;
  uint16_t read() const { return read_; }
  uint16_t num_samples() const { return num_samples_; }
  const Status& err() const { return err_; }

 private:
  friend class HistogramChunkWriter;
  friend class FloatHistogramChunkWriter;
  bool read_first();
  bool read_next_integer();
  bool read_next_float();
  bool fail(const char* what);
  // For the writers' restore(): reads the chunk (`bytes`, this iterator's
  // own) to its end, then gives its bytes as a buffer to append to, the
  // padding of the last byte zeroed, and the first sample's time. Errors
  // (kInternal): the chunk does not decode, holds no sample, or has bytes
  // after its last sample.
  Result<internal::BitBuffer> read_to_end(std::span<const uint8_t> bytes, Timestamp& min_time);

  internal::BitReader in_;
  bool float_ = false;
  CounterResetHeader header_ = CounterResetHeader::kUnknown;
  uint16_t num_samples_ = 0;
  uint16_t read_ = 0;
  internal::HistogramLayout layout_;
  Timestamp t_ = 0;
  int64_t t_delta_ = 0;
  // Integer chunks.
  uint64_t count_ = 0, zero_count_ = 0;
  int64_t count_delta_ = 0, zero_count_delta_ = 0;
  std::vector<int64_t> positive_, negative_;
  std::vector<int64_t> positive_delta_, negative_delta_;
  double sum_ = 0;
  internal::XorWindow sum_window_;
  // Float chunks.
  FloatHistogramChunkWriter::XorValue fcount_, fzero_count_, fsum_;
  std::vector<FloatHistogramChunkWriter::XorValue> fpositive_, fnegative_;
  Status err_;
};

}  // namespace cogwatch::tsdb
