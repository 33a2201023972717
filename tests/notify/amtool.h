// Runs Debian's amtool (Alertmanager 0.25, package prometheus-alertmanager)
// for tests that compare cogwatch with it locally, on files: a scratch
// directory for the files, and the peer harness's run_amtool (a time bound,
// an empty $HOME so no amtool config of the machine's user applies).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/notify/peer/alertmanager_process.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::notify::testing {

class Amtool {
 public:
  Amtool() {
    if (auto dir = peer::make_temp_dir("amtool")) dir_ = *dir;
  }
  ~Amtool() {
    if (!dir_.empty()) peer::remove_tree(dir_);
  }
  Amtool(const Amtool&) = delete;
  Amtool& operator=(const Amtool&) = delete;

  // The program's path, or "" when it is not installed.
  static std::string path() {
    const std::string p(peer::kAmtoolBinary);
    return std::filesystem::exists(p) ? p : "";
  }

  // Writes `text` to a file of the scratch directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = dir_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

  struct Run {
    int exit_code = -1;  // -1: it could not run, or was killed at the time bound
    std::string out;     // standard output; standard error is dropped
  };

  // amtool ARGS..., killed after 20 s.
  Run run(const std::vector<std::string>& args) const {
    auto r = peer::run_amtool(args, std::chrono::seconds(20));
    if (!r) return {};
    return {.exit_code = r->exit_code, .out = r->out};
  }

 private:
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
