// Rule files: what loads, and every error with its file:line:col and
// Prometheus's wording, all errors of a file at once.
#include "rules/rule_file.h"

#include <gtest/gtest.h>

#include "parser/printer.h"

namespace cogwatch::rules {
namespace {

constexpr const char* kCogAlerts = R"(groups:
- name: cog_alerts
  interval: 30s
  query_offset: 1m
  limit: 5
  labels: {team: ml}
  rules:
  - record: job:cog_predict_errors:rate5m
    expr: sum by (job) (rate(cog_predict_errors_total[5m]))
  - alert: DataDriftDetected
    expr: cog_input_data_entropy > 1.5
    for: 10m
    keep_firing_for: 5m
    labels: {severity: warning}
    annotations:
      summary: "entropy {{ $value }}"
      empty: ""
)";

TEST(RuleFile, LoadsGroupsAndRules) {
  const RuleFile f = parse_rule_file(kCogAlerts, "cog.yml");
  ASSERT_TRUE(f.ok()) << f.errors.front();
  ASSERT_EQ(f.groups.size(), 1u);
  const GroupSpec& g = f.groups[0];
  EXPECT_EQ(g.name, "cog_alerts");
  EXPECT_EQ(g.interval, 30 * kSecond);
  EXPECT_EQ(g.query_offset, kMinute);
  EXPECT_EQ(g.limit, 5u);
  EXPECT_EQ(g.labels, (Labels{{"team", "ml"}}));
  EXPECT_EQ(f.rule_count(), 2u);
  const RuleSpec& record = g.rules[0];
  EXPECT_EQ(record.kind, RuleKind::kRecording);
  EXPECT_EQ(record.name, "job:cog_predict_errors:rate5m");
  ASSERT_NE(record.expr, nullptr);
  EXPECT_EQ(parser::print(*record.expr), "sum by (job) (rate(cog_predict_errors_total[5m]))");
  EXPECT_EQ(record.position.line, 8u);
  EXPECT_EQ(record.expr_position.line, 9u);
  const RuleSpec& alert = g.rules[1];
  EXPECT_EQ(alert.kind, RuleKind::kAlerting);
  EXPECT_EQ(alert.name, "DataDriftDetected");
  EXPECT_EQ(alert.for_duration, 10 * kMinute);
  EXPECT_EQ(alert.keep_firing_for, 5 * kMinute);
  EXPECT_EQ(alert.labels, (Labels{{"severity", "warning"}}));
  // An empty annotation is no annotation, as in Prometheus.
  EXPECT_EQ(alert.annotations, (Annotations{{"empty", ""}, {"summary", "entropy {{ $value }}"}}));
}

TEST(RuleFile, EmptyFileHasNoRules) {
  EXPECT_TRUE(parse_rule_file("", "e.yml").ok());
  EXPECT_TRUE(parse_rule_file("groups: []\n", "e.yml").ok());
  EXPECT_EQ(parse_rule_file("groups:\n", "e.yml").rule_count(), 0u);
}

TEST(RuleFile, PrometheusRuleObjectsLoadFromTheirSpec) {
  const RuleFile f = parse_rule_file(R"(apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: cog
  labels: {release: prom}
spec:
  groups:
  - name: cog
    rules:
    - alert: Up
      expr: up == 0
)",
                                     "k8s.yml");
  ASSERT_TRUE(f.ok()) << f.errors.front();
  ASSERT_EQ(f.rule_count(), 1u);
  EXPECT_EQ(f.groups[0].rules[0].name, "Up");
}

// kustomize and helm write PrometheusRule objects `---` separated: every
// document is read, and a broken rule in the second fails at its place.
constexpr const char* kTwoObjects = R"(apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: a}
spec:
  groups:
  - name: a
    rules:
    - record: x
      expr: up
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: b}
spec:
  groups:
  - name: b
    rules:
    - record: y
      expr: sum(up)
---
)";

TEST(RuleFile, EveryPrometheusRuleDocumentOfAStreamIsRead) {
  const RuleFile f = parse_rule_file(std::string("---\n") + kTwoObjects, "k8s.yml");
  ASSERT_TRUE(f.ok()) << f.errors.front();
  ASSERT_EQ(f.groups.size(), 2u);
  EXPECT_EQ(f.groups[1].name, "b");
  EXPECT_EQ(f.groups[1].rules[0].name, "y");
}

TEST(RuleFile, ABrokenRuleInALaterDocumentFailsAtItsPlace) {
  std::string text = kTwoObjects;
  text.replace(text.find("sum(up)"), 7, "sum(up");
  EXPECT_EQ(
      parse_rule_file(text, "k8s.yml").errors,
      std::vector<std::string>{"k8s.yml:19:13: group \"b\", rule 1, \"y\": could not parse expression: 1:7: parse "
                               "error: unclosed left parenthesis"});
  text = kTwoObjects;
  text.replace(text.find("name: b\n    rules"), 7, "name: a");
  EXPECT_EQ(parse_rule_file(text, "k8s.yml").errors,
            std::vector<std::string>{"k8s.yml:16:5: groupname: \"a\" is repeated in the same file"});
}

// Found by the rule-file fuzzer: yaml-cpp's LoadAll never returned here.
TEST(RuleFile, AFileNoDocumentCanStartInIsAnError) {
  EXPECT_EQ(parse_rule_file(",roups:\n- name: g\n", "f.yml").errors,
            std::vector<std::string>{"f.yml:1:1: did not find expected node content"});
}

TEST(RuleFile, SeveralPlainDocumentsOrOtherKindsAreErrors) {
  // Prometheus reads only the first document of a rule file in its own
  // format: the second would pass unchecked and never load.
  EXPECT_EQ(parse_rule_file("groups: []\n---\ngroups:\n- name: b\n", "m.yml").errors,
            std::vector<std::string>{
                "m.yml:3:1: document 2: Prometheus reads only the first YAML document of a rule file in its own format "
                "and would ignore this one; several documents are read only when all are PrometheusRule objects"});
  std::string mixed = kTwoObjects;
  mixed.insert(0, "groups: []\n---\n");
  EXPECT_EQ(parse_rule_file(mixed, "m.yml").errors.size(), 2u);
  EXPECT_EQ(
      parse_rule_file("apiVersion: v1\nkind: ConfigMap\ndata: {}\n", "cm.yml").errors,
      std::vector<std::string>{"cm.yml:1:1: a Kubernetes ConfigMap, not a PrometheusRule: it holds no rule groups"});
}

TEST(RuleFile, ADirectoryIsNotAnEmptyFile) {
  const std::string dir = std::string(COGWATCH_SOURCE_DIR) + "/tests/rules";
  EXPECT_EQ(load_rule_file(dir).errors, std::vector<std::string>{dir + ": is a directory"});
}

TEST(RuleFile, EveryErrorOfAFileWithItsPlace) {
  const RuleFile f = parse_rule_file(R"(groups:
- name: a
  intervall: 1m
  rules:
  - record: x
    alert: Y
    expr: up
  - expr: up
  - record: r
    expr: 'sum(rate(x[5m])'
  - record: 'r{a="b"}'
    expr: up
    for: 5m
    annotations: {s: t}
  - alert: A
    expr: up
    for: 5x
    labels: {__name__: x, ok: v}
  - alert: B
  - record: ok
    expr: up
    expr: down
- name: a
- rules: []
)",
                                     "bad.yml");
  const std::vector<std::string> want = {
      R"(bad.yml:3:3: unknown field "intervall" in rule group)",
      R"(bad.yml:6:12: group "a", rule 1, "Y": only one of 'record' and 'alert' must be set)",
      R"(bad.yml:8:5: group "a", rule 2, "": one of 'record' or 'alert' must be set)",
      R"x(bad.yml:10:11: group "a", rule 3, "r": could not parse expression: 1:16: parse error: unclosed left parenthesis)x",
      R"(bad.yml:11:13: group "a", rule 4, "r{a="b"}": invalid field 'annotations' in recording rule)",
      R"(bad.yml:11:13: group "a", rule 4, "r{a="b"}": invalid field 'for' in recording rule)",
      R"(bad.yml:11:13: group "a", rule 4, "r{a="b"}": braces present in the recording rule name; should it be in expr?: r{a="b"})",
      R"(bad.yml:17:10: not a valid duration string: "5x" (unknown or misplaced unit "x"))",
      R"(bad.yml:18:14: group "a", rule 5, "A": invalid label name: __name__)",
      R"(bad.yml:19:12: group "a", rule 6, "B": field 'expr' must be set in rule)",
      R"(bad.yml:22:5: mapping key "expr" already defined)",
      R"(bad.yml:23:3: groupname: "a" is repeated in the same file)",
      R"(bad.yml:24:3: Groupname must not be empty)",
  };
  EXPECT_EQ(f.errors, want);
}

TEST(RuleFile, YamlSyntaxAndShapeErrors) {
  EXPECT_EQ(parse_rule_file("groups: [\n", "s.yml").errors,
            std::vector<std::string>{"s.yml:2:1: end of sequence flow not found"});
  EXPECT_EQ(parse_rule_file("- a\n", "s.yml").errors,
            std::vector<std::string>{"s.yml:1:1: a rule file must be a mapping with \"groups\""});
  EXPECT_EQ(parse_rule_file("groups:\n- name: g\n  rules: {a: b}\n", "s.yml").errors,
            std::vector<std::string>{"s.yml:3:10: rules must be a list"});
  EXPECT_EQ(parse_rule_file("groups:\n- name: g\n  limit: -1\n", "s.yml").errors,
            std::vector<std::string>{"s.yml:3:10: limit must be a non-negative integer"});
  EXPECT_EQ(load_rule_file("/nonexistent/rules.yml").errors,
            std::vector<std::string>{"/nonexistent/rules.yml: cannot read file"});
}

TEST(RuleFile, AFileWithoutGroupsGetsOnlyItsUnknownFields) {
  // (A test file given as a rule file: no crash, no yaml-cpp internals.)
  EXPECT_EQ(parse_rule_file("rule_files: [a.yml]\ntests:\n  - name: x\n", "t.yml").errors,
            (std::vector<std::string>{"t.yml:1:1: unknown field \"rule_files\" in rule file",
                                      "t.yml:2:1: unknown field \"tests\" in rule file"}));
}

TEST(RuleFile, UnknownFieldsCanBeIgnored) {
  const char* text = "groups:\n- name: g\n  owner: me\n  rules: [{record: r, expr: up, note: x}]\n";
  EXPECT_EQ(parse_rule_file(text, "u.yml").errors.size(), 2u);
  EXPECT_TRUE(parse_rule_file(text, "u.yml", {.ignore_unknown_fields = true}).ok());
}

TEST(RuleFile, AlertTemplatesAreCheckedByTheGivenFunction) {
  RuleFileOptions options;
  std::vector<std::string> seen;
  options.check_template = [&](std::string_view name, std::string_view text) -> std::optional<std::string> {
    seen.push_back(std::string(name) + ": " + std::string(text));
    if (text.find("{{ bad") != std::string_view::npos) return "template: " + std::string(name) + ":1: bad";
    return std::nullopt;
  };
  const RuleFile f = parse_rule_file(R"(groups:
- name: g
  rules:
  - alert: A
    expr: up
    labels: {severity: "{{ bad }}"}
    annotations: {summary: "fine {{ $value }}"}
  - record: r
    expr: up
    labels: {x: "{{ bad }}"}
)",
                                     "t.yml", options);
  EXPECT_EQ(f.errors, std::vector<std::string>{
                          R"(t.yml:6:24: group "g", rule 1, "A": label "severity": template: __alert_A:1: bad)"});
  // Recording rules' labels are not templates.
  EXPECT_EQ(seen, (std::vector<std::string>{"__alert_A: {{ bad }}", "__alert_A: fine {{ $value }}"}));
}

}  // namespace
}  // namespace cogwatch::rules
