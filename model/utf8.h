// UTF-8 as Go decodes it (unicode/utf8), for the places that must treat
// invalid text exactly as Prometheus or Alertmanager do.
#pragma once

#include <cstddef>
#include <string_view>

namespace cogwatch {

// The length (1 to 4) of the UTF-8 sequence that starts at s[i], or 0 when
// none does: Go's utf8.DecodeRune would return (RuneError, 1) there. Like
// Go, rejects overlong forms, surrogates (U+D800..U+DFFF), code points
// above U+10FFFF and truncated sequences. REQUIRES: i < s.size().
size_t utf8_rune_length(std::string_view s, size_t i);

// utf8.ValidString.
bool is_valid_utf8(std::string_view s);

}  // namespace cogwatch
