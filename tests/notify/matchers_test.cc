#include "notify/matchers.h"

#include <gtest/gtest.h>

namespace cogwatch::notify {
namespace {

// name op "value" of each matcher, in order, or "ERROR: message".
std::string parsed(std::string_view text) {
  auto ms = parse_matchers(text);
  if (!ms) return "ERROR: " + ms.error().message;
  std::string out;
  for (const AmMatcher& m : *ms) out += (out.empty() ? "" : " ") + m.to_string();
  return out;
}

// Alertmanager 0.25's pkg/labels/parse_test.go, TestMatchers.
TEST(AmMatchers, ParseAsAlertmanager) {
  const struct {
    const char* input;
    const char* want;
  } cases[] = {
      {R"({foo="bar"})", R"(foo="bar")"},
      {R"({foo=~"bar.*"})", R"(foo=~"bar.*")"},
      {R"({foo!="bar"})", R"(foo!="bar")"},
      {R"({foo!~"bar.*"})", R"(foo!~"bar.*")"},
      {R"({foo="bar", baz!="quux"})", R"(foo="bar" baz!="quux")"},
      {R"({foo="bar",baz!~".*quux", derp="wat"})", R"(foo="bar" baz!~".*quux" derp="wat")"},
      {R"({foo=""})", R"(foo="")"},
      {R"({foo="bar,quux", job="job1"})", R"(foo="bar,quux" job="job1")"},
      {R"({foo = "bar", dings != "bums", })", R"(foo="bar" dings!="bums")"},
      {R"(foo=bar,dings!=bums)", R"(foo="bar" dings!="bums")"},
      {R"({quote="She said: \"Hi, ladies! That's gender-neutral…\""})",
       R"(quote="She said: \"Hi, ladies! That's gender-neutral…\"")"},
      {R"(statuscode=~"5..")", R"(statuscode=~"5..")"},
      {R"(tricky=~~~)", R"(tricky=~"~~")"},
      {R"(trickier==\\=\=\")", R"(trickier="=\\=\\=\"")"},  // value =\=\="
      {R"(contains_quote != "\"" , contains_comma !~ "foo,bar" , )", R"(contains_quote!="\"" contains_comma!~"foo,bar")"},
      {R"(job=)", R"(job="")"},
      {R"(job="value)", R"(ERROR: matcher value contains unescaped double quote: "value)"},
      {R"(job=value")", R"(ERROR: matcher value contains unescaped double quote: value")"},
      {R"(trickier==\\=\=\"")", R"(ERROR: matcher value contains unescaped double quote: =\\=\=\"")"},
      {R"(contains_unescaped_quote = foo"bar)", R"(ERROR: matcher value contains unescaped double quote: foo"bar)"},
      {R"({invalid-name = "valid label"})", R"(ERROR: bad matcher format: invalid-name = "valid label")"},
      {R"("{foo=\"bar"})", R"(ERROR: bad matcher format: "{foo=\"bar")"},
      {R"("foo=\"bar\"")", R"(ERROR: bad matcher format: "foo=\"bar\"")"},
      {R"("foo="bar"")", R"(ERROR: bad matcher format: "foo="bar"")"},
  };
  for (const auto& c : cases) EXPECT_EQ(parsed(c.input), c.want) << c.input;
  // Go's regexp words differ from RE2's; the kind of error is the same.
  EXPECT_EQ(parsed(R"({foo=~"invalid[regexp"})").rfind("ERROR: error parsing regexp: ", 0), 0u);
}

TEST(AmMatchers, MatchAnchoredAndWithoutDotMatchingNewline) {
  auto ms = parse_matchers(R"(team=~"ml|ops", severity!="info", host!~"test.*")");
  ASSERT_TRUE(ms.ok()) << ms.error().message;
  EXPECT_TRUE(all_match(*ms, Labels{{"team", "ml"}, {"severity", "critical"}, {"host", "a"}}));
  EXPECT_FALSE(all_match(*ms, Labels{{"team", "mlops"}, {"host", "a"}}));  // anchored
  EXPECT_FALSE(all_match(*ms, Labels{{"team", "ops"}, {"severity", "info"}}));
  EXPECT_FALSE(all_match(*ms, Labels{{"team", "ops"}, {"host", "test-1"}}));
  EXPECT_TRUE(all_match(*ms, Labels{{"team", "ops"}}));  // a missing label is ""
  // Alertmanager compiles ^(?:re)$ without (?s): "." stops at a newline.
  auto dot = AmMatcher::make(AmMatchType::kRegexp, "a", "x.*");
  ASSERT_TRUE(dot.ok());
  EXPECT_TRUE(dot->matches("xyz"));
  EXPECT_FALSE(dot->matches("x\ny"));
}

// The route part of a groupKey that Alertmanager 0.25 sent for a route with
// matchers: ['severity="critical"', 'team=~"ml|ops"'] (written in the other
// order here: routes sort them).
TEST(AmMatchers, PrintSortedAsRouteKeys) {
  auto ms = parse_matchers(R"(team=~"ml|ops", severity="critical")");
  ASSERT_TRUE(ms.ok());
  sort_matchers(*ms);
  EXPECT_EQ(matchers_string(*ms), R"({severity="critical",team=~"ml|ops"})");
  EXPECT_EQ(matchers_string({}), "{}");
  // By name, then value, then type.
  auto same_name = parse_matchers(R"(a!="2", a=~"1", a="1")");
  ASSERT_TRUE(same_name.ok());
  sort_matchers(*same_name);
  EXPECT_EQ(matchers_string(*same_name), R"({a="1",a=~"1",a!="2"})");
  // OpenMetrics escaping of the value: backslash, newline, double quote.
  auto esc = AmMatcher::make(AmMatchType::kEqual, "q", "a\\b\nc\"d");
  ASSERT_TRUE(esc.ok());
  EXPECT_EQ(esc->to_string(), R"(q="a\\b\nc\"d")");
}

// ParseMatchers ranges over runes: a byte that is not UTF-8 is U+FFFD.
TEST(AmMatchers, InvalidUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(parsed("a=\"\xff\""), "a=\"\xEF\xBF\xBD\"");
  EXPECT_EQ(parsed("a=\"\xed\xa0\x80\""), "a=\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
  EXPECT_EQ(parsed("a=\"\xc3\xa9\""), "a=\"\xc3\xa9\"");
  EXPECT_EQ(parsed("a=\"\xc3\""), "a=\"\xEF\xBF\xBD\"");  // truncated
}

}  // namespace
}  // namespace cogwatch::notify
