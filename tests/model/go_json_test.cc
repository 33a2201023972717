#include "model/go_json.h"

#include <gtest/gtest.h>

namespace cogwatch {
namespace {

// What Go's json.Marshal writes for these strings.
TEST(GoJsonString, EscapesAsGoEncodingJson) {
  EXPECT_EQ(go_json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(go_json_string("\n\r\t\b\f\x01\x1f"), R"("\n\r\t\u0008\u000c\u0001\u001f")");
  EXPECT_EQ(go_json_string("<a href=x>&</a>"), R"("\u003ca href=x\u003e\u0026\u003c/a\u003e")");
  EXPECT_EQ(go_json_string("\u2028\u2029é"), "\"\\u2028\\u2029é\"");
  EXPECT_EQ(go_json_string("a\xff" "b\xc3"), R"("a\ufffdb\ufffd")");
  EXPECT_EQ(go_json_string("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a surrogate: each byte
}

}  // namespace
}  // namespace cogwatch
