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

namespace cogwatch::cli {

int run_alert_replay(std::ostream& out);

}  // namespace cogwatch::cli
