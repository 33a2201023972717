// The float histogram chunk (Prometheus's EncFloatHistogram): as the
// integer one (histogram_chunk.cc), but every count, the sum and every
// bucket after the first sample is the XOR with its predecessor, each
// with its own window, as float samples are.
#include <algorithm>
#include <bit>
#include <utility>

#include "model/value.h"
#include "tsdb/histogram_chunk.h"

namespace cogwatch::tsdb {

using internal::BucketInserts;

// Prometheus's appendable() for a float counter histogram. Unlike the
// integer one it only knows reset or not: a layout change gives no header.
struct FloatHistogramChunkWriter::Fit {
  bool ok = false;
  bool reset = false;
  BucketInserts positive_forward, negative_forward, positive_backward, negative_backward;
};

FloatHistogramChunkWriter::Fit FloatHistogramChunkWriter::fit_counter(const FloatHistogram& h) const {
  Fit f;
  if (header() == CounterResetHeader::kGauge) return f;
  if (h.counter_reset_hint == CounterResetHint::kCounterReset) {
    f.reset = true;
    return f;
  }
  if (is_stale_nan(h.sum)) {
    f.ok = true;
    return f;
  }
  if (is_stale_nan(sum_.value)) return f;
  if (h.count < count_.value) {
    f.reset = true;
    return f;
  }
  if (h.schema != layout_.schema || h.zero_threshold != layout_.zero_threshold) return f;
  std::vector<double> positive(positive_.size()), negative(negative_.size());
  std::transform(positive_.begin(), positive_.end(), positive.begin(), [](const XorValue& x) { return x.value; });
  std::transform(negative_.begin(), negative_.end(), negative.begin(), [](const XorValue& x) { return x.value; });
  if ((h.uses_custom_buckets() && h.custom_values != layout_.custom_values) || h.zero_count < zero_count_.value ||
      !internal::expand_for_counter<double>(layout_.positive, positive, h.positive_spans, h.positive_buckets, false,
                                            f.positive_forward, f.positive_backward) ||
      !internal::expand_for_counter<double>(layout_.negative, negative, h.negative_spans, h.negative_buckets, false,
                                            f.negative_forward, f.negative_backward)) {
    f.reset = true;
    return f;
  }
  f.ok = true;
  return f;
}

CounterResetHeader FloatHistogramChunkWriter::header_after(const FloatHistogram& h) const {
  return fit_counter(h).reset ? CounterResetHeader::kCounterReset : CounterResetHeader::kNotCounterReset;
}

CounterResetHeader FloatHistogramChunkWriter::header() const {
  return static_cast<CounterResetHeader>(buf_.bytes()[2] & kCounterResetHeaderMask);
}

void FloatHistogramChunkWriter::set_num_samples(uint16_t n) {
  num_samples_ = n;
  buf_.bytes()[0] = static_cast<uint8_t>(n >> 8);
  buf_.bytes()[1] = static_cast<uint8_t>(n);
}

void FloatHistogramChunkWriter::start(Timestamp t, const FloatHistogram& h, CounterResetHeader header) {
  buf_ = internal::BitBuffer(internal::histogram_chunk_header(static_cast<uint8_t>(header)));
  num_samples_ = 0;
  write(t, h);
}

void FloatHistogramChunkWriter::write_xor(XorValue& old, double v) {
  internal::put_xor(old.window, std::bit_cast<uint64_t>(v) ^ std::bit_cast<uint64_t>(old.value),
                    [this](uint64_t bits, unsigned n) { buf_.write_bits(bits, n); });
  old.value = v;
}

void FloatHistogramChunkWriter::write(Timestamp t, const FloatHistogram& sample) {
  FloatHistogram stale;
  const bool is_stale = is_stale_nan(sample.sum);
  if (is_stale) stale.sum = sample.sum;
  const FloatHistogram& h = is_stale ? stale : sample;
  int64_t t_delta = 0;
  if (num_samples_ == 0) {
    internal::put_layout(buf_, h.schema, h.zero_threshold, h.positive_spans, h.negative_spans, h.custom_values);
    layout_ = {h.schema, h.zero_threshold, h.positive_spans, h.negative_spans,
               h.uses_custom_buckets() ? h.custom_values : std::vector<double>()};
    min_time_ = t;
    internal::put_varbit_int(buf_, t);
    for (double v : {h.count, h.zero_count, h.sum}) buf_.write_bits(std::bit_cast<uint64_t>(v), 64);
    count_ = {h.count, {}};
    zero_count_ = {h.zero_count, {}};
    sum_ = {h.sum, {}};
    positive_.clear();
    negative_.clear();
    for (double b : h.positive_buckets) {
      buf_.write_bits(std::bit_cast<uint64_t>(b), 64);
      positive_.push_back({b, {}});
    }
    for (double b : h.negative_buckets) {
      buf_.write_bits(std::bit_cast<uint64_t>(b), 64);
      negative_.push_back({b, {}});
    }
  } else {
    t_delta = internal::wrapping_sub(t, t_);
    internal::put_varbit_int(buf_, internal::wrapping_sub(t_delta, t_delta_));
    write_xor(count_, h.count);
    write_xor(zero_count_, h.zero_count);
    write_xor(sum_, h.sum);
    for (size_t i = 0; i < h.positive_buckets.size(); ++i) write_xor(positive_[i], h.positive_buckets[i]);
    for (size_t i = 0; i < h.negative_buckets.size(); ++i) write_xor(negative_[i], h.negative_buckets[i]);
  }
  t_ = t;
  t_delta_ = t_delta;
  set_num_samples(static_cast<uint16_t>(num_samples_ + 1));
}

void FloatHistogramChunkWriter::recode(const BucketInserts& positive, const BucketInserts& negative,
                                       const HistogramSpans& positive_spans, const HistogramSpans& negative_spans) {
  const std::vector<uint8_t> old = std::move(buf_.bytes());
  HistogramChunkIterator it(ChunkEncoding::kFloatHistogram, old);
  FloatHistogramChunkWriter out;
  out.buf_ = internal::BitBuffer(internal::histogram_chunk_header(old[2] & kCounterResetHeaderMask));
  while (it.next()) {
    FloatHistogram h = it.float_histogram();
    if (!it.stale()) {
      h.positive_spans = positive_spans;
      h.negative_spans = negative_spans;
      if (!positive.empty()) h.positive_buckets = internal::insert_buckets<double>(h.positive_buckets, positive, false);
      if (!negative.empty()) h.negative_buckets = internal::insert_buckets<double>(h.negative_buckets, negative, false);
    }
    out.write(it.t(), h);
  }
  *this = std::move(out);
}

HistogramAppendResult FloatHistogramChunkWriter::append(Timestamp t, const FloatHistogram& h) {
  const FloatHistogram* in = &h;
  FloatHistogram widened;
  BucketInserts pf, nf;
  if (h.counter_reset_hint == CounterResetHint::kGauge) {
    if (header() != CounterResetHeader::kGauge) return {HistogramAppend::kNeedsNewChunk, CounterResetHeader::kGauge};
    if (is_stale_nan(h.sum)) {
      write(t, h);
      return {};
    }
    if (is_stale_nan(sum_.value) || h.schema != layout_.schema || h.zero_threshold != layout_.zero_threshold ||
        (h.uses_custom_buckets() && h.custom_values != layout_.custom_values)) {
      return {HistogramAppend::kNeedsNewChunk, CounterResetHeader::kGauge};
    }
    BucketInserts pb, nb;
    HistogramSpans positive_spans, negative_spans;
    internal::expand_both_ways(layout_.positive, h.positive_spans, pf, pb, positive_spans);
    internal::expand_both_ways(layout_.negative, h.negative_spans, nf, nb, negative_spans);
    if (!pb.empty() || !nb.empty()) {
      widened = h;
      widened.positive_spans = std::move(positive_spans);
      widened.negative_spans = std::move(negative_spans);
      if (!pb.empty()) widened.positive_buckets = internal::insert_buckets<double>(h.positive_buckets, pb, false);
      if (!nb.empty()) widened.negative_buckets = internal::insert_buckets<double>(h.negative_buckets, nb, false);
      in = &widened;
    }
  } else {
    Fit f = fit_counter(h);
    if (!f.ok || f.reset) {
      return {HistogramAppend::kNeedsNewChunk,
              f.reset ? CounterResetHeader::kCounterReset : CounterResetHeader::kUnknown};
    }
    if (!f.positive_backward.empty() || !f.negative_backward.empty()) {
      widened = h;
      if (f.positive_forward.empty() && f.negative_forward.empty()) {
        widened.positive_spans = layout_.positive;
        widened.negative_spans = layout_.negative;
      } else {
        widened.positive_spans = internal::adjust_spans_for_inserts(h.positive_spans, f.positive_backward);
        widened.negative_spans = internal::adjust_spans_for_inserts(h.negative_spans, f.negative_backward);
      }
      if (!f.positive_backward.empty()) {
        widened.positive_buckets = internal::insert_buckets<double>(h.positive_buckets, f.positive_backward, false);
      }
      if (!f.negative_backward.empty()) {
        widened.negative_buckets = internal::insert_buckets<double>(h.negative_buckets, f.negative_backward, false);
      }
      in = &widened;
    }
    pf = std::move(f.positive_forward);
    nf = std::move(f.negative_forward);
  }
  if (!pf.empty() || !nf.empty()) {
    recode(pf, nf, in->positive_spans, in->negative_spans);
    write(t, *in);
    return {HistogramAppend::kRecoded};
  }
  write(t, *in);
  return {};
}

size_t FloatHistogramChunkWriter::allocated_bytes() const {
  return buf_.bytes().capacity() + (positive_.capacity() + negative_.capacity()) * sizeof(XorValue) +
         (layout_.positive.capacity() + layout_.negative.capacity()) * sizeof(HistogramSpan) +
         layout_.custom_values.capacity() * sizeof(double);
}

ChunkRef FloatHistogramChunkWriter::snapshot() const {
  return ChunkRef::from_bytes(ChunkEncoding::kFloatHistogram, buf_.bytes().data(), size(), min_time_, t_);
}

ChunkRef FloatHistogramChunkWriter::seal() {
  ChunkRef c = snapshot();
  clear();
  return c;
}

Result<FloatHistogramChunkWriter> FloatHistogramChunkWriter::restore(std::span<const uint8_t> bytes) {
  HistogramChunkIterator it(ChunkEncoding::kFloatHistogram, bytes);
  FloatHistogramChunkWriter w;
  auto buf = it.read_to_end(bytes, w.min_time_);
  if (!buf) return buf.take_error();
  w.buf_ = *std::move(buf);
  w.layout_ = it.layout_;
  w.num_samples_ = it.read_;
  w.t_ = it.t_;
  w.t_delta_ = it.t_delta_;
  w.count_ = it.fcount_;
  w.zero_count_ = it.fzero_count_;
  w.sum_ = it.fsum_;
  w.positive_ = it.fpositive_;
  w.negative_ = it.fnegative_;
  return w;
}

}  // namespace cogwatch::tsdb
