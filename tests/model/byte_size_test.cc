#include "model/byte_size.h"

#include <string>

#include <gtest/gtest.h>

namespace cogwatch {
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

}  // namespace
}  // namespace cogwatch
