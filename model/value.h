// Sample values: the stale marker, and printing floats as Prometheus does.
//
// Prometheus marks the end of a series with a special NaN (the "stale
// marker", bit pattern 0x7ff0000000000002). Only the exact bit pattern is
// stale: a NaN the target exposed, or one computed by PromQL, is an ordinary
// value. Compare bits, never values, since NaN != NaN.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace cogwatch {

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
// The NaN Prometheus uses for an ordinary NaN (value.NormalNaN).
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

inline double stale_nan() { return std::bit_cast<double>(kStaleNaNBits); }
inline double normal_nan() { return std::bit_cast<double>(kNormalNaNBits); }
inline bool is_stale_nan(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

// Formats v as Prometheus prints a sample value in the text exposition
// format, promtool output and templates (Go's strconv.FormatFloat(v, 'g',
// -1, 64)): the shortest decimal that round-trips, in exponent form when
// the decimal exponent is < -4 or >= 6 ("1e+06", "1.234567e+06", "1.5e-05",
// "123456", "0.0001"), and "+Inf", "-Inf", "NaN".
std::string format_float(double v);
// Appends the same text to out; no allocation when out has capacity.
void append_float(std::string& out, double v);

// Go's strconv.FormatFloat(v, 'f', -1, 64): never an exponent ("1000000",
// "0.000015"), and "+Inf", "-Inf", "NaN". The API's scalar results and
// count_values' label values.
std::string format_float_plain(double v);

// Formats v as the Prometheus HTTP API does in JSON sample values and
// histogram fields (util/jsonutil's MarshalFloat): plain as
// format_float_plain, but in exponent form below 1e-6 and from 1e21 in
// magnitude ("1e-07", "1.5e+21").
std::string format_api_float(double v);

}  // namespace cogwatch
