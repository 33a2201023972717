// Native histograms, as Prometheus defines them (model/histogram): sparse
// buckets on an exponential grid (schemas -4..8) or on custom bounds
// (schema -53, "NHCB"), a zero bucket, a count and a sum.
//
// Bucket index i of an exponential schema s covers (base^(i-1), base^i] on
// the positive side with base = 2^(2^-s), and the mirror image [-base^i,
// -base^(i-1)) on the negative side; the zero bucket covers
// [-zero_threshold, zero_threshold]. A custom-bucket histogram has positive
// buckets only: index i covers (custom_values[i-1], custom_values[i]], the
// first starts at -Inf and the last ends at +Inf.
//
// Which indices are present is told by spans: the first span's offset is its
// starting index; every further span's offset is the gap after the previous
// span. Two representations share this layout:
//
//   Histogram       integer counts, buckets stored as deltas (the first
//                   absolute, each next one relative to the one before):
//                   what targets expose and chunks store.
//   FloatHistogram  float counts, buckets absolute: what PromQL computes
//                   with (rates, sums, averages are fractional).
//
// Thread-safety: plain values.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "model/error.h"

namespace cogwatch {

inline constexpr int32_t kExponentialSchemaMin = -4;
inline constexpr int32_t kExponentialSchemaMax = 8;
// Schemas a producer may send that are reduced to the nearest valid one.
inline constexpr int32_t kExponentialSchemaMinReserved = -9;
inline constexpr int32_t kExponentialSchemaMaxReserved = 52;
inline constexpr int32_t kCustomBucketsSchema = -53;

inline bool is_custom_buckets_schema(int32_t s) { return s == kCustomBucketsSchema; }
inline bool is_exponential_schema(int32_t s) { return s >= kExponentialSchemaMin && s <= kExponentialSchemaMax; }
inline bool is_valid_schema(int32_t s) { return is_custom_buckets_schema(s) || is_exponential_schema(s); }

// What is known about a counter reset at a histogram sample; the numbers
// are Prometheus's (they are stored in chunk headers).
enum class CounterResetHint : uint8_t {
  kUnknown = 0,          // not known: compare with the previous sample
  kCounterReset = 1,     // the counter was reset at this sample
  kNotCounterReset = 2,  // certainly no reset since the previous sample
  kGauge = 3,            // a gauge histogram: resets do not apply
};

struct HistogramSpan {
  int32_t offset = 0;  // start index (first span) or gap to the previous span
  uint32_t length = 0;
  friend bool operator==(const HistogramSpan&, const HistogramSpan&) = default;
};
using HistogramSpans = std::vector<HistogramSpan>;

// One bucket with its bounds, as iteration hands them out.
struct HistogramBucket {
  double lower = 0, upper = 0;
  bool lower_inclusive = false, upper_inclusive = false;
  double count = 0;
  int32_t index = 0;  // within its schema and side; irrelevant for the zero bucket

  // "(0.5,1]:3", as Prometheus's Bucket.String.
  std::string to_string() const;
};

// The upper bound of positive bucket `index` (for exponential schemas
// Prometheus's exact table, so bounds match to the bit). For custom buckets
// index -1 is -Inf and index size() is +Inf.
double histogram_bucket_bound(int32_t index, int32_t schema, const std::vector<double>& custom_values);

struct FloatHistogram;

struct Histogram {
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  uint64_t count = 0;
  double sum = 0;  // the stale marker's NaN marks a stale histogram
  HistogramSpans positive_spans, negative_spans;
  std::vector<int64_t> positive_buckets, negative_buckets;  // deltas
  std::vector<double> custom_values;  // strictly increasing, finite; schema -53 only

  bool uses_custom_buckets() const { return is_custom_buckets_schema(schema); }
  FloatHistogram to_float() const;
  // Checks the invariants Prometheus's Validate checks (schema, spans
  // against buckets, no negative counts, custom bounds, and count equal to
  // the observations in the buckets, or at least them when the sum is NaN);
  // the message is Prometheus's. Also refused: bucket indices outside int32
  // (Go would wrap them).
  Status validate() const;
  // Prometheus's Equals: the same sample, however the buckets are laid out.
  friend bool operator==(const Histogram&, const Histogram&);
};

struct FloatHistogram {
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;
  double count = 0;
  double sum = 0;
  HistogramSpans positive_spans, negative_spans;
  std::vector<double> positive_buckets, negative_buckets;  // absolute counts
  std::vector<double> custom_values;

  bool uses_custom_buckets() const { return is_custom_buckets_schema(schema); }
  // As Histogram's, without the count check (Prometheus's float
  // histograms may drift from their buckets by rounding).
  Status validate() const;

  // Calls fn for each bucket present (including empty ones), in increasing
  // order of index: positive buckets low to high, negative buckets from
  // the zero bucket outwards.
  void for_each_positive(const std::function<void(const HistogramBucket&)>& fn) const;
  void for_each_negative(const std::function<void(const HistogramBucket&)>& fn) const;
  // Every bucket in ascending order of value: negative buckets from -Inf
  // towards zero, the zero bucket (exponential schemas, when it has a width
  // or a count), positive buckets. Empty buckets are included.
  void for_each_bucket(const std::function<void(const HistogramBucket&)>& fn) const;
  HistogramBucket zero_bucket() const;

  // Removes empty buckets and merges spans that leave gaps of at most
  // max_empty_buckets (filled with zeros), as Prometheus's Compact.
  FloatHistogram& compact(int max_empty_buckets = 0);

  // Scales counts and sum. A negative factor makes it a gauge histogram.
  FloatHistogram& mul(double factor);
  // Divides counts and sum; dividing by 0 also drops every bucket.
  FloatHistogram& div(double divisor);

  // Prometheus's String: "{count:4, sum:10, [-2,-1):1, [-0.001,0.001]:2, (1,2]:1}".
  std::string to_string() const;
  // The promqltest / promtool notation: "{{schema:1 count:4 sum:10 buckets:[1 3]}}".
  std::string test_expression() const;

  // Exactly equal (Prometheus's Equals): same schema, threshold, counts, sum
  // (bits, so NaN equals NaN), spans and buckets, custom bounds; the
  // counter reset hint is not compared.
  bool equals(const FloatHistogram& o) const;
};

// An immutable FloatHistogram shared by reference, as PromQL values hold
// them: 8 bytes, a copy adds a reference (one atomic increment), an empty
// one (a float sample) costs nothing.
class HistogramRef {
 public:
  HistogramRef() = default;
  static HistogramRef make(FloatHistogram h) { return HistogramRef(new Node{{1}, std::move(h)}); }
  HistogramRef(const HistogramRef& o) noexcept : n_(o.n_) {
    if (n_ != nullptr) n_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  HistogramRef(HistogramRef&& o) noexcept : n_(o.n_) { o.n_ = nullptr; }
  HistogramRef& operator=(HistogramRef o) noexcept {
    std::swap(n_, o.n_);
    return *this;
  }
  ~HistogramRef() {
    if (n_ != nullptr && n_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n_;
  }

  const FloatHistogram* get() const { return n_ != nullptr ? &n_->h : nullptr; }
  const FloatHistogram* operator->() const { return &n_->h; }
  const FloatHistogram& operator*() const { return n_->h; }
  explicit operator bool() const { return n_ != nullptr; }

 private:
  struct Node {
    std::atomic<uint32_t> refs;
    FloatHistogram h;
  };
  explicit HistogramRef(Node* n) : n_(n) {}
  Node* n_ = nullptr;
};

}  // namespace cogwatch
