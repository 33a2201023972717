// Go's net/url.Parse and net.SplitHostPort, as far as Alertmanager's
// configuration depends on them: which texts they accept, the parts
// Alertmanager then checks (scheme, host), and Go's words when they refuse.
//
//   auto u = parse_go_url("http://hook:8080/x");  // u->scheme "http", u->host "hook:8080"
//   parse_go_url("http://a b/");  // error: parse "http://a b/": invalid character " " in host name
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include "model/error.h"

namespace cogwatch::notify::internal {

struct GoUrl {
  std::string scheme;  // lower-cased, as Go's
  std::string host;    // host[:port], unescaped; "" when the URL has no authority
};

// url.Parse: control characters, a scheme starting with ':', a colon in
// the first segment of a scheme-less path, bad %-escapes and characters
// that cannot be in a host name are errors, worded as Go's *url.Error:
// `parse "<url>": <why>`. Everything else parses (Go is lenient).
Result<GoUrl> parse_go_url(std::string_view text);

// net.SplitHostPort: Go's *net.AddrError texts ("address x: missing port
// in address"). Returns the port.
Result<std::string> split_host_port(std::string_view hostport);

}  // namespace cogwatch::notify::internal
