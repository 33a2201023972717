#include "notify/webhook_message.h"

#include <gtest/gtest.h>

#include "model/file.h"

namespace cogwatch::notify {
namespace {

std::string golden(const std::string& name) {
  auto text = read_file(std::string(COGWATCH_NOTIFY_TEST_DATA) + "/" + name);
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : "";
}

// The group Alertmanager 0.25 notified: receiver 'ops.team (prod)+' with
// max_alerts: 2, three Drift alerts grouped by alertname (the third, job
// cog2, truncated), annotations that need HTML-safe escaping.
WebhookMessage drift_group() {
  const Annotations annotations{{"desc", "tab\there\u2028x"}, {"summary", "<b>entropy</b> & more"}};
  WebhookMessage m;
  m.receiver = "ops.team (prod)+";
  m.group_key = R"({}:{alertname="Drift"})";
  m.group_labels = Labels{{"alertname", "Drift"}};
  m.alerts = {
      {Labels{{"alertname", "Drift"}, {"instance", "a"}, {"job", "cog"}}, annotations, *parse_api_time("2026-12-01T03:00:00.5Z"),
       false, 0, "http://g/graph?g0.expr=a%3E1&g0.tab=1"},
      {Labels{{"alertname", "Drift"}, {"instance", "b"}, {"job", "cog"}},
       Annotations{{"desc", "other"}, {"summary", "<b>entropy</b> & more"}}, *parse_api_time("2026-12-01T03:00:01Z"), false, 0,
       ""},
  };
  m.truncated_alerts = 1;
  m.external_url = "http://am.example:9093/am";
  return m;
}

TEST(WebhookMessage, ByteForByteAsAlertmanager) {
  WebhookMessage m = drift_group();
  EXPECT_EQ(webhook_message_json(m), golden("am025_truncated_firing.json"));
  // Alert a resolved at 03:10: it shows resolved with its end; the message
  // stays firing while another alert fires.
  m.alerts[0].resolved = true;
  m.alerts[0].ends_at = *parse_api_time("2026-12-01T03:10:00Z");
  EXPECT_EQ(webhook_message_json(m), golden("am025_one_resolved.json"));
}

TEST(WebhookMessage, ResolvedWhenNoAlertFiresAndCommonsOverAllAlerts) {
  WebhookMessage m = drift_group();
  for (WebhookAlert& a : m.alerts) {
    a.resolved = true;
    a.ends_at = 1'796'094'600'000;
  }
  const std::string json = webhook_message_json(m);
  EXPECT_NE(json.find(R"("status":"resolved","alerts")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("commonLabels":{"alertname":"Drift","job":"cog"})"), std::string::npos) << json;
  m.alerts[1].labels = Labels{{"alertname", "Drift"}, {"instance", "b"}, {"job", "cog2"}};
  EXPECT_NE(webhook_message_json(m).find(R"("commonLabels":{"alertname":"Drift"})"), std::string::npos);
  // Empty annotations are kept, and shared like any other.
  m.alerts[0].annotations = {{"empty", ""}, {"x", "1"}};
  m.alerts[1].annotations = {{"empty", ""}, {"x", "2"}};
  EXPECT_NE(webhook_message_json(m).find(R"("commonAnnotations":{"empty":""})"), std::string::npos);
  m.alerts.clear();
  EXPECT_NE(webhook_message_json(m).find(R"("alerts":[],"groupLabels")"), std::string::npos);
}

}  // namespace
}  // namespace cogwatch::notify
