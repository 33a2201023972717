// The body Alertmanager 0.25 POSTs to a webhook receiver (notify/webhook's
// Message, version "4"), byte for byte: field order, Go's HTML-safe JSON
// escaping, times as Go prints them, a trailing newline.
//
//   WebhookMessage m{.receiver = "ops", .group_key = key, .group_labels = g,
//                    .alerts = alerts, .external_url = url};
//   post(url, webhook_message_json(m));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/time.h"
#include "notify/label_set.h"

namespace cogwatch::notify {

// One alert as the dispatcher sees it when the notification goes out.
struct WebhookAlert {
  Labels labels;
  Annotations annotations;
  Timestamp starts_at = 0;
  // Set and reached: the alert is resolved and shows it. Otherwise it is
  // firing and its endsAt prints as Go's zero time, 0001-01-01T00:00:00Z
  // (types.Alerts hides an end that has not been reached).
  bool resolved = false;
  Timestamp ends_at = 0;
  std::string generator_url;
};

struct WebhookMessage {
  std::string receiver;   // the name as configured; printed regexp.QuoteMeta'd, as Alertmanager does
  std::string group_key;  // see label_set.h and matchers.h for its parts
  Labels group_labels;
  std::vector<WebhookAlert> alerts;  // after max_alerts truncation, in the group's order
  uint64_t truncated_alerts = 0;
  std::string external_url;
};

// The JSON body. "status" is "firing" when any alert fires; commonLabels
// and commonAnnotations are those every alert of the message shares.
std::string webhook_message_json(const WebhookMessage& message);

}  // namespace cogwatch::notify
