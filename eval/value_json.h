// Values as the Prometheus HTTP API writes them in the "data" field of
// /api/v1/query and /api/v1/query_range:
//
//   {"resultType":"vector","result":[{"metric":{"job":"cog"},"value":[1700000000.123,"1.5"]}]}
//
// Times are seconds with up to three decimals, values strings in Go's
// shortest 'f' form ("+Inf", "NaN"), strings escaped as Go's encoding/json
// does (including <, > and & as \u003c, \u003e, \u0026). A histogram
// sample is {"metric":...,"histogram":[t,{...}]} in a vector and under
// "histograms" (beside the floats' "values") in a matrix.
#pragma once

#include <string>
#include <string_view>

#include "eval/value.h"
#include "model/go_json.h"  // append_go_json_string, for the API's other fields

namespace cogwatch::eval {

std::string to_api_json(const Value& v);

// Appends a native histogram as Prometheus's jsonutil.MarshalHistogram:
// {"count":"4","sum":"10.5","buckets":[[0,"1","2","3"],...]}, each bucket
// [boundaries, lower, upper, count] with boundaries 0 (upper end
// inclusive), 1 (lower), 2 (neither) or 3 (both); empty buckets left out.
void append_histogram_json(std::string& out, const FloatHistogram& h);

// Appends a timestamp as Prometheus's jsonutil.MarshalTimestamp: 1700000000.123.
void append_json_time(std::string& out, Timestamp t);

}  // namespace cogwatch::eval
