// Querier: reads series from the store, by label matchers and time range.
//
//   auto sets = head.select({*LabelMatcher::make(MatchType::kEqual,
//                               "__name__", "up")}, mint, maxt);
//   for (const SeriesData& s : sets) {
//     SeriesIterator it = s.iterator();
//     while (it.next()) use(it.t(), it.v());
//     if (!it.err()) ...;
//   }
//
// A select returns a snapshot: samples appended afterwards are not seen, and
// retention cannot free what a snapshot still holds.
//
// Thread-safety: a Querier may be used from many threads at once, and
// concurrently with appenders. SeriesData is immutable and shareable;
// SeriesIterator is single-threaded.
#pragma once

#include <string>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/time.h"
#include "tsdb/chunk.h"
#include "tsdb/histogram_chunk.h"

namespace cogwatch::tsdb {

// What a sample of a series holds (Prometheus's chunkenc.ValueType).
enum class ValueType : uint8_t {
  kFloat,
  kHistogram,       // an integer histogram (scraped)
  kFloatHistogram,  // a float histogram (computed by PromQL)
};

// Iterates the samples of one series within the selected [mint, maxt], in
// time order. Before the first next() or seek(), t() and v() are undefined.
// A series may hold floats and histograms; value_type() tells which the
// current sample is. A stale histogram sample reads as a float stale
// marker, so one is_stale_nan(v()) check finds both.
//
// A histogram's counter_reset_hint is what its chunk knows, as
// Prometheus's chunk iterators give it: kGauge for gauge histograms; for
// counters kNotCounterReset, except on the first sample of each chunk,
// kUnknown (whether a reset happened there is for the reader to find out
// by comparing with the sample before).
class SeriesIterator {
 public:
  SeriesIterator(const std::vector<ChunkRef>* chunks, Timestamp mint, Timestamp maxt);

  // Advances to the next sample; false at the end or on error.
  bool next();
  // Advances to the first sample with timestamp >= t (and >= mint); stays
  // put if the current sample qualifies; never moves backwards. False when
  // there is none or on error.
  bool seek(Timestamp t);
  Timestamp t() const { return in_histograms_ ? histograms_.t() : floats_.t(); }
  ValueType value_type() const {
    if (!in_histograms_ || histograms_.stale()) return ValueType::kFloat;
    return histograms_.is_float() ? ValueType::kFloatHistogram : ValueType::kHistogram;
  }
  // The current float (the stale marker, for a stale histogram).
  // REQUIRES: value_type() == kFloat.
  double v() const { return in_histograms_ ? histograms_.sum() : floats_.v(); }
  // The current histogram. REQUIRES: value_type() == kHistogram.
  Histogram histogram() const { return histograms_.histogram(); }
  // The current histogram as floats. REQUIRES: value_type() is kHistogram
  // or kFloatHistogram.
  FloatHistogram float_histogram() const { return histograms_.float_histogram(); }
  // Ok unless a chunk was corrupt (only possible for chunks read from disk).
  const Status& err() const { return err_; }

 private:
  void open_chunk(size_t i);
  // The current chunk's iterator, whichever its kind.
  bool chunk_next() { return in_histograms_ ? histograms_.next() : floats_.next(); }
  bool chunk_seek(Timestamp t) { return in_histograms_ ? histograms_.seek(t) : floats_.seek(t); }
  uint16_t chunk_read() const { return in_histograms_ ? histograms_.read() : floats_.read(); }
  const Status& chunk_err() const { return in_histograms_ ? histograms_.err() : floats_.err(); }
  bool in_range() { return t() <= maxt_ || (done_ = true, false); }

  const std::vector<ChunkRef>* chunks_;
  size_t chunk_ = 0;  // index of the chunk being decoded
  ChunkIterator floats_;              // decodes it when it holds floats
  HistogramChunkIterator histograms_;  // when it holds histograms
  bool in_histograms_ = false;
  Timestamp mint_, maxt_;
  bool started_ = false;
  bool done_ = false;
  Status err_;
};

// One selected series: its labels and the chunks overlapping the range.
struct SeriesData {
  Labels labels;
  std::vector<ChunkRef> chunks;  // in time order, non-overlapping
  Timestamp mint = kMinTimestamp;  // the selected range; samples outside it
  Timestamp maxt = kMaxTimestamp;  // are skipped by the iterator

  SeriesIterator iterator() const { return SeriesIterator(&chunks, mint, maxt); }
};

// How a select's result is delivered.
enum class SeriesOrder : uint8_t {
  kSorted,    // by labels (for people and APIs)
  kUnsorted,  // in the store's own order, cheaper (the engine does not care)
};

class Querier {
 public:
  virtual ~Querier() = default;

  // Series matching all matchers with at least one sample in [mint, maxt].
  // An empty matcher list selects nothing (PromQL never sends one; a caller
  // wanting everything passes {__name__=~".+"}).
  virtual std::vector<SeriesData> select(const std::vector<LabelMatcher>& matchers, Timestamp mint, Timestamp maxt,
                                         SeriesOrder order = SeriesOrder::kSorted) const = 0;

  // Sorted, unique label names of the series matching all matchers (of all
  // series when matchers is empty).
  virtual std::vector<std::string> label_names(const std::vector<LabelMatcher>& matchers) const = 0;
  // Sorted, unique values of label `name` among the series matching all
  // matchers (all series when matchers is empty).
  virtual std::vector<std::string> label_values(const std::string& name,
                                                const std::vector<LabelMatcher>& matchers) const = 0;
};

}  // namespace cogwatch::tsdb
