#include "tsdb/internal/histogram_codec.h"

#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

namespace cogwatch::tsdb::internal {
namespace {

int64_t wrapping_neg(int64_t a) { return static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(a)); }

template <typename T>
T add(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) {
    return wrapping_add(a, b);
  } else {
    return a + b;
  }
}

template <typename T>
T neg(T a) {
  if constexpr (std::is_same_v<T, int64_t>) {
    return wrapping_neg(a);
  } else {
    return -a;
  }
}

// The bucket indices that spans name, in order. Spans of length zero name
// none (Prometheus's bucketIterator, whose arithmetic it keeps).
class BucketIndexIterator {
 public:
  explicit BucketIndexIterator(const HistogramSpans& spans) : spans_(spans) {
    if (!spans.empty()) index_ += spans[0].offset;
  }

  bool next(int64_t& index) {
    if (span_ >= spans_.size()) return false;
    if (bucket_ + 1 < static_cast<int64_t>(spans_[span_].length)) {
      ++bucket_;
      index = ++index_;
      return true;
    }
    while (span_ + 1 < spans_.size()) {
      ++span_;
      index_ += int64_t{spans_[span_].offset} + 1;
      bucket_ = 0;
      if (spans_[span_].length == 0) {
        --index_;
        continue;
      }
      index = index_;
      return true;
    }
    return false;
  }

 private:
  const HistogramSpans& spans_;
  size_t span_ = 0;
  int64_t bucket_ = -1;  // position in the current span of the last index returned
  int64_t index_ = -1;   // the last index returned
};

// Adds bucket index b to spans being built in index order.
class SpanBuilder {
 public:
  void add(int64_t b) {
    int64_t offset = b - last_ - 1;
    if (offset == 0 && !spans_.empty()) {
      ++spans_.back().length;
    } else {
      if (spans_.empty()) ++offset;  // the first span's offset is its start index
      spans_.push_back({static_cast<int32_t>(offset), 1});
    }
    last_ = b;
  }
  HistogramSpans take() { return std::move(spans_); }

 private:
  HistogramSpans spans_;
  int64_t last_ = 0;
};

// A run of inserts being collected: flushed into the list when the run
// of new buckets ends.
void add_insert(BucketInserts& inserts, BucketInsert& pending, int64_t index) {
  if (pending.num == 0) {
    pending.index = index;
  } else if (pending.index + static_cast<int64_t>(pending.num) != index) {
    inserts.push_back(pending);
    pending.num = 0;
    pending.index = index;
  }
  ++pending.num;
}

void flush_insert(BucketInserts& inserts, BucketInsert& pending) {
  if (pending.num > 0) {
    inserts.push_back(pending);
    pending.num = 0;
  }
}

}  // namespace

void put_zero_threshold(BitBuffer& b, double threshold) {
  if (threshold == 0) {
    b.write_bits(0, 8);
    return;
  }
  int exp = 0;
  const double frac = std::isfinite(threshold) ? std::frexp(threshold, &exp) : 0;
  if (frac != 0.5 || exp < -242 || exp > 11) {
    b.write_bits(255, 8);
    b.write_bits(std::bit_cast<uint64_t>(threshold), 64);
    return;
  }
  b.write_bits(static_cast<uint64_t>(exp + 243), 8);
}

double get_zero_threshold(BitReader& in) {
  const auto byte = static_cast<uint8_t>(in.read_bits(8));
  if (byte == 0) return 0;
  if (byte == 255) return std::bit_cast<double>(in.read_bits(64));
  return std::ldexp(0.5, int{byte} - 243);
}

void put_custom_bound(BitBuffer& b, double bound) {
  const double scaled = bound * 1000;
  // Whether bound * 1000 is a whole number that gives bound back.
  const bool whole = std::isfinite(scaled) && scaled >= 0 && scaled <= 33554430 &&
                     static_cast<double>(static_cast<uint64_t>(std::round(scaled))) / 1000 == bound;
  if (!whole) {
    b.write_bits(0, 1);
    b.write_bits(std::bit_cast<uint64_t>(bound), 64);
    return;
  }
  put_varbit_uint(b, static_cast<uint64_t>(std::round(scaled)) + 1);
}

double get_custom_bound(BitReader& in) {
  const uint64_t v = get_varbit_uint(in);
  if (v == 0) return std::bit_cast<double>(in.read_bits(64));
  return static_cast<double>(v - 1) / 1000;
}

namespace {

void put_spans(BitBuffer& b, const HistogramSpans& spans) {
  put_varbit_uint(b, spans.size());
  for (const HistogramSpan& s : spans) {
    put_varbit_uint(b, s.length);
    put_varbit_int(b, s.offset);
  }
}

bool get_spans(BitReader& in, HistogramSpans& out) {
  out.clear();
  const uint64_t n = get_varbit_uint(in);
  if (in.overrun() || n > in.bits_left() / 2) return false;  // a span takes at least two bits
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t length = get_varbit_uint(in);
    const int64_t offset = get_varbit_int(in);
    if (length > std::numeric_limits<uint32_t>::max() || offset < std::numeric_limits<int32_t>::min() ||
        offset > std::numeric_limits<int32_t>::max()) {
      return false;
    }
    out.push_back({static_cast<int32_t>(offset), static_cast<uint32_t>(length)});
  }
  return !in.overrun();
}

}  // namespace

void put_layout(BitBuffer& b, int32_t schema, double zero_threshold, const HistogramSpans& positive,
                const HistogramSpans& negative, const std::vector<double>& custom_values) {
  put_zero_threshold(b, zero_threshold);
  put_varbit_int(b, schema);
  put_spans(b, positive);
  put_spans(b, negative);
  if (is_custom_buckets_schema(schema)) {
    put_varbit_uint(b, custom_values.size());
    for (double bound : custom_values) put_custom_bound(b, bound);
  }
}

namespace {

// Whether a layout read from a chunk is one a valid histogram has: offsets
// after the first span not negative, every bucket index an int32 (what
// Histogram::validate() asks of what is stored; anything else is damage).
bool indices_fit(const HistogramSpans& spans) {
  int64_t index = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (n > 0 && spans[n].offset < 0) return false;
    index += spans[n].offset;
    if (spans[n].length > 0 && (index < std::numeric_limits<int32_t>::min() ||
                                index + spans[n].length - 1 > std::numeric_limits<int32_t>::max())) {
      return false;
    }
    index += spans[n].length;
  }
  return true;
}

}  // namespace

bool get_layout(BitReader& in, HistogramLayout& out) {
  out.zero_threshold = get_zero_threshold(in);
  const int64_t schema = get_varbit_int(in);
  if (in.overrun() || !is_valid_schema(static_cast<int32_t>(schema)) || schema != static_cast<int32_t>(schema)) {
    return false;
  }
  out.schema = static_cast<int32_t>(schema);
  if (!get_spans(in, out.positive) || !get_spans(in, out.negative)) return false;
  out.custom_values.clear();
  if (is_custom_buckets_schema(out.schema)) {
    const uint64_t n = get_varbit_uint(in);
    if (in.overrun() || n > in.bits_left()) return false;
    out.custom_values.reserve(n);
    for (uint64_t i = 0; i < n; ++i) out.custom_values.push_back(get_custom_bound(in));
  }
  // Every bucket costs at least a bit in the first sample.
  const uint64_t buckets = count_buckets(out.positive) + count_buckets(out.negative);
  return !in.overrun() && buckets <= in.bits_left() && indices_fit(out.positive) && indices_fit(out.negative);
}

size_t count_buckets(const HistogramSpans& spans) {
  size_t n = 0;
  for (const HistogramSpan& s : spans) n += s.length;
  return n;
}

template <typename T>
bool expand_for_counter(const HistogramSpans& a, std::span<const T> a_buckets, const HistogramSpans& b,
                        std::span<const T> b_buckets, bool deltas, BucketInserts& forward, BucketInserts& backward) {
  forward.clear();
  backward.clear();
  BucketIndexIterator ai(a), bi(b);
  BucketInsert a_pending, b_pending;  // runs of buckets a (b) lacks
  int64_t a_index = 0, b_index = 0;
  bool a_ok = ai.next(a_index), b_ok = bi.next(b_index);
  // The current bucket's absolute count on each side.
  size_t a_at = 0, b_at = 0;
  T a_count{}, b_count{};
  if (a_ok) a_count = a_buckets[0];
  if (b_ok) b_count = b_buckets[0];
  auto advance_a = [&] {
    flush_insert(forward, a_pending);
    a_ok = ai.next(a_index);
    ++a_pending.pos;
    ++a_at;
    if (a_ok) a_count = deltas ? add(a_count, a_buckets[a_at]) : a_buckets[a_at];
  };
  auto advance_b = [&] {
    flush_insert(backward, b_pending);
    b_ok = bi.next(b_index);
    ++b_pending.pos;
    ++b_at;
    if (b_ok) b_count = deltas ? add(b_count, b_buckets[b_at]) : b_buckets[b_at];
  };
  while (a_ok || b_ok) {
    if (a_ok && b_ok && a_index == b_index) {
      if (a_count > b_count) return false;  // the bucket went down: a reset
      advance_a();
      advance_b();
    } else if (a_ok && (!b_ok || a_index < b_index)) {
      // b lacks a bucket of a: fine only if it was empty.
      if (a_count != T{}) return false;
      add_insert(backward, b_pending, a_index);
      advance_a();
    } else {
      add_insert(forward, a_pending, b_index);  // a new bucket
      advance_b();
    }
  }
  flush_insert(forward, a_pending);
  flush_insert(backward, b_pending);
  return true;
}

template bool expand_for_counter<int64_t>(const HistogramSpans&, std::span<const int64_t>, const HistogramSpans&,
                                          std::span<const int64_t>, bool, BucketInserts&, BucketInserts&);
template bool expand_for_counter<double>(const HistogramSpans&, std::span<const double>, const HistogramSpans&,
                                         std::span<const double>, bool, BucketInserts&, BucketInserts&);

void expand_both_ways(const HistogramSpans& a, const HistogramSpans& b, BucketInserts& forward,
                      BucketInserts& backward, HistogramSpans& merged) {
  forward.clear();
  backward.clear();
  BucketIndexIterator ai(a), bi(b);
  SpanBuilder spans;
  BucketInsert f, r;  // runs of buckets a lacks (forward) and b lacks (backward)
  int64_t av = 0, bv = 0;
  bool a_ok = ai.next(av), b_ok = bi.next(bv);
  while (a_ok || b_ok) {
    if (a_ok && b_ok) {
      if (av == bv) {
        flush_insert(forward, f);
        flush_insert(backward, r);
        spans.add(av);
        a_ok = ai.next(av);
        b_ok = bi.next(bv);
        ++f.pos;
        ++r.pos;
      } else if (av < bv) {  // b lacks av
        if (r.num++ == 0) r.index = av;
        flush_insert(forward, f);
        spans.add(av);
        ++f.pos;
        a_ok = ai.next(av);
      } else {  // a lacks bv
        if (f.num++ == 0) f.index = bv;
        flush_insert(backward, r);
        spans.add(bv);
        ++r.pos;
        b_ok = bi.next(bv);
      }
    } else if (a_ok) {  // the rest of a, which b lacks
      if (r.num++ == 0) r.index = av;
      spans.add(av);
      a_ok = ai.next(av);
    } else {  // the rest of b, which a lacks
      if (f.num++ == 0) f.index = bv;
      spans.add(bv);
      b_ok = bi.next(bv);
    }
  }
  flush_insert(forward, f);
  flush_insert(backward, r);
  merged = spans.take();
}

template <typename T>
std::vector<T> insert_buckets(std::span<const T> in, const BucketInserts& inserts, bool deltas) {
  size_t added = 0;
  for (const BucketInsert& i : inserts) added += i.num;
  std::vector<T> out;
  out.reserve(in.size() + added);
  T v{};  // the count of the last bucket copied (deltas)
  size_t next = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const T d = in[i];
    if (next < inserts.size() && inserts[next].pos == i) {
      bool first = true;
      for (; next < inserts.size() && inserts[next].pos == i; ++next) {
        // The first inserted delta brings the count from v down to 0.
        out.push_back(deltas && first ? neg(v) : T{});
        first = false;
        out.insert(out.end(), inserts[next].num - 1, T{});
      }
      // ... and the old bucket's delta now counts from 0.
      out.push_back(deltas ? add(d, v) : d);
    } else {
      out.push_back(d);
    }
    v = add(v, d);
  }
  for (; next < inserts.size(); ++next) {  // empty buckets after the last one
    out.push_back(deltas ? neg(v) : T{});
    out.insert(out.end(), inserts[next].num - 1, T{});
    v = T{};
  }
  return out;
}

template std::vector<int64_t> insert_buckets<int64_t>(std::span<const int64_t>, const BucketInserts&, bool);
template std::vector<double> insert_buckets<double>(std::span<const double>, const BucketInserts&, bool);

HistogramSpans adjust_spans_for_inserts(const HistogramSpans& spans, const BucketInserts& inserts) {
  if (inserts.empty()) return spans;
  BucketIndexIterator it(spans);
  SpanBuilder out;
  size_t i = 0;
  int64_t insert_index = inserts[0].index;
  size_t insert_left = inserts[0].num;
  auto consume_insert = [&] {
    if (--insert_left == 0) {
      if (++i < inserts.size()) {
        insert_index = inserts[i].index;
        insert_left = inserts[i].num;
      }
    } else {
      ++insert_index;
    }
  };
  int64_t bucket = 0;
  bool ok = it.next(bucket);
  while (ok) {
    if (i < inserts.size() && insert_index < bucket) {
      out.add(insert_index);
      consume_insert();
    } else {
      out.add(bucket);
      ok = it.next(bucket);
    }
  }
  while (i < inserts.size()) {
    out.add(insert_index);
    consume_insert();
  }
  return out.take();
}

}  // namespace cogwatch::tsdb::internal
