// libFuzzer target: what the built-in Alertmanager reads from outside —
// alertmanager.yml and the bodies and query strings of its API v2 — gives
// a result or an error, never a crash. The first byte picks the input:
// 0 alertmanager.yml, 1 POST /api/v2/alerts, 2 POST /api/v2/silences,
// 3 a GET target (query strings, matchers), each followed by GETs that
// read back what was stored; 4 a notify.state file, restored into a
// dispatcher (and what it encodes again must read back the same).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "notify/api.h"
#include "notify/config.h"
#include "notify/dispatcher.h"
#include "notify/durable_state.h"

namespace {

class NoDelivery : public cogwatch::notify::Integrations {
 public:
  void deliver(cogwatch::notify::Notification, std::function<void(bool)> done) override { done(true); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogwatch;
  using namespace cogwatch::notify;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int kind = data[0] % 5;
  if (kind == 0) {
    auto c = parse_notify_config(text, "am.yml");
    if (!c && c.error().message.rfind("am.yml", 0) != 0) std::abort();  // errors name the file
    return 0;
  }
  static ManualClock clock(1'800'000'000'000);
  NotifyConfig config;
  config.route.receiver = "r";
  config.receivers = {{.name = "r"}};
  NoDelivery none;
  Dispatcher dispatcher(config, none, {.clock = &clock});
  AlertmanagerApi api(dispatcher, {});
  const auto call = [&](std::string method, std::string target, std::string body) {
    auto r = api.handle({.method = std::move(method), .target = std::move(target), .body = std::move(body)});
    if (r && (r->status < 200 || r->status > 599)) std::abort();
  };
  if (kind == 4) {
    auto state = decode_notify_state(text);
    if (!state) return 0;
    const std::string again = encode_notify_state(*state);
    auto back = decode_notify_state(again);
    if (!back || encode_notify_state(*back) != again) std::abort();
    dispatcher.restore(std::move(state->dispatcher));
  }
  switch (kind) {
    case 4: break;
    case 1: call("POST", "/api/v2/alerts", std::string(text)); break;
    case 2: call("POST", "/api/v2/silences", std::string(text)); break;
    default: call("GET", "/api/v2/" + std::string(text), ""); break;
  }
  call("GET", "/api/v2/alerts", "");
  call("GET", "/api/v2/alerts/groups", "");
  call("GET", "/api/v2/silences", "");
  dispatcher.run_due();
  return 0;
}
