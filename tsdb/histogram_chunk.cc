// The integer histogram chunk (Prometheus's EncHistogram) and the
// iterator of both histogram chunk kinds. The float histogram writer is
// in float_histogram_chunk.cc.
#include "tsdb/histogram_chunk.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "model/value.h"

namespace cogwatch::tsdb {

using internal::BucketInserts;

namespace {

using internal::wrapping_add;
using internal::wrapping_sub;

}  // namespace

CounterResetHeader first_chunk_header(CounterResetHint hint, std::optional<CounterResetHeader> after_previous) {
  if (hint == CounterResetHint::kGauge) return CounterResetHeader::kGauge;
  if (hint == CounterResetHint::kCounterReset) return CounterResetHeader::kCounterReset;
  return after_previous.value_or(CounterResetHeader::kUnknown);
}

// ---- HistogramChunkWriter ----

// Prometheus's appendable() for a counter histogram: whether h can join
// the chunk, and with which inserts; if not, the new chunk's header.
struct HistogramChunkWriter::Fit {
  bool ok = false;
  CounterResetHeader header = CounterResetHeader::kNotCounterReset;
  BucketInserts positive_forward, negative_forward, positive_backward, negative_backward;
};

HistogramChunkWriter::Fit HistogramChunkWriter::fit_counter(const Histogram& h) const {
  Fit f;
  // A gauge chunk takes no counter: its successor cannot know of resets.
  if (header() == CounterResetHeader::kGauge) return f;
  if (h.counter_reset_hint == CounterResetHint::kCounterReset) {
    f.header = CounterResetHeader::kCounterReset;  // the producer knows
    return f;
  }
  if (is_stale_nan(h.sum)) {
    f.ok = true;  // a stale marker has no buckets to fit
    return f;
  }
  if (is_stale_nan(sum_)) {
    f.header = CounterResetHeader::kUnknown;  // after a stale marker, only stale markers
    return f;
  }
  if (h.count < count_) {
    f.header = CounterResetHeader::kCounterReset;
    return f;
  }
  if (h.schema != layout_.schema || h.zero_threshold != layout_.zero_threshold) {
    // A reset or not: Prometheus does not look further (its issue 15346).
    f.header = CounterResetHeader::kUnknown;
    return f;
  }
  if (h.uses_custom_buckets() && h.custom_values != layout_.custom_values) {
    f.header = CounterResetHeader::kCounterReset;
    return f;
  }
  if (h.zero_count < zero_count_ ||
      !internal::expand_for_counter<int64_t>(layout_.positive, positive_, h.positive_spans, h.positive_buckets, true,
                                             f.positive_forward, f.positive_backward) ||
      !internal::expand_for_counter<int64_t>(layout_.negative, negative_, h.negative_spans, h.negative_buckets, true,
                                             f.negative_forward, f.negative_backward)) {
    f.header = CounterResetHeader::kCounterReset;
    return f;
  }
  f.ok = true;
  return f;
}

CounterResetHeader HistogramChunkWriter::header_after(const Histogram& h) const { return fit_counter(h).header; }

CounterResetHeader HistogramChunkWriter::header() const {
  return static_cast<CounterResetHeader>(buf_.bytes()[2] & kCounterResetHeaderMask);
}

void HistogramChunkWriter::set_num_samples(uint16_t n) {
  num_samples_ = n;
  buf_.bytes()[0] = static_cast<uint8_t>(n >> 8);
  buf_.bytes()[1] = static_cast<uint8_t>(n);
}

void HistogramChunkWriter::start(Timestamp t, const Histogram& h, CounterResetHeader header) {
  buf_ = internal::BitBuffer(internal::histogram_chunk_header(static_cast<uint8_t>(header)));
  num_samples_ = 0;
  write(t, h);
}

void HistogramChunkWriter::write(Timestamp t, const Histogram& sample) {
  // A stale marker is written as a histogram with nothing but its sum.
  Histogram stale;
  const bool is_stale = is_stale_nan(sample.sum);
  if (is_stale) stale.sum = sample.sum;
  const Histogram& h = is_stale ? stale : sample;
  int64_t t_delta = 0, count_delta = 0, zero_count_delta = 0;
  if (num_samples_ == 0) {
    internal::put_layout(buf_, h.schema, h.zero_threshold, h.positive_spans, h.negative_spans, h.custom_values);
    layout_ = {h.schema, h.zero_threshold, h.positive_spans, h.negative_spans,
               h.uses_custom_buckets() ? h.custom_values : std::vector<double>()};
    positive_.assign(internal::count_buckets(h.positive_spans), 0);
    negative_.assign(internal::count_buckets(h.negative_spans), 0);
    positive_delta_.assign(positive_.size(), 0);
    negative_delta_.assign(negative_.size(), 0);
    sum_window_ = internal::XorWindow();
    min_time_ = t;
    internal::put_varbit_int(buf_, t);
    internal::put_varbit_uint(buf_, h.count);
    internal::put_varbit_uint(buf_, h.zero_count);
    buf_.write_bits(std::bit_cast<uint64_t>(h.sum), 64);
    for (int64_t b : h.positive_buckets) internal::put_varbit_int(buf_, b);
    for (int64_t b : h.negative_buckets) internal::put_varbit_int(buf_, b);
  } else {
    // The second sample's deltas are its dods against a delta of zero.
    t_delta = wrapping_sub(t, t_);
    count_delta = wrapping_sub(static_cast<int64_t>(h.count), static_cast<int64_t>(count_));
    zero_count_delta = wrapping_sub(static_cast<int64_t>(h.zero_count), static_cast<int64_t>(zero_count_));
    internal::put_varbit_int(buf_, wrapping_sub(t_delta, t_delta_));
    // A stale marker's counts are not read back: nothing to spend on them.
    internal::put_varbit_int(buf_, is_stale ? 0 : wrapping_sub(count_delta, count_delta_));
    internal::put_varbit_int(buf_, is_stale ? 0 : wrapping_sub(zero_count_delta, zero_count_delta_));
    internal::put_xor(sum_window_, std::bit_cast<uint64_t>(h.sum) ^ std::bit_cast<uint64_t>(sum_),
                      [this](uint64_t v, unsigned n) { buf_.write_bits(v, n); });
    for (size_t i = 0; i < h.positive_buckets.size(); ++i) {
      const int64_t delta = wrapping_sub(h.positive_buckets[i], positive_[i]);
      internal::put_varbit_int(buf_, wrapping_sub(delta, positive_delta_[i]));
      positive_delta_[i] = delta;
    }
    for (size_t i = 0; i < h.negative_buckets.size(); ++i) {
      const int64_t delta = wrapping_sub(h.negative_buckets[i], negative_[i]);
      internal::put_varbit_int(buf_, wrapping_sub(delta, negative_delta_[i]));
      negative_delta_[i] = delta;
    }
  }
  t_ = t;
  count_ = h.count;
  zero_count_ = h.zero_count;
  t_delta_ = t_delta;
  count_delta_ = count_delta;
  zero_count_delta_ = zero_count_delta;
  // A stale marker leaves the buckets as they were.
  std::copy_n(h.positive_buckets.begin(), std::min(h.positive_buckets.size(), positive_.size()), positive_.begin());
  std::copy_n(h.negative_buckets.begin(), std::min(h.negative_buckets.size(), negative_.size()), negative_.begin());
  sum_ = h.sum;
  set_num_samples(static_cast<uint16_t>(num_samples_ + 1));
}

void HistogramChunkWriter::recode(const BucketInserts& positive, const BucketInserts& negative,
                                  const HistogramSpans& positive_spans, const HistogramSpans& negative_spans) {
  // Every sample again, with the new buckets empty. Decoding and encoding
  // the whole chunk costs little next to how rarely buckets appear.
  const std::vector<uint8_t> old = std::move(buf_.bytes());
  HistogramChunkIterator it(ChunkEncoding::kHistogram, old);
  HistogramChunkWriter out;
  out.buf_ = internal::BitBuffer(internal::histogram_chunk_header(old[2] & kCounterResetHeaderMask));
  while (it.next()) {
    Histogram h = it.histogram();
    if (!it.stale()) {
      h.positive_spans = positive_spans;
      h.negative_spans = negative_spans;
      if (!positive.empty()) h.positive_buckets = internal::insert_buckets<int64_t>(h.positive_buckets, positive, true);
      if (!negative.empty()) h.negative_buckets = internal::insert_buckets<int64_t>(h.negative_buckets, negative, true);
    }
    out.write(it.t(), h);
  }
  *this = std::move(out);
}

HistogramAppendResult HistogramChunkWriter::append(Timestamp t, const Histogram& h) {
  if (h.counter_reset_hint == CounterResetHint::kGauge) {
    // A gauge's buckets may come and go, and its counts go down; only a
    // new layout (or what follows a stale marker) needs a new chunk.
    if (header() != CounterResetHeader::kGauge) return {HistogramAppend::kNeedsNewChunk, CounterResetHeader::kGauge};
    if (is_stale_nan(h.sum)) {
      write(t, h);
      return {};
    }
    if (is_stale_nan(sum_) || h.schema != layout_.schema || h.zero_threshold != layout_.zero_threshold ||
        (h.uses_custom_buckets() && h.custom_values != layout_.custom_values)) {
      return {HistogramAppend::kNeedsNewChunk, CounterResetHeader::kGauge};
    }
    BucketInserts pf, nf, pb, nb;
    HistogramSpans positive_spans, negative_spans;
    internal::expand_both_ways(layout_.positive, h.positive_spans, pf, pb, positive_spans);
    internal::expand_both_ways(layout_.negative, h.negative_spans, nf, nb, negative_spans);
    Histogram widened;
    const Histogram* in = &h;
    if (!pb.empty() || !nb.empty()) {
      widened = h;
      widened.positive_spans = std::move(positive_spans);
      widened.negative_spans = std::move(negative_spans);
      if (!pb.empty()) widened.positive_buckets = internal::insert_buckets<int64_t>(h.positive_buckets, pb, true);
      if (!nb.empty()) widened.negative_buckets = internal::insert_buckets<int64_t>(h.negative_buckets, nb, true);
      in = &widened;
    }
    if (!pf.empty() || !nf.empty()) {
      recode(pf, nf, in->positive_spans, in->negative_spans);
      write(t, *in);
      return {HistogramAppend::kRecoded};
    }
    write(t, *in);
    return {};
  }
  Fit f = fit_counter(h);
  if (!f.ok || f.header != CounterResetHeader::kNotCounterReset) return {HistogramAppend::kNeedsNewChunk, f.header};
  Histogram widened;
  const Histogram* in = &h;
  if (!f.positive_backward.empty() || !f.negative_backward.empty()) {
    // h lacks buckets the chunk has, all empty in its last sample: h gets
    // them, empty too.
    widened = h;
    if (f.positive_forward.empty() && f.negative_forward.empty()) {
      widened.positive_spans = layout_.positive;
      widened.negative_spans = layout_.negative;
    } else {
      widened.positive_spans = internal::adjust_spans_for_inserts(h.positive_spans, f.positive_backward);
      widened.negative_spans = internal::adjust_spans_for_inserts(h.negative_spans, f.negative_backward);
    }
    if (!f.positive_backward.empty()) {
      widened.positive_buckets = internal::insert_buckets<int64_t>(h.positive_buckets, f.positive_backward, true);
    }
    if (!f.negative_backward.empty()) {
      widened.negative_buckets = internal::insert_buckets<int64_t>(h.negative_buckets, f.negative_backward, true);
    }
    in = &widened;
  }
  if (!f.positive_forward.empty() || !f.negative_forward.empty()) {
    recode(f.positive_forward, f.negative_forward, in->positive_spans, in->negative_spans);
    write(t, *in);
    return {HistogramAppend::kRecoded};
  }
  write(t, *in);
  return {};
}

size_t HistogramChunkWriter::allocated_bytes() const {
  return buf_.bytes().capacity() +
         (positive_.capacity() + negative_.capacity() + positive_delta_.capacity() + negative_delta_.capacity()) *
             sizeof(int64_t) +
         (layout_.positive.capacity() + layout_.negative.capacity()) * sizeof(HistogramSpan) +
         layout_.custom_values.capacity() * sizeof(double);
}

ChunkRef HistogramChunkWriter::snapshot() const {
  return ChunkRef::from_bytes(ChunkEncoding::kHistogram, buf_.bytes().data(), size(), min_time_, t_);
}

ChunkRef HistogramChunkWriter::seal() {
  ChunkRef c = snapshot();
  clear();
  return c;
}

Result<HistogramChunkWriter> HistogramChunkWriter::restore(std::span<const uint8_t> bytes) {
  HistogramChunkIterator it(ChunkEncoding::kHistogram, bytes);
  HistogramChunkWriter w;
  auto buf = it.read_to_end(bytes, w.min_time_);
  if (!buf) return buf.take_error();
  w.buf_ = *std::move(buf);
  w.layout_ = it.layout_;
  w.num_samples_ = it.read_;
  w.t_ = it.t_;
  w.t_delta_ = it.t_delta_;
  w.count_ = it.count_;
  w.zero_count_ = it.zero_count_;
  w.count_delta_ = it.count_delta_;
  w.zero_count_delta_ = it.zero_count_delta_;
  w.positive_ = it.positive_;
  w.negative_ = it.negative_;
  w.positive_delta_ = it.positive_delta_;
  w.negative_delta_ = it.negative_delta_;
  w.sum_ = it.sum_;
  w.sum_window_ = it.sum_window_;
  return w;
}

// ---- HistogramChunkIterator ----

Result<internal::BitBuffer> HistogramChunkIterator::read_to_end(std::span<const uint8_t> bytes, Timestamp& min_time) {
  while (next()) {
    if (read_ == 1) min_time = t_;
  }
  if (!err_.ok()) return make_error(ErrorCode::kInternal, "histogram chunk does not decode: " + err_.error().message);
  if (read_ == 0) return make_error(ErrorCode::kInternal, "histogram chunk holds no samples");
  const uint64_t free = in_.bits_left();
  if (free >= 8) return make_error(ErrorCode::kInternal, "histogram chunk has bytes after its last sample");
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  copy.back() = static_cast<uint8_t>(copy.back() & ~((1u << free) - 1));  // padding must read as zeros
  internal::BitBuffer buf(std::move(copy));
  buf.set_free_bits(static_cast<uint8_t>(free));
  return buf;
}


HistogramChunkIterator::HistogramChunkIterator(const Chunk& c)
    : HistogramChunkIterator(c.encoding(), std::span<const uint8_t>(c.data(), c.size())) {}

HistogramChunkIterator::HistogramChunkIterator(ChunkEncoding encoding, std::span<const uint8_t> bytes) {
  if (!is_histogram_encoding(encoding)) {
    fail("not a histogram chunk");
    return;
  }
  float_ = encoding == ChunkEncoding::kFloatHistogram;
  if (bytes.size() < kHistogramChunkHeaderBytes) {
    if (!bytes.empty()) fail("chunk shorter than its header");
    return;
  }
  num_samples_ = static_cast<uint16_t>(bytes[0] << 8 | bytes[1]);
  header_ = static_cast<CounterResetHeader>(bytes[2] & kCounterResetHeaderMask);
  in_ = internal::BitReader(bytes.data() + kHistogramChunkHeaderBytes, bytes.size() - kHistogramChunkHeaderBytes);
}

bool HistogramChunkIterator::fail(const char* what) {
  if (err_) err_ = make_error(ErrorCode::kInternal, what);
  num_samples_ = read_;  // stop: next() returns false from now on
  return false;
}

bool HistogramChunkIterator::stale() const { return is_stale_nan(sum()); }

CounterResetHint HistogramChunkIterator::hint() const {
  if (header_ == CounterResetHeader::kGauge) return CounterResetHint::kGauge;
  return read_ > 1 ? CounterResetHint::kNotCounterReset : CounterResetHint::kUnknown;
}

bool HistogramChunkIterator::read_first() {
  if (!internal::get_layout(in_, layout_)) {
    return fail(in_.overrun() ? "chunk truncated" : "corrupt chunk: impossible histogram layout");
  }
  const size_t np = internal::count_buckets(layout_.positive), nn = internal::count_buckets(layout_.negative);
  t_ = internal::get_varbit_int(in_);
  t_delta_ = 0;
  if (!float_) {
    count_ = internal::get_varbit_uint(in_);
    zero_count_ = internal::get_varbit_uint(in_);
    count_delta_ = zero_count_delta_ = 0;
    sum_ = std::bit_cast<double>(in_.read_bits(64));
    sum_window_ = internal::XorWindow();
    positive_.resize(np);
    negative_.resize(nn);
    for (int64_t& b : positive_) b = internal::get_varbit_int(in_);
    for (int64_t& b : negative_) b = internal::get_varbit_int(in_);
    positive_delta_.assign(np, 0);
    negative_delta_.assign(nn, 0);
  } else {
    fcount_ = {std::bit_cast<double>(in_.read_bits(64)), {}};
    fzero_count_ = {std::bit_cast<double>(in_.read_bits(64)), {}};
    fsum_ = {std::bit_cast<double>(in_.read_bits(64)), {}};
    fpositive_.resize(np);
    fnegative_.resize(nn);
    for (auto& b : fpositive_) b = {std::bit_cast<double>(in_.read_bits(64)), {}};
    for (auto& b : fnegative_) b = {std::bit_cast<double>(in_.read_bits(64)), {}};
  }
  if (in_.overrun()) return fail("chunk truncated");
  ++read_;
  return true;
}

bool HistogramChunkIterator::read_next_integer() {
  t_delta_ = wrapping_add(t_delta_, internal::get_varbit_int(in_));
  t_ = wrapping_add(t_, t_delta_);
  count_delta_ = wrapping_add(count_delta_, internal::get_varbit_int(in_));
  count_ = static_cast<uint64_t>(wrapping_add(static_cast<int64_t>(count_), count_delta_));
  zero_count_delta_ = wrapping_add(zero_count_delta_, internal::get_varbit_int(in_));
  zero_count_ = static_cast<uint64_t>(wrapping_add(static_cast<int64_t>(zero_count_), zero_count_delta_));
  uint64_t sum_bits = std::bit_cast<uint64_t>(sum_);
  if (!internal::get_histogram_xor(in_, sum_window_, sum_bits)) return fail("corrupt chunk: bad XOR window");
  sum_ = std::bit_cast<double>(sum_bits);
  if (!is_stale_nan(sum_)) {  // a stale marker has no buckets
    for (size_t i = 0; i < positive_.size(); ++i) {
      positive_delta_[i] = wrapping_add(positive_delta_[i], internal::get_varbit_int(in_));
      positive_[i] = wrapping_add(positive_[i], positive_delta_[i]);
    }
    for (size_t i = 0; i < negative_.size(); ++i) {
      negative_delta_[i] = wrapping_add(negative_delta_[i], internal::get_varbit_int(in_));
      negative_[i] = wrapping_add(negative_[i], negative_delta_[i]);
    }
  }
  if (in_.overrun()) return fail("chunk truncated");
  ++read_;
  return true;
}

bool HistogramChunkIterator::read_next_float() {
  t_delta_ = wrapping_add(t_delta_, internal::get_varbit_int(in_));
  t_ = wrapping_add(t_, t_delta_);
  auto read = [this](FloatHistogramChunkWriter::XorValue& x) {
    uint64_t bits = std::bit_cast<uint64_t>(x.value);
    if (!internal::get_histogram_xor(in_, x.window, bits)) return false;
    x.value = std::bit_cast<double>(bits);
    return true;
  };
  if (!read(fcount_) || !read(fzero_count_) || !read(fsum_)) return fail("corrupt chunk: bad XOR window");
  if (!is_stale_nan(fsum_.value)) {
    for (auto& b : fpositive_) {
      if (!read(b)) return fail("corrupt chunk: bad XOR window");
    }
    for (auto& b : fnegative_) {
      if (!read(b)) return fail("corrupt chunk: bad XOR window");
    }
  }
  if (in_.overrun()) return fail("chunk truncated");
  ++read_;
  return true;
}

bool HistogramChunkIterator::next() {
  if (read_ >= num_samples_) return false;
  if (read_ == 0) return read_first();
  return float_ ? read_next_float() : read_next_integer();
}

bool HistogramChunkIterator::seek(Timestamp t) {
  if (read_ > 0 && t_ >= t) return true;
  while (next()) {
    if (t_ >= t) return true;
  }
  return false;
}

Histogram HistogramChunkIterator::histogram() const {
  Histogram h;
  h.sum = sum_;
  if (is_stale_nan(sum_)) return h;
  h.counter_reset_hint = hint();
  h.schema = layout_.schema;
  h.zero_threshold = layout_.zero_threshold;
  h.zero_count = zero_count_;
  h.count = count_;
  h.positive_spans = layout_.positive;
  h.negative_spans = layout_.negative;
  h.positive_buckets = positive_;
  h.negative_buckets = negative_;
  h.custom_values = layout_.custom_values;
  return h;
}

FloatHistogram HistogramChunkIterator::float_histogram() const {
  if (!float_) return histogram().to_float();
  FloatHistogram h;
  h.sum = fsum_.value;
  if (is_stale_nan(h.sum)) return h;
  h.counter_reset_hint = hint();
  h.schema = layout_.schema;
  h.zero_threshold = layout_.zero_threshold;
  h.zero_count = fzero_count_.value;
  h.count = fcount_.value;
  h.positive_spans = layout_.positive;
  h.negative_spans = layout_.negative;
  h.positive_buckets.reserve(fpositive_.size());
  for (const auto& b : fpositive_) h.positive_buckets.push_back(b.value);
  h.negative_buckets.reserve(fnegative_.size());
  for (const auto& b : fnegative_) h.negative_buckets.push_back(b.value);
  h.custom_values = layout_.custom_values;
  return h;
}

}  // namespace cogwatch::tsdb
