#include "parser/functions.h"

namespace cogwatch::parser {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType T = ValueType::kString;
constexpr ValueType N = ValueType::kNone;

constexpr FunctionInfo fn(std::string_view name, std::array<ValueType, 5> args, uint8_t n, int8_t variadic,
                          ValueType ret, bool experimental = false, bool native_only = false) {
  return FunctionInfo{name, args, n, variadic, ret, experimental, native_only};
}

// In the order of the Function enum.
constexpr std::array<FunctionInfo, kNumFunctions> kFunctions = {{
    fn("abs", {V}, 1, 0, V),
    fn("absent", {V}, 1, 0, V),
    fn("absent_over_time", {M}, 1, 0, V),
    fn("acos", {V}, 1, 0, V),
    fn("acosh", {V}, 1, 0, V),
    fn("asin", {V}, 1, 0, V),
    fn("asinh", {V}, 1, 0, V),
    fn("atan", {V}, 1, 0, V),
    fn("atanh", {V}, 1, 0, V),
    fn("avg_over_time", {M}, 1, 0, V),
    fn("ceil", {V}, 1, 0, V),
    fn("changes", {M}, 1, 0, V),
    fn("clamp", {V, S, S}, 3, 0, V),
    fn("clamp_max", {V, S}, 2, 0, V),
    fn("clamp_min", {V, S}, 2, 0, V),
    fn("cos", {V}, 1, 0, V),
    fn("cosh", {V}, 1, 0, V),
    fn("count_over_time", {M}, 1, 0, V),
    fn("day_of_month", {V}, 1, 1, V),
    fn("day_of_week", {V}, 1, 1, V),
    fn("day_of_year", {V}, 1, 1, V),
    fn("days_in_month", {V}, 1, 1, V),
    fn("deg", {V}, 1, 0, V),
    fn("delta", {M}, 1, 0, V),
    fn("deriv", {M}, 1, 0, V),
    fn("double_exponential_smoothing", {M, S, S}, 3, 0, V, /*experimental=*/true),
    fn("exp", {V}, 1, 0, V),
    fn("first_over_time", {M}, 1, 0, V, /*experimental=*/true),
    fn("floor", {V}, 1, 0, V),
    fn("histogram_avg", {V}, 1, 0, V, false, /*native_only=*/true),
    fn("histogram_count", {V}, 1, 0, V, false, true),
    fn("histogram_fraction", {S, S, V}, 3, 0, V),
    fn("histogram_quantile", {S, V}, 2, 0, V),
    fn("histogram_stddev", {V}, 1, 0, V, false, true),
    fn("histogram_stdvar", {V}, 1, 0, V, false, true),
    fn("histogram_sum", {V}, 1, 0, V, false, true),
    fn("hour", {V}, 1, 1, V),
    fn("idelta", {M}, 1, 0, V),
    fn("increase", {M}, 1, 0, V),
    fn("irate", {M}, 1, 0, V),
    fn("label_join", {V, T, T, T}, 4, -1, V),
    fn("label_replace", {V, T, T, T, T}, 5, 0, V),
    fn("last_over_time", {M}, 1, 0, V),
    fn("ln", {V}, 1, 0, V),
    fn("log10", {V}, 1, 0, V),
    fn("log2", {V}, 1, 0, V),
    fn("mad_over_time", {M}, 1, 0, V, /*experimental=*/true),
    fn("max_over_time", {M}, 1, 0, V),
    fn("min_over_time", {M}, 1, 0, V),
    fn("minute", {V}, 1, 1, V),
    fn("month", {V}, 1, 1, V),
    fn("pi", {N}, 0, 0, S),
    fn("predict_linear", {M, S}, 2, 0, V),
    fn("present_over_time", {M}, 1, 0, V),
    fn("quantile_over_time", {S, M}, 2, 0, V),
    fn("rad", {V}, 1, 0, V),
    fn("rate", {M}, 1, 0, V),
    fn("resets", {M}, 1, 0, V),
    fn("round", {V, S}, 2, 1, V),
    fn("scalar", {V}, 1, 0, S),
    fn("sgn", {V}, 1, 0, V),
    fn("sin", {V}, 1, 0, V),
    fn("sinh", {V}, 1, 0, V),
    fn("sort", {V}, 1, 0, V),
    fn("sort_by_label", {V, T}, 2, -1, V, /*experimental=*/true),
    fn("sort_by_label_desc", {V, T}, 2, -1, V, /*experimental=*/true),
    fn("sort_desc", {V}, 1, 0, V),
    fn("sqrt", {V}, 1, 0, V),
    fn("stddev_over_time", {M}, 1, 0, V),
    fn("stdvar_over_time", {M}, 1, 0, V),
    fn("sum_over_time", {M}, 1, 0, V),
    fn("tan", {V}, 1, 0, V),
    fn("tanh", {V}, 1, 0, V),
    fn("time", {N}, 0, 0, S),
    fn("timestamp", {V}, 1, 0, V),
    fn("ts_of_first_over_time", {M}, 1, 0, V, /*experimental=*/true),
    fn("ts_of_last_over_time", {M}, 1, 0, V, /*experimental=*/true),
    fn("ts_of_max_over_time", {M}, 1, 0, V, /*experimental=*/true),
    fn("ts_of_min_over_time", {M}, 1, 0, V, /*experimental=*/true),
    fn("vector", {S}, 1, 0, V),
    fn("year", {V}, 1, 1, V),
}};

constexpr bool sorted_by_name() {
  for (size_t i = 1; i < kFunctions.size(); ++i) {
    if (!(kFunctions[i - 1].name < kFunctions[i].name)) return false;
  }
  return true;
}
// find_function() binary-searches; the enum is in name order too.
static_assert(sorted_by_name(), "kFunctions must be sorted by name, in Function order");

}  // namespace

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kNone: return "none";
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "unknown";
}

const FunctionInfo& function_info(Function f) { return kFunctions[static_cast<size_t>(f)]; }

std::optional<Function> find_function(std::string_view name) {
  size_t lo = 0, hi = kFunctions.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kFunctions[mid].name < name) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < kFunctions.size() && kFunctions[lo].name == name) return static_cast<Function>(lo);
  return std::nullopt;
}

}  // namespace cogwatch::parser
