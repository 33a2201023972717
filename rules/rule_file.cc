#include "rules/rule_file.h"


#include <algorithm>
#include <iterator>
#include <set>

#include "model/file.h"
#include "model/yaml.h"
#include "parser/parser.h"

namespace cogwatch::rules {
namespace {

FilePosition position_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return {};
  return {static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
}

bool is_valid_label_value(std::string_view v) { return v.empty() || is_valid_label_name(v); }

// Reads one file, collecting every error instead of stopping at the first.
class Reader {
 public:
  Reader(std::string path, const RuleFileOptions& options) : path_(std::move(path)), options_(options) {}

  void error(FilePosition at, const std::string& what) {
    errors_.push_back(at.line == 0 ? path_ + ": " + what
                                   : path_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                                         ": " + what);
  }
  void error(const YAML::Node& at, const std::string& what) { error(position_of(at), what); }

  std::vector<std::string> take_errors() { return std::move(errors_); }

  // The file's groups: top-level `groups`, or every document's
  // spec.groups in a stream of PrometheusRule objects (kustomize and helm
  // write them `---` separated).
  std::vector<GroupSpec> file(const std::vector<YAML::Node>& stream) {
    std::vector<YAML::Node> documents;
    for (const YAML::Node& d : stream) {
      if (d && !d.IsNull()) documents.push_back(d);
    }
    std::vector<GroupSpec> groups;
    for (size_t i = 0; i < documents.size(); ++i) {
      const YAML::Node& root = documents[i];
      const std::string which = documents.size() > 1 ? "document " + std::to_string(i + 1) + ": " : "";
      if (!root.IsMap()) {
        error(root, which + "a rule file must be a mapping with \"groups\"");
        continue;
      }
      const std::string kind = kind_of(root);
      if (kind != "PrometheusRule" && root["apiVersion"] && !kind.empty()) {
        error(root, which + "a Kubernetes " + kind + ", not a PrometheusRule: it holds no rule groups");
        continue;
      }
      if (i > 0 && (kind != "PrometheusRule" || !is_prometheus_rule(documents[0]))) {
        // Checking it would pass rules that Prometheus never loads.
        error(root, which +
                        "Prometheus reads only the first YAML document of a rule file in its own format and would "
                        "ignore this one; several documents are read only when all are PrometheusRule objects");
        continue;
      }
      std::vector<GroupSpec> more = kind == "PrometheusRule" ? prometheus_rule(root, which) : plain(root);
      std::move(more.begin(), more.end(), std::back_inserter(groups));
    }
    return groups;
  }

 private:
  static std::string kind_of(const YAML::Node& root) {
    return root.IsMap() && root["kind"] && root["kind"].IsScalar() ? root["kind"].Scalar() : "";
  }
  static bool is_prometheus_rule(const YAML::Node& root) { return kind_of(root) == "PrometheusRule"; }

  std::vector<GroupSpec> plain(const YAML::Node& root) {
    check_keys(root, "rule file", {"groups"});
    return group_list(root["groups"]);
  }

  // The object's other fields (apiVersion, metadata) are Kubernetes'.
  std::vector<GroupSpec> prometheus_rule(const YAML::Node& root, const std::string& which) {
    const YAML::Node spec = root["spec"];
    if (!spec || !spec.IsMap()) {
      error(root, which + "PrometheusRule without a spec");
      return {};
    }
    check_keys(spec, "PrometheusRule spec", {"groups"});
    return group_list(spec["groups"]);
  }

  std::vector<GroupSpec> group_list(const YAML::Node& groups_node) {
    std::vector<GroupSpec> groups;
    if (!groups_node || groups_node.IsNull()) return groups;
    if (!groups_node.IsSequence()) {
      error(groups_node, "groups must be a list");
      return groups;
    }
    for (const YAML::Node& g : groups_node) {
      GroupSpec group = this->group(g);
      // Unique in the whole file, across documents: the rule manager knows
      // a group by its file and name.
      if (group.name.empty()) {
        error(g, "Groupname must not be empty");
      } else if (!group_names_.insert(group.name).second) {
        error(g, "groupname: \"" + group.name + "\" is repeated in the same file");
      }
      groups.push_back(std::move(group));
    }
    return groups;
  }

  // Reports unknown and repeated keys; true when the node is a mapping.
  bool check_keys(const YAML::Node& map, const std::string& context, std::initializer_list<std::string_view> known) {
    if (!map.IsMap()) {
      error(map, context + " must be a mapping");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) {
        error(kv.first, "mapping key \"" + key + "\" already defined");
      } else if (!options_.ignore_unknown_fields && std::find(known.begin(), known.end(), key) == known.end()) {
        error(kv.first, "unknown field \"" + key + "\" in " + context);
      }
    }
    return true;
  }

  std::string scalar(const YAML::Node& n, const char* what) {
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar()) {
      error(n, std::string(what) + " must be a string");
      return "";
    }
    return n.Scalar();
  }

  Duration duration(const YAML::Node& n, const char* what) {
    const std::string text = scalar(n, what);
    if (text.empty()) return 0;
    auto d = parse_duration(text);
    if (!d) {
      error(n, d.error().message);
      return 0;
    }
    return *d;
  }

  // A map of names to strings; each entry passed to check(name node,
  // value node) for validation. Returns the entries sorted by name, empty
  // values kept (annotations keep them; labels() drops them, as
  // Prometheus's label builder does).
  template <typename Check>
  Annotations string_map(const YAML::Node& n, const char* what, Check&& check) {
    Annotations out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      error(n, std::string(what) + " must be a mapping of names to strings");
      return out;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      if (!seen.insert(name).second) {
        error(kv.first, "mapping key \"" + name + "\" already defined");
        continue;
      }
      if (!kv.second.IsNull() && !kv.second.IsScalar()) {
        error(kv.second, std::string(what) + " values must be strings");
        continue;
      }
      const std::string value = kv.second.IsNull() ? "" : kv.second.Scalar();
      check(kv.first, kv.second, name, value);
      out.emplace_back(name, value);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Labels labels(const YAML::Node& n, const std::function<void(FilePosition, const std::string&)>& report) {
    return annotations_as_labels(string_map(n, "labels", [&](const YAML::Node& key, const YAML::Node& value,
                                                             const std::string& name, const std::string& v) {
      if (!is_valid_label_name(name) || name == kMetricNameLabel) report(position_of(key), "invalid label name: " + name);
      if (!is_valid_label_value(v)) report(position_of(value), "invalid label value: " + v);
    }));
  }

  GroupSpec group(const YAML::Node& g) {
    GroupSpec out;
    out.position = position_of(g);
    if (!check_keys(g, "rule group", {"name", "interval", "query_offset", "limit", "rules", "labels"})) return out;
    out.name = scalar(g["name"], "name");
    out.interval = duration(g["interval"], "interval");
    if (g["query_offset"] && !g["query_offset"].IsNull()) out.query_offset = duration(g["query_offset"], "query_offset");
    if (const YAML::Node limit = g["limit"]; limit && !limit.IsNull()) {
      int64_t v = -1;
      if (!limit.IsScalar() || !YAML::convert<int64_t>::decode(limit, v) || v < 0) {
        error(limit, "limit must be a non-negative integer");
      } else {
        out.limit = static_cast<uint64_t>(v);
      }
    }
    out.labels = labels(g["labels"], [&](FilePosition at, const std::string& what) { error(at, what); });
    const YAML::Node rules = g["rules"];
    if (rules && !rules.IsNull()) {
      if (!rules.IsSequence()) {
        error(rules, "rules must be a list");
      } else {
        int index = 0;
        for (const YAML::Node& r : rules) out.rules.push_back(rule(r, out.name, ++index));
      }
    }
    return out;
  }

  RuleSpec rule(const YAML::Node& r, const std::string& group, int index) {
    RuleSpec out;
    out.position = position_of(r);
    if (!check_keys(r, "rule", {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"})) {
      return out;
    }
    const std::string record = scalar(r["record"], "record");
    const std::string alert = scalar(r["alert"], "alert");
    out.kind = alert.empty() ? RuleKind::kRecording : RuleKind::kAlerting;
    out.name = alert.empty() ? record : alert;
    const YAML::Node name_node = alert.empty() ? r["record"] : r["alert"];
    if (name_node) out.position = position_of(name_node);
    // Prometheus's prefix: group "g", rule 3, "Name": what.
    auto fail = [&](FilePosition at, const std::string& what) {
      error(at.line != 0 ? at : out.position,
            "group \"" + group + "\", rule " + std::to_string(index) + ", \"" + out.name + "\": " + what);
    };
    if (!record.empty() && !alert.empty()) fail(out.position, "only one of 'record' and 'alert' must be set");
    if (record.empty() && alert.empty()) fail(out.position, "one of 'record' or 'alert' must be set");

    const YAML::Node expr = r["expr"];
    out.expr_text = scalar(expr, "expr");
    out.expr_position = expr ? position_of(expr) : out.position;
    if (out.expr_text.empty()) {
      fail(out.expr_position, "field 'expr' must be set in rule");
    } else if (auto parsed = parser::parse_expr(out.expr_text); !parsed) {
      fail(out.expr_position, "could not parse expression: " + parser::format_error(out.expr_text, parsed.error()));
    } else {
      out.expr = std::shared_ptr<const parser::Expr>(std::move(*parsed));
    }
    out.for_duration = duration(r["for"], "for");
    out.keep_firing_for = duration(r["keep_firing_for"], "keep_firing_for");
    out.labels = labels(r["labels"], fail);
    out.annotations = string_map(r["annotations"], "annotations",
                                 [&](const YAML::Node& key, const YAML::Node&, const std::string& name, const std::string&) {
                                   if (!is_valid_label_name(name)) fail(position_of(key), "invalid annotation name: " + name);
                                 });
    if (!record.empty()) {
      if (r["annotations"] && r["annotations"].size() > 0) fail(out.position, "invalid field 'annotations' in recording rule");
      if (out.for_duration != 0) fail(out.position, "invalid field 'for' in recording rule");
      if (out.keep_firing_for != 0) fail(out.position, "invalid field 'keep_firing_for' in recording rule");
      if (!is_valid_label_name(record)) fail(out.position, "invalid recording rule name: " + record);
      if (record.find_first_of("{}") != std::string::npos) {
        fail(out.position, "braces present in the recording rule name; should it be in expr?: " + record);
      }
    }
    if (!alert.empty() && options_.check_template) check_templates(r, alert, fail);
    return out;
  }

  // Alerting rules' label and annotation values are templates.
  template <typename Fail>
  void check_templates(const YAML::Node& r, const std::string& alert, Fail&& fail) {
    for (const char* section : {"labels", "annotations"}) {
      const YAML::Node map = r[section];
      if (!map || !map.IsMap()) continue;
      for (const auto& kv : map) {
        if (!kv.second.IsScalar()) continue;
        if (auto e = options_.check_template("__alert_" + alert, kv.second.Scalar())) {
          const std::string what = std::string(section) == "labels" ? "label" : "annotation";
          fail(position_of(kv.second), what + " \"" + kv.first.Scalar() + "\": " + *e);
        }
      }
    }
  }

  std::string path_;
  const RuleFileOptions& options_;
  std::vector<std::string> errors_;
  std::set<std::string> group_names_;
};

}  // namespace

size_t RuleFile::rule_count() const {
  size_t n = 0;
  for (const GroupSpec& g : groups) n += g.rules.size();
  return n;
}

RuleFile parse_rule_file(std::string_view text, const std::string& path, const RuleFileOptions& options) {
  RuleFile out;
  out.path = path;
  Reader reader(path, options);
  try {
    out.groups = reader.file(load_yaml_documents(text));
  } catch (const YAML::Exception& e) {
    reader.error(FilePosition{static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)},
                 e.msg);
  }
  out.errors = reader.take_errors();
  return out;
}

RuleFile load_rule_file(const std::string& path, const RuleFileOptions& options) {
  auto text = read_file(path);
  if (!text) {
    RuleFile out;
    out.path = path;
    out.errors.push_back(text.error().message);
    return out;
  }
  return parse_rule_file(*text, path, options);
}

}  // namespace cogwatch::rules
