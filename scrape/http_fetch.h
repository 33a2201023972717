// The HTTP side of a scrape: turning a target into a request the way
// Prometheus builds it (URL from __scheme__/__address__/__metrics_path__/
// __param_*, Accept, Accept-Encoding: gzip, auth headers, the timeout
// header), and a fetcher that sends it over a kept-alive connection, plain
// or TLS, follows redirects as Go's HTTP client does, and hands back the
// decompressed body.
//
//   auto request = make_scrape_request(config, target_labels);
//   ScrapeFetcher fetcher(io);  // one per target
//   fetcher.fetch(*request, [](Result<ScrapeResponse> r) { ... });
//
// Thread-safety: a fetcher is used from its io_context's thread; one fetch
// at a time (the scrape loop never overlaps two scrapes of one target).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "scrape/config.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::scrape {

// What Prometheus 2.x sends: OpenMetrics preferred, text 0.0.4 accepted.
inline constexpr std::string_view kScrapeAcceptHeader =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

struct ScrapeRequest {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::string port;    // "80"/"443" when the address has none
  std::string target;  // path and query: "/metrics?module=x"
  std::vector<std::pair<std::string, std::string>> headers;
  Duration timeout = 10 * kSecond;
  uint64_t body_size_limit = 0;  // decompressed bytes; 0: none
  net::TlsConfig tls;            // for https
  bool follow_redirects = true;

  std::string url() const;  // for errors and target status
};

// Builds the request for a target (labels as target_labels() returned them,
// before public_labels() drops the __ ones). Password and credentials files
// are read here, on every scrape, as Prometheus does, so rotated secrets are
// picked up. Errors: kInvalidArgument (bad address, unreadable secret file).
Result<ScrapeRequest> make_scrape_request(const ScrapeConfig& config, const Labels& target);

struct ScrapeResponse {
  std::string content_type;  // as the target sent it
  std::string body;          // decompressed
};

// One target's connection. Errors passed to the callback name the URL:
//   kTimeout — the whole exchange took longer than the timeout;
//   kResourceExhausted — body larger than body_size_limit;
//   kUnavailable — connect/read/TLS handshake failures (a certificate that
//     does not verify), HTTP status other than 200 (a redirect too, when
//     not followed), "stopped after 10 redirects";
//   kInvalidArgument — a gzip body that does not inflate, unusable TLS
//     files, a redirect to a bad Location.
//
// Redirects (301, 302, 303, 307, 308) are followed within the same
// deadline, up to 10; the Authorization header goes along only to the same
// host:port or its subdomains, as Go's client does.
class ScrapeFetcher {
 public:
  using Callback = std::function<void(Result<ScrapeResponse>)>;

  explicit ScrapeFetcher(boost::asio::io_context& io);
  ~ScrapeFetcher();  // closes the connection; a pending callback still runs, with an error
  ScrapeFetcher(const ScrapeFetcher&) = delete;
  ScrapeFetcher& operator=(const ScrapeFetcher&) = delete;

  void fetch(ScrapeRequest request, Callback done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Inflates a gzip body, failing with kResourceExhausted as soon as the output
// passes `limit` bytes (0: no limit) so a small bomb cannot take the memory.
Result<std::string> gunzip(std::string_view compressed, uint64_t limit);

}  // namespace cogwatch::scrape
