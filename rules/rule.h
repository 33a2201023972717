// Recording and alerting rules: one evaluation at a time, exactly as
// Prometheus's rules/recording.go and rules/alerting.go evaluate them.
//
//   RecordingRule r(spec, group_labels);
//   Result<eval::Vector> out = r.eval(source, ts, query_offset, limit);  // rules/datasource.h
//   // out: the expression's samples renamed to spec.name, with the rule's
//   // labels; the caller (Group) stores them.
//
//   AlertingRule a(spec, group_labels);
//   Result<eval::Vector> series = a.eval(source, ts, query_offset, limit, ctx);
//   // series: ALERTS and ALERTS_FOR_STATE samples for pending and firing
//   // alerts; a.active_alerts() the state machine's alerts.
//
// The alert state machine (per label set of the expression's result):
//   - a new result series becomes a pending alert, active since ts;
//   - pending turns firing once ts - active_at >= for (at once with for 0);
//   - a series gone from the result: pending alerts are dropped; firing
//     ones turn inactive (resolved at ts) unless keep_firing_for keeps them
//     firing until that long after they first went missing;
//   - resolved alerts are kept 15 minutes (for notifications) and then
//     dropped; a resolved alert whose series comes back starts again as a
//     new pending alert;
//   - value and annotations follow the latest evaluation; active_at does
//     not move while the alert stays active.
// More than `limit` pending+firing alerts (limit > 0) clears every alert
// and fails the evaluation, as Prometheus does. Alert labels and
// annotations are templates, expanded for each alert with its $labels and
// $value (parsed once, when the rule is built; `query` in them runs at the
// evaluation time).
//
// Thread-safety: a rule is evaluated by one thread at a time (its group's);
// active_alerts() is meant for that thread too — RuleManager copies it
// under its lock for other readers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/engine.h"
#include "eval/value.h"
#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "rules/rule_file.h"
#include "template/template.h"
#include "rules/datasource.h"
#include "tsdb/querier.h"

namespace cogwatch::rules {

inline constexpr std::string_view kAlertMetricName = "ALERTS";
inline constexpr std::string_view kAlertForStateMetricName = "ALERTS_FOR_STATE";
// cogwatch's own, beyond Prometheus: while a firing alert is kept firing
// by keep_firing_for, the time (in seconds, with milliseconds) its series went missing, so a
// restart can keep it firing for the rest of that time.
inline constexpr std::string_view kAlertKeepFiringSinceMetricName = "ALERTS_KEEP_FIRING_SINCE";
inline constexpr std::string_view kAlertNameLabel = "alertname";
inline constexpr std::string_view kAlertStateLabel = "alertstate";
// How long a resolved alert is kept to be sent as resolved (Prometheus's
// resolvedRetention).
inline constexpr Duration kResolvedRetention = 15 * kMinute;

enum class RuleHealth : uint8_t { kUnknown, kOk, kBad };
std::string_view health_name(RuleHealth h);  // "unknown", "ok", "err"

// What the last evaluation of a rule did (the API's rule status).
struct RuleStatus {
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  std::optional<Timestamp> last_evaluation;
  Duration evaluation_time = 0;  // ms the last evaluation took (monotonic clock)
};

class RecordingRule {
 public:
  // The rule's labels are group_labels overlaid by the spec's.
  RecordingRule(const RuleSpec& spec, const Labels& group_labels);

  // The samples to store (timestamps: ts - query_offset). Errors: the
  // query's, "vector contains metrics with the same labelset after applying
  // rule labels", "exceeded limit of N with M series".
  Result<eval::Vector> eval(const Datasource& source, Timestamp ts, Duration query_offset, uint64_t limit) const;

  const std::string& name() const { return name_; }
  const parser::Expr& expr() const { return *expr_; }
  const std::string& expr_text() const { return expr_text_; }
  const Labels& labels() const { return labels_; }

 private:
  std::string name_;
  std::string expr_text_;
  std::shared_ptr<const parser::Expr> expr_;
  Labels labels_;
};

enum class AlertState : uint8_t { kInactive, kPending, kFiring };
std::string_view state_name(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  Labels labels;       // the series' labels without __name__, rule labels, alertname
  Annotations annotations;  // expanded; empty values kept, as Prometheus sends them
  double value = 0;    // of the latest evaluation that returned the series
  AlertState state = AlertState::kPending;
  Timestamp active_at = 0;
  std::optional<Timestamp> fired_at;
  std::optional<Timestamp> resolved_at;
  std::optional<Timestamp> last_sent_at;
  std::optional<Timestamp> keep_firing_since;
  Timestamp valid_until = 0;
};

// One label or annotation template of a rule, ready to expand for an
// alert. It never fails: an error becomes the text Prometheus puts in its
// place.
using TemplateExpansion = std::function<std::string(const tmpl::TemplateData& data,
                                                    const tmpl::TemplateContext& context)>;

// Prepares a template once, when the rule is built ("__alert_<name>" names
// it in errors). The default, compile_alert_template, parses it with
// tmpl::AlertTemplate; tests substitute simpler ones.
using TemplateCompiler = std::function<TemplateExpansion(std::string_view name, std::string_view text)>;
TemplateExpansion compile_alert_template(std::string_view name, std::string_view text);

struct AlertContext {
  Labels external_labels;
  std::string external_url;
  // Also write ALERTS_KEEP_FIRING_SINCE for alerts kept firing (the
  // daemon, which restores it after a restart; `test rules` does not, as
  // promtool writes no such series).
  bool record_keep_firing = false;
};

// What restoring an alerting rule's state after a restart reads.
struct RestoreContext {
  const Datasource& source;
  Timestamp ts;                 // the restoring evaluation's time
  Duration interval;            // the group's
  Duration query_offset;        // the group's
  Duration outage_tolerance;    // --rules.alert.for-outage-tolerance
  Duration grace_period;        // --rules.alert.for-grace-period
  const AlertContext& alert_context;
};

class AlertingRule {
 public:
  AlertingRule(const RuleSpec& spec, const Labels& group_labels,
               const TemplateCompiler& compile_template = compile_alert_template);

  // One evaluation at ts: updates the alerts and returns the ALERTS and
  // ALERTS_FOR_STATE samples of the pending and firing ones (timestamps:
  // ts - query_offset). Errors: the query's, "vector contains metrics with
  // the same labelset after applying alert labels", "exceeded limit of N
  // with M alerts".
  Result<eval::Vector> eval(const Datasource& source, Timestamp ts, Duration query_offset, uint64_t limit,
                            const AlertContext& context);

  // The alerts to send now (Prometheus's sendAlerts): firing ones not sent
  // within resend_delay, and resolved ones not sent since they resolved.
  // Marks them sent at ts and valid until ts + 4 * max(resend_delay,
  // interval).
  std::vector<Alert> alerts_to_send(Timestamp ts, Duration resend_delay, Duration interval);

  // Pending, firing and recently resolved alerts, by labels.
  const std::map<Labels, Alert>& active_alerts() const { return active_; }
  // Carries the state of an identical rule over a reload.
  void take_state_from(AlertingRule& old) {
    active_ = std::move(old.active_);
    restored_ = old.restored_;
  }

  // Restoring the `for` state after a restart, as Prometheus's
  // RestoreForState. Until restored, the rule evaluates and keeps its
  // alerts but writes no ALERTS or ALERTS_FOR_STATE samples, so the
  // fresh active times of its first evaluations do not overwrite the
  // stored ones.
  void set_restored(bool restored) { restored_ = restored; }
  bool restored() const { return restored_; }
  // Restores the rule's state from what its evaluations before the restart
  // stored, newest sample within (ts - outage_tolerance, ts], and marks
  // the rule restored. A series whose newest sample is a stale marker, or
  // more than two intervals older than the newest of the rule's series,
  // had ended before the stop and restores nothing:
  //  - `for` (as Prometheus): each active alert's active time comes from
  //    ALERTS_FOR_STATE of the same labels: the time stored, unless the
  //    alert would then fire within grace_period of ts (it fires
  //    grace_period after ts instead) or it had not yet fired (the time it
  //    was down is added, so it waits out the rest of its `for`). Rules
  //    whose `for` is shorter than grace_period are not restored.
  //  - keep_firing_for (beyond Prometheus, which loses it): an alert that
  //    was kept firing (ALERTS_KEEP_FIRING_SINCE) and is not back in the
  //    result comes back firing, with its active time, until
  //    keep_firing_for after its series went missing; one whose time ran
  //    out while the process was down comes back resolved at ts, so its
  //    resolution is still sent. Its value and annotations are those of
  //    the last evaluation that returned its series (the expression is
  //    run again at that time; NaN if it no longer returns the series).
  void restore_state(const RestoreContext& c);

  const std::string& name() const { return name_; }
  const parser::Expr& expr() const { return *expr_; }
  const std::string& expr_text() const { return expr_text_; }
  const Labels& labels() const { return labels_; }
  const Annotations& annotations() const { return annotations_; }
  Duration hold_duration() const { return for_; }
  Duration keep_firing_for() const { return keep_firing_for_; }

 private:
  std::string name_;
  std::string expr_text_;
  std::shared_ptr<const parser::Expr> expr_;
  Duration for_ = 0;
  Duration keep_firing_for_ = 0;
  Labels labels_;
  Annotations annotations_;
  // labels_ and annotations_ as templates, in the same (sorted) order.
  std::vector<TemplateExpansion> label_templates_;
  std::vector<TemplateExpansion> annotation_templates_;
  // The alerts the expression's result asks for at ts, by their final
  // labels: labels and annotations expanded for each series, pending and
  // active since ts. Errors: duplicate label sets.
  Result<std::map<Labels, Alert>> alerts_for(const Datasource& source, const eval::Vector& result, Timestamp ts,
                                             const AlertContext& context) const;
  // The newest ALERTS_FOR_STATE / ALERTS_KEEP_FIRING_SINCE sample of each
  // of the rule's alerts, by labels without __name__ (restore_state reads
  // each once).
  using StateSamples = std::map<Labels, std::pair<Timestamp, double>>;
  void restore_for_state(const RestoreContext& c, const StateSamples& for_state);
  void restore_kept_firing(const RestoreContext& c, const StateSamples& kept, const StateSamples& for_state);

  std::map<Labels, Alert> active_;
  bool restored_ = true;
};

}  // namespace cogwatch::rules
