#include "model/nhcb.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "model/value.h"

namespace cogwatch {
namespace {

Error invalid(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

}  // namespace

void ClassicHistogram::set_bucket(double le, double count) {
  if (!error_) return;
  if (std::isnan(le)) {
    error_ = invalid("bucket boundary must not be NaN");
    return;
  }
  if (count < 0) {
    error_ = invalid("bucket count must be non-negative: le=" + format_float(le) + ", count=" + format_float(count));
    return;
  }
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), le, [](const Bucket& b, double x) { return b.le < x; });
  if (it != buckets_.end() && it->le == le) return;
  // Counts are cumulative: at least the lower bucket's, at most the higher's.
  if (it != buckets_.begin() && count < (it - 1)->count) {
    error_ = invalid("count is not cumulative: " + format_float(count) + " < " + format_float((it - 1)->count));
    return;
  }
  if (it != buckets_.end() && count > it->count) {
    error_ = invalid("count is not cumulative: " + format_float(count) + " > " + format_float(it->count));
    return;
  }
  buckets_.insert(it, {le, count});
}

void ClassicHistogram::set_count(double count) {
  if (!error_) return;
  if (count < 0) {
    error_ = invalid("count must be non-negative: count=" + format_float(count));
    return;
  }
  count_ = count;
  has_count_ = true;
}

Result<FloatHistogram> ClassicHistogram::to_native() const {
  if (!error_) return error_.error();
  std::vector<Bucket> buckets = buckets_;
  const double count = has_count_ || buckets.empty() ? count_ : buckets.back().count;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (buckets.empty() || buckets.back().le != kInf) buckets.push_back({kInf, count});
  if (count != buckets.back().count) {
    return invalid("count mismatch: count=" + format_float(count) + " != le=" + format_float(buckets.back().le) +
                   " count=" + format_float(buckets.back().count));
  }
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.count = count;
  h.sum = sum_;
  h.positive_spans = {{0, static_cast<uint32_t>(buckets.size())}};
  double previous = 0;
  for (const Bucket& b : buckets) {
    h.positive_buckets.push_back(b.count - previous);
    previous = b.count;
    if (b.le != kInf) h.custom_values.push_back(b.le);
  }
  h.compact(0);
  return h;
}

}  // namespace cogwatch
