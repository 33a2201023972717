// Values as the Prometheus HTTP API writes them in the "data" field of
// /api/v1/query and /api/v1/query_range:
//
//   {"resultType":"vector","result":[{"metric":{"job":"cog"},"value":[1700000000.123,"1.5"]}]}
//
// Times are seconds with up to three decimals, values strings in Go's
// shortest 'f' form ("+Inf", "NaN"), strings escaped as Go's encoding/json
// does (including <, > and & as \u003c, \u003e, \u0026).
#pragma once

#include <string>
#include <string_view>

#include "eval/value.h"
#include "model/go_json.h"  // append_go_json_string, for the API's other fields

namespace cogwatch::eval {

std::string to_api_json(const Value& v);

// Appends a timestamp as Prometheus's jsonutil.MarshalTimestamp: 1700000000.123.
void append_json_time(std::string& out, Timestamp t);

}  // namespace cogwatch::eval
