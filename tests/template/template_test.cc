// Alert templates against Go: data/template_go.tsv holds, per line, a
// template, the alert's $value, and the text Go 1.19's text/template gives
// for it with Prometheus 3's template functions and alert data (labels
// instance="cog-1.example.com:5000", job="cog"; external label
// site="edge-1"; external URL http://cogwatch.example:9090/prefix),
// expansion errors included, as strconv.Quote prints it. The file was made
// by running those templates through Go; each line here must give exactly
// that text.
#include "template/template.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "model/unquote.h"

namespace cogwatch::tmpl {
namespace {

TemplateData alert_data(double value) {
  return TemplateData{Labels{{"instance", "cog-1.example.com:5000"}, {"job", "cog"}}, value, Labels{{"site", "edge-1"}},
                      "http://cogwatch.example:9090/prefix"};
}

TemplateContext context() { return TemplateContext{{}, "http://cogwatch.example:9090/prefix"}; }

double parse_value(const std::string& s) {
  if (s == "NaN") return NAN;
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::stod(s);
}

TEST(Template, SameTextAsGoForEveryCase) {
  std::ifstream in(std::string(COGWATCH_TEST_DATA) + "/template_go.tsv");
  ASSERT_TRUE(in) << "missing data/template_go.tsv";
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    const size_t t1 = line.find('\t');
    const size_t t2 = line.find('\t', t1 + 1);
    ASSERT_NE(t2, std::string::npos) << line;
    const std::string text = line.substr(0, t1);
    const double value = parse_value(line.substr(t1 + 1, t2 - t1 - 1));
    auto want = unquote(line.substr(t2 + 1));
    ASSERT_TRUE(want.ok()) << line;
    EXPECT_EQ(expand_alert_template("__alert_T", text, alert_data(value), context()), *want)
        << "template: " << text << " with $value " << value;
    ++cases;
  }
  EXPECT_GT(cases, 100);
}

TEST(Template, QueryFunctionsRunPromQL) {
  TemplateContext ctx = context();
  std::vector<std::string> asked;
  ctx.query = [&](std::string_view q) -> Result<std::vector<TemplateQuerySample>> {
    asked.emplace_back(q);
    if (q == "bad(") return make_error(ErrorCode::kParse, "1:5: parse error: unexpected end of input");
    if (q == "none") return std::vector<TemplateQuerySample>{};
    return std::vector<TemplateQuerySample>{{Labels{{"instance", "b"}, {"__value__", "sv"}}, 2},
                                            {Labels{{"instance", "a"}}, 1.5}};
  };
  auto expand = [&](std::string_view text) { return expand_alert_template("__alert_Q", text, alert_data(0), ctx); };
  EXPECT_EQ(expand(R"({{ query "up" | first | value }})"), "2");
  EXPECT_EQ(expand(R"({{ with query "up" }}{{ . | first | label "instance" }}{{ end }})"), "b");
  EXPECT_EQ(expand(R"({{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }} {{ end }})"),
            "a=1.5 b=2 ");
  EXPECT_EQ(expand(R"({{ range query "up" }}{{ . | value | humanize }},{{ end }})"), "2,1.5,");
  EXPECT_EQ(expand(R"({{ query "up" | first | strvalue }})"), "sv");
  EXPECT_EQ(expand(R"({{ len (query "up") }})"), "2");
  EXPECT_EQ(expand(R"({{ with query "none" }}x{{ else }}no data{{ end }})"), "no data");
  EXPECT_EQ(expand(R"({{ query "none" | first }})"),
            "<error expanding template: error executing template __alert_Q: template: __alert_Q:1:130: executing "
            "\"__alert_Q\" at <first>: error calling first: first() called on vector with no elements>");
  EXPECT_EQ(expand(R"({{ query "bad(" }})"),
            "<error expanding template: error executing template __alert_Q: template: __alert_Q:1:115: executing "
            "\"__alert_Q\" at <query \"bad(\">: error calling query: 1:5: parse error: unexpected end of input>");
  EXPECT_EQ(asked.size(), 9u);
}

TEST(Template, TitleUpperCasesEachWord) {
  EXPECT_EQ(expand_alert_template("t", R"({{ title "hello world-foo it's 1st_x" }})", alert_data(0), context()),
            "Hello World-Foo It's 1st_x");
}

TEST(Template, MultiLineErrorsCountLinesAndColumns) {
  auto t = Template::parse("t", "line one\n{{ if true }}\n  {{ nope }}\n{{ end }}");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message, "template: t:3: function \"nope\" not defined");
  auto ok = Template::parse("t", "a\n  {{ .Missing }}");
  ASSERT_TRUE(ok.ok());
  auto out = ok->execute(alert_data(1), context());
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.error().message.starts_with(
      "template: t:2:5: executing \"t\" at <.Missing>: can't evaluate field Missing in type struct {"))
      << out.error().message;
}

TEST(Template, CheckAlertTemplateReportsParseErrorsOnly) {
  EXPECT_FALSE(check_alert_template("__alert_A", "{{ $value | humanize }} {{ $labels.x }}").has_value());
  EXPECT_EQ(check_alert_template("__alert_A", "{{ $value | humanise }}"),
            "template: __alert_A:1: function \"humanise\" not defined");
  // An execution error is not a parse error.
  EXPECT_FALSE(check_alert_template("__alert_A", "{{ humanize \"x\" }}").has_value());
  EXPECT_FALSE(check_alert_template("__alert_A", "{{ define \"x\" }}{{ . }}{{ end }}{{ template \"x\" 1 }}").has_value());
  EXPECT_EQ(check_alert_template("__alert_A", "{{ if true }}{{ define \"x\" }}{{ end }}{{ end }}"),
            "template: __alert_A:1: unexpected <define> in command");
}

TEST(Template, EndlessTemplateRecursionStops) {
  const std::string out = expand_alert_template(
      "t", R"({{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" 1 }})", alert_data(1), context());
  EXPECT_TRUE(out.starts_with("<error expanding template: error executing template t: template: t:1:")) << out;
  EXPECT_TRUE(out.ends_with("exceeded maximum template depth (1000)>")) << out;
}

TEST(Template, ArbitraryInputNeverCrashes) {
  // Truncations of a template using every construct parse or fail cleanly.
  const std::string full =
      R"({{- /* c */ -}}{{ $x := 1 }}{{ range $k, $e := args 1 "a<" `b` }}{{ if and $e (not false) }}{{ printf "%s=%v;" $k $e | html }}{{ else if eq $k "arg2" }}{{ break }}{{ else }}{{ continue }}{{ end }}{{ end }}{{ with $labels.job }}{{ . | toUpper }}{{ end }}{{ $x }})";
  for (size_t n = 0; n <= full.size(); ++n) {
    const std::string cut = full.substr(0, n);
    (void)expand_alert_template("t", cut, alert_data(1), context());
  }
  EXPECT_EQ(expand_alert_template("t", full, alert_data(1), context()), "arg0=1;arg1=a&lt;;arg2=b;COG1");  // Go's output
}

}  // namespace
}  // namespace cogwatch::tmpl
