#include "notify/dispatcher.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "notify/inhibitor.h"
#include "notify/route.h"

namespace cogwatch::notify {
namespace {

// Alertmanager's notify.MinTimeout: a flush may retry for its group_interval,
// but never less than this.
constexpr Duration kMinFlushTimeout = 10 * kSecond;

// A notification log entry (nflog): what one webhook of a receiver was last
// told about a group, and when.
struct LogEntry {
  std::set<uint64_t> firing;
  std::set<uint64_t> resolved;
  Timestamp at = 0;
  Timestamp expires = 0;
};

bool is_subset(const std::set<uint64_t>& subset, const std::set<uint64_t>& of) {
  return std::includes(of.begin(), of.end(), subset.begin(), subset.end());
}

// DedupStage.needsUpdate.
bool needs_update(const LogEntry* entry, const std::set<uint64_t>& firing, const std::set<uint64_t>& resolved,
                  bool send_resolved, Duration repeat, Timestamp now) {
  if (entry == nullptr) return !firing.empty();
  if (!is_subset(firing, entry->firing)) return true;
  // All resolved: tell the receiver (whatever send_resolved says, so the
  // log forgets the firing ones) unless it never heard of them.
  if (firing.empty()) return !entry->firing.empty();
  if (send_resolved && !is_subset(resolved, entry->resolved)) return true;
  return entry->at < now - repeat;
}

}  // namespace

struct Group {
  const Route* route = nullptr;
  Labels labels;
  std::string key;  // groupKey
  std::unordered_map<uint64_t, Alert> alerts;
  Timestamp next = 0;
  bool has_flushed = false;
  bool in_flight = false;
};

struct Dispatcher::State {
  std::mutex mu;
  NotifyConfig config;
  std::unique_ptr<Route> root;
  std::unique_ptr<Inhibitor> inhibitor;
  Silences silences;
  const Clock* clock;
  DispatcherOptions options;
  std::unordered_map<uint64_t, Alert> alerts;  // the provider's store, by fingerprint
  std::map<std::pair<const Route*, uint64_t>, std::shared_ptr<Group>> groups;
  std::map<std::pair<std::string, std::string>, LogEntry> log;  // (receiver/webhook/i, groupKey)
  Timestamp next_maintenance = 0;
  Timestamp next_alert_gc = 0;
  DispatcherCounters counters;
  uint64_t changes = 0;  // see Dispatcher::changes()

  State(NotifyConfig c, DispatcherOptions o)
      : config(std::move(c)),
        root(Route::build(config.route)),
        inhibitor(std::make_unique<Inhibitor>(config.inhibit_rules)),
        silences(o.silence_retention),
        clock(o.clock != nullptr ? o.clock : &system_clock()),
        options(std::move(o)) {
    const Timestamp now = clock->now();
    next_maintenance = now + options.maintenance_interval;
    next_alert_gc = now + options.alert_gc_interval;
  }

  // dispatcher.processAlert + aggrGroup.insert.
  void route_alert(const Alert& a, const Route& route, Timestamp now) {
    Labels group_labels = route.group_labels(a.labels);
    auto& slot = groups[{&route, fingerprint(group_labels)}];
    if (!slot) {
      slot = std::make_shared<Group>();
      slot->route = &route;
      slot->key = route.key() + ":" + label_set_string(group_labels);
      slot->labels = std::move(group_labels);
      slot->next = now + route.options().group_wait;
    }
    Group& g = *slot;
    g.alerts[a.fingerprint()] = a;
    if (!g.has_flushed && a.starts_at + route.options().group_wait < now) g.next = std::min(g.next, now);
  }

  // An alert joins inhibition and every group its routes put it in (put,
  // reload and restore all do this).
  void dispatch(const Alert& a, Timestamp now) {
    inhibitor->observe(a);
    for (const Route* r : root->match(a.labels)) route_alert(a, *r, now);
  }

  std::string log_receiver(const std::string& receiver, size_t i) const {
    return receiver + "/webhook/" + std::to_string(i);
  }

  void maintain(Timestamp now) {
    if (now >= next_maintenance) {
      std::erase_if(groups, [](const auto& kv) { return kv.second->alerts.empty() && !kv.second->in_flight; });
      std::erase_if(log, [&](const auto& kv) { return kv.second.expires <= now; });
      silences.gc(now);
      next_maintenance = now + options.maintenance_interval;
      ++changes;
    }
    if (now >= next_alert_gc) {
      std::erase_if(alerts, [&](const auto& kv) { return kv.second.resolved_at(now); });
      inhibitor->gc(now);
      next_alert_gc = now + options.alert_gc_interval;
      ++changes;
    }
  }

  bool muted(const Labels& labels, Timestamp now) const {
    return inhibitor->inhibited_by(labels, now).has_value() || !silences.muting(labels, now).empty();
  }

  AlertView view(const Alert& a, Timestamp now) const {
    AlertView v{.alert = a};
    for (const Route* r : root->match(a.labels)) v.receivers.push_back(r->options().receiver);
    v.silenced_by = silences.muting(a.labels, now);
    if (auto fp = inhibitor->inhibited_by(a.labels, now)) {
      v.inhibited_by.push_back(fingerprint_string(*fp));
    }
    return v;
  }
};

namespace {

// One flush of one group in flight: the alerts it saw, and the webhooks
// still delivering.
struct Flush {
  std::weak_ptr<Dispatcher::State> state;
  std::shared_ptr<Group> group;
  std::vector<Alert> seen;  // every alert of the group, ends hidden where not reached
  size_t pending = 0;
  bool all_delivered = true;
};

}  // namespace

Dispatcher::Dispatcher(NotifyConfig config, Integrations& integrations, DispatcherOptions options)
    : state_(std::make_shared<State>(std::move(config), std::move(options))), integrations_(integrations) {}

Dispatcher::~Dispatcher() = default;

Status Dispatcher::put(const std::vector<PostableAlert>& posted) {
  Status status = put_locked(posted);
  // New groups or an immediate flush may make the next work earlier.
  if (state_->options.wake) state_->options.wake();
  return status;
}

Status Dispatcher::put_locked(const std::vector<PostableAlert>& posted) {
  std::lock_guard lock(state_->mu);
  State& s = *state_;
  const Timestamp now = s.clock->now();
  std::string errors;
  ++s.changes;
  for (const PostableAlert& p : posted) {
    Alert a = accept_posted(p, now, s.config.resolve_timeout);
    // types.Alert.Validate, in its words.
    const char* invalid = a.labels.empty()                 ? "at least one label pair required"
                          : a.ends_at < a.starts_at        ? "start time must be before end time"
                                                           : nullptr;
    if (invalid != nullptr) {
      errors += std::string(errors.empty() ? "" : "; ") + invalid;
      ++s.counters.alerts_invalid;
      continue;
    }
    ++(a.resolved_at(now) ? s.counters.alerts_received_resolved : s.counters.alerts_received_firing);
    auto held = s.alerts.find(a.fingerprint());
    if (held != s.alerts.end() && overlaps(held->second, a)) a = merge(held->second, a);
    s.alerts[a.fingerprint()] = a;
    s.dispatch(a, now);
  }
  if (!errors.empty()) return make_error(ErrorCode::kInvalidArgument, errors);
  return {};
}

namespace {

// One webhook's part of a flush: the notification and the log entry that
// its successful delivery writes.
struct Delivery {
  std::shared_ptr<Flush> flush;
  Notification notification;
  std::pair<std::string, std::string> log_key;
  LogEntry logged;
  Duration repeat = 0;
};

}  // namespace

// Ends a flush whose webhooks all answered (the lock held): resolved
// alerts that were delivered and not updated since leave the group, as
// aggrGroup.flush does.
static void finish_flush(Dispatcher::State& s, Flush& f) {
  const Timestamp now = s.clock->now();
  Group& g = *f.group;
  if (f.all_delivered) {
    for (const Alert& a : f.seen) {
      auto it = g.alerts.find(a.fingerprint());
      if (it != g.alerts.end() && a.resolved_at(now) && it->second.updated_at == a.updated_at) g.alerts.erase(it);
    }
  }
  g.in_flight = false;
}

Timestamp Dispatcher::run_due() {
  std::vector<Delivery> deliveries;
  {
    std::lock_guard lock(state_->mu);
    State& s = *state_;
    const Timestamp now = s.clock->now();
    s.maintain(now);
    for (auto& [id, gp] : s.groups) {
      Group& g = *gp;
      if (g.in_flight || g.next > now) continue;
      const RouteOptions& opts = g.route->options();
      g.next = now + opts.group_interval;
      g.has_flushed = true;
      if (g.alerts.empty()) continue;

      auto flush = std::make_shared<Flush>();
      flush->state = state_;
      flush->group = gp;
      for (const auto& [fp, a] : g.alerts) {
        Alert copy = a;
        if (!copy.resolved_at(now)) copy.ends_at = kUnsetTime;
        flush->seen.push_back(std::move(copy));
      }
      std::stable_sort(flush->seen.begin(), flush->seen.end(), alert_before);
      g.in_flight = true;

      // Inhibition and silences first, then each webhook decides on its own.
      std::vector<Alert> unmuted;
      for (const Alert& a : flush->seen) {
        if (!s.muted(a.labels, now)) unmuted.push_back(a);
      }
      std::set<uint64_t> firing, resolved;
      for (const Alert& a : unmuted) (a.resolved_at(now) ? resolved : firing).insert(a.fingerprint());
      const ReceiverConfig* receiver = s.config.receiver(opts.receiver);
      const Timestamp deadline = now + std::max(opts.group_interval, kMinFlushTimeout);
      if (receiver != nullptr && !unmuted.empty()) {
        const size_t webhooks = receiver->webhook_configs.size();
        for (size_t i = 0; i < webhooks + receiver->log_configs.size(); ++i) {
          const bool to_log = i >= webhooks;
          const bool send_resolved =
              to_log ? receiver->log_configs[i - webhooks].send_resolved : receiver->webhook_configs[i].send_resolved;
          auto log_key = std::make_pair(s.log_receiver(opts.receiver, i), g.key);
          auto entry = s.log.find(log_key);
          if (!needs_update(entry == s.log.end() ? nullptr : &entry->second, firing, resolved, send_resolved,
                            opts.repeat_interval, now)) {
            continue;
          }
          Notification n{.receiver = opts.receiver, .integration = i, .to_log = to_log, .group_key = g.key,
                         .group_labels = g.labels, .at = now, .deadline = deadline};
          if (!to_log) n.webhook = receiver->webhook_configs[i];
          for (const Alert& a : unmuted) {
            if (send_resolved || !a.resolved_at(now)) n.alerts.push_back(a);
          }
          LogEntry logged{.firing = firing, .resolved = resolved};
          if (n.alerts.empty()) {
            // Only resolved alerts and no send_resolved: nothing is sent,
            // but the log records it as told, as Alertmanager's retry stage
            // passes it on to the log.
            logged.at = now;
            logged.expires = now + 2 * opts.repeat_interval;
            s.log[log_key] = std::move(logged);
            ++s.changes;
            continue;
          }
          ++flush->pending;
          deliveries.push_back(Delivery{flush, std::move(n), std::move(log_key), std::move(logged),
                                        opts.repeat_interval});
        }
      }
      if (flush->pending == 0) {
        finish_flush(s, *flush);
      }
    }
  }
  for (Delivery& d : deliveries) {
    integrations_.deliver(std::move(d.notification), [flush = d.flush, log_key = std::move(d.log_key),
                                                      logged = std::move(d.logged), repeat = d.repeat](bool ok) mutable {
      auto state = flush->state.lock();
      if (!state) return;
      std::function<void()> wake;
      {
        std::lock_guard lock(state->mu);
        if (ok) {
          logged.at = state->clock->now();
          logged.expires = logged.at + 2 * repeat;
          state->log[log_key] = std::move(logged);
          ++state->changes;
        } else {
          flush->all_delivered = false;
        }
        if (--flush->pending > 0) return;
        finish_flush(*state, *flush);
        wake = state->options.wake;
      }
      if (wake) wake();
    });
  }
  return next_wakeup();
}

Timestamp Dispatcher::next_wakeup() const {
  std::lock_guard lock(state_->mu);
  const State& s = *state_;
  Timestamp next = std::min(s.next_maintenance, s.next_alert_gc);
  for (const auto& [id, g] : s.groups) {
    if (!g->in_flight) next = std::min(next, g->next);
  }
  return next;
}

void Dispatcher::reload(NotifyConfig config) {
  {
    std::lock_guard lock(state_->mu);
    State& s = *state_;
    const Timestamp now = s.clock->now();
    s.config = std::move(config);
    s.groups.clear();  // a flush in flight keeps its group (and copies of the route's options)
    s.root = Route::build(s.config.route);
    s.inhibitor = std::make_unique<Inhibitor>(s.config.inhibit_rules);
    for (const auto& [fp, a] : s.alerts) s.dispatch(a, now);
  }
  if (state_->options.wake) state_->options.wake();
}

Result<std::string> Dispatcher::set_silence(Silence silence) {
  std::lock_guard lock(state_->mu);
  ++state_->changes;
  return state_->silences.set(std::move(silence), state_->clock->now());
}

Status Dispatcher::expire_silence(const std::string& id) {
  std::lock_guard lock(state_->mu);
  ++state_->changes;
  return state_->silences.expire(id, state_->clock->now());
}

DispatcherState Dispatcher::state() const {
  std::lock_guard lock(state_->mu);
  const State& s = *state_;
  DispatcherState out;
  out.alerts.reserve(s.alerts.size());
  for (const auto& [fp, a] : s.alerts) out.alerts.push_back(a);
  for (const auto& [key, entry] : s.log) {
    out.log.push_back({.integration = key.first,
                       .group_key = key.second,
                       .firing = {entry.firing.begin(), entry.firing.end()},
                       .resolved = {entry.resolved.begin(), entry.resolved.end()},
                       .at = entry.at,
                       .expires = entry.expires});
  }
  out.silences = s.silences.list();
  return out;
}

void Dispatcher::restore(DispatcherState saved) {
  {
    std::lock_guard lock(state_->mu);
    State& s = *state_;
    const Timestamp now = s.clock->now();
    ++s.changes;
    s.silences.restore(saved.silences, now);
    for (NotificationLogEntry& e : saved.log) {
      if (e.expires <= now) continue;
      s.log[{std::move(e.integration), std::move(e.group_key)}] =
          LogEntry{.firing = {e.firing.begin(), e.firing.end()},
                   .resolved = {e.resolved.begin(), e.resolved.end()},
                   .at = e.at,
                   .expires = e.expires};
    }
    for (Alert& a : saved.alerts) {
      if (a.resolved_at(now - s.options.alert_gc_interval)) continue;
      s.dispatch(a, now);
      s.alerts[a.fingerprint()] = std::move(a);
    }
  }
  if (state_->options.wake) state_->options.wake();
}

uint64_t Dispatcher::changes() const {
  std::lock_guard lock(state_->mu);
  return state_->changes;
}

std::optional<Silence> Dispatcher::silence(const std::string& id) const {
  std::lock_guard lock(state_->mu);
  const Silence* s = state_->silences.get(id);
  return s != nullptr ? std::optional<Silence>(*s) : std::nullopt;
}

std::vector<Silence> Dispatcher::silences() const {
  std::lock_guard lock(state_->mu);
  return state_->silences.list();
}

std::vector<AlertView> Dispatcher::alerts() const {
  std::lock_guard lock(state_->mu);
  const State& s = *state_;
  const Timestamp now = s.clock->now();
  // By fingerprint, as Alertmanager sorts them (by its 16 hex digits, the
  // same order as the number the store is keyed by).
  std::vector<std::pair<uint64_t, const Alert*>> held;
  for (const auto& [fp, a] : s.alerts) {
    if (!a.resolved_at(now)) held.emplace_back(fp, &a);
  }
  std::sort(held.begin(), held.end());
  std::vector<AlertView> out;
  out.reserve(held.size());
  for (const auto& [fp, a] : held) out.push_back(s.view(*a, now));
  return out;
}

std::vector<GroupView> Dispatcher::groups(const std::function<bool(const std::string&)>& keep_receiver) const {
  std::lock_guard lock(state_->mu);
  const State& s = *state_;
  const Timestamp now = s.clock->now();
  std::vector<GroupView> out;
  for (const auto& [id, g] : s.groups) {
    GroupView v{.labels = g->labels, .receiver = g->route->options().receiver};
    if (keep_receiver && !keep_receiver(v.receiver)) continue;
    for (const auto& [fp, a] : g->alerts) {
      if (!a.resolved_at(now)) v.alerts.push_back(s.view(a, now));
    }
    if (v.alerts.empty()) continue;
    std::sort(v.alerts.begin(), v.alerts.end(),
              [](const AlertView& x, const AlertView& y) { return alert_before(x.alert, y.alert); });
    out.push_back(std::move(v));
  }
  // dispatch.AlertGroups' order: by labels (LabelSet.Before), then receiver.
  std::sort(out.begin(), out.end(), [](const GroupView& x, const GroupView& y) {
    if (x.labels != y.labels) return labels_before(x.labels, y.labels);
    return x.receiver < y.receiver;
  });
  // An alert's receivers are those of the groups that hold it, sorted
  // (with repeats), as Dispatcher.Groups collects them.
  std::unordered_map<uint64_t, std::vector<std::string>> receivers;
  for (const GroupView& g : out) {
    for (const AlertView& v : g.alerts) receivers[v.alert.fingerprint()].push_back(g.receiver);
  }
  for (auto& [fp, names] : receivers) std::sort(names.begin(), names.end());
  for (GroupView& g : out) {
    for (AlertView& v : g.alerts) v.receivers = receivers[v.alert.fingerprint()];
  }
  return out;
}

Timestamp Dispatcher::now() const { return state_->clock->now(); }

DispatcherCounters Dispatcher::counters() const {
  std::lock_guard lock(state_->mu);
  DispatcherCounters c = state_->counters;
  c.aggregation_groups = state_->groups.size();
  return c;
}

std::vector<std::string> Dispatcher::receivers() const {
  std::lock_guard lock(state_->mu);
  std::vector<std::string> out;
  for (const ReceiverConfig& r : state_->config.receivers) out.push_back(r.name);
  return out;
}

}  // namespace cogwatch::notify
