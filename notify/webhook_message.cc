#include "notify/webhook_message.h"

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

// A KV as Go marshals a map[string]string: keys sorted (Labels are).
std::string kv_json(const Labels& kv) {
  std::string out = "{";
  bool first = true;
  for (const Label l : kv) {
    if (!first) out += ',';
    first = false;
    out += go_json_string(l.name) + ":" + go_json_string(l.value);
  }
  return out + "}";
}

// The labels (or annotations) every alert has with the same value.
Labels common(const std::vector<WebhookAlert>& alerts, const Labels WebhookAlert::*field) {
  if (alerts.empty()) return {};
  LabelsBuilder b;
  for (const Label l : alerts.front().*field) {
    bool everywhere = true;
    for (size_t i = 1; i < alerts.size() && everywhere; ++i) {
      const Labels& other = alerts[i].*field;
      everywhere = other.has(l.name) && other.get(l.name) == l.value;
    }
    if (everywhere) b.set(l.name, l.value);
  }
  return b.build();
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
    out += ",\"labels\":" + kv_json(a.labels);
    out += ",\"annotations\":" + kv_json(a.annotations);
    out += ",\"startsAt\":\"" + format_rfc3339(a.starts_at) + "\"";
    out += ",\"endsAt\":\"" + (a.resolved ? format_rfc3339(a.ends_at) : std::string(kGoZeroTime)) + "\"";
    out += ",\"generatorURL\":" + go_json_string(a.generator_url);
    out += ",\"fingerprint\":\"" + fingerprint_string(a.labels) + "\"}";
  }
  out += "],\"groupLabels\":" + kv_json(m.group_labels);
  out += ",\"commonLabels\":" + kv_json(common(m.alerts, &WebhookAlert::labels));
  out += ",\"commonAnnotations\":" + kv_json(common(m.alerts, &WebhookAlert::annotations));
  out += ",\"externalURL\":" + go_json_string(m.external_url);
  out += ",\"version\":\"4\",\"groupKey\":" + go_json_string(m.group_key);
  out += ",\"truncatedAlerts\":" + std::to_string(m.truncated_alerts) + "}\n";
  return out;
}

}  // namespace cogwatch::notify
