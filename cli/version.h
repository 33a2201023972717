#pragma once

namespace cogwatch::cli {
inline constexpr const char* kVersion = COGWATCH_VERSION;
}  // namespace cogwatch::cli
