#include "net/retry.h"

#include <gtest/gtest.h>

namespace cogwatch::net {
namespace {

TEST(Backoff, GrowsByTheMultiplierWithJitterUpToTheCap) {
  std::mt19937_64 random(42);
  Backoff backoff({.initial = 1000, .multiplier = 2, .max = 5000});
  // Intervals 1000, 2000, 4000, then capped at 5000; each wait within ±50%.
  const Duration intervals[] = {1000, 2000, 4000, 5000, 5000};
  for (Duration interval : intervals) {
    const Duration wait = backoff.next(random);
    EXPECT_GE(wait, interval / 2);
    EXPECT_LE(wait, interval * 3 / 2);
  }
  // Jittered: not every wait of a fresh backoff is the same.
  std::mt19937_64 other(7);
  bool differs = false;
  for (int i = 0; i < 10 && !differs; ++i) differs = Backoff().next(random) != Backoff().next(other);
  EXPECT_TRUE(differs);
}

TEST(Retry, ServerErrorsAndNoAnswerAreRetriedOthersNot) {
  const auto response = [](int status) { return Result<HttpClientResponse>(HttpClientResponse{.status = status}); };
  EXPECT_TRUE(retryable(response(500)));
  EXPECT_TRUE(retryable(response(503)));
  EXPECT_TRUE(retryable(Result<HttpClientResponse>(make_error(ErrorCode::kTimeout, "context deadline exceeded"))));
  EXPECT_FALSE(retryable(response(400)));
  EXPECT_FALSE(retryable(response(429)));
  EXPECT_FALSE(retryable(response(200)));
  EXPECT_EQ(failure_reason(response(503)), "unexpected status code 503");
  EXPECT_EQ(failure_reason(Result<HttpClientResponse>(make_error(ErrorCode::kUnavailable, "Post \"x\": refused"))),
            "Post \"x\": refused");
}

TEST(Retry, RetryAfterInSecondsOrAsAnHttpDate) {
  const auto with = [](std::string value) {
    HttpClientResponse r{.status = 503};
    r.headers.emplace_back("Retry-After", std::move(value));
    return r;
  };
  const Timestamp now = 1'445'412'470'500;  // Wed, 21 Oct 2015 07:27:50.500 GMT
  EXPECT_EQ(retry_after(with("120"), now), 120 * kSecond);
  EXPECT_EQ(retry_after(with("Wed, 21 Oct 2015 07:28:00 GMT"), now), 9'500);
  EXPECT_EQ(retry_after(with("Wed, 21 Oct 2015 07:27:00 GMT"), now), std::nullopt) << "passed";
  EXPECT_EQ(retry_after(with("0"), now), std::nullopt);
  EXPECT_EQ(retry_after(with("soon"), now), std::nullopt);
  EXPECT_EQ(retry_after(with("12s"), now), std::nullopt);
  EXPECT_EQ(retry_after(with("99999999999999999"), now), 86'400 * kSecond);
  EXPECT_EQ(retry_after(HttpClientResponse{.status = 503}, now), std::nullopt);
}

}  // namespace
}  // namespace cogwatch::net
