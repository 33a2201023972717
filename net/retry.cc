#include "net/retry.h"

#include <algorithm>

namespace cogwatch::net {

Duration Backoff::next(std::mt19937_64& random) {
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  const auto wait = static_cast<Duration>(static_cast<double>(interval_) * jitter(random));
  interval_ = std::min<Duration>(policy_.max, static_cast<Duration>(static_cast<double>(interval_) * policy_.multiplier));
  return wait;
}

bool retryable(const Result<HttpClientResponse>& result) { return !result || result->status / 100 == 5; }

std::string failure_reason(const Result<HttpClientResponse>& result) {
  return result ? "unexpected status code " + std::to_string(result->status) : result.error().message;
}

}  // namespace cogwatch::net
