// The HTTP client every part of cogwatch that calls out uses: scrapes,
// notifications to Alertmanager and webhooks, remote write. It sends one
// request at a time over one kept-alive connection, plain or TLS, follows
// redirects as Go's client does, and hands back the response, its body
// inflated when gzip'd. A status is a response, not an error: callers
// decide (the scraper wants 200, a notifier retries 5xx and not 4xx).
//
//   HttpClient client(io);  // one per peer: a target, an Alertmanager, a webhook
//   auto request = make_http_request("POST", url, config);  // net/http_client_request.h
//   request->body = json;
//   request->content_type = "application/json";
//   client.send(*std::move(request), [](Result<HttpClientResponse> r) {
//     if (!r) log(r.error().message);  // Post "http://am:9093/api/v2/alerts": context deadline exceeded
//   });
//
// The exchange: connect (or reuse the open connection to the same
// scheme://host:port, unless the peer has closed it meanwhile), the TLS
// handshake for https (the tls_config context built once per client and
// settings; the certificate checked against server_name or the host, which
// is also sent as SNI), write, read, then each redirect the same way. One
// deadline, request.timeout, covers all of it, name resolution included.
// When a reused connection fails before any answer, the request is sent
// again on a new one if that is safe, as Go's transport does: nothing was
// written, or the method is GET, HEAD, OPTIONS or TRACE.
//
// Errors passed to the callback start as Go's url.Error does, `Get "<url>": `
// (`Post`, ... after the method; the URL of the request that failed):
//   kTimeout — the exchange passed its deadline: "context deadline exceeded";
//   kUnavailable — name resolution, connect, TLS handshake (a certificate
//     that does not verify), write or read failed; "stopped after 10
//     redirects";
//   kResourceExhausted — the body passed body_size_limit, on the wire or
//     inflated;
//   kInvalidArgument — a gzip body that does not inflate, tls_config files
//     or PEM that cannot be used, a Location that does not parse.
// After an error the connection is closed; after a response it stays open
// unless the server said `Connection: close`.
//
// Thread-safety: a client is used from its io_context's thread, one send()
// at a time (the next from the callback or later). Different clients are
// independent.
#pragma once

#include <functional>
#include <memory>

#include "model/error.h"
#include "net/http_client_request.h"

namespace boost::asio {
class io_context;
}

namespace cogwatch::net {

class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpClientResponse>)>;

  explicit HttpClient(boost::asio::io_context& io);
  // Closes the connection; a send() in flight still calls back, with an
  // error.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and calls `done` once, on the io_context's thread,
  // never from inside send(). REQUIRES: no other send() in flight.
  void send(HttpClientRequest request, Callback done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cogwatch::net
