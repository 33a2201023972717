// Expanding a replacement template against a regex match as Go's
// regexp.Expand does, which Prometheus uses for label_replace() and for
// relabelling: $1, ${1}, $name, ${name}, and $$ for a literal '$'. A name
// that is neither a group number nor a named group expands to "". As in
// Go, "$1x" names the group "1x" (use "${1}x").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace cogwatch {

// groups[0] is the whole match, groups[i] the i-th capture.
std::string expand_regex_template(const re2::RE2& re, std::string_view tmpl, const std::vector<std::string_view>& groups);

// Matches value against re (already anchored by the caller as needed) and
// returns the groups, or false.
bool match_groups(const re2::RE2& re, std::string_view value, std::vector<std::string_view>& groups);

}  // namespace cogwatch
