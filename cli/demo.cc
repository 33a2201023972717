#include "cli/demo.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "cli/cog_sim_server.h"
#include "cli/daemon.h"
#include "cli/embedded_rules.h"
#include "model/clock.h"

namespace cogwatch::cli {
namespace {

std::string_view scenario_story(Scenario s) {
  switch (s) {
    case Scenario::kNormal: return "normal (0.2% errors, 15% CPU, steady inputs)";
    case Scenario::kErrors: return "errors (5% of predictions fail)";
    case Scenario::kCpu: return "cpu (the predictor uses 3.9 of 4 CPUs)";
    case Scenario::kDrift: return "drift (input entropy 1.9, parameter drift 0.82)";
    case Scenario::kThroughput: return "throughput (inference throughput halves)";
  }
  return "?";
}

}  // namespace

std::string demo_config_text(const std::string& sim_address, uint16_t self_port) {
  std::string c = R"(# cogwatch demo: scrape the simulated Cog predictor every 5s and
# evaluate the demo rules every 5s; notifications go to the demo's printer.
# The predictor's latency is a native histogram (protobuf is asked for
# first); the latency rule and panel read it as they read classic buckets.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: cog
    scrape_native_histograms: true
    static_configs:
      - targets: [')" + sim_address + R"(']
)";
  if (self_port != 0) {
    c += "  - job_name: cogwatch\n    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(self_port) +
         "']\n";
  }
  c += R"(rule_files: [cog_demo.yml]
notify:
  route:
    receiver: log
    group_by: [alertname]
    group_wait: 5s
    group_interval: 10s
    repeat_interval: 1h
  receivers:
    - name: log
      log_configs: [{send_resolved: true}]
)";
  return c;
}

namespace {

// "3m05s" since the demo started.
std::string since(Timestamp start, Timestamp t) {
  const int64_t s = std::max<int64_t>(0, (t - start) / 1000);
  return fmt::format("{}m{:02}s", s / 60, s % 60);
}

std::string port_of(const std::string& address) { return address.substr(address.rfind(':') + 1); }

}  // namespace

int run_demo(const DemoOptions& options, std::ostream& out, std::ostream& err) {
  const Timestamp start = system_clock().now();
  CogSimOptions sim_options;
  sim_options.cycle_start = start;
  // Each incident lasts long enough for its alert's window and `for` in
  // examples/rules/cog_demo.yml (the CPU's 30s rate needs ~25s to cross).
  const std::pair<Scenario, Duration> incidents[] = {{Scenario::kErrors, 40 * kSecond},
                                                     {Scenario::kCpu, kMinute},
                                                     {Scenario::kDrift, 45 * kSecond},
                                                     {Scenario::kThroughput, kMinute}};
  for (const auto& [incident, length] : incidents) {
    sim_options.cycle.push_back({Scenario::kNormal, options.quiet});
    sim_options.cycle.push_back({incident, length});
  }
  auto served = BackgroundCogSim::start(std::move(sim_options));
  if (!served) {
    err << "cogwatch demo: cannot serve the simulated predictor: " << served.error().message << "\n";
    return 1;
  }
  const BackgroundCogSim& sim = **served;

  std::error_code ec;
  const std::string dir =
      (std::filesystem::temp_directory_path(ec) / ("cogwatch-demo-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    err << "cogwatch demo: cannot create " << dir << ": " << ec.message() << "\n";
    return 1;
  }
  const int self_port = std::atoi(port_of(options.listen_address).c_str());
  std::ofstream(dir + "/cogwatch.yml") << demo_config_text(sim.address(), static_cast<uint16_t>(self_port));
  std::ofstream(dir + "/cog_demo.yml") << kCogDemoRules;

  std::mutex out_mu;  // notifications are printed from the daemon's io thread
  auto print = [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    out << "[" << since(start, system_clock().now()) << "] " << line << std::endl;
  };

  DaemonOptions d;
  d.config_file = dir + "/cogwatch.yml";
  d.config_file_given = true;
  d.listen_address = options.listen_address;
  d.enable_lifecycle = true;
  d.log = *Logger::create({.level = "warn"});
  d.print_notification = [&](const notify::Notification& n) {
    for (const notify::Alert& a : n.alerts) {
      const bool resolved = a.resolved_at(n.at);
      std::string line = fmt::format("notification to \"{}\": {} {}", n.receiver, resolved ? "RESOLVED" : "FIRING",
                                     a.labels.get("alertname"));
      if (const auto severity = a.labels.get("severity"); !severity.empty()) line += fmt::format(" ({})", severity);
      if (const auto description = annotation_value(a.annotations, "description"); !description.empty() && !resolved) {
        line += fmt::format(": {}", description);
      }
      print(line);
    }
  };
  Daemon daemon(std::move(d));
  if (Status s = daemon.start(); !s) {
    err << "cogwatch demo: " << s.error().message << "\n";
    if (s.error().code == ErrorCode::kResourceExhausted) err << "  (pick another address with --listen)\n";
    std::filesystem::remove_all(dir, ec);
    return 1;
  }
  const std::string api = "http://" + options.listen_address.substr(0, options.listen_address.rfind(':')) + ":" +
                          std::to_string(daemon.port());
  {
    std::lock_guard lock(out_mu);
    out << "cogwatch demo: a simulated Cog predictor at http://" << sim.address()
        << "/metrics cycles through incidents;\n"
        << "cogwatch scrapes it every 5s and runs the demo rules (" << kCogDemoRulesFile << ").\n"
        << "  web UI: " << api << "/cog   (alerts, rules, targets, query, status)\n"
        << "  Prometheus API: " << api << "   try: curl '" << api << "/api/v1/alerts'\n"
        << "  config and rules: " << dir << "/\n"
        << (options.duration > 0 ? "  stops after " + format_duration(options.duration) : std::string("  Ctrl-C stops"))
        << "\n"
        << std::endl;
  }

  Scenario shown = sim.sim().scenario_at(start);
  print(fmt::format("cog-sim: scenario {}", scenario_story(shown)));
  std::map<std::string, rules::AlertState> states;  // by alertname
  while (true) {
    const bool stop = daemon.wait_for(kSecond);
    const Timestamp now = system_clock().now();
    if (const Scenario s = sim.sim().scenario_at(now); s != shown) {
      shown = s;
      print(fmt::format("cog-sim: scenario {}", scenario_story(s)));
    }
    std::map<std::string, const rules::Alert*> current;
    const std::vector<rules::Alert> alerts = daemon.alerts();
    for (const rules::Alert& a : alerts) current[std::string(a.labels.get("alertname"))] = &a;
    for (const auto& [name, a] : current) {
      auto it = states.find(name);
      if (it != states.end() && it->second == a->state) continue;
      if (a->state == rules::AlertState::kPending) {
        print(fmt::format("{} pending (fires if it holds)", name));
      } else {
        const std::string_view description = annotation_value(a->annotations, "description");
        print(fmt::format("{} firing{}{}", name, description.empty() ? "" : ": ", description));
      }
      states[name] = a->state;
    }
    for (auto it = states.begin(); it != states.end();) {
      if (current.contains(it->first)) {
        ++it;
        continue;
      }
      print(fmt::format("{} {}", it->first, it->second == rules::AlertState::kFiring ? "resolved" : "no longer pending"));
      it = states.erase(it);
    }
    if (stop || (options.duration > 0 && now - start >= options.duration)) break;
  }
  daemon.shutdown();
  std::filesystem::remove_all(dir, ec);
  print("demo stopped");
  return 0;
}

}  // namespace cogwatch::cli
