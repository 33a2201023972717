// label_replace and label_join: functions of the series, not the samples.
// Setting __name__ keeps the name past the end of the query (it is no
// longer dropped); series that become equal are merged.
#include <string>
#include <vector>

#include <re2/re2.h>

#include "eval/internal/functions.h"
#include "model/labels.h"
#include "model/regex_template.h"

namespace cogwatch::eval::internal {

// label_replace(v, dst, replacement, src, regex). The arguments are checked
// before v is evaluated, as in Prometheus.
NodeValue eval_label_replace(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  const std::string dst = ev.eval(*call.args[1]).str;
  const std::string replacement = ev.eval(*call.args[2]).str;
  const std::string src = ev.eval(*call.args[3]).str;
  const std::string regex = ev.eval(*call.args[4]).str;
  RE2::Options opts;
  opts.set_dot_nl(true);
  opts.set_log_errors(false);
  const RE2 re("^(?:" + regex + ")$", opts);
  if (!re.ok()) throw_error("invalid regular expression in label_replace(): " + regex);
  if (!is_valid_label_name(dst)) throw_error("invalid destination label name in label_replace(): " + dst);
  NodeValue v = ev.eval(*call.args[0]);
  std::vector<std::string_view> groups;
  for (StepSeries& s : v.matrix) {
    const std::string_view value = s.labels.get(src);
    if (!match_groups(re, value, groups)) continue;
    const std::string result = expand_regex_template(re, replacement, groups);
    s.labels = LabelsBuilder(s.labels).set(dst, result).build();
    if (dst == kMetricNameLabel) s.drop_name = false;
  }
  merge_same_labelsets(v.matrix);
  return v;
}

// label_join(v, dst, separator, src...).
NodeValue eval_label_join(Evaluator& ev, const parser::Call& call, const FunctionImpl&) {
  const std::string dst = ev.eval(*call.args[1]).str;
  const std::string sep = ev.eval(*call.args[2]).str;
  std::vector<std::string> srcs;
  for (size_t i = 3; i < call.args.size(); ++i) {
    srcs.push_back(ev.eval(*call.args[i]).str);
    if (!is_valid_label_name(srcs.back())) throw_error("invalid source label name in label_join(): " + srcs.back());
  }
  if (!is_valid_label_name(dst)) throw_error("invalid destination label name in label_join(): " + dst);
  NodeValue v = ev.eval(*call.args[0]);
  for (StepSeries& s : v.matrix) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.labels.get(srcs[i]);
    }
    s.labels = LabelsBuilder(s.labels).set(dst, joined).build();
    if (dst == kMetricNameLabel) s.drop_name = false;
  }
  merge_same_labelsets(v.matrix);
  return v;
}

}  // namespace cogwatch::eval::internal
