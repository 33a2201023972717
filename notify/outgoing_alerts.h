// What the rule engine's alerts become on their way to an Alertmanager, as
// Prometheus's rules.SendAlerts and notifier.Send/sendAll make them:
//
//   std::vector<PostableAlert> out = postable_alerts(expr, alerts, "http://cogwatch:9090");
//   out = relabel_alerts(std::move(out), external_labels, config.alert_relabel_configs);
//   out = relabel_alerts(std::move(out), {}, alertmanager.alert_relabel_configs);  // per Alertmanager
//
// No sockets (library cogwatch_notify); notify/alertmanager_client.h sends.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "net/relabel.h"
#include "notify/postable_alerts.h"
#include "rules/rule.h"

namespace cogwatch::notify {

// One alert as rules.SendAlerts converts it: startsAt is when it fired
// (fired_at; active_at for an alert that never fired), endsAt its
// resolved_at once resolved and its valid_until while firing; labels and
// annotations as they are (annotations keep empty values);
// generatorURL = generator_url(external_url, expr).
PostableAlert postable_alert(const std::string& expr, const rules::Alert& alert, std::string_view external_url);

// Every alert of one rule evaluation, converted.
std::vector<PostableAlert> postable_alerts(const std::string& expr, const std::vector<rules::Alert>& alerts,
                                           std::string_view external_url);

// Prometheus's relabelAlerts: each alert's labels get the external labels
// it lacks (an empty value counts as lacking), then go through `steps`; an
// alert the steps drop is left out. Order is kept.
std::vector<PostableAlert> relabel_alerts(std::vector<PostableAlert> alerts, const Labels& external_labels,
                                          const std::vector<net::RelabelConfig>& steps);

}  // namespace cogwatch::notify
