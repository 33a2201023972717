#include "net/relabel.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <array>
#include <cctype>

#include "model/regex_template.h"

namespace cogwatch::net {
namespace {

constexpr std::array<std::pair<std::string_view, RelabelAction>, 11> kActions = {{
    {"replace", RelabelAction::kReplace},
    {"keep", RelabelAction::kKeep},
    {"drop", RelabelAction::kDrop},
    {"keepequal", RelabelAction::kKeepEqual},
    {"dropequal", RelabelAction::kDropEqual},
    {"hashmod", RelabelAction::kHashMod},
    {"labelmap", RelabelAction::kLabelMap},
    {"labeldrop", RelabelAction::kLabelDrop},
    {"labelkeep", RelabelAction::kLabelKeep},
    {"lowercase", RelabelAction::kLowercase},
    {"uppercase", RelabelAction::kUppercase},
}};

Error invalid(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

uint64_t md5_mod(std::string_view value, uint64_t modulus) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(value.data(), value.size(), digest, &len, EVP_md5(), nullptr);
  // The last 8 bytes, big-endian, as Prometheus.
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = v << 8 | digest[i];
  return v % modulus;
}

}  // namespace

std::optional<RelabelAction> parse_relabel_action(std::string_view name) {
  for (const auto& [text, action] : kActions) {
    if (text == name) return action;
  }
  return std::nullopt;
}

std::string_view relabel_action_name(RelabelAction a) {
  for (const auto& [text, action] : kActions) {
    if (action == a) return text;
  }
  return "?";
}

Result<RelabelConfig> RelabelConfig::make(RelabelSpec spec) {
  const std::string action(relabel_action_name(spec.action));
  switch (spec.action) {
    case RelabelAction::kHashMod:
      if (spec.modulus == 0) return invalid("relabel configuration for hashmod requires non-zero modulus");
      [[fallthrough]];
    case RelabelAction::kReplace:
    case RelabelAction::kLowercase:
    case RelabelAction::kUppercase:
    case RelabelAction::kKeepEqual:
    case RelabelAction::kDropEqual:
      if (spec.target_label.empty()) {
        return invalid("relabel configuration for " + action + " action requires 'target_label' value");
      }
      break;
    default:
      break;
  }
  if ((spec.action == RelabelAction::kLowercase || spec.action == RelabelAction::kUppercase ||
       spec.action == RelabelAction::kHashMod || spec.action == RelabelAction::kKeepEqual ||
       spec.action == RelabelAction::kDropEqual) &&
      !is_valid_label_name(spec.target_label)) {
    return invalid("\"" + spec.target_label + "\" is invalid 'target_label' for " + action + " action");
  }
  if ((spec.action == RelabelAction::kKeepEqual || spec.action == RelabelAction::kDropEqual) &&
      (spec.regex_set || spec.replacement_set || spec.separator_set || spec.modulus != 0)) {
    return invalid(action + " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  if ((spec.action == RelabelAction::kLabelDrop || spec.action == RelabelAction::kLabelKeep) &&
      (!spec.source_labels.empty() || spec.target_label_set || spec.modulus != 0 || spec.separator_set ||
       spec.replacement_set)) {
    return invalid(action + " action requires only 'regex', and no other fields");
  }
  RE2::Options options;
  options.set_dot_nl(true);
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>("^(?:" + spec.regex + ")$", options);
  if (!re->ok()) {
    const RE2 plain(spec.regex, options);
    return invalid("invalid regular expression \"" + spec.regex + "\": " + (plain.ok() ? re->error() : plain.error()));
  }
  RelabelConfig c;
  c.spec_ = std::move(spec);
  c.re_ = std::move(re);
  return c;
}

std::optional<Labels> relabel(const Labels& labels, const std::vector<RelabelConfig>& steps) {
  LabelsBuilder b(labels);
  std::vector<std::string_view> groups;
  for (const RelabelConfig& step : steps) {
    const RelabelSpec& s = step.spec_;
    const RE2& re = *step.re_;
    std::string value;
    for (size_t i = 0; i < s.source_labels.size(); ++i) {
      if (i > 0) value += s.separator;
      value += b.get(s.source_labels[i]);
    }
    switch (s.action) {
      case RelabelAction::kDrop:
        if (RE2::FullMatch(value, re)) return std::nullopt;
        break;
      case RelabelAction::kKeep:
        if (!RE2::FullMatch(value, re)) return std::nullopt;
        break;
      case RelabelAction::kDropEqual:
        if (b.get(s.target_label) == value) return std::nullopt;
        break;
      case RelabelAction::kKeepEqual:
        if (b.get(s.target_label) != value) return std::nullopt;
        break;
      case RelabelAction::kReplace: {
        if (!match_groups(re, value, groups)) break;  // no match: no change
        const std::string target = expand_regex_template(re, s.target_label, groups);
        if (!is_valid_label_name(target)) break;
        const std::string result = expand_regex_template(re, s.replacement, groups);
        if (result.empty()) {
          b.del(target);
        } else {
          b.set(target, result);
        }
        break;
      }
      case RelabelAction::kLowercase:
      case RelabelAction::kUppercase: {
        for (char& c : value) {
          c = static_cast<char>(s.action == RelabelAction::kLowercase ? std::tolower(static_cast<unsigned char>(c))
                                                                      : std::toupper(static_cast<unsigned char>(c)));
        }
        b.set(s.target_label, value);
        break;
      }
      case RelabelAction::kHashMod:
        b.set(s.target_label, std::to_string(md5_mod(value, s.modulus)));
        break;
      case RelabelAction::kLabelMap: {
        const Labels current = b.build();
        for (const Label l : current) {
          if (!match_groups(re, l.name, groups)) continue;
          b.set(expand_regex_template(re, s.replacement, groups), l.value);
        }
        break;
      }
      case RelabelAction::kLabelDrop:
      case RelabelAction::kLabelKeep: {
        const Labels current = b.build();
        for (const Label l : current) {
          const bool match = RE2::FullMatch(re2::StringPiece(l.name.data(), l.name.size()), re);
          if (match == (s.action == RelabelAction::kLabelDrop)) b.del(l.name);
        }
        break;
      }
    }
  }
  Labels out = b.build();
  if (out.empty()) return std::nullopt;
  return out;
}

std::vector<RelabelConfig> read_relabel_configs(const YamlReader& reader, const YAML::Node& n,
                                                const std::string& context) {
  std::vector<RelabelConfig> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) reader.fail(n, context + " must be a list");
  for (const auto& item : n) {
    YamlReader::Fields f(reader, item, context,
                         {"source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"});
    RelabelSpec spec;
    if (f.has("action")) {
      auto a = parse_relabel_action(f.string("action"));
      if (!a) reader.fail(f.get("action"), "unknown relabel action \"" + f.string("action") + "\"");
      spec.action = *a;
    }
    spec.source_labels = f.strings("source_labels");
    spec.separator_set = f.has("separator");
    spec.separator = f.string("separator", spec.separator);
    spec.target_label_set = f.has("target_label");
    spec.target_label = f.string("target_label");
    spec.regex_set = f.has("regex");
    spec.regex = f.string("regex", spec.regex);
    spec.modulus = f.count("modulus");
    spec.replacement_set = f.has("replacement");
    spec.replacement = f.string("replacement", spec.replacement);
    auto c = RelabelConfig::make(std::move(spec));
    if (!c) reader.fail(item, c.error().message);
    out.push_back(*std::move(c));
  }
  return out;
}

}  // namespace cogwatch::net
