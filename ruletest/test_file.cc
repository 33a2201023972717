#include "ruletest/test_file.h"


#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

#include "model/file.h"
#include "model/yaml.h"

namespace cogwatch::ruletest {
namespace {

// Reads the YAML, strictly (as promtool's UnmarshalStrict).
class FileReader {
 public:
  explicit FileReader(std::string path) : path_(std::move(path)) {}

  TestFile read(const YAML::Node& root) {
    TestFile f;
    if (!root || root.IsNull()) return f;
    keys(root, "test file", {"rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"});
    f.rule_files = strings(root["rule_files"], "rule_files");
    if (root["evaluation_interval"]) f.evaluation_interval = duration(root["evaluation_interval"]);
    if (f.evaluation_interval == 0) f.evaluation_interval = kMinute;
    f.group_eval_order = strings(root["group_eval_order"], "group_eval_order");
    if (const YAML::Node fuzzy = root["fuzzy_compare"]) {
      if (!fuzzy.IsScalar() || !YAML::convert<bool>::decode(fuzzy, f.fuzzy_compare)) {
        fail(fuzzy, "fuzzy_compare must be true or false");
      }
    }
    for (const YAML::Node& t : list(root["tests"], "tests")) f.tests.push_back(group(t));
    return f;
  }

  [[noreturn]] void fail(const YAML::Node& n, const std::string& what) const {
    throw std::runtime_error(position(n) + ": " + what);
  }

  std::string position(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return path_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }

 private:
  void keys(const YAML::Node& map, const char* what, std::initializer_list<std::string_view> known) const {
    if (!map.IsMap()) fail(map, std::string(what) + " must be a mapping");
    for (const auto& kv : map) {
      const std::string k = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        fail(kv.first, "field " + k + " not found in " + what);
      }
    }
  }
  std::vector<YAML::Node> list(const YAML::Node& n, const char* what) const {
    std::vector<YAML::Node> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, std::string(what) + " must be a list");
    for (const YAML::Node& item : n) out.push_back(item);
    return out;
  }
  std::vector<std::string> strings(const YAML::Node& n, const char* what) const {
    std::vector<std::string> out;
    for (const YAML::Node& item : list(n, what)) out.push_back(scalar(item));
    return out;
  }
  std::string scalar(const YAML::Node& n) const {
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar()) fail(n, "expected a string");
    return n.Scalar();
  }
  Duration duration(const YAML::Node& n) const {
    auto d = parse_duration(scalar(n));
    if (!d) fail(n, d.error().message);
    return *d;
  }
  Labels string_map(const YAML::Node& n) const { return annotations_as_labels(annotation_map(n)); }

  // A mapping of names to strings, empty values kept (labels.FromMap).
  Annotations annotation_map(const YAML::Node& n) const {
    Annotations out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) fail(n, "expected a mapping of names to strings");
    for (const auto& kv : n) out.emplace_back(kv.first.Scalar(), scalar(kv.second));
    std::sort(out.begin(), out.end());
    return out;
  }

  TestGroup group(const YAML::Node& n) const {
    keys(n, "test group",
         {"interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name",
          "start_timestamp", "match"});
    TestGroup g;
    g.name = scalar(n["name"]);
    const bool group_subset = match_subset(n);
    if (n["start_timestamp"]) {
      auto t = parse_api_time(scalar(n["start_timestamp"]));
      if (!t) fail(n["start_timestamp"], "invalid start_timestamp: " + t.error().message);
      g.start = *t;
    }
    if (n["interval"]) g.interval = duration(n["interval"]);
    for (const YAML::Node& s : list(n["input_series"], "input_series")) {
      keys(s, "input series", {"series", "values"});
      g.input.push_back({scalar(s["series"]), scalar(s["values"])});
    }
    for (const YAML::Node& a : list(n["alert_rule_test"], "alert_rule_test")) {
      keys(a, "alert test", {"eval_time", "alertname", "exp_alerts", "match"});
      AlertTest t;
      t.subset = group_subset || match_subset(a);
      if (a["eval_time"]) t.eval_time = duration(a["eval_time"]);
      t.alertname = scalar(a["alertname"]);
      for (const YAML::Node& e : list(a["exp_alerts"], "exp_alerts")) {
        keys(e, "expected alert", {"exp_labels", "exp_annotations"});
        t.alerts.push_back({string_map(e["exp_labels"]), annotation_map(e["exp_annotations"])});
      }
      g.alert_tests.push_back(std::move(t));
    }
    for (const YAML::Node& p : list(n["promql_expr_test"], "promql_expr_test")) {
      keys(p, "promql test", {"expr", "eval_time", "exp_samples"});
      PromqlTest t;
      t.expr = scalar(p["expr"]);
      if (p["eval_time"]) t.eval_time = duration(p["eval_time"]);
      for (const YAML::Node& s : list(p["exp_samples"], "exp_samples")) {
        keys(s, "expected sample", {"labels", "value", "histogram"});
        ExpectedSample e;
        e.labels = scalar(s["labels"]);
        if (const YAML::Node h = s["histogram"]) {
          e.histogram = scalar(h);
          e.histogram_at = position(h);
        }
        const std::string v = scalar(s["value"]);
        if (!v.empty()) {
          auto parsed = parse_go_float(v);
          if (!parsed) fail(s["value"], "cannot unmarshal !!str `" + v + "` into float64");
          e.value = *parsed;
        }
        t.samples.push_back(std::move(e));
      }
      g.promql_tests.push_back(std::move(t));
    }
    g.external_labels = string_map(n["external_labels"]);
    g.external_url = scalar(n["external_url"]);
    return g;
  }

  // cogwatch's extension key `match: subset` (default: exact, as promtool).
  bool match_subset(const YAML::Node& n) const {
    if (!n["match"]) return false;
    const std::string m = scalar(n["match"]);
    if (m != "subset" && m != "exact") fail(n["match"], "match must be \"exact\" or \"subset\"");
    return m == "subset";
  }

  // A float64 as Go's yaml.v2 reads one (promtool's parser): numbers, and
  // YAML 1.1's .inf/-.inf/.nan spellings — not "Inf" or "NaN".
  static std::optional<double> parse_go_float(std::string s) {
    static const std::set<std::string, std::less<>> kInf = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
    static const std::set<std::string, std::less<>> kNegInf = {"-.inf", "-.Inf", "-.INF"};
    static const std::set<std::string, std::less<>> kNaN = {".nan", ".NaN", ".NAN"};
    if (kInf.contains(s)) return INFINITY;
    if (kNegInf.contains(s)) return -INFINITY;
    if (kNaN.contains(s)) return NAN;
    if (s.find_first_not_of("0123456789+-.eE_") != std::string::npos) return std::nullopt;
    double d = 0;
    if (!s.empty() && s[0] == '+') s.erase(0, 1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return d;
  }

  std::string path_;
};

}  // namespace

Result<TestFile> read_test_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.take_error();
  FileReader reader(path);
  try {
    return reader.read(load_yaml(*text));
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::runtime_error& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what());
  }
}

}  // namespace cogwatch::ruletest
