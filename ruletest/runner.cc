#include "ruletest/runner.h"

#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>

#include "eval/engine.h"
#include "model/file.h"
#include "model/value.h"
#include "parser/parser.h"
#include "parser/series.h"
#include "rules/group.h"
#include "rules/rule_file.h"
#include "ruletest/coverage.h"
#include "ruletest/test_file.h"
#include "ruletest/window_edges.h"
#include "template/template.h"
#include "tsdb/head.h"

namespace cogwatch::ruletest {
namespace {

// ---- formatting as promtool prints ----

// Go's time.Duration.String() for whole milliseconds: "0s", "500ms", "1m0s", "1h2m3.5s".
std::string go_duration(Duration ms) {
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  if (ms < 0) ms = -ms;
  if (ms < 1000) return sign + std::to_string(ms) + "ms";
  std::string out = sign;
  const int64_t h = ms / 3'600'000, m = ms / 60'000 % 60;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(ms / 1000 % 60);
  if (const int64_t frac = ms % 1000; frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 3 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "s";
}

// strconv.FormatFloat(v, 'E', -1, 64): "1E+00", "1.5E-01".
std::string go_float_e(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, p);
  for (char& c : s) c = c == 'e' ? 'E' : c;
  return s;
}

// Prefixes every line but the first with indent (promtool's indentLines).
std::string indent_lines(const std::string& text, const std::string& indent) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n') out += indent;
  }
  return out;
}

struct AlertView {
  Labels labels;
  Annotations annotations;  // empty values kept, as promtool compares them
  friend auto operator<=>(const AlertView&, const AlertView&) = default;
  friend bool operator==(const AlertView&, const AlertView&) = default;
};

std::string alerts_string(const std::vector<AlertView>& alerts) {
  if (alerts.empty()) return "[]";
  std::string s = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    s += i == 0 ? "\n" : ",\n";
    s += std::to_string(i) + ":" +
         indent_lines("\nLabels:" + alerts[i].labels.to_string() + "\nAnnotations:" + annotations_string(alerts[i].annotations),
                      "  ");
  }
  return s + "\n]";
}

// A sample as promtool compares it: labels, the float value (0 for a
// histogram sample, and still compared), and a native histogram as its
// series notation (FloatHistogram::test_expression(): compacted to one span
// per side, the counter reset hint included when it is known), so that two
// histograms are equal when their notations are.
struct SampleView {
  Labels labels;
  double value;
  std::string histogram;  // empty: a float sample
};

std::string samples_string(const std::vector<SampleView>& samples) {
  if (samples.empty()) return "nil";
  std::string s;
  for (const SampleView& x : samples) {
    s += (s.empty() ? "" : ", ") + x.labels.to_string() + " " +
         (x.histogram.empty() ? go_float_e(x.value) : x.histogram);
  }
  return s;
}

// fmt's %f of a float64 ("5.000000", "NaN", "+Inf").
std::string go_float_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// An expected sample's `histogram` as promtool reads it: the values part of
// a series description that must hold exactly one value, a histogram. The
// errors are promtool's, after the notation's own.
Result<FloatHistogram> expected_histogram(std::string_view notation) {
  auto values = parser::parse_series_values(notation);
  if (!values) return values.take_error();
  if (values->size() != 1) {
    return make_error(ErrorCode::kInvalidArgument, "expected 1 value, got " + std::to_string(values->size()));
  }
  const parser::SeriesValue& v = values->front();
  if (!v.h) {
    return make_error(ErrorCode::kInvalidArgument, "expected histogram, got " + (v.v ? go_float_f(*v.v) : "_"));
  }
  return *v.h;
}

// The key:value items of a histogram notation, split at the spaces outside
// brackets: "{{count:2 buckets:[1 1]}}" -> {count: 2, buckets: [1 1]}.
std::map<std::string, std::string> histogram_items(std::string_view notation) {
  std::map<std::string, std::string> items;
  if (notation.starts_with("{{")) notation.remove_prefix(2);
  if (notation.ends_with("}}")) notation.remove_suffix(2);
  size_t i = 0;
  while (i < notation.size()) {
    size_t end = i;
    for (int depth = 0; end < notation.size() && (depth > 0 || notation[end] != ' '); ++end) {
      depth += notation[end] == '[' ? 1 : notation[end] == ']' ? -1 : 0;
    }
    const std::string_view item = notation.substr(i, end - i);
    const size_t colon = item.find(':');
    if (colon != std::string_view::npos) items[std::string(item.substr(0, colon))] = item.substr(colon + 1);
    i = end + 1;
  }
  return items;
}

// Which items of two histogram notations differ: "count is 4, expected 3;
// counter_reset_hint is not_reset, expected none".
std::string histogram_difference(std::string_view got, std::string_view want) {
  const auto g = histogram_items(got), w = histogram_items(want);
  std::set<std::string> keys;
  for (const auto& [k, v] : g) keys.insert(k);
  for (const auto& [k, v] : w) keys.insert(k);
  std::string out;
  for (const std::string& k : keys) {
    const auto gi = g.find(k), wi = w.find(k);
    const std::string gv = gi == g.end() ? "none" : gi->second, wv = wi == w.end() ? "none" : wi->second;
    if (gv != wv) out += (out.empty() ? "" : "; ") + k + " is " + gv + ", expected " + wv;
  }
  return out;
}

bool same_value(double a, double b, bool fuzzy) {
  if (a == b) return true;
  return fuzzy && (std::nextafter(a, -INFINITY) == b || std::nextafter(a, INFINITY) == b);
}

// ---- running one test group ----

class GroupRun {
 public:
  GroupRun(const TestFile& file, const TestGroup& tg, const std::vector<rules::RuleFile>& rule_files,
           TestCoverage& coverage)
      : file_(file), tg_(tg), interval_(tg.interval > 0 ? tg.interval : file.evaluation_interval), coverage_(coverage) {
    rules::GroupOptions o;
    o.evaluation_interval = interval_;
    o.external_labels = tg.external_labels;
    o.external_url = tg.external_url;
    o.engine.default_subquery_step = file.evaluation_interval;
    // Groups: those in group_eval_order by their place, the others first
    // in file order (promtool's partial order, made deterministic).
    struct Ranked {
      size_t rank;
      const rules::GroupSpec* spec;
      const std::string* file;
    };
    std::vector<Ranked> order;
    std::map<std::string, size_t> rank;
    for (size_t i = 0; i < file.group_eval_order.size(); ++i) rank.emplace(file.group_eval_order[i], i);
    for (const rules::RuleFile& rf : rule_files) {
      for (const rules::GroupSpec& g : rf.groups) {
        auto it = rank.find(g.name);
        order.push_back({it == rank.end() ? 0 : it->second, &g, &rf.path});
      }
    }
    std::stable_sort(order.begin(), order.end(), [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
    for (const Ranked& r : order) groups_.push_back(std::make_unique<rules::Group>(*r.spec, *r.file, o));
    engine_options_ = o.engine;
  }

  std::vector<std::string> run() {
    std::vector<std::string> errors;
    if (Status s = parse_input(); !s) return {s.error().message};
    Duration max_eval = 0;
    for (const AlertTest& a : tg_.alert_tests) {
      if (a.alertname.empty()) {
        return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
                format_duration(a.eval_time) + (tg_.name.empty() ? "" : " (in TestGroup " + tg_.name + ")")};
      }
      max_eval = std::max(max_eval, a.eval_time);
    }
    for (const PromqlTest& p : tg_.promql_tests) max_eval = std::max(max_eval, p.eval_time);

    std::vector<const AlertTest*> alert_tests;
    for (const AlertTest& a : tg_.alert_tests) alert_tests.push_back(&a);
    std::stable_sort(alert_tests.begin(), alert_tests.end(),
                     [](const AlertTest* a, const AlertTest* b) { return a->eval_time < b->eval_time; });
    size_t next_alert = 0;
    const Duration step = file_.evaluation_interval;
    for (Timestamp ts = 0; ts <= max_eval; ts += step) {
      if (Status s = load_until(tg_.start + ts); !s) return {s.error().message};
      std::vector<std::string> eval_errors;
      for (auto& g : groups_) {
        g->eval(tg_.start + ts, head_, head_);
        for (const rules::GroupRule& r : g->rules()) {
          if (const auto* a = std::get_if<rules::AlertingRule>(&r.rule)) {
            for (const auto& [labels, alert] : a->active_alerts()) {
              if (alert.state == rules::AlertState::kFiring) coverage_.seen_firing(a->name());
            }
          }
          if (r.status.health == rules::RuleHealth::kBad && r.status.last_evaluation == tg_.start + ts) {
            eval_errors.push_back("    rule: " + r.name() + ", time: " + go_duration(ts) + ", err: " + r.status.last_error);
          }
        }
      }
      if (!eval_errors.empty()) {
        errors.insert(errors.end(), eval_errors.begin(), eval_errors.end());
        return errors;
      }
      while (next_alert < alert_tests.size() && alert_tests[next_alert]->eval_time >= ts &&
             alert_tests[next_alert]->eval_time < ts + step) {
        check_alerts(*alert_tests[next_alert++], ts, errors);
      }
    }
    for (const PromqlTest& p : tg_.promql_tests) check_promql(p, errors);
    return errors;
  }

 private:
  Status parse_input() {
    std::map<Labels, size_t> index;
    for (const InputSeries& s : tg_.input) {
      auto d = parser::parse_series_description(s.series + " " + s.values);
      if (!d) return make_error(d.error().code, d.error().message);
      // A series given twice: the later definition replaces the earlier,
      // as in promtool's loader (one sample list per label set).
      if (auto [it, fresh] = index.try_emplace(d->labels, input_.size()); !fresh) {
        input_[it->second] = *std::move(d);
        continue;
      }
      input_.push_back(*std::move(d));
      cursor_.push_back(0);
    }
    return {};
  }

  // Input samples up to ts go in before rules run at ts (promtool's lazy
  // loading). Each series' samples come in time order, once: an append
  // that fails anyway fails the test group rather than test less data.
  Status load_until(Timestamp ts) {
    auto app = head_.appender();
    for (size_t i = 0; i < input_.size(); ++i) {
      const parser::SeriesDescription& d = input_[i];
      for (size_t& k = cursor_[i]; k < d.values.size() && tg_.start + static_cast<Timestamp>(k) * interval_ <= ts; ++k) {
        if (d.values[k].empty()) continue;
        if (auto r = parser::append_series_value(*app, d.labels, tg_.start + static_cast<Timestamp>(k) * interval_,
                                                 d.values[k]);
            !r) {
          return make_error(r.error().code, "loading input series " + d.labels.to_string() + ": " + r.error().message);
        }
      }
    }
    app->commit();
    return {};
  }

  void check_alerts(const AlertTest& t, Timestamp evaluated_at, std::vector<std::string>& errors) {
    coverage_.tested_alert(t.alertname);
    std::vector<AlertView> got;
    std::vector<const rules::Alert*> active;  // every state, for explanations
    std::vector<const rules::AlertingRule*> rules;
    for (const auto& g : groups_) {
      for (const rules::GroupRule& r : g->rules()) {
        const auto* a = std::get_if<rules::AlertingRule>(&r.rule);
        if (a == nullptr || a->name() != t.alertname) continue;
        rules.push_back(a);
        for (const auto& [labels, alert] : a->active_alerts()) {
          active.push_back(&alert);
          if (alert.state == rules::AlertState::kFiring) got.push_back({alert.labels, alert.annotations});
        }
      }
    }
    std::vector<AlertView> want;
    for (const ExpectedAlert& e : t.alerts) {
      want.push_back({LabelsBuilder(e.labels).set(rules::kAlertNameLabel, t.alertname).build(), e.annotations});
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    if (t.subset ? subset_match(want, got) : got == want) return;
    const std::string name = tg_.name.empty() ? "" : "    name: " + tg_.name + ",\n";
    errors.push_back(name + "    alertname: " + t.alertname + ", time: " + format_duration(t.eval_time) +
                     ", \n        exp:" + indent_lines(alerts_string(want), "            ") +
                     ", \n        got:" + indent_lines(alerts_string(got), "            ") +
                     explain(t, tg_.start, evaluated_at, want, got, active, rules));
  }

  // `match: subset`: as many alerts as expected, each expected one matched
  // by its own firing alert that has (at least) its labels and annotations.
  static bool subset_match(const std::vector<AlertView>& want, const std::vector<AlertView>& got) {
    if (want.size() != got.size()) return false;
    auto contains = [](const Labels& big, const Labels& small) {
      return std::all_of(small.begin(), small.end(), [&](const Label l) { return big.get(l.name) == l.value; });
    };
    // The most specific expectations first, so a vaguer one cannot take
    // the only alert that fits a precise one.
    std::vector<const AlertView*> order;
    for (const AlertView& w : want) order.push_back(&w);
    std::stable_sort(order.begin(), order.end(), [](const AlertView* a, const AlertView* b) {
      return a->labels.size() + a->annotations.size() > b->labels.size() + b->annotations.size();
    });
    std::vector<bool> used(got.size(), false);
    for (const AlertView* wp : order) {
      const AlertView& w = *wp;
      bool found = false;
      for (size_t i = 0; i < got.size() && !found; ++i) {
        if (!used[i] && contains(got[i].labels, w.labels) &&
            std::includes(got[i].annotations.begin(), got[i].annotations.end(), w.annotations.begin(),
                          w.annotations.end())) {
          used[i] = found = true;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  // Beyond promtool: why an expected alert is missing or an alert is
  // extra, as "        why: ..." lines.
  static std::string explain(const AlertTest& t, Timestamp start, Timestamp evaluated_at, const std::vector<AlertView>& want,
                             const std::vector<AlertView>& got, const std::vector<const rules::Alert*>& active,
                             const std::vector<const rules::AlertingRule*>& rules) {
    std::string out;
    auto why = [&](const std::string& text) { out += "\n        why: " + text; };
    if (rules.empty()) {
      why("no alerting rule named " + t.alertname + " in the rule files");
      return out;
    }
    for (const AlertView& w : want) {
      if (std::find(got.begin(), got.end(), w) != got.end()) continue;
      const rules::Alert* same = nullptr;
      for (const rules::Alert* a : active) {
        if (a->labels == w.labels) same = a;
      }
      if (same != nullptr && same->state == rules::AlertState::kPending) {
        why(w.labels.to_string() + " was pending since " + format_duration(same->active_at - start) +
            ", not firing yet: for is " + format_duration(rules.front()->hold_duration()) + ", so it fires at " +
            format_duration(same->active_at - start + rules.front()->hold_duration()) + " at the earliest");
      } else if (same != nullptr && same->state == rules::AlertState::kInactive) {
        why(w.labels.to_string() + " had resolved at " + format_duration(same->resolved_at.value_or(start) - start));
      } else if (same != nullptr) {
        const auto has = [](const Annotations& as, const std::string& name) {
          return std::any_of(as.begin(), as.end(), [&](const auto& kv) { return kv.first == name; });
        };
        for (const auto& [name, value] : same->annotations) {
          if (!has(w.annotations, name)) {
            why("annotation " + name + " is " + go_quote(value) + ", not expected");
          } else if (const std::string_view expected = annotation_value(w.annotations, name); expected != value) {
            why("annotation " + name + " is " + go_quote(value) + ", expected " + go_quote(expected));
          }
        }
        for (const auto& [name, value] : w.annotations) {
          if (!has(same->annotations, name)) why("annotation " + name + " is missing");
        }
      } else if (active.empty()) {
        why("the alert's expression returned nothing at " + format_duration(evaluated_at) + " (" +
            rules.front()->expr_text() + ")");
      } else {
        // The firing alert that shares the most labels, and how it differs.
        const AlertView* closest = nullptr;
        size_t best = 0;
        for (const AlertView& g : got) {
          size_t common = 0;
          for (const Label l : g.labels) common += w.labels.get(l.name) == l.value;
          if (closest == nullptr || common > best) closest = &g, best = common;
        }
        if (closest == nullptr) {
          why(w.labels.to_string() + " is not active; active: " + active.front()->labels.to_string() + " (" +
              std::string(state_name(active.front()->state)) + ")");
          continue;
        }
        std::string diff;
        for (const Label l : w.labels) {
          if (closest->labels.get(l.name) != l.value) {
            diff += (diff.empty() ? "" : ", ") + std::string(l.name) + ": expected " + go_quote(l.value) + ", got " +
                    go_quote(closest->labels.get(l.name));
          }
        }
        for (const Label l : closest->labels) {
          if (w.labels.get(l.name).empty()) {
            diff += (diff.empty() ? "" : ", ") + std::string(l.name) + ": not expected, got " + go_quote(l.value);
          }
        }
        why("labels differ from the firing " + closest->labels.to_string() + ": " + diff);
      }
    }
    for (const AlertView& g : got) {
      const bool expected = std::any_of(want.begin(), want.end(), [&](const AlertView& w) { return w.labels == g.labels; });
      if (!expected) why(g.labels.to_string() + " is firing but not expected");
    }
    return out;
  }

  void check_promql(const PromqlTest& t, std::vector<std::string>& errors) {
    const std::string where = "    expr: " + go_quote(t.expr) + ", time: " + format_duration(t.eval_time);
    auto expr = parser::parse_expr(t.expr);
    if (!expr) {
      errors.push_back(where + ", err: " + parser::format_error(t.expr, expr.error()));
      return;
    }
    coverage_.tested_expr(**expr);
    const rules::LocalDatasource source(head_, engine_options_);
    auto got_vector = source.query(t.expr, **expr, tg_.start + t.eval_time);
    if (!got_vector) {
      errors.push_back(where + ", err: " + got_vector.error().message);
      return;
    }
    std::vector<SampleView> got;
    for (const eval::Sample& s : *got_vector) got.push_back({s.labels, s.v, s.h ? s.h->test_expression() : ""});
    std::vector<SampleView> want;
    for (const ExpectedSample& e : t.samples) {
      // The metric notation, as promtool's ParseMetric: '{}' is the empty
      // label set of an aggregation, vector() or absent().
      auto labels = parser::parse_metric(e.labels);
      if (!labels) {
        errors.push_back(where + ", err: labels " + go_quote(e.labels) + ": " +
                         parser::format_error(e.labels, labels.error()));
        return;  // as promtool: the next case
      }
      std::string histogram;
      if (!e.histogram.empty()) {
        auto h = expected_histogram(e.histogram);
        if (!h) {
          // promtool's layout; the position in the test file is cogwatch's.
          errors.push_back(where + ", err: labels " + go_quote(e.labels) + ": " + e.histogram_at + ": " +
                           h.error().message);
          return;
        }
        histogram = h->test_expression();
      }
      want.push_back({*std::move(labels), e.value, std::move(histogram)});
    }
    auto by_labels = [](const SampleView& a, const SampleView& b) { return a.labels < b.labels; };
    std::sort(got.begin(), got.end(), by_labels);
    std::sort(want.begin(), want.end(), by_labels);
    bool equal = got.size() == want.size();
    for (size_t i = 0; equal && i < got.size(); ++i) {
      equal = got[i].labels == want[i].labels && same_value(want[i].value, got[i].value, file_.fuzzy_compare) &&
              got[i].histogram == want[i].histogram;
    }
    if (equal) return;
    errors.push_back(where + ",\n        exp: " + samples_string(want) + "\n        got: " + samples_string(got) +
                     sample_differences(want, got) + window_edge_hints(**expr, tg_.start + t.eval_time));
  }

  // Beyond promtool: samples exactly at the start of a selector's window,
  // which Prometheus 3 leaves out and promtool 2.x counted; the likeliest
  // reason a case written against promtool 2.x fails.
  std::string window_edge_hints(const parser::Expr& expr, Timestamp at) const {
    std::string out;
    for (const WindowEdge& e : window_edges(expr, at, head_, engine_options_)) {
      out += "\n        why: " + e.series.to_string() + " has a sample at exactly " +
             format_duration(e.sample_at - tg_.start) + ", the start of the " + format_duration(e.range) +
             (e.lookback ? " lookback of " : " window of ") + e.selector + " at " +
             format_duration(e.evaluated_at - tg_.start) +
             ": Prometheus 3 (and cogwatch) leave it out, windows being open at the start; promtool 2.x counted it";
    }
    return out;
  }

  // Beyond promtool: which series are missing or extra, and which values
  // differ, as "        why: ..." lines (both lists sorted by labels).
  std::string sample_differences(const std::vector<SampleView>& want, const std::vector<SampleView>& got) const {
    std::string out;
    size_t i = 0, j = 0;
    while (i < want.size() || j < got.size()) {
      if (j == got.size() || (i < want.size() && want[i].labels < got[j].labels)) {
        out += "\n        why: missing " + want[i++].labels.to_string();
      } else if (i == want.size() || got[j].labels < want[i].labels) {
        out += "\n        why: not expected " + got[j++].labels.to_string();
      } else {
        const SampleView &w = want[i], &g = got[j];
        const std::string labels = g.labels.to_string();
        if (w.histogram.empty() != g.histogram.empty()) {
          out += "\n        why: " + labels + " is " + (g.histogram.empty() ? "a float" : "a native histogram") +
                 ", expected " + (w.histogram.empty() ? "a float" : "a native histogram");
        } else if (w.histogram != g.histogram) {
          const std::string diff = histogram_difference(g.histogram, w.histogram);
          out += "\n        why: " + labels + ": " + diff;
          if (diff.starts_with("counter_reset_hint ") && diff.find(';') == std::string::npos) {
            out += " (promtool compares the counter reset hint too, whenever either side has one)";
          }
        }
        if (!w.histogram.empty() && !g.histogram.empty() && !same_value(w.value, g.value, file_.fuzzy_compare)) {
          out += "\n        why: " + labels + " expects value " + format_float(w.value) +
                 " besides its histogram: promtool compares it too, and a histogram sample's value is " +
                 format_float(g.value);
        } else if (w.histogram.empty() && g.histogram.empty() && !same_value(w.value, g.value, file_.fuzzy_compare)) {
          out += "\n        why: " + got[j].labels.to_string() + " is " + format_float(got[j].value) + ", expected " +
                 format_float(want[i].value) +
                 (std::isnan(got[j].value) && std::isnan(want[i].value)
                      ? ": NaN equals nothing, not even NaN (promtool compares with ==)"
                      : "");
        }
        ++i;
        ++j;
      }
    }
    return out;
  }

  const TestFile& file_;
  const TestGroup& tg_;
  const Duration interval_;
  tsdb::Head head_;
  std::vector<std::unique_ptr<rules::Group>> groups_;
  eval::EngineOptions engine_options_;
  std::vector<parser::SeriesDescription> input_;
  std::vector<size_t> cursor_;
  TestCoverage& coverage_;
};

struct GroupVerdict {
  std::string name;  // the test group's name, or unnamed#N as promtool calls it
  std::vector<std::string> failures;
};

struct FileOutcome {
  std::vector<std::string> errors;  // promtool's failure texts, in order
  std::vector<GroupVerdict> groups;
};

// One test file: its errors (none when every test group passed), and the
// verdict of each test group that ran.
FileOutcome run_file(const std::string& path, const RuleTestOptions& options, TestCoverage& coverage,
                     std::ostream& err) {
  auto read = read_test_file(path);
  if (!read) return {{read.error().message}, {}};
  const TestFile& file = *read;
  // Rule files: relative to the test file, globs; a pattern matching
  // nothing is a warning, as in promtool.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  std::vector<rules::RuleFile> rule_files;
  for (const std::string& pattern : file.rule_files) {
    auto matched = expand_glob(pattern, dir);
    if (!matched) return {{matched.error().message}, {}};
    if (matched->empty()) {
      err << "  WARNING: no file match pattern " << (pattern.starts_with("/") || dir.empty() ? pattern : dir + "/" + pattern)
          << "\n";
    }
    for (const std::string& p : *matched) {
      rule_files.push_back(
          rules::load_rule_file(p, {.check_template = tmpl::check_alert_template,
                                    .ignore_unknown_fields = options.ignore_unknown_fields}));
    }
  }
  std::set<std::string> order;
  for (const std::string& g : file.group_eval_order) {
    if (!order.insert(g).second) return {{"group name repeated in evaluation order: " + g}, {}};
  }
  FileOutcome outcome;
  for (const rules::RuleFile& rf : rule_files) {
    outcome.errors.insert(outcome.errors.end(), rf.errors.begin(), rf.errors.end());
  }
  if (!outcome.errors.empty()) return outcome;
  for (const rules::RuleFile& rf : rule_files) coverage.add_rule_file(rf);

  std::optional<re2::RE2> run;
  if (options.run) run.emplace(*options.run, re2::RE2::Quiet);  // valid (RuleTestOptions); Quiet: no RE2 log lines
  for (size_t i = 0; i < file.tests.size(); ++i) {
    const TestGroup& tg = file.tests[i];
    if (run && !re2::RE2::PartialMatch(tg.name, *run)) continue;
    GroupRun g(file, tg, rule_files, coverage);
    std::vector<std::string> e = g.run();
    outcome.groups.push_back({tg.name.empty() ? "unnamed#" + std::to_string(i) : tg.name, e});
    outcome.errors.insert(outcome.errors.end(), e.begin(), e.end());
  }
  return outcome;
}

// Go's xml.EscapeText, which promtool's JUnit report goes through.
std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\t': out += "&#x9;"; break;
      case '\n': out += "&#xA;"; break;
      case '\r': out += "&#xD;"; break;
      default: out += c;
    }
  }
  return out;
}

// One <testsuite> per file, one <testcase> per test group, as promtool's
// --junit writes them; a file that could not run is one aborted case.
std::string junit_suite(const std::string& file, const FileOutcome& outcome, const std::string& timestamp) {
  size_t failures = 0;
  std::string cases;
  for (const GroupVerdict& g : outcome.groups) {
    cases += "<testcase name=\"" + xml_escape(g.name) + "\">";
    for (const std::string& f : g.failures) cases += "<failure>" + xml_escape(f) + "</failure>";
    cases += "</testcase>";
    failures += g.failures.size();
  }
  size_t errors = 0;
  size_t tests = outcome.groups.size();
  if (outcome.groups.empty() && !outcome.errors.empty()) {
    std::string joined;
    for (const std::string& e : outcome.errors) joined += (joined.empty() ? "" : "\n") + e;
    cases += "<testcase name=\"unknown\"><error>" + xml_escape(joined) + "</error></testcase>";
    errors = 1;
    tests = 1;
  }
  return "<testsuite name=\"" + xml_escape(file) + "\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" skipped=\"0\" timestamp=\"" +
         timestamp + "\">" + cases + "</testsuite>";
}

std::string local_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

int run_rule_tests(const std::vector<std::string>& files, const RuleTestOptions& options, std::ostream& out,
                   std::ostream& err) {
  // Opened first, as promtool's --junit: a report that cannot be written
  // fails the run before any test does.
  std::ofstream report;
  if (options.junit) {
    report.open(*options.junit, std::ios::out | std::ios::trunc);
    if (!report) {
      err << "failed to write JUnit XML: cannot open " << *options.junit << ": " << std::strerror(errno) << "\n";
      return 1;
    }
  }
  bool failed = false;
  size_t total_passed = 0, total_failed = 0;
  std::string junit = "<testsuites>";
  TestCoverage coverage;
  for (const std::string& f : files) {
    out << "Unit Testing:  " << f << "\n";
    out.flush();
    const FileOutcome outcome = run_file(f, options, coverage, err);
    junit += junit_suite(f, outcome, local_time_now());
    // Beyond promtool: each test group's verdict.
    size_t passed = 0;
    for (const GroupVerdict& g : outcome.groups) {
      out << (g.failures.empty() ? "  PASS  " : "  FAIL  ") << g.name << "\n";
      passed += g.failures.empty();
    }
    const size_t group_failures = outcome.groups.size() - passed;
    if (outcome.errors.empty()) {
      out << "  SUCCESS\n";
    } else {
      failed = true;
      out.flush();
      err << "  FAILED:\n";
      for (const std::string& e : outcome.errors) {
        err << e << "\n";
        err.flush();
        out << "\n";
        out.flush();
      }
    }
    out << "  " << passed << " passed, " << group_failures << " failed\n\n";
    out.flush();
    total_passed += passed;
    total_failed += group_failures;
  }
  out << "Total: " << total_passed << " passed, " << total_failed << " failed in " << files.size()
      << (files.size() == 1 ? " file" : " files") << "\n";
  out.flush();
  // Beyond promtool, which passes a run that ran nothing: a filter that
  // selects no test group is a mistake (a renamed group, a typo), not a
  // green run.
  if (options.run && total_passed + total_failed == 0) {
    err << "--run '" << *options.run << "' matched no test group in " << files.size()
        << (files.size() == 1 ? " file" : " files") << "\n";
    failed = true;
  }
  if (options.coverage || options.fail_under) out << "\n" << coverage.report();
  if (options.fail_under) {
    char line[160];
    if (coverage.rules() == 0) {
      std::snprintf(line, sizeof line, "--fail-under=%g%%: no rule was loaded, so none was exercised\n",
                    *options.fail_under);
      err << line;
      failed = true;
    } else if (coverage.percent() < *options.fail_under) {
      std::snprintf(line, sizeof line, "coverage %.1f%% is below --fail-under=%g%%\n", coverage.percent(),
                    *options.fail_under);
      err << line;
      failed = true;
    }
  }
  if (options.junit) {
    report << junit << "</testsuites>";
    report.close();
    if (!report) {
      err << "failed to write JUnit XML: cannot write " << *options.junit << "\n";
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

}  // namespace cogwatch::ruletest
