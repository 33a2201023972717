// LabelMatcher: one condition of a series selector, name op "value", with
// Prometheus's semantics.
//
// - Regexes are fully anchored: =~"cog.*" means ^(?:cog.*)$, and '.' matches
//   a newline too (Prometheus compiles with DotNL).
// - A missing label has the value "": {a=""} selects series without a,
//   {a!=""} selects series with it, {a=~".*"} selects every series.
//
//   auto m = LabelMatcher::make(MatchType::kRegexMatch, "job", "cog.*");
//   if (!m) return m.error();  // kInvalidArgument, message names the regex
//   m->matches("cog-1");       // true
//
// Thread-safety: immutable after make(); copies share the compiled regex and
// may be used from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace cogwatch {

enum class MatchType : uint8_t { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
std::string_view match_type_string(MatchType t);

class LabelMatcher {
 public:
  // Compiles the matcher. Errors: kInvalidArgument for a regex RE2 rejects,
  // with RE2's reason.
  static Result<LabelMatcher> make(MatchType type, std::string_view name, std::string_view value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  bool is_regex() const { return type_ == MatchType::kRegexMatch || type_ == MatchType::kRegexNoMatch; }
  bool is_negative() const { return type_ == MatchType::kNotEqual || type_ == MatchType::kRegexNoMatch; }

  // Whether a label value satisfies the matcher ("" for a missing label).
  bool matches(std::string_view value) const;
  // Whether a series with these labels satisfies the matcher.
  bool matches(const Labels& labels) const { return matches(labels.get(name_)); }
  // Whether a missing label satisfies it; decides how the index evaluates it.
  bool matches_empty() const { return matches_empty_; }

  // The matcher with the opposite operator and the same name and value.
  LabelMatcher inverse() const;

  // For positive regexes that are an alternation of literals
  // ("a|b|c", also "a"), the literal values; empty otherwise. Lets the index
  // look values up instead of scanning all values of the label.
  const std::vector<std::string>& set_values() const;

  // name op "value", as PromQL prints it: job=~"cog.*".
  std::string to_string() const;

 private:
  // Regexes whose match needs no RE2 call.
  enum class RegexShape : uint8_t {
    kGeneral,
    kAnything,    // .*
    kNonEmpty,    // .+
    kLiteralSet,  // a|b|c
    kPrefix,      // lit.*
    kSuffix,      // .*lit
    kContains,    // .*lit.*
  };
  LabelMatcher() = default;
  bool regex_matches(std::string_view value) const;

  MatchType type_ = MatchType::kEqual;
  RegexShape shape_ = RegexShape::kGeneral;
  bool matches_empty_ = false;
  std::string name_;
  std::string value_;
  std::vector<std::string> literals_;  // sorted, unique; for kLiteralSet
  std::string literal_;                // for kPrefix, kSuffix, kContains
  std::shared_ptr<const re2::RE2> re_;
};

// Whether a series satisfies every matcher.
bool matches_all(const std::vector<LabelMatcher>& matchers, const Labels& labels);

}  // namespace cogwatch
