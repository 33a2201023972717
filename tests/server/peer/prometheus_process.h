// The real Prometheus (Debian's prometheus 2.42) as a child process of a
// test: on 127.0.0.1 at a free port, with the test's prometheus.yml, its
// own TSDB directory, its log in a file that error messages quote.
//
//   auto prom = PrometheusProcess::start({.config_file = dir + "/prometheus.yml", .work_dir = dir});
//   ASSERT_TRUE(prom.ok()) << prom.error().message;  // says why, with the log
//   http_request("GET", (*prom)->url("/api/v1/query?query=up"));
//   // the destructor stops it (SIGTERM, then SIGKILL)
//
// Thread-safety: one thread drives an instance; url() may be called from any.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace cogwatch::server::peer {

inline constexpr std::string_view kPrometheusBinary = "/usr/bin/prometheus";

struct PrometheusOptions {
  std::string config_file;  // --config.file (rule files are relative to it)
  std::string work_dir;     // holds data/ (--storage.tsdb.path) and prometheus.log; the caller removes it
  std::string binary = std::string(kPrometheusBinary);
  std::vector<std::string> extra_args;
  std::chrono::milliseconds ready_timeout{20000};  // for /-/ready after the start
};

class PrometheusProcess {
 public:
  // Starts Prometheus and waits until /-/ready answers 200. Errors (the
  // message ends with Prometheus's log):
  //   kNotFound — the binary is missing (scripts/setup-deps.sh installs it);
  //   kUnavailable — it exited (a bad config, a port taken three times over)
  //     or was not ready within ready_timeout.
  static Result<std::unique_ptr<PrometheusProcess>> start(PrometheusOptions options);
  ~PrometheusProcess();
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "") const;
  // Everything it logged.
  std::string log() const;

 private:
  explicit PrometheusProcess(PrometheusOptions options) : options_(std::move(options)) {}
  Status launch();
  void stop();

  PrometheusOptions options_;
  std::string log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace cogwatch::server::peer
