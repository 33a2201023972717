#include "model/regex_template.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include <re2/re2.h>

namespace cogwatch {

std::string expand_regex_template(const re2::RE2& re, std::string_view tmpl,
                                  const std::vector<std::string_view>& groups) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 == tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    size_t next;
    if (tmpl[i + 1] == '{') {
      const size_t close = tmpl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 2, close - i - 2);
      next = close + 1;
    } else {
      size_t j = i + 1;
      while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) ++j;
      if (j == i + 1) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 1, j - i - 1);
      next = j;
    }
    int index = -1;
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      index = name.size() > 9 ? -1 : std::atoi(std::string(name).c_str());
    } else {
      const auto& named = re.NamedCapturingGroups();
      if (auto it = named.find(std::string(name)); it != named.end()) index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size()) out += groups[static_cast<size_t>(index)];
    i = next - 1;
  }
  return out;
}

bool match_groups(const re2::RE2& re, std::string_view value, std::vector<std::string_view>& groups) {
  std::vector<re2::StringPiece> pieces(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  if (!re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(), re2::RE2::UNANCHORED, pieces.data(),
                static_cast<int>(pieces.size()))) {
    return false;
  }
  groups.resize(pieces.size());
  for (size_t g = 0; g < pieces.size(); ++g) groups[g] = std::string_view(pieces[g].data(), pieces[g].size());
  return true;
}

}  // namespace cogwatch
