#include "cli/storage_flags.h"

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

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
