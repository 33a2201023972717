// Rule files in Prometheus's format, read as strictly as `promtool check
// rules` reads them, with every error of a file reported at once and each
// pointing at its place:
//
//   auto file = load_rule_file("rules.yml");
//   for (const std::string& e : file.errors) std::cerr << e << "\n";
//   // rules.yml:6:15: group "cog_alerts", rule 1, "HighCpuUsage": could not
//   //   parse expression: 1:9: parse error: unexpected end of input ...
//
//   groups:
//   - name: cog_alerts          # unique in the file
//     interval: 30s             # default: the global evaluation_interval
//     query_offset: 1m          # Prometheus 3
//     limit: 10                 # most series/alerts a rule may produce
//     labels: {team: ml}        # group labels (Prometheus 3), added to every rule
//     rules:
//     - alert: DataDriftDetected  # or record: <metric name>
//       expr: cog_input_data_entropy > 1.5
//       for: 10m
//       keep_firing_for: 5m
//       labels: {severity: warning}
//       annotations: {summary: "entropy {{ $value }}"}
//
// A Kubernetes PrometheusRule object (apiVersion monitoring.coreos.com/v1,
// kind PrometheusRule, groups under spec) is read the same way, so files
// kept for the Prometheus Operator need no `yq .spec` first; so is a stream
// of them (`---` separated, as kustomize and helm write them): every
// document's groups, in order, with errors at their file:line:col and group
// names unique in the whole file. Several documents in Prometheus's own
// format are an error (Prometheus reads only the first and ignores the
// others), and so is a Kubernetes object of another kind.
//
// What is checked, with Prometheus's wording: unknown and repeated keys,
// empty and repeated group names, record and alert both or neither set,
// expr missing or not parsing, record names that are empty or carry braces,
// for/keep_firing_for/annotations on recording rules, label names (valid
// UTF-8, not __name__) and values, annotation names, durations, and the
// templates of alerting rules' labels and annotations (by a parse
// function the caller passes, so this module does not depend on the
// template engine).
//
// Thread-safety: the results are plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"
#include "model/time.h"
#include "parser/ast.h"

namespace cogwatch::rules {

// A place in a rule file, 1-based; 0 when unknown.
struct FilePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

enum class RuleKind : uint8_t { kRecording, kAlerting };

struct RuleSpec {
  RuleKind kind = RuleKind::kRecording;
  std::string name;  // the record or alert name
  std::string expr_text;
  std::shared_ptr<const parser::Expr> expr;
  Duration for_duration = 0;
  Duration keep_firing_for = 0;
  Labels labels;       // the rule's own labels; for alerts, values are templates
  Annotations annotations;  // alerting rules only; values are templates (empty ones kept)
  FilePosition position;       // of the rule's `record:`/`alert:` line
  FilePosition expr_position;  // of the expr value
};

struct GroupSpec {
  std::string name;
  Duration interval = 0;  // 0: the global evaluation_interval
  std::optional<Duration> query_offset;  // unset: the global rule_query_offset
  uint64_t limit = 0;     // 0: no limit
  Labels labels;          // added to every rule's labels (the rule's win)
  std::vector<RuleSpec> rules;
  FilePosition position;
};

struct RuleFile {
  std::string path;
  std::vector<GroupSpec> groups;
  std::vector<std::string> errors;  // "path:line:col: message", in file order

  bool ok() const { return errors.empty(); }
  size_t rule_count() const;
};

// Checks that a template parses; returns the error text ("template:
// __alert_X:1: function \"foo\" not defined") or nothing.
using TemplateCheck = std::function<std::optional<std::string>(std::string_view name, std::string_view text)>;

struct RuleFileOptions {
  TemplateCheck check_template;  // empty: templates are not checked
  bool ignore_unknown_fields = false;  // promtool's --ignore-unknown-fields
};

// Parses a rule file's text; `path` names it in errors.
RuleFile parse_rule_file(std::string_view text, const std::string& path, const RuleFileOptions& options = {});
// Reads and parses the file at `path` ("path: cannot read file" on failure).
RuleFile load_rule_file(const std::string& path, const RuleFileOptions& options = {});

}  // namespace cogwatch::rules
