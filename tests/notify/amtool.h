// Runs Debian's amtool (Alertmanager 0.25, package prometheus-alertmanager)
// for tests that compare cogwatch with it: locally, on files, with a time
// bound, in a scratch directory that is also its $HOME (so no amtool
// config of the machine's user applies).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cogwatch::notify::testing {

class Amtool {
 public:
  Amtool() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cogwatch-amtool-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~Amtool() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  Amtool(const Amtool&) = delete;
  Amtool& operator=(const Amtool&) = delete;

  // The program's path, or "" when it is not installed.
  static std::string path() {
    for (const char* p : {"/usr/bin/amtool", "/usr/local/bin/amtool"}) {
      if (std::filesystem::exists(p)) return p;
    }
    return "";
  }

  // Writes `text` to a file of the scratch directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = dir_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

  struct Run {
    int exit_code = -1;  // 124: killed by the time bound
    std::string out;     // standard output; standard error is dropped
  };

  // amtool ARGS..., killed after 20 s.
  Run run(const std::vector<std::string>& args) const {
    std::string cmd = "cd " + quote(dir_) + " && HOME=" + quote(dir_) + " timeout -k 5 20 " + quote(path());
    for (const std::string& a : args) cmd += " " + quote(a);
    cmd += " 2>/dev/null";
    Run r;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

 private:
  static std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }

  std::string dir_;
};

}  // namespace cogwatch::notify::testing

// Fails the test when amtool is missing, as the promtool comparisons do.
#define COGWATCH_REQUIRE_AMTOOL()                                                                       \
  do {                                                                                                  \
    if (::cogwatch::notify::testing::Amtool::path().empty()) {                                          \
      FAIL() << "amtool not found: run scripts/setup-deps.sh (Debian package prometheus-alertmanager)"; \
    }                                                                                                   \
  } while (0)
