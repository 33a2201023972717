#include "net/retry.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace cogwatch::net {

Duration Backoff::next(std::mt19937_64& random) {
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  const auto wait = static_cast<Duration>(static_cast<double>(interval_) * jitter(random));
  interval_ = std::min<Duration>(policy_.max, static_cast<Duration>(static_cast<double>(interval_) * policy_.multiplier));
  return wait;
}

bool retryable(const Result<HttpClientResponse>& result) { return !result || result->status / 100 == 5; }

std::optional<Duration> retry_after(const HttpClientResponse& response, Timestamp now) {
  const std::string_view value = response.header("Retry-After");
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      ec == std::errc() && end == value.data() + value.size()) {
    // At most a day: a bigger number is a receiver's mistake, and would overflow.
    return seconds > 0 ? std::optional<Duration>(std::min<int64_t>(seconds, 86'400) * kSecond) : std::nullopt;
  }
  // IMF-fixdate, what Go's http.TimeFormat parses.
  struct tm when {};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &when);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const Duration wait = static_cast<Duration>(timegm(&when)) * kSecond - now;
  return wait > 0 ? std::optional<Duration>(wait) : std::nullopt;
}

std::string failure_reason(const Result<HttpClientResponse>& result) {
  return result ? "unexpected status code " + std::to_string(result->status) : result.error().message;
}

}  // namespace cogwatch::net
