// What the notification side keeps across a restart, as one JSON document:
// the built-in Alertmanager's alerts, notification log and silences
// (Dispatcher::state()), and the alerts not yet delivered to each real
// Alertmanager (AlertmanagerClient::pending()). The daemon writes it to
// <storage.tsdb.path>/notify.state (tsdb::write_file_atomically) when it
// changed, at most once a second, and at shutdown; it reads it at start.
//
//   std::string text = encode_notify_state(state);
//   auto back = decode_notify_state(text);   // == state
//   if (!back) log(back.error().message);    // "dispatcher.alerts[2].labels: not an object"
//
// The format, version 1:
//   {"version": 1,
//    "dispatcher": {"alerts": [{"labels": {..}, "annotations": {..}, "startsAt": MS, "endsAt": MS,
//                               "generatorURL": "..", "updatedAt": MS, "timeout": false}],
//                   "log": [{"integration": "team/webhook/0", "groupKey": "..", "firing": ["<16 hex>"],
//                            "resolved": [..], "at": MS, "expires": MS}],
//                   "silences": [{"id": "..", "matchers": "{a=\"1\"}", "startsAt": MS, "endsAt": MS,
//                                 "updatedAt": MS, "createdBy": "..", "comment": ".."}]},
//    "alertmanagers": {"<url>": [{"labels": {..}, "annotations": {..}, "startsAt": MS, "endsAt": MS,
//                                 "generatorURL": "..", "enqueued": MS}]}}
// MS are milliseconds since the epoch (an unset time is the smallest
// int64, as notify::kUnsetTime); fingerprints are 16 hex digits; matchers
// in Alertmanager's text (notify/matchers.h), parsed again when read.
// Fields may be added without a version change (readers ignore unknown
// ones); a change of meaning raises the version, and a reader refuses a
// version newer than its own with a message that says so.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "notify/dispatcher.h"
#include "notify/postable_alerts.h"

namespace cogwatch::notify {

inline constexpr int kNotifyStateVersion = 1;

struct NotifyState {
  DispatcherState dispatcher;
  std::map<std::string, std::vector<PendingAlert>> alertmanagers;  // by URL
};

std::string encode_notify_state(const NotifyState& state);

// Errors: kInvalidArgument naming the place ("dispatcher.silences[0].matchers:
// bad matcher format: ..."), or, for a newer version, "written by a newer
// cogwatch (notify state version 2; this one reads 1)".
Result<NotifyState> decode_notify_state(std::string_view text);

}  // namespace cogwatch::notify
