#include "model/labels.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

TEST(Labels, SortedByNameWithLaterDuplicatesWinning) {
  Labels l{{"job", "cog"}, {"__name__", "up"}, {"instance", "a:1"}, {"job", "cog2"}};
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], (Label{"__name__", "up"}));
  EXPECT_EQ(l[1], (Label{"instance", "a:1"}));
  EXPECT_EQ(l[2], (Label{"job", "cog2"}));
  EXPECT_EQ(l.metric_name(), "up");
}

TEST(Labels, EmptyValueMeansAbsent) {
  Labels l{{"a", ""}, {"b", "1"}};
  EXPECT_EQ(l.size(), 1u);
  EXPECT_FALSE(l.has("a"));
  EXPECT_EQ(l.get("a"), "");
  EXPECT_EQ(l, (Labels{{"b", "1"}}));
  EXPECT_TRUE(Labels{}.empty());
  EXPECT_EQ(Labels{}.to_string(), "{}");
}

TEST(Labels, EqualSetsHashEqualAndDifferentOnesDont) {
  Labels a{{"x", "1"}, {"y", "2"}};
  Labels b = LabelsBuilder().set("y", "2").set("x", "1").build();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_FALSE(a.same_storage(b));
  // The separator keeps name/value boundaries apart.
  EXPECT_NE((Labels{{"a", "bc"}}).hash(), (Labels{{"ab", "c"}}).hash());
  EXPECT_NE((Labels{{"a", "bc"}}), (Labels{{"ab", "c"}}));
  EXPECT_NE(a, (Labels{{"x", "1"}}));
}

TEST(Labels, CopiesShareStorage) {
  Labels a{{"x", "1"}};
  Labels b = a;
  EXPECT_TRUE(a.same_storage(b));
  Labels c = std::move(b);
  EXPECT_TRUE(a.same_storage(c));
  EXPECT_TRUE(b.empty());  // NOLINT: moved-from is the empty set
}

TEST(Labels, CompareAsPrometheus) {
  std::vector<Labels> sets = {
      Labels{{"a", "2"}},
      Labels{{"a", "1"}, {"b", "1"}},
      Labels{{"a", "1"}},
      Labels{{"b", "0"}},
      Labels{},
  };
  std::sort(sets.begin(), sets.end());
  EXPECT_EQ(sets[0], Labels{});
  EXPECT_EQ(sets[1], (Labels{{"a", "1"}}));            // a prefix first
  EXPECT_EQ(sets[2], (Labels{{"a", "1"}, {"b", "1"}}));
  EXPECT_EQ(sets[3], (Labels{{"a", "2"}}));
  EXPECT_EQ(sets[4], (Labels{{"b", "0"}}));
}

TEST(Labels, ToStringQuotesLikeGo) {
  Labels l{{"__name__", "up"}, {"job", "a\"b\\c\nd"}, {"tab", "\t"}, {"utf8", "héllo"}};
  EXPECT_EQ(l.to_string(), R"({__name__="up", job="a\"b\\c\nd", tab="\t", utf8="héllo"})");
  Labels odd{{"service.name", "x"}};  // UTF-8 names are quoted (Prometheus 3)
  EXPECT_EQ(odd.to_string(), R"({"service.name"="x"})");
}

TEST(GoQuote, EscapesControlAndInvalidBytes) {
  EXPECT_EQ(go_quote(std::string("\x01\x7f", 2)), R"("\x01\x7f")");
  EXPECT_EQ(go_quote("\xff"), R"("\xff")");
  EXPECT_EQ(go_quote("\xc2\x80"), R"("\u0080")");
  EXPECT_EQ(go_quote("日本"), "\"日本\"");
  EXPECT_EQ(go_quote("\a\b\f\r\v"), R"("\a\b\f\r\v")");
}

TEST(LabelsBuilder, SetDeleteKeep) {
  Labels base{{"__name__", "up"}, {"job", "cog"}, {"instance", "a"}};
  LabelsBuilder b(base);
  b.set("zone", "eu").del("instance").set("job", "");
  EXPECT_EQ(b.get("zone"), "eu");
  EXPECT_EQ(b.get("job"), "");
  EXPECT_EQ(b.build(), (Labels{{"__name__", "up"}, {"zone", "eu"}}));
  b.keep_only({"zone", "missing"});
  EXPECT_EQ(b.build(), (Labels{{"zone", "eu"}}));
  // The base is untouched.
  EXPECT_EQ(base.size(), 3u);
}

TEST(LegacyNames, Validation) {
  EXPECT_TRUE(is_legacy_metric_name("cog:predict_total"));
  EXPECT_TRUE(is_legacy_metric_name("_x1"));
  EXPECT_FALSE(is_legacy_metric_name("1x"));
  EXPECT_FALSE(is_legacy_metric_name(""));
  EXPECT_FALSE(is_legacy_metric_name("a.b"));
  EXPECT_TRUE(is_legacy_label_name("le"));
  EXPECT_FALSE(is_legacy_label_name("a:b"));
}

TEST(SymbolTable, InternedLabelsShareStrings) {
  SymbolTable table;
  Labels a = intern_labels(table, Labels{{"job", "cog"}, {"instance", "a"}});
  Labels b = intern_labels(table, Labels{{"job", "cog"}, {"instance", "b"}});
  // "job" and "cog" are one allocation each for both sets.
  EXPECT_TRUE(a.name_symbol(1).same_storage(b.name_symbol(1)));
  EXPECT_TRUE(a.value_symbol(1).same_storage(b.value_symbol(1)));
  EXPECT_FALSE(a.value_symbol(0).same_storage(b.value_symbol(0)));
  EXPECT_EQ(table.size(), 5u);  // instance, job, cog, a, b
}

TEST(SymbolTable, InterningTwiceReturnsTheSameSet) {
  SymbolTable table;
  Labels a = intern_labels(table, Labels{{"job", "cog"}});
  Labels again = intern_labels(table, a);
  EXPECT_TRUE(a.same_storage(again));
}

TEST(SymbolTable, SweepFreesOnlyUnreferencedSymbols) {
  SymbolTable table;
  Symbol kept = table.intern("kept");
  { Symbol gone = table.intern("gone"); }
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.sweep(), 1u);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.intern("kept").same_storage(kept));
  EXPECT_EQ(kept.view(), "kept");
}

// Prometheus 3: a label name is any non-empty valid UTF-8 (utf8.ValidString).
TEST(LabelName, ValidIsNonEmptyUtf8AsGoDecodesIt) {
  EXPECT_TRUE(is_valid_label_name("job"));
  EXPECT_TRUE(is_valid_label_name("service.name größe"));
  EXPECT_FALSE(is_valid_label_name(""));
  EXPECT_FALSE(is_valid_label_name("a\xff"));
  EXPECT_FALSE(is_valid_label_name("\xC0\xAF"));      // overlong
  EXPECT_FALSE(is_valid_label_name("\xED\xA0\x80"));  // a surrogate
  EXPECT_TRUE(is_legacy_label_name("job_1"));
  EXPECT_FALSE(is_legacy_label_name("1job"));
}

}  // namespace
}  // namespace cogwatch
