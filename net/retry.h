// How a client that calls out retries, as Prometheus's and Alertmanager's
// senders do (the backoff package): whether a failed exchange is worth
// another attempt, and how long to wait before it — an exponentially
// growing interval with ±50% jitter, so peers that failed together do not
// come back together.
//
//   Backoff backoff({.initial = 500, .multiplier = 1.5, .max = kMinute});
//   if (!retryable(result)) give_up(failure_reason(result));
//   else retry_after(backoff.next(random));
//
// Thread-safety: a Backoff is a value used by one sender at a time.
#pragma once

#include <optional>
#include <random>
#include <string>

#include "model/error.h"
#include "model/time.h"
#include "net/http_client_request.h"

namespace cogwatch::net {

struct BackoffPolicy {
  Duration initial = 500;   // the first interval
  double multiplier = 1.5;  // each interval after it
  Duration max = kMinute;   // the interval's cap
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}) : policy_(policy), interval_(policy.initial) {}

  // The wait before the next attempt: the current interval ±50%; the
  // interval then grows by the multiplier, up to the cap.
  Duration next(std::mt19937_64& random);

 private:
  BackoffPolicy policy_;
  Duration interval_;
};

// Worth another attempt: no answer (connection error, timeout) or a 5xx.
// A 2xx is a success and a 4xx a refusal, neither retried.
bool retryable(const Result<HttpClientResponse>& result);

// The wait a 429 or 5xx answer asks for in its Retry-After header, as
// Prometheus's remote-write client reads it: whole seconds ("120") or an
// HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT") from `now`, at most a day
// for the seconds form. None when there
// is no header, it does not parse, or the date has passed: the caller's
// backoff applies.
std::optional<Duration> retry_after(const HttpClientResponse& response, Timestamp now);

// What went wrong, for logs and events: "unexpected status code 503" or
// the error's message.
std::string failure_reason(const Result<HttpClientResponse>& result);

}  // namespace cogwatch::net
