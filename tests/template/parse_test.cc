// The template parser against Go's own parser tests: the tables of
// text/template/parse/parse_test.go (Go 1.25), translated. A parse tree is
// compared as Go's String() prints it (text quoted, as Go's tests set
// textFormat to %q). Not translated: ParseComments mode and SkipFuncCheck
// (Prometheus uses neither), functions named break/continue (none is
// defined here), node line numbers (nodes keep byte positions, which the
// executor's errors check). Go's "contains" builtin of those tests is not
// a template function here, and no case needs it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "template/internal/ast.h"
#include "template/internal/strconv.h"
#include "template/template.h"

namespace cogwatch::tmpl::internal {
namespace {

struct NumberTest {
  std::string text;
  bool is_int, is_uint, is_float, is_complex;
  int64_t int_value;
  uint64_t uint_value;
  double float_value;
  double real, imag;
};

// What Go's TestNumberParse passes to newNumber: a character constant when
// quoted, complex when fmt.Sscan reads it as one (a signed imaginary part
// after a real one), a number otherwise.
NumberSyntax syntax_of(const std::string& text) {
  if (text[0] == '\'') return NumberSyntax::kCharConstant;
  const size_t sign = text.find_first_of("+-", 1);
  if (sign != std::string::npos && text.back() == 'i' && text[sign - 1] != 'e') return NumberSyntax::kComplex;
  return NumberSyntax::kNumber;
}

TEST(TemplateParser, GoNumberTests) {
  const std::vector<NumberTest> tests = {
      {"0", true, true, true, false, 0, 0, 0, 0, 0},
      {"-0", true, true, true, false, 0, 0, 0, 0, 0},  // -0 is a uint
      {"73", true, true, true, false, 73, 73, 73, 0, 0},
      {"7_3", true, true, true, false, 73, 73, 73, 0, 0},
      {"0b10_010_01", true, true, true, false, 73, 73, 73, 0, 0},
      {"0B10_010_01", true, true, true, false, 73, 73, 73, 0, 0},
      {"073", true, true, true, false, 073, 073, 073, 0, 0},
      {"0o73", true, true, true, false, 073, 073, 073, 0, 0},
      {"0O73", true, true, true, false, 073, 073, 073, 0, 0},
      {"0x73", true, true, true, false, 0x73, 0x73, 0x73, 0, 0},
      {"0X73", true, true, true, false, 0x73, 0x73, 0x73, 0, 0},
      {"0x7_3", true, true, true, false, 0x73, 0x73, 0x73, 0, 0},
      {"-73", true, false, true, false, -73, 0, -73, 0, 0},
      {"+73", true, false, true, false, 73, 0, 73, 0, 0},
      {"100", true, true, true, false, 100, 100, 100, 0, 0},
      {"1e9", true, true, true, false, 1000000000, 1000000000, 1e9, 0, 0},
      {"-1e9", true, false, true, false, -1000000000, 0, -1e9, 0, 0},
      {"-1.2", false, false, true, false, 0, 0, -1.2, 0, 0},
      {"1e19", false, true, true, false, 0, 10000000000000000000u, 1e19, 0, 0},
      {"1e1_9", false, true, true, false, 0, 10000000000000000000u, 1e19, 0, 0},
      {"1E19", false, true, true, false, 0, 10000000000000000000u, 1e19, 0, 0},
      {"-1e19", false, false, true, false, 0, 0, -1e19, 0, 0},
      {"0x_1p4", true, true, true, false, 16, 16, 16, 0, 0},
      {"0X_1P4", true, true, true, false, 16, 16, 16, 0, 0},
      {"0x_1p-4", false, false, true, false, 0, 0, 1 / 16., 0, 0},
      {"4i", false, false, false, true, 0, 0, 0, 0, 4},
      {"-1.2+4.2i", false, false, false, true, 0, 0, 0, -1.2, 4.2},
      {"073i", false, false, false, true, 0, 0, 0, 0, 73},  // not octal!
      // complex with 0 imaginary are float (and maybe integer)
      {"0i", true, true, true, true, 0, 0, 0, 0, 0},
      {"-1.2+0i", false, false, true, true, 0, 0, -1.2, -1.2, 0},
      {"-12+0i", true, false, true, true, -12, 0, -12, -12, 0},
      {"13+0i", true, true, true, true, 13, 13, 13, 13, 0},
      // funny bases
      {"0123", true, true, true, false, 0123, 0123, 0123, 0, 0},
      {"-0x0", true, true, true, false, 0, 0, 0, 0, 0},
      {"0xdeadbeef", true, true, true, false, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0, 0},
      // character constants
      {"'a'", true, true, true, false, 'a', 'a', 'a', 0, 0},
      {R"('\n')", true, true, true, false, '\n', '\n', '\n', 0, 0},
      {R"('\\')", true, true, true, false, '\\', '\\', '\\', 0, 0},
      {R"('\'')", true, true, true, false, '\'', '\'', '\'', 0, 0},
      {R"('\xFF')", true, true, true, false, 0xFF, 0xFF, 0xFF, 0, 0},
      {"'パ'", true, true, true, false, 0x30d1, 0x30d1, 0x30d1, 0, 0},
      {R"('\u30d1')", true, true, true, false, 0x30d1, 0x30d1, 0x30d1, 0, 0},
      {R"('\U000030d1')", true, true, true, false, 0x30d1, 0x30d1, 0x30d1, 0, 0},
      // Issue 8622 - 0xe parsed as floating point.
      {"0xef", true, true, true, false, 0xef, 0xef, 0xef, 0, 0},
  };
  for (const NumberTest& t : tests) {
    auto n = parse_number(t.text, syntax_of(t.text));
    ASSERT_TRUE(n.ok()) << t.text << ": " << n.error().message;
    EXPECT_EQ(n->is_complex, t.is_complex) << t.text;
    EXPECT_EQ(n->is_int, t.is_int) << t.text;
    if (t.is_int) {
      EXPECT_EQ(n->int_value, t.int_value) << t.text;
    }
    EXPECT_EQ(n->is_uint, t.is_uint) << t.text;
    if (t.is_uint) {
      EXPECT_EQ(n->uint_value, t.uint_value) << t.text;
    }
    EXPECT_EQ(n->is_float, t.is_float) << t.text;
    if (t.is_float) {
      EXPECT_EQ(n->float_value, t.float_value) << t.text;
    }
    if (t.is_complex) {
      EXPECT_EQ(n->real, t.real) << t.text;
      EXPECT_EQ(n->imag, t.imag) << t.text;
    }
  }
  // Broken syntax.
  for (const std::string text :
       {"+-2", "0x123.", "1e.", "0xi.", "1+2.", "'x", "'xx'", "'433937734937734969526500969526500'"}) {
    EXPECT_FALSE(parse_number(text, syntax_of(text)).ok()) << text;
  }
  // Go's words for them.
  EXPECT_EQ(parse_number("'xx'", NumberSyntax::kCharConstant).error().message, "malformed character constant: 'xx'");
  EXPECT_EQ(parse_number(R"('\q')", NumberSyntax::kCharConstant).error().message, "invalid syntax");
  EXPECT_EQ(parse_number("99999999999999999999", NumberSyntax::kNumber).error().message,
            R"(integer overflow: "99999999999999999999")");
  EXPECT_EQ(parse_number("0x", NumberSyntax::kNumber).error().message, R"(illegal number syntax: "0x")");
  EXPECT_EQ(parse_number("1e400", NumberSyntax::kNumber).error().message, R"(illegal number syntax: "1e400")");
  EXPECT_EQ(parse_number("1__0", NumberSyntax::kNumber).error().message, R"(illegal number syntax: "1__0")");
}

// Go's parse of text: the tree as Go prints it, or the error.
std::string parse(const std::string& name, const std::string& text) {
  auto set = parse_templates(name, text);
  if (!set) return "error: " + set.error().message;
  return tree_string(*set->at(name), true);
}

struct ParseTest {
  std::string name, input;
  bool ok;
  std::string result;
};

TEST(TemplateParser, GoParseTests) {
  const std::vector<ParseTest> tests = {
      {"empty", "", true, ""},
      {"comment", "{{/*\n\n\n*/}}", true, ""},
      {"spaces", " \t\n", true, R"(" \t\n")"},
      {"text", "some text", true, R"("some text")"},
      {"emptyAction", "{{}}", false, ""},
      {"field", "{{.X}}", true, "{{.X}}"},
      {"simple command", "{{printf}}", true, "{{printf}}"},
      {"$ invocation", "{{$}}", true, "{{$}}"},
      {"variable invocation", "{{with $x := 3}}{{$x 23}}{{end}}", true, "{{with $x := 3}}{{$x 23}}{{end}}"},
      {"variable with fields", "{{$.I}}", true, "{{$.I}}"},
      {"multi-word command", "{{printf `%d` 23}}", true, "{{printf `%d` 23}}"},
      {"pipeline", "{{.X|.Y}}", true, "{{.X | .Y}}"},
      {"pipeline with decl", "{{$x := .X|.Y}}", true, "{{$x := .X | .Y}}"},
      {"nested pipeline", "{{.X (.Y .Z) (.A | .B .C) (.E)}}", true, "{{.X (.Y .Z) (.A | .B .C) (.E)}}"},
      {"field applied to parentheses", "{{(.Y .Z).Field}}", true, "{{(.Y .Z).Field}}"},
      {"simple if", "{{if .X}}hello{{end}}", true, R"({{if .X}}"hello"{{end}})"},
      {"if with else", "{{if .X}}true{{else}}false{{end}}", true, R"({{if .X}}"true"{{else}}"false"{{end}})"},
      {"if with else if", "{{if .X}}true{{else if .Y}}false{{end}}", true,
       R"({{if .X}}"true"{{else}}{{if .Y}}"false"{{end}}{{end}})"},
      {"if else chain", "+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+", true,
       R"("+"{{if .X}}"X"{{else}}{{if .Y}}"Y"{{else}}{{if .Z}}"Z"{{end}}{{end}}{{end}}"+")"},
      {"simple range", "{{range .X}}hello{{end}}", true, R"({{range .X}}"hello"{{end}})"},
      {"chained field range", "{{range .X.Y.Z}}hello{{end}}", true, R"({{range .X.Y.Z}}"hello"{{end}})"},
      {"nested range", "{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}", true,
       R"({{range .X}}"hello"{{range .Y}}"goodbye"{{end}}{{end}})"},
      {"range with else", "{{range .X}}true{{else}}false{{end}}", true, R"({{range .X}}"true"{{else}}"false"{{end}})"},
      {"range over pipeline", "{{range .X|.M}}true{{else}}false{{end}}", true,
       R"({{range .X | .M}}"true"{{else}}"false"{{end}})"},
      {"range []int", "{{range .SI}}{{.}}{{end}}", true, "{{range .SI}}{{.}}{{end}}"},
      {"range 1 var", "{{range $x := .SI}}{{.}}{{end}}", true, "{{range $x := .SI}}{{.}}{{end}}"},
      {"range 2 vars", "{{range $x, $y := .SI}}{{.}}{{end}}", true, "{{range $x, $y := .SI}}{{.}}{{end}}"},
      {"range with break", "{{range .SI}}{{.}}{{break}}{{end}}", true, "{{range .SI}}{{.}}{{break}}{{end}}"},
      {"range with continue", "{{range .SI}}{{.}}{{continue}}{{end}}", true, "{{range .SI}}{{.}}{{continue}}{{end}}"},
      {"constants", "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}", true,
       "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}"},
      {"template", "{{template `x`}}", true, R"({{template "x"}})"},
      {"template with arg", "{{template `x` .Y}}", true, R"({{template "x" .Y}})"},
      {"with", "{{with .X}}hello{{end}}", true, R"({{with .X}}"hello"{{end}})"},
      {"with with else", "{{with .X}}hello{{else}}goodbye{{end}}", true,
       R"({{with .X}}"hello"{{else}}"goodbye"{{end}})"},
      {"with with else with", "{{with .X}}hello{{else with .Y}}goodbye{{end}}", true,
       R"({{with .X}}"hello"{{else}}{{with .Y}}"goodbye"{{end}}{{end}})"},
      {"with else chain", "{{with .X}}X{{else with .Y}}Y{{else with .Z}}Z{{end}}", true,
       R"({{with .X}}"X"{{else}}{{with .Y}}"Y"{{else}}{{with .Z}}"Z"{{end}}{{end}}{{end}})"},
      // Trimming spaces.
      {"trim left", "x \r\n\t{{- 3}}", true, R"("x"{{3}})"},
      {"trim right", "{{3 -}}\n\n\ty", true, R"({{3}}"y")"},
      {"trim left and right", "x \r\n\t{{- 3 -}}\n\n\ty", true, R"("x"{{3}}"y")"},
      {"trim with extra spaces", "x\n{{-  3   -}}\ny", true, R"("x"{{3}}"y")"},
      {"comment trim left", "x \r\n\t{{- /* hi */}}", true, R"("x")"},
      {"comment trim right", "{{/* hi */ -}}\n\n\ty", true, R"("y")"},
      {"comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", true, R"("x""y")"},
      {"block definition", R"({{block "foo" .}}hello{{end}})", true, R"({{template "foo" .}})"},
      {"newline in assignment", "{{ $x \n := \n 1 \n }}", true, "{{$x := 1}}"},
      {"newline in empty action", "{{\n}}", false, ""},
      {"newline in pipeline", "{{\n\"x\"\n|\nprintf\n}}", true, R"({{"x" | printf}})"},
      {"newline in comment", "{{/*\nhello\n*/}}", true, ""},
      {"newline in comment", "{{-\n/*\nhello\n*/\n-}}", true, ""},
      {"spaces around continue", "{{range .SI}}{{.}}{{ continue }}{{end}}", true,
       "{{range .SI}}{{.}}{{continue}}{{end}}"},
      {"spaces around break", "{{range .SI}}{{.}}{{ break }}{{end}}", true, "{{range .SI}}{{.}}{{break}}{{end}}"},
      // Errors.
      {"unclosed action", "hello{{range", false, ""},
      {"unmatched end", "{{end}}", false, ""},
      {"unmatched else", "{{else}}", false, ""},
      {"unmatched else after if", "{{if .X}}hello{{end}}{{else}}", false, ""},
      {"multiple else", "{{if .X}}1{{else}}2{{else}}3{{end}}", false, ""},
      {"missing end", "hello{{range .x}}", false, ""},
      {"missing end after else", "hello{{range .x}}{{else}}", false, ""},
      {"undefined function", "hello{{undefined}}", false, ""},
      {"undefined variable", "{{$x}}", false, ""},
      {"variable undefined after end", "{{with $x := 4}}{{end}}{{$x}}", false, ""},
      {"variable undefined in template", "{{template $v}}", false, ""},
      {"declare with field", "{{with $x.Y := 4}}{{end}}", false, ""},
      {"template with field ref", "{{template .X}}", false, ""},
      {"template with var", "{{template $v}}", false, ""},
      {"invalid punctuation", "{{printf 3, 4}}", false, ""},
      {"multidecl outside range", "{{with $v, $u := 3}}{{end}}", false, ""},
      {"too many decls in range", "{{range $u, $v, $w := 3}}{{end}}", false, ""},
      {"dot applied to parentheses", "{{printf (printf .).}}", false, ""},
      {"adjacent args", "{{printf 3`x`}}", false, ""},
      {"adjacent args with .", "{{printf `x`.}}", false, ""},
      {"extra end after if", "{{if .X}}a{{else if .Y}}b{{end}}{{end}}", false, ""},
      {"break outside range", "{{range .}}{{end}} {{break}}", false, ""},
      {"continue outside range", "{{range .}}{{end}} {{continue}}", false, ""},
      {"break in range else", "{{range .}}{{else}}{{break}}{{end}}", false, ""},
      {"continue in range else", "{{range .}}{{else}}{{continue}}{{end}}", false, ""},
      // Other kinds of assignments and operators aren't available yet.
      {"bug0a", "{{$x := 0}}{{$x}}", true, "{{$x := 0}}{{$x}}"},
      {"bug0b", "{{$x += 1}}{{$x}}", false, ""},
      {"bug0c", "{{$x ! 2}}{{$x}}", false, ""},
      {"bug0d", "{{$x % 3}}{{$x}}", false, ""},
      // Check the parse fails for := rather than comma.
      {"bug0e", "{{range $x := $y := 3}}{{end}}", false, ""},
      // Another bug: variable read must ignore following punctuation.
      {"bug1a", "{{$x:=.}}{{$x!2}}", false, ""},
      {"bug1b", "{{$x:=.}}{{$x+2}}", false, ""},
      {"bug1c", "{{$x:=.}}{{$x +2}}", true, "{{$x := .}}{{$x +2}}"},
      // Check the range handles assignment vs. declaration properly.
      {"bug2a", "{{range $x := 0}}{{$x}}{{end}}", true, "{{range $x := 0}}{{$x}}{{end}}"},
      {"bug2b", "{{range $x = 0}}{{$x}}{{end}}", true, "{{range $x = 0}}{{$x}}{{end}}"},
      // dot following a literal value
      {"dot after integer", "{{1.E}}", false, ""},
      {"dot after float", "{{0.1.E}}", false, ""},
      {"dot after boolean", "{{true.E}}", false, ""},
      {"dot after char", "{{'a'.any}}", false, ""},
      {"dot after string", R"({{"hello".guys}})", false, ""},
      {"dot after dot", "{{..E}}", false, ""},
      {"dot after nil", "{{nil.E}}", false, ""},
      // Wrong pipeline
      {"wrong pipeline dot", "{{12|.}}", false, ""},
      {"wrong pipeline number", "{{.|12|printf}}", false, ""},
      {"wrong pipeline string", "{{.|printf|\"error\"}}", false, ""},
      {"wrong pipeline char", "{{12|printf|'e'}}", false, ""},
      {"wrong pipeline boolean", "{{.|true}}", false, ""},
      {"wrong pipeline nil", "{{'c'|nil}}", false, ""},
      {"empty pipeline", R"({{printf "%d" ( ) }})", false, ""},
      // Missing pipeline in block
      {"block definition", R"({{block "foo"}}hello{{end}})", false, ""},
      // Expression nesting (Go's limit is 10000; its test lowers it to 3).
      {"paren nesting normal", "{{ (( 1 )) }}", true, "{{((1))}}"},
      {"paren nesting in pipeline", "{{ ((( 1 ))) | printf }}", true, "{{(((1))) | printf}}"},
      {"paren nesting with other constructs", "{{ if ((( true ))) }}YES{{ end }}", true,
       R"({{if (((true)))}}"YES"{{end}})"},
  };
  for (const ParseTest& t : tests) {
    const std::string got = parse(t.name, t.input);
    if (t.ok) {
      EXPECT_EQ(got, t.result) << t.name << ": " << t.input;
    } else {
      EXPECT_TRUE(got.starts_with("error: template: " + t.name + ":")) << t.name << ": " << t.input << " -> " << got;
    }
  }
  // An assignment declares too (the executor then finds no variable).
  EXPECT_EQ(parse("t", "{{$x = 1}}{{$x}}"), "{{$x = 1}}{{$x}}");
}

// Go allows 10000 nested parentheses (and any nesting of controls, as its
// stack grows to 1 GB); C++ stacks are smaller, so both stop at 1000 here.
TEST(TemplateParser, NestingIsBounded) {
  const auto parens = [](int depth) {
    return "{{ " + std::string(static_cast<size_t>(depth), '(') + "1" + std::string(static_cast<size_t>(depth), ')') +
           " }}";
  };
  EXPECT_EQ(parse("t", parens(1000)).substr(0, 8), "{{((((((");
  EXPECT_EQ(parse("t", parens(1001)), "error: template: t:1: max expression depth exceeded");
  const auto ifs = [](int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "{{if 1}}";
    s += "x";
    for (int i = 0; i < depth; ++i) s += "{{end}}";
    return s;
  };
  EXPECT_EQ(parse("t", ifs(1000)).substr(0, 14), "{{if 1}}{{if 1");
  EXPECT_EQ(parse("t", ifs(1001)), "error: template: t:1: max nesting depth exceeded");
  // Each {{else if}} nests one more if.
  std::string chain = "{{if 0}}";
  for (int i = 0; i < 1000; ++i) chain += "{{else if 0}}";
  EXPECT_EQ(parse("t", chain + "{{end}}"), "error: template: t:1: max nesting depth exceeded");
}

TEST(TemplateParser, GoErrorTests) {
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> tests = {
      // Line numbers.
      {"unclosed1", {"line1\n{{", "unclosed1:2: unclosed action"}},
      {"unclosed2", {"line1\n{{define `x`}}line2\n{{", "unclosed2:3: unclosed action"}},
      {"unclosed3", {"line1\n{{\"x\"\n\"y\"\n", "unclosed3:4: unclosed action started at unclosed3:2"}},
      {"unclosed4", {"{{\n\n\n\n\n", "unclosed4:6: unclosed action started at unclosed4:1"}},
      {"var1", {"line1\n{{\nx\n}}", "var1:3: function \"x\" not defined"}},
      // Specific errors.
      {"function", {"{{foo}}", "function \"foo\" not defined"}},
      {"comment1", {"{{/*}}", "comment1:1: unclosed comment"}},
      {"comment2", {"{{/*\nhello\n}}", "comment2:1: unclosed comment"}},
      {"lparen", {"{{.X (1 2 3}}", "unclosed left paren"}},
      {"rparen", {"{{.X 1 2 3 ) }}", "unexpected right paren"}},
      {"rparen2", {"{{(.X 1 2 3", "unclosed action"}},
      {"space", {"{{`x`3}}", "in operand"}},
      {"idchar", {"{{a#}}", "'#'"}},
      {"charconst", {"{{'a}}", "unterminated character constant"}},
      {"stringconst", {"{{\"a}}", "unterminated quoted string"}},
      {"rawstringconst", {"{{`a}}", "unterminated raw quoted string"}},
      {"number", {"{{0xi}}", "number syntax"}},
      {"multidefine", {"{{define `a`}}a{{end}}{{define `a`}}b{{end}}", "multiple definition of template"}},
      {"eof", {"{{range .X}}", "unexpected EOF"}},
      {"variable", {"{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", "unexpected \":=\""}},
      {"multidecl", {"{{$a,$b,$c := 23}}", "too many declarations"}},
      {"undefvar", {"{{$a}}", "undefined variable"}},
      {"wrongdot", {"{{true.any}}", "unexpected . after term"}},
      {"wrongpipeline", {"{{12|false}}", "non executable command in pipeline"}},
      {"emptypipeline", {"{{ ( ) }}", "missing value for parenthesized pipeline"}},
      {"multilinerawstring", {"{{ $v := `\n` }} {{", "multilinerawstring:2: unclosed action"}},
      {"rangeundefvar", {"{{range $k}}{{end}}", "undefined variable"}},
      {"rangeundefvars", {"{{range $k, $v}}{{end}}", "undefined variable"}},
      {"rangemissingvalue1", {"{{range $k,}}{{end}}", "missing value for range"}},
      {"rangemissingvalue2", {"{{range $k, $v := }}{{end}}", "missing value for range"}},
      {"rangenotvariable1", {"{{range $k, .}}{{end}}", "range can only initialize variables"}},
      {"rangenotvariable2", {"{{range $k, 123 := .}}{{end}}", "range can only initialize variables"}},
  };
  for (const auto& [name, test] : tests) {
    const std::string got = parse(name, test.first);
    EXPECT_NE(got.find(test.second), std::string::npos) << name << ": " << got;
  }
}

// The whole messages of some of them: Go's words, its quoting of items
// (%q, cut to 10 runes), and the line of the token last read.
TEST(TemplateParser, ErrorMessagesAreGos) {
  EXPECT_EQ(parse("t", "{{`x`3}}"), "error: template: t:1: unexpected \"3\" in operand");
  EXPECT_EQ(parse("t", "{{a#}}"), "error: template: t:1: bad character U+0023 '#'");
  EXPECT_EQ(parse("t", "{{printf 3, 4}}"), "error: template: t:1: unexpected \",\" in operand");
  EXPECT_EQ(parse("t", "{{printf \"0123456789abc\"x}}"), "error: template: t:1: unexpected \"x\" in operand");
  EXPECT_EQ(parse("t", "{{printf `a` \"0123456789abc\"`x`}}"), "error: template: t:1: unexpected \"`x`\" in operand");
  EXPECT_EQ(parse("t", "{{1 \"0123456789abc\" | (printf)\"0123456789abc\"}}"),
            "error: template: t:1: unexpected \"\\\"012345678\"... in operand");
  EXPECT_EQ(parse("t", "{{if}}{{end}}"), "error: template: t:1: missing value for if");
  EXPECT_EQ(parse("t", "{{else}}"), "error: template: t:1: unexpected {{else}}");
  EXPECT_EQ(parse("t", "{{end}}"), "error: template: t:1: unexpected {{end}}");
  EXPECT_EQ(parse("t", "{{if 1}}{{else}}{{else}}{{end}}"), "error: template: t:1: expected end; found {{else}}");
  EXPECT_EQ(parse("t", "{{block \"b\" 1}}{{else}}{{end}}"),
            "error: template: t:1: unexpected {{else}} in block clause");
  EXPECT_EQ(parse("t", "{{define \"d\"}}{{else}}{{end}}"),
            "error: template: t:1: unexpected {{else}} in define clause");
  EXPECT_EQ(parse("t", "{{template 1}}"), "error: template: t:1: unexpected \"1\" in template clause");
  EXPECT_EQ(parse("t", "{{define 1}}"), "error: template: t:1: unexpected \"1\" in define clause");
  EXPECT_EQ(parse("t", "{{range 1}}{{else if 2}}{{end}}"), "error: template: t:1: unexpected <if> in input");
  EXPECT_EQ(parse("t", "{{if 1}}{{if 2}}"), "error: template: t:1: unexpected EOF");
  EXPECT_EQ(parse("t", "{{1|printf|2}}"), "error: template: t:1: non executable command in pipeline stage 3");
  EXPECT_EQ(parse("t", "{{\"a\\qb\"}}"), "error: template: t:1: invalid syntax");
  EXPECT_EQ(parse("t", "{{break}}"), "error: template: t:1: {{break}} outside {{range}}");
  EXPECT_EQ(parse("t", "{{range .}}{{break 1}}{{end}}"), "error: template: t:1: unexpected \"1\" in {{break}}");
  EXPECT_EQ(parse("t", "{{\"\\xff\" | printf}}x{{089}}"), "error: template: t:1: integer overflow: \"089\"");
  // A lexer error names the line the action began on when it ends on another.
  EXPECT_EQ(parse("t", "{{if\n1\n@}}"), "error: template: t:3: unexpected \"@\" in operand");
  EXPECT_EQ(parse("t", "{{if\n1 .a€}}"), "error: template: t:2: bad character U+20AC '€' in action started at t:1");
  EXPECT_EQ(parse("t", "{{if\n1 (2}}"), "error: template: t:2: unclosed left paren in action started at t:1");
  EXPECT_EQ(parse("t", "{{if\n1"), "error: template: t:2: unclosed action started at t:1");
}

// Prometheus 3 label names may be UTF-8; Go's lexer reads runes.
TEST(TemplateParser, RunesAsGo) {
  EXPECT_EQ(parse("t", "{{ $labels := . }}{{ $labels.größe }}{{ $größe := 1 }}{{ $größe }}"),
            "{{$labels := .}}{{$labels.größe}}{{$größe := 1}}{{$größe}}");
  EXPECT_EQ(parse("t", "{{ é }}"), "error: template: t:1: function \"é\" not defined");
  EXPECT_EQ(parse("t", "{{ \u00a0 }}"), "error: template: t:1: unrecognized character in action: U+00A0");
  // ASCII punctuation is an item the parser rejects where it stands: in
  // place of a command (parse.go's pipeline), or after an operand (command).
  EXPECT_EQ(parse("t", "{{ @ }}"), "error: template: t:1: unexpected \"@\" in command");
  EXPECT_EQ(parse("t", "{{ printf \"%v\" @ }}"), "error: template: t:1: unexpected \"@\" in operand");
  EXPECT_EQ(parse("t", "{{ 1 | @ }}"), "error: template: t:1: unexpected \"@\" in command");
  EXPECT_EQ(parse("t", "{{ (@) }}"), "error: template: t:1: unexpected \"@\" in parenthesized pipeline");
  EXPECT_EQ(parse("t", "{{ .x\xff }}"), "error: template: t:1: bad character U+FFFD '\uFFFD'");
  EXPECT_EQ(parse("t", "{{ \"\\u00a0\" | printf \"%q\" }}"), R"({{"\u00a0" | printf "%q"}})");
}

// parse.IsEmptyTree decides whether a {{define}} may replace a template
// (Go's isEmptyTests: an empty template is replaced, a non-empty one is a
// multiple definition). Space is unicode.IsSpace's, U+00A0 included.
TEST(TemplateParser, GoIsEmptyTests) {
  const std::vector<std::pair<std::string, bool>> tests = {
      {"", true},
      {"hello", false},
      {" \t\n \t\n", true},
      {"{{/* comment */}}", true},
      {"{{define `x`}}something{{end}}", true},
      {"{{define `x`}}something{{end}}\n\n{{define `y`}}something{{end}}\n\n", true},
      {"{{define `x`}}something{{end}}\nx\n{{define `y`}}something{{end}}\ny\n", false},
      {"{{define `x`}}something{{end}}{{if 3}}foo{{end}}", false},
      {"\u00a0\u2003\u3000", true},
      {"\u200b", false},  // a zero-width space is not White_Space
  };
  for (const auto& [input, empty] : tests) {
    auto set = parse_templates("root", input + "{{define `root`}}X{{end}}");
    if (empty) {
      ASSERT_TRUE(set.ok()) << input << ": " << set.error().message;
      EXPECT_EQ(tree_string(*set->at("root"), false), "X") << input;
    } else {
      ASSERT_FALSE(set.ok()) << input;
      EXPECT_NE(set.error().message.find(": template: multiple definition of template \"root\""), std::string::npos);
    }
  }
}

TEST(TemplateParser, GoBlockTest) {
  auto set = parse_templates("outer", R"(a{{block "inner" .}}bar{{.}}baz{{end}}b)");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(tree_string(*set->at("outer"), false), R"(a{{template "inner" .}}b)");
  EXPECT_EQ(tree_string(*set->at("inner"), false), "bar{{.}}baz");
}

TEST(TemplateParser, KeywordsAreNotFunctions) {
  // Go's TestKeywordsAndFuncs without a "break" function: a parse error.
  EXPECT_FALSE(parse_templates("", "{{range .X}}{{break 20}}{{end}}").ok());
}

}  // namespace
}  // namespace cogwatch::tmpl::internal
