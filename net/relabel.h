// Relabelling, as Prometheus's relabel_configs, metric_relabel_configs and
// alert_relabel_configs: a list of steps, each reading source labels and
// rewriting the label set or dropping it. Scrape targets, scraped series and
// outgoing alerts all go through it (and remote_write's write_relabel_configs
// will).
//
//   auto step = RelabelConfig::make({.action = RelabelAction::kKeep,
//                                    .source_labels = {"job"}, .regex = "cog.*"});
//   std::optional<Labels> out = relabel(labels, steps);  // nullopt: dropped
//
//   // From YAML, inside a YamlReader parse (model/yaml_reader.h):
//   cfg.alert_relabel_configs = read_relabel_configs(reader, f.get("alert_relabel_configs"), "alert relabel config");
//
// Defaults are Prometheus's: separator ";", regex "(.*)" (anchored at both
// ends), replacement "$1", action replace.
//
// Thread-safety: a RelabelConfig is immutable after make() and shareable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/yaml_reader.h"

namespace re2 {
class RE2;
}

namespace cogwatch::net {

enum class RelabelAction : uint8_t {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// "replace", "keep", ... as written in YAML; nullopt for an unknown name.
std::optional<RelabelAction> parse_relabel_action(std::string_view name);
std::string_view relabel_action_name(RelabelAction a);

struct RelabelSpec {
  RelabelAction action = RelabelAction::kReplace;
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string target_label;
  std::string regex = "(.*)";
  uint64_t modulus = 0;
  std::string replacement = "$1";
  // Which fields were written, for validation of actions that forbid them.
  bool separator_set = false, target_label_set = false, replacement_set = false, regex_set = false;

  friend bool operator==(const RelabelSpec&, const RelabelSpec&) = default;
};

class RelabelConfig {
 public:
  // Validates as Prometheus does (e.g. "relabel configuration for hashmod
  // requires non-zero modulus") and compiles the regex. Errors are
  // kInvalidArgument.
  static Result<RelabelConfig> make(RelabelSpec spec);

  const RelabelSpec& spec() const { return spec_; }
  friend bool operator==(const RelabelConfig& a, const RelabelConfig& b) { return a.spec_ == b.spec_; }

 private:
  friend std::optional<Labels> relabel(const Labels&, const std::vector<RelabelConfig>&);
  RelabelSpec spec_;
  std::shared_ptr<const re2::RE2> re_;
};

// Applies the steps in order. nullopt when a keep/drop step dropped the
// set (or nothing is left of it).
std::optional<Labels> relabel(const Labels& labels, const std::vector<RelabelConfig>& steps);

// Reads a YAML list of relabel steps (`source_labels`, `separator`,
// `target_label`, `regex`, `modulus`, `replacement`, `action`), validated by
// RelabelConfig::make. An absent or null node is an empty list. Fails, as
// YamlReader does, at the place of the bad step or field: "unknown relabel
// action \"shuffle\"", "<context> must be a list", make()'s messages.
std::vector<RelabelConfig> read_relabel_configs(const YamlReader& reader, const YAML::Node& node,
                                                const std::string& context);

}  // namespace cogwatch::net
