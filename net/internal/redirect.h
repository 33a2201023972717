// How net::HttpClient follows a redirect, as Go's net/http client does
// (its redirectBehavior), kept apart from the sockets so it is tested
// without them. Implemented in http_client_request.cc, next to the URL
// parsing it shares with make_http_request().
#pragma once

#include <optional>
#include <string_view>

#include "model/error.h"
#include "net/http_client_request.h"

namespace cogwatch::net::internal {

// The request that follows `status` answered to `current`:
//   - nullopt when there is none to make and the response is the answer:
//     the status is not 301, 302, 303, 307 or 308, follow_redirects is off,
//     or the Location header is empty (Go hands such a response back too);
//   - otherwise `current` sent to Location, resolved against current's URL
//     (RFC 3986, as Go's URL.Parse): 301, 302 and 303 turn any method but
//     GET and HEAD into a GET without body (and without Content-Type, which
//     described that body; Go keeps the header), 307 and 308 keep method
//     and body; the Authorization header goes along only when the new
//     host:port is `initial_host_port` (the first request's) or one of its
//     subdomains.
// Errors (kInvalidArgument): "failed to parse Location header \"x\": ...",
// a Location with another scheme than http or https.
Result<std::optional<HttpClientRequest>> follow_redirect(const HttpClientRequest& current,
                                                         std::string_view initial_host_port, int status,
                                                         std::string_view location);

}  // namespace cogwatch::net::internal
