// The types a PromQL expression can have.
#pragma once

#include <cstdint>

namespace cogwatch::parser {

enum class ValueType : uint8_t { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string", as Prometheus says.
const char* value_type_name(ValueType t);

}  // namespace cogwatch::parser
