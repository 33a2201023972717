#include "notify/internal/go_net.h"

#include "model/labels.h"  // go_quote

namespace cogwatch::notify::internal {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int unhex(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

enum class Mode { kHost, kPath, kUserPassword, kFragment };

// Go's shouldEscape for a host: letters, digits, -_.~ and the sub-delims
// Go allows there may stay.
bool host_char_ok(char c) {
  if (is_alnum(c)) return true;
  return std::string_view("-_.~!$&'()*+,;=:[]<>\"").find(c) != std::string_view::npos;
}

// Go's unescape(s, mode): the %-escapes must be complete, and in a host,
// below %80 only %25 may be escaped; hosts may hold only host_char_ok ASCII.
Status check_escapes(std::string_view s, Mode mode) {
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
        return make_error(ErrorCode::kInvalidArgument, "invalid URL escape " + go_quote(s.substr(i, 3)));
      }
      if (mode == Mode::kHost && unhex(s[i + 1]) < 8 && s.substr(i, 3) != "%25") {
        return make_error(ErrorCode::kInvalidArgument, "invalid URL escape " + go_quote(s.substr(i, 3)));
      }
      i += 3;
      continue;
    }
    if (mode == Mode::kHost && static_cast<unsigned char>(c) < 0x80 && !host_char_ok(c)) {
      return make_error(ErrorCode::kInvalidArgument, "invalid character " + go_quote(s.substr(i, 1)) + " in host name");
    }
    ++i;
  }
  return {};
}

bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status check_host(std::string_view host) {
  if (host.starts_with("[")) {
    const size_t close = host.rfind(']');
    if (close == std::string_view::npos) return make_error(ErrorCode::kInvalidArgument, "missing ']' in host");
    const std::string_view port = host.substr(close + 1);
    if (!valid_optional_port(port)) {
      return make_error(ErrorCode::kInvalidArgument, "invalid port " + go_quote(port) + " after host");
    }
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon);
    if (!valid_optional_port(port)) {
      return make_error(ErrorCode::kInvalidArgument, "invalid port " + go_quote(port) + " after host");
    }
  }
  return check_escapes(host, Mode::kHost);
}

// Go's validUserinfo.
bool valid_userinfo(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80 || is_alnum(c)) continue;
    if (std::string_view("-._:~!$&'()*+,;=%@").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Go's parse(rawURL, viaRequest=false), the part that can fail or that
// Alertmanager looks at.
Result<GoUrl> parse(std::string_view u) {
  for (char c : u) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return make_error(ErrorCode::kInvalidArgument, "net/url: invalid control character in URL");
    }
  }
  GoUrl url;
  if (u == "*") return url;
  // getScheme
  std::string_view rest = u;
  for (size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return make_error(ErrorCode::kInvalidArgument, "missing protocol scheme");
      url.scheme = std::string(u.substr(0, i));
      for (char& ch : url.scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      rest = u.substr(i + 1);
    }
    break;
  }
  rest = rest.substr(0, rest.find('?'));
  if (!rest.starts_with("/")) {
    if (!url.scheme.empty()) return url;  // opaque: no host
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument, "first path segment in URL cannot contain colon");
    }
  }
  if ((!url.scheme.empty() || !rest.starts_with("///")) && rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    rest = {};
    if (const size_t slash = authority.find('/'); slash != std::string_view::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    const size_t at = authority.rfind('@');
    const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (Status s = check_host(host); !s.ok()) return s.error();
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      if (!valid_userinfo(userinfo)) return make_error(ErrorCode::kInvalidArgument, "net/url: invalid userinfo");
      if (Status s = check_escapes(userinfo, Mode::kUserPassword); !s.ok()) return s.error();
    }
    url.host = std::string(host);
  }
  if (Status s = check_escapes(rest, Mode::kPath); !s.ok()) return s.error();
  return url;
}

}  // namespace

Result<GoUrl> parse_go_url(std::string_view text) {
  const size_t hash = text.find('#');
  const std::string_view u = text.substr(0, hash);
  auto url = parse(u);
  if (!url) return make_error(ErrorCode::kInvalidArgument, "parse " + go_quote(u) + ": " + url.error().message);
  if (hash != std::string_view::npos) {
    if (Status s = check_escapes(text.substr(hash + 1), Mode::kFragment); !s.ok()) {
      return make_error(ErrorCode::kInvalidArgument, "parse " + go_quote(text) + ": " + s.error().message);
    }
  }
  return url;
}

Result<std::string> split_host_port(std::string_view hostport) {
  auto fail = [&](const char* why) {
    return make_error(ErrorCode::kInvalidArgument, "address " + std::string(hostport) + ": " + why);
  };
  const size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return fail("missing port in address");
  size_t j = 0, k = 0;
  if (hostport[0] == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos) return fail("missing ']' in address");
    if (end + 1 == hostport.size()) return fail("missing port in address");
    if (end + 1 != i) return fail(hostport[end + 1] == ':' ? "too many colons in address" : "missing port in address");
    j = 1;
    k = end + 1;
  } else if (hostport.substr(0, i).find(':') != std::string_view::npos) {
    return fail("too many colons in address");
  }
  if (hostport.substr(j).find('[') != std::string_view::npos) return fail("unexpected '[' in address");
  if (hostport.substr(k).find(']') != std::string_view::npos) return fail("unexpected ']' in address");
  return std::string(hostport.substr(i + 1));
}

}  // namespace cogwatch::notify::internal
