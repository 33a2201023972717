#include "net/discovery.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace cogwatch::net {
namespace {

TEST(FileSd, JsonAndYamlTargetGroups) {
  auto json = parse_file_sd(R"([{"targets": ["10.0.0.1:5000", "10.0.0.2:5000"], "labels": {"env": "prod"}},
                                {"targets": ["10.0.0.3:5000"]}])",
                            "t.json");
  ASSERT_TRUE(json.ok()) << json.error().message;
  ASSERT_EQ(json->size(), 3u);
  EXPECT_EQ((*json)[0], (Labels{{"__address__", "10.0.0.1:5000"}, {"__meta_filepath", "t.json"}, {"env", "prod"}}));
  EXPECT_EQ((*json)[2].get("env"), "");
  auto yaml = parse_file_sd("- targets: ['h:1']\n  labels: {zone: a}\n", "t.yml");
  ASSERT_TRUE(yaml.ok());
  EXPECT_EQ((*yaml)[0].get("zone"), "a");
}

TEST(FileSd, ErrorsNameFileLineAndColumn) {
  auto r = parse_file_sd("[{\"targets\": [\"h:1\"], \"lables\": {}}]", "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "t.json:1:23: unknown field \"lables\" in target group");
  auto bad = parse_file_sd("- targets: ['http://h:1']\n", "t.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "t.yml:1:13: \"http://h:1\" is not a valid hostname");
  EXPECT_FALSE(parse_file_sd("[]", "t.txt").ok());
  EXPECT_FALSE(parse_file_sd("[{", "t.json").ok());
}

TEST(FileSd, ReadsGlobsRelativeToTheConfig) {
  const auto dir = std::filesystem::temp_directory_path() / "cogwatch_file_sd_test";
  std::filesystem::create_directories(dir / "targets");
  std::ofstream(dir / "targets" / "a.json") << R"([{"targets": ["a:1"]}])";
  std::ofstream(dir / "targets" / "b.yml") << "- targets: ['b:1']\n";
  auto r = read_file_sd({"targets/*.json", "targets/*.yml", "missing/*.json"}, dir.string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cogwatch::net
