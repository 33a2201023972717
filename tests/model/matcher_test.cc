#include "model/matcher.h"

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

LabelMatcher M(MatchType t, const char* name, const char* value) {
  auto m = LabelMatcher::make(t, name, value);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return *m;
}

constexpr auto kEq = MatchType::kEqual;
constexpr auto kNe = MatchType::kNotEqual;
constexpr auto kRe = MatchType::kRegexMatch;
constexpr auto kNre = MatchType::kRegexNoMatch;

TEST(LabelMatcher, Table) {
  const struct {
    MatchType type;
    const char* value;
    const char* input;  // value of the label; "" = absent
    bool want;
  } cases[] = {
      {kEq, "cog", "cog", true},
      {kEq, "cog", "cog2", false},
      {kEq, "cog", "", false},
      {kEq, "", "", true},      // {a=""}: series without a
      {kEq, "", "x", false},
      {kNe, "cog", "x", true},
      {kNe, "cog", "", true},   // absent label differs from "cog"
      {kNe, "", "x", true},     // {a!=""}: series with a
      {kNe, "", "", false},
      // Regexes are anchored at both ends.
      {kRe, "cog.*", "cog-1", true},
      {kRe, "cog.*", "my-cog", false},
      {kRe, "cog", "cog-1", false},
      {kRe, "og", "cog", false},
      {kRe, "a|b", "ab", false},  // ^(?:a|b)$, not ^a|b$
      {kRe, "a|b", "b", true},
      {kRe, "a|b", "", false},
      {kRe, "a|", "", true},
      {kRe, ".*", "", true},
      {kRe, ".*", "anything", true},
      {kRe, ".+", "", false},
      {kRe, ".+", "x", true},
      {kRe, "", "", true},
      {kRe, "", "x", false},
      {kRe, "a.c", "a\nc", true},  // '.' matches newline, as Prometheus
      {kRe, "(?i)COG", "cog", true},
      {kRe, "[0-9]+", "123", true},
      {kRe, "[0-9]+", "12a", false},
      {kNre, "cog.*", "cog-1", false},
      {kNre, "cog.*", "x", true},
      {kNre, "cog.*", "", true},
      {kNre, ".+", "", true},
      {kNre, ".+", "x", false},
      {kNre, "a|b", "a", false},
      {kNre, "a|b", "c", true},
      {kNre, "", "", false},
      {kNre, "", "x", true},
      // Shapes matched without RE2 must agree with it.
      {kRe, "cog.*", "cog", true},
      {kRe, "cog.*", "cog\nx", true},
      {kRe, ".*-gpu", "cog-gpu", true},
      {kRe, ".*-gpu", "cog-gpu2", false},
      {kRe, ".*og-g.*", "cog-gpu", true},
      {kRe, ".*og-g.*", "og-", false},
      {kRe, ".*x.*", "", false},
      {kNre, "cog.*", "cogs", false},
      {kRe, "c\\.g.*", "c.gx", true},  // escaped dot: not a plain prefix
      {kRe, "c\\.g.*", "cxgx", false},
  };
  for (const auto& c : cases) {
    LabelMatcher m = M(c.type, "l", c.value);
    EXPECT_EQ(m.matches(std::string_view(c.input)), c.want) << m.to_string() << " on \"" << c.input << "\"";
    // Through a label set: an empty input means the label is absent.
    Labels l = c.input[0] ? Labels{{"l", c.input}} : Labels{{"other", "x"}};
    EXPECT_EQ(m.matches(l), c.want) << m.to_string() << " on " << l.to_string();
    EXPECT_EQ(m.matches_empty(), m.matches(std::string_view()));
    EXPECT_EQ(m.inverse().matches(std::string_view(c.input)), !c.want) << "inverse of " << m.to_string();
  }
}

TEST(LabelMatcher, InvalidRegexIsAnErrorNamingIt) {
  auto m = LabelMatcher::make(kRe, "job", "cog(");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.error().message.find("\"cog(\""), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("missing )"), std::string::npos) << m.error().message;
}

TEST(LabelMatcher, LiteralAlternationsOfferTheirValues) {
  EXPECT_EQ(M(kRe, "l", "b|a|b").set_values(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(M(kRe, "l", "abc").set_values(), (std::vector<std::string>{"abc"}));
  EXPECT_TRUE(M(kRe, "l", "a.*").set_values().empty());
  EXPECT_TRUE(M(kNre, "l", "a|b").set_values().empty());  // negative: no lookup
  EXPECT_EQ(M(kNre, "l", "a|b").inverse().set_values(), (std::vector<std::string>{"a", "b"}));
}

TEST(LabelMatcher, ToString) {
  EXPECT_EQ(M(kRe, "job", "cog.*").to_string(), R"(job=~"cog.*")");
  EXPECT_EQ(M(kNe, "a", "x\"y").to_string(), R"(a!="x\"y")");
  EXPECT_EQ(M(kEq, "service.name", "x").to_string(), R"("service.name"="x")");
}

TEST(LabelMatcher, MatchesAll) {
  Labels l{{"__name__", "up"}, {"job", "cog"}};
  EXPECT_TRUE(matches_all({M(kEq, "__name__", "up"), M(kRe, "job", "c.g")}, l));
  EXPECT_FALSE(matches_all({M(kEq, "__name__", "up"), M(kEq, "instance", "x")}, l));
  EXPECT_TRUE(matches_all({}, l));
}

}  // namespace
}  // namespace cogwatch
