#include "tests/notify/peer/http_client.h"

#include <boost/asio/io_context.hpp>

#include "net/http_client.h"

namespace cogwatch::notify::peer {

Result<HttpReply> http_request(std::string_view method, std::string_view url, std::string body,
                               std::string_view content_type, std::chrono::milliseconds timeout) {
  Result<net::HttpClientRequest> request = net::make_http_request(method, url, {});
  if (!request) return request.take_error();
  request->set_header("User-Agent", "cogwatch-peer-test");
  if (!body.empty()) request->content_type = content_type;
  request->body = std::move(body);
  request->timeout = timeout.count();
  request->follow_redirects = false;

  boost::asio::io_context io;
  net::HttpClient client(io);
  Result<net::HttpClientResponse> response = make_error(ErrorCode::kUnavailable, "no answer");
  client.send(*std::move(request), [&](Result<net::HttpClientResponse> r) { response = std::move(r); });
  io.run();
  if (!response) return response.take_error();
  return HttpReply{.status = response->status, .headers = std::move(response->headers), .body = std::move(response->body)};
}

}  // namespace cogwatch::notify::peer
