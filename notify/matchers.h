// Alertmanager 0.25's label matchers (pkg/labels): the syntax of routes'
// `matchers`, inhibit rules, silences and amtool, and the text Alertmanager
// prints them in (route keys inside a webhook message's groupKey).
//
//   auto ms = parse_matchers(R"({severity="critical", team=~"ml|ops"})");
//   if (!ms) return ms.error();      // "bad matcher format: ..." etc.
//   sort_matchers(*ms);              // as a route sorts its matchers
//   matchers_string(*ms);            // {severity="critical",team=~"ml|ops"}
//
// Not model's LabelMatcher: Alertmanager anchors a regex as ^(?:re)$ without
// Prometheus's DotNL, so "." does not match a newline here.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace cogwatch::notify {

enum class AmMatchType : uint8_t { kEqual, kNotEqual, kRegexp, kNotRegexp };

class AmMatcher {
 public:
  // labels.NewMatcher. Errors: kInvalidArgument, "error parsing regexp: ..."
  // (RE2's reason, not Go's words).
  static Result<AmMatcher> make(AmMatchType type, std::string_view name, std::string_view value);

  AmMatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // Whether a label value satisfies it ("" for a missing label).
  bool matches(std::string_view value) const;
  bool matches(const Labels& labels) const { return matches(labels.get(name_)); }

  // Matcher.String(): name, operator, the value in double quotes with
  // OpenMetrics escaping (\\, \n, \"): team=~"ml|ops".
  std::string to_string() const;

 private:
  AmMatchType type_ = AmMatchType::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> regex_;  // regex types only
};

using AmMatchers = std::vector<AmMatcher>;

// labels.ParseMatcher: `name op value`, whitespace around each token, the
// value optionally in double quotes with OpenMetrics escapes (a stray
// backslash is literal). Errors: kInvalidArgument, "bad matcher format: S",
// "matcher value contains unescaped double quote: V", or the regex's
// error. Text that is not UTF-8 is a bad format (Go's ParseMatcher says
// "matcher value not valid UTF-8"; through ParseMatchers it never sees any).
Result<AmMatcher> parse_matcher(std::string_view text);

// labels.ParseMatchers: a comma-separated list, commas inside double quotes
// not separating, an optional leading '{' and trailing '}', a trailing comma
// allowed: {foo = "bar", dings != "bums", } or foo=bar,dings!=bums. Bytes
// that are not UTF-8 become U+FFFD first, as Go's range over a string.
Result<AmMatchers> parse_matchers(std::string_view text);

// Matchers' sort order (by name, then value, then type), as routes keep
// their matchers.
void sort_matchers(AmMatchers& matchers);

// Matchers.String(): {a="1",b=~"x"}: no spaces, "{}" when empty.
std::string matchers_string(const AmMatchers& matchers);

// Whether every matcher matches the labels.
bool all_match(const AmMatchers& matchers, const Labels& labels);

}  // namespace cogwatch::notify
