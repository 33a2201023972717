// A classic histogram (cumulative "le" buckets, a count, a sum) turned into
// a native histogram with custom buckets ("NHCB", schema -53), as
// Prometheus's util/convertnhcb does for promqltest's load_with_nhcb and
// for scrapes with convert_classic_histograms_to_nhcb.
//
//   ClassicHistogram c;
//   c.set_bucket(0.1, 5);  // in any order of le
//   c.set_bucket(INFINITY, 12);
//   c.set_sum(3.2);
//   Result<FloatHistogram> h = c.to_native();
//
// Thread-safety: a plain value.
#pragma once

#include <vector>

#include "model/error.h"
#include "model/histogram.h"

namespace cogwatch {

class ClassicHistogram {
 public:
  // The cumulative count of bucket le. A bound given again is ignored.
  // The first problem (a NaN bound, a negative or non-cumulative count)
  // is kept and reported by to_native().
  void set_bucket(double le, double count);
  void set_count(double count);
  void set_sum(double sum) { sum_ = sum; }

  // The native histogram: custom bounds at the finite le values, bucket
  // counts the differences, the count from set_count() or else the +Inf
  // bucket. Errors (kInvalidArgument): what set_bucket/set_count found, or
  // a count that differs from the +Inf bucket's.
  Result<FloatHistogram> to_native() const;

 private:
  struct Bucket {
    double le;
    double count;
  };
  std::vector<Bucket> buckets_;  // ascending le
  double count_ = 0;
  double sum_ = 0;
  bool has_count_ = false;
  Status error_;
};

}  // namespace cogwatch
