#include "notify/inhibitor.h"

namespace cogwatch::notify {

Inhibitor::Inhibitor(const std::vector<InhibitRuleConfig>& rules) {
  rules_.reserve(rules.size());
  for (const InhibitRuleConfig& r : rules) rules_.push_back(Rule{r, {}});
}

void Inhibitor::observe(const Alert& alert) {
  for (Rule& r : rules_) {
    if (all_match(r.config.source_matchers, alert.labels)) r.sources[alert.fingerprint()] = alert;
  }
}

std::optional<uint64_t> Inhibitor::inhibited_by(const Labels& labels, Timestamp now) const {
  for (const Rule& r : rules_) {
    if (!all_match(r.config.target_matchers, labels)) continue;
    const bool both_sides = all_match(r.config.source_matchers, labels);
    for (const auto& [fp, source] : r.sources) {
      if (source.resolved_at(now)) continue;
      bool equal = true;
      for (const std::string& name : r.config.equal) {
        if (source.labels.get(name) != labels.get(name)) {
          equal = false;
          break;
        }
      }
      if (!equal) continue;
      if (both_sides && all_match(r.config.target_matchers, source.labels)) continue;
      return fp;
    }
  }
  return std::nullopt;
}

void Inhibitor::gc(Timestamp now) {
  for (Rule& r : rules_) std::erase_if(r.sources, [&](const auto& kv) { return kv.second.resolved_at(now); });
}

}  // namespace cogwatch::notify
