// The peers of the API differential tests, started once per test program:
// two simulated Cog predictors (scenarios errors and normal, served by
// net::HttpServer), Debian's Prometheus 2.42 and cogwatch's Daemon (in
// process), both reading the same prometheus.yml and rules.yml, scraping
// the predictors every second and evaluating the rules every second.
//
//   Result<Peers*> p = Peers::get();  // the first call starts and waits
//   ASSERT_TRUE(p) << p.error().message;
//   http_request("GET", (*p)->cogwatch("/api/v1/query?query=up"));
//
// get() returns once both servers have scraped each target several times
// and both show PredictionErrorRate firing for the errors predictor (a
// bounded wait). Everything is stopped when the program ends.
//
// The predictors run 60 times faster than the clock (their counters as of
// start + 60 x elapsed), so the 5% error share of the errors scenario is
// visible in every 5 s rate window and the alert stays firing.
//
// Thread-safety: get() from the test thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/error.h"

namespace cogwatch::server::peer {

class Peers {
 public:
  static Result<Peers*> get();
  // Stops everything (the test program's environment calls it at the end).
  static void stop_all();

  std::string cogwatch(std::string_view path) const;
  std::string prometheus(std::string_view path) const;
  // "127.0.0.1:PORT" of the predictor in scenario errors / normal.
  const std::string& errors_target() const;
  const std::string& normal_target() const;
  // The directory of prometheus.yml and rules.yml.
  const std::string& dir() const;
  // cogwatch's log so far (for failure messages).
  std::string cogwatch_log() const;
  std::string prometheus_log() const;

  struct Impl;
  ~Peers();

 private:
  Peers();
  std::unique_ptr<Impl> impl_;
};

// Go's url.QueryEscape: what url.Values.Encode writes for a key or value.
std::string query_escape(std::string_view s);

}  // namespace cogwatch::server::peer
