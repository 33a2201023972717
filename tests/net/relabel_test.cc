// Relabelling against Prometheus's documented behaviour (relabel_config in
// docs/configuration/configuration.md and its relabel tests).
#include "net/relabel.h"

#include <gtest/gtest.h>

namespace cogwatch::net {
namespace {

RelabelConfig step(RelabelSpec spec) {
  auto c = RelabelConfig::make(std::move(spec));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return *std::move(c);
}

const Labels kInput{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};

TEST(Relabel, EveryAction) {
  using A = RelabelAction;
  const struct {
    const char* name;
    RelabelSpec spec;
    std::optional<Labels> want;
  } cases[] = {
      {"replace with groups", {.source_labels = {"a"}, .target_label = "d", .regex = "f(.*)", .replacement = "ch${1}-ch${1}"},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {"replace joins sources with the separator",
       {.source_labels = {"a", "b"}, .target_label = "a", .regex = "f(.*);(.*)r", .replacement = "b${1}${2}m"},
       Labels{{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}}},
      {"replace without a match changes nothing", {.source_labels = {"a"}, .target_label = "d", .regex = "x(.*)"},
       kInput},
      {"regexes are anchored", {.source_labels = {"a"}, .target_label = "d", .regex = "o+", .replacement = "hit"},
       kInput},
      {"replace to empty deletes the target", {.source_labels = {"missing"}, .target_label = "a"},
       Labels{{"b", "bar"}, {"c", "baz"}}},
      {"default replace copies the value", {.source_labels = {"c"}, .target_label = "d"},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "baz"}}},
      {"target from a template", {.source_labels = {"a"}, .target_label = "${1}_x", .regex = "(f)oo", .replacement = "v"},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"f_x", "v"}}},
      {"a target that expands to nothing is skipped",
       {.source_labels = {"a"}, .target_label = "${2}", .regex = "(f)oo", .replacement = "v"},
       kInput},
      {"$1x is the group named 1x, which is empty",
       {.source_labels = {"a"}, .target_label = "d", .regex = "(f)oo", .replacement = "$1x"},
       kInput},
      {"drop", {.action = A::kDrop, .source_labels = {"a"}, .regex = "f.*"}, std::nullopt},
      {"drop without match keeps", {.action = A::kDrop, .source_labels = {"a"}, .regex = "b.*"}, kInput},
      {"keep", {.action = A::kKeep, .source_labels = {"a"}, .regex = "f.*"}, kInput},
      {"keep without match drops", {.action = A::kKeep, .source_labels = {"a"}, .regex = "b.*"}, std::nullopt},
      {"keepequal keeps equal", {.action = A::kKeepEqual, .source_labels = {"a"}, .target_label = "a"}, kInput},
      {"keepequal drops different", {.action = A::kKeepEqual, .source_labels = {"a"}, .target_label = "b"},
       std::nullopt},
      {"dropequal drops equal", {.action = A::kDropEqual, .source_labels = {"a"}, .target_label = "a"},
       std::nullopt},
      {"hashmod", {.action = A::kHashMod, .source_labels = {"c"}, .target_label = "d", .modulus = 1000},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
      {"labelmap", {.action = A::kLabelMap, .regex = "(b|c)", .replacement = "new_${1}"},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"new_b", "bar"}, {"new_c", "baz"}}},
      {"labeldrop", {.action = A::kLabelDrop, .regex = "b|c"}, Labels{{"a", "foo"}}},
      {"labelkeep", {.action = A::kLabelKeep, .regex = "b|c"}, Labels{{"b", "bar"}, {"c", "baz"}}},
      {"labelkeep of nothing drops the set", {.action = A::kLabelKeep, .regex = "z"}, std::nullopt},
      {"lowercase", {.action = A::kLowercase, .source_labels = {"a", "b"}, .target_label = "x"},
       Labels{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"x", "foo;bar"}}},
      {"uppercase", {.action = A::kUppercase, .source_labels = {"a"}, .target_label = "a"},
       Labels{{"a", "FOO"}, {"b", "bar"}, {"c", "baz"}}},
  };
  for (const auto& c : cases) {
    const auto got = relabel(kInput, {step(c.spec)});
    ASSERT_EQ(got.has_value(), c.want.has_value()) << c.name;
    if (got) {
      EXPECT_EQ(*got, *c.want) << c.name << ": got " << got->to_string();
    }
  }
}

TEST(Relabel, StepsApplyInOrder) {
  const auto got = relabel(kInput, {step({.source_labels = {"a"}, .target_label = "job"}),
                                    step({.action = RelabelAction::kKeep, .source_labels = {"job"}, .regex = "foo"}),
                                    step({.action = RelabelAction::kLabelDrop, .regex = "a|b"})});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (Labels{{"c", "baz"}, {"job", "foo"}}));
}

TEST(Relabel, InvalidConfigsAreRejectedWithPrometheussWords) {
  using A = RelabelAction;
  const struct {
    RelabelSpec spec;
    const char* error;
  } cases[] = {
      {{.action = A::kHashMod, .source_labels = {"a"}, .target_label = "d"},
       "relabel configuration for hashmod requires non-zero modulus"},
      {{.source_labels = {"a"}}, "relabel configuration for replace action requires 'target_label' value"},
      {{.action = A::kLowercase, .source_labels = {"a"}},
       "relabel configuration for lowercase action requires 'target_label' value"},
      {{.action = A::kLabelDrop, .source_labels = {"a"}, .regex = "x"},
       "labeldrop action requires only 'regex', and no other fields"},
      {{.action = A::kKeepEqual, .source_labels = {"a"}, .target_label = "b", .regex = "x", .regex_set = true},
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.action = A::kKeep, .source_labels = {"a"}, .regex = "(unclosed"},
       "invalid regular expression \"(unclosed\": missing ): (unclosed"},
  };
  for (const auto& c : cases) {
    auto r = RelabelConfig::make(c.spec);
    ASSERT_FALSE(r.ok()) << c.error;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, c.error);
  }
  EXPECT_EQ(parse_relabel_action("labelmap"), RelabelAction::kLabelMap);
  EXPECT_FALSE(parse_relabel_action("Replace").has_value());
}

// The YAML form, as prometheus.yml writes relabel_configs and
// alert_relabel_configs: defaults filled in, errors at the place.
TEST(Relabel, ReadFromYaml) {
  auto read = [](std::string_view yaml) {
    return read_yaml_document(yaml, "p.yml", [](const YamlReader& r, const YAML::Node& root) {
      return read_relabel_configs(r, root["steps"], "alert relabel config");
    });
  };
  auto steps = read("steps:\n  - {source_labels: [a], target_label: d, regex: 'f(.*)'}\n  - action: labeldrop\n"
                    "    regex: c\n");
  ASSERT_TRUE(steps.ok()) << steps.error().message;
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].spec().replacement, "$1");
  EXPECT_TRUE((*steps)[0].spec().regex_set);
  EXPECT_EQ((*steps)[1].spec().action, RelabelAction::kLabelDrop);
  EXPECT_EQ(relabel(kInput, *steps), (Labels{{"a", "foo"}, {"b", "bar"}, {"d", "oo"}}));
  EXPECT_TRUE(read("other: 1\n")->empty());

  const struct {
    const char* yaml;
    const char* error;
  } bad[] = {
      {"steps: {action: keep}\n", "p.yml:1:8: alert relabel config must be a list"},
      {"steps:\n  - action: shuffle\n", "p.yml:2:13: unknown relabel action \"shuffle\""},
      {"steps:\n  - {action: hashmod, target_label: x}\n",
       "p.yml:2:5: relabel configuration for hashmod requires non-zero modulus"},
      {"steps:\n  - {regexp: a}\n", "p.yml:2:6: unknown field \"regexp\" in alert relabel config"},
  };
  for (const auto& c : bad) {
    auto got = read(c.yaml);
    ASSERT_FALSE(got.ok()) << c.yaml;
    EXPECT_EQ(got.error().message, c.error) << c.yaml;
  }
}

}  // namespace
}  // namespace cogwatch::net
