#include "model/matcher.h"

#include <algorithm>

#include <re2/re2.h>

#include "model/labels.h"

namespace cogwatch {
namespace {

bool is_regex_meta(char c) {
  switch (c) {
    case '\\': case '.': case '+': case '*': case '?': case '(': case ')':
    case '|': case '[': case ']': case '{': case '}': case '^': case '$':
      return true;
    default:
      return false;
  }
}

// If pattern is lit1|lit2|... with no other regex syntax, the literals.
bool split_literal_alternation(std::string_view pattern, std::vector<std::string>& out) {
  out.clear();
  std::string current;
  for (char c : pattern) {
    if (c == '|') {
      out.push_back(std::move(current));
      current.clear();
    } else if (is_regex_meta(c)) {
      out.clear();
      return false;
    } else {
      current += c;
    }
  }
  out.push_back(std::move(current));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

bool is_literal(std::string_view s) {
  return std::none_of(s.begin(), s.end(), is_regex_meta);
}

}  // namespace

std::string_view match_type_string(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

Result<LabelMatcher> LabelMatcher::make(MatchType type, std::string_view name, std::string_view value) {
  LabelMatcher m;
  m.type_ = type;
  m.name_ = std::string(name);
  m.value_ = std::string(value);
  if (m.is_regex()) {
    if (value == ".*") {
      m.shape_ = RegexShape::kAnything;
    } else if (value == ".+") {
      m.shape_ = RegexShape::kNonEmpty;
    } else if (split_literal_alternation(value, m.literals_)) {
      m.shape_ = RegexShape::kLiteralSet;
    } else if (value.size() > 4 && value.starts_with(".*") && value.ends_with(".*") &&
               is_literal(value.substr(2, value.size() - 4))) {
      m.shape_ = RegexShape::kContains;
      m.literal_ = std::string(value.substr(2, value.size() - 4));
    } else if (value.size() > 2 && value.ends_with(".*") && is_literal(value.substr(0, value.size() - 2))) {
      m.shape_ = RegexShape::kPrefix;
      m.literal_ = std::string(value.substr(0, value.size() - 2));
    } else if (value.size() > 2 && value.starts_with(".*") && is_literal(value.substr(2))) {
      m.shape_ = RegexShape::kSuffix;
      m.literal_ = std::string(value.substr(2));
    } else {
      RE2::Options options;
      options.set_dot_nl(true);  // Prometheus: '.' matches '\n' as well
      options.set_log_errors(false);
      auto re = std::make_shared<const RE2>("^(?:" + m.value_ + ")$", options);
      if (!re->ok()) {
        // Report RE2's complaint about the user's text, not the anchored one.
        const RE2 plain(m.value_, options);
        const std::string why = plain.ok() ? re->error() : plain.error();
        return make_error(ErrorCode::kInvalidArgument, "invalid regular expression \"" + m.value_ + "\": " + why);
      }
      m.re_ = std::move(re);
    }
  }
  m.matches_empty_ = m.matches(std::string_view());
  return m;
}

bool LabelMatcher::regex_matches(std::string_view value) const {
  switch (shape_) {
    case RegexShape::kAnything: return true;
    case RegexShape::kNonEmpty: return !value.empty();
    case RegexShape::kLiteralSet: return std::binary_search(literals_.begin(), literals_.end(), value);
    // '.' matches any character including '\n' (dot_nl), so these are exact.
    case RegexShape::kPrefix: return value.starts_with(literal_);
    case RegexShape::kSuffix: return value.ends_with(literal_);
    case RegexShape::kContains: return value.find(literal_) != std::string_view::npos;
    case RegexShape::kGeneral: return RE2::FullMatch(value, *re_);
  }
  return false;
}

bool LabelMatcher::matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual: return value == value_;
    case MatchType::kNotEqual: return value != value_;
    case MatchType::kRegexMatch: return regex_matches(value);
    case MatchType::kRegexNoMatch: return !regex_matches(value);
  }
  return false;
}

LabelMatcher LabelMatcher::inverse() const {
  LabelMatcher m = *this;
  switch (type_) {
    case MatchType::kEqual: m.type_ = MatchType::kNotEqual; break;
    case MatchType::kNotEqual: m.type_ = MatchType::kEqual; break;
    case MatchType::kRegexMatch: m.type_ = MatchType::kRegexNoMatch; break;
    case MatchType::kRegexNoMatch: m.type_ = MatchType::kRegexMatch; break;
  }
  m.matches_empty_ = m.matches(std::string_view());
  return m;
}

const std::vector<std::string>& LabelMatcher::set_values() const {
  static const std::vector<std::string> kNone;
  return type_ == MatchType::kRegexMatch && shape_ == RegexShape::kLiteralSet ? literals_ : kNone;
}

std::string LabelMatcher::to_string() const {
  std::string out = is_legacy_label_name(name_) ? name_ : go_quote(name_);
  out += match_type_string(type_);
  out += go_quote(value_);
  return out;
}

bool matches_all(const std::vector<LabelMatcher>& matchers, const Labels& labels) {
  return std::all_of(matchers.begin(), matchers.end(), [&](const LabelMatcher& m) { return m.matches(labels); });
}

}  // namespace cogwatch
