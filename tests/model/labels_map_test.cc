#include "model/labels_map.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

TEST(LabelsMap, FindsKeysBuiltSeparately) {
  LabelsMap<int> m;
  m.try_emplace(Labels{{"job", "cog"}, {"instance", "a"}}, 1);
  m.try_emplace(Labels{}, 2);
  // Equal content, different storage: found by the stored hash and equality.
  const Labels same = LabelsBuilder().set("instance", "a").set("job", "cog").build();
  ASSERT_NE(find_value(m, same), nullptr);
  EXPECT_EQ(*find_value(m, same), 1);
  ASSERT_NE(find_value(m, Labels{}), nullptr);
  EXPECT_EQ(*find_value(m, Labels{}), 2);
  EXPECT_EQ(find_value(m, Labels{{"job", "cog"}}), nullptr);
  // try_emplace keeps the first value for an existing key.
  auto [it, inserted] = m.try_emplace(same, 3);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(it->second, 1);
  EXPECT_EQ(m.size(), 2u);
}

TEST(LabelsMap, TellsApartSetsThatDifferOnlyInWhereNamesEnd) {
  LabelsMap<std::string> m;
  m[Labels{{"a", "bc"}}] = "a=bc";
  m[Labels{{"ab", "c"}}] = "ab=c";
  m[Labels{{"a", "b"}, {"c", "d"}}] = "a=b,c=d";
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ((m[Labels{{"a", "bc"}}]), "a=bc");
  EXPECT_EQ((m[Labels{{"ab", "c"}}]), "ab=c");
}

TEST(LabelsMap, ManyKeysAllFoundAfterGrowth) {
  LabelsMap<size_t> m;
  std::vector<Labels> keys;
  for (size_t i = 0; i < 5000; ++i) keys.push_back(Labels{{"i", std::to_string(i)}, {"j", std::to_string(i % 7)}});
  for (size_t i = 0; i < keys.size(); ++i) ASSERT_TRUE(m.try_emplace(keys[i], i).second);
  for (size_t i = 0; i < keys.size(); ++i) {
    const Labels rebuilt{{"j", std::to_string(i % 7)}, {"i", std::to_string(i)}};
    const size_t* v = find_value(m, rebuilt);
    ASSERT_NE(v, nullptr) << rebuilt.to_string();
    EXPECT_EQ(*v, i);
  }
}

TEST(LabelsSet, InsertsEachSetOnce) {
  LabelsSet s;
  EXPECT_TRUE(s.insert(Labels{{"x", "1"}}).second);
  EXPECT_FALSE(s.insert(LabelsBuilder().set("x", "1").build()).second);
  EXPECT_TRUE(s.insert(Labels{{"x", "2"}}).second);
  EXPECT_TRUE(s.contains(Labels{{"x", "2"}}));
  EXPECT_FALSE(s.contains(Labels{{"x", "3"}}));
  EXPECT_EQ(s.size(), 2u);
}

}  // namespace
}  // namespace cogwatch
