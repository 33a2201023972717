// The alert replay's verdict on a timeline: the expected alert and only
// it, firing exactly its `for` after going pending — late fails as early.
#include "cli/alert_replay.h"

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

AlertTimeline errors_timeline(Duration pending_for) {
  AlertTimeline t;
  t.pending["PredictionErrorRate"] = 30 * kSecond;
  t.firing["PredictionErrorRate"] = 30 * kSecond + pending_for;
  t.hold["PredictionErrorRate"] = 2 * kMinute;
  t.hold["HighCpuUsage"] = 3 * kMinute;
  return t;
}

TEST(AlertReplay, FiringExactlyItsForAfterPendingIsRight) {
  EXPECT_TRUE(timeline_problems(errors_timeline(2 * kMinute), "PredictionErrorRate").empty());
}

TEST(AlertReplay, FiringLateOrEarlyIsWrong) {
  EXPECT_EQ(timeline_problems(errors_timeline(2 * kMinute + 30 * kSecond), "PredictionErrorRate"),
            std::vector<std::string>{"PredictionErrorRate fired 2m30s after going pending; its for is 2m"});
  EXPECT_EQ(timeline_problems(errors_timeline(90 * kSecond), "PredictionErrorRate"),
            std::vector<std::string>{"PredictionErrorRate fired 1m30s after going pending; its for is 2m"});
}

TEST(AlertReplay, AnotherAlertOrNoneIsWrong) {
  EXPECT_EQ(timeline_problems(errors_timeline(2 * kMinute), "HighCpuUsage"),
            std::vector<std::string>{"should fire HighCpuUsage"});
  EXPECT_EQ(timeline_problems(errors_timeline(2 * kMinute), nullptr), std::vector<std::string>{"should fire nothing"});
  EXPECT_EQ(timeline_problems(AlertTimeline{}, "HighCpuUsage"), std::vector<std::string>{"should fire HighCpuUsage"});
  EXPECT_TRUE(timeline_problems(AlertTimeline{}, nullptr).empty());
}

}  // namespace
}  // namespace cogwatch::cli
