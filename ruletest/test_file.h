// promtool's rule unit-test files, read: the model `cogwatch test rules`
// runs (ruletest/runner.h), and the strict reader.
//
//   auto file = read_test_file("tests.yml");  // file:line:col errors
//
// Keys as promtool's (Prometheus 3) file format: rule_files,
// evaluation_interval (default 1m), group_eval_order, fuzzy_compare, and
// tests with name, interval, input_series, alert_rule_test,
// promql_expr_test, external_labels, external_url, start_timestamp; plus
// cogwatch's `match: subset`. Unknown keys are errors, as promtool's strict
// YAML decoding makes them; sample values are read as Go's yaml.v2 reads a
// float64. An expected sample is a float (`value`) or a native histogram
// (`histogram`, in the series notation: "{{schema:1 count:3 buckets:[1 2]}}"),
// kept as written: the runner parses it when the case runs, as promtool does.
#pragma once

#include <string>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::ruletest {

struct InputSeries {
  std::string series;
  std::string values;
};

struct ExpectedAlert {
  Labels labels;
  Annotations annotations;  // empty values kept: promtool compares them too
};

struct AlertTest {
  Duration eval_time = 0;
  std::string alertname;
  std::vector<ExpectedAlert> alerts;
  bool subset = false;  // cogwatch's `match: subset`
};

struct ExpectedSample {
  std::string labels;  // the metric notation, read by parser::parse_metric: '{}' or '' is no labels
  double value = 0;    // compared even when histogram is set, as promtool does (a histogram's value is 0)
  std::string histogram;     // the series notation of one histogram; empty: a float sample
  std::string histogram_at;  // "path:line:col" of `histogram`, for errors about it
};

struct PromqlTest {
  std::string expr;
  Duration eval_time = 0;
  std::vector<ExpectedSample> samples;
};

struct TestGroup {
  std::string name;
  Duration interval = 0;  // 0: the file's evaluation_interval
  std::vector<InputSeries> input;
  std::vector<AlertTest> alert_tests;
  std::vector<PromqlTest> promql_tests;
  Labels external_labels;
  std::string external_url;
  Timestamp start = 0;  // start_timestamp: time 0 of the test (Prometheus 3)
};

struct TestFile {
  std::vector<std::string> rule_files;
  Duration evaluation_interval = kMinute;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
  bool fuzzy_compare = false;
};

// Reads and checks a test file. Errors: kNotFound (unreadable),
// kInvalidArgument "path:line:col: what".
Result<TestFile> read_test_file(const std::string& path);

}  // namespace cogwatch::ruletest
