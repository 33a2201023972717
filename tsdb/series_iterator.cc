#include "tsdb/querier.h"

namespace cogwatch::tsdb {

SeriesIterator::SeriesIterator(const std::vector<ChunkRef>* chunks, Timestamp mint, Timestamp maxt)
    : chunks_(chunks), mint_(mint), maxt_(maxt) {
  done_ = chunks_->empty() || mint_ > maxt_;
}

void SeriesIterator::open_chunk(size_t i) {
  chunk_ = i;
  const Chunk& c = *(*chunks_)[i];
  in_histograms_ = is_histogram_encoding(c.encoding());
  if (in_histograms_) {
    histograms_ = HistogramChunkIterator(c);
  } else {
    floats_ = ChunkIterator(c);
  }
  started_ = true;
}

bool SeriesIterator::next() {
  if (done_) return false;
  if (!started_) return seek(mint_);
  while (true) {
    if (chunk_next()) return in_range();
    if (!chunk_err()) {
      err_ = chunk_err();
      done_ = true;
      return false;
    }
    if (chunk_ + 1 >= chunks_->size()) {
      done_ = true;
      return false;
    }
    open_chunk(chunk_ + 1);
  }
}

bool SeriesIterator::seek(Timestamp t) {
  if (done_) return false;
  if (t < mint_) t = mint_;
  if (started_ && chunk_read() > 0 && this->t() >= t) return true;
  // Skip whole chunks that end before t without decoding them.
  size_t i = started_ ? chunk_ : 0;
  while (i < chunks_->size() && (*chunks_)[i]->max_time() < t) ++i;
  if (i == chunks_->size()) {
    done_ = true;
    return false;
  }
  if (!started_ || i != chunk_) open_chunk(i);
  if (chunk_seek(t)) return in_range();
  if (!chunk_err()) {
    err_ = chunk_err();
    done_ = true;
    return false;
  }
  return next();  // the chunk ended before t despite its max_time: move on
}

}  // namespace cogwatch::tsdb
