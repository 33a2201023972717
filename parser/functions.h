// The PromQL function table: one enum, one row per function with its
// signature. eval/function_table.cc implements them in the same order; a
// static_assert there keeps the two in step.
//
// Signatures follow Prometheus (promql/parser/functions.go): arg_types are
// the parameter types. With variadic == 0 exactly num_args arguments are
// required; otherwise at least num_args - 1, and at most
// num_args - 1 + variadic (variadic == -1: no upper bound, extra arguments
// having the last type).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "parser/value_type.h"

namespace cogwatch::parser {

enum class Function : uint8_t {
  kAbs, kAbsent, kAbsentOverTime, kAcos, kAcosh, kAsin, kAsinh, kAtan, kAtanh,
  kAvgOverTime, kCeil, kChanges, kClamp, kClampMax, kClampMin, kCos, kCosh,
  kCountOverTime, kDayOfMonth, kDayOfWeek, kDayOfYear, kDaysInMonth, kDeg, kDelta,
  kDeriv, kDoubleExponentialSmoothing, kExp, kFirstOverTime, kFloor, kHistogramAvg, kHistogramCount,
  kHistogramFraction, kHistogramQuantile, kHistogramStddev, kHistogramStdvar, kHistogramSum,
  kHour, kIdelta, kIncrease, kIrate, kLabelJoin, kLabelReplace, kLastOverTime, kLn, kLog10,
  kLog2, kMadOverTime, kMaxOverTime, kMinOverTime, kMinute, kMonth, kPi, kPredictLinear,
  kPresentOverTime, kQuantileOverTime, kRad, kRate, kResets, kRound, kScalar, kSgn, kSin,
  kSinh, kSort, kSortByLabel, kSortByLabelDesc, kSortDesc, kSqrt, kStddevOverTime,
  kStdvarOverTime, kSumOverTime, kTan, kTanh, kTime, kTimestamp, kTsOfFirstOverTime, kTsOfLastOverTime,
  kTsOfMaxOverTime, kTsOfMinOverTime, kVector, kYear,
  kCount_,  // number of functions; not a function
};

struct FunctionInfo {
  std::string_view name;
  std::array<ValueType, 5> arg_types;  // the first num_args are used
  uint8_t num_args;
  int8_t variadic;
  ValueType return_type;
  // Behind a feature flag in Prometheus 3 (--enable-feature=promql-experimental-functions).
  bool experimental;
  // Works on native histograms only, which cogwatch does not store yet; on
  // float series it returns nothing.
  bool native_histograms_only;
};

inline constexpr size_t kNumFunctions = static_cast<size_t>(Function::kCount_);

const FunctionInfo& function_info(Function f);
// Looks a function up by its exact (case-sensitive) name.
std::optional<Function> find_function(std::string_view name);

}  // namespace cogwatch::parser
