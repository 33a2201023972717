// `cogwatch run` as a process: its signals (SIGHUP reloads, keeping the
// running config when the new one is broken; SIGTERM ends it with exit code
// 0), its log lines, and its flags' usage errors. The in-process daemon
// tests (daemon_test.cc) cover what it does in between.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::cli {
namespace {

using namespace std::chrono_literals;
namespace peer = notify::peer;

class RunProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = peer::make_temp_dir("run-process");
    ASSERT_TRUE(d);
    dir_ = *d;
    log_ = dir_ + "/log";
  }
  void TearDown() override {
    if (pid_ > 0) peer::terminate_process(pid_, 5s);
    peer::remove_tree(dir_);
  }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  std::string log() const { return peer::read_tail(log_, 1 << 20); }

  // Starts cogwatch run on a free port; returns the port from its "ready" line.
  int start(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {COGWATCH_BINARY, "run", "--config.file=" + dir_ + "/cogwatch.yml",
                                     "--web.listen-address=127.0.0.1:0", "--storage.tsdb.path=" + dir_ + "/data"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto pid = peer::spawn_process(argv, {.stdout_path = log_, .stderr_path = log_});
    EXPECT_TRUE(pid);
    if (!pid) return 0;
    pid_ = *pid;
    auto port = peer::wait_for_cogwatch_port(pid_, log_, 5s);
    if (!port) ADD_FAILURE() << port.error().message;
    return port ? *port : 0;
  }

  template <typename Pred>
  bool log_shows(Pred pred) {
    for (int i = 0; i < 100; ++i) {
      if (pred(log())) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string dir_, log_;
  pid_t pid_ = -1;
};

constexpr char kConfig[] = "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n"
                           "    static_configs: [{targets: ['127.0.0.1:1']}]\n";

TEST_F(RunProcessTest, SighupReloadsAllOrNothingAndSigtermExitsZero) {
  write("cogwatch.yml", kConfig);
  const int port = start();
  ASSERT_GT(port, 0);
  EXPECT_NE(log().find("level=info component=main msg=\"Loaded configuration file\""), std::string::npos) << log();

  write("cogwatch.yml", "scrape_configs:\n  - job_name: a\n    scrape_interval: 5x\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(log_shows([](const std::string& l) { return l.find("Error reloading config") != std::string::npos; }))
      << log();
  EXPECT_NE(log().find("cogwatch.yml:3:22"), std::string::npos) << log();
  auto targets = peer::http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/targets");
  ASSERT_TRUE(targets);  // still serving, with the old config's target
  EXPECT_NE(targets->body.find(R"("job":"self")"), std::string::npos) << targets->body;

  write("cogwatch.yml", kConfig);
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(log_shows([](const std::string& l) { return l.find("Completed loading") != std::string::npos; }))
      << log();

  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  const auto code = peer::wait_process(pid_, 5s);
  pid_ = -1;
  ASSERT_TRUE(code.has_value()) << "still running 5s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_NE(log().find("Received SIGTERM, exiting gracefully..."), std::string::npos) << log();
  EXPECT_NE(log().find("See you next time!"), std::string::npos) << log();
}

TEST_F(RunProcessTest, JsonLogsAndQuitThroughTheLifecycleApi) {
  write("cogwatch.yml", kConfig);
  const int port = start({"--log.format=json", "--web.enable-lifecycle"});
  ASSERT_GT(port, 0);
  EXPECT_NE(log().find(R"({"ts":")"), std::string::npos) << log();
  EXPECT_NE(log().find(R"("level":"info","component":"web","msg":"Server is ready to receive web requests.")"),
            std::string::npos)
      << log();
  auto quit = peer::http_request("POST", "http://127.0.0.1:" + std::to_string(port) + "/-/quit");
  ASSERT_TRUE(quit);
  EXPECT_EQ(quit->status, 200);
  const auto code = peer::wait_process(pid_, 5s);
  pid_ = -1;
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST_F(RunProcessTest, PortInUseFailsWithExitCode1) {
  write("cogwatch.yml", kConfig);
  const int port = start();
  ASSERT_GT(port, 0);
  auto second = peer::run_command({COGWATCH_BINARY, "run", "--config.file=" + dir_ + "/cogwatch.yml",
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                                  5s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->exit_code, 1);
  EXPECT_NE(second->err.find("Error starting cogwatch"), std::string::npos) << second->err;
}

}  // namespace
}  // namespace cogwatch::cli
