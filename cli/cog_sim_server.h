// `cogwatch cog-sim`: serves the simulated Cog predictor's /metrics over
// HTTP until interrupted (SIGINT/SIGTERM) or, with a duration, until it
// has run that long. BackgroundCogSim serves one on a thread of its own,
// for the demo and the tests that run a daemon against it.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "cli/cog_sim.h"
#include "model/error.h"
#include "model/time.h"
#include "net/http_message.h"

namespace cogwatch::cli {

struct CogSimServerOptions {
  std::string listen = "127.0.0.1:5000";  // host:port; port 0 picks a free one
  CogSimOptions sim;
  Duration duration = 0;  // 0: until a signal
  bool once = false;      // print one /metrics body to `out` and return, no server
};

// Returns the exit code. Prints the address it serves on to out.
int run_cog_sim(const CogSimServerOptions& options, std::ostream& out, std::ostream& err);

// The answer to a scrape at `now`, in the format the Accept header asks
// for, as client_golang's promhttp chooses (expfmt.Negotiate, OpenMetrics
// not offered): its clauses by falling q (ties keep their order), the
// first that is the delimited protobuf MetricFamily or text/plain wins;
// none, or no header, is the text format 0.0.4. Prometheus asks for
// protobuf first when it scrapes native histograms.
net::HttpResponse metrics_response(const CogSimulator& sim, const net::HttpRequest& request, Timestamp now);

// A simulated predictor answering every path on 127.0.0.1, on its own
// thread, with the body at the time of each request.
//
//   auto sim = BackgroundCogSim::start({.scenario = Scenario::kErrors});
//   if (!sim) ...;
//   scrape (*sim)->address();  // "127.0.0.1:PORT"
//
// Thread-safety: address() and sim() from any thread.
class BackgroundCogSim {
 public:
  // Errors: the server's (no port could be bound).
  static Result<std::unique_ptr<BackgroundCogSim>> start(CogSimOptions options);
  ~BackgroundCogSim();  // stops serving and joins the thread
  BackgroundCogSim(const BackgroundCogSim&) = delete;
  BackgroundCogSim& operator=(const BackgroundCogSim&) = delete;

  std::string address() const;
  const CogSimulator& sim() const;

  struct Impl;

 private:
  explicit BackgroundCogSim(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cogwatch::cli
