// What the `cogwatch tsdb` tests share: running the program, an
// OpenMetrics sample line, a directory listing that shows any change, and
// a fixture with a temporary directory and an idle `cogwatch run` on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/notify/peer/process.h"

namespace cogwatch::cli::testing {

namespace peer = notify::peer;
using namespace std::chrono_literals;

// 2023-11-15T00:00:00Z: aligned to 2h and to 6h windows.
inline constexpr int64_t kW = 1700006400;
inline constexpr int64_t kWms = kW * 1000;
inline constexpr int64_t k2h = 7'200'000;

inline peer::CommandResult run(const std::vector<std::string>& argv) {
  auto r = peer::run_command(argv, 20s);
  EXPECT_TRUE(r) << argv[0] << ": " << (r ? "" : r.error().message);
  if (!r) return {};
  EXPECT_FALSE(r->timed_out) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "");
  return *r;
}

inline peer::CommandResult cogwatch(std::vector<std::string> args) {
  args.insert(args.begin(), COGWATCH_BINARY);
  return run(args);
}

// `name{labels} value seconds` with the seconds written exactly.
inline std::string line(const std::string& series, const std::string& value, int64_t ms) {
  char ts[64];
  std::snprintf(ts, sizeof ts, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return series + " " + value + " " + ts + "\n";
}

// Every file and directory under `dir` with its size and modification
// time, but notify.state: the daemon's own notification state, which it
// saves while it runs (not storage).
inline std::string listing(const std::string& dir) {
  namespace fs = std::filesystem;
  std::set<std::string> rows;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& p = it->path();
    if (p.filename().string().starts_with("notify.state")) continue;
    const auto mtime = fs::last_write_time(p, ec).time_since_epoch().count();
    const auto size = it->is_regular_file() ? fs::file_size(p, ec) : 0;
    rows.insert(fs::relative(p, dir).string() + " " + std::to_string(size) + " " + std::to_string(mtime));
  }
  std::string out;
  for (const std::string& r : rows) out += r + "\n";
  return out;
}

class TsdbCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = peer::make_temp_dir("tsdb-cli");
    ASSERT_TRUE(d);
    dir_ = *d;
  }
  void TearDown() override {
    if (daemon_ > 0) peer::terminate_process(daemon_, 5s);
    peer::remove_tree(dir_);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  // `cogwatch run` on `data`, idle (no targets, no rules); waits until
  // ready and sets port_.
  void start_daemon(const std::string& data) {
    const std::string config = write("cogwatch.yml", "global: {scrape_interval: 1s}\n");
    const std::string log = dir_ + "/daemon.log";
    auto pid = peer::spawn_process({COGWATCH_BINARY, "run", "--config.file=" + config, "--storage.tsdb.path=" + data,
                                    "--web.listen-address=127.0.0.1:0"},
                                   {.stdout_path = log, .stderr_path = log});
    ASSERT_TRUE(pid);
    daemon_ = *pid;
    auto port = peer::wait_for_cogwatch_port(daemon_, log, 5s);
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
  }
  std::string daemon_log() const { return peer::read_tail(dir_ + "/daemon.log"); }

  std::string dir_;
  pid_t daemon_ = 0;
  int port_ = 0;
};

}  // namespace cogwatch::cli::testing
