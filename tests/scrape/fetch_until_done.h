// Test helper: runs one ScrapeFetcher::fetch on `io` to completion. Bounded:
// the request's own timeout ends the fetch, and 10 s without any handler
// running gives up.
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "scrape/http_fetch.h"

namespace cogwatch::scrape {

inline Result<ScrapeResponse> fetch_until_done(boost::asio::io_context& io, ScrapeFetcher& fetcher,
                                               ScrapeRequest request) {
  std::optional<Result<ScrapeResponse>> out;
  fetcher.fetch(std::move(request), [&](Result<ScrapeResponse> got) { out.emplace(std::move(got)); });
  io.restart();
  while (!out && io.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  if (!out) return make_error(ErrorCode::kInternal, "fetch never completed");
  return *std::move(out);
}

}  // namespace cogwatch::scrape
