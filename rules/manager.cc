#include "rules/manager.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/file.h"
#include "rules/rule_file.h"
#include "template/template.h"

namespace cogwatch::rules {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace

RuleManager::RuleManager(const tsdb::Querier& querier, tsdb::AppenderFactory& store, RuleManagerOptions options)
    : querier_(querier), store_(store), options_(std::move(options)) {
  if (options_.notify) {
    // External labels go on outgoing alerts, where the alert lacks them.
    // Called from run_due() with mu_ held, so the defaults cannot change
    // under it.
    options_.notify = [this, notify = std::move(options_.notify)](const std::string& expr,
                                                                   const std::vector<Alert>& alerts) {
      const Labels& external = options_.defaults.external_labels;
      if (external.empty()) return notify(expr, alerts);
      std::vector<Alert> labelled = alerts;
      for (Alert& a : labelled) {
        LabelsBuilder b(a.labels);
        for (const Label l : external) {
          if (b.get(l.name).empty()) b.set(l.name, l.value);
        }
        a.labels = b.build();
      }
      notify(expr, labelled);
    };
  }
}

Status RuleManager::load(const std::vector<std::string>& patterns, const std::string& base_dir, Timestamp now) {
  // Everything is parsed before anything changes.
  std::vector<std::string> paths;
  std::vector<std::string> errors;
  for (const std::string& pattern : patterns) {
    auto matched = expand_glob(pattern, base_dir);
    if (!matched) {
      errors.push_back(matched.error().message);
      continue;
    }
    for (std::string& p : *matched) {
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(std::move(p));
    }
  }
  std::vector<RuleFile> files;
  for (const std::string& path : paths) {
    files.push_back(load_rule_file(path, {.check_template = tmpl::check_alert_template}));
  }
  if (!errors.empty()) {
    for (const RuleFile& f : files) errors.insert(errors.end(), f.errors.begin(), f.errors.end());
    return make_error(ErrorCode::kInvalidArgument, join_lines(errors));
  }
  return load(std::move(files), now);
}

void RuleManager::set_defaults(GroupOptions defaults) {
  std::lock_guard lock(mu_);
  options_.defaults = std::move(defaults);
}

Status RuleManager::load(std::vector<RuleFile> files, Timestamp now) {
  std::vector<std::string> errors;
  std::vector<std::string> paths;
  for (const RuleFile& f : files) {
    errors.insert(errors.end(), f.errors.begin(), f.errors.end());
    paths.push_back(f.path);
  }
  if (!errors.empty()) return make_error(ErrorCode::kInvalidArgument, join_lines(errors));

  GroupOptions defaults;
  {
    std::lock_guard lock(mu_);
    defaults = options_.defaults;
  }
  defaults.record_keep_firing = options_.restore_for_state;
  std::vector<ScheduledGroup> fresh;
  for (const RuleFile& f : files) {
    for (const GroupSpec& spec : f.groups) {
      const GroupOptions& o = defaults;
      ScheduledGroup g{std::make_unique<Group>(spec, f.path, o), 0};
      g.next = g.group->eval_timestamp(now) + g.group->interval();
      if (options_.restore_for_state && !loaded_) g.group->begin_restore();
      fresh.push_back(std::move(g));
    }
  }

  std::lock_guard lock(mu_);
  for (ScheduledGroup& g : fresh) {
    auto old = std::find_if(groups_.begin(), groups_.end(), [&](const ScheduledGroup& o) {
      return o.group && o.group->file() == g.group->file() && o.group->name() == g.group->name();
    });
    if (old == groups_.end()) continue;
    g.group->copy_state_from(*old->group);
    if (old->group->interval() == g.group->interval()) g.next = old->next;
    // What the old group's rules wrote and the new ones no longer write ends now.
    old->group->mark_all_stale(now, store_);
    old->group.reset();
  }
  for (ScheduledGroup& old : groups_) {
    if (old.group) old.group->mark_all_stale(now, store_);  // the group is gone
  }
  groups_ = std::move(fresh);
  files_ = std::move(paths);
  loaded_ = true;
  return {};
}

Timestamp RuleManager::run_due(Timestamp now) {
  std::lock_guard lock(mu_);
  Timestamp earliest = kMaxTimestamp;
  for (ScheduledGroup& g : groups_) {
    if (g.next <= now) {
      const Duration interval = g.group->interval();
      const int64_t skipped = (now - g.next) / interval;
      if (skipped > 0) g.group->add_missed(static_cast<uint64_t>(skipped));
      const Timestamp slot = g.next + skipped * interval;
      g.group->eval(slot, querier_, store_, options_.notify);
      g.next = slot + interval;
    }
    earliest = std::min(earliest, g.next);
  }
  return earliest;
}

std::vector<GroupStatus> RuleManager::groups() const {
  std::lock_guard lock(mu_);
  std::vector<GroupStatus> out;
  for (const ScheduledGroup& sg : groups_) {
    const Group& g = *sg.group;
    GroupStatus s{g.name(), g.file(), g.interval(), g.limit(), g.query_offset(), g.stats(), sg.next, {}};
    for (const GroupRule& r : g.rules()) {
      GroupStatus::Rule rule;
      rule.name = r.name();
      rule.alerting = r.is_alerting();
      rule.status = r.status;
      if (const auto* a = std::get_if<AlertingRule>(&r.rule)) {
        rule.expr = a->expr_text();
        rule.labels = a->labels();
        rule.annotations = a->annotations();
        rule.for_duration = a->hold_duration();
        rule.keep_firing_for = a->keep_firing_for();
        for (const auto& [labels, alert] : a->active_alerts()) rule.alerts.push_back(alert);
      } else {
        const auto& rec = std::get<RecordingRule>(r.rule);
        rule.expr = rec.expr_text();
        rule.labels = rec.labels();
      }
      s.rules.push_back(std::move(rule));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Alert> RuleManager::alerts() const {
  // Straight from the rules: groups() would copy every rule's status first.
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (const ScheduledGroup& sg : groups_) {
    for (const GroupRule& r : sg.group->rules()) {
      const auto* a = std::get_if<AlertingRule>(&r.rule);
      if (a == nullptr) continue;
      for (const auto& [labels, alert] : a->active_alerts()) {
        if (alert.state != AlertState::kInactive) out.push_back(alert);
      }
    }
  }
  return out;
}

std::vector<std::string> RuleManager::files() const {
  std::lock_guard lock(mu_);
  return files_;
}

}  // namespace cogwatch::rules
