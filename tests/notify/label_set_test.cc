#include "notify/label_set.h"

#include <gtest/gtest.h>

namespace cogwatch::notify {
namespace {

// Fingerprints and group keys that Alertmanager 0.25 (Debian's) put in its
// webhook messages for these label sets.
TEST(LabelSet, FingerprintsAsAlertmanager) {
  EXPECT_EQ(fingerprint_string(Labels{{"alertname", "Err"}, {"q", "a\"b,c"}, {"severity", "critical"}, {"team", "ml"}}),
            "5677cb6940f6217e");
  EXPECT_EQ(fingerprint_string(Labels{{"alertname", "Err"}, {"q", "x"}, {"severity", "critical"}, {"team", "ml"}}),
            "d4e9b632fd8a5424");
  EXPECT_EQ(fingerprint_string(Labels{{"alertname", "HighCpu"}, {"instance", "a:5000"}, {"job", "cog"}}),
            "bfbe9ca4ec66b57b");
  // FNV-1a's offset basis: no labels, nothing hashed.
  EXPECT_EQ(fingerprint(Labels{}), 0xcbf29ce484222325ULL);
  // The separator keeps name and value apart: a=bc is not ab=c.
  EXPECT_NE(fingerprint(Labels{{"a", "bc"}}), fingerprint(Labels{{"ab", "c"}}));
}

TEST(LabelSet, PrintsAsAlertmanagersGroupKeys) {
  EXPECT_EQ(label_set_string(Labels{{"team", "ml"}, {"alertname", "Err"}, {"q", "a\"b,c"}, {"severity", "critical"}}),
            R"({alertname="Err", q="a\"b,c", severity="critical", team="ml"})");
  EXPECT_EQ(label_set_string(Labels{{"alertname", "HighCpu"}, {"job", "cog"}}), R"({alertname="HighCpu", job="cog"})");
  EXPECT_EQ(label_set_string(Labels{}), "{}");
}

}  // namespace
}  // namespace cogwatch::notify
