#include "notify/webhook_message.h"

#include <algorithm>
#include <cstdio>

#include "model/go_json.h"
#include "notify/label_set.h"

namespace cogwatch::notify {
namespace {

// regexp.QuoteMeta: a backslash before each of \.+*?()|[]{}^$.
std::string quote_meta(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (std::string_view(R"(\.+*?()|[]{}^$)").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// The value of name in sorted annotations, if present.
const std::string* find(const Annotations& annotations, std::string_view name) {
  const auto it = std::lower_bound(annotations.begin(), annotations.end(), name,
                                   [](const auto& kv, std::string_view n) { return kv.first < n; });
  return it != annotations.end() && it->first == name ? &it->second : nullptr;
}

// The labels every alert has with the same value.
Labels common_labels(const std::vector<WebhookAlert>& alerts) {
  if (alerts.empty()) return {};
  LabelsBuilder b;
  for (const Label l : alerts.front().labels) {
    bool everywhere = true;
    for (size_t i = 1; i < alerts.size() && everywhere; ++i) {
      everywhere = alerts[i].labels.has(l.name) && alerts[i].labels.get(l.name) == l.value;
    }
    if (everywhere) b.set(l.name, l.value);
  }
  return b.build();
}

// The annotations every alert has with the same value (empty ones too).
Annotations common_annotations(const std::vector<WebhookAlert>& alerts) {
  Annotations out;
  if (alerts.empty()) return out;
  for (const auto& [name, value] : alerts.front().annotations) {
    bool everywhere = true;
    for (size_t i = 1; i < alerts.size() && everywhere; ++i) {
      const std::string* v = find(alerts[i].annotations, name);
      everywhere = v != nullptr && *v == value;
    }
    if (everywhere) out.emplace_back(name, value);
  }
  return out;
}

constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00Z";

}  // namespace

std::string webhook_message_json(const WebhookMessage& m) {
  bool any_firing = false;
  for (const WebhookAlert& a : m.alerts) any_firing = any_firing || !a.resolved;
  std::string out = "{\"receiver\":" + go_json_string(quote_meta(m.receiver));
  out += ",\"status\":\"" + std::string(any_firing ? "firing" : "resolved") + "\"";
  out += ",\"alerts\":[";
  for (size_t i = 0; i < m.alerts.size(); ++i) {
    const WebhookAlert& a = m.alerts[i];
    if (i > 0) out += ',';
    out += "{\"status\":\"" + std::string(a.resolved ? "resolved" : "firing") + "\"";
    out += ",\"labels\":";
    append_json_object(out, a.labels);
    out += ",\"annotations\":";
    append_json_object(out, a.annotations);
    out += ",\"startsAt\":\"" + format_rfc3339(a.starts_at) + "\"";
    out += ",\"endsAt\":\"" + (a.resolved ? format_rfc3339(a.ends_at) : std::string(kGoZeroTime)) + "\"";
    out += ",\"generatorURL\":" + go_json_string(a.generator_url);
    out += ",\"fingerprint\":\"" + fingerprint_string(a.labels) + "\"}";
  }
  out += "],\"groupLabels\":";
  append_json_object(out, m.group_labels);
  out += ",\"commonLabels\":";
  append_json_object(out, common_labels(m.alerts));
  out += ",\"commonAnnotations\":";
  append_json_object(out, common_annotations(m.alerts));
  out += ",\"externalURL\":" + go_json_string(m.external_url);
  out += ",\"version\":\"4\",\"groupKey\":" + go_json_string(m.group_key);
  out += ",\"truncatedAlerts\":" + std::to_string(m.truncated_alerts) + "}\n";
  return out;
}

}  // namespace cogwatch::notify
