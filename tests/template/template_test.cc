// Alert templates against Go: data/template_go.tsv holds, per line, a
// template, the alert's $value, and the text Go 1.19's text/template gives
// for it with Prometheus 3's template functions and alert data (labels
// instance="cog-1.example.com:5000", job="cog"; external label
// site="edge-1"; external URL http://cogwatch.example:9090/prefix),
// expansion errors included, as strconv.Quote prints it. The file was made
// by running those templates through Go; each line here must give exactly
// that text. The other tests translate Prometheus 3's own template tests
// and check the Go library behaviour its functions inherit.
#include "template/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "model/labels.h"
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

// What Prometheus's NewTemplateExpander(...).Expand() gives for `text`,
// as template/template_test.go runs it: the template named "test", the
// evaluation time 1353755652000 ms, the external URL
// http://testhost:9090/path/prefix, and a query function returning
// `result` (the samples' metric name included).
std::string prometheus_expand(std::string_view text, std::vector<TemplateQuerySample> result = {}, double value = 0) {
  TemplateContext ctx{{}, "http://testhost:9090/path/prefix", 1353755652000};
  ctx.query = [&](std::string_view) -> Result<std::vector<TemplateQuerySample>> { return result; };
  auto t = Template::parse("test", text);
  if (!t) return "error parsing template test: " + t.error().message;
  auto out = t->execute(alert_data(value), ctx);
  if (!out) return "error executing template test: " + out.error().message;
  return *out;
}

// Prometheus 3's own cases (template/template_test.go at the conformance
// commit), for every function. Its `{{ range . }}{{ f . }}:{{ end }}` over
// a list input is written here as one call per element: int64 inputs as
// integer constants, float64 inputs as float constants (their errors then
// sit at another column; the message after it is Go's). Not translatable:
// the uint64 inputs (a template constant beyond int64 fails to parse),
// ExpandHTML and missingkey=error (alerts expand in text mode with
// missingkey=zero). The native-histogram cases are in NativeHistogramValues.
TEST(Template, PrometheusTemplateTestCases) {
  const std::vector<TemplateQuerySample> metric_a{{Labels{{"__name__", "metric"}, {"instance", "a"}}, 11}};
  struct Case {
    std::string text;
    std::string want;
    std::vector<TemplateQuerySample> result;
  };
  const std::vector<Case> cases = {
      {"plain text", "plain text", {}},
      {"{{ 1 }}", "1", {}},
      {"{{define \"x\"}}{{.arg0}} {{.arg1}}{{end}}{{template \"x\" (args 1 \"2\")}}", "1 2", {}},
      {"{{ query \"1.5\" | first | value }}", "1.5", {{Labels{}, 1.5}}},
      {"{{ query \"metric{instance='a'}\" | first | value }}", "11", metric_a},
      {"{{ query \"metric{instance='a'}\" | first | label \"instance\" }}", "a", metric_a},
      {"{{ query \"metric{__value__='a'}\" | first | strvalue }}",
       "a",
       {{Labels{{"__name__", "metric"}, {"__value__", "a"}}, 11}}},
      {"{{ query \"metric{instance='a'}\" | first | label \"foo\" }}", "", metric_a},
      {"{{ $x := query \"metric\" | first }}{{ $x.Labels.foo }}", "", metric_a},
      {"{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:{{.Value}}: {{end}}",
       "a:11: b:21: ",
       {{Labels{{"__name__", "metric"}, {"instance", "b"}}, 21}, metric_a[0]}},
      {"{{ \"foo.example.com\" | stripPort }}", "foo.example.com", {}},
      {"{{ \"foo.example.com:12345\" | stripPort }}", "foo.example.com", {}},
      {"{{ \"192.0.2.1\" | stripPort }}", "192.0.2.1", {}},
      {"{{ \"192.0.2.1:12345\" | stripPort }}", "192.0.2.1", {}},
      {"{{ \"2001:0DB8::1\" | stripPort }}", "2001:0DB8::1", {}},
      {"{{ \"[2001:0DB8::1]:12345\" | stripPort }}", "2001:0DB8::1", {}},
      {"{{ \"[2001:0DB8::1]::12345\" | stripPort }}", "[2001:0DB8::1]::12345", {}},
      {"{{", "error parsing template test: template: test:1: unclosed action", {}},
      {"{{ query \"missing\" | first }}",
       "error executing template test: template: test:1:21: executing \"test\" at <first>: error calling first: "
       "first() "
       "called on vector with no elements",
       {}},
      {"{{ (query \"missing\").banana }}",
       "error executing template test: template: test:1:10: executing \"test\" at <\"missing\">: can't evaluate field "
       "banana in type template.queryResult",
       {}},
      {"{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}", "xa", {}},
      // Humanize: float64, string, int.
      {"{{ humanize 0.0 }}:{{ humanize 1.0 }}:{{ humanize 1234567.0 }}:{{ humanize .12 }}:", "0:1:1.235M:120m:", {}},
      {"{{ humanize \"0.0\" }}:{{ humanize \"1.0\" }}:{{ humanize \"1234567.0\" }}:{{ humanize \".12\" }}:",
       "0:1:1.235M:120m:",
       {}},
      {"{{ humanize \"one\" }}",
       "error executing template test: template: test:1:3: executing \"test\" at <humanize \"one\">: error calling "
       "humanize: strconv.ParseFloat: parsing \"one\": invalid syntax",
       {}},
      {"{{ humanize 0 }}:{{ humanize -1 }}:{{ humanize 1 }}:{{ humanize 1234567 }}:{{ humanize 9223372036854775807 }}:",
       "0:-1:1:1.235M:9.223E:",
       {}},
      // Humanize1024.
      {"{{ humanize1024 0.0 }}:{{ humanize1024 1.0 }}:{{ humanize1024 1048576.0 }}:{{ humanize1024 .12 }}:",
       "0:1:1Mi:0.12:",
       {}},
      {"{{ humanize1024 \"0.0\" }}:{{ humanize1024 \"1.0\" }}:{{ humanize1024 \"1048576.0\" }}:{{ humanize1024 \".12\" "
       "}}:",
       "0:1:1Mi:0.12:",
       {}},
      {"{{ humanize1024 \"one\" }}",
       "error executing template test: template: test:1:3: executing \"test\" at <humanize1024 \"one\">: error calling "
       "humanize1024: strconv.ParseFloat: parsing \"one\": invalid syntax",
       {}},
      {"{{ humanize1024 0 }}:{{ humanize1024 -1 }}:{{ humanize1024 1 }}:{{ humanize1024 1234567 }}:"
       "{{ humanize1024 9223372036854775807 }}:",
       "0:-1:1:1.177Mi:8Ei:",
       {}},
      // HumanizeDuration.
      {"{{ humanizeDuration 0.0 }}:{{ humanizeDuration 1.0 }}:{{ humanizeDuration 60.0 }}:{{ humanizeDuration 3600.0 "
       "}}:"
       "{{ humanizeDuration 86400.0 }}:{{ humanizeDuration 90000.0 }}:{{ humanizeDuration -183845.0 }}:"
       "{{ humanizeDuration 899.99 }}:",
       "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:",
       {}},
      {"{{ humanizeDuration \"0\" }}:{{ humanizeDuration \"1\" }}:{{ humanizeDuration \"60\" }}:"
       "{{ humanizeDuration \"3600\" }}:{{ humanizeDuration \"86400\" }}:",
       "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:",
       {}},
      {"{{ humanizeDuration .1 }}:{{ humanizeDuration .0001 }}:{{ humanizeDuration .12345 }}:"
       "{{ humanizeDuration 60.1 }}:{{ humanizeDuration 60.5 }}:{{ humanizeDuration 1.2345 }}:"
       "{{ humanizeDuration 12.345 }}:",
       "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
       {}},
      {"{{ humanizeDuration \".1\" }}:{{ humanizeDuration \".0001\" }}:{{ humanizeDuration \".12345\" }}:"
       "{{ humanizeDuration \"60.1\" }}:{{ humanizeDuration \"60.5\" }}:{{ humanizeDuration \"1.2345\" }}:"
       "{{ humanizeDuration \"12.345\" }}:",
       "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
       {}},
      {"{{ humanizeDuration \"one\" }}",
       "error executing template test: template: test:1:3: executing \"test\" at <humanizeDuration \"one\">: error "
       "calling humanizeDuration: strconv.ParseFloat: parsing \"one\": invalid syntax",
       {}},
      {"{{ humanizeDuration 0 }}:{{ humanizeDuration -1 }}:{{ humanizeDuration 1 }}:{{ humanizeDuration 1234567 }}:",
       "0s:-1s:1s:14d 6h 56m 7s:",
       {}},
      // Inf and NaN as strings (as float64: below).
      {"{{ range args \"+Inf\" \"-Inf\" \"NaN\" }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:"
       "{{humanizeTimestamp .}}:{{ end }}",
       "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:",
       {}},
      // HumanizePercentage.
      {"{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:"
       "{{ 1.23456 | humanizePercentage }}",
       "-22.22%:0%:12.35%:123.5%",
       {}},
      {"{{ humanizePercentage 0 }}:{{ humanizePercentage -1 }}:{{ humanizePercentage 1 }}:"
       "{{ humanizePercentage 1234567 }}:{{ humanizePercentage 9223372036854775807 }}:",
       "0%:-100%:100%:1.235e+08%:9.223e+20%:",
       {}},
      {"{{ \"-0.22222\" | humanizePercentage }}:{{ \"0.0\" | humanizePercentage }}:"
       "{{ \"0.1234567\" | humanizePercentage }}:{{ \"1.23456\" | humanizePercentage }}",
       "-22.22%:0%:12.35%:123.5%",
       {}},
      {"{{ \"one\" | humanizePercentage }}",
       "error executing template test: template: test:1:11: executing \"test\" at <humanizePercentage>: error calling "
       "humanizePercentage: strconv.ParseFloat: parsing \"one\": invalid syntax",
       {}},
      // HumanizeTimestamp.
      {"{{ humanizeTimestamp 0 }}:{{ humanizeTimestamp -1 }}:{{ humanizeTimestamp 1 }}:"
       "{{ humanizeTimestamp 1234567 }}:{{ humanizeTimestamp 9223372036 }}:",
       "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 "
       "+0000 UTC:2262-04-11 23:47:16 +0000 UTC:",
       {}},
      {"{{ humanizeTimestamp -9223372036854775808 }}",
       "error executing template test: template: test:1:3: executing \"test\" at <humanizeTimestamp "
       "-9223372036854775808>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a "
       "nanoseconds timestamp since it overflows int64",
       {}},
      {"{{ 1435065584.128 | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC", {}},
      {"{{ \"1435065584.128\" | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC", {}},
      // toTime, toDuration, now.
      {"{{ (1435065584.128 | toTime).Format \"2006\" }}", "2015", {}},
      {"{{ (\"1435065584.128\" | toTime).Format \"2006\" }}", "2015", {}},
      {"{{ (1800 | toDuration).String }}", "30m0s", {}},
      {"{{ (\"1800\" | toDuration).String }}", "30m0s", {}},
      {"{{ now }}", "1.353755652e+09", {}},
      {"{{ (now | toTime).Format \"Mon Jan 2 15:04:05 2006\" }}", "Sat Nov 24 11:14:12 2012", {}},
      {"{{ (\"-30m\" | parseDuration | toDuration | (now | toTime).Add).UnixMilli }}", "1353753852000", {}},
      // Test_floatToTime.
      {"{{ toTime 1657155181 }}", "2022-07-07 00:53:01 +0000 UTC", {}},
      {"{{ toTime 1.79769313486231570814527423731704356798070e+300 }}",
       "error executing template test: template: test:1:3: executing \"test\" at <toTime "
       "1.79769313486231570814527423731704356798070e+300>: error calling toTime: 1.7976931348623156e+300 cannot be "
       "represented as a nanoseconds timestamp since it overflows int64",
       {}},
      {"{{ toTime -1.79769313486231570814527423731704356798070e+300 }}",
       "error executing template test: template: test:1:3: executing \"test\" at <toTime "
       "-1.79769313486231570814527423731704356798070e+300>: error calling toTime: -1.7976931348623156e+300 cannot be "
       "represented as a nanoseconds timestamp since it overflows int64",
       {}},
      // Strings, links, URL.
      {"{{ \"aa bb CC\" | title }}", "Aa Bb CC", {}},
      {"{{ \"aa bb CC\" | toUpper }}", "AA BB CC", {}},
      {"{{ \"aA bB CC\" | toLower }}", "aa bb cc", {}},
      {"{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }}", "true false", {}},
      {"{{ graphLink \"up\" }}", "/graph?g0.expr=up&g0.tab=0", {}},
      {"{{ tableLink \"up\" }}", "/graph?g0.expr=up&g0.tab=1", {}},
      {"{{ pathPrefix }}", "/path/prefix", {}},
      {"{{ externalURL }}", "http://testhost:9090/path/prefix", {}},
      {"{{ printf \"%0.2f\" (parseDuration \"1h2m10ms\") }}", "3720.01", {}},
      {"{{ printf \"%0.2f\" (parseDuration \"-1h2m10ms\") }}", "-3720.01", {}},
      {"{{ \"foo.example.com\" | stripDomain }}", "foo", {}},
      {"{{ \"foo.example.com:12345\" | stripDomain }}", "foo:12345", {}},
      {"{{ \"192.0.2.1\" | stripDomain }}", "192.0.2.1", {}},
      {"{{ \"192.0.2.1:12345\" | stripDomain }}", "192.0.2.1:12345", {}},
      {"{{ \"2001:0DB8::1\" | stripDomain }}", "2001:0DB8::1", {}},
      {"{{ \"[2001:0DB8::1]:12345\" | stripDomain }}", "[2001:0DB8::1]:12345", {}},
      {"{{ \"[2001:0DB8::1]::12345\" | stripDomain }}", "[2001:0DB8::1]::12345", {}},
  };
  for (const Case& c : cases) EXPECT_EQ(prometheus_expand(c.text, c.result), c.want) << c.text;
  // Inf and NaN as float64: the alert's value.
  const std::string all_four =
      "{{ humanize .Value }}:{{ humanize1024 .Value }}:{{ humanizeDuration .Value }}:{{humanizeTimestamp .Value}}:";
  EXPECT_EQ(prometheus_expand(all_four, {}, INFINITY) + prometheus_expand(all_four, {}, -INFINITY) +
                prometheus_expand(all_four, {}, NAN),
            "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:");
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

// cases.Title(language.AmericanEnglish, cases.NoLower): x/text's own
// title tests (cases/map_test.go) with the rest of each word kept. A digit
// does not start a word, so the letter after it is title-cased ("49Ers");
// '.', ':' and '\'' join words unless two come together; '-', '^', ',' and
// ';' break them; '_' joins.
TEST(Template, TitleCasesWordsAsXText) {
  auto title = [](std::string_view s) {
    return expand_alert_template("t", "{{ title " + go_quote(s) + " }}", alert_data(0), context());
  };
  EXPECT_EQ(title("aa bb CC"), "Aa Bb CC");  // Prometheus's own case
  EXPECT_EQ(title("abc aBc ABC abC o'Brien"), "Abc ABc ABC AbC O'Brien");
  EXPECT_EQ(title("DON'T DO THiS"), "DON'T DO THiS");
  EXPECT_EQ(title("with-hyphens"), "With-Hyphens");
  EXPECT_EQ(title("49ers 49ers"), "49Ers 49Ers");
  EXPECT_EQ(title("\"capitalize a^a -hyphen 0X _u a_u:a"), "\"Capitalize A^A -Hyphen 0X _U A_u:a");
  EXPECT_EQ(title("MidNum a,b;c"), "MidNum A,B;C");
  EXPECT_EQ(title("a'.a a.a a4,a"), "A'.A A.a A4,A");
  EXPECT_EQ(title("hello world-foo it's 1st_x"), "Hello World-Foo It's 1St_x");
  // Outside ASCII: the same rules with Unicode's letters (Hebrew is
  // uncased, Katakana breaks words) and title-case mappings (dz digraphs).
  EXPECT_EQ(title("x\u05d0x \u05d0x x\u3031x"), "X\u05d0x \u05d0X X\u3031X");
  EXPECT_EQ(title("\u00e9t\u00e9 \u01c6emal \u03c7\u03c9\u03c1\u03af\u03c2"),
            "\u00c9t\u00e9 \u01c5emal \u03a7\u03c9\u03c1\u03af\u03c2");
  EXPECT_EQ(title("a\u2019b c\u00b7d e\u0301f"), "A\u2019b C\u00b7d E\u0301f");
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

// The text of `text` expanded at evaluation time 1353755652000 ms, or its
// error after "t:1:" (plain offsets: no alert prefix).
std::string run(std::string_view text, int64_t eval_time = 1353755652000) {
  auto t = Template::parse("t", text);
  if (!t) return t.error().message;
  TemplateContext ctx = context();
  ctx.eval_time = eval_time;
  auto out = t->execute(alert_data(0), ctx);
  if (out) return *out;
  const std::string& e = out.error().message;
  return e.starts_with("template: t:1:") ? e.substr(14) : e;
}

// toDuration returns *time.Duration and toTime *time.Time: they print as
// Go's Duration.String and Time.String, are pointers to humanize (which
// takes time.Duration values only) and %T, and follow Go's float64 ->
// int64 conversion (amd64: NaN and overflow give the minimum).
TEST(Template, ToDurationAndToTimePrintAsGo) {
  EXPECT_EQ(run("{{ toDuration 3723.5 }}|{{ toDuration 0 }}|{{ toDuration -1.5 }}|{{ toDuration 0.0000015 }}"),
            "1h2m3.5s|0s|-1.5s|1.5\u00b5s");
  EXPECT_EQ(run("{{ toDuration 0.0000000015 }}|{{ toDuration 0.0015 }}|{{ toDuration 60 }}|{{ toDuration 259200 }}"),
            "1ns|1.5ms|1m0s|72h0m0s");
  EXPECT_EQ(run("{{ toDuration \"NaN\" }}|{{ toDuration 1e10 }}|{{ toDuration 9.2e9 }}"),
            "-2562047h47m16.854775808s|-2562047h47m16.854775808s|2555555h33m20s");
  EXPECT_EQ(run("{{ toTime 1.5 }}|{{ toTime -0.0015 }}|{{ toTime 1.0000001 }}"),
            "1970-01-01 00:00:01.5 +0000 UTC|1969-12-31 23:59:59.999 +0000 UTC|1970-01-01 00:00:01 +0000 UTC");
  // Near the ends of int64 nanoseconds (v * 1e9 is not exact: 9223372036853999616 ns), and before year 1677.
  EXPECT_EQ(run("{{ toTime -9223372036.854 }} {{ toTime 9223372036.854 }} {{ ((toTime -9e9).Add -9e18).Add -9e18 }}"),
            "1677-09-21 00:12:43.147 +0000 UTC 2262-04-11 23:47:16.853 +0000 UTC 1114-05-29 00:00:00 +0000 UTC");
  EXPECT_EQ(run("{{ printf \"%T %T %T %T\" (toTime 1) (toDuration 1) (toTime 1).UTC ((toTime 2).Sub (toTime 1)) }}"),
            "*time.Time *time.Duration time.Time time.Duration");
  EXPECT_EQ(run("{{ printf \"%v|%s|%d|%q\" (toDuration 2) (toTime 0) (toDuration 2).Abs (toDuration 2) }}"),
            "2s|1970-01-01 00:00:00 +0000 UTC|2000000000|\"2s\"");
  EXPECT_EQ(run("{{ toTime \"NaN\" }}"),
            "3: executing \"t\" at <toTime \"NaN\">: error calling toTime: value is NaN or Inf");
  EXPECT_EQ(
      run("{{ toTime \"x\" }}"),
      "3: executing \"t\" at <toTime \"x\">: error calling toTime: strconv.ParseFloat: parsing \"x\": invalid syntax");
  EXPECT_EQ(
      run("{{ toDuration .Labels }}"),
      "3: executing \"t\" at <toDuration .Labels>: error calling toDuration: can't convert map[string]string to float");
  // Pointers are true, compared by identity; time.Time values by instant.
  EXPECT_EQ(run("{{ if toDuration 0 }}y{{ end }} {{ $t := toTime 1 }}{{ eq $t $t }} {{ eq (toTime 1) (toTime 1) }} "
                "{{ eq (toTime 1).UTC (toTime 1).UTC }}"),
            "y true false true");
}

// url.QueryEscape of a string (urlquery, Go's builtin, prints any
// arguments first).
TEST(Template, UrlQueryEscapeIsGoQueryEscape) {
  EXPECT_EQ(run("{{ urlQueryEscape \"a b&c/\u00e9?x=1+2~_.-\" }}"), "a+b%26c%2F%C3%A9%3Fx%3D1%2B2~_.-");
  EXPECT_EQ(run("{{ urlQueryEscape 1 }}"), "18: executing \"t\" at <1>: expected string; found 1");
}

TEST(Template, NowIsTheEvaluationTimeInSeconds) {
  EXPECT_EQ(run("{{ now }}", 0), "0");
  EXPECT_EQ(run("{{ now }}", 1500), "1.5");
  EXPECT_EQ(run("{{ now | printf \"%T\" }} {{ now | humanizeTimestamp }}", 1435065584128),
            "float64 2015-06-23 13:19:44.128 +0000 UTC");
}

// Time.Format's layout elements in UTC, on Tuesday 2015-06-23
// 13:19:44.128 (day 174) and Thursday 2015-01-01 00:00:00.
TEST(Template, TimeFormatLayouts) {
  auto format = [](std::string_view t, std::string_view layout) {
    return run("{{ (toTime " + std::string(t) + ").Format " + go_quote(layout) + " }}");
  };
  EXPECT_EQ(format("1435065584.128", "2006-01-02T15:04:05Z07:00"), "2015-06-23T13:19:44Z");
  EXPECT_EQ(format("1435065584.128", "2006-01-02T15:04:05.000-07:00"), "2015-06-23T13:19:44.128+00:00");
  EXPECT_EQ(format("1435065584.128", "Jan _2 3:04:05PM"), "Jun 23 1:19:44PM");
  EXPECT_EQ(format("1435065584.128", "Monday January 2 06 002 __2 .999 ,000000 -0700 -07 -07:00:00 MST pm"),
            "Tuesday June 23 15 174 174 .128 ,128000 +0000 +00 +00:00:00 UTC pm");
  EXPECT_EQ(format("1435065584.128", "Janx Mond _2006 Z0700 Z07 1 2 3 4 5"), "Janx Mond _2015 Z Z 6 23 1 19 44");
  EXPECT_EQ(format("1420070400", "_2 __2 3PM 03 002 .999 .000 .0"), " 1   1 12AM 12 001  .000 .0");
  EXPECT_EQ(format("1420070400", ".000x .0001 Mon"), ".000x .0001 Thu");
}

TEST(Template, TimeAndDurationMethods) {
  const std::string t = "{{ $t := toTime 1435065584.128 }}";
  EXPECT_EQ(run(t + "{{ $t.Unix }} {{ $t.UnixMilli }} {{ $t.UnixMicro }} {{ $t.UnixNano }}"),
            "1435065584 1435065584128 1435065584128000 1435065584128000000");
  EXPECT_EQ(run(t + "{{ $t.Year }} {{ $t.YearDay }} {{ $t.Day }} {{ $t.Hour }} {{ $t.Minute }} {{ $t.Second }} "
                    "{{ $t.Nanosecond }} {{ $t.String }}"),
            "2015 174 23 13 19 44 128000000 2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(
      run("{{ (toTime 100).Sub (toTime 40) }} {{ (toTime 1).Before (toTime 2) }} {{ (toTime 1).After (toTime 2) }} "
          "{{ (toTime 1).Equal (toTime 1).UTC }} {{ (toTime 3).Compare (toTime 2) }} {{ (toTime 1).Add 1500000000 }}"),
      "1m0s true false true 1 1970-01-01 00:00:02.5 +0000 UTC");
  // Nanoseconds carry into seconds, both ways.
  EXPECT_EQ(run("{{ (toTime 1.5).Add 600000000 }}|{{ (toTime 1.5).Add -600000000 }}|{{ (toTime 1.5).Add -2500000000 }}"),
            "1970-01-01 00:00:02.1 +0000 UTC|1970-01-01 00:00:00.9 +0000 UTC|1969-12-31 23:59:59 +0000 UTC");
  const std::string d = "{{ $d := toDuration 5400.5 }}";
  EXPECT_EQ(run(d + "{{ $d.Seconds }} {{ $d.Minutes }} {{ $d.Hours }} {{ $d.Milliseconds }} {{ $d.Microseconds }} "
                    "{{ $d.Nanoseconds }}"),
            "5400.5 90.00833333333334 1.500138888888889 5400500 5400500000 5400500000000");
  EXPECT_EQ(run(d + "{{ $d.Round 3600000000000 }} {{ $d.Truncate 3600e9 }} {{ (toDuration -1.5).Round 1e9 }} "
                    "{{ (toDuration -1.5).Abs }} {{ $d.Round 0 }}"),
            "2h0m0s 1h0m0s -2s 1.5s 1h30m0.5s");
  // A time.Duration value (not a pointer) is a number to humanize and the
  // comparisons.
  EXPECT_EQ(run("{{ humanizeDuration (toDuration 90).Abs }} {{ lt (toDuration 1).Abs (toDuration 2).Abs }} "
                "{{ eq (toDuration 1).Abs 1000000000 }}"),
            "1m 30s true true");
  EXPECT_EQ(run("{{ humanize (toDuration 90) }}"),
            "3: executing \"t\" at <humanize (toDuration 90)>: error calling humanize: can't convert *time.Duration to "
            "float");
  // Errors name the method and its argument as Go does.
  EXPECT_EQ(run("{{ (toTime 1).Foo }}"), "11: executing \"t\" at <1>: can't evaluate field Foo in type *time.Time");
  EXPECT_EQ(run(t + "{{ $t.Foo }}"), "38: executing \"t\" at <$t.Foo>: can't evaluate field Foo in type *time.Time");
  EXPECT_EQ(run(t + "{{ $t.Format }}"),
            "38: executing \"t\" at <$t.Format>: wrong number of args for Format: want 1 got 0");
  EXPECT_EQ(run(t + "{{ $t.Format 1 }}"), "46: executing \"t\" at <1>: expected string; found 1");
  EXPECT_EQ(run(t + "{{ $t.Add \"1h\" }}"), "43: executing \"t\" at <\"1h\">: expected integer; found \"1h\"");
  EXPECT_EQ(run(t + "{{ $t.Add 1.5 }}"), "43: executing \"t\" at <1.5>: expected integer; found 1.5");
  EXPECT_EQ(run(t + "{{ $t.Add $t }}"),
            "43: executing \"t\" at <$t>: wrong type for value; expected time.Duration; got *time.Time");
  EXPECT_EQ(run(t + "{{ $t.Add nil }}"), "43: executing \"t\" at <nil>: cannot assign nil to time.Duration");
  EXPECT_EQ(run(t + "{{ 1 | $t.Format }}"),
            "42: executing \"t\" at <$t.Format>: wrong type for value; expected string; got int");
  EXPECT_EQ(run(t + "{{ $t.Sub 1 }}"), "43: executing \"t\" at <1>: can't handle 1 for arg of type time.Time");
  EXPECT_EQ(run("{{ (toDuration 1).Round }}"),
            "15: executing \"t\" at <1>: wrong number of args for Round: want 1 got 0");
}

// text/template converts each argument to its parameter's type: constants
// must be of its kind, computed values of its type, and the error sits at
// the node Go was evaluating last.
TEST(Template, ArgumentsConvertToTheParameterTypeAsGo) {
  EXPECT_EQ(run("{{ toUpper 1 }}"), "11: executing \"t\" at <1>: expected string; found 1");
  EXPECT_EQ(run("{{ 1 | toUpper }}"),
            "7: executing \"t\" at <toUpper>: wrong type for value; expected string; got int");
  EXPECT_EQ(run("{{ $x := 1 }}{{ toUpper $x }}"),
            "24: executing \"t\" at <$x>: wrong type for value; expected string; got int");
  EXPECT_EQ(run("{{ toUpper (len \"ab\") }}"),
            "16: executing \"t\" at <\"ab\">: wrong type for value; expected string; got int");
  EXPECT_EQ(run("{{ toUpper nil }}"), "11: executing \"t\" at <nil>: cannot assign nil to string");
  EXPECT_EQ(run("{{ toUpper (index (args) \"x\") }}"),
            "25: executing \"t\" at <\"x\">: invalid value; expected string");
  EXPECT_EQ(run("{{ safeHtml \"x\" | toUpper }}"),
            "18: executing \"t\" at <toUpper>: wrong type for value; expected string; got template.HTML");
  EXPECT_EQ(run("{{ label \"x\" 1 }}"), "13: executing \"t\" at <1>: can't handle 1 for arg of type *template.sample");
  EXPECT_EQ(
      run("{{ first (args) }}"),
      "10: executing \"t\" at <args>: wrong type for value; expected template.queryResult; got map[string]interface "
      "{}");
  // nil is a *template.sample (which the function then dereferences) and
  // an empty template.queryResult.
  EXPECT_EQ(run("{{ value nil }}"),
            "3: executing \"t\" at <value nil>: error calling value: runtime error: invalid memory address or nil "
            "pointer dereference");
  EXPECT_EQ(
      run("{{ label \"x\" nil }}"),
      "3: executing \"t\" at <label \"x\" nil>: error calling label: runtime error: invalid memory address or nil "
      "pointer dereference");
  EXPECT_EQ(run("{{ first nil }}"),
            "3: executing \"t\" at <first nil>: error calling first: first() called on vector with no elements");
  EXPECT_EQ(run("{{ sortByLabel \"x\" nil }}"), "[]");
  EXPECT_EQ(run("{{ printf 1 }}"), "10: executing \"t\" at <1>: expected string; found 1");
  // Fields with arguments.
  EXPECT_EQ(run("{{ .Labels 1 }}"),
            "3: executing \"t\" at <.Labels>: Labels has arguments but cannot be invoked as function");
  // Go places a field chain at its second field (parse.go's operand: the
  // chain's position), as $labels.job.x is placed at .job in template_go.tsv.
  EXPECT_EQ(run("{{ 1 | .Labels.job }}"),
            "14: executing \"t\" at <.Labels.job>: job is not a method but has arguments");
}

// prometheus/common's ConvertToFloat: strings by strconv.ParseFloat
// (Go's float syntax: underscores between digits, hexadecimal with a p
// exponent, inf/infinity signed, nan unsigned), the integer types and
// time.Duration; anything else fails with its Go type.
TEST(Template, HumanizeConvertsAsGo) {
  auto h = [](std::string_view arg) { return run("{{ humanize " + std::string(arg) + " }}"); };
  auto syntax = [](std::string_view quoted) {
    return "3: executing \"t\" at <humanize " + std::string(quoted) +
           ">: error calling humanize: strconv.ParseFloat: parsing " + std::string(quoted) + ": invalid syntax";
  };
  EXPECT_EQ(
      h("\"nan\"") + " " + h("\"NAN\"") + " " + h("\"infinity\"") + " " + h("\"-INF\"") + " " + h("\"+Infinity\""),
      "NaN NaN +Inf -Inf +Inf");
  for (const char* bad : {"\"+nan\"", "\"-NaN\"", "\"infin\"", "\"0x10\"", "\"0x\"", "\"_1\"", "\"1__0\"", "\"1_\"",
                          "\"1_.5\"", "\" 1\"", "\"1 \"", "\"\"", "\".\"", "\"1e\"", "\"1e+\"", "\"0x1p\""}) {
    EXPECT_EQ(h(bad), syntax(bad)) << bad;
  }
  EXPECT_EQ(h("\"0x10p0\"") + " " + h("\"0x1.8p1\"") + " " + h("\"0x_1p0\"") + " " + h("\"1_000\"") + " " +
                h("\".5\"") + " " + h("\"5.\"") + " " + h("\"1E5\"") + " " + h("\"1e-400\""),
            "16 3 1 1k 500m 5 100k 0");
  EXPECT_EQ(
      h("\"1e400\""),
      "3: executing \"t\" at <humanize \"1e400\">: error calling humanize: strconv.ParseFloat: parsing \"1e400\": "
      "value out of range");
  auto cannot = [](std::string_view arg, std::string_view type) {
    return "3: executing \"t\" at <humanize " + std::string(arg) + ">: error calling humanize: can't convert " +
           std::string(type) + " to float";
  };
  EXPECT_EQ(h("true"), cannot("true", "bool"));
  EXPECT_EQ(h("nil"), cannot("nil", "<nil>"));
  EXPECT_EQ(h(".Labels"), cannot(".Labels", "map[string]string"));
  EXPECT_EQ(h("(safeHtml \"1\")"), cannot("(safeHtml \"1\")", "template.HTML"));
  EXPECT_EQ(h("(toTime 1)"), cannot("(toTime 1)", "*time.Time"));
  EXPECT_EQ(h("(toTime 1).UTC"), cannot("(toTime 1).UTC", "time.Time"));
}

// A native histogram's $value (and a query result's value) is Prometheus's
// *histogram.FloatHistogram: it prints as its String(), its fields are
// readable, and every function that converts its argument to a float fails
// on it as prometheus/common's ConvertToFloat fails on any other type.
TEST(Template, NativeHistogramValues) {
  FloatHistogram h;
  h.count = 8;
  h.sum = 12;
  h.zero_threshold = 0.001;
  h.positive_spans = {{0, 2}};
  h.positive_buckets = {2, 6};
  TemplateData data = alert_data(0);
  data.histogram = HistogramRef::make(h);
  auto run_h = [&](std::string_view text) -> std::string {
    auto t = Template::parse("t", text);
    if (!t) return t.error().message;
    auto out = t->execute(data, context());
    if (out) return *out;
    const std::string& e = out.error().message;
    return e.starts_with("template: t:1:") ? e.substr(14) : e;
  };
  EXPECT_EQ(run_h("{{ .Value }}|{{ print .Value }}|{{ printf \"%v\" .Value }}"),
            "{count:8, sum:12, (0.5,1]:2, (1,2]:6}|{count:8, sum:12, (0.5,1]:2, (1,2]:6}|"
            "{count:8, sum:12, (0.5,1]:2, (1,2]:6}");
  EXPECT_EQ(run_h("{{ .Value.Count }} {{ .Value.Sum | humanize }} {{ .Value.ZeroCount }} {{ .Value.ZeroThreshold }} "
                  "{{ .Value.Schema }}"),
            "8 12 0 0.001 0");
  for (const char* fn : {"humanize", "humanize1024", "humanizePercentage", "humanizeDuration", "humanizeTimestamp",
                         "toTime", "toDuration"}) {
    EXPECT_EQ(run_h("{{ " + std::string(fn) + " .Value }}"),
              "3: executing \"t\" at <" + std::string(fn) + " .Value>: error calling " + fn +
                  ": can't convert *histogram.FloatHistogram to float")
        << fn;
  }
  // Through an alert template, as a rule expands it ($value is .Value).
  EXPECT_EQ(expand_alert_template("__alert_T", "{{ $value }} / {{ $value | humanize }}", data, context()),
            "<error expanding template: error executing template __alert_T: template: __alert_T:1:139: executing "
            "\"__alert_T\" at <humanize>: error calling humanize: can't convert *histogram.FloatHistogram to float>");
  EXPECT_EQ(expand_alert_template("__alert_T", "p99 over {{ $value.Count }} requests: {{ $value }}", data, context()),
            "p99 over 8 requests: {count:8, sum:12, (0.5,1]:2, (1,2]:6}");
  // Prometheus's template_test.go: "Get value of a native histogram from
  // query" ({Count: 3, Sum: 10}).
  FloatHistogram q;
  q.count = 3;
  q.sum = 10;
  EXPECT_EQ(prometheus_expand("{{ query \"metric{instance='a'}\" | first | value }}",
                              {{Labels{{"__name__", "metric"}, {"instance", "a"}}, 0, HistogramRef::make(q)}}),
            "{count:3, sum:10}");
  EXPECT_EQ(prometheus_expand("{{ range query \"metric\" }}{{ .Value }}{{ end }}",
                              {{Labels{{"__name__", "metric"}, {"instance", "a"}}, 0, HistogramRef::make(q)}}),
            "{count:3, sum:10}");
}

// prometheus/common's FloatToTime keeps whole milliseconds (through
// model.Time), truncated toward zero.
TEST(Template, HumanizeTimestampKeepsMilliseconds) {
  EXPECT_EQ(run("{{ humanizeTimestamp 1.0000001 }}|{{ humanizeTimestamp 1435065584.1289 }}|"
                "{{ humanizeTimestamp -0.0015 }}"),
            "1970-01-01 00:00:01 +0000 UTC|2015-06-23 13:19:44.128 +0000 UTC|1969-12-31 23:59:59.999 +0000 UTC");
  // v * 1e9 == 2^63 passes Go's check (> float64(MaxInt64), which is 2^63)
  // and converts to MinInt64 on amd64.
  EXPECT_EQ(run("{{ humanizeTimestamp 9223372036.854776 }}"), "1677-09-21 00:12:43.146 +0000 UTC");
}

// model.ParseDurationAllowNegative: Prometheus's units in order, a leading
// '-', time.Duration's range (about 292 years) and its error texts.
TEST(Template, ParseDurationAsPrometheus) {
  EXPECT_EQ(run("{{ parseDuration \"1h30m\" }} {{ parseDuration \"-1h30m\" }} {{ parseDuration \"0\" }} "
                "{{ parseDuration \"-0\" }} {{ parseDuration \"1ms\" }} {{ parseDuration \"292y\" }}"),
            "5400 -5400 0 0 0.001 9.208512e+09");
  auto error = [](std::string_view text, std::string_view why) {
    return "3: executing \"t\" at <parseDuration " + go_quote(text) +
           ">: error calling parseDuration: " + std::string(why);
  };
  auto parse = [](std::string_view text) { return run("{{ parseDuration " + go_quote(text) + " }}"); };
  EXPECT_EQ(parse("1.5h"), error("1.5h", "unknown unit \".\" in duration \"1.5h\""));
  EXPECT_EQ(parse("1x"), error("1x", "unknown unit \"x\" in duration \"1x\""));
  EXPECT_EQ(parse(""), error("", "empty duration string"));
  EXPECT_EQ(parse("-"), error("-", "empty duration string"));
  EXPECT_EQ(parse("--1s"), error("--1s", "not a valid duration string: \"-1s\""));
  EXPECT_EQ(parse("1m1h"), error("1m1h", "not a valid duration string: \"1m1h\""));
  EXPECT_EQ(parse("1h1h"), error("1h1h", "not a valid duration string: \"1h1h\""));
  EXPECT_EQ(parse("1"), error("1", "not a valid duration string: \"1\""));
  EXPECT_EQ(parse("h"), error("h", "not a valid duration string: \"h\""));
  EXPECT_EQ(parse("99999999999999999999s"),
            error("99999999999999999999s", "not a valid duration string: \"99999999999999999999s\""));
  EXPECT_EQ(parse("300y"), error("300y", "duration out of range"));
  EXPECT_EQ(parse("600y"), error("600y", "duration out of range"));  // v * unit would wrap uint64
  EXPECT_EQ(parse("-300y"), error("-300y", "duration out of range"));
  EXPECT_EQ(parse("290y3000w"), error("290y3000w", "duration out of range"));
}

// Go's builtins slice, call and index (of strings).
TEST(Template, GoBuiltinsSliceCallIndex) {
  EXPECT_EQ(run("{{ slice \"abcdef\" 1 3 }}|{{ slice \"abc\" }}|{{ slice \"abc\" 2 }}|{{ index \"abc\" 1 }}"),
            "bc|abc|c|98");
  EXPECT_EQ(run("{{ slice \"abc\" 1 2 3 }}"),
            "3: executing \"t\" at <slice \"abc\" 1 2 3>: error calling slice: cannot 3-index slice a string");
  EXPECT_EQ(run("{{ slice \"abc\" 2 1 }}"),
            "3: executing \"t\" at <slice \"abc\" 2 1>: error calling slice: invalid slice index: 2 > 1");
  EXPECT_EQ(run("{{ slice \"abc\" 4 }}"),
            "3: executing \"t\" at <slice \"abc\" 4>: error calling slice: index out of range: 4");
  EXPECT_EQ(run("{{ slice .Labels 1 }}"),
            "3: executing \"t\" at <slice .Labels 1>: error calling slice: can't slice item of type map[string]string");
  EXPECT_EQ(run("{{ slice nil }}"), "3: executing \"t\" at <slice nil>: error calling slice: slice of untyped nil");
  EXPECT_EQ(run("{{ index \"abc\" 3 }}"),
            "3: executing \"t\" at <index \"abc\" 3>: error calling index: index out of range: 3");
  EXPECT_EQ(
      run("{{ index \"abc\" \"x\" }}"),
      "3: executing \"t\" at <index \"abc\" \"x\">: error calling index: cannot index slice/array with type string");
  EXPECT_EQ(run("{{ index \"abc\" nil }}"),
            "3: executing \"t\" at <index \"abc\" nil>: error calling index: cannot index slice/array with nil");
  EXPECT_EQ(run("{{ index nil 1 }}"), "3: executing \"t\" at <index nil 1>: error calling index: index of untyped nil");
  EXPECT_EQ(run("{{ call .Labels }}"),
            "3: executing \"t\" at <call .Labels>: error calling call: non-function .Labels of type map[string]string");
  EXPECT_EQ(run("{{ call nil }}"), "3: executing \"t\" at <call nil>: error calling call: call of nil");
  EXPECT_EQ(run("{{ \"x\" | call }}"),
            "9: executing \"t\" at <call>: error calling call: non-function x of type string");
  EXPECT_EQ(run("{{ 1 | call }}"),
            "7: executing \"t\" at <call>: error calling call: non-function <int Value> of type int");
}

// `check rules` checks alert templates with check_alert_template: every
// Prometheus 3 function parses; a misspelt one does not.
TEST(Template, CheckAcceptsEveryPrometheus3Function) {
  const char* text =
      "{{ (now | toTime).Format \"15:04\" }} {{ toDuration 90 }} {{ urlQueryEscape $labels.job }} "
      "{{ $value | humanize }} {{ humanize1024 1 }} {{ humanizeDuration 1 }} {{ humanizePercentage 1 }} "
      "{{ humanizeTimestamp 1 }} {{ with query \"up\" }}{{ . | first | value }}{{ . | first | label \"x\" }}"
      "{{ . | first | strvalue }}{{ . | sortByLabel \"x\" }}{{ end }} {{ args 1 }} {{ reReplaceAll \"a\" \"b\" \"c\" "
      "}} "
      "{{ safeHtml \"x\" }} {{ match \"a\" \"b\" }} {{ title \"x\" }} {{ toUpper \"x\" }} {{ toLower \"x\" }} "
      "{{ graphLink \"up\" }} {{ tableLink \"up\" }} {{ stripPort \"a:1\" }} {{ stripDomain \"a.b\" }} "
      "{{ pathPrefix }} {{ externalURL }} {{ parseDuration \"1m\" }} {{ slice \"ab\" 1 }} {{ call $labels }}";
  EXPECT_EQ(check_alert_template("__alert_A", text), std::nullopt);
  EXPECT_EQ(check_alert_template("__alert_A", "{{ toTim 1 }}"),
            "template: __alert_A:1: function \"toTim\" not defined");
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
      {"toTime", 1, false},
      {"toDuration", 1, false},
      {"now", 0, false},
      {"urlQueryEscape", 1, false},
      {"slice", 1, true},
      {"call", 1, true},
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
