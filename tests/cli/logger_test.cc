#include "cli/logger.h"

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

TEST(LoggerTest, LogfmtQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(format_log_line(false, "2026-12-01T08:00:00.123Z", LogLevel::kWarn, "scrape", "Scrape failed",
                            {{"target", "http://cog:5000/metrics"}, {"err", "connection refused"}, {"empty", ""},
                             {"q", "say \"hi\"\n"}}),
            "ts=2026-12-01T08:00:00.123Z level=warn component=scrape msg=\"Scrape failed\" "
            "target=http://cog:5000/metrics err=\"connection refused\" empty=\"\" q=\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(format_log_line(false, "t", LogLevel::kInfo, "rules", "a=b", {}),
            "ts=t level=info component=rules msg=\"a=b\"");
}

TEST(LoggerTest, JsonIsOneObjectPerLine) {
  EXPECT_EQ(format_log_line(true, "t", LogLevel::kError, "notifier", "Notify failed", {{"err", "500 <html>"}}),
            R"({"ts":"t","level":"error","component":"notifier","msg":"Notify failed","err":"500 \u003chtml\u003e"})");
}

TEST(LoggerTest, LevelFiltersLines) {
  auto out = std::make_shared<std::string>();
  auto log = Logger::to_string_sink(out, LogLevel::kWarn, false);
  log->info("main", "hidden");
  log->debug("main", "hidden");
  log->warn("main", "shown", {{"k", "v"}});
  log->error("main", "shown too");
  EXPECT_EQ(out->find("hidden"), std::string::npos) << *out;
  EXPECT_NE(out->find("level=warn component=main msg=shown k=v\n"), std::string::npos) << *out;
  EXPECT_NE(out->find("level=error component=main msg=\"shown too\"\n"), std::string::npos) << *out;
}

TEST(LoggerTest, BadLevelOrFormatNamesTheFlag) {
  EXPECT_EQ(Logger::create({.level = "verbose"}).error().message,
            "--log.level: enum value must be one of debug,info,warn,error, got 'verbose'");
  EXPECT_EQ(Logger::create({.format = "text"}).error().message,
            "--log.format: enum value must be one of logfmt,json, got 'text'");
  EXPECT_TRUE(Logger::create({.level = "debug", .format = "json"}));
}

}  // namespace
}  // namespace cogwatch::cli
