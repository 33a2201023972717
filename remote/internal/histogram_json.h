// A native histogram as the Prometheus HTTP API writes it
// (jsonutil.MarshalHistogram, eval/value_json.h's append_histogram_json),
// read back into a FloatHistogram: what rules over a remote data source
// get for a histogram result.
//
//   {"count":"4","sum":"10.5","buckets":[[3,"-0.001","0.001","1"],[0,"1","2","3"]]}
//
// Each bucket is [boundaries, lower, upper, count]; boundaries says which
// ends are inclusive (0 upper, 1 lower, 2 neither, 3 both); empty buckets
// are not written, and neither are the schema, spans or counter-reset hint.
// They are inferred:
//   - a bucket [-t, t] with both ends inclusive is the zero bucket
//     (threshold t); without one (it was empty), the innermost bound is
//     tried as its edge when the buckets fit no schema otherwise;
//   - when every other bucket lies on one exponential schema's grid
//     (positive buckets (lower, upper], negative ones [lower, upper); a
//     bucket cut at the zero bucket's edge fits any schema whose bucket
//     reaches into it), that schema, the finest that fits, and each
//     bucket's index on it (schema 0 when there are no buckets);
//   - otherwise custom buckets (schema -53): the bounds are every finite
//     bound the buckets name, each bucket the one ending at its upper
//     bound (+Inf: the last).
// So the histogram printed again is the same text; one whose buckets fit
// both readings (custom bounds that happen to be powers of two) is read
// as exponential. The counter-reset hint is unknown.
//
// Thread-safety: a pure function.
#pragma once

#include <boost/json/value.hpp>

#include "model/error.h"
#include "model/histogram.h"

namespace cogwatch::remote::internal {

// Errors: kInvalidArgument, "a histogram is not ...: <what>" naming the
// field that is wrong (not an object, a count that is not a number, a
// bucket that is not [n, "lower", "upper", "count"], buckets that overlap).
Result<FloatHistogram> read_histogram_json(const boost::json::value& v);

}  // namespace cogwatch::remote::internal
