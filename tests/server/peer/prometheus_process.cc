#include "tests/server/peer/prometheus_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::server::peer {
namespace {

using namespace std::chrono_literals;
using notify::peer::http_request;

// A port nobody listens on right now (bind 127.0.0.1:0, read, close).
Result<uint16_t> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, "socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) return make_error(ErrorCode::kUnavailable, "no free port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

}  // namespace

Result<std::unique_ptr<PrometheusProcess>> PrometheusProcess::start(PrometheusOptions options) {
  std::unique_ptr<PrometheusProcess> p(new PrometheusProcess(std::move(options)));
  p->log_path_ = p->options_.work_dir + "/prometheus.log";
  // The port may be taken between free_port() and Prometheus's bind (ctest
  // runs programs in parallel): try another one.
  for (int attempt = 1;; ++attempt) {
    Result<uint16_t> port = free_port();
    if (!port) return port.take_error();
    p->port_ = *port;
    Status s = p->launch();
    if (s) return p;
    if (attempt == 3 || p->log().find("address already in use") == std::string::npos) return s.take_error();
  }
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
