// The real Alertmanager (Debian's prometheus-alertmanager 0.25) as a child
// process of a test: on 127.0.0.1 at a free port, with the test's
// alertmanager.yml, its own data directory, clustering off, its log in a
// file that error messages quote.
//
//   auto am = AlertmanagerProcess::start({.config_yaml = yaml});
//   ASSERT_TRUE(am.ok()) << am.error().message;  // says why, with the log
//   http_request("POST", (*am)->url("/api/v2/alerts"), alerts_json);
//   ASSERT_TRUE((*am)->restart().ok());          // same port, same data
//   // the destructor stops it (SIGTERM, then SIGKILL)
//
// The temporary directory (config, data, log) is removed by the destructor
// unless the running gtest test has failed, in which case its path is
// printed and it stays for a look.
//
// Thread-safety: one thread drives an instance; log() may be called from any.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "tests/notify/peer/process.h"

namespace cogwatch::notify::peer {

inline constexpr std::string_view kAlertmanagerBinary = "/usr/bin/prometheus-alertmanager";
inline constexpr std::string_view kAmtoolBinary = "/usr/bin/amtool";

struct AlertmanagerOptions {
  std::string config_yaml;  // the alertmanager.yml text
  std::string binary = std::string(kAlertmanagerBinary);
  // --web.external-url: the "externalURL" of every webhook body. Routes stay
  // at "/" (--web.route-prefix=/) whatever its path.
  std::string external_url = "http://am.example:9093/am";
  std::string log_level = "debug";  // --log.level
  std::vector<std::string> extra_args;
  // How long to wait for /-/ready after each start.
  std::chrono::milliseconds ready_timeout{15000};
};

class AlertmanagerProcess {
 public:
  // Writes the config, starts Alertmanager and waits until /-/ready answers
  // 200. Errors (the message ends with Alertmanager's log):
  //   kNotFound — the binary is missing (scripts/setup-deps.sh installs it);
  //   kUnavailable — it exited (a bad config, a port taken three times over)
  //     or did not get ready within ready_timeout.
  static Result<std::unique_ptr<AlertmanagerProcess>> start(AlertmanagerOptions options);
  ~AlertmanagerProcess();
  AlertmanagerProcess(const AlertmanagerProcess&) = delete;
  AlertmanagerProcess& operator=(const AlertmanagerProcess&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path: the API, for http_request and amtool.
  std::string url(std::string_view path = "") const;
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  const std::string& data_dir() const { return data_dir_; }

  // SIGTERM by PID, up to 10 s to exit (Alertmanager snapshots its
  // notification log and silences on the way out), then SIGKILL. Returns
  // the exit code; 0 when it was not running.
  int stop();
  // stop(), then start again on the same port, config and data directory,
  // and wait for /-/ready. Errors: as start().
  Status restart();
  // Rewrites the config and POSTs /-/reload. Errors: kInvalidArgument with
  // Alertmanager's answer when it refuses the config (which then stays
  // the one in use, for restart() too).
  Status reload(std::string config_yaml);

  // The value of one series of its /metrics, named as the text format
  // prints it ("alertmanager_alerts{state=\"active\"}"). Errors:
  // kNotFound when /metrics has no such series, the client's otherwise.
  Result<double> metric(std::string_view series) const;
  // Polls metric(series) until it is at least `min` or `timeout` passed;
  // returns whether it got there. For what no API shows, e.g. that a
  // webhook's answer has been taken in (a notification is written to the
  // notification log right after
  // alertmanager_notification_latency_seconds_count{integration="webhook"}
  // counts it).
  bool wait_for_metric(std::string_view series, double min, std::chrono::milliseconds timeout) const;

  // Everything it logged since the first start.
  std::string log() const;

 private:
  explicit AlertmanagerProcess(AlertmanagerOptions options) : options_(std::move(options)) {}
  Status launch();                        // spawn on port_ and wait for ready
  Error failure(std::string what) const;  // kUnavailable, with the log

  AlertmanagerOptions options_;
  std::string dir_;  // temporary: alertmanager.yml, data/, alertmanager.log
  std::string config_path_;
  std::string data_dir_;
  std::string log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = 0;
  int starts_ = 0;
};

// Runs /usr/bin/amtool with `args` (e.g. {"--alertmanager.url=" + am.url(),
// "silence", "query"}), HOME pointing at an empty directory so no user
// config is read, and kills it after `timeout`. Errors: kNotFound when
// amtool is missing, kUnavailable when it cannot be started.
Result<CommandResult> run_amtool(const std::vector<std::string>& args,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace cogwatch::notify::peer
