#include "promqltest/runner.h"

#include <cmath>
#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>

#include <re2/re2.h>

#include "eval/engine.h"
#include "model/file.h"
#include "model/labels_map.h"
#include "model/nhcb.h"
#include "model/value.h"
#include "parser/parser.h"
#include "parser/series.h"
#include "tsdb/head.h"

namespace cogwatch::promqltest {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool almost_equal(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kEpsilon = 0.000001;
  const double diff = std::fabs(a - b);
  const double abs_sum = std::fabs(a) + std::fabs(b);
  if (a == 0 || b == 0 || abs_sum < 2.2250738585072014e-308) return diff < kEpsilon * 2.2250738585072014e-308;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < kEpsilon;
}

// Prometheus's compareNativeHistogram, on compacted copies: the same
// layout, counts within almost_equal, the hint only when the expected
// value wrote one.
bool histograms_match(FloatHistogram want, FloatHistogram got, bool hint_set) {
  want.compact(0);
  got.compact(0);
  auto buckets_match = [](const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!almost_equal(a[i], b[i])) return false;
    }
    return true;
  };
  return want.schema == got.schema && almost_equal(want.count, got.count) && almost_equal(want.sum, got.sum) &&
         (!want.uses_custom_buckets() || want.custom_values == got.custom_values) &&
         want.zero_threshold == got.zero_threshold && almost_equal(want.zero_count, got.zero_count) &&
         want.negative_spans == got.negative_spans && buckets_match(want.negative_buckets, got.negative_buckets) &&
         want.positive_spans == got.positive_spans && buckets_match(want.positive_buckets, got.positive_buckets) &&
         (!hint_set || want.counter_reset_hint == got.counter_reset_hint);
}

// Whether a sample (a float, or a histogram when h is set) is the expected
// value.
bool value_matches(const parser::SeriesValue& want, double v, const HistogramRef& h) {
  if (want.h) return h && histograms_match(*want.h, *h, want.hint_set);
  return !h && want.v && almost_equal(*want.v, v);
}

std::string value_text(double v, const HistogramRef& h) { return h ? h->test_expression() : format_float(v); }

std::string value_text(const parser::SeriesValue& v) {
  if (v.h) return v.h->test_expression();
  return v.v ? format_float(*v.v) : std::string("_");
}

// Experimental PromQL that cogwatch does not implement yet.
const char* experimental_feature(std::string query) {
  // start() and end() after @ are standard; on their own they are part of
  // the experimental duration expressions.
  for (const char* at : {"@ start()", "@ end()", "@start()", "@end()"}) {
    for (size_t p; (p = query.find(at)) != std::string::npos;) query.erase(p, std::string(at).size());
  }
  if (query.find("start()") != std::string::npos) return "start()";
  if (query.find("end()") != std::string::npos) return "end()";
  static const char* const kFeatures[] = {"info(",        "histogram_quantiles(",
                                          "limitk(",      "limit_ratio(",         "step()",  "range()",
                                          "min_of(",      "max_of("};
  for (const char* f : kFeatures) {
    if (query.find(f) != std::string::npos) return f;
  }
  return nullptr;
}

struct Case {
  int line = 0;
  bool range = false;
  Timestamp at = 0, start = 0, end = 0;
  Duration step = 0;
  std::string query;
  bool expect_fail = false;
  std::optional<std::string> fail_msg;
  std::optional<std::string> fail_regex;
  bool ordered = false;
  // expect range vector from <start> to <end> step <step>: the grid the
  // expected points of an instant query's range-vector result lie on.
  std::optional<std::array<Timestamp, 3>> range_vector_grid;
  // Annotation expectations, per level (0 = warning, 1 = info).
  struct AnnotationExpectation {
    bool any = false;   // expect warn / expect info
    bool none = false;  // expect no_warn / expect no_info
    bool bare = false;  // an expect line without msg/regex: any annotation of the level is expected
    std::vector<std::string> messages;
    std::vector<std::string> regexes;
  };
  AnnotationExpectation annotations[2];
  std::optional<std::string> expect_string;
  std::vector<std::pair<int, std::string>> results;  // (line, text)
};

class Runner {
 public:
  Runner(std::string name, std::ostream& out) : name_(std::move(name)), out_(out) { reset(); }

  FileResult run(const std::string& content) {
    std::vector<std::string> lines;
    std::istringstream in(content);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    size_t i = 0;
    while (i < lines.size()) {
      const std::string line = trim(lines[i]);
      const int lineno = static_cast<int>(i) + 1;
      ++i;
      if (line.empty() || line[0] == '#') continue;
      if (line == "clear") {
        reset();
      } else if (line.starts_with("load")) {
        i = load(lines, i, line, lineno);
      } else if (line.starts_with("eval")) {
        Case c;
        c.line = lineno;
        if (!parse_eval_header(line, c)) {
          fail_line(lineno, "cannot parse eval command: " + line);
          i = skip_block(lines, i);
          continue;
        }
        while (i < lines.size() && !trim(lines[i]).empty() && std::isspace(static_cast<unsigned char>(lines[i][0]))) {
          std::string body = trim(lines[i]);
          const int body_line = static_cast<int>(i) + 1;
          ++i;
          if (body[0] == '#') continue;
          if (body.starts_with("expect ")) {
            parse_expect(body.substr(7), c);
          } else {
            c.results.emplace_back(body_line, body);
          }
        }
        run_case(c);
      } else {
        fail_line(lineno, "unknown command: " + line);
      }
    }
    return result_;
  }

 private:
  void reset() {
    head_ = std::make_unique<tsdb::Head>(tsdb::HeadOptions{.retention_time = 0, .retention_bytes = 0, .chunk_limits = {}});
  }

  void fail_line(int line, const std::string& message) {
    ++result_.failed;
    out_ << name_ << ":" << line << ": " << message << "\n";
  }

  static size_t skip_block(const std::vector<std::string>& lines, size_t i) {
    while (i < lines.size() && !trim(lines[i]).empty()) ++i;
    return i;
  }

  size_t load(const std::vector<std::string>& lines, size_t i, const std::string& header, int lineno) {
    std::istringstream h(header);
    std::string cmd, interval_text;
    h >> cmd >> interval_text;
    const bool with_nhcb = cmd == "load_with_nhcb";
    auto interval = parse_duration(interval_text);
    if (!interval) {
      fail_line(lineno, "bad load interval: " + interval_text);
      return skip_block(lines, i);
    }
    // As in Prometheus's promqltest, a series defined twice takes the later
    // definition.
    std::vector<parser::SeriesDescription> defs;
    for (; i < lines.size(); ++i) {
      const std::string line = trim(lines[i]);
      if (line.empty()) break;
      if (line[0] == '#') continue;
      auto desc = parser::parse_series_description(line);
      if (!desc) {
        fail_line(static_cast<int>(i) + 1, "bad series: " + desc.error().message);
        continue;
      }
      auto same = std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d.labels == desc->labels; });
      if (same != defs.end()) {
        *same = *std::move(desc);
      } else {
        defs.push_back(*std::move(desc));
      }
    }
    // A sample the store refuses (out of order or a duplicate with another
    // value, after an earlier load) fails the load, as in Prometheus's
    // promqltest, rather than silently testing other data than written.
    if (with_nhcb) {
      if (Status st = add_nhcb_series(defs); !st) {
        fail_line(lineno, "error in load command: " + st.error().message);
        return i;
      }
    }
    auto app = head_->appender();
    for (const auto& d : defs) {
      for (size_t k = 0; k < d.values.size(); ++k) {
        if (d.values[k].empty()) continue;
        const Timestamp t = static_cast<Timestamp>(k) * *interval;
        if (auto ref = parser::append_series_value(*app, d.labels, t, d.values[k]); !ref) {
          fail_line(lineno, "error in load command: " + d.labels.to_string() + " at " + std::to_string(t) +
                                "ms: " + ref.error().message);
        }
      }
    }
    app->commit();
    return i;
  }

  // load_with_nhcb: the classic histograms among defs (_bucket, _count,
  // _sum series) are also loaded as native histograms with custom buckets,
  // named without the suffix, as Prometheus's promqltest does.
  static Status add_nhcb_series(std::vector<parser::SeriesDescription>& defs) {
    struct Builder {
      Labels labels;
      std::map<size_t, ClassicHistogram> by_step;
    };
    std::vector<Builder> builders;
    LabelsMap<size_t> index;
    for (const parser::SeriesDescription& d : defs) {
      const std::string_view name = d.labels.metric_name();
      std::string_view base;
      enum { kBucket, kCount, kSum } part;
      if (name.ends_with("_bucket")) {
        base = name.substr(0, name.size() - 7), part = kBucket;
      } else if (name.ends_with("_count")) {
        base = name.substr(0, name.size() - 6), part = kCount;
      } else if (name.ends_with("_sum")) {
        base = name.substr(0, name.size() - 4), part = kSum;
      } else {
        continue;
      }
      double le = 0;
      if (part == kBucket) {
        const std::string le_text(d.labels.get("le"));
        char* end = nullptr;
        le = std::strtod(le_text.c_str(), &end);
        if (le_text.empty() || *end != '\0' || std::isnan(le)) continue;
      }
      Labels key = LabelsBuilder(d.labels).set(kMetricNameLabel, base).del("le").build();
      auto [it, inserted] = index.try_emplace(key, builders.size());
      if (inserted) builders.push_back({std::move(key), {}});
      for (size_t k = 0; k < d.values.size(); ++k) {
        if (!d.values[k].v) continue;
        ClassicHistogram& h = builders[it->second].by_step[k];
        const double v = *d.values[k].v;
        if (part == kBucket) h.set_bucket(le, v);
        if (part == kCount) h.set_count(v);
        if (part == kSum) h.set_sum(v);
      }
    }
    for (const Builder& b : builders) {
      parser::SeriesDescription d{b.labels, {}};
      for (const auto& [k, classic] : b.by_step) {
        auto h = classic.to_native();
        if (!h) return h.error();
        if (d.values.size() <= k) d.values.resize(k + 1);
        d.values[k] = {std::nullopt, std::make_shared<const FloatHistogram>(*std::move(h)), false};
      }
      defs.push_back(std::move(d));
    }
    return {};
  }

  static bool parse_time(const std::string& s, Timestamp& out) {
    auto d = parse_duration(s);
    if (d) {
      out = *d;
      return true;
    }
    char* end = nullptr;
    const double secs = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0') return false;
    out = static_cast<Timestamp>(std::llround(secs * 1000));
    return true;
  }

  static bool parse_eval_header(const std::string& line, Case& c) {
    std::istringstream in(line);
    std::string cmd, kind;
    in >> cmd >> kind;
    if (cmd == "eval_fail") c.expect_fail = true;
    if (cmd == "eval_ordered") c.ordered = true;
    if (cmd == "eval_warn") c.annotations[0].any = true;
    if (cmd == "eval_info") c.annotations[1].any = true;
    if (kind == "instant") {
      std::string at, t;
      in >> at >> t;
      if (at != "at" || !parse_time(t, c.at)) return false;
    } else if (kind == "range") {
      std::string from, s, to, e, step, d;
      in >> from >> s >> to >> e >> step >> d;
      if (from != "from" || to != "to" || step != "step") return false;
      if (!parse_time(s, c.start) || !parse_time(e, c.end) || !parse_time(d, c.step)) return false;
      c.range = true;
    } else {
      return false;
    }
    std::string rest;
    std::getline(in, rest);
    c.query = trim(rest);
    return !c.query.empty();
  }

  static void parse_expect(const std::string& text, Case& c) {
    if (text.starts_with("fail")) {
      c.expect_fail = true;
      const std::string rest = trim(text.substr(4));
      if (rest.starts_with("msg:")) c.fail_msg = trim(rest.substr(4));
      if (rest.starts_with("regex:")) c.fail_regex = trim(rest.substr(6));
    } else if (text.starts_with("ordered")) {
      c.ordered = true;
    } else if (text.starts_with("warn") || text.starts_with("info") || text.starts_with("no_warn") ||
               text.starts_with("no_info")) {
      const bool info = text.starts_with("info") || text.starts_with("no_info");
      auto& a = c.annotations[info ? 1 : 0];
      if (text.starts_with("no_")) {
        a.none = true;
      } else {
        a.any = true;
        const std::string rest = trim(text.substr(4));
        if (rest.starts_with("msg:")) {
          a.messages.push_back(trim(rest.substr(4)));
        } else if (rest.starts_with("regex:")) {
          a.regexes.push_back(trim(rest.substr(6)));
        } else {
          a.bare = true;
        }
      }
    } else if (text.starts_with("string")) {
      std::string s = trim(text.substr(6));
      if (s.size() >= 2) s = s.substr(1, s.size() - 2);
      c.expect_string = s;
    } else if (text.starts_with("range vector")) {
      std::istringstream in(text.substr(12));
      std::string from, a, to, b, step, d;
      in >> from >> a >> to >> b >> step >> d;
      std::array<Timestamp, 3> grid{};
      if (from == "from" && to == "to" && step == "step" && parse_time(a, grid[0]) && parse_time(b, grid[1]) &&
          parse_time(d, grid[2]) && grid[2] > 0) {
        c.range_vector_grid = grid;
      }
    }
  }

  void skip(const Case& c, const std::string& reason) {
    ++result_.skipped;
    result_.skip_reasons.push_back(name_ + ":" + std::to_string(c.line) + ": " + reason);
  }

  void failure(const Case& c, const std::string& expected, const std::string& got) {
    ++result_.failed;
    out_ << name_ << ":" << c.line << ": " << c.query << "\n  expected: " << expected << "\n  got:      " << got
         << "\n";
  }

  void run_case(const Case& c) {
    if (const char* f = experimental_feature(c.query)) {
      return skip(c, std::string("experimental feature not implemented: ") + f);
    }
    auto expr = parser::parse_expr(c.query);
    eval::Engine engine(*head_);
    if (!expr) {
      if (c.expect_fail) return check_fail_message(c, parser::format_error(c.query, expr.error()));
      return failure(c, "a result", "error: " + parser::format_error(c.query, expr.error()));
    }
    eval::Annotations annotations;
    if (c.range) {
      auto v = engine.range(**expr, c.start, c.end, c.step, &annotations);
      if (!v) {
        if (c.expect_fail) return check_fail_message(c, v.error().message);
        return failure(c, "a result", "error: " + v.error().message);
      }
      if (c.expect_fail) return failure(c, "an error", "a result");
      if (!check_annotations(c, annotations)) return;
      return compare_matrix(c, std::get<eval::Matrix>(*v), c.start, c.end, c.step);
    }
    auto v = engine.instant(**expr, c.at, &annotations);
    if (!v) {
      if (c.expect_fail) return check_fail_message(c, v.error().message);
      return failure(c, "a result", "error: " + v.error().message);
    }
    if (c.expect_fail) return failure(c, "an error", "a result");
    if (!check_annotations(c, annotations)) return;
    switch (compare_instant(c, *v)) {
      case Outcome::kFail: return;
      case Outcome::kSkip:
        if (!c.range_vector_grid) return failure(c, "an \"expect range vector from .. to .. step ..\" line", "none");
        return compare_matrix(c, std::get<eval::Matrix>(*v), (*c.range_vector_grid)[0], (*c.range_vector_grid)[1],
                              (*c.range_vector_grid)[2]);
      case Outcome::kPass: break;
    }
    // The same query as a range query over the one instant must agree.
    const parser::ValueType type = parser::type_of(**expr);
    if (type == parser::ValueType::kScalar || type == parser::ValueType::kVector) {
      auto r = engine.range(**expr, c.at, c.at, kMinute);
      if (!r) return failure(c, "the same result as a range query", "error: " + r.error().message);
      // Every series of the range result has one point, equal to the
      // instant result's sample with the same labels.
      const auto& m = std::get<eval::Matrix>(*r);
      eval::Vector as_vector;
      for (const auto& series : m) {
        for (const auto& p : series.points) as_vector.push_back({series.labels, p.t, p.v, p.h});
      }
      bool same;
      if (const auto* sc = std::get_if<eval::Scalar>(&*v)) {
        same = as_vector.size() == 1 && almost_equal(as_vector[0].v, sc->v);
      } else {
        const auto& inst = std::get<eval::Vector>(*v);
        same = as_vector.size() == inst.size();
        for (size_t k = 0; same && k < as_vector.size(); ++k) {
          same = std::any_of(inst.begin(), inst.end(), [&](const eval::Sample& x) {
            if (x.labels != as_vector[k].labels || bool(x.h) != bool(as_vector[k].h)) return false;
            return x.h ? histograms_match(*x.h, *as_vector[k].h, true) : almost_equal(x.v, as_vector[k].v);
          });
        }
      }
      if (!same) return failure(c, "the same result as a range query over the instant", describe(as_vector));
    }
    ++result_.passed;
  }

  // Checks the expect warn/info/no_warn/no_info lines of a case.
  bool check_annotations(const Case& c, const eval::Annotations& got) {
    for (int level = 0; level < 2; ++level) {
      const auto want_level = level == 0 ? eval::Annotation::Level::kWarning : eval::Annotation::Level::kInfo;
      const char* word = level == 0 ? "warning" : "info";
      std::vector<std::string> texts;
      for (const eval::Annotation& a : got) {
        if (a.level == want_level) texts.push_back(eval::format_annotation(c.query, a));
      }
      std::string all;
      for (const std::string& t : texts) all += "\"" + t + "\" ";
      const auto& exp = c.annotations[level];
      if (exp.none && !texts.empty()) {
        failure(c, std::string("no ") + word, all);
        return false;
      }
      if (exp.any && texts.empty()) {
        failure(c, std::string("a ") + word, std::string("no ") + word);
        return false;
      }
      for (const std::string& m : exp.messages) {
        if (std::find(texts.begin(), texts.end(), m) == texts.end()) {
          failure(c, std::string(word) + " \"" + m + "\"", all.empty() ? std::string("none") : all);
          return false;
        }
      }
      for (const std::string& r : exp.regexes) {
        const RE2 re(r);
        if (std::none_of(texts.begin(), texts.end(), [&](const std::string& t) { return RE2::PartialMatch(t, re); })) {
          failure(c, std::string(word) + " matching /" + r + "/", all.empty() ? std::string("none") : all);
          return false;
        }
      }
      // As upstream: once a level's annotations are listed, each one must be
      // listed (a bare `expect warn` accepts any).
      if ((exp.messages.empty() && exp.regexes.empty()) || exp.bare) continue;
      for (const std::string& t : texts) {
        const bool listed = std::find(exp.messages.begin(), exp.messages.end(), t) != exp.messages.end() ||
                            std::any_of(exp.regexes.begin(), exp.regexes.end(),
                                        [&](const std::string& r) { return RE2::PartialMatch(t, RE2(r)); });
        if (!listed) {
          failure(c, std::string("only the listed ") + word + " annotations", "also \"" + t + "\"");
          return false;
        }
      }
    }
    return true;
  }

  void check_fail_message(const Case& c, const std::string& message) {
    if (c.fail_msg && message.find(*c.fail_msg) == std::string::npos && message != *c.fail_msg) {
      return failure(c, "error \"" + *c.fail_msg + "\"", "error \"" + message + "\"");
    }
    if (c.fail_regex && !RE2::PartialMatch(message, RE2(*c.fail_regex))) {
      return failure(c, "error matching /" + *c.fail_regex + "/", "error \"" + message + "\"");
    }
    ++result_.passed;
  }

  struct Expected {
    Labels labels;
    std::vector<parser::SeriesValue> values;
  };

  bool parse_expected(const Case& c, std::vector<Expected>& out, std::optional<double>& scalar) {
    for (const auto& [line, text] : c.results) {
      double v;
      char* end = nullptr;
      const std::string lower = text;
      if (lower == "+Inf" || lower == "Inf" || lower == "-Inf" || lower == "NaN" ||
          (std::strtod(text.c_str(), &end), end != text.c_str() && *end == '\0')) {
        v = lower == "+Inf" || lower == "Inf" ? INFINITY : lower == "-Inf" ? -INFINITY : lower == "NaN" ? NAN
                                                                                         : std::strtod(text.c_str(), nullptr);
        scalar = v;
        continue;
      }
      auto desc = parser::parse_series_description(text);
      if (!desc) {
        failure(c, "a readable expected result", "line " + std::to_string(line) + ": " + desc.error().message);
        return false;
      }
      out.push_back({desc->labels, std::move(desc->values)});
    }
    return true;
  }

  static std::string describe(const eval::Vector& v) {
    std::string s = "[";
    for (const auto& e : v) s += e.labels.to_string() + " " + value_text(e.v, e.h) + ", ";
    return s + "]";
  }

  enum class Outcome { kPass, kFail, kSkip };

  Outcome compare_instant(const Case& c, const eval::Value& v) {
    if (c.expect_string) {
      const auto* s = std::get_if<eval::String>(&v);
      if (s == nullptr || s->v != *c.expect_string) {
        failure(c, "string \"" + *c.expect_string + "\"", s ? "string \"" + s->v + "\"" : "another type");
        return Outcome::kFail;
      }
      return Outcome::kPass;
    }
    std::vector<Expected> exp;
    std::optional<double> scalar;
    if (!parse_expected(c, exp, scalar)) return Outcome::kFail;
    if (const auto* s = std::get_if<eval::Scalar>(&v)) {
      if (!scalar || !almost_equal(*scalar, s->v)) {
        failure(c, scalar ? format_float(*scalar) : "a vector", "scalar " + format_float(s->v));
        return Outcome::kFail;
      }
      return Outcome::kPass;
    }
    if (std::holds_alternative<eval::Matrix>(v)) return Outcome::kSkip;
    const auto& got = std::get<eval::Vector>(v);
    if (scalar) {
      failure(c, "scalar " + format_float(*scalar), describe(got));
      return Outcome::kFail;
    }
    std::string want;
    for (const auto& e : exp) want += e.labels.to_string() + " " + (e.values.empty() ? "_" : value_text(e.values[0])) + ", ";
    want = "[" + want + "]";
    if (got.size() != exp.size()) {
      failure(c, want, describe(got));
      return Outcome::kFail;
    }
    for (size_t k = 0; k < got.size(); ++k) {
      const Expected* match = nullptr;
      if (c.ordered) {
        if (exp[k].labels == got[k].labels) match = &exp[k];
      } else {
        for (const auto& e : exp) {
          if (e.labels == got[k].labels) match = &e;
        }
      }
      if (match == nullptr || match->values.size() != 1 || !value_matches(match->values[0], got[k].v, got[k].h)) {
        failure(c, want, describe(got));
        return Outcome::kFail;
      }
    }
    return Outcome::kPass;
  }

  // Compares a matrix with expected series whose values lie on the grid
  // start, start+step, ... <= end ("_" where no point is expected).
  void compare_matrix(const Case& c, const eval::Matrix& got, Timestamp start, Timestamp end, Duration step) {
    std::vector<Expected> exp;
    std::optional<double> scalar;
    if (!parse_expected(c, exp, scalar)) return;
    const size_t steps = static_cast<size_t>((end - start) / step) + 1;
    auto describe_matrix = [&](const eval::Matrix& m) {
      std::string s = "[";
      for (const auto& series : m) {
        s += series.labels.to_string();
        for (const auto& p : series.points) s += " " + std::to_string(p.t / 1000) + "s:" + value_text(p.v, p.h);
        s += "; ";
      }
      return s + "]";
    };
    std::string want = "[";
    for (const auto& e : exp) {
      want += e.labels.to_string();
      for (const auto& v : e.values) want += " " + value_text(v);
      want += "; ";
    }
    want += "]";
    size_t expected_series = 0;
    for (const auto& e : exp) {
      bool any = false;
      for (const auto& v : e.values) any = any || !v.empty();
      if (any) ++expected_series;
    }
    if (got.size() != expected_series) return failure(c, want, describe_matrix(got));
    for (const auto& series : got) {
      const Expected* match = nullptr;
      for (const auto& e : exp) {
        if (e.labels == series.labels) match = &e;
      }
      if (match == nullptr) return failure(c, want, describe_matrix(got));
      size_t k = 0;
      for (size_t i = 0; i < steps && i < match->values.size(); ++i) {
        const Timestamp t = start + static_cast<Timestamp>(i) * step;
        const auto& ev = match->values[i];
        const bool present = k < series.points.size() && series.points[k].t == t;
        if (!ev.empty() != present) return failure(c, want, describe_matrix(got));
        if (present) {
          if (!value_matches(ev, series.points[k].v, series.points[k].h)) return failure(c, want, describe_matrix(got));
          ++k;
        }
      }
      if (k != series.points.size()) return failure(c, want, describe_matrix(got));
    }
    ++result_.passed;
  }

  std::string name_;
  std::ostream& out_;
  FileResult result_;
  std::unique_ptr<tsdb::Head> head_;
};

}  // namespace

FileResult run_script(const std::string& name, const std::string& content, std::ostream& out) {
  Runner r(name, out);
  FileResult res = r.run(content);
  res.file = name;
  return res;
}

FileResult run_file(const std::string& path, std::ostream& out) {
  auto script = read_file(path);
  if (!script) {
    FileResult r;
    r.file = path;
    r.failed = 1;
    out << script.error().message << "\n";
    return r;
  }
  return run_script(path, *script, out);
}

}  // namespace cogwatch::promqltest
