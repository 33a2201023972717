// The alerting half of the demo: the built-in Cog alert rules
// (examples/rules/cog_alerts.yml) run against the simulated Cog service in
// each scenario, 20 minutes of fake time each — scraped every 15 s through
// the scrape loop, rules evaluated every 30 s by the rule manager — and
// what the alerts did is printed as a timeline:
//
//   scenario errors: PredictionErrorRate pending at 0m30s, firing at 2m30s
//     error rate above 1% (current: 5%)
//
// Returns 0 when each incident scenario fired its alert and only it, and
// the normal scenario fired nothing.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "model/time.h"

namespace cogwatch::cli {

int run_alert_replay(std::ostream& out);

// What one scenario's alerts did, by alert name.
struct AlertTimeline {
  std::map<std::string, Timestamp> pending;  // first seen pending (its active_at)
  std::map<std::string, Timestamp> firing;   // first seen firing (its fired_at)
  std::map<std::string, Duration> hold;      // its rule's `for`
};

// What is wrong with a timeline, one sentence each (empty when nothing):
// another alert than `expected` fired (nullptr: any alert), or an alert
// fired earlier or later than exactly its `for` after going pending (the
// evaluation interval divides every `for` of the built-in rules).
std::vector<std::string> timeline_problems(const AlertTimeline& t, const char* expected);

}  // namespace cogwatch::cli
