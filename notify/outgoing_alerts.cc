#include "notify/outgoing_alerts.h"

namespace cogwatch::notify {

namespace {

// rules.SendAlerts's conversion, with the expression's link made once by
// the caller.
PostableAlert convert(const rules::Alert& alert, std::string generator) {
  return PostableAlert{
      .labels = alert.labels,
      .annotations = alert.annotations,
      .starts_at = alert.fired_at.value_or(alert.active_at),
      .ends_at = alert.resolved_at ? *alert.resolved_at : alert.valid_until,
      .generator_url = std::move(generator),
  };
}

}  // namespace

PostableAlert postable_alert(const std::string& expr, const rules::Alert& alert, std::string_view external_url) {
  return convert(alert, generator_url(external_url, expr));
}

std::vector<PostableAlert> postable_alerts(const std::string& expr, const std::vector<rules::Alert>& alerts,
                                           std::string_view external_url) {
  std::vector<PostableAlert> out;
  out.reserve(alerts.size());
  const std::string url = generator_url(external_url, expr);
  for (const rules::Alert& a : alerts) out.push_back(convert(a, url));
  return out;
}

std::vector<PostableAlert> relabel_alerts(std::vector<PostableAlert> alerts, const Labels& external_labels,
                                          const std::vector<net::RelabelConfig>& steps) {
  if (external_labels.empty() && steps.empty()) return alerts;
  std::vector<PostableAlert> out;
  out.reserve(alerts.size());
  for (PostableAlert& a : alerts) {
    if (!external_labels.empty()) {
      LabelsBuilder b(a.labels);
      for (const Label l : external_labels) {
        if (a.labels.get(l.name).empty()) b.set(l.name, l.value);
      }
      a.labels = b.build();
    }
    std::optional<Labels> kept = relabel(a.labels, steps);
    if (!kept) continue;
    a.labels = *std::move(kept);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace cogwatch::notify
