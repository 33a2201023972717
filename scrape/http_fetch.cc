#include "scrape/http_fetch.h"

#include <map>
#include <sstream>
#include <vector>

#include "model/url.h"
#include "scrape/scrape_protocol.h"

namespace cogwatch::scrape {

Result<net::HttpClientRequest> make_scrape_request(const ScrapeConfig& config, const Labels& target) {
  std::string scheme(target.get("__scheme__"));
  if (scheme.empty()) scheme = config.scheme;
  std::string path(target.get("__metrics_path__"));
  if (path.empty()) path = config.metrics_path;

  std::map<std::string, std::vector<std::string>> params = config.params;
  for (const auto& label : target) {
    if (!label.name.starts_with("__param_")) continue;
    auto& values = params[std::string(label.name.substr(8))];
    if (values.empty()) values.emplace_back(label.value);
    else values.front() = std::string(label.value);
  }
  char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, values] : params) {
    for (const std::string& value : values) {
      path += sep + query_escape(name) + "=" + query_escape(value);
      sep = '&';
    }
  }

  auto request =
      net::make_http_request("GET", scheme + "://" + std::string(target.get("__address__")) + path, config.http_config);
  if (!request) return request.take_error();
  const double timeout_seconds = static_cast<double>(config.scrape_timeout) / kSecond;
  std::ostringstream timeout_header;
  timeout_header << timeout_seconds;
  request->headers.emplace_back("Accept", accept_header(config.scrape_protocols));
  request->headers.emplace_back("Accept-Encoding", "gzip");
  request->headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds", timeout_header.str());
  request->timeout = config.scrape_timeout;
  request->body_size_limit = config.body_size_limit;
  return request;
}

void ScrapeFetcher::fetch(net::HttpClientRequest request, Callback done) {
  client_.send(std::move(request), [done = std::move(done)](Result<net::HttpClientResponse> r) {
    if (!r) return done(r.take_error());
    if (r->status != 200) {
      return done(make_error(ErrorCode::kUnavailable, "Get \"" + r->url + "\": server returned HTTP status " +
                                                          std::to_string(r->status) + " " + r->reason));
    }
    done(ScrapeResponse{std::string(r->header("Content-Type")), std::move(r->body)});
  });
}

}  // namespace cogwatch::scrape
