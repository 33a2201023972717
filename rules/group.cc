#include "rules/group.h"

#include <xxhash.h>

#include <optional>

#include "model/clock.h"
#include "tsdb/stale_markers.h"

namespace cogwatch::rules {
namespace {

// Prometheus's labels.Hash of {file=<file>, name=<name>}: XXH64 over
// name 0xff value 0xff for each label in order.
uint64_t group_hash(const std::string& name, const std::string& file) {
  std::string bytes;
  for (const auto& [n, v] : {std::pair<std::string_view, const std::string&>{"file", file}, {"name", name}}) {
    bytes.append(n);
    bytes += '\xff';
    bytes.append(v);
    bytes += '\xff';
  }
  return XXH64(bytes.data(), bytes.size(), 0);
}

// Prometheus's CopyState key: a rule is "the same" across a reload when its
// kind, name and labels are, whatever its expression or `for` became, so
// tuning a threshold does not reset pending alerts.
bool same_rule(const GroupRule& a, const GroupRule& b) {
  if (a.rule.index() != b.rule.index() || a.name() != b.name()) return false;
  return std::visit([](const auto& r) -> const Labels& { return r.labels(); }, a.rule) ==
         std::visit([](const auto& r) -> const Labels& { return r.labels(); }, b.rule);
}

}  // namespace

const std::string& GroupRule::name() const {
  return std::visit([](const auto& r) -> const std::string& { return r.name(); }, rule);
}

Group::Group(const GroupSpec& spec, std::string file, const GroupOptions& options,
             const TemplateCompiler& compile_template)
    : name_(spec.name),
      file_(std::move(file)),
      interval_(spec.interval > 0 ? spec.interval : options.evaluation_interval),
      query_offset_(spec.query_offset.value_or(options.query_offset)),
      limit_(spec.limit),
      options_(options) {
  rules_.reserve(spec.rules.size());
  for (const RuleSpec& r : spec.rules) {
    if (r.kind == RuleKind::kAlerting) {
      rules_.push_back(GroupRule{AlertingRule(r, spec.labels, compile_template), {}, {}});
    } else {
      rules_.push_back(GroupRule{RecordingRule(r, spec.labels), {}, {}});
    }
  }
}

Timestamp Group::eval_timestamp(Timestamp now) const {
  // Prometheus takes the offset in nanoseconds and stores the evaluation
  // time truncated to milliseconds; the millisecond part of the offset
  // gives the same stored timestamps and slots that are exact in ms.
  constexpr uint64_t kNsPerMs = 1'000'000;
  const auto offset =
      static_cast<Timestamp>(group_hash(name_, file_) % (static_cast<uint64_t>(interval_) * kNsPerMs) / kNsPerMs);
  const Timestamp adjusted = now - offset;
  Timestamp base = adjusted - adjusted % interval_;
  if (adjusted % interval_ < 0) base -= interval_;  // floor for times before 1970
  return base + offset;
}

void Group::begin_restore() {
  restore_after_ = 2;
  for (GroupRule& r : rules_) {
    if (auto* alerting = std::get_if<AlertingRule>(&r.rule)) alerting->set_restored(false);
  }
}

void Group::eval(Timestamp ts, const tsdb::Querier& querier, tsdb::AppenderFactory& store, const NotifyFunc& notify) {
  const Stopwatch group_watch;  // durations on the monotonic clock; ts is the evaluation's time
  std::optional<LocalDatasource> local;
  if (!options_.datasource) local.emplace(querier, options_.engine);
  const Datasource& source = options_.datasource ? *options_.datasource : *local;
  const AlertContext context{options_.external_labels, options_.external_url, options_.record_keep_firing};
  const Timestamp sample_time = ts - query_offset_;
  for (GroupRule& r : rules_) {
    const Stopwatch rule_watch;
    Result<eval::Vector> out = std::visit(
        [&](auto& rule) -> Result<eval::Vector> {
          if constexpr (std::is_same_v<std::decay_t<decltype(rule)>, AlertingRule>) {
            return rule.eval(source, ts, query_offset_, limit_, context);
          } else {
            return rule.eval(source, ts, query_offset_, limit_);
          }
        },
        r.rule);
    r.status.last_evaluation = ts;
    r.status.evaluation_time = rule_watch.elapsed();
    if (!out) {
      r.status.health = RuleHealth::kBad;
      r.status.last_error = out.error().message;
      ++stats_.failed_rule_evaluations;
      continue;
    }
    r.status.health = RuleHealth::kOk;
    r.status.last_error.clear();
    if (auto* alerting = std::get_if<AlertingRule>(&r.rule); alerting != nullptr && notify) {
      std::vector<Alert> alerts = alerting->alerts_to_send(ts, options_.resend_delay, interval_);
      if (!alerts.empty()) notify(alerting->expr_text(), alerts);
    }
    this->store(*out, r, sample_time, store);
  }
  if (restore_after_ > 0 && --restore_after_ == 0) {
    for (GroupRule& r : rules_) {
      if (auto* alerting = std::get_if<AlertingRule>(&r.rule)) {
        alerting->restore_state({.source = source,
                                 .ts = ts,
                                 .interval = interval_,
                                 .query_offset = query_offset_,
                                 .outage_tolerance = options_.for_outage_tolerance,
                                 .grace_period = options_.for_grace_period,
                                 .alert_context = context});
      }
    }
  }
  ++stats_.evaluations;
  stats_.last_evaluation = ts;
  stats_.last_duration = group_watch.elapsed();
}

void Group::store(const eval::Vector& samples, GroupRule& rule, Timestamp stale_time, tsdb::AppenderFactory& store) {
  auto app = store.appender();
  std::vector<Labels> written;
  written.reserve(samples.size());
  for (const eval::Sample& s : samples) {
    // A recording rule may produce native histograms.
    const bool stored = s.h ? app->append_float_histogram(s.labels, s.t, *s.h).ok() : app->append(s.labels, s.t, s.v).ok();
    if (!stored) ++stats_.rejected_samples;
    written.push_back(s.labels);
  }
  // Series of the last evaluation that this one did not produce end now.
  tsdb::append_stale_markers(*app, rule.last_series, written, stale_time);
  app->commit();
  rule.last_series = std::move(written);
}

void Group::copy_state_from(Group& old) {
  restore_after_ = old.restore_after_;  // a restore still to come stays due
  std::vector<bool> taken(old.rules_.size(), false);
  for (GroupRule& r : rules_) {
    for (size_t i = 0; i < old.rules_.size(); ++i) {
      GroupRule& o = old.rules_[i];
      if (taken[i] || !same_rule(r, o)) continue;
      taken[i] = true;
      if (auto* alerting = std::get_if<AlertingRule>(&r.rule)) alerting->take_state_from(std::get<AlertingRule>(o.rule));
      r.last_series = std::move(o.last_series);
      o.last_series.clear();
      break;
    }
  }
}

void Group::mark_all_stale(Timestamp ts, tsdb::AppenderFactory& store) {
  auto app = store.appender();
  for (GroupRule& r : rules_) {
    tsdb::append_stale_markers(*app, r.last_series, {}, ts);
    r.last_series.clear();
  }
  app->commit();
}

}  // namespace cogwatch::rules
