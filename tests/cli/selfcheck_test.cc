// selfcheck refuses sizes that cannot fit in memory before it allocates.
#include "cli/selfcheck.h"

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(Selfcheck, EstimateGrowsWithSamplesAndSeries) {
  // 14 series per target, 240 samples per hour each: 12 B per sample, 2 KiB
  // per series, 16 MiB to start with.
  EXPECT_EQ(selfcheck_memory_estimate({.targets = 1, .hours = 1, .storage = {}}),
            (16u << 20) + 14 * 2048 + 14 * 240 * 12);
  EXPECT_EQ(selfcheck_memory_estimate({.targets = 100000, .hours = 720, .storage = {}}),
            (16u << 20) + 1'400'000ull * 2048 + 1'400'000ull * 172'800 * 12);
}

TEST(Selfcheck, RefusesWhatDoesNotFitAndSaysHowMuch) {
  const SelfcheckOptions huge{.targets = 100000, .hours = 720, .storage = {}};
  const Status s = check_selfcheck_fits(huge, 16 * kGiB);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(
      s.error().message,
      "--targets 100000 --hours 720 needs about 2.6 TiB of memory (1400000 series, 241920000000 samples at ~12 "
      "B each), more than the 16.0 GiB available (MemAvailable in /proc/meminfo); use fewer --targets or --hours");
  const SelfcheckOptions demo{.targets = 50, .hours = 2, .storage = {}};
  EXPECT_TRUE(check_selfcheck_fits(demo, 16 * kGiB).ok());
  // Exactly what is available fits; a byte less does not.
  EXPECT_TRUE(check_selfcheck_fits(demo, selfcheck_memory_estimate(demo)).ok());
  EXPECT_FALSE(check_selfcheck_fits(demo, selfcheck_memory_estimate(demo) - 1).ok());
  EXPECT_TRUE(check_selfcheck_fits(huge, std::nullopt).ok());  // unknown: not refused
}

TEST(Selfcheck, AvailableMemoryIsRead) {
  const auto available = available_memory();
  ASSERT_TRUE(available.has_value());  // Linux
  EXPECT_GT(*available, 0u);
}

}  // namespace
}  // namespace cogwatch::cli
