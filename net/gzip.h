// gzip bodies, as targets and webhook receivers may answer with
// (Content-Encoding: gzip). The HTTP client inflates them; this is the
// inflation, bounded so that a small bomb cannot take the memory.
//
//   Result<std::string> plain = gunzip(body, 10 << 20);
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.h"

namespace cogwatch::net {

// Inflates one gzip stream. Errors: kResourceExhausted as soon as the
// output passes `limit` bytes (0: no limit), "body size limit exceeded:
// more than N bytes decompressed"; kInvalidArgument, "invalid gzip body",
// for input that is not gzip or is truncated.
Result<std::string> gunzip(std::string_view compressed, uint64_t limit);

}  // namespace cogwatch::net
