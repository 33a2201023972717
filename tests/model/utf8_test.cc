#include "model/utf8.h"

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

// Go's utf8.ValidString verdicts.
TEST(Utf8, ValidAsGo) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ascii"));
  EXPECT_TRUE(is_valid_utf8("größe €𝄞"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));    // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));       // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));           // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));       // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));   // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));           // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));               // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_EQ(utf8_rune_length("a€", 1), 3u);
  EXPECT_EQ(utf8_rune_length("\xE2\x82" "a", 0), 0u);
}

}  // namespace
}  // namespace cogwatch
