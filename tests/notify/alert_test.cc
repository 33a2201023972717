// Alertmanager's rules for one alert, one silence, one inhibition rule.
#include <gtest/gtest.h>

#include "notify/alert.h"
#include "notify/inhibitor.h"
#include "notify/silences.h"

namespace cogwatch::notify {
namespace {

constexpr Timestamp kNow = 1'800'000'000'000;

AmMatchers matchers(std::string_view text) { return parse_matchers(text).value(); }

TEST(Alert, OrderInANotificationIsJobThenInstanceThenLabelSet) {
  const Alert no_job{.labels = Labels{{"a", "1"}}};
  const Alert job_b{.labels = Labels{{"job", "b"}, {"z", "1"}}};
  const Alert job_a_inst_2{.labels = Labels{{"instance", "2"}, {"job", "a"}}};
  const Alert job_a_inst_1{.labels = Labels{{"instance", "1"}, {"job", "a"}, {"x", "y"}}};
  std::vector<Alert> v{no_job, job_b, job_a_inst_2, job_a_inst_1};
  std::stable_sort(v.begin(), v.end(), alert_before);
  EXPECT_EQ(v[0].labels, job_a_inst_1.labels);
  EXPECT_EQ(v[1].labels, job_a_inst_2.labels);
  EXPECT_EQ(v[2].labels, job_b.labels);
  EXPECT_EQ(v[3].labels, no_job.labels);
  // LabelSet.Before: fewer labels first, then the first differing name/value.
  EXPECT_TRUE(labels_before(Labels{{"z", "1"}}, Labels{{"a", "1"}, {"b", "1"}}));
  // Go's walk over both sets' names: at "c", the set without it is not
  // before the one with it, so {a,d} sorts before {a,c}.
  EXPECT_TRUE(labels_before(Labels{{"a", "1"}, {"d", "1"}}, Labels{{"a", "1"}, {"c", "1"}}));
  EXPECT_FALSE(labels_before(Labels{{"a", "1"}, {"c", "1"}}, Labels{{"a", "1"}, {"d", "1"}}));
  EXPECT_FALSE(labels_before(Labels{{"a", "2"}}, Labels{{"a", "1"}}));
  EXPECT_FALSE(labels_before(Labels{{"a", "1"}}, Labels{{"a", "1"}}));
}

TEST(Alert, AcceptedAsTheApiDoes) {
  Alert a = accept_posted({.labels = Labels{{"a", "1"}}, .starts_at = kUnsetTime, .ends_at = kUnsetTime}, kNow,
                          5 * kMinute);
  EXPECT_EQ(a.starts_at, kNow);
  EXPECT_EQ(a.ends_at, kNow + 5 * kMinute);
  EXPECT_TRUE(a.timeout);
  EXPECT_EQ(a.updated_at, kNow);
  Alert b = accept_posted({.labels = Labels{{"a", "1"}}, .starts_at = kUnsetTime, .ends_at = kNow - 1}, kNow, kMinute);
  EXPECT_EQ(b.starts_at, kNow - 1);
  EXPECT_FALSE(b.timeout);
  EXPECT_TRUE(b.resolved_at(kNow));
}

TEST(Alert, MergeKeepsEarliestStartAndExplicitEnds) {
  const Alert held{.labels = Labels{{"a", "1"}}, .starts_at = kNow - kHour, .ends_at = kNow + 4 * kMinute,
                   .updated_at = kNow - kMinute};
  // Re-sent firing with a later start (Prometheus restarted): start kept.
  Alert next{.labels = held.labels, .starts_at = kNow - kMinute, .ends_at = kNow + 5 * kMinute, .updated_at = kNow};
  ASSERT_TRUE(overlaps(held, next));
  Alert m = merge(held, next);
  EXPECT_EQ(m.starts_at, kNow - kHour);
  EXPECT_EQ(m.ends_at, kNow + 5 * kMinute);
  // An older non-timeout end later than the new one wins while firing...
  next.ends_at = kNow + 2 * kMinute;
  EXPECT_EQ(merge(held, next).ends_at, kNow + 4 * kMinute);
  // ...unless it was only a timeout.
  Alert timed_out = held;
  timed_out.timeout = true;
  EXPECT_EQ(merge(timed_out, next).ends_at, kNow + 2 * kMinute);
  // Resolved now: the resolve time is the end.
  next.ends_at = kNow - 1;
  EXPECT_EQ(merge(held, next).ends_at, kNow - 1);
}

TEST(Inhibitor, EqualLabelsAndNoSelfInhibition) {
  Inhibitor inhibitor({{.source_matchers = matchers(R"(severity=~"critical|warning")"),
                        .target_matchers = matchers(R"(severity=~"warning|info")"),
                        .equal = {"instance", "missing"}}});
  const Alert critical{.labels = Labels{{"instance", "a"}, {"severity", "critical"}}, .starts_at = kNow,
                       .ends_at = kNow + kHour};
  const Alert warning{.labels = Labels{{"instance", "a"}, {"severity", "warning"}}, .starts_at = kNow,
                      .ends_at = kNow + kHour};
  inhibitor.observe(critical);
  inhibitor.observe(warning);
  // Either source may be named (Alertmanager takes the first it finds).
  EXPECT_TRUE(inhibitor.inhibited_by(Labels{{"instance", "a"}, {"severity", "info"}}, kNow));
  EXPECT_FALSE(inhibitor.inhibited_by(Labels{{"instance", "b"}, {"severity", "info"}}, kNow));
  // The warning matches both sides: only a source that is not itself a
  // target (the critical one) inhibits it.
  EXPECT_EQ(inhibitor.inhibited_by(warning.labels, kNow), critical.fingerprint());
  Inhibitor warnings_only({{.source_matchers = matchers(R"(severity="warning")"),
                            .target_matchers = matchers(R"(severity="warning")"), .equal = {}}});
  warnings_only.observe(warning);
  EXPECT_FALSE(warnings_only.inhibited_by(warning.labels, kNow));
  // A resolved source inhibits nothing.
  EXPECT_FALSE(inhibitor.inhibited_by(Labels{{"instance", "a"}, {"severity", "info"}}, kNow + 2 * kHour));
}

TEST(Silences, StatesUpdatesAndExpiry) {
  Silences silences(kHour);
  Silence s{.matchers = matchers(R"(job="cog")"), .starts_at = kNow - kMinute, .ends_at = kNow + kHour,
            .created_by = "ops", .comment = "deploy"};
  auto id = silences.set(s, kNow);
  ASSERT_TRUE(id.ok());
  const Silence* held = silences.get(*id);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->starts_at, kNow);  // a start in the past becomes now
  EXPECT_EQ(held->state_at(kNow), SilenceState::kActive);
  EXPECT_EQ(silences.muting(Labels{{"job", "cog"}}, kNow), std::vector<std::string>{*id});
  EXPECT_TRUE(silences.muting(Labels{{"job", "other"}}, kNow).empty());

  // Longer end, same matchers and start: updated in place.
  Silence longer = *held;
  longer.ends_at = kNow + 2 * kHour;
  EXPECT_EQ(silences.set(longer, kNow + kSecond).value(), *id);
  // Other matchers: a new silence; the old one expires.
  Silence other = longer;
  other.matchers = matchers(R"(job="cog2")");
  auto id2 = silences.set(other, kNow + 2 * kSecond);
  ASSERT_TRUE(id2.ok());
  EXPECT_NE(*id2, *id);
  EXPECT_EQ(silences.get(*id)->state_at(kNow + 2 * kSecond), SilenceState::kExpired);

  EXPECT_TRUE(silences.expire(*id2, kNow + 3 * kSecond).ok());
  EXPECT_EQ(silences.expire(*id2, kNow + 4 * kSecond).error().message, "silence " + *id2 + " already expired");
  EXPECT_EQ(silences.expire("nope", kNow).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(silences.set({.id = "nope", .matchers = s.matchers, .starts_at = kNow, .ends_at = kNow + 1}, kNow)
                .error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(silences.set({.starts_at = kNow, .ends_at = kNow + 1}, kNow).error().message,
            "at least one matcher required");
  // Expired ones stay readable for the retention, then go.
  silences.gc(kNow + 30 * kMinute);
  EXPECT_EQ(silences.list().size(), 2u);
  silences.gc(kNow + 2 * kHour);
  EXPECT_TRUE(silences.list().empty());
}

}  // namespace
}  // namespace cogwatch::notify
