// Reading a whole file: the one place that does it, so every caller reports
// an unreadable file the same way.
#pragma once

#include <string>

#include "model/error.h"

namespace cogwatch {

// The file's bytes. Errors: kNotFound, "<path>: cannot read file".
Result<std::string> read_file(const std::string& path);

}  // namespace cogwatch
