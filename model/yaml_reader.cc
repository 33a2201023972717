#include "model/yaml_reader.h"

#include <algorithm>

namespace cogwatch {

void YamlReader::fail(const YAML::Node& at, const std::string& what) const {
  const YAML::Mark m = at.Mark();
  throw Error{file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " + what};
}

Labels YamlReader::labels(const YAML::Node& n, const std::string& context) const {
  if (!n || n.IsNull()) return {};
  if (!n.IsMap()) fail(n, context + " must be a mapping of label names to values");
  LabelsBuilder b;
  for (const auto& kv : n) {
    const std::string name = kv.first.as<std::string>();
    if (name.empty()) fail(kv.first, "invalid label name \"\" in " + context);
    if (!kv.second.IsScalar()) fail(kv.second, "label values must be strings");
    b.set(name, kv.second.as<std::string>());
  }
  return b.build();
}

YamlReader::Fields::Fields(const YamlReader& r, const YAML::Node& node, std::string context,
                           std::vector<std::string_view> known)
    : r_(r), node_(node), context_(std::move(context)) {
  if (!node.IsMap()) r.fail(node, context_ + " must be a mapping");
  std::vector<std::string> seen;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      r.fail(kv.first, "unknown field \"" + key + "\" in " + context_);
    }
    // yaml.v2's UnmarshalStrict, which Prometheus and Alertmanager read
    // with, refuses a repeated field; yaml-cpp would read the first.
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      r.fail(kv.first, "field \"" + key + "\" already set in " + context_);
    }
    seen.push_back(key);
  }
}

std::string YamlReader::Fields::string(const char* key, std::string fallback) const {
  if (!has(key)) return fallback;
  const YAML::Node n = node_[key];
  if (!n.IsScalar()) r_.fail(n, std::string(key) + " must be a string");
  return n.as<std::string>();
}

Duration YamlReader::Fields::duration(const char* key, Duration fallback) const {
  if (!has(key)) return fallback;
  const YAML::Node n = node_[key];
  auto d = parse_duration(n.IsScalar() ? n.as<std::string>() : "");
  if (!d) r_.fail(n, d.error().message);
  return *d;
}

bool YamlReader::Fields::boolean(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  const YAML::Node n = node_[key];
  bool v;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) r_.fail(n, std::string(key) + " must be true or false");
  return v;
}

uint64_t YamlReader::Fields::count(const char* key) const {
  if (!has(key)) return 0;
  const YAML::Node n = node_[key];
  uint64_t v;
  if (!n.IsScalar() || !YAML::convert<uint64_t>::decode(n, v)) {
    r_.fail(n, std::string(key) + " must be a non-negative integer");
  }
  return v;
}

std::vector<std::string> YamlReader::Fields::strings(const char* key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const YAML::Node n = node_[key];
  if (!n.IsSequence()) r_.fail(n, std::string(key) + " must be a list");
  for (const auto& item : n) {
    if (!item.IsScalar()) r_.fail(item, std::string(key) + " entries must be strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

}  // namespace cogwatch
