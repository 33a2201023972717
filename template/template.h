// Alert label and annotation templates: Go's text/template language, the
// part real alert rules use, with Prometheus's template functions, giving
// the text Prometheus gives for the same template and data.
//
//   auto t = Template::parse("__alert_Drift", "entropy {{ $value | humanize }} on {{ $labels.instance }}");
//   AlertTemplate a("__alert_Drift", "entropy {{ $value | humanize }} on {{ $labels.instance }}");
//   std::string s = a.expand(data, context);  // for each alert, at each evaluation
//
// Language (Go 1.25's): text and {{actions}} with {{- and -}} trimming and
// {{/* comments */}}; pipelines with |; variables ($x := ..., $x = ..., $);
// fields (.Labels.instance, $labels.job, fn.X, (pipeline).X); literals
// (strings "..." and `...`, numbers in Go's syntax including characters
// 'a' and complex 1+2i, true, false, nil); parentheses; if / else if /
// else, range (with $i, $v :=; over maps, query results and integers),
// with / else with, break, continue, end, define, template, block. The
// text is read as UTF-8 runes as Go reads it: identifiers, variables and
// fields are Unicode letters, digits and _ (Prometheus 3's UTF-8 label
// names: $labels.größe), rune classes are Unicode 15.0.0's.
// Values are what Go's reflection sees: a nil interface{} (a missing key
// of args' map) is not "no value" (what a pipeline leaves of one, which
// prints "<no value>").
//
// Limits Go does not have (C++ stacks are smaller, and a hung alert
// template would stall its rule group): parentheses and control bodies
// nest at most 1000 deep (Go: 10000 parentheses, "max expression depth
// exceeded"; controls unbounded), {{template}} calls 1000 deep (Go:
// 100000), and ranges over integers run at most 10^6 iterations in one
// execution.
//
// Functions: Go's and, call, or, not, len, index, slice, print, printf,
// println, eq, ne, lt, le, gt, ge, html, js, urlquery; Prometheus 3's
// query, first, label, value, strvalue, args, sortByLabel, humanize,
// humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp,
// toTime, toDuration, now, toUpper, toLower, title, match, reReplaceAll,
// safeHtml, stripPort, stripDomain, parseDuration, urlQueryEscape,
// externalURL, pathPrefix, graphLink, tableLink. Each argument is converted
// to the Go parameter's type as text/template does. toTime's *time.Time and
// toDuration's *time.Duration print as Go prints them and have the methods
// that need no time zone: Time's String, Format, Add, Sub, Before, After,
// Equal, Compare, UTC, Unix, UnixMilli, UnixMicro, UnixNano, Year, YearDay,
// Day, Hour, Minute, Second, Nanosecond; Duration's String, Seconds,
// Minutes, Hours, Milliseconds, Microseconds, Nanoseconds, Abs, Round,
// Truncate.
//
// Errors are Go's, word for word:
//   parse:   template: __alert_X:1: function "humanise" not defined
//            template: __alert_X:1: unrecognized character in action: U+00A0
//   execute: template: __alert_X:1:117: executing "__alert_X" at <humanize "x">:
//            error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax
//
// Thread-safety: a parsed Template is immutable; execute() may run from
// several threads at once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::tmpl {

namespace internal {
struct Node;
}

// What alert templates see: $labels, $value, $externalLabels, $externalURL.
// An alert's data: $labels, $value (a float, or the native histogram when
// `histogram` is set: it prints as Prometheus's *FloatHistogram does and
// has the fields Count, Sum, ZeroCount, ZeroThreshold and Schema),
// $externalLabels, $externalURL.
struct TemplateData {
  Labels labels;
  double value = 0;
  Labels external_labels;
  std::string external_url;
  HistogramRef histogram;
};

struct TemplateQuerySample {
  Labels labels;
  double value = 0;
  HistogramRef histogram;  // set: .Value is this histogram
};

// What the `query` function runs: PromQL at the evaluation time.
using TemplateQueryFunc = std::function<Result<std::vector<TemplateQuerySample>>(std::string_view query)>;

struct TemplateContext {
  TemplateQueryFunc query;   // empty: `query` fails
  std::string external_url;  // for externalURL, pathPrefix, $externalURL
  Timestamp eval_time = 0;   // the evaluation time, for `now`
};

class Template {
 public:
  // Errors: kParse, "template: NAME:LINE: what".
  static Result<Template> parse(std::string_view name, std::string_view text);

  // Runs the template with the alert data as dot (.Labels, .ExternalLabels,
  // .ExternalURL, .Value). Errors: kInvalidArgument, "template: NAME:L:C:
  // executing \"NAME\" at <...>: what".
  Result<std::string> execute(const TemplateData& data, const TemplateContext& context) const;

 private:
  std::string name_;
  std::string text_;
  std::shared_ptr<const std::vector<internal::Node>> root_;
  // {{define}}d templates by name (internal::Defines).
  using Body = std::shared_ptr<const std::vector<internal::Node>>;
  std::shared_ptr<const std::map<std::string, Body, std::less<>>> defines_;
};

// An alert's label or annotation template as Prometheus expands it: the
// text prefixed with {{$labels := .Labels}}{{$externalLabels :=
// .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}.
// Parsed once (a rule expands its templates for every alert at every
// evaluation; Prometheus parses them each time, with the same result), and
// expansion never fails: a parse or execution error becomes the text
// Prometheus puts in its place, "<error expanding template: ...>".
class AlertTemplate {
 public:
  AlertTemplate(std::string_view name, std::string_view text);

  std::string expand(const TemplateData& data, const TemplateContext& context) const;

 private:
  std::string name_;
  std::optional<Template> parsed_;
  std::string parse_error_;  // when parsed_ is empty
};

// AlertTemplate(name, text).expand(data, context), for one-off expansions.
std::string expand_alert_template(std::string_view name, std::string_view text, const TemplateData& data,
                                  const TemplateContext& context);

// Whether an alert template parses (with the same prefix), as `promtool
// check rules` checks: the error text, or nothing.
std::optional<std::string> check_alert_template(std::string_view name, std::string_view text);

}  // namespace cogwatch::tmpl
