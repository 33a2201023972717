#include "notify/postable_alerts.h"

#include <gtest/gtest.h>

#include "model/file.h"

namespace cogwatch::notify {
namespace {

// The body Debian's Prometheus 2.42 POSTed to /am/api/v2/alerts for the
// rule `alert: Always, expr: vector(1) > 0` with labels severity: "warn<&>",
// team: ml, annotations summary: 'value {{ $value }} & <b>', empty: '',
// external labels region: eu, team: ext (the alert's team wins), and
// --web.external-url=http://prom.example:9090/p.
TEST(PostableAlerts, ByteForByteAsPrometheus) {
  auto want = read_file(std::string(COGWATCH_NOTIFY_TEST_DATA) + "/prometheus242_post_alerts.json");
  ASSERT_TRUE(want.ok());
  const PostableAlert a{
      Labels{{"alertname", "Always"}, {"region", "eu"}, {"severity", "warn<&>"}, {"team", "ml"}},
      Annotations{{"empty", ""}, {"summary", "value 1 & <b>"}},
      *parse_api_time("2026-12-01T03:50:07.632Z"),
      *parse_api_time("2026-12-01T03:50:21.632Z"),
      generator_url("http://prom.example:9090/p", "vector(1) > 0"),
  };
  EXPECT_EQ(postable_alerts_json({a}), *want);
}

TEST(PostableAlerts, ArraysAndWholeSecondTimes) {
  EXPECT_EQ(postable_alerts_json({}), "[]");
  const PostableAlert a{Labels{{"alertname", "A"}}, Annotations{}, 1'796'094'000'000, 1'796'094'060'000, ""};
  EXPECT_EQ(postable_alerts_json({a, a}),
            R"([{"annotations":{},"endsAt":"2026-12-01T03:01:00.000Z","startsAt":"2026-12-01T03:00:00.000Z",)"
            R"("generatorURL":"","labels":{"alertname":"A"}},{"annotations":{},"endsAt":"2026-12-01T03:01:00.000Z",)"
            R"("startsAt":"2026-12-01T03:00:00.000Z","generatorURL":"","labels":{"alertname":"A"}}])");
}

}  // namespace
}  // namespace cogwatch::notify
