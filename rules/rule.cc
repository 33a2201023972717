#include "rules/rule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <variant>

#include "model/matcher.h"
#include "model/value.h"
#include "parser/parser.h"

namespace cogwatch::rules {
namespace {

// Group labels first, the rule's own win (Prometheus 3).
Labels merged_labels(const Labels& group_labels, const Labels& rule_labels) {
  LabelsBuilder b(group_labels);
  for (const Label l : rule_labels) b.set(l.name, l.value);
  return b.build();
}

Error duplicate_labelset(const char* after) {
  return make_error(ErrorCode::kInvalidArgument,
                    std::string("vector contains metrics with the same labelset after applying ") + after);
}

}  // namespace

std::string_view health_name(RuleHealth h) {
  switch (h) {
    case RuleHealth::kOk: return "ok";
    case RuleHealth::kBad: return "err";
    case RuleHealth::kUnknown: break;
  }
  return "unknown";
}

std::string_view state_name(AlertState s) {
  switch (s) {
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
    case AlertState::kInactive: break;
  }
  return "inactive";
}

RecordingRule::RecordingRule(const RuleSpec& spec, const Labels& group_labels)
    : name_(spec.name),
      expr_text_(spec.expr_text),
      expr_(spec.expr),
      labels_(merged_labels(group_labels, spec.labels)) {}

Result<eval::Vector> RecordingRule::eval(const Datasource& source, Timestamp ts, Duration query_offset,
                                         uint64_t limit) const {
  auto result = source.query(expr_text_, *expr_, ts - query_offset);
  if (!result) return result.take_error();
  eval::Vector& v = *result;
  std::set<Labels> seen;
  for (eval::Sample& s : v) {
    LabelsBuilder b(s.labels);
    b.set(kMetricNameLabel, name_);
    for (const Label l : labels_) b.set(l.name, l.value);
    s.labels = b.build();
    if (!seen.insert(s.labels).second) return duplicate_labelset("rule labels");
  }
  if (limit > 0 && v.size() > limit) {
    return make_error(ErrorCode::kResourceExhausted,
                      "exceeded limit of " + std::to_string(limit) + " with " + std::to_string(v.size()) + " series");
  }
  return result;
}

TemplateExpansion compile_alert_template(std::string_view name, std::string_view text) {
  return [t = tmpl::AlertTemplate(name, text)](const tmpl::TemplateData& data, const tmpl::TemplateContext& context) {
    return t.expand(data, context);
  };
}

AlertingRule::AlertingRule(const RuleSpec& spec, const Labels& group_labels, const TemplateCompiler& compile_template)
    : name_(spec.name),
      expr_text_(spec.expr_text),
      expr_(spec.expr),
      for_(spec.for_duration),
      keep_firing_for_(spec.keep_firing_for),
      labels_(merged_labels(group_labels, spec.labels)),
      annotations_(spec.annotations) {
  const std::string template_name = "__alert_" + name_;
  for (const Label l : labels_) label_templates_.push_back(compile_template(template_name, l.value));
  for (const auto& [name, text] : annotations_) annotation_templates_.push_back(compile_template(template_name, text));
}

Result<std::map<Labels, Alert>> AlertingRule::alerts_for(const Datasource& source, const eval::Vector& result,
                                                          Timestamp ts, const AlertContext& context) const {
  // The alerts the result asks for, by their final labels.
  std::map<Labels, Alert> current;
  // Templates' `query` and `now` see the evaluation time, as Prometheus's do.
  tmpl::TemplateContext template_context;
  template_context.external_url = context.external_url;
  template_context.eval_time = ts;
  template_context.query = [&source, ts](std::string_view q) -> Result<std::vector<tmpl::TemplateQuerySample>> {
    auto expr = parser::parse_expr(q);
    if (!expr) return make_error(expr.error().code, parser::format_error(q, expr.error()));
    auto v = source.query(q, **expr, ts);
    if (!v) return v.take_error();
    std::vector<tmpl::TemplateQuerySample> out;
    out.reserve(v->size());
    for (eval::Sample& s : *v) out.push_back({std::move(s.labels), s.v, std::move(s.h)});
    return out;
  };
  for (const eval::Sample& s : result) {
    // A histogram's $value is the histogram; the alert's value is then 0,
    // as in Prometheus.
    const tmpl::TemplateData data{s.labels, s.v, context.external_labels, context.external_url, s.h};
    LabelsBuilder lb(s.labels);
    lb.del(kMetricNameLabel);
    size_t i = 0;
    for (const Label l : labels_) lb.set(l.name, label_templates_[i++](data, template_context));
    lb.set(kAlertNameLabel, name_);
    Alert alert;
    alert.annotations.reserve(annotations_.size());
    i = 0;
    for (const auto& [name, text] : annotations_) {
      alert.annotations.emplace_back(name, annotation_templates_[i++](data, template_context));
    }
    alert.labels = lb.build();
    alert.active_at = ts;
    alert.state = AlertState::kPending;
    alert.value = s.v;
    if (!current.emplace(alert.labels, alert).second) return duplicate_labelset("alert labels");
  }
  return current;
}

Result<eval::Vector> AlertingRule::eval(const Datasource& source, Timestamp ts, Duration query_offset,
                                        uint64_t limit, const AlertContext& context) {
  auto result = source.query(expr_text_, *expr_, ts - query_offset);
  if (!result) return result.take_error();
  auto alerts = alerts_for(source, *result, ts, context);
  if (!alerts) return alerts.take_error();
  std::map<Labels, Alert>& current = *alerts;

  // Alerts already active keep their state and active_at; a resolved one
  // starts over.
  for (auto& [labels, alert] : current) {
    auto it = active_.find(labels);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = alert.value;
      it->second.annotations = std::move(alert.annotations);
      continue;
    }
    active_.insert_or_assign(labels, std::move(alert));
  }

  eval::Vector out;
  const Timestamp sample_time = ts - query_offset;
  size_t active_count = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!current.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && keep_firing_for_ > 0) {
        if (!a.keep_firing_since) a.keep_firing_since = ts;
        keep_firing = ts - *a.keep_firing_since < keep_firing_for_;
      }
      // Pending alerts go at once; resolved ones after the retention.
      const bool drop =
          a.state == AlertState::kPending || (a.resolved_at && ts - *a.resolved_at > kResolvedRetention);
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at = ts;
      }
      if (drop) {
        it = active_.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since.reset();
    }
    ++active_count;
    if (a.state == AlertState::kPending && ts - a.active_at >= for_) {
      a.state = AlertState::kFiring;
      a.fired_at = ts;
    }
    ++it;
    if (!restored_) continue;
    out.push_back({LabelsBuilder(a.labels)
                       .set(kMetricNameLabel, kAlertMetricName)
                       .set(kAlertStateLabel, state_name(a.state))
                       .build(),
                   sample_time, 1});
    out.push_back({LabelsBuilder(a.labels).set(kMetricNameLabel, kAlertForStateMetricName).build(), sample_time,
                   static_cast<double>(a.active_at / 1000)});
    if (context.record_keep_firing && a.keep_firing_since) {
      out.push_back({LabelsBuilder(a.labels).set(kMetricNameLabel, kAlertKeepFiringSinceMetricName).build(),
                     // Seconds with the milliseconds (ALERTS_FOR_STATE has whole
                     // seconds, as Prometheus writes it): read back exactly.
                     sample_time, static_cast<double>(*a.keep_firing_since) / 1000});
    }
  }
  if (limit > 0 && active_count > limit) {
    active_.clear();
    return make_error(ErrorCode::kResourceExhausted, "exceeded limit of " + std::to_string(limit) + " with " +
                                                         std::to_string(active_count) + " alerts");
  }
  return out;
}

std::vector<Alert> AlertingRule::alerts_to_send(Timestamp ts, Duration resend_delay, Duration interval) {
  std::vector<Alert> out;
  for (auto& [labels, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    const bool resolved_since_sent = a.resolved_at && (!a.last_sent_at || *a.resolved_at > *a.last_sent_at);
    const bool due = !a.last_sent_at || *a.last_sent_at + resend_delay < ts;
    if (!resolved_since_sent && !due) continue;
    a.last_sent_at = ts;
    // Valid through two missed evaluations or sends.
    a.valid_until = ts + 4 * std::max(resend_delay, interval);
    out.push_back(a);
  }
  return out;
}

namespace {

// The newest sample in [ts - outage_tolerance, ts] of each series named
// `metric` that the rule wrote (its alertname and labels), by the series'
// labels without __name__. Stale markers are kept where the source keeps
// them: a series that ended before the restart says that state was over.
// A source that cannot answer restores nothing (Prometheus logs and goes
// on likewise); the rule's own queries fail on it too.
std::map<Labels, std::pair<Timestamp, double>> newest_state_samples(const RestoreContext& c, std::string_view metric,
                                                                  const std::string& alert_name,
                                                                  const Labels& rule_labels) {
  std::vector<LabelMatcher> matchers = {
      *LabelMatcher::make(MatchType::kEqual, std::string(kMetricNameLabel), std::string(metric)),
      *LabelMatcher::make(MatchType::kEqual, std::string(kAlertNameLabel), alert_name)};
  for (const Label l : rule_labels) {
    matchers.push_back(*LabelMatcher::make(MatchType::kEqual, std::string(l.name), std::string(l.value)));
  }
  auto samples = c.source.newest_samples(matchers, c.ts - c.outage_tolerance, c.ts, c.alert_context.external_labels);
  std::map<Labels, std::pair<Timestamp, double>> newest;
  if (!samples) return newest;
  // Every active alert's series has a sample from each evaluation, the
  // last one just before the stop: a series whose newest sample is older
  // than two intervals before the rule's newest had ended already, stale
  // marker or not (a backend's API does not show them).
  Timestamp latest = kMinTimestamp;
  for (const auto& [labels, sample] : *samples) latest = std::max(latest, sample.first);
  for (auto& [labels, sample] : *samples) {
    if (sample.first < latest - 2 * c.interval) sample.second = stale_nan();
    newest[LabelsBuilder(labels).del(kMetricNameLabel).build()] = sample;
  }
  return newest;
}

}  // namespace

void AlertingRule::restore_state(const RestoreContext& c) {
  restored_ = true;
  // A short `for` would wait out the grace period anyway: nothing to gain.
  const bool restore_for = for_ >= c.grace_period;
  const StateSamples kept = keep_firing_for_ > 0
                                ? newest_state_samples(c, kAlertKeepFiringSinceMetricName, name_, labels_)
                                : StateSamples{};
  if (kept.empty() && (!restore_for || active_.empty())) return;
  const StateSamples for_state = newest_state_samples(c, kAlertForStateMetricName, name_, labels_);
  // Kept-firing alerts first: restore_for_state then gives them, like
  // every active alert, the active time they had.
  if (!kept.empty()) restore_kept_firing(c, kept, for_state);
  if (restore_for) restore_for_state(c, for_state);
}

void AlertingRule::restore_for_state(const RestoreContext& c, const StateSamples& newest) {
  if (active_.empty()) return;
  for (auto& [labels, alert] : active_) {
    auto found = newest.find(labels);
    if (found == newest.end() || is_stale_nan(found->second.second)) continue;  // not active when it went down
    // Both in whole seconds, as Prometheus stores and reads them.
    const Timestamp down_at = found->second.first / 1000 * 1000;
    Timestamp active_at = static_cast<Timestamp>(found->second.second) * 1000;
    const Duration remaining = for_ - (down_at - active_at);
    if (remaining <= 0) {
      // It was firing: the next evaluation fires it again.
    } else if (remaining < c.grace_period) {
      active_at = c.ts + c.grace_period - for_;  // fires grace_period from now
    } else {
      active_at += c.ts - down_at;  // the time it was down does not count
    }
    alert.active_at = active_at;
  }
}

void AlertingRule::restore_kept_firing(const RestoreContext& c, const StateSamples& kept,
                                       const StateSamples& active_since) {
  // The alerts of the last evaluation that returned each series, an
  // interval before it went missing: evaluated once per time, not once
  // per alert (kept alerts usually share the time their target vanished).
  std::map<Timestamp, std::map<Labels, Alert>> seen_at;
  auto alerts_at = [&](Timestamp t) -> const std::map<Labels, Alert>& {
    auto [it, added] = seen_at.try_emplace(t);
    if (added) {
      if (auto result = c.source.query(expr_text_, *expr_, t - c.query_offset)) {
        if (auto then = alerts_for(c.source, *result, t, c.alert_context)) it->second = *std::move(then);
      }
    }
    return it->second;
  };
  for (const auto& [labels, sample] : kept) {
    const double since_seconds = sample.second;
    if (is_stale_nan(since_seconds) || active_.contains(labels)) continue;  // over before the stop, or back
    const Timestamp since = std::llround(since_seconds * 1000);
    Alert alert;
    alert.labels = labels;
    alert.state = AlertState::kFiring;
    alert.keep_firing_since = since;
    auto active = active_since.find(labels);
    alert.active_at = active != active_since.end() && !is_stale_nan(active->second.second)
                          ? static_cast<Timestamp>(active->second.second) * 1000
                          : since;
    alert.fired_at = alert.active_at + for_;  // at the latest
    // The value and annotations of the last evaluation that returned the
    // series: the one an interval before it went missing.
    const Timestamp last_seen = since - c.interval;
    alert.value = std::numeric_limits<double>::quiet_NaN();
    const std::map<Labels, Alert>& then = alerts_at(last_seen);
    if (auto it = then.find(labels); it != then.end()) {
      alert.value = it->second.value;
      alert.annotations = it->second.annotations;
    } else {
      // The series is no longer there to expand them with: the alert's
      // labels and a NaN value stand in.
      const tmpl::TemplateData data{labels, alert.value, c.alert_context.external_labels,
                                    c.alert_context.external_url};
      tmpl::TemplateContext template_context;
      template_context.external_url = c.alert_context.external_url;
      template_context.eval_time = last_seen;
      size_t i = 0;
      for (const auto& [name, text] : annotations_) {
        alert.annotations.emplace_back(name, annotation_templates_[i++](data, template_context));
      }
    }
    if (c.ts - since >= keep_firing_for_) {
      // Its time ran out while the process was down: resolved now, so the
      // resolution is still sent.
      alert.state = AlertState::kInactive;
      alert.resolved_at = c.ts;
    }
    active_.emplace(labels, std::move(alert));
  }
}

}  // namespace cogwatch::rules
