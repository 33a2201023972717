#include "cli/storage_flags.h"

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

TEST(ParseByteSize, PrometheusUnitsArePowersOf1024) {
  EXPECT_EQ(*parse_byte_size("0"), 0u);
  EXPECT_EQ(*parse_byte_size("100B"), 100u);
  EXPECT_EQ(*parse_byte_size("1KB"), 1024u);
  EXPECT_EQ(*parse_byte_size("512MB"), 512ull << 20);
  EXPECT_EQ(*parse_byte_size("2GB"), 2ull << 30);
  EXPECT_EQ(*parse_byte_size("1EB"), 1ull << 60);
}

TEST(ParseByteSize, RejectsWithTheText) {
  for (const char* text : {"", "MB", "12", "12mb", "1.5GB", "-1GB", "16EB", "99999999999999999999B"}) {
    auto r = parse_byte_size(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos) << r.error().message;
  }
}

TEST(StorageFlags, DefaultsAreTheDefaultsOfPrometheus) {
  StorageFlags flags;
  auto opts = flags.head_options();
  ASSERT_TRUE(opts.ok());
  EXPECT_EQ(opts->retention_time, 15 * kDay);
  EXPECT_EQ(opts->retention_bytes, 0u);
}

TEST(StorageFlags, ParsedFromTheCommandLine) {
  CLI::App app;
  StorageFlags flags;
  flags.add_to(app);
  app.parse("--storage.tsdb.retention.time=2h --storage.tsdb.retention.size=1GB", false);
  auto opts = flags.head_options();
  ASSERT_TRUE(opts.ok());
  EXPECT_EQ(opts->retention_time, 2 * kHour);
  EXPECT_EQ(opts->retention_bytes, 1ull << 30);
}

TEST(StorageFlags, ErrorsNameTheFlag) {
  StorageFlags flags;
  flags.retention_time = "2 hours";
  auto opts = flags.head_options();
  ASSERT_FALSE(opts.ok());
  EXPECT_NE(opts.error().message.find("--storage.tsdb.retention.time"), std::string::npos);
  EXPECT_NE(opts.error().message.find("\"2 hours\""), std::string::npos);
}

}  // namespace
}  // namespace cogwatch::cli
