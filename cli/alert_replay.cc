#include "cli/alert_replay.h"

#include <map>
#include <ostream>
#include <set>
#include <string>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "cli/cog_sim.h"
#include "cli/embedded_rules.h"
#include "rules/manager.h"
#include "template/template.h"
#include "scrape/scrape_loop.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

constexpr Timestamp kStart = 1'700'000'000'000;
constexpr Duration kLength = 20 * kMinute;

struct Timeline : AlertTimeline {
  std::map<std::string, std::string> description;
  std::string error;  // the replay could not run: the rules or a scrape failed
};

std::string offset(Timestamp t) { return format_duration(t - kStart); }

Timeline replay(Scenario scenario) {
  tsdb::Head head;
  rules::RuleManager manager(head, head, {.defaults = {.evaluation_interval = 30 * kSecond}});
  std::vector<rules::RuleFile> files;
  files.push_back(rules::parse_rule_file(kCogAlertRules, kCogAlertRulesFile,
                                         {.check_template = tmpl::check_alert_template}));
  Timeline t;
  for (const rules::GroupSpec& g : files.front().groups) {
    for (const rules::RuleSpec& r : g.rules) t.hold[r.name] = r.for_duration;
  }
  if (Status s = manager.load(std::move(files), kStart); !s) {
    t.error = "cannot load the built-in rules: " + s.error().message;
    return t;
  }
  const CogSimulator sim({.scenario = scenario});
  scrape::ScrapeLoopOptions o;
  o.target = Labels{{"__address__", "cog-1:5000"}, {"instance", "cog-1:5000"}, {"job", "cog"}};
  o.interval = 15 * kSecond;
  scrape::ScrapeLoop loop(head, o);
  Timestamp next_rules = kStart;
  for (Timestamp now = kStart; now <= kStart + kLength; now += 15 * kSecond) {
    const std::string body = sim.body(now);
    // Every sample of every body must be stored, or the timeline would be
    // about less data than the simulator served.
    const scrape::ScrapeReport r =
        loop.append(now, 5, std::string_view(body), scrape::ExpositionFormat::kPrometheusText);
    if (!r.up || r.rejected != 0 || r.duplicates != 0) {
      t.error = "the scrape at " + offset(now) +
                " failed: " + (r.up ? std::to_string(r.rejected + r.duplicates) + " samples refused" : r.error);
      return t;
    }
    if (now < next_rules) continue;
    next_rules = manager.run_due(now);
    for (const rules::Alert& a : manager.alerts()) {
      const std::string name(a.labels.get("alertname"));
      t.pending.try_emplace(name, a.active_at);
      if (a.state == rules::AlertState::kFiring) t.firing.try_emplace(name, *a.fired_at);
      t.description[name] = std::string(annotation_value(a.annotations, "description"));
    }
  }
  return t;
}

}  // namespace

std::vector<std::string> timeline_problems(const AlertTimeline& t, const char* expected) {
  std::vector<std::string> problems;
  const bool as_expected =
      expected == nullptr ? t.firing.empty() : t.firing.size() == 1 && t.firing.contains(expected);
  if (!as_expected) problems.push_back(std::string("should fire ") + (expected ? expected : "nothing"));
  for (const auto& [name, fired] : t.firing) {
    const auto pending = t.pending.find(name);
    const auto hold = t.hold.find(name);
    if (pending == t.pending.end() || hold == t.hold.end()) {
      problems.push_back(name + " fired without a rule or without going pending");
      continue;
    }
    if (const Duration held = fired - pending->second; held != hold->second) {
      problems.push_back(name + " fired " + format_duration(held) + " after going pending; its for is " +
                         format_duration(hold->second));
    }
  }
  return problems;
}

int run_alert_replay(std::ostream& out) {
  const std::pair<Scenario, const char*> cases[] = {{Scenario::kNormal, nullptr},
                                                    {Scenario::kErrors, "PredictionErrorRate"},
                                                    {Scenario::kCpu, "HighCpuUsage"},
                                                    {Scenario::kDrift, "DataDriftDetected"}};
  fmt::print(out, "alerts: {} replayed against cog-sim, {} per scenario (scrapes every 15s, rules every 30s)\n",
             kCogAlertRulesFile, format_duration(kLength));
  bool ok = true;
  for (const auto& [scenario, expected] : cases) {
    const Timeline t = replay(scenario);
    if (!t.error.empty()) {
      fmt::print(out, "  scenario {}: {}\n", scenario_name(scenario), t.error);
      return 1;
    }
    if (t.pending.empty()) fmt::print(out, "  scenario {}: no alert\n", scenario_name(scenario));
    for (const auto& [name, since] : t.pending) {
      const auto fired = t.firing.find(name);
      fmt::print(out, "  scenario {}: {} pending at {}{}\n", scenario_name(scenario), name, offset(since),
                 fired != t.firing.end() ? ", firing at " + offset(fired->second) : ", never firing");
      if (!t.description.at(name).empty()) fmt::print(out, "    {}\n", t.description.at(name));
    }
    for (const std::string& problem : timeline_problems(t, expected)) {
      fmt::print(out, "  UNEXPECTED: scenario {}: {}\n", scenario_name(scenario), problem);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

}  // namespace cogwatch::cli
