// `cogwatch demo`: what a newcomer sees first. A simulated Cog predictor
// runs in process and cycles through its scenarios (normal, error burst,
// CPU saturation, input drift, throughput drop); a full `cogwatch run`
// daemon scrapes it with the demo rules (examples/rules/cog_demo.yml: the
// guide's alerts with demo-short windows and `for`, its recording rule and
// other thresholds) and notifies a built-in log receiver, which the demo
// prints readably. Within about two minutes alerts go pending, fire,
// notify and resolve; the Prometheus API is served the whole time.
//
//   [0m45s] cog-sim: scenario errors (5% of predictions fail)
//   [0m55s] PredictionErrorRate pending
//   [1m10s] PredictionErrorRate firing: error rate above 1% (current: 4.9%)
//   [1m15s] notification to "log": FIRING PredictionErrorRate (critical) error rate above 1% (current: 4.9%)
//
// The config and rules it runs are written to a temporary directory (shown
// at start, removed at exit) so they can be read and copied.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "model/time.h"

namespace cogwatch::cli {

struct DemoOptions {
  Duration duration = 0;                        // stop after this long; 0: until Ctrl-C
  std::string listen_address = "127.0.0.1:9095";  // the API's address
  Duration quiet = 20 * kSecond;                // normal time before and between incidents
};

// The demo's cogwatch.yml: scrapes the predictor at sim_address (native
// histograms on, so its latency histogram is stored as one) and, when
// self_port is not 0, cogwatch itself; runs cog_demo.yml.
std::string demo_config_text(const std::string& sim_address, uint16_t self_port);

// Runs the demo; returns the exit code (1 when it cannot start).
int run_demo(const DemoOptions& options, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
