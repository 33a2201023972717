// Strict reading of configuration YAML, with every error pointing at its
// place: `prometheus.yml:12:5: unknown field "scrape_intervl" in scrape config`.
// What prometheus.yml, alertmanager.yml and the HTTP client settings they
// share are read with, so the three say the same things in the same words.
//
//   Result<Config> parse(std::string_view text, const std::string& file) {
//     return read_yaml_document(text, file, [&](const YamlReader& r, const YAML::Node& root) {
//       YamlReader::Fields f(r, root, "the configuration", {"global", "route"});
//       return Config{.interval = f.duration("interval", kMinute)};
//     });
//   }
//
// A reader throws YamlReader::Error from fail(); read_yaml_document()
// catches it (and yaml-cpp's own syntax errors) and returns it as a
// kInvalidArgument error, so the exception never crosses a module's API.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "model/yaml.h"

namespace cogwatch {

class YamlReader {
 public:
  // What fail() throws: "<file>:<line>:<col>: <what>".
  struct Error {
    std::string message;
  };

  explicit YamlReader(std::string filename) : file_(std::move(filename)) {}

  const std::string& filename() const { return file_; }

  // Throws Error at the node's place.
  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const;

  // A mapping of label names to values; empty for a missing or null node.
  Labels labels(const YAML::Node& n, const std::string& context) const;

  // A mapping whose keys must all be known and appear once (an unknown or
  // repeated one fails at its place); reads fields by name, with
  // Prometheus's types and words.
  class Fields {
   public:
    Fields(const YamlReader& r, const YAML::Node& node, std::string context, std::vector<std::string_view> known);

    YAML::Node get(const char* key) const { return node_[key]; }
    bool has(const char* key) const { return node_[key] && !node_[key].IsNull(); }
    const YAML::Node& node() const { return node_; }

    std::string string(const char* key, std::string fallback = "") const;
    // A Prometheus duration ("30s", "1h30m"); fails on a bad one.
    Duration duration(const char* key, Duration fallback) const;
    bool boolean(const char* key, bool fallback) const;
    uint64_t count(const char* key) const;  // a non-negative integer; 0 when missing
    std::vector<std::string> strings(const char* key) const;

   private:
    const YamlReader& r_;
    YAML::Node node_;
    std::string context_;
  };

 private:
  std::string file_;
};

// Loads the first document of `text` (model/yaml.h) and runs `parse(reader,
// root)` on it. Errors from the reader and from yaml-cpp come back as
// kInvalidArgument with their place.
template <typename Parse>
auto read_yaml_document(std::string_view text, const std::string& filename, Parse parse)
    -> Result<decltype(parse(std::declval<const YamlReader&>(), std::declval<const YAML::Node&>()))> {
  try {
    const YamlReader reader(filename);
    return parse(reader, load_yaml(text));
  } catch (const YamlReader::Error& e) {
    return make_error(ErrorCode::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, filename + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

}  // namespace cogwatch
