// Reading a whole file and expanding path globs: the one place that does
// each, so every caller reports an unreadable file the same way.
#pragma once

#include <string>
#include <vector>

#include "model/error.h"

namespace cogwatch {

// The file's bytes. Errors: kNotFound, "<path>: cannot read file";
// kInvalidArgument, "<path>: is a directory".
Result<std::string> read_file(const std::string& path);

// The paths a glob pattern matches, sorted (none is not an error); a
// relative pattern is taken relative to base_dir when that is not empty.
// Errors: kInvalidArgument, "cannot expand \"<pattern>\"".
Result<std::vector<std::string>> expand_glob(const std::string& pattern, const std::string& base_dir);

}  // namespace cogwatch
