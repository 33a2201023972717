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

// Edges of Prometheus's functions that Go's library decides:
// strconv.ParseFloat takes "inf" and "infinity" in any case with a sign;
// net.JoinHostPort brackets a host with a colon.
TEST(Template, FunctionEdgesGoDecides) {
  auto expand = [](std::string_view text) { return expand_alert_template("t", text, alert_data(0), context()); };
  EXPECT_EQ(expand(R"({{ "Infinity" | humanize }} {{ "-inf" | humanize }} {{ "+INFINITY" | humanize1024 }})"),
            "+Inf -Inf +Inf");
  EXPECT_EQ(expand(R"({{ "[foo:bar.example.com]:9090" | stripDomain }})"), "[foo:bar]:9090");
  EXPECT_EQ(expand(R"({{ "[::1]:9090" | stripDomain }} {{ "cog-1.example.com" | stripDomain }})"),
            "[::1]:9090 cog-1");
  // Only real IP addresses are left whole (net.ParseIP).
  EXPECT_EQ(expand(R"({{ "10.0.0.1:80" | stripDomain }} {{ "999.1.1.1:80" | stripDomain }})"), "10.0.0.1:80 999:80");
  EXPECT_EQ(expand(R"({{ "::ffff:10.0.0.1" | stripDomain }} {{ "1.2.3" | stripDomain }})"), "::ffff:10.0.0.1 1");
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

// The execution error of `text` run directly (no alert prefix: columns are
// plain offsets).
std::string exec_error(std::string_view text) {
  auto t = Template::parse("t", text);
  EXPECT_TRUE(t.ok()) << text;
  if (!t.ok()) return t.error().message;
  auto out = t->execute(alert_data(0), context());
  return out.ok() ? "no error, output: " + *out : out.error().message;
}

// Go checks a call's argument count against the function's signature and
// names the function called, at its name ("at <humanizeDuration>", not the
// whole command): text/template's evalCall. Every function of the table, one
// argument too many (or, for a variadic one, too few), says so in Go's words.
TEST(Template, ArityErrorsNameTheFunctionCalled) {
  struct Signature {
    const char* name;
    size_t fixed;
    bool variadic;
  };
  const Signature signatures[] = {
      {"and", 1, true},
      {"or", 1, true},
      {"not", 1, false},
      {"len", 1, false},
      {"index", 1, true},
      {"printf", 1, true},
      {"eq", 1, true},
      {"ne", 2, false},
      {"lt", 2, false},
      {"le", 2, false},
      {"gt", 2, false},
      {"ge", 2, false},
      {"query", 1, false},
      {"first", 1, false},
      {"label", 2, false},
      {"value", 1, false},
      {"strvalue", 1, false},
      {"sortByLabel", 2, false},
      {"humanize", 1, false},
      {"humanize1024", 1, false},
      {"humanizeDuration", 1, false},
      {"humanizePercentage", 1, false},
      {"humanizeTimestamp", 1, false},
      {"toUpper", 1, false},
      {"toLower", 1, false},
      {"title", 1, false},
      {"safeHtml", 1, false},
      {"match", 2, false},
      {"reReplaceAll", 3, false},
      {"stripPort", 1, false},
      {"stripDomain", 1, false},
      {"parseDuration", 1, false},
      {"externalURL", 0, false},
      {"pathPrefix", 0, false},
      {"graphLink", 1, false},
      {"tableLink", 1, false},
  };
  for (const Signature& s : signatures) {
    // Non-variadic: one too many. Variadic: one too few (all need >= 1).
    const size_t given = s.variadic ? s.fixed - 1 : s.fixed + 1;
    std::string text = std::string("{{ ") + s.name;
    for (size_t i = 0; i < given; ++i) text += " 1";
    text += " }}";
    const std::string want = "template: t:1:3: executing \"t\" at <" + std::string(s.name) +
                             ">: wrong number of args for " + s.name + ": want " + (s.variadic ? "at least " : "") +
                             std::to_string(s.fixed) + " got " + std::to_string(given);
    EXPECT_EQ(exec_error(text), want) << text;
  }
  // The functions of any arity take none, or many.
  for (const char* name : {"print", "println", "html", "js", "urlquery", "args"}) {
    EXPECT_TRUE(exec_error(std::string("{{ ") + name + " }}{{ " + name + " 1 2 3 }}").starts_with("no error")) << name;
  }
}

TEST(Template, ArityCountsThePipedValueAndComesBeforeTheArguments) {
  // The piped value is an argument: want 1 got 2.
  EXPECT_EQ(exec_error("{{ 1 | humanizeDuration 2 }}"),
            "template: t:1:7: executing \"t\" at <humanizeDuration>: wrong number of args for humanizeDuration: "
            "want 1 got 2");
  EXPECT_EQ(exec_error("{{ 1 | humanizePercentage }}"), "no error, output: 100%");
  // The count is checked before any argument is evaluated: the bad field
  // access in the first argument is never reached.
  EXPECT_EQ(exec_error("{{ humanize .Labels.job.x 2 }}"),
            "template: t:1:3: executing \"t\" at <humanize>: wrong number of args for humanize: want 1 got 2");
  // A variadic function's "got" counts the explicit arguments only.
  EXPECT_EQ(exec_error("{{ eq }}"),
            "template: t:1:3: executing \"t\" at <eq>: wrong number of args for eq: want at least 1 got 0");
  // eq with one argument passes the count and fails in the function.
  EXPECT_EQ(exec_error("{{ eq 1 }}"),
            "template: t:1:3: executing \"t\" at <eq 1>: error calling eq: missing argument for comparison");
  // In an alert: the message Prometheus puts in the text.
  EXPECT_EQ(expand_alert_template("__alert_T", "{{ humanizePercentage }}", alert_data(0), context()),
            "<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "
            "\"__alert_T\" at <humanizePercentage>: wrong number of args for humanizePercentage: want 1 got 0>");
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
