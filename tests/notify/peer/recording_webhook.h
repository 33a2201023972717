// A webhook receiver for the peer tests: an HTTP server on 127.0.0.1, on
// its own thread, that records every request (arrival time on the steady
// clock, method, target, headers, body) and answers as its plan says.
// One instance per simulated receiver: the server's handler is
// synchronous, so a reply that hangs blocks only its own instance.
//
//   auto hook = RecordingWebhook::start();
//   hook->set_plan({{.status = 500}, {.status = 200, .delay = 300ms}});  // then 200s
//   ... configure url: (*hook)->url("/ops") ...
//   ASSERT_TRUE(hook->wait_for(2, 5s));
//   std::vector<RecordedRequest> got = hook->requests();
//
// Thread-safety: every method may be called from any thread; requests are
// recorded on the server's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "model/error.h"

namespace boost::asio {
class io_context;
}
namespace cogwatch::net {
class HttpServer;
}

namespace cogwatch::notify::peer {

using SteadyTime = std::chrono::steady_clock::time_point;

struct RecordedRequest {
  SteadyTime at;  // when the request had been read, before any delay of the plan
  std::string method;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int answered = 0;  // the status the plan gave it

  // The first header with this name (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

// One answer of the plan: the status, after holding the request for
// `delay` (a hung receiver: a delay longer than the sender's timeout).
struct Reply {
  int status = 200;
  std::chrono::milliseconds delay{0};
};

class RecordingWebhook {
 public:
  // Listens on 127.0.0.1 at a free port and starts its thread. Errors: the
  // server's (kResourceExhausted when no port could be bound).
  static Result<std::unique_ptr<RecordingWebhook>> start();
  // Stops the server and joins its thread; a request held by a delay is
  // released at once.
  ~RecordingWebhook();
  RecordingWebhook(const RecordingWebhook&) = delete;
  RecordingWebhook& operator=(const RecordingWebhook&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "/") const;

  // The answers for the next requests, in order; after them, 200 without
  // delay. Replaces what is left of an earlier plan.
  void set_plan(std::vector<Reply> replies);

  // A copy of the requests recorded so far, in arrival order.
  std::vector<RecordedRequest> requests() const;
  size_t count() const;
  // Waits until at least `n` requests have arrived or `timeout` passed;
  // returns whether they did.
  bool wait_for(size_t n, std::chrono::milliseconds timeout) const;

 private:
  RecordingWebhook();
  // Records the request, holds it for its reply's delay, returns the status.
  int record(RecordedRequest request);

  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;  // guarded by mu_
  std::vector<Reply> plan_;                // guarded by mu_; front first
  size_t plan_next_ = 0;                   // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
};

}  // namespace cogwatch::notify::peer
