#include "notify/matchers.h"

#include <re2/re2.h>

#include <algorithm>
#include <tuple>

#include "model/utf8.h"

namespace cogwatch::notify {
namespace {

Error invalid(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

std::string_view type_string(AmMatchType t) {
  switch (t) {
    case AmMatchType::kEqual: return "=";
    case AmMatchType::kNotEqual: return "!=";
    case AmMatchType::kRegexp: return "=~";
    case AmMatchType::kNotRegexp: return "!~";
  }
  return "=";
}

// What Go's `for _, r := range s` sees: each byte that does not start a
// valid sequence becomes U+FFFD.
std::string as_runes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (const size_t n = utf8_rune_length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

Result<AmMatcher> AmMatcher::make(AmMatchType type, std::string_view name, std::string_view value) {
  AmMatcher m;
  m.type_ = type;
  m.name_ = name;
  m.value_ = value;
  if (type == AmMatchType::kRegexp || type == AmMatchType::kNotRegexp) {
    auto re = std::make_shared<const re2::RE2>("^(?:" + m.value_ + ")$", re2::RE2::Quiet);
    if (!re->ok()) return invalid("error parsing regexp: " + re->error());
    m.regex_ = std::move(re);
  }
  return m;
}

bool AmMatcher::matches(std::string_view value) const {
  switch (type_) {
    case AmMatchType::kEqual: return value == value_;
    case AmMatchType::kNotEqual: return value != value_;
    case AmMatchType::kRegexp: return re2::RE2::FullMatch(value, *regex_);
    case AmMatchType::kNotRegexp: return !re2::RE2::FullMatch(value, *regex_);
  }
  return false;
}

std::string AmMatcher::to_string() const {
  std::string out = name_ + std::string(type_string(type_)) + "\"";
  for (const char c : value_) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"': out += "\\\""; break;
      default: out += c;
    }
  }
  return out + "\"";
}

Result<AmMatcher> parse_matcher(std::string_view text) {
  // Alertmanager's own pattern; '=~' before '=' so that '~' is not left
  // to the value.
  static const re2::RE2 kMatcher(R"(^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$)");
  std::string name, op, raw;
  if (!re2::RE2::FullMatch(text, kMatcher, &name, &op, &raw)) {
    return invalid("bad matcher format: " + std::string(text));
  }
  const std::string shown = raw;  // errors quote the value as written
  std::string_view rest = raw;
  bool expect_trailing_quote = false;
  if (rest.starts_with('"')) {
    rest.remove_prefix(1);
    expect_trailing_quote = true;
  }
  std::string value;
  bool escaped = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value += '\n';
      } else if (c == '"' || c == '\\') {
        value += c;
      } else {
        value += '\\';  // a spurious escape: the backslash is literal
        value += c;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 < rest.size()) {
        escaped = true;
      } else {
        value += '\\';  // a backslash as the last byte is literal
      }
    } else if (c == '"') {
      if (!expect_trailing_quote || i + 1 < rest.size()) {
        return invalid("matcher value contains unescaped double quote: " + shown);
      }
      expect_trailing_quote = false;
    } else {
      value += c;
    }
  }
  if (expect_trailing_quote) return invalid("matcher value contains unescaped double quote: " + shown);
  const AmMatchType type = op == "=" ? AmMatchType::kEqual
                           : op == "!=" ? AmMatchType::kNotEqual
                           : op == "=~" ? AmMatchType::kRegexp
                                        : AmMatchType::kNotRegexp;
  return AmMatcher::make(type, name, value);
}

Result<AmMatchers> parse_matchers(std::string_view input) {
  const std::string runes = as_runes(input);
  std::string_view text = runes;
  if (text.starts_with('{')) text.remove_prefix(1);
  if (text.ends_with('}')) text.remove_suffix(1);
  // Split at commas outside double quotes; \" does not open or close.
  std::vector<std::string> tokens;
  std::string token;
  bool inside_quotes = false;
  bool escaped = false;
  for (const char c : text) {
    switch (c) {
      case ',':
        if (!inside_quotes) {
          tokens.push_back(std::move(token));
          token.clear();
          continue;
        }
        break;
      case '"':
        if (!escaped) {
          inside_quotes = !inside_quotes;
        } else {
          escaped = false;
        }
        break;
      case '\\': escaped = !escaped; break;
      default: escaped = false;
    }
    token += c;
  }
  // A last token of only whitespace is the trailing comma's.
  if (token.find_first_not_of(" \t\n\v\f\r") != std::string::npos) tokens.push_back(std::move(token));
  AmMatchers out;
  for (const std::string& t : tokens) {
    auto m = parse_matcher(t);
    if (!m) return m.take_error();
    out.push_back(*std::move(m));
  }
  return out;
}

void sort_matchers(AmMatchers& matchers) {
  std::stable_sort(matchers.begin(), matchers.end(), [](const AmMatcher& a, const AmMatcher& b) {
    // AmMatchType is declared in Go's MatchType order.
    return std::forward_as_tuple(a.name(), a.value(), a.type()) < std::forward_as_tuple(b.name(), b.value(), b.type());
  });
}

std::string matchers_string(const AmMatchers& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ",";
    out += matchers[i].to_string();
  }
  return out + "}";
}

bool all_match(const AmMatchers& matchers, const Labels& labels) {
  return std::all_of(matchers.begin(), matchers.end(), [&](const AmMatcher& m) { return m.matches(labels); });
}

}  // namespace cogwatch::notify
