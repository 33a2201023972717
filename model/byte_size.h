// Byte sizes as Prometheus writes them (--storage.tsdb.retention.size,
// body_size_limit): an integer and a unit B, KB, MB, GB, TB, PB or EB, in
// powers of 1024 ("512MB"); "0" alone is zero.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/error.h"

namespace cogwatch {

// kInvalidArgument naming the text for anything else.
Result<uint64_t> parse_byte_size(std::string_view text);

}  // namespace cogwatch
