#include "server/api_params.h"

#include <algorithm>

namespace cogwatch::server {

std::string ApiParams::value(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return v;
  }
  return "";
}

bool ApiParams::has(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return true;
  }
  return false;
}

std::vector<std::string> ApiParams::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : values_) {
    if (n == name) out.push_back(v);
  }
  return out;
}

std::string_view request_path(const net::HttpRequest& request) {
  std::string_view target = request.target;
  return target.substr(0, target.find('?'));
}

namespace {

// Go's url.ParseQuery over one query string, appending to `out`. Go splits
// at '&', refuses ';', skips empty pieces and keeps going after a bad
// escape, returning the first error; cogwatch stops at the first error
// (the handlers reject the request either way).
Status add_query(std::string_view query, ApiParams& out) {
  size_t start = 0;
  while (start <= query.size()) {
    const size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view piece = query.substr(start, amp - start);
    start = amp + 1;
    if (piece.empty()) continue;
    if (piece.find(';') != std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument, "invalid semicolon separator in query");
    }
    const size_t eq = piece.find('=');
    std::string decoded[2];
    const std::string_view parts[2] = {piece.substr(0, eq),
                                       eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1)};
    for (int i = 0; i < 2; ++i) {
      // Go's unescape(s, encodeQueryComponent): '+' is a space, "%zz" and a
      // truncated "%4" are errors naming the bad escape.
      for (size_t k = 0; k < parts[i].size(); ++k) {
        const char c = parts[i][k];
        if (c == '+') {
          decoded[i] += ' ';
        } else if (c == '%') {
          auto hex = [](char h) -> int {
            if (h >= '0' && h <= '9') return h - '0';
            if (h >= 'a' && h <= 'f') return h - 'a' + 10;
            if (h >= 'A' && h <= 'F') return h - 'A' + 10;
            return -1;
          };
          const bool complete = k + 2 < parts[i].size();
          const int hi = complete ? hex(parts[i][k + 1]) : -1, lo = complete ? hex(parts[i][k + 2]) : -1;
          if (hi < 0 || lo < 0) {
            return make_error(ErrorCode::kInvalidArgument,
                              "invalid URL escape \"" + std::string(parts[i].substr(k, 3)) + "\"");
          }
          decoded[i] += static_cast<char>(hi * 16 + lo);
          k += 2;
        } else {
          decoded[i] += c;
        }
      }
    }
    out.add(std::move(decoded[0]), std::move(decoded[1]));
  }
  return {};
}

bool is_form_body(const net::HttpRequest& request) {
  if (request.method != "POST" && request.method != "PUT" && request.method != "PATCH") return false;
  std::string_view type = request.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type == "application/x-www-form-urlencoded";
}

}  // namespace

Result<ApiParams> parse_params(const net::HttpRequest& request) {
  ApiParams params;
  if (is_form_body(request)) {
    if (Status s = add_query(request.body, params); !s) return s.error();
  }
  const std::string_view target = request.target;
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    if (Status s = add_query(target.substr(q + 1), params); !s) return s.error();
  }
  return params;
}

}  // namespace cogwatch::server
