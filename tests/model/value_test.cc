#include "model/value.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

TEST(StaleNaN, OnlyTheExactBitPatternIsStale) {
  EXPECT_TRUE(std::isnan(stale_nan()));
  EXPECT_EQ(std::bit_cast<uint64_t>(stale_nan()), 0x7ff0000000000002ULL);
  EXPECT_TRUE(is_stale_nan(stale_nan()));
  EXPECT_FALSE(is_stale_nan(normal_nan()));
  EXPECT_FALSE(is_stale_nan(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(is_stale_nan(0.0));
  EXPECT_FALSE(is_stale_nan(std::numeric_limits<double>::infinity()));
}

struct FloatCase {
  double v;
  const char* go_g;  // strconv.FormatFloat(v, 'g', -1, 64)
  const char* go_f;  // strconv.FormatFloat(v, 'f', -1, 64)
};

// Expected strings are what Go prints for these values.
const FloatCase kFloatCases[] = {
    {0, "0", "0"},
    {-0.0, "-0", "-0"},
    {1, "1", "1"},
    {-1, "-1", "-1"},
    {0.1, "0.1", "0.1"},
    {1.5, "1.5", "1.5"},
    {123456, "123456", "123456"},
    {999999, "999999", "999999"},
    {1e6, "1e+06", "1000000"},
    {1234567, "1.234567e+06", "1234567"},
    {1e21, "1e+21", "1000000000000000000000"},
    {1e100, "1e+100", nullptr},  // plain form checked below
    {0.0001, "0.0001", "0.0001"},
    {0.00001, "1e-05", "0.00001"},
    {1.5e-5, "1.5e-05", "0.000015"},
    {0.000123, "0.000123", "0.000123"},
    {1.0 / 3, "0.3333333333333333", "0.3333333333333333"},
    {2.0 / 3, "0.6666666666666666", "0.6666666666666666"},
    {100, "100", "100"},
    {5e-324, "5e-324", nullptr},
    {1.7976931348623157e308, "1.7976931348623157e+308", nullptr},
    {std::numeric_limits<double>::infinity(), "+Inf", "+Inf"},
    {-std::numeric_limits<double>::infinity(), "-Inf", "-Inf"},
    {std::numeric_limits<double>::quiet_NaN(), "NaN", "NaN"},
    {0.95, "0.95", "0.95"},
    {12.345, "12.345", "12.345"},
    {-2.5e-7, "-2.5e-07", "-0.00000025"},
};

TEST(FormatFloat, MatchesGoShortestG) {
  for (const FloatCase& c : kFloatCases) {
    EXPECT_EQ(format_float(c.v), c.go_g) << "value " << c.go_g;
  }
}

TEST(FormatFloat, PlainMatchesGoShortestF) {
  for (const FloatCase& c : kFloatCases) {
    if (c.go_f != nullptr) {
      EXPECT_EQ(format_float_plain(c.v), c.go_f) << "value " << c.go_g;
    }
  }
}

// Prometheus's API (util/jsonutil.MarshalFloat): plain between 1e-6 and
// 1e21, Go's 'e' outside.
TEST(FormatFloat, ApiSwitchesToExponentsAsPrometheus) {
  EXPECT_EQ(format_api_float(0.000001), "0.000001");
  EXPECT_EQ(format_api_float(8.019413139855522e-07), "8.019413139855522e-07");
  EXPECT_EQ(format_api_float(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(format_api_float(1e20), "100000000000000000000");
  EXPECT_EQ(format_api_float(1e21), "1e+21");
  EXPECT_EQ(format_api_float(1.5e300), "1.5e+300");
  EXPECT_EQ(format_api_float(5e-324), "5e-324");
  EXPECT_EQ(format_api_float(0), "0");
  EXPECT_EQ(format_api_float(-0.0), "-0");
  EXPECT_EQ(format_api_float(1234.5), "1234.5");
  EXPECT_EQ(format_api_float(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_api_float(std::nan("")), "NaN");
}

TEST(FormatFloat, PlainUsesShortestDigitsThenZeros) {
  // Go pads the shortest digits with zeros instead of printing the exact
  // binary value.
  EXPECT_EQ(format_float_plain(1e100), "1" + std::string(100, '0'));
  EXPECT_EQ(format_float_plain(5e-324), "0." + std::string(323, '0') + "5");
}

TEST(FormatFloat, RoundTrips) {
  for (double v : {0.1, 1e-300, 123.456e200, 3.141592653589793, 2.2250738585072014e-308, 1e22}) {
    EXPECT_EQ(std::stod(format_float(v)), v);
    EXPECT_EQ(std::stod(format_float_plain(v)), v);
  }
}

TEST(FormatFloat, AppendsWithoutClobbering) {
  std::string s = "x=";
  append_float(s, 2.5);
  EXPECT_EQ(s, "x=2.5");
}

}  // namespace
}  // namespace cogwatch
