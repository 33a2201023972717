// The template lexer against Go's own lexer tests: the tables of
// text/template/parse/lex_test.go (Go 1.25), translated. Not translated:
// the custom-delimiter tables (templates here always use {{ }}), and the
// comment items (Go emits them only in ParseComments mode, which
// Prometheus does not use: here comments are skipped, so the tables list
// no comment item). Then the rune handling Prometheus 3's UTF-8 label
// names need, which Go's lexer has by reading runes.
#include "template/internal/lex.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace cogwatch::tmpl::internal {
namespace {

using T = ItemType;

struct Expected {
  ItemType type;
  std::string val;
  uint32_t pos = 0;
  int line = 0;
};

std::vector<Item> collect(std::string_view input) {
  Lexer lexer(input);
  std::vector<Item> items;
  while (true) {
    items.push_back(lexer.next_item());
    if (items.back().type == T::kEOF || items.back().type == T::kError) break;
  }
  return items;
}

std::string show(const std::vector<Item>& items) {
  std::string s;
  for (const Item& i : items) s += "{" + std::to_string(static_cast<int>(i.type)) + " " + std::string(i.text()) + "} ";
  return s;
}

void expect_items(std::string_view name, std::string_view input, const std::vector<Expected>& want, bool check_pos) {
  const std::vector<Item> got = collect(input);
  ASSERT_EQ(got.size(), want.size()) << name << ": " << show(got);
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].type, want[k].type) << name << " item " << k << ": " << show(got);
    EXPECT_EQ(got[k].text(), want[k].val) << name << " item " << k;
    if (check_pos) {
      EXPECT_EQ(got[k].pos, want[k].pos) << name << " item " << k;
      EXPECT_EQ(got[k].line, want[k].line) << name << " item " << k;
    }
  }
}

const Expected kEOF{T::kEOF, ""};
const Expected kLeft{T::kLeftDelim, "{{"};
const Expected kRight{T::kRightDelim, "}}"};
const Expected kSpace{T::kSpace, " "};
const Expected kLpar{T::kLeftParen, "("};
const Expected kRpar{T::kRightParen, ")"};
const Expected kPipe{T::kPipe, "|"};
const Expected kDot{T::kDot, "."};

TEST(TemplateLexer, GoLexTests) {
  const std::string raw = "`abc\\n\\t\\\" `";
  const std::string raw_nl = "`now is{{\n}}the time`";
  const Expected quote{T::kString, R"("abc \n\t\" ")"};
  const std::vector<std::pair<std::string, std::pair<std::string, std::vector<Expected>>>> tests = {
      {"empty", {"", {kEOF}}},
      {"spaces", {" \t\n", {{T::kText, " \t\n"}, kEOF}}},
      {"text", {"now is the time", {{T::kText, "now is the time"}, kEOF}}},
      {"text with comment",
       {"hello-{{/* this is a comment */}}-world", {{T::kText, "hello-"}, {T::kText, "-world"}, kEOF}}},
      {"punctuation", {"{{,@% }}", {kLeft, {T::kChar, ","}, {T::kChar, "@"}, {T::kChar, "%"}, kSpace, kRight, kEOF}}},
      {"parens", {"{{((3))}}", {kLeft, kLpar, kLpar, {T::kNumber, "3"}, kRpar, kRpar, kRight, kEOF}}},
      {"empty action", {"{{}}", {kLeft, kRight, kEOF}}},
      {"for", {"{{for}}", {kLeft, {T::kIdentifier, "for"}, kRight, kEOF}}},
      {"block",
       {R"({{block "foo" .}})",
        {kLeft, {T::kBlock, "block"}, kSpace, {T::kString, R"("foo")"}, kSpace, kDot, kRight, kEOF}}},
      {"quote", {R"({{"abc \n\t\" "}})", {kLeft, quote, kRight, kEOF}}},
      {"raw quote", {"{{" + raw + "}}", {kLeft, {T::kRawString, raw}, kRight, kEOF}}},
      {"raw quote with newline", {"{{" + raw_nl + "}}", {kLeft, {T::kRawString, raw_nl}, kRight, kEOF}}},
      {"numbers",
       {"{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}",
        {kLeft,  {T::kNumber, "1"},         kSpace, {T::kNumber, "02"},
         kSpace, {T::kNumber, "0x14"},      kSpace, {T::kNumber, "0X14"},
         kSpace, {T::kNumber, "-7.2i"},     kSpace, {T::kNumber, "1e3"},
         kSpace, {T::kNumber, "1E3"},       kSpace, {T::kNumber, "+1.2e-4"},
         kSpace, {T::kNumber, "4.2i"},      kSpace, {T::kComplex, "1+2i"},
         kSpace, {T::kNumber, "1_2"},       kSpace, {T::kNumber, "0x1.e_fp4"},
         kSpace, {T::kNumber, "0X1.E_FP4"}, kRight, kEOF}}},
      {"characters",
       {R"({{'a' '\n' '\'' '\\' '\u00FF' '\xFF' '本'}})",
        {kLeft,
         {T::kCharConstant, "'a'"},
         kSpace,
         {T::kCharConstant, R"('\n')"},
         kSpace,
         {T::kCharConstant, R"('\'')"},
         kSpace,
         {T::kCharConstant, R"('\\')"},
         kSpace,
         {T::kCharConstant, R"('\u00FF')"},
         kSpace,
         {T::kCharConstant, R"('\xFF')"},
         kSpace,
         {T::kCharConstant, "'本'"},
         kRight,
         kEOF}}},
      {"bools", {"{{true false}}", {kLeft, {T::kBool, "true"}, kSpace, {T::kBool, "false"}, kRight, kEOF}}},
      {"dot", {"{{.}}", {kLeft, kDot, kRight, kEOF}}},
      {"nil", {"{{nil}}", {kLeft, {T::kNil, "nil"}, kRight, kEOF}}},
      {"dots",
       {"{{.x . .2 .x.y.z}}",
        {kLeft,
         {T::kField, ".x"},
         kSpace,
         kDot,
         kSpace,
         {T::kNumber, ".2"},
         kSpace,
         {T::kField, ".x"},
         {T::kField, ".y"},
         {T::kField, ".z"},
         kRight,
         kEOF}}},
      {"keywords",
       {"{{range if else end with}}",
        {kLeft,
         {T::kRange, "range"},
         kSpace,
         {T::kIf, "if"},
         kSpace,
         {T::kElse, "else"},
         kSpace,
         {T::kEnd, "end"},
         kSpace,
         {T::kWith, "with"},
         kRight,
         kEOF}}},
      {"variables",
       {"{{$c := printf $ $hello $23 $ $var.Field .Method}}",
        {kLeft,
         {T::kVariable, "$c"},
         kSpace,
         {T::kDeclare, ":="},
         kSpace,
         {T::kIdentifier, "printf"},
         kSpace,
         {T::kVariable, "$"},
         kSpace,
         {T::kVariable, "$hello"},
         kSpace,
         {T::kVariable, "$23"},
         kSpace,
         {T::kVariable, "$"},
         kSpace,
         {T::kVariable, "$var"},
         {T::kField, ".Field"},
         kSpace,
         {T::kField, ".Method"},
         kRight,
         kEOF}}},
      {"variable invocation", {"{{$x 23}}", {kLeft, {T::kVariable, "$x"}, kSpace, {T::kNumber, "23"}, kRight, kEOF}}},
      {"pipeline",
       {R"(intro {{echo hi 1.2 |noargs|args 1 "hi"}} outro)",
        {{T::kText, "intro "},
         kLeft,
         {T::kIdentifier, "echo"},
         kSpace,
         {T::kIdentifier, "hi"},
         kSpace,
         {T::kNumber, "1.2"},
         kSpace,
         kPipe,
         {T::kIdentifier, "noargs"},
         kPipe,
         {T::kIdentifier, "args"},
         kSpace,
         {T::kNumber, "1"},
         kSpace,
         {T::kString, R"("hi")"},
         kRight,
         {T::kText, " outro"},
         kEOF}}},
      {"declaration",
       {"{{$v := 3}}",
        {kLeft, {T::kVariable, "$v"}, kSpace, {T::kDeclare, ":="}, kSpace, {T::kNumber, "3"}, kRight, kEOF}}},
      {"2 declarations",
       {"{{$v , $w := 3}}",
        {kLeft,
         {T::kVariable, "$v"},
         kSpace,
         {T::kChar, ","},
         kSpace,
         {T::kVariable, "$w"},
         kSpace,
         {T::kDeclare, ":="},
         kSpace,
         {T::kNumber, "3"},
         kRight,
         kEOF}}},
      {"field of parenthesized expression",
       {"{{(.X).Y}}", {kLeft, kLpar, {T::kField, ".X"}, kRpar, {T::kField, ".Y"}, kRight, kEOF}}},
      {"trimming spaces before and after",
       {"hello- {{- 3 -}} -world",
        {{T::kText, "hello-"}, kLeft, {T::kNumber, "3"}, kRight, {T::kText, "-world"}, kEOF}}},
      // Not Go's: spaces before " -}}" are an item, less the marker's.
      {"trim marker after spaces",
       {"{{3   -}} x", {kLeft, {T::kNumber, "3"}, {T::kSpace, "  "}, kRight, {T::kText, "x"}, kEOF}}},
      {"trimming spaces before and after comment",
       {"hello- {{- /* hello */ -}} -world", {{T::kText, "hello-"}, {T::kText, "-world"}, kEOF}}},
      // errors
      {"badchar", {"#{{\x01}}", {{T::kText, "#"}, kLeft, {T::kError, "unrecognized character in action: U+0001"}}}},
      {"unclosed action", {"{{", {kLeft, {T::kError, "unclosed action"}}}},
      {"EOF in action", {"{{range", {kLeft, {T::kRange, "range"}, {T::kError, "unclosed action"}}}},
      {"unclosed quote", {"{{\"\n\"}}", {kLeft, {T::kError, "unterminated quoted string"}}}},
      {"unclosed raw quote", {"{{`xx}}", {kLeft, {T::kError, "unterminated raw quoted string"}}}},
      {"unclosed char constant", {"{{'\n}}", {kLeft, {T::kError, "unterminated character constant"}}}},
      {"bad number", {"{{3k}}", {kLeft, {T::kError, R"(bad number syntax: "3k")"}}}},
      {"unclosed paren", {"{{(3}}", {kLeft, kLpar, {T::kNumber, "3"}, {T::kError, "unclosed left paren"}}}},
      {"extra right paren", {"{{3)}}", {kLeft, {T::kNumber, "3"}, {T::kError, "unexpected right paren"}}}},
      // Fixed bugs in Go's lexer.
      {"long pipeline deadlock", {"{{|||||}}", {kLeft, kPipe, kPipe, kPipe, kPipe, kPipe, kRight, kEOF}}},
      {"text with bad comment", {"hello-{{/*/}}-world", {{T::kText, "hello-"}, {T::kError, "unclosed comment"}}}},
      {"text with comment close separated from delim",
       {"hello-{{/* */ }}-world", {{T::kText, "hello-"}, {T::kError, "comment ends before closing delimiter"}}}},
      {"unmatched right delimiter", {"hello-{.}}-world", {{T::kText, "hello-{.}}-world"}, kEOF}}},
  };
  for (const auto& [name, test] : tests) expect_items(name, test.first, test.second, false);
}

TEST(TemplateLexer, GoPositionTests) {
  expect_items("empty", "", {{T::kEOF, "", 0, 1}}, true);
  expect_items("punctuation", "{{,@%#}}",
               {{T::kLeftDelim, "{{", 0, 1},
                {T::kChar, ",", 2, 1},
                {T::kChar, "@", 3, 1},
                {T::kChar, "%", 4, 1},
                {T::kChar, "#", 5, 1},
                {T::kRightDelim, "}}", 6, 1},
                {T::kEOF, "", 8, 1}},
               true);
  expect_items("sample", "0123{{hello}}xyz",
               {{T::kText, "0123", 0, 1},
                {T::kLeftDelim, "{{", 4, 1},
                {T::kIdentifier, "hello", 6, 1},
                {T::kRightDelim, "}}", 11, 1},
                {T::kText, "xyz", 13, 1},
                {T::kEOF, "", 16, 1}},
               true);
  expect_items("trimafter", "{{x -}}\n{{y}}",
               {{T::kLeftDelim, "{{", 0, 1},
                {T::kIdentifier, "x", 2, 1},
                {T::kRightDelim, "}}", 5, 1},
                {T::kLeftDelim, "{{", 8, 2},
                {T::kIdentifier, "y", 10, 2},
                {T::kRightDelim, "}}", 11, 2},
                {T::kEOF, "", 13, 2}},
               true);
  expect_items("trimbefore", "{{x}}\n{{- y}}",
               {{T::kLeftDelim, "{{", 0, 1},
                {T::kIdentifier, "x", 2, 1},
                {T::kRightDelim, "}}", 3, 1},
                {T::kLeftDelim, "{{", 6, 2},
                {T::kIdentifier, "y", 10, 2},
                {T::kRightDelim, "}}", 11, 2},
                {T::kEOF, "", 13, 2}},
               true);
  // Go's table has the comment item {comment, 2, "/*\n*/", 1} first.
  expect_items("longcomment", "{{/*\n*/}}\n{{undefinedFunction \"test\"}}",
               {{T::kText, "\n", 9, 2},
                {T::kLeftDelim, "{{", 10, 3},
                {T::kIdentifier, "undefinedFunction", 12, 3},
                {T::kSpace, " ", 29, 3},
                {T::kString, "\"test\"", 30, 3},
                {T::kRightDelim, "}}", 36, 3},
                {T::kEOF, "", 38, 3}},
               true);
}

// Go reads runes: identifiers, fields and variables are made of Unicode
// letters and digits (unicode.IsLetter, unicode.IsDigit), as Prometheus
// 3's UTF-8 label names need ($labels.größe); other runes are Go's
// errors, quoted as %#U quotes them.
TEST(TemplateLexer, RunesAsGo) {
  expect_items("unicode field", "{{$labels.größe}}",
               {kLeft, {T::kVariable, "$labels"}, {T::kField, ".größe"}, kRight, kEOF}, false);
  expect_items("unicode variable and function", "{{$größe := é ٣}}",
               {kLeft,
                {T::kVariable, "$größe"},
                kSpace,
                {T::kDeclare, ":="},
                kSpace,
                {T::kIdentifier, "é"},
                kSpace,
                {T::kIdentifier, "٣"},
                kRight,
                kEOF},
               false);
  expect_items("letters of other scripts", "{{.日本 .ŉ .ǅ .ʰ .𝒳}}",
               {kLeft,
                {T::kField, ".日本"},
                kSpace,
                {T::kField, ".ŉ"},
                kSpace,
                {T::kField, ".ǅ"},
                kSpace,
                {T::kField, ".ʰ"},
                kSpace,
                {T::kField, ".𝒳"},
                kRight,
                kEOF},
               false);
  // U+00A0 is no space to Go's lexer, and not printable: no quoted rune.
  expect_items("no-break space", "{{ \u00a0 }}",
               {kLeft, kSpace, {T::kError, "unrecognized character in action: U+00A0"}}, false);
  expect_items("printable non-ASCII", "{{ € }}",
               {kLeft, kSpace, {T::kError, "unrecognized character in action: U+20AC '€'"}}, false);
  expect_items("a combining mark is no letter", "{{ .e\u0301 }}",
               {kLeft, kSpace, {T::kError, "bad character U+0301 '\u0301'"}}, false);
  expect_items("bad character in a field", "{{ .a€ }}", {kLeft, kSpace, {T::kError, "bad character U+20AC '€'"}},
               false);
  expect_items("bad character after an identifier", "{{ a§b }}",
               {kLeft, kSpace, {T::kError, "bad character U+00A7 '§'"}}, false);
  expect_items("ASCII punctuation is an item", "{{ @ }}", {kLeft, kSpace, {T::kChar, "@"}, kSpace, kRight, kEOF},
               false);
  // Invalid UTF-8 is utf8.RuneError, one byte at a time.
  expect_items("invalid UTF-8 in a field", "{{ .a\xff }}",
               {kLeft, kSpace, {T::kError, "bad character U+FFFD '\uFFFD'"}}, false);
  expect_items("invalid UTF-8 in an action", "{{ \xc3( }}",
               {kLeft, kSpace, {T::kError, "unrecognized character in action: U+FFFD '\uFFFD'"}}, false);
  expect_items("overlong encoding", "{{ .a\xc0\xae }}", {kLeft, kSpace, {T::kError, "bad character U+FFFD '\uFFFD'"}},
               false);
  expect_items("invalid UTF-8 in text and strings passes", "\xff{{\"\xfe\"}}",
               {{T::kText, "\xff"}, kLeft, {T::kString, "\"\xfe\""}, kRight, kEOF}, false);
  // Positions stay byte offsets.
  expect_items("byte positions", "é{{.ü}}",
               {{T::kText, "é", 0, 1},
                {T::kLeftDelim, "{{", 2, 1},
                {T::kField, ".ü", 4, 1},
                {T::kRightDelim, "}}", 7, 1},
                {T::kEOF, "", 9, 1}},
               true);
}

TEST(TemplateLexer, ItemsDescribeThemselvesAsGo) {
  Item keyword{T::kIf, 0, "if"};
  EXPECT_EQ(keyword.describe(), "<if>");
  Item word{T::kIdentifier, 0, "x"};
  EXPECT_EQ(word.describe(), "\"x\"");
  Item long_string{T::kString, 0, "\"0123456789abc\""};
  EXPECT_EQ(long_string.describe(), R"("\"012345678"...)");
  Item runes{T::kText, 0, "ééééééééééé\u00a0"};  // 10 runes, then quoted: U+00A0 is escaped
  EXPECT_EQ(runes.describe(), "\"éééééééééé\"...");
  Item nbsp{T::kText, 0, "a\u00a0b\xff"};
  EXPECT_EQ(nbsp.describe(), R"("a\u00a0b\xff")");
  EXPECT_EQ(Item{}.describe(), "EOF");
}

}  // namespace
}  // namespace cogwatch::tmpl::internal
