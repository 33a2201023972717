// Child processes for the peer tests: start a program with its output in
// files, wait for it with a bound, end it by its PID, and run a command to
// completion (amtool). posix_spawn, so starting one from a test with
// threads (the recording webhooks) is safe.
//
//   auto pid = spawn_process({"/usr/bin/amtool", "--version"}, {.stdout_path = out, .stderr_path = err});
//   std::optional<int> code = wait_process(*pid, 5s);  // nullopt: still running
//   terminate_process(*pid, 5s);                        // SIGTERM, then SIGKILL
//
// Thread-safety: free functions; a PID belongs to the thread that started it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/error.h"

namespace cogwatch::notify::peer {

struct SpawnOptions {
  std::string stdout_path = "/dev/null";  // created, or truncated unless `append`
  std::string stderr_path = "/dev/null";  // the same path as stdout_path appends both to one file
  // Extra environment entries ("HOME=/tmp/x"), added to (and overriding) this process's.
  std::vector<std::string> env;
  bool append = false;  // add to the output files instead of truncating them
};

// Starts argv[0] (an absolute path) with argv, standard input from /dev/null.
// Errors: kNotFound when the program does not exist, kUnavailable when it
// cannot be started.
Result<pid_t> spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

// Waits up to `timeout` for the process to exit and reaps it. Returns its
// exit code (128 + signal when a signal ended it), or nullopt if it still
// runs. A timeout of zero only checks.
std::optional<int> wait_process(pid_t pid, std::chrono::milliseconds timeout);

// SIGTERM, up to `grace` for it to exit, then SIGKILL; reaps it. Returns
// the exit code, as wait_process.
int terminate_process(pid_t pid, std::chrono::milliseconds grace);

struct CommandResult {
  int exit_code = -1;  // -1 when the command was killed at the timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs a command to completion, killing it after `timeout`. Errors: those
// of spawn_process, and kUnavailable when no temporary file can be made.
Result<CommandResult> run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                  const std::vector<std::string>& env = {});

// Starts a peer server on a free loopback port: picks one (bind
// 127.0.0.1:0, read it, close) and calls `launch(port)`, which starts the
// peer there and waits until it is ready. Another process may take the
// port before the peer binds it (ctest runs programs in parallel): when
// launch fails and `log()` says "address already in use", another port is
// tried, three in all. Returns the port, or launch's (or the socket's) error.
Result<uint16_t> start_on_free_port(const std::function<Status(uint16_t port)>& launch,
                                    const std::function<std::string()>& log);

// A fresh directory under $TMPDIR (or /tmp): "<dir>/cogwatch-<prefix>-XXXXXX".
Result<std::string> make_temp_dir(const std::string& prefix);

// Removes a directory tree; errors are ignored (a test's leftovers).
void remove_tree(const std::string& path);

// The text of a file, "" when it cannot be read; `max_bytes` from its end.
std::string read_tail(const std::string& path, size_t max_bytes = 16 * 1024);

// A `cogwatch run` started with --web.listen-address=...:0: the port from
// the "Server is ready to receive web requests." line of its log (logfmt
// or JSON), looked for every 25 ms for at most `limit`. Errors
// (kUnavailable, with the log's tail): the process exited, or the time ran out.
Result<int> wait_for_cogwatch_port(pid_t pid, const std::string& log, std::chrono::milliseconds limit);

}  // namespace cogwatch::notify::peer
