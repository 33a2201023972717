// What Prometheus POSTs to an Alertmanager's /api/v2/alerts (its
// notifier's alertsToOpenAPIAlerts), byte for byte: a JSON array of
// alerts, fields in go-openapi's order, times with milliseconds.
//
//   std::string body = postable_alerts_json(batch);  // Content-Type: application/json
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/time.h"
#include "notify/label_set.h"

namespace cogwatch::notify {

struct PostableAlert {
  Labels labels;  // external labels and alert relabelling already applied
  Annotations annotations;
  Timestamp starts_at = 0;
  Timestamp ends_at = 0;  // valid-until while firing, the resolve time once resolved
  std::string generator_url;
};

// An alert waiting to be delivered to an Alertmanager, and when it was
// queued (notify/alertmanager_client.h: its retries stop resend_delay
// after that).
struct PendingAlert {
  PostableAlert alert;
  Timestamp enqueued = 0;
};

std::string postable_alerts_json(const std::vector<PostableAlert>& alerts);

// Prometheus's link to an alert's expression: the external URL, then
// strutil.TableLinkForExpression: "/graph?g0.expr=" + url.QueryEscape(expr)
// + "&g0.tab=1".
std::string generator_url(std::string_view external_url, std::string_view expr);

}  // namespace cogwatch::notify
