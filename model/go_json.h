// JSON strings as Go's encoding/json writes them (json.Marshal's default,
// HTML-safe): what Prometheus's API and Alertmanager's payloads contain,
// so that cogwatch's bodies can be compared with theirs byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace cogwatch {

// Appends s as a JSON string literal: \" \\ \n \r \t; \u00XX for other
// control bytes and for < > & (\u003c \u003e \u0026); \u2028 and \u2029;
// \ufffd for each byte that is not UTF-8 (model/utf8.h).
void append_go_json_string(std::string& out, std::string_view s);

inline std::string go_json_string(std::string_view s) {
  std::string out;
  append_go_json_string(out, s);
  return out;
}

}  // namespace cogwatch
