// Debian's VictoriaMetrics (victoria-metrics) as a peer of the tests:
// started on 127.0.0.1 on a free port with its data under a test's
// temporary directory, healthy before start() returns, stopped by PID.
//
//   Victoria vm(dir);
//   ASSERT_TRUE(vm.start()) << notify::peer::read_tail(vm.log());
//   http_request("POST", vm.url("/api/v1/import/prometheus"), body);
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "model/error.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::remote {

class Victoria {
 public:
  // `extra_args` after the defaults: the data directory dir/vm, 127.0.0.1,
  // unlimited retention.
  explicit Victoria(std::string dir, std::vector<std::string> extra_args = {"-search.latencyOffset=0s",
                                                                            "-search.disableCache"})
      : dir_(std::move(dir)), extra_args_(std::move(extra_args)) {}
  ~Victoria() { stop(); }
  Status start(uint16_t port = 0) {
    auto started = notify::peer::start_on_free_port(
        [&](uint16_t p) { return launch(port != 0 ? port : p); }, [&] { return notify::peer::read_tail(log()); });
    return started ? Status{} : Status(started.error());
  }
  void stop() {
    if (pid_ > 0) notify::peer::terminate_process(pid_, std::chrono::seconds(10));
    pid_ = 0;
  }
  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::string log() const { return dir_ + "/victoria.log"; }

 private:
  Status launch(uint16_t port) {
    port_ = port;
    std::vector<std::string> args = {"/usr/bin/victoria-metrics", "-storageDataPath=" + dir_ + "/vm",
                                     "-httpListenAddr=127.0.0.1:" + std::to_string(port), "-retentionPeriod=100y"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    auto pid = notify::peer::spawn_process(args, {.stdout_path = log(), .stderr_path = log(), .append = true});
    if (!pid) return pid.error();
    pid_ = *pid;
    for (int i = 0; i < 200; ++i) {
      if (notify::peer::wait_process(pid_, std::chrono::milliseconds(0))) {
        pid_ = 0;
        return make_error(ErrorCode::kUnavailable, "victoria-metrics exited:\n" + notify::peer::read_tail(log()));
      }
      auto r = notify::peer::http_request("GET", url("/health"), "", "", std::chrono::seconds(1));
      if (r && r->status == 200) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    return make_error(ErrorCode::kUnavailable, "victoria-metrics not healthy in time:\n" + notify::peer::read_tail(log()));
  }

  std::string dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = 0;
  uint16_t port_ = 0;
};

}  // namespace cogwatch::remote
