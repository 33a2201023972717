// Inhibition, as Alertmanager 0.25's inhibit.Inhibitor: an alert matching
// a rule's target matchers is muted while an alert matching its source
// matchers fires with the same values of the rule's `equal` labels (a
// missing label equals a missing one). An alert that matches both sides
// of a rule never inhibits itself through that rule.
//
//   Inhibitor inhibitor(config.inhibit_rules);
//   inhibitor.observe(alert);                    // every alert the notifier receives
//   if (auto by = inhibitor.inhibited_by(labels, now)) ...  // the source's fingerprint
//
// Thread-safety: used from one thread (the notifier's lock guards it).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "notify/alert.h"
#include "notify/config.h"

namespace cogwatch::notify {

class Inhibitor {
 public:
  explicit Inhibitor(const std::vector<InhibitRuleConfig>& rules);

  // Keeps the latest version of alerts that match a rule's source side.
  void observe(const Alert& alert);

  // The fingerprint of an alert inhibiting these labels at `now`, if any.
  std::optional<uint64_t> inhibited_by(const Labels& labels, Timestamp now) const;

  // Forgets source alerts resolved before `now`.
  void gc(Timestamp now);

 private:
  struct Rule {
    InhibitRuleConfig config;
    std::unordered_map<uint64_t, Alert> sources;  // by fingerprint
  };
  std::vector<Rule> rules_;
};

}  // namespace cogwatch::notify
