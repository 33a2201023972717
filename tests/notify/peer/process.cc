#include "tests/notify/peer/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace cogwatch::notify::peer {

namespace {

// A port nobody listens on right now: bind 127.0.0.1:0, read, close.
Result<uint16_t> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, "socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) return make_error(ErrorCode::kUnavailable, "no free port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

}  // namespace

Result<uint16_t> start_on_free_port(const std::function<Status(uint16_t port)>& launch,
                                    const std::function<std::string()>& log) {
  for (int attempt = 1;; ++attempt) {
    Result<uint16_t> port = free_port();
    if (!port) return port.take_error();
    Status s = launch(*port);
    if (s) return *port;
    if (attempt == 3 || log().find("address already in use") == std::string::npos) return s.take_error();
  }
}
namespace {

using namespace std::chrono_literals;

// This process's environment with `extra` entries added or replacing the
// ones of the same name.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    bool replaced = false;
    for (const std::string& x : extra) replaced = replaced || name_of(x) == name_of(entry);
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<pid_t> spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return make_error(ErrorCode::kInvalidArgument, "no program to start");
  if (::access(argv[0].c_str(), X_OK) != 0) {
    return make_error(ErrorCode::kNotFound, argv[0] + ": " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const int mode = O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_addopen(&actions, 1, options.stdout_path.c_str(), mode, 0644);
  if (options.stderr_path == options.stdout_path) {
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, options.stderr_path.c_str(), mode, 0644);
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> env = merged_environment(options.env);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(env);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return make_error(ErrorCode::kUnavailable, "cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

std::optional<int> wait_process(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t got = ::waitpid(pid, &status, WNOHANG);
    if (got == pid) return exit_code_of(status);
    if (got < 0 && errno != EINTR) return -1;  // not our child (already reaped)
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

int terminate_process(pid_t pid, std::chrono::milliseconds grace) {
  ::kill(pid, SIGTERM);
  if (std::optional<int> code = wait_process(pid, grace)) return *code;
  ::kill(pid, SIGKILL);
  return wait_process(pid, 10s).value_or(-1);
}

Result<CommandResult> run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                  const std::vector<std::string>& env) {
  Result<std::string> dir = make_temp_dir("cmd");
  if (!dir) return dir.take_error();
  const std::string out_path = *dir + "/stdout";
  const std::string err_path = *dir + "/stderr";
  Result<pid_t> pid = spawn_process(argv, {.stdout_path = out_path, .stderr_path = err_path, .env = env});
  if (!pid) {
    remove_tree(*dir);
    return pid.take_error();
  }
  CommandResult result;
  if (std::optional<int> code = wait_process(*pid, timeout)) {
    result.exit_code = *code;
  } else {
    result.timed_out = true;
    ::kill(*pid, SIGKILL);
    wait_process(*pid, 10s);
  }
  result.out = read_tail(out_path, 1 << 20);
  result.err = read_tail(err_path, 1 << 20);
  remove_tree(*dir);
  return result;
}

Result<std::string> make_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/cogwatch-" + prefix + "-XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    return make_error(ErrorCode::kUnavailable, "cannot create " + path + ": " + std::strerror(errno));
  }
  return path;
}

void remove_tree(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

std::string read_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > max_bytes) s = "[...]" + s.substr(s.size() - max_bytes);
  return s;
}

Result<int> wait_for_cogwatch_port(pid_t pid, const std::string& log, std::chrono::milliseconds limit) {
  static const std::regex ready(R"(Server is ready to receive web requests\..*?port[=":]+(\d+))");
  for (auto deadline = std::chrono::steady_clock::now() + limit;;) {
    std::smatch m;
    const std::string text = read_tail(log, 1 << 20);
    if (std::regex_search(text, m, ready)) return std::stoi(m[1]);
    if (wait_process(pid, std::chrono::milliseconds(0))) {
      return make_error(ErrorCode::kUnavailable, "cogwatch run exited:\n" + read_tail(log));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return make_error(ErrorCode::kUnavailable, "cogwatch run not ready in time:\n" + read_tail(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

}  // namespace cogwatch::notify::peer
