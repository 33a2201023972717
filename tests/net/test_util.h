// Helpers shared by the tests that talk HTTP (net, scrape): gzip a body,
// and run one asynchronous call to completion.
#pragma once

#include <zlib.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "model/error.h"

namespace cogwatch::net::testing {

inline std::string gzip(std::string_view plain) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, plain.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Calls start(callback) and runs `io` until the callback has had its
// Result<T>. Bounded: the request's own timeout ends an exchange, and 10 s
// without any handler running gives up.
template <typename T, typename Start>
Result<T> run_until_done(boost::asio::io_context& io, Start start) {
  std::optional<Result<T>> out;
  start([&](Result<T> got) { out.emplace(std::move(got)); });
  io.restart();
  while (!out && io.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  if (!out) return make_error(ErrorCode::kInternal, "never completed");
  return *std::move(out);
}

}  // namespace cogwatch::net::testing
