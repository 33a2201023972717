// The HTTP side of a scrape, over net::HttpClient: turning a target into a
// request the way Prometheus builds it (URL from __scheme__/__address__/
// __metrics_path__/__param_*, Accept, Accept-Encoding: gzip, auth headers,
// the timeout header), and a fetcher that sends it and accepts only a 200.
//
//   auto request = make_scrape_request(config, target_labels);
//   ScrapeFetcher fetcher(io);  // one per target
//   fetcher.fetch(*request, [](Result<ScrapeResponse> r) { ... });
//
// Thread-safety: a fetcher is used from its io_context's thread; one fetch
// at a time (the scrape loop never overlaps two scrapes of one target).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/labels.h"
#include "net/http_client.h"
#include "scrape/config.h"

namespace cogwatch::scrape {

// Builds the GET for a target (labels as target_labels() returned them,
// before public_labels() drops the __ ones), Accept from the config's
// scrape_protocols (scrape/scrape_protocol.h), with the scrape config's
// http_config, scrape_timeout and body_size_limit (net::make_http_request:
// password and credentials files are read here, on every scrape, as
// Prometheus does, so rotated secrets are picked up). Configured params are
// overridden, first value only, by their __param_ labels and encoded sorted
// by name, as Go's url.Values does. Errors: kInvalidArgument (an address
// that makes no URL, an unreadable secret file).
Result<net::HttpClientRequest> make_scrape_request(const ScrapeConfig& config, const Labels& target);

struct ScrapeResponse {
  std::string content_type;  // as the target sent it
  std::string body;          // inflated
};

// One target's connection (net/http_client.h has the exchange: keep-alive,
// one deadline for it all, TLS, redirects, gzip, body_size_limit). Errors
// passed to the callback are the client's, and for any status but 200
// kUnavailable, `Get "<url>": server returned HTTP status 503 Service
// Unavailable` (the URL that answered; a redirect not followed too), the
// words Prometheus shows for a target.
class ScrapeFetcher {
 public:
  using Callback = std::function<void(Result<ScrapeResponse>)>;

  explicit ScrapeFetcher(boost::asio::io_context& io) : client_(io) {}

  void fetch(net::HttpClientRequest request, Callback done);

 private:
  net::HttpClient client_;
};

}  // namespace cogwatch::scrape
