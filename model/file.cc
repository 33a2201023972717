#include "model/file.h"

#include <glob.h>

#include <fstream>
#include <sstream>

namespace cogwatch {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, path + ": cannot read file");
  std::ostringstream buf;
  buf << in.rdbuf();
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
