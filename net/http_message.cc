#include "net/http_message.h"

#include <strings.h>

namespace cogwatch::net {

std::string_view find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return {};
}

}  // namespace cogwatch::net
