// The checksum of the on-disk formats: CRC-32 (IEEE), as zlib computes it.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cogwatch::tsdb::internal {

uint32_t crc32_of(const uint8_t* data, size_t size);

}  // namespace cogwatch::tsdb::internal
