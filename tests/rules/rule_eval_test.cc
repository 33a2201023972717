// Recording and alerting rules evaluated step by step over crafted series:
// the alert state machine (pending, firing, resolved, keep_firing_for,
// flapping, retention), ALERTS / ALERTS_FOR_STATE, limits, rule labels,
// stale markers, reload state and the group schedule.
#include <map>

#include <gtest/gtest.h>

#include "model/value.h"
#include "parser/parser.h"
#include "parser/series.h"
#include "rules/group.h"
#include "rules/rule.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::rules {
namespace {

// Expands "{{ $value }}" and "{{ $labels.<name> }}" only: enough to see
// that the rule hands templates the right data. The real engine is tested
// on its own.
std::string tiny_expand(const std::string& text, const tmpl::TemplateData& data) {
  std::string out(text);
  if (auto p = out.find("{{ $value }}"); p != std::string::npos) out.replace(p, 12, format_float(data.value));
  if (auto p = out.find("{{ $labels."); p != std::string::npos) {
    const size_t end = out.find(" }}", p);
    const std::string name = out.substr(p + 11, end - p - 11);
    out.replace(p, end + 3 - p, std::string(data.labels.get(name)));
  }
  return out;
}

TemplateExpansion tiny_expander(std::string_view, std::string_view text) {
  return [text = std::string(text)](const tmpl::TemplateData& data, const tmpl::TemplateContext&) {
    return tiny_expand(text, data);
  };
}

RuleSpec spec(RuleKind kind, const std::string& name, const std::string& expr, Duration for_duration = 0,
              Duration keep_firing_for = 0, Labels labels = {}, Annotations annotations = {}) {
  RuleSpec s;
  s.kind = kind;
  s.name = name;
  s.expr_text = expr;
  auto parsed = parser::parse_expr(expr);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  s.expr = std::shared_ptr<const parser::Expr>(std::move(*parsed));
  s.for_duration = for_duration;
  s.keep_firing_for = keep_firing_for;
  s.labels = std::move(labels);
  s.annotations = std::move(annotations);
  return s;
}

class RuleEvalTest : public ::testing::Test {
 protected:
  // Loads `series` (promqltest notation) with one sample per minute from 0.
  void load(std::string_view series, Duration step = kMinute) {
    auto d = parser::parse_series_description(series);
    ASSERT_TRUE(d.ok()) << d.error().message;
    auto app = head_.appender();
    for (size_t i = 0; i < d->values.size(); ++i) {
      if (!d->values[i].empty()) {
        ASSERT_TRUE(parser::append_series_value(*app, d->labels, static_cast<Timestamp>(i) * step, d->values[i]).ok());
      }
    }
    app->commit();
  }
  // The state of the one alert (or "none") after evaluating at t minutes.
  std::string step(AlertingRule& rule, int minute, uint64_t limit = 0) {
    const LocalDatasource source(head_);
    auto out = rule.eval(source, minute * kMinute, 0, limit, {});
    if (!out) return "error: " + out.error().message;
    if (rule.active_alerts().empty()) return "none";
    std::string states;
    for (const auto& [labels, alert] : rule.active_alerts()) {
      if (!states.empty()) states += ",";
      states += state_name(alert.state);
    }
    return states;
  }

  tsdb::Head head_;
};

TEST_F(RuleEvalTest, PendingThenFiringThenResolvedAndDropped) {
  // Above 1.5 from minute 2 to 6; nothing after minute 9.
  load(R"(cog_input_data_entropy{instance="a"} 1 1 2 2 2 2 2 1 1 1)");
  AlertingRule rule(spec(RuleKind::kAlerting, "DataDriftDetected", "cog_input_data_entropy > 1.5", 3 * kMinute), {},
                    tiny_expander);
  EXPECT_EQ(step(rule, 0), "none");
  EXPECT_EQ(step(rule, 2), "pending");
  EXPECT_EQ(step(rule, 4), "pending");  // 2m active < for 3m
  EXPECT_EQ(step(rule, 5), "firing");   // 3m active
  const Alert fired = rule.active_alerts().begin()->second;
  EXPECT_EQ(fired.active_at, 2 * kMinute);
  EXPECT_EQ(fired.fired_at, 5 * kMinute);
  EXPECT_EQ(fired.labels, (Labels{{"alertname", "DataDriftDetected"}, {"instance", "a"}}));
  EXPECT_EQ(fired.value, 2);
  EXPECT_EQ(step(rule, 7), "inactive");  // resolved, kept for notification
  EXPECT_EQ(rule.active_alerts().begin()->second.resolved_at, 7 * kMinute);
  EXPECT_EQ(step(rule, 22), "inactive");  // 15m retention, not more
  EXPECT_EQ(step(rule, 23), "none");
}

TEST_F(RuleEvalTest, PendingAlertThatStopsIsDroppedAtOnce) {
  load(R"(x 2 2 0 0)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1", 10 * kMinute), {}, tiny_expander);
  EXPECT_EQ(step(rule, 0), "pending");
  EXPECT_EQ(step(rule, 1), "pending");
  EXPECT_EQ(step(rule, 2), "none");
}

TEST_F(RuleEvalTest, ForZeroFiresAtOnce) {
  load(R"(x 2)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1"), {}, tiny_expander);
  EXPECT_EQ(step(rule, 0), "firing");
}

TEST_F(RuleEvalTest, KeepFiringForHoldsAFiringAlert) {
  load(R"(x 2 2 0 0 0 0 0)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1", 0, 3 * kMinute), {}, tiny_expander);
  EXPECT_EQ(step(rule, 0), "firing");
  EXPECT_EQ(step(rule, 2), "firing");  // gone since 2: kept until 2 + 3m
  EXPECT_EQ(rule.active_alerts().begin()->second.keep_firing_since, 2 * kMinute);
  EXPECT_EQ(step(rule, 4), "firing");
  EXPECT_EQ(step(rule, 5), "inactive");
  EXPECT_EQ(rule.active_alerts().begin()->second.resolved_at, 5 * kMinute);
}

TEST_F(RuleEvalTest, FlappingRestartsPendingAndResolvedAlertsStartOver) {
  load(R"(x 2 0 2 2 2 0 2)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1", 2 * kMinute), {}, tiny_expander);
  EXPECT_EQ(step(rule, 0), "pending");
  EXPECT_EQ(step(rule, 1), "none");     // dropped while pending
  EXPECT_EQ(step(rule, 2), "pending");  // a new alert, active since 2
  EXPECT_EQ(rule.active_alerts().begin()->second.active_at, 2 * kMinute);
  EXPECT_EQ(step(rule, 4), "firing");
  EXPECT_EQ(step(rule, 5), "inactive");
  EXPECT_EQ(step(rule, 6), "pending");  // back: a new pending alert, not the resolved one
  EXPECT_EQ(rule.active_alerts().begin()->second.active_at, 6 * kMinute);
  EXPECT_FALSE(rule.active_alerts().begin()->second.resolved_at.has_value());
}

TEST_F(RuleEvalTest, AlertsSeriesLabelsAnnotationsAndValue) {
  load(R"(cog_input_data_entropy{instance="a", job="cog"} 2 3)");
  AlertingRule rule(spec(RuleKind::kAlerting, "Drift", "cog_input_data_entropy > 1.5", kMinute, 0,
                         Labels{{"severity", "warning"}, {"where", "{{ $labels.instance }}"}},
                         Annotations{{"summary", "entropy {{ $value }}"}}),
                    Labels{{"team", "ml"}, {"severity", "info"}}, tiny_expander);
  const LocalDatasource source(head_);
  auto out = rule.eval(source, 0, 0, 0, {});
  ASSERT_TRUE(out.ok()) << out.error().message;
  const Labels alert_labels{{"alertname", "Drift"}, {"instance", "a"}, {"job", "cog"},
                            {"severity", "warning"}, {"team", "ml"}, {"where", "a"}};
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].labels, LabelsBuilder(alert_labels).set("__name__", "ALERTS").set("alertstate", "pending").build());
  EXPECT_EQ((*out)[0].v, 1);
  EXPECT_EQ((*out)[1].labels, LabelsBuilder(alert_labels).set("__name__", "ALERTS_FOR_STATE").build());
  EXPECT_EQ((*out)[1].v, 0);  // active_at in seconds
  EXPECT_EQ(rule.active_alerts().at(alert_labels).annotations, (Annotations{{"summary", "entropy 2"}}));
  // The next evaluation updates value and annotations, not active_at.
  out = rule.eval(source, kMinute, 0, 0, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].labels.get("alertstate"), "firing");
  const Alert& a = rule.active_alerts().at(alert_labels);
  EXPECT_EQ(a.value, 3);
  EXPECT_EQ(a.annotations, (Annotations{{"summary", "entropy 3"}}));
  EXPECT_EQ(a.active_at, 0);
}

// Templates are prepared when the rule is built, not at each evaluation
// (parsing them is most of an alert's cost), and each keeps its own text.
TEST_F(RuleEvalTest, TemplatesArePreparedOncePerRule) {
  load(R"(x{instance="a"} 2 3 4)");
  int compiled = 0;
  auto counting = [&compiled](std::string_view name, std::string_view text) {
    ++compiled;
    EXPECT_EQ(name, "__alert_A");
    return tiny_expander(name, text);
  };
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1", 0, 0, Labels{{"where", "{{ $labels.instance }}"}},
                         Annotations{{"a", "A {{ $value }}"}, {"b", "B {{ $labels.instance }}"}}),
                    Labels{{"team", "ml"}}, counting);
  EXPECT_EQ(compiled, 4);  // two labels (one from the group), two annotations
  const LocalDatasource source(head_);
  for (int m = 0; m < 3; ++m) ASSERT_TRUE(rule.eval(source, m * kMinute, 0, 0, {}).ok());
  EXPECT_EQ(compiled, 4);
  const Alert& a = rule.active_alerts().begin()->second;
  EXPECT_EQ(a.labels, (Labels{{"alertname", "A"}, {"instance", "a"}, {"team", "ml"}, {"where", "a"}}));
  EXPECT_EQ(a.annotations, (Annotations{{"a", "A 4"}, {"b", "B a"}}));
}

// ALERTS_FOR_STATE holds active_at in whole seconds (Prometheus's
// ActiveAt.Unix()), though evaluation times carry milliseconds.
TEST_F(RuleEvalTest, AlertsForStateIsInWholeSeconds) {
  load(R"(x 2 2)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1"), {}, tiny_expander);
  const LocalDatasource source(head_);
  auto out = rule.eval(source, 61'750, 0, 0, {});
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[1].labels.metric_name(), "ALERTS_FOR_STATE");
  EXPECT_EQ((*out)[1].v, 61);
  EXPECT_EQ(rule.active_alerts().begin()->second.active_at, 61'750);
}

TEST_F(RuleEvalTest, QueryOffsetShiftsTheQueryAndTheSampleTimes) {
  load(R"(x 2 0)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1"), {}, tiny_expander);
  const LocalDatasource source(head_);
  // At 1m with a 1m offset the query sees minute 0 (x = 2).
  auto out = rule.eval(source, kMinute, kMinute, 0, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].t, 0);
  EXPECT_EQ(rule.active_alerts().begin()->second.active_at, kMinute);  // state uses the evaluation time
}

TEST_F(RuleEvalTest, LimitAndDuplicateLabelsetsFail) {
  load(R"(x{a="1"} 2)");
  load(R"(x{a="2"} 2)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1"), {}, tiny_expander);
  EXPECT_EQ(step(rule, 0, 1), "error: exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule.active_alerts().empty());
  EXPECT_EQ(step(rule, 0, 2), "firing,firing");

  AlertingRule dup(spec(RuleKind::kAlerting, "A", "x > 1", 0, 0, Labels{{"a", "same"}}), {}, tiny_expander);
  EXPECT_EQ(step(dup, 0), "error: vector contains metrics with the same labelset after applying alert labels");

  const LocalDatasource source(head_);
  RecordingRule rec(spec(RuleKind::kRecording, "y", "x", 0, 0, Labels{{"a", "same"}}), {});
  auto out = rec.eval(source, 0, 0, 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "vector contains metrics with the same labelset after applying rule labels");
  RecordingRule limited(spec(RuleKind::kRecording, "y", "x"), {});
  EXPECT_EQ(limited.eval(source, 0, 0, 1).error().message, "exceeded limit of 1 with 2 series");
  EXPECT_TRUE(limited.eval(source, 0, 0, 2).ok());  // exactly at the limit is within it
  RecordingRule text(spec(RuleKind::kRecording, "y", "\"a string\""), {});
  EXPECT_EQ(text.eval(source, 0, 0, 0).error().message, "rule result is not a vector or scalar");
}

TEST_F(RuleEvalTest, RecordingRuleRenamesAndLabels) {
  load(R"(cog_predict_requests_total{job="cog", instance="a"} 0+60x10)");
  const LocalDatasource source(head_);
  RecordingRule rule(spec(RuleKind::kRecording, "job:cog_predict_requests:rate5m",
                          "sum by (job) (rate(cog_predict_requests_total[5m]))", 0, 0, Labels{{"source", "rule"}}),
                     Labels{{"team", "ml"}});
  auto out = rule.eval(source, 10 * kMinute, 0, 0);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].labels, (Labels{{"__name__", "job:cog_predict_requests:rate5m"},
                                      {"job", "cog"},
                                      {"source", "rule"},
                                      {"team", "ml"}}));
  EXPECT_DOUBLE_EQ((*out)[0].v, 1.0);
  EXPECT_EQ((*out)[0].t, 10 * kMinute);
  // A scalar result is one sample without labels.
  RecordingRule scalar(spec(RuleKind::kRecording, "answer", "42"), {});
  out = scalar.eval(source, 0, 0, 0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].labels, (Labels{{"__name__", "answer"}}));
}

TEST_F(RuleEvalTest, ResendAndResolvedNotifications) {
  load(R"(x 2 2 2 2 0)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1"), {}, tiny_expander);
  const LocalDatasource source(head_);
  auto send = [&](int minute) {
    EXPECT_TRUE(rule.eval(source, minute * kMinute, 0, 0, {}).ok());
    return rule.alerts_to_send(minute * kMinute, kMinute, 30 * kSecond);
  };
  auto first = send(0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].valid_until, 4 * kMinute);
  EXPECT_EQ(send(1).size(), 0u);  // sent 1m ago: not yet due (strictly after)
  EXPECT_EQ(send(2).size(), 1u);
  auto resolved = send(4);
  ASSERT_EQ(resolved.size(), 1u);  // resolved since the last send: at once
  EXPECT_EQ(resolved[0].state, AlertState::kInactive);
  EXPECT_EQ(resolved[0].resolved_at, 4 * kMinute);
}

GroupSpec cog_group() {
  GroupSpec g;
  g.name = "cog";
  g.rules = {spec(RuleKind::kRecording, "job:errors:ratio", "sum by (job) (errors) / sum by (job) (requests)"),
             spec(RuleKind::kAlerting, "HighErrors", "job:errors:ratio > 0.01", kMinute)};
  return g;
}

using tsdb::testing::read_named;

TEST_F(RuleEvalTest, GroupFeedsRecordingRulesToLaterAlertsAndMarksStale) {
  load(R"(errors{job="cog"} 0 5 5 0)");
  load(R"(requests{job="cog"} 100 100 100 100)");
  Group group(cog_group(), "cog.yml", {}, tiny_expander);
  std::vector<std::string> notified;
  auto notify = [&](const std::string& expr, const std::vector<Alert>& alerts) {
    for (const Alert& a : alerts) notified.push_back(expr + " " + std::string(state_name(a.state)));
  };
  for (int m = 0; m < 4; ++m) group.eval(m * kMinute, head_, head_, notify);
  // The recording rule's output was visible to the alert in the same
  // evaluation: pending at 1m, firing at 2m, resolved at 3m.
  EXPECT_EQ(read_named(head_, "job:errors:ratio"),
            (std::vector<std::pair<Timestamp, double>>{{0, 0}, {kMinute, 0.05}, {2 * kMinute, 0.05}, {3 * kMinute, 0}}));
  auto alerts = read_named(head_, "ALERTS");
  ASSERT_EQ(alerts.size(), 4u);  // pending 1m, pending stale 2m, firing 2m, firing stale 3m
  std::sort(alerts.begin(), alerts.end(), [](auto& a, auto& b) { return a.first < b.first; });
  EXPECT_EQ(alerts[0], (std::pair<Timestamp, double>{kMinute, 1}));
  EXPECT_TRUE(is_stale_nan(alerts.back().second));
  EXPECT_EQ(alerts.back().first, 3 * kMinute);
  EXPECT_EQ(notified, (std::vector<std::string>{"job:errors:ratio > 0.01 firing", "job:errors:ratio > 0.01 inactive"}));
  EXPECT_EQ(group.rules()[1].status.health, RuleHealth::kOk);
  EXPECT_EQ(group.stats().evaluations, 4u);
}

// A recording rule whose result is native histograms stores them as
// histograms (Prometheus's AppendHistogram with the float histogram): read
// back, the series holds float histograms with the computed buckets, the
// counter reset hint included (a rate is a gauge histogram), and a later
// rule can compute with them.
TEST_F(RuleEvalTest, RecordingRuleStoresNativeHistograms) {
  load(R"(lat{job="cog", instance="a"} {{schema:1 sum:0 count:0}}+{{schema:1 sum:3 count:2 offset:1 buckets:[1 1]}}x10)");
  load(R"(lat{job="cog", instance="b"} {{schema:1 sum:0 count:0}}+{{schema:1 sum:6 count:4 offset:1 buckets:[1 3]}}x10)");
  GroupSpec g;
  g.name = "latency";
  g.rules = {spec(RuleKind::kRecording, "job:lat:rate5m", "sum by (job) (rate(lat[5m]))"),
             spec(RuleKind::kRecording, "job:lat:count_rate5m", "histogram_count(job:lat:rate5m)")};
  Group group(g, "latency.yml", {}, tiny_expander);
  for (int m = 0; m <= 10; ++m) group.eval(m * kMinute, head_, head_);
  ASSERT_EQ(group.rules()[0].status.health, RuleHealth::kOk) << group.rules()[0].status.last_error;
  ASSERT_EQ(group.stats().rejected_samples, 0u);

  const auto series = head_.select({tsdb::testing::matcher(MatchType::kEqual, "__name__", "job:lat:rate5m")},
                                   kMinTimestamp, kMaxTimestamp);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].labels, (Labels{{"__name__", "job:lat:rate5m"}, {"job", "cog"}}));
  tsdb::SeriesIterator it = series[0].iterator();
  FloatHistogram at_10m;
  int histograms = 0;
  while (it.next()) {
    ASSERT_EQ(it.value_type(), tsdb::ValueType::kFloatHistogram) << "at " << it.t();
    ++histograms;
    if (it.t() == 10 * kMinute) at_10m = it.float_histogram();
  }
  ASSERT_TRUE(it.err().ok());
  EXPECT_EQ(histograms, 10);  // from 1m: at 0m the window holds one sample, and rate gives nothing
  // Over (5m, 10m] each instance adds 4 increments, extrapolated by the
  // minute missing at the window's start: rate = 4 * increment / 240s.
  EXPECT_EQ(at_10m.schema, 1);
  EXPECT_EQ(at_10m.counter_reset_hint, CounterResetHint::kGauge);
  EXPECT_DOUBLE_EQ(at_10m.count, 4 * 6 / 240.0);
  EXPECT_DOUBLE_EQ(at_10m.sum, 4 * 9 / 240.0);
  EXPECT_EQ(at_10m.zero_count, 0);
  ASSERT_EQ(at_10m.positive_spans, (HistogramSpans{{1, 2}}));
  ASSERT_EQ(at_10m.positive_buckets.size(), 2u);
  EXPECT_DOUBLE_EQ(at_10m.positive_buckets[0], 4 * 2 / 240.0);
  EXPECT_DOUBLE_EQ(at_10m.positive_buckets[1], 4 * 4 / 240.0);
  EXPECT_TRUE(at_10m.negative_buckets.empty());
  // The recorded series is what the next rule reads.
  const auto counts = read_named(head_, "job:lat:count_rate5m");
  ASSERT_FALSE(counts.empty());
  EXPECT_EQ(counts.back().first, 10 * kMinute);
  EXPECT_DOUBLE_EQ(counts.back().second, at_10m.count);
}

TEST_F(RuleEvalTest, FailingRuleSetsHealthAndWritesNothing) {
  load(R"(x{a="1"} 1)");
  load(R"(x{a="2"} 1)");
  GroupSpec g;
  g.name = "g";
  g.rules = {spec(RuleKind::kRecording, "y", "x", 0, 0, Labels{{"a", "same"}})};
  Group group(g, "f.yml", {}, tiny_expander);
  group.eval(0, head_, head_);
  EXPECT_EQ(group.rules()[0].status.health, RuleHealth::kBad);
  EXPECT_EQ(group.rules()[0].status.last_error,
            "vector contains metrics with the same labelset after applying rule labels");
  EXPECT_TRUE(read_named(head_, "y").empty());
  EXPECT_EQ(group.stats().failed_rule_evaluations, 1u);
}

TEST_F(RuleEvalTest, ReloadKeepsAlertStateOfTheSameRule) {
  load(R"(errors{job="cog"} 5 5 5 5)");
  load(R"(requests{job="cog"} 100 100 100 100)");
  Group old(cog_group(), "cog.yml", {}, tiny_expander);
  old.eval(0, head_, head_);
  GroupSpec changed = cog_group();
  changed.rules[1].for_duration = 2 * kMinute;  // same name and labels: state carries over
  Group fresh(changed, "cog.yml", {}, tiny_expander);
  fresh.copy_state_from(old);
  const auto& alerts = std::get<AlertingRule>(fresh.rules()[1].rule).active_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts.begin()->second.active_at, 0);
  fresh.eval(2 * kMinute, head_, head_);
  EXPECT_EQ(alerts.begin()->second.state, AlertState::kFiring);  // 2m after active_at 0
  // Other labels make it another rule (Prometheus's CopyState key is the
  // name and the labels): it starts without state.
  GroupSpec relabelled = cog_group();
  relabelled.rules[1].labels = Labels{{"severity", "page"}};
  Group other(relabelled, "cog.yml", {}, tiny_expander);
  other.copy_state_from(fresh);
  EXPECT_TRUE(std::get<AlertingRule>(other.rules()[1].rule).active_alerts().empty());
}

// A store with Prometheus's appendable window refuses a rule's samples
// older than it: counted like out-of-order ones, the rule stays healthy.
TEST_F(RuleEvalTest, SamplesOutOfTheStoresBoundsAreCounted) {
  load(R"(x 1)");
  tsdb::Head store(tsdb::HeadOptions{.reject_out_of_bounds = true});
  ASSERT_TRUE(tsdb::testing::append_one(store, Labels{{"__name__", "newer"}}, 3 * kHour, 1).ok());
  GroupSpec g;
  g.name = "g";
  g.rules = {spec(RuleKind::kRecording, "y", "x")};
  Group group(g, "f.yml", {}, tiny_expander);
  group.eval(0, head_, store);
  EXPECT_EQ(group.stats().rejected_samples, 1u);
  EXPECT_EQ(group.rules()[0].status.health, RuleHealth::kOk);
  EXPECT_EQ(store.stats().out_of_bounds_samples, 1u);
  EXPECT_TRUE(read_named(store, "y").empty());
}

// With a query_offset, a series a rule stopped producing is marked stale at
// the offset time, where its samples were written.
TEST_F(RuleEvalTest, StaleMarkersOfAGroupWithAQueryOffsetSitAtTheOffsetTime) {
  load(R"(x 1 1)");  // minutes 0 and 1; gone from the lookback after 6m
  GroupSpec g;
  g.name = "g";
  g.query_offset = kMinute;
  g.rules = {spec(RuleKind::kRecording, "y", "x")};
  Group group(g, "f.yml", {}, tiny_expander);
  group.eval(kMinute, head_, head_);
  group.eval(8 * kMinute, head_, head_);
  auto y = read_named(head_, "y");
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(y[0], (std::pair<Timestamp, double>{0, 1}));
  EXPECT_EQ(y[1].first, 7 * kMinute);
  EXPECT_TRUE(is_stale_nan(y[1].second));
}

TEST_F(RuleEvalTest, AnnotationsUseTheTemplateEngineAndQueryAtTheEvaluationTime) {
  load(R"(errors_ratio{job="cog"} 0.0234 0.5)");
  load(R"(requests{job="cog"} 10 20)");
  AlertingRule rule(spec(RuleKind::kAlerting, "PredictionErrorRate", "errors_ratio > 0.01", 0, 0, {},
                         Annotations{{"broken", "{{ humanize \"x\" }}"},
                                     {"description", "error rate {{ $value | humanizePercentage }} on {{ $labels.job }}"},
                                     {"empty", "{{ if false }}x{{ end }}"},
                                     {"requests", "{{ query \"sum(requests)\" | first | value }}"}}),
                    {});  // the default expander
  const LocalDatasource source(head_);
  ASSERT_TRUE(rule.eval(source, 0, 0, 0, {}).ok());
  const Annotations& expanded = rule.active_alerts().begin()->second.annotations;
  // An annotation that expands to nothing is kept, as Prometheus sends it.
  ASSERT_EQ(expanded.size(), 4u);
  EXPECT_EQ(expanded[2], (std::pair<std::string, std::string>{"empty", ""}));
  const Labels a = annotations_as_labels(expanded);
  EXPECT_EQ(a.get("description"), "error rate 2.34% on cog");
  EXPECT_EQ(a.get("requests"), "10");  // at the evaluation time, 0
  EXPECT_TRUE(a.get("broken").starts_with("<error expanding template: error executing template __alert_PredictionErrorRate:"))
      << a.get("broken");
  ASSERT_TRUE(rule.eval(source, kMinute, 0, 0, {}).ok());
  EXPECT_EQ(annotation_value(rule.active_alerts().begin()->second.annotations, "requests"), "20");
}

TEST_F(RuleEvalTest, NowInTemplatesIsTheEvaluationTimeNotTheQueryTime) {
  load(R"(x 2 2 2)");
  AlertingRule rule(spec(RuleKind::kAlerting, "A", "x > 1", 0, 0, {},
                         Annotations{{"clock", "{{ (now | toTime).Format \"15:04:05.000\" }}"}, {"now", "{{ now }}"}}),
                    {});  // the default expander
  const LocalDatasource source(head_);
  // At 90.5 s with a 1m query offset: the query runs at 30.5 s, templates see 90.5 s.
  ASSERT_TRUE(rule.eval(source, 90'500, kMinute, 0, {}).ok());
  const Labels a = annotations_as_labels(rule.active_alerts().begin()->second.annotations);
  EXPECT_EQ(a.get("now"), "90.5");
  EXPECT_EQ(a.get("clock"), "00:01:30.500");
}

// Measured with Prometheus 2.42 (Debian): a group "cog_alerts" in
// /tmp/cogwatch-offset/rules.yml with a 10s interval recorded its samples
// at ...382.309, ...392.309, ... seconds: its slots sit 2309 ms into each
// 10 s. The same name, file and interval must give the same slots here.
// Restoring `for` state from a store without stale markers (a
// backend's API shows none): the series of an episode that ended long
// before the stop is no longer active, so its alert starts afresh; the
// one written until the stop is restored.
TEST_F(RuleEvalTest, RestoreTakesAStateSeriesFarOlderThanTheRulesNewestAsEnded) {
  load(R"(x{instance="a"} 5x30)");
  load(R"(x{instance="b"} 5x30)");
  const Labels rule_labels{{"severity", "page"}};
  {
    auto app = head_.appender();
    for (int m = 5; m <= 20; ++m) {  // a: active since minute 5, written until the stop at minute 20
      ASSERT_TRUE(app->append(Labels{{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "XHigh"}, {"instance", "a"},
                                     {"severity", "page"}},
                              m * kMinute, 5 * 60).ok());
    }
    for (int m = 2; m <= 8; ++m) {  // b: an episode that ended at minute 8, no stale marker
      ASSERT_TRUE(app->append(Labels{{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "XHigh"}, {"instance", "b"},
                                     {"severity", "page"}},
                              m * kMinute, 2 * 60).ok());
    }
    app->commit();
  }
  AlertingRule rule(spec(RuleKind::kAlerting, "XHigh", "x > 1", 30 * kMinute, 0, rule_labels), {}, tiny_expander);
  rule.set_restored(false);
  const LocalDatasource source(head_);
  const AlertContext context;
  ASSERT_TRUE(rule.eval(source, 22 * kMinute, 0, 0, context).ok());  // the restart, two minutes later
  rule.restore_state({.source = source,
                      .ts = 22 * kMinute,
                      .interval = kMinute,
                      .query_offset = 0,
                      .outage_tolerance = kHour,
                      .grace_period = 0,
                      .alert_context = context});
  std::map<std::string, Timestamp> active_at;
  for (const auto& [labels, alert] : rule.active_alerts()) active_at[std::string(labels.get("instance"))] = alert.active_at;
  EXPECT_EQ(active_at["a"], 5 * kMinute + 2 * kMinute) << "restored, the two minutes down not counted";
  EXPECT_EQ(active_at["b"], 22 * kMinute) << "ended before the stop: afresh";
}

TEST(GroupSchedule, SlotsAreWherePrometheusPutsThem) {
  GroupSpec spec;
  spec.name = "cog_alerts";
  spec.interval = 10 * kSecond;
  const Group g(spec, "/tmp/cogwatch-offset/rules.yml", {}, tiny_expander);
  EXPECT_EQ(g.eval_timestamp(1'795'630'385'000), 1'795'630'382'309);
  EXPECT_EQ(g.eval_timestamp(1'795'630'392'309) % (10 * kSecond), 2309);
}

TEST(GroupSchedule, EvalTimestampIsAStableSlotOfTheInterval) {
  GroupSpec spec;
  spec.name = "cog_alerts";
  spec.interval = 30 * kSecond;
  const Group g(spec, "rules.yml", {}, tiny_expander);
  const Timestamp now = 1'700'000'012'345;
  const Timestamp slot = g.eval_timestamp(now);
  EXPECT_LE(slot, now);
  EXPECT_GT(slot, now - 30 * kSecond);
  EXPECT_EQ(g.eval_timestamp(now + 30 * kSecond), slot + 30 * kSecond);
  EXPECT_EQ(g.eval_timestamp(slot), slot);
  // Before 1970 too, the slot is the latest at or before now.
  for (Timestamp early : {Timestamp{-1}, Timestamp{-12'345}, Timestamp{-30 * kSecond}, Timestamp{-95'001}}) {
    const Timestamp s = g.eval_timestamp(early);
    EXPECT_LE(s, early) << early;
    EXPECT_GT(s, early - 30 * kSecond) << early;
    EXPECT_EQ(s + 30 * kSecond, g.eval_timestamp(early + 30 * kSecond)) << early;
  }
  // Another group gets another offset.
  GroupSpec other = spec;
  other.name = "other";
  EXPECT_NE(Group(other, "rules.yml", {}, tiny_expander).eval_timestamp(now), slot);
}

}  // namespace
}  // namespace cogwatch::rules
