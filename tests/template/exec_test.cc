// Executing templates on values as Go's reflection sees them (Go 1.25's
// text/template/exec.go): a nil interface{} against no value at all, the
// static type interface{} in field errors, ranges (their variables, Go
// 1.22's range over integers), number constants by their syntax, field
// chains on function results, and Prometheus 3's UTF-8 label names.
#include <gtest/gtest.h>

#include <string>

#include "model/labels.h"
#include "template/template.h"

namespace cogwatch::tmpl {
namespace {

TemplateData data() {
  return TemplateData{Labels{{"größe", "groß"}, {"job", "cog"}}, 2.5, Labels{{"site", "edge-1"}}, "http://x"};
}

// The output, or the error after "template: t:1:" (its column first).
std::string run(std::string_view text) {
  auto t = Template::parse("t", text);
  if (!t) return t.error().message;
  auto out = t->execute(data(), TemplateContext{{}, "http://x", 0});
  if (out) return *out;
  const std::string& e = out.error().message;
  return e.starts_with("template: t:1:") ? e.substr(14) : e;
}

// A pipeline leaves no value of a nil interface{} (it digs an interface{}
// down to what it holds): it prints "<no value>" and its fields are no
// value too. In a field chain the nil interface{} is still one, and has
// no fields. Maps of args are map[string]interface{}; missing keys give
// their zero value, a nil interface{} (missingkey=zero).
TEST(TemplateExec, NoValueIsNotANilInterface) {
  EXPECT_EQ(run("{{ $x := (args).nope }}{{ $x.y }}"), "<no value>");
  EXPECT_EQ(run("{{ $x := (args).nope }}{{ $x }}|{{ $x.y.z }}"), "<no value>|<no value>");
  EXPECT_EQ(run("{{ (args).nope }}|{{ ((args).nope).y }}|{{ index (args) \"nope\" }}"),
            "<no value>|<no value>|<no value>");
  EXPECT_EQ(run("{{ (args).nope.y }}"), "4: executing \"t\" at <args>: nil pointer evaluating interface {}.y");
  // A chain is placed at its first field, its context is the whole chain.
  EXPECT_EQ(run("{{ range $k, $v := args nil }}{{ $v.y }}{{ end }}"),
            "35: executing \"t\" at <$v.y>: nil pointer evaluating interface {}.y");
  EXPECT_EQ(run("{{ range args nil }}[{{ . }}]{{ .y }}{{ end }}"),
            "32: executing \"t\" at <.y>: nil pointer evaluating interface {}.y");
  // As an argument: a nil interface{} to an interface{} parameter is nil;
  // to any other it is a value of the wrong type, no value is invalid.
  EXPECT_EQ(run("{{ $x := (args).nope }}{{ printf \"%v|%T|%v\" $x $x (args).nope }}"), "<nil>|<nil>|<nil>");
  EXPECT_EQ(run("{{ toUpper (args).nope }}"),
            "12: executing \"t\" at <args>: wrong type for value; expected string; got interface {}");
  EXPECT_EQ(run("{{ $x := (args).nope }}{{ toUpper $x }}"),
            "34: executing \"t\" at <$x>: invalid value; expected string");
  EXPECT_EQ(run("{{ index (args) \"a\" \"b\" }}"),
            "3: executing \"t\" at <index (args) \"a\" \"b\">: error calling index: index of nil pointer");
  // Dot of a template called without a value is no value.
  EXPECT_EQ(run("{{ define \"x\" }}{{ .y }}{{ .y.z }}{{ end }}{{ template \"x\" }}"), "<no value><no value>");
}

// Field errors name the receiver's static type: interface {} for what an
// interface{} holds (the alert data's Value, args' elements), the
// value's own type once a pipeline has dug it out.
TEST(TemplateExec, FieldErrorsNameTheStaticType) {
  EXPECT_EQ(run("{{ .Value.x }}"), "9: executing \"t\" at <.Value.x>: can't evaluate field x in type interface {}");
  EXPECT_EQ(run("{{ $v := .Value }}{{ $v.x }}"),
            "23: executing \"t\" at <$v.x>: can't evaluate field x in type float64");
  // Errors are placed at the node last evaluated: here args' argument.
  EXPECT_EQ(run("{{ (args 1).arg0.x }}"), "9: executing \"t\" at <1>: can't evaluate field x in type interface {}");
  EXPECT_EQ(run("{{ ((args 1).arg0).x }}"), "10: executing \"t\" at <1>: can't evaluate field x in type int");
  EXPECT_EQ(run("{{ .Value }}|{{ printf \"%T\" .Value }}"), "2.5|float64");
}

// Go's walkRange: declared variables hold the pipeline's value where the
// range runs no element (its else branch), and Go 1.22 ranges over
// integers.
TEST(TemplateExec, RangeAsGo) {
  EXPECT_EQ(run("{{ range $i, $e := (args) }}x{{ else }}{{ $i }}{{ $e }}{{ end }}"), "map[]map[]");
  EXPECT_EQ(run("{{ range $i, $e := args 7 8 }}{{ $i }}={{ $e }} {{ end }}"), "arg0=7 arg1=8 ");
  EXPECT_EQ(run("{{ $e := 0 }}{{ range $e = args 7 8 }}{{ end }}{{ $e }}"), "8");
  EXPECT_EQ(run("{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}"), "012|01");
  EXPECT_EQ(run("{{ range 0 }}x{{ else }}none{{ end }}|{{ range -2 }}x{{ else }}none{{ end }}"), "none|none");
  EXPECT_EQ(run("{{ range $i := 5 }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}"), "012");
  EXPECT_EQ(run("{{ range toDuration 0.000000003 }}{{ . }} {{ end }}"), "0s 1ns 2ns ");
  EXPECT_EQ(run("{{ range $i, $e := 3 }}{{ end }}"),
            "19: executing \"t\" at <3>: can't use 3 to iterate over more than one variable");
  // Go runs any count; here a template's integer ranges stop after 10^6
  // iterations in all, as a hung rule group would be worse.
  EXPECT_EQ(run("{{ range 1000000 }}{{ end }}x"), "x");
  EXPECT_EQ(run("{{ range 1000001 }}{{ end }}"),
            "9: executing \"t\" at <1000001>: range over integers: more than 1000000 iterations");
  EXPECT_EQ(run("{{ range 3 }}{{ range 500000 }}{{ end }}{{ end }}"),
            "22: executing \"t\" at <500000>: range over integers: more than 1000000 iterations");
  EXPECT_EQ(run("{{ range 1.5 }}{{ end }}"), "9: executing \"t\" at <1.5>: range can't iterate over 1.5");
  EXPECT_EQ(run("{{ $x = 1 }}"), "8: executing \"t\" at <1>: undefined variable: $x");
}

// A number constant where no type is asked for takes the type its syntax
// says (Go's idealConstant); complex constants print as Go prints them.
TEST(TemplateExec, NumberConstantsAsGo) {
  EXPECT_EQ(run("{{ printf \"%T %T %T %T %T %T\" 1 1e3 0x10 'a' 0x1p4 1.0 }}"), "int float64 int int float64 float64");
  EXPECT_EQ(run("{{ 'a' }} {{ 1e3 }} {{ 0b101 }} {{ 1_000 }} {{ 0o17 }} {{ 017 }}"), "97 1000 5 1000 15 15");
  EXPECT_EQ(run("{{ 1+2i }} {{ -3.2i }} {{ 0i }} {{ 1.5-0i }}"), "(1+2i) (0-3.2i) (0+0i) (1.5-0i)");
  EXPECT_EQ(run("{{ printf \"%T %v %.1f %g\" 2i 2i -1+2.25i 1e21+1e-7i }}"),
            "complex128 (0+2i) (-1.0+2.2i) (1e+21+1e-07i)");
  EXPECT_EQ(run("{{ eq 1i 1i }} {{ eq 1i 2i }} {{ if 0i }}t{{ else }}f{{ end }}"), "true false f");
  EXPECT_EQ(run("{{ lt 1i 2i }}"), "3: executing \"t\" at <lt 1i 2i>: error calling lt: invalid type for comparison");
  EXPECT_EQ(run("{{ 18446744073709551615 }}"),
            "3: executing \"t\" at <18446744073709551615>: 18446744073709551615 overflows int");
  EXPECT_EQ(run("{{ humanize 18446744073709551615 }}"),
            "12: executing \"t\" at <18446744073709551615>: 18446744073709551615 overflows int");
}

// Literals as strconv.Unquote reads them: raw strings drop carriage
// returns, "\'" and '\"' are no escapes, invalid UTF-8 in "..." becomes
// U+FFFD (an escape \xff stays a byte).
TEST(TemplateExec, LiteralsAsGo) {
  EXPECT_EQ(run("{{ printf \"%q\" `a\r\nb` }}"), "\"a\\nb\"");
  EXPECT_EQ(run("{{ printf \"%q\" \"\xff\\xff\" }}"), "\"\uFFFD\\xff\"");
  EXPECT_EQ(run("{{ '\\\"' }}"), "template: t:1: invalid syntax");
  EXPECT_EQ(run("{{ \"\\'\" }}"), "template: t:1: invalid syntax");
  EXPECT_EQ(run("{{ '\\'' }}{{ \"\\\"\" }}"), "39\"");
}

// Inside maps and lists a nil prints as fmt prints it: <nil>.
TEST(TemplateExec, NilInsideAValue) {
  EXPECT_EQ(run("{{ args 1 nil }}|{{ printf \"%v\" (args nil) }}"), "map[arg0:1 arg1:<nil>]|map[arg0:<nil>]");
}

// fn.Field calls fn without arguments and takes the field of its result.
TEST(TemplateExec, FieldsOfAFunctionsResult) {
  EXPECT_EQ(run("{{ args.x }}"), "<no value>");
  EXPECT_EQ(run("{{ now.x }}"), "3: executing \"t\" at <now>: can't evaluate field x in type float64");
  EXPECT_EQ(run("{{ externalURL.x }}"), "3: executing \"t\" at <externalURL>: can't evaluate field x in type string");
}

// Prometheus 3's label names may be UTF-8: Go reads them as field names.
TEST(TemplateExec, Utf8LabelNames) {
  EXPECT_EQ(run("{{ .Labels.größe }}|{{ $x := .Labels }}{{ $x.größe }}|{{ $größe := .Labels.job }}{{ $größe }}"),
            "groß|groß|cog");
  EXPECT_EQ(expand_alert_template("__alert_T", "{{ $labels.größe }} {{ $labels.gröbe }}", data(), TemplateContext{}),
            "groß ");
  EXPECT_EQ(expand_alert_template("__alert_T", "{{ é }}", data(), TemplateContext{}),
            "<error expanding template: error parsing template __alert_T: template: __alert_T:1: function \"é\" not "
            "defined>");
  EXPECT_EQ(expand_alert_template("__alert_T", "{{ \u00a0 }}", data(), TemplateContext{}),
            "<error expanding template: error parsing template __alert_T: template: __alert_T:1: unrecognized "
            "character in action: U+00A0>");
  EXPECT_EQ(check_alert_template("__alert_T", "{{ $labels.größe }}"), std::nullopt);
}

}  // namespace
}  // namespace cogwatch::tmpl
