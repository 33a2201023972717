#include "model/yaml.h"

#include <gtest/gtest.h>

#include <string>

namespace cogwatch {
namespace {

// Where a load fails, as "line:col: message" (1-based).
std::string failure_of(void (*load)(std::string_view), std::string_view text) {
  try {
    load(text);
  } catch (const YAML::Exception& e) {
    return std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg;
  }
  return "no error";
}
void load_first(std::string_view text) { (void)load_yaml(text); }
void load_all(std::string_view text) { (void)load_yaml_documents(text); }

// yaml-cpp alone returns empty documents forever for these (LoadAll) or
// one empty document (Load): found by the rule-file fuzzer.
TEST(Yaml, ATokenNoDocumentCanStartWithIsAnErrorNotAHang) {
  EXPECT_EQ(failure_of(load_all, ",roups:"), "1:1: did not find expected node content");
  EXPECT_EQ(failure_of(load_first, ",roups:"), "1:1: did not find expected node content");
  EXPECT_EQ(failure_of(load_all, "a: 1\n---\n,b"), "3:1: did not find expected node content");
  // After an empty document: yaml-cpp's Load would return that document.
  EXPECT_EQ(failure_of(load_first, "---\n,a"), "2:1: did not find expected node content");
  EXPECT_EQ(failure_of(load_first, "a: 1\n---\n,b"), "3:1: did not find expected node content");
}

TEST(Yaml, ReadsDocumentsAsBefore) {
  EXPECT_EQ(load_yaml("a: 1")["a"].as<int>(), 1);
  EXPECT_TRUE(load_yaml("~").IsNull());
  EXPECT_TRUE(load_yaml("").IsNull());
  const auto docs = load_yaml_documents("a: 1\n---\n---\nb: 2\n");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0]["a"].as<int>(), 1);
  EXPECT_TRUE(docs[1].IsNull());
  EXPECT_EQ(docs[2]["b"].as<int>(), 2);
  EXPECT_TRUE(load_yaml_documents("").empty());
  // Go's yaml.Unmarshal reads the first document only: later syntax
  // errors do not matter.
  EXPECT_EQ(load_yaml("a: 1\n---\n[")["a"].as<int>(), 1);
  // Ordinary syntax errors keep yaml-cpp's place and words.
  EXPECT_EQ(failure_of(load_first, "a: [1"), failure_of(load_all, "a: [1"));
  EXPECT_NE(failure_of(load_first, "a: [1"), "no error");
}

}  // namespace
}  // namespace cogwatch
