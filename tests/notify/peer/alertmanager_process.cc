#include "tests/notify/peer/alertmanager_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/notify/peer/http_client.h"

namespace cogwatch::notify::peer {
namespace {

using namespace std::chrono_literals;

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return make_error(ErrorCode::kUnavailable, "cannot write " + path);
  return {};
}

}  // namespace

Result<std::unique_ptr<AlertmanagerProcess>> AlertmanagerProcess::start(AlertmanagerOptions options) {
  std::unique_ptr<AlertmanagerProcess> am(new AlertmanagerProcess(std::move(options)));
  Result<std::string> dir = make_temp_dir("alertmanager");
  if (!dir) return dir.take_error();
  am->dir_ = *dir;
  am->config_path_ = am->dir_ + "/alertmanager.yml";
  am->data_dir_ = am->dir_ + "/data";
  am->log_path_ = am->dir_ + "/alertmanager.log";
  if (Status s = write_text(am->config_path_, am->options_.config_yaml); !s) return s.take_error();
  auto port = start_on_free_port(
      [&](uint16_t free_port) {
        am->port_ = free_port;
        return am->launch();
      },
      [&] { return am->log(); });
  if (!port) return port.take_error();
  return am;
}

AlertmanagerProcess::~AlertmanagerProcess() {
  stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "Alertmanager's files (config, data, log) kept in " << dir_ << "\n";
  } else if (!dir_.empty()) {
    remove_tree(dir_);
  }
}

std::string AlertmanagerProcess::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

Status AlertmanagerProcess::launch() {
  std::vector<std::string> argv = {
      options_.binary,
      "--config.file=" + config_path_,
      "--storage.path=" + data_dir_,
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      "--web.external-url=" + options_.external_url,
      "--web.route-prefix=/",
      "--cluster.listen-address=",
      "--log.level=" + options_.log_level,
  };
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  ++starts_;
  std::ofstream(log_path_, std::ios::app) << "---- cogwatch test: start " << starts_ << " on port " << port_ << "\n";
  Result<pid_t> pid = spawn_process(argv, {.stdout_path = log_path_, .stderr_path = log_path_, .append = true});
  if (!pid) {
    if (pid.error().code == ErrorCode::kNotFound) {
      return make_error(
          ErrorCode::kNotFound,
          pid.error().message + " (install the Debian package prometheus-alertmanager: scripts/setup-deps.sh)");
    }
    return pid.take_error();
  }
  pid_ = *pid;
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (true) {
    if (std::optional<int> code = wait_process(pid_, 0ms)) {
      pid_ = 0;
      return failure("Alertmanager exited with code " + std::to_string(*code) + " before it was ready");
    }
    Result<HttpReply> ready = http_request("GET", url("/-/ready"), "", "", 1s);
    if (ready && ready->status == 200) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      stop();
      return failure("Alertmanager was not ready within " + std::to_string(options_.ready_timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(20ms);
  }
}

int AlertmanagerProcess::stop() {
  if (pid_ <= 0) return 0;
  const int code = terminate_process(pid_, 10s);
  pid_ = 0;
  return code;
}

Status AlertmanagerProcess::restart() {
  stop();
  return launch();
}

Status AlertmanagerProcess::reload(std::string config_yaml) {
  if (Status s = write_text(config_path_, config_yaml); !s) return s;
  Result<HttpReply> r = http_request("POST", url("/-/reload"), "", "", 10s);
  if (r && r->status == 200) {
    options_.config_yaml = std::move(config_yaml);
    return {};
  }
  // Refused: the file goes back to the config Alertmanager still runs, so
  // a restart() starts what was running.
  (void)write_text(config_path_, options_.config_yaml);
  if (!r) return r.take_error();
  return make_error(ErrorCode::kInvalidArgument,
                    "Alertmanager refused the config (" + std::to_string(r->status) + "): " + r->body);
}

Result<double> AlertmanagerProcess::metric(std::string_view series) const {
  Result<HttpReply> r = http_request("GET", url("/metrics"), "", "", 5s);
  if (!r) return r.take_error();
  const std::string prefix = "\n" + std::string(series) + " ";
  const std::string body = "\n" + r->body;
  const size_t at = body.find(prefix);
  if (r->status != 200 || at == std::string::npos) {
    return make_error(ErrorCode::kNotFound, "no series " + std::string(series) + " in /metrics");
  }
  return std::strtod(body.c_str() + at + prefix.size(), nullptr);
}

bool AlertmanagerProcess::wait_for_metric(std::string_view series, double min,
                                          std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    Result<double> value = metric(series);
    if (value && *value >= min) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::string AlertmanagerProcess::log() const { return read_tail(log_path_); }

Error AlertmanagerProcess::failure(std::string what) const {
  return make_error(ErrorCode::kUnavailable, what + " (" + options_.binary + ", port " + std::to_string(port_) +
                                                 ", config " + config_path_ + "). Its log:\n" + log());
}

Result<CommandResult> run_amtool(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  // An empty HOME: no ~/.config/amtool/config.yml changes what the test asked.
  Result<std::string> home = make_temp_dir("amtool-home");
  if (!home) return home.take_error();
  std::vector<std::string> argv = {std::string(kAmtoolBinary)};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<CommandResult> r = run_command(argv, timeout, {"HOME=" + *home});
  remove_tree(*home);
  return r;
}

}  // namespace cogwatch::notify::peer
