#include "tests/server/peer/prometheus_process.h"

#include <unistd.h>

#include <thread>

#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::server::peer {
namespace {

using namespace std::chrono_literals;
using notify::peer::http_request;

}  // namespace

Result<std::unique_ptr<PrometheusProcess>> PrometheusProcess::start(PrometheusOptions options) {
  std::unique_ptr<PrometheusProcess> p(new PrometheusProcess(std::move(options)));
  p->log_path_ = p->options_.work_dir + "/prometheus.log";
  auto port = notify::peer::start_on_free_port(
      [&](uint16_t free_port) {
        p->port_ = free_port;
        return p->launch();
      },
      [&] { return p->log(); });
  if (!port) return port.take_error();
  return p;
}

PrometheusProcess::~PrometheusProcess() { stop(); }

std::string PrometheusProcess::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::string PrometheusProcess::log() const { return notify::peer::read_tail(log_path_); }

Status PrometheusProcess::launch() {
  std::vector<std::string> argv = {
      options_.binary,
      "--config.file=" + options_.config_file,
      "--storage.tsdb.path=" + options_.work_dir + "/data",
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      "--log.level=debug",
  };
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  Result<pid_t> pid = notify::peer::spawn_process(
      argv, {.stdout_path = log_path_, .stderr_path = log_path_, .append = true});
  if (!pid) {
    if (pid.error().code == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound,
                        pid.error().message + " (install the Debian package prometheus: scripts/setup-deps.sh)");
    }
    return pid.take_error();
  }
  pid_ = *pid;
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (true) {
    if (std::optional<int> code = notify::peer::wait_process(pid_, 0ms)) {
      pid_ = 0;
      return make_error(ErrorCode::kUnavailable,
                        "Prometheus exited with code " + std::to_string(*code) + " before it was ready. Its log:\n" + log());
    }
    Result<notify::peer::HttpReply> ready = http_request("GET", url("/-/ready"), "", "", 1s);
    if (ready && ready->status == 200) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      stop();
      return make_error(ErrorCode::kUnavailable, "Prometheus was not ready in time. Its log:\n" + log());
    }
    std::this_thread::sleep_for(50ms);
  }
}

void PrometheusProcess::stop() {
  if (pid_ <= 0) return;
  notify::peer::terminate_process(pid_, 10s);
  pid_ = 0;
}

}  // namespace cogwatch::server::peer
