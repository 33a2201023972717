// Test doubles for the dispatcher (notify/dispatcher.h): Integrations that
// record every notification, and the one-route configuration the
// dispatcher tests share.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "notify/dispatcher.h"

namespace cogwatch::notify::testing {

// Records every notification; answers at once with `answer`, or, when
// `hold` is set, keeps the answer until release() (never, if the test
// plays a process that died).
class Recorder : public Integrations {
 public:
  void deliver(Notification n, std::function<void(bool)> done) override {
    sent.push_back(n);
    if (hold) {
      held.push_back(std::move(done));
    } else {
      done(answer);
    }
  }
  void release(bool ok) {
    auto pending = std::move(held);
    held.clear();
    for (auto& done : pending) done(ok);
  }
  std::vector<Notification> take() { return std::exchange(sent, {}); }

  std::vector<Notification> sent;
  bool answer = true;
  bool hold = false;
  std::vector<std::function<void(bool)>> held;
};

// A route by alertname to "ops" (one webhook), with short, round timers:
// group_wait 30s, group_interval 5m, repeat_interval 1h.
inline NotifyConfig ops_route_config(bool send_resolved = true) {
  NotifyConfig c;
  c.route.receiver = "ops";
  c.route.group_by = std::vector<std::string>{"alertname"};
  c.route.group_wait = 30 * kSecond;
  c.route.group_interval = 5 * kMinute;
  c.route.repeat_interval = kHour;
  c.receivers = {{.name = "ops", .webhook_configs = {{.url = "http://hook/ops", .send_resolved = send_resolved}}}};
  return c;
}

}  // namespace cogwatch::notify::testing
