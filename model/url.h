// URL escaping as Go's net/url does it, where Prometheus's output depends
// on it (scrape request parameters, template links, urlquery).
#pragma once

#include <string>
#include <string_view>

namespace cogwatch {

// Go's url.QueryEscape: letters, digits and -_.~ kept, space as '+',
// every other byte as %XX (upper-case hex).
std::string query_escape(std::string_view s);

}  // namespace cogwatch
