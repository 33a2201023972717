#include "model/file.h"

#include <glob.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cogwatch {

Result<std::string> read_file(const std::string& path) {
  // A directory opens as a stream that reads nothing: without this check it
  // would read as an empty file (and `check rules DIR` pass with 0 rules).
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(ErrorCode::kInvalidArgument, path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, path + ": cannot read file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kNotFound, path + ": cannot read file");
  return std::move(buf).str();
}

Result<std::vector<std::string>> expand_glob(const std::string& pattern, const std::string& base_dir) {
  const std::string full = pattern.starts_with("/") || base_dir.empty() ? pattern : base_dir + "/" + pattern;
  glob_t g{};
  const int rc = glob(full.c_str(), 0, nullptr, &g);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    globfree(&g);
    return make_error(ErrorCode::kInvalidArgument, "cannot expand \"" + full + "\"");
  }
  std::vector<std::string> out(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  return out;
}

}  // namespace cogwatch
