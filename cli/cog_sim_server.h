// `cogwatch cog-sim`: serves the simulated Cog predictor's /metrics over
// HTTP until interrupted (SIGINT/SIGTERM) or, with a duration, until it
// has run that long.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/cog_sim.h"
#include "model/time.h"

namespace cogwatch::cli {

struct CogSimServerOptions {
  std::string listen = "127.0.0.1:5000";  // host:port; port 0 picks a free one
  CogSimOptions sim;
  Duration duration = 0;  // 0: until a signal
  bool once = false;      // print one /metrics body to `out` and return, no server
};

// Returns the exit code. Prints the address it serves on to out.
int run_cog_sim(const CogSimServerOptions& options, std::ostream& out, std::ostream& err);

}  // namespace cogwatch::cli
