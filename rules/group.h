// A rule group: its rules evaluated in file order at one timestamp, each
// rule's output stored (and committed) before the next rule runs, so a
// recording rule feeds the alerts after it — as Prometheus's rules/group.go.
//
//   Group g(spec, "rules.yml", options);
//   g.eval(ts, head, head, notify);   // querier, appender factory
//   Timestamp next = g.eval_timestamp(now);  // the schedule's slot
//
// Storage: recording rules write their samples; alerting rules write ALERTS
// and ALERTS_FOR_STATE. A series a rule wrote at its previous evaluation
// and not at this one gets a stale marker, as in Prometheus; a failed
// evaluation writes nothing and marks nothing. Samples the store rejects
// (out of order, duplicates, out of bounds) are counted in GroupStats, not fatal; a stale
// marker it refuses is not (the series was written on by someone else:
// see tsdb/stale_markers.h).
//
// Thread-safety: eval() from one thread at a time; the status accessors
// from the same thread (the manager copies them under its lock).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "rules/datasource.h"
#include "rules/rule.h"
#include "rules/rule_file.h"
#include "tsdb/appender.h"
#include "tsdb/querier.h"

namespace cogwatch::rules {

struct GroupOptions {
  Duration evaluation_interval = kMinute;  // for groups without their own interval
  Duration query_offset = 0;               // for groups without their own query_offset
  Labels external_labels;
  std::string external_url;
  Duration resend_delay = kMinute;  // --rules.alert.resend-delay
  eval::EngineOptions engine;  // for the local store (the querier eval() is given)
  // Restoring alerts' `for` state at start (begin_restore()):
  Duration for_outage_tolerance = kHour;     // --rules.alert.for-outage-tolerance
  Duration for_grace_period = 10 * kMinute;  // --rules.alert.for-grace-period
  // Write ALERTS_KEEP_FIRING_SINCE (AlertContext::record_keep_firing): set
  // by the rule manager when it restores state at start.
  bool record_keep_firing = false;
  // Where the rules' queries go instead of the local store (a
  // Prometheus-API backend, `--rules.datasource.url`); null: the querier
  // eval() is given, through the engine. Outputs are stored locally
  // either way (and leave through remote_write).
  std::shared_ptr<const Datasource> datasource;
};

// Receives, after each alerting rule's evaluation, the alerts to send now
// (the rule's expression text names the rule, as Prometheus's NotifyFunc).
using NotifyFunc = std::function<void(const std::string& expr, const std::vector<Alert>& alerts)>;

// One rule of a group: recording or alerting, with its status and the
// series it wrote last time (for stale markers).
struct GroupRule {
  std::variant<RecordingRule, AlertingRule> rule;
  RuleStatus status;
  std::vector<Labels> last_series;

  const std::string& name() const;
  bool is_alerting() const { return std::holds_alternative<AlertingRule>(rule); }
};

struct GroupStats {
  uint64_t evaluations = 0;
  uint64_t failed_rule_evaluations = 0;
  uint64_t missed_iterations = 0;
  uint64_t rejected_samples = 0;  // out of order, duplicate or out of bounds in the store
  std::optional<Timestamp> last_evaluation;
  Duration last_duration = 0;  // ms the last evaluation took (monotonic clock)
};

class Group {
 public:
  Group(const GroupSpec& spec, std::string file, const GroupOptions& options,
        const TemplateCompiler& compile_template = compile_alert_template);

  // Evaluates every rule at ts, over options.datasource or else `querier`,
  // storing their output.
  void eval(Timestamp ts, const tsdb::Querier& querier, tsdb::AppenderFactory& store, const NotifyFunc& notify = {});

  // The latest slot of this group's schedule at or before now: multiples of
  // the interval shifted by a stable offset from hash(name, file), as
  // Prometheus's EvalTimestamp, so groups do not all run at once.
  Timestamp eval_timestamp(Timestamp now) const;

  // After a restart: the alerting rules write no ALERTS samples until,
  // after the group's second evaluation (when recording rules they depend
  // on have values again), their `for` state is restored from
  // ALERTS_FOR_STATE, as Prometheus does at start, and alerts kept firing
  // come back (AlertingRule::restore_state).
  void begin_restore();
  bool restoring() const { return restore_after_ > 0; }

  // Counts iterations skipped because an evaluation overran.
  void add_missed(uint64_t n) { stats_.missed_iterations += n; }

  // Takes alert state and last series from the rules of `old` with the
  // same kind, name and labels (in order, each old rule once), as
  // Prometheus's CopyState on reload. What is left in `old` belongs to
  // rules that are gone: old.mark_all_stale() ends their series.
  void copy_state_from(Group& old);

  // Stale markers for every series the group's rules wrote last (the group
  // left the configuration).
  void mark_all_stale(Timestamp ts, tsdb::AppenderFactory& store);

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  Duration interval() const { return interval_; }
  Duration query_offset() const { return query_offset_; }
  uint64_t limit() const { return limit_; }
  const std::vector<GroupRule>& rules() const { return rules_; }
  std::vector<GroupRule>& rules() { return rules_; }
  const GroupStats& stats() const { return stats_; }

 private:
  void store(const eval::Vector& samples, GroupRule& rule, Timestamp stale_time, tsdb::AppenderFactory& store);

  std::string name_;
  std::string file_;
  Duration interval_;
  Duration query_offset_;
  uint64_t limit_;
  GroupOptions options_;
  std::vector<GroupRule> rules_;
  GroupStats stats_;
  int restore_after_ = 0;  // evaluations left before restoring; 0: none pending
};

}  // namespace cogwatch::rules
