#include "cli/config_lint.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "model/file.h"
#include "model/yaml_reader.h"
#include "parser/functions.h"

namespace cogwatch::cli {
namespace {

using net::RelabelAction;
using net::RelabelSpec;

// Labels that scraped series carry and targets never do: a relabel_configs
// step that reads or drops one was meant for metric_relabel_configs.
bool series_only_label(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "__name__",   "trace_id",     "traceid",   "span_id",        "request_id",  "requestid",
      "req_id",     "user_id",      "userid",    "session_id",     "prediction_id", "correlation_id",
      "customer_id", "client_id",   "order_id",  "transaction_id", "job_id",       "run_id"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// Where the lookback of instant queries and rules ends (eval's default).
constexpr Duration kLookback = 5 * kMinute;

std::string yaml_scalar(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '/' || ch == '|' ||
           ch == '-';
  });
  if (plain && s.front() != '-') return s;
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("''") : std::string(1, ch);
  return q + "'";
}

// The step as YAML under `metric_relabel_configs:`, indented for a
// warning's continuation lines.
std::string as_metric_relabel_step(const RelabelSpec& spec) {
  std::string out = "\n    metric_relabel_configs:\n    - action: " + std::string(net::relabel_action_name(spec.action));
  if (spec.action == RelabelAction::kLabelDrop || spec.action == RelabelAction::kLabelKeep) {
    return out + "\n      regex: " + yaml_scalar(spec.regex);
  }
  if (!spec.source_labels.empty()) {
    std::string list;
    for (const std::string& l : spec.source_labels) list += (list.empty() ? "" : ", ") + l;
    out += "\n      source_labels: [" + list + "]";
  }
  if (spec.separator_set) out += "\n      separator: " + yaml_scalar(spec.separator);
  if (spec.target_label_set) out += "\n      target_label: " + yaml_scalar(spec.target_label);
  if (spec.regex_set) out += "\n      regex: " + yaml_scalar(spec.regex);
  if (spec.replacement_set) out += "\n      replacement: " + yaml_scalar(spec.replacement);
  return out;
}

// n[key] when n is a mapping that has it (not null); else an undefined
// node, which is false. (A const lookup of a missing key gives a node that
// throws on any further lookup.)
YAML::Node child(const YAML::Node& n, const char* key) {
  if (!n || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node v = n[key];
  if (!v || v.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return v;
}

class Linter {
 public:
  Linter(const DaemonConfig& c, std::string filename, const YAML::Node& root, bool check_files,
         std::vector<ConfigWarning>& out)
      : c_(c), file_(std::move(filename)), root_(root), check_files_(check_files), out_(out) {}

  void run() {
    const YAML::Node jobs = root_["scrape_configs"];
    for (size_t i = 0; i < c_.scrape.scrape_configs.size() && jobs && i < jobs.size(); ++i) {
      const YAML::Node job = jobs[i];
      const scrape::ScrapeConfig& s = c_.scrape.scrape_configs[i];
      intervals(job, s);
      target_relabelling(job, s);
      metric_relabelling(job, s);
      duplicate_targets(job, s);
    }
    rule_files();
    rate_windows();
    alerts_without_receiver();
  }

 private:
  void warn(const YAML::Node& at, std::string message) {
    const YAML::Mark m = at.Mark();
    warn(file_, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1), std::move(message));
  }
  void warn(std::string file, uint32_t line, uint32_t column, std::string message) {
    out_.push_back({std::move(file), line, column, std::move(message)});
  }
  std::string place(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }

  // scrape_timeout close to scrape_interval; scrape_interval past the lookback.
  void intervals(const YAML::Node& job, const scrape::ScrapeConfig& s) {
    const YAML::Node global = child(root_, "global");
    const std::string name = "job \"" + s.job_name + "\"";
    // Only a timeout someone wrote: the default is min(10s, interval).
    const YAML::Node job_timeout = child(job, "scrape_timeout");
    const YAML::Node global_timeout = child(global, "scrape_timeout");
    const YAML::Node* timeout_at = job_timeout ? &job_timeout
                                   : global_timeout && s.scrape_timeout == c_.scrape.global.scrape_timeout
                                       ? &global_timeout
                                       : nullptr;
    if (timeout_at != nullptr && s.scrape_interval > 0 && s.scrape_timeout * 10 >= s.scrape_interval * 9 &&
        reported_.insert(place(*timeout_at)).second) {
      warn(*timeout_at, "scrape_timeout " + format_duration(s.scrape_timeout) + " is " +
                            std::to_string(s.scrape_timeout * 100 / s.scrape_interval) + "% of the scrape_interval " +
                            format_duration(s.scrape_interval) + " of " + name +
                            ": a target that needs that long is scraped back to back, each scrape ending as the "
                            "next is due, and one a little slower is down (up == 0) rather than late; keep the "
                            "timeout under 90% of the interval (e.g. scrape_timeout: " +
                            format_duration(s.scrape_interval * 8 / 10) + ")");
    }
    if (s.scrape_interval >= kLookback) {
      const YAML::Node job_interval = child(job, "scrape_interval");
      const YAML::Node global_interval = child(global, "scrape_interval");
      const YAML::Node& at = job_interval ? job_interval : global_interval;
      if (!at || !reported_.insert(place(at)).second) return;
      warn(at, "scrape_interval " + format_duration(s.scrape_interval) + " (" + name +
                   ") is not shorter than the 5m lookback of queries and rules: between two scrapes the series has "
                   "no sample within the lookback, so it vanishes from instant queries and alerts on it resolve and "
                   "fire again; scrape at least every 2m");
    }
  }

  // The labels of a static job's targets as relabel_configs first sees
  // them (Prometheus's PopulateLabels); nullopt when the job discovers
  // targets in files, whose labels are not known here.
  static std::optional<std::vector<Labels>> static_targets(const scrape::ScrapeConfig& s) {
    if (!s.file_sd_configs.empty()) return std::nullopt;
    std::vector<Labels> out;
    for (const net::StaticConfig& group : s.static_configs) {
      for (const std::string& t : group.targets) {
        LabelsBuilder b(group.labels);
        b.set("__address__", t);
        b.set("job", s.job_name);
        b.set("__scheme__", s.scheme);
        b.set("__metrics_path__", s.metrics_path);
        b.set("__scrape_interval__", format_duration(s.scrape_interval));
        b.set("__scrape_timeout__", format_duration(s.scrape_timeout));
        for (const auto& [name, values] : s.params) {
          if (!values.empty()) b.set("__param_" + name, values.front());
        }
        out.push_back(b.build());
      }
    }
    return out;
  }

  // The names a regex is, when it is a plain alternation of label names
  // ("trace_id", "trace_id|span_id"); empty otherwise.
  static std::vector<std::string> literal_names(const std::string& regex) {
    std::vector<std::string> names;
    size_t start = 0;
    while (start <= regex.size()) {
      const size_t bar = std::min(regex.find('|', start), regex.size());
      const std::string name = regex.substr(start, bar - start);
      if (name.empty() || !std::all_of(name.begin(), name.end(), [](char ch) {
            return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
          })) {
        return {};
      }
      names.push_back(name);
      start = bar + 1;
    }
    return names;
  }

  static std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  static bool all_series_only(const std::vector<std::string>& names) {
    return !names.empty() && std::all_of(names.begin(), names.end(), series_only_label);
  }

  // relabel_configs: run a static job's steps on its targets and flag the
  // steps that can see nothing they read. A job with file_sd_configs: only
  // steps about labels no target can have.
  void target_relabelling(const YAML::Node& job, const scrape::ScrapeConfig& s) {
    const YAML::Node steps = job["relabel_configs"];
    if (!steps || !steps.IsSequence()) return;
    std::optional<std::vector<Labels>> targets = static_targets(s);
    if (targets && targets->empty()) return;
    std::set<std::string> created;  // target labels set by earlier steps
    bool any_name = false;          // an earlier step may have created labels of any name
    const std::string name = "job \"" + s.job_name + "\"";
    const char* where =
        " (relabel_configs rewrite the targets' labels before the scrape: __address__, job, __meta_* and the "
        "labels of the target groups; the scraped series' labels are seen only by metric_relabel_configs)";
    for (size_t k = 0; k < s.relabel_configs.size() && k < steps.size(); ++k) {
      const net::RelabelConfig& step = s.relabel_configs[k];
      const RelabelSpec& spec = step.spec();
      const YAML::Node at = steps[k];
      const std::string action(net::relabel_action_name(spec.action));
      const bool sources_new = std::none_of(spec.source_labels.begin(), spec.source_labels.end(),
                                            [&](const std::string& l) { return created.count(l) > 0; });
      if (targets) {
        std::vector<Labels> next;
        bool changed = false;
        bool sources_seen = false;
        for (const Labels& t : *targets) {
          for (const std::string& l : spec.source_labels) sources_seen = sources_seen || t.has(l);
          std::optional<Labels> r = net::relabel(t, {step});
          if (!r || !(*r == t)) changed = true;
          if (r) next.push_back(std::move(*r));
        }
        const std::string absent = "no target of " + name + " has the label" +
                                   (spec.source_labels.size() > 1 ? "s " : " ") + quoted_list(spec.source_labels) +
                                   " here, so the value read is \"" +
                                   (spec.source_labels.size() > 1 ? std::string(spec.source_labels.size() - 1, ';')
                                                                  : std::string()) +
                                   "\"";
        const std::string meant =
            all_series_only(spec.source_labels)
                ? std::string(where) + "; you meant:" + as_metric_relabel_step(spec)
                : std::string(where);
        if (spec.action == RelabelAction::kLabelDrop && !changed) {
          warn(at, "labeldrop in relabel_configs does nothing: no target of " + name + " has a label matching \"" +
                       spec.regex + "\"" + where + "; to drop it from the scraped series, write:" +
                       as_metric_relabel_step(spec));
        } else if ((spec.action == RelabelAction::kKeep || spec.action == RelabelAction::kDrop) && next.empty()) {
          std::string why = sources_seen || spec.source_labels.empty()
                                ? ": regex \"" + spec.regex + "\" " +
                                      (spec.action == RelabelAction::kKeep ? "matches none" : "matches all") +
                                      " of their values"
                                : ": " + absent + ", which regex \"" + spec.regex + "\" " +
                                      (spec.action == RelabelAction::kKeep ? "does not match" : "matches") +
                                      (sources_seen ? "" : meant);
          warn(at, action + " in relabel_configs drops every target of " + name + why);
        } else if ((spec.action == RelabelAction::kDrop || spec.action == RelabelAction::kReplace ||
                    spec.action == RelabelAction::kKeep) &&
                   !changed && !sources_seen && !spec.source_labels.empty()) {
          warn(at, action + " in relabel_configs never applies: " + absent + ", which regex \"" + spec.regex +
                       "\" does not match" + meant);
        }
        *targets = std::move(next);
        if (targets->empty()) return;  // said once
      } else if (!any_name && sources_new) {
        // Targets from files: only labels that no target has are certain.
        if (spec.action == RelabelAction::kLabelDrop) {
          const std::vector<std::string> names = literal_names(spec.regex);
          if (all_series_only(names)) {
            warn(at, "labeldrop in relabel_configs does nothing: targets have no label " + quoted_list(names) + where +
                         "; to drop it from the scraped series, write:" + as_metric_relabel_step(spec));
          }
        } else if ((spec.action == RelabelAction::kKeep || spec.action == RelabelAction::kDrop ||
                    spec.action == RelabelAction::kReplace) &&
                   all_series_only(spec.source_labels)) {
          const Labels probe = LabelsBuilder().set("__address__", "target:80").build();
          const std::optional<Labels> r = net::relabel(probe, {step});
          const std::string read = "targets have no label " + quoted_list(spec.source_labels);
          if (!r) {
            warn(at, action + " in relabel_configs drops every target of " + name + ": " + read +
                         ", and regex \"" + spec.regex + "\" " +
                         (spec.action == RelabelAction::kKeep ? "does not match" : "matches") +
                         " the empty value read" + where + "; you meant:" + as_metric_relabel_step(spec));
          } else if (*r == probe) {
            warn(at, action + " in relabel_configs never applies: " + read + ", and regex \"" + spec.regex +
                         "\" does not match the empty value read" + where + "; you meant:" +
                         as_metric_relabel_step(spec));
          }
        }
      }
      if (spec.action == RelabelAction::kLabelMap) any_name = true;
      if (spec.target_label_set) {
        if (spec.target_label.find('$') != std::string::npos) any_name = true;
        created.insert(spec.target_label);
      }
    }
  }

  // metric_relabel_configs reading only labels that end with the target:
  // every label starting with "__" but __name__ is gone after relabel_configs.
  void metric_relabelling(const YAML::Node& job, const scrape::ScrapeConfig& s) {
    const YAML::Node steps = job["metric_relabel_configs"];
    if (!steps || !steps.IsSequence()) return;
    std::set<std::string> created;
    for (size_t k = 0; k < s.metric_relabel_configs.size() && k < steps.size(); ++k) {
      const RelabelSpec& spec = s.metric_relabel_configs[k].spec();
      const bool reads_gone = !spec.source_labels.empty() &&
                              std::all_of(spec.source_labels.begin(), spec.source_labels.end(), [&](const std::string& l) {
                                return l.starts_with("__") && l != "__name__" && created.count(l) == 0;
                              });
      if (reads_gone && (spec.action == RelabelAction::kKeep || spec.action == RelabelAction::kDrop ||
                         spec.action == RelabelAction::kReplace || spec.action == RelabelAction::kHashMod)) {
        const std::string& first = spec.source_labels.front();
        const std::string copy = first.starts_with("__meta_") ? first.substr(7) : first.substr(2);
        warn(steps[k], std::string(net::relabel_action_name(spec.action)) + " in metric_relabel_configs reads " +
                           quoted_list(spec.source_labels) +
                           ", which scraped series never have: labels starting with \"__\" (but __name__) are removed "
                           "from the target after relabel_configs, so the value read is always empty; copy it to a "
                           "label in relabel_configs and read that:\n    relabel_configs:\n    - source_labels: [" +
                           first + "]\n      target_label: " + copy);
      }
      if (spec.target_label_set) created.insert(spec.target_label);
    }
  }

  // The same address twice in a job, or in two jobs that scrape it alike.
  void duplicate_targets(const YAML::Node& job, const scrape::ScrapeConfig& s) {
    const YAML::Node groups = job["static_configs"];
    if (!groups || !groups.IsSequence()) return;
    std::map<std::string, std::pair<YAML::Node, Labels>> in_job;
    std::string key = s.scheme + "\n" + s.metrics_path;
    for (const auto& [n, values] : s.params) {
      key += "\n" + n;
      for (const std::string& v : values) key += "=" + v;
    }
    const bool relabels = !s.relabel_configs.empty();
    const bool alike = !relabels && s.metric_relabel_configs.empty();
    for (size_t g = 0; g < s.static_configs.size() && g < groups.size(); ++g) {
      const YAML::Node targets = groups[g]["targets"];
      const net::StaticConfig& group = s.static_configs[g];
      for (size_t t = 0; t < group.targets.size() && targets && t < targets.size(); ++t) {
        const std::string& address = group.targets[t];
        const YAML::Node at = targets[t];
        if (!relabels) {
          auto [it, fresh] = in_job.emplace(address, std::make_pair(at, group.labels));
          if (!fresh) {
            warn(at, "target \"" + address + "\" is listed twice in job \"" + s.job_name + "\" (first at " +
                         place(it->second.first) + ")" +
                         (it->second.second == group.labels
                              ? ": it is scraped once, the second entry does nothing"
                              : " with other labels: it is scraped twice and every series stored twice, differing "
                                "only in those labels"));
            continue;
          }
        }
        if (!alike) continue;
        auto [it, fresh] = across_jobs_.emplace(key + "\n" + address, std::make_pair(s.job_name, at));
        if (!fresh && it->second.first != s.job_name) {
          warn(at, "target \"" + address + "\" is also scraped by job \"" + it->second.first + "\" (at " +
                       place(it->second.second) +
                       ") with the same scheme, path and parameters: every series is stored twice, with job=\"" +
                       it->second.first + "\" and job=\"" + s.job_name + "\"");
        }
      }
    }
  }

  // A rule_files pattern that matches no file loads no rules, silently.
  void rule_files() {
    if (!check_files_) return;
    const YAML::Node list = root_["rule_files"];
    if (!list || !list.IsSequence()) return;
    for (size_t i = 0; i < c_.scrape.rule_files.size() && i < list.size(); ++i) {
      const std::string& pattern = c_.scrape.rule_files[i];
      if (pattern.find('*') == std::string::npos) continue;  // a literal file must exist: an error
      auto found = expand_glob(pattern, c_.dir);
      if (found && found->empty()) {
        warn(list[i], "rule_files pattern \"" + pattern + "\" matches no file" +
                          (c_.dir.empty() ? std::string() : " in " + c_.dir) + ": no rules are loaded from it");
      }
    }
  }

  // The shortest interval at which any series gets samples: a scrape or a
  // rule evaluation.
  Duration shortest_interval() const {
    Duration shortest = 0;
    auto take = [&](Duration d) {
      if (d > 0 && (shortest == 0 || d < shortest)) shortest = d;
    };
    for (const scrape::ScrapeConfig& s : c_.scrape.scrape_configs) take(s.scrape_interval);
    for (const rules::RuleFile& f : c_.rule_files) {
      for (const rules::GroupSpec& g : f.groups) take(g.interval > 0 ? g.interval : c_.scrape.global.evaluation_interval);
    }
    return shortest;
  }

  // rate()-like functions need two samples in their window.
  void rate_windows() {
    const Duration shortest = shortest_interval();
    if (shortest == 0) return;
    for (const rules::RuleFile& f : c_.rule_files) {
      for (const rules::GroupSpec& g : f.groups) {
        for (const rules::RuleSpec& r : g.rules) {
          if (!r.expr) continue;
          std::vector<const parser::Expr*> stack{r.expr.get()};
          std::set<std::string> said;
          while (!stack.empty()) {
            const parser::Expr* e = stack.back();
            stack.pop_back();
            for (const parser::Expr* child : parser::children(*e)) stack.push_back(child);
            const parser::Call* call = e->as<parser::Call>();
            if (call == nullptr || call->args.empty() || !needs_two_samples(call->func)) continue;
            const parser::MatrixSelector* m = parser::strip_parens(*call->args[0]).as<parser::MatrixSelector>();
            if (m == nullptr || m->range >= 2 * shortest) continue;
            const std::string fn(parser::function_info(call->func).name);
            if (!said.insert(fn + format_duration(m->range)).second) continue;
            warn(f.path, r.expr_position.line, r.expr_position.column,
                 "group \"" + g.name + "\", " + (r.kind == rules::RuleKind::kAlerting ? "alert" : "record") + " \"" +
                     r.name + "\": " + fn + "() over a " + format_duration(m->range) +
                     " window, while samples come at best every " + format_duration(shortest) + " (the shortest "
                     "scrape or evaluation interval of " + file_ + "): a window shorter than two intervals often "
                     "holds one sample, and " + fn + "() then returns nothing; use at least four intervals (" +
                     format_duration(4 * shortest) + ")");
          }
        }
      }
    }
  }

  static bool needs_two_samples(parser::Function f) {
    using parser::Function;
    return f == Function::kRate || f == Function::kIrate || f == Function::kIncrease || f == Function::kDelta ||
           f == Function::kIdelta || f == Function::kDeriv || f == Function::kPredictLinear;
  }

  // Alerting rules whose alerts go nowhere.
  void alerts_without_receiver() {
    if (!c_.alerting.alertmanagers.empty() || c_.notify) return;
    size_t alerts = 0;
    for (const rules::RuleFile& f : c_.rule_files) {
      for (const rules::GroupSpec& g : f.groups) {
        for (const rules::RuleSpec& r : g.rules) alerts += r.kind == rules::RuleKind::kAlerting ? 1 : 0;
      }
    }
    const YAML::Node list = root_["rule_files"];
    if (alerts == 0 || !list) return;
    warn(list, std::to_string(alerts) + " alerting rule" + (alerts == 1 ? " is loaded, but its" : "s are loaded, but their") +
                   " alerts are sent nowhere: there is no alerting.alertmanagers and no notify: "
                   "section (firing alerts show only in the API and the ALERTS series)");
  }

  const DaemonConfig& c_;
  std::string file_;
  const YAML::Node root_;
  bool check_files_;
  std::vector<ConfigWarning>& out_;
  std::set<std::string> reported_;
  std::map<std::string, std::pair<std::string, YAML::Node>> across_jobs_;  // scheme, path, params, address -> job
};

}  // namespace

std::string ConfigWarning::text() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::vector<ConfigWarning> lint_config(const DaemonConfig& config, const std::string& filename, bool check_files) {
  std::vector<ConfigWarning> out;
  auto done = read_yaml_document(config.text, filename, [&](const YamlReader&, const YAML::Node& root) {
    if (root.IsMap()) Linter(config, filename, root, check_files, out).run();
    return 0;
  });
  (void)done;  // the text has loaded before; nothing to lint otherwise
  return out;
}

std::vector<ConfigWarning> config_error_hints(std::string_view text, const std::string& filename) {
  std::vector<ConfigWarning> out;
  auto hint = [&](const YAML::Node& step, bool target_phase) {
    if (!step.IsMap() || !step["action"] || !step["action"].IsScalar() || !step["source_labels"]) return;
    const std::string action = step["action"].as<std::string>();
    if (action != "labeldrop" && action != "labelkeep") return;
    std::string regex;
    if (step["regex"] && step["regex"].IsScalar()) {
      regex = step["regex"].as<std::string>();
    } else if (step["source_labels"].IsSequence()) {
      for (const auto& l : step["source_labels"]) {
        if (l.IsScalar()) regex += (regex.empty() ? "" : "|") + l.as<std::string>();
      }
    }
    RelabelSpec spec;
    spec.action = action == "labeldrop" ? RelabelAction::kLabelDrop : RelabelAction::kLabelKeep;
    spec.regex = regex;
    const YAML::Mark m = step.Mark();
    std::string message = action + " takes the label names to " + (action == "labeldrop" ? "drop" : "keep") +
                          " in regex alone, without source_labels";
    if (target_phase) {
      message += "; and in relabel_configs it sees only the targets' labels (__address__, job, __meta_*, the target "
                 "groups' labels), not the scraped series' ones; you meant:" +
                 as_metric_relabel_step(spec);
    } else {
      message += "; write:\n    - action: " + action + "\n      regex: " + yaml_scalar(regex);
    }
    out.push_back({filename, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1), message});
  };
  auto steps = [&](const YAML::Node& list, bool target_phase) {
    if (!list || !list.IsSequence()) return;
    for (const auto& step : list) hint(step, target_phase);
  };
  auto done = read_yaml_document(text, filename, [&](const YamlReader&, const YAML::Node& root) {
    if (!root.IsMap()) return 0;
    if (const YAML::Node jobs = root["scrape_configs"]; jobs && jobs.IsSequence()) {
      for (const auto& job : jobs) {
        if (!job.IsMap()) continue;
        steps(job["relabel_configs"], true);
        steps(job["metric_relabel_configs"], false);
      }
    }
    if (const YAML::Node a = root["alerting"]; a && a.IsMap()) {
      steps(a["alert_relabel_configs"], false);
      if (const YAML::Node ams = a["alertmanagers"]; ams && ams.IsSequence()) {
        for (const auto& am : ams) {
          if (!am.IsMap()) continue;
          steps(am["relabel_configs"], false);
          steps(am["alert_relabel_configs"], false);
        }
      }
    }
    return 0;
  });
  (void)done;
  return out;
}

}  // namespace cogwatch::cli
