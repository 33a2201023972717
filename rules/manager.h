// RuleManager: the rule files of a running cogwatch — their groups, each on
// its own schedule, reloads that keep alert state, and the status the HTTP
// API serves. Time comes from the caller — the daemon's Clock
// (model/clock.h), the one the scrape manager reads — so tests step it:
//
//   RuleManager rules(head, head, {.defaults = {.evaluation_interval = 30 * kSecond}, .notify = send});
//   if (Status s = rules.load({"rules/*.yml"}, "/etc/cogwatch", clock.now()); !s) log(s.error().message);
//   Timestamp next = rules.run_due(clock.now());  // evaluates the groups whose slot came; the
//                                                 // daemon arms a timer for `next`
//
// Schedule, as Prometheus's: a group's evaluation times are the slots of
// Group::eval_timestamp (interval multiples shifted by a stable per-group
// offset); the first is the first slot after the group was loaded. When
// run_due() comes late, the group is evaluated once, at the latest slot
// that has passed, and the slots skipped are counted as missed.
//
// Reload: load() parses every file first; if any has an error, nothing
// changes and the error lists them all. Otherwise groups with the same file
// and name take over the alert state and the last series of their rules
// (by rule name and labels), keep their schedule when the interval did
// not change, and the series of rules and groups that are gone are marked
// stale.
//
// Notifications: after each alerting rule's evaluation, the alerts due to
// be sent go to `notify`, with the external labels added where the alert
// does not have them (as Prometheus's notifier does).
//
// Thread-safety: load() and run_due() from one thread (the daemon's loop);
// groups() and alerts() may be called from any thread (they copy under a
// lock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/error.h"
#include "rules/group.h"
#include "rules/rule_file.h"
#include "tsdb/appender.h"
#include "tsdb/querier.h"

namespace cogwatch::rules {

struct RuleManagerOptions {
  GroupOptions defaults;  // evaluation_interval, query_offset, external labels and URL, resend delay
  NotifyFunc notify;      // may be empty
  // The groups of the first load() restore their alerts' `for` state from
  // the store (Group::begin_restore), as after a restart. Later loads'
  // new groups start afresh, as Prometheus's. Every group then also
  // writes ALERTS_KEEP_FIRING_SINCE, which the restore reads.
  bool restore_for_state = false;
};

// A copy of one group's state, for the API.
struct GroupStatus {
  std::string name;
  std::string file;
  Duration interval = 0;
  uint64_t limit = 0;
  Duration query_offset = 0;
  GroupStats stats;
  Timestamp next_evaluation = 0;
  struct Rule {
    std::string name;
    bool alerting = false;
    std::string expr;
    Labels labels;
    Annotations annotations;
    Duration for_duration = 0;
    Duration keep_firing_for = 0;
    RuleStatus status;
    std::vector<Alert> alerts;  // pending, firing and resolved-but-kept
  };
  std::vector<Rule> rules;
};

class RuleManager {
 public:
  RuleManager(const tsdb::Querier& querier, tsdb::AppenderFactory& store, RuleManagerOptions options);
  RuleManager(const RuleManager&) = delete;  // options_.notify refers to this
  RuleManager& operator=(const RuleManager&) = delete;

  // Loads the rule files (globs, relative to base_dir), replacing the
  // current groups only if every file is valid. Errors: kInvalidArgument
  // with every file's errors, one per line.
  Status load(const std::vector<std::string>& patterns, const std::string& base_dir, Timestamp now);
  // The same for rule files already read (an embedded default, tests):
  // replaces the groups if no file has errors.
  Status load(std::vector<RuleFile> files, Timestamp now);

  // Options for the groups of later load()s (a reload's new global
  // section: evaluation interval, external labels, ...); the groups
  // loaded already keep theirs until then. The external labels added to
  // notifications change at once.
  void set_defaults(GroupOptions defaults);

  // Evaluates the groups whose next slot is at or before now; returns the
  // earliest next slot of all groups (kMaxTimestamp when there are none).
  Timestamp run_due(Timestamp now);

  std::vector<GroupStatus> groups() const;
  // Every pending and firing alert of every group.
  std::vector<Alert> alerts() const;
  // The files the current groups came from.
  std::vector<std::string> files() const;

 private:
  struct ScheduledGroup {
    std::unique_ptr<Group> group;
    Timestamp next = 0;
  };

  const tsdb::Querier& querier_;
  tsdb::AppenderFactory& store_;
  RuleManagerOptions options_;
  mutable std::mutex mu_;  // guards groups_ against the API's readers
  std::vector<ScheduledGroup> groups_;
  std::vector<std::string> files_;
  bool loaded_ = false;  // a load() succeeded
};

}  // namespace cogwatch::rules
