#include "notify/durable_state.h"

#include <charconv>
#include <utility>

#include <boost/json.hpp>

#include "notify/label_set.h"
#include "notify/matchers.h"

namespace cogwatch::notify {
namespace json = boost::json;
namespace {

// --- encoding ---

json::object label_object(const Labels& labels) {
  json::object o;
  for (const Label& l : labels) o[l.name] = l.value;
  return o;
}

json::object annotation_object(const Annotations& annotations) {
  json::object o;
  for (const auto& [name, value] : annotations) o[name] = value;
  return o;
}

json::array fingerprint_array(const std::vector<uint64_t>& fingerprints) {
  json::array a;
  for (uint64_t fp : fingerprints) a.emplace_back(fingerprint_string(fp));
  return a;
}

json::object alert_object(const Alert& a) {
  return {{"labels", label_object(a.labels)},
          {"annotations", annotation_object(a.annotations)},
          {"startsAt", a.starts_at},
          {"endsAt", a.ends_at},
          {"generatorURL", a.generator_url},
          {"updatedAt", a.updated_at},
          {"timeout", a.timeout}};
}

json::object log_object(const NotificationLogEntry& e) {
  return {{"integration", e.integration},    {"groupKey", e.group_key}, {"firing", fingerprint_array(e.firing)},
          {"resolved", fingerprint_array(e.resolved)}, {"at", e.at},   {"expires", e.expires}};
}

json::object silence_object(const Silence& s) {
  return {{"id", s.id},         {"matchers", matchers_string(s.matchers)}, {"startsAt", s.starts_at},
          {"endsAt", s.ends_at}, {"updatedAt", s.updated_at},              {"createdBy", s.created_by},
          {"comment", s.comment}};
}

json::object pending_object(const PendingAlert& p) {
  return {{"labels", label_object(p.alert.labels)},
          {"annotations", annotation_object(p.alert.annotations)},
          {"startsAt", p.alert.starts_at},
          {"endsAt", p.alert.ends_at},
          {"generatorURL", p.alert.generator_url},
          {"enqueued", p.enqueued}};
}

template <typename T, typename F>
json::array array_of(const std::vector<T>& items, F&& to_object) {
  json::array a;
  a.reserve(items.size());
  for (const T& item : items) a.emplace_back(to_object(item));
  return a;
}

// --- decoding: each reader names the place of what it could not read ---

Error bad(const std::string& where, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, where + ": " + what);
}

Result<const json::object*> object_at(const json::value& v, const std::string& where) {
  if (!v.is_object()) return bad(where, "not an object");
  return &v.as_object();
}

Result<const json::value*> field(const json::object& o, std::string_view key, const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return bad(where + "." + std::string(key), "missing");
  return v;
}

Result<std::string> string_field(const json::object& o, std::string_view key, const std::string& where) {
  auto v = field(o, key, where);
  if (!v) return v.error();
  if (!(*v)->is_string()) return bad(where + "." + std::string(key), "not a string");
  return std::string((*v)->as_string());
}

Result<Timestamp> time_field(const json::object& o, std::string_view key, const std::string& where) {
  auto v = field(o, key, where);
  if (!v) return v.error();
  if (!(*v)->is_int64()) return bad(where + "." + std::string(key), "not a time in milliseconds");
  return (*v)->as_int64();
}

Result<bool> bool_field(const json::object& o, std::string_view key, const std::string& where) {
  auto v = field(o, key, where);
  if (!v) return v.error();
  if (!(*v)->is_bool()) return bad(where + "." + std::string(key), "not true or false");
  return (*v)->as_bool();
}

Result<const json::array*> array_field(const json::object& o, std::string_view key, const std::string& where) {
  auto v = field(o, key, where);
  if (!v) return v.error();
  if (!(*v)->is_array()) return bad(where + "." + std::string(key), "not an array");
  return &(*v)->as_array();
}

// A map of strings, in the document's order.
Result<std::vector<std::pair<std::string, std::string>>> string_map(const json::object& o, std::string_view key,
                                                                    const std::string& where) {
  auto v = field(o, key, where);
  if (!v) return v.error();
  const std::string here = where + "." + std::string(key);
  auto m = object_at(**v, here);
  if (!m) return m.error();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : **m) {
    if (!kv.value().is_string()) return bad(here + "." + std::string(kv.key()), "not a string");
    out.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  }
  return out;
}

Result<Labels> labels_field(const json::object& o, const std::string& where) {
  auto pairs = string_map(o, "labels", where);
  if (!pairs) return pairs.error();
  LabelsBuilder b;
  for (const auto& [name, value] : *pairs) b.set(name, value);
  return b.build();
}

Result<std::vector<uint64_t>> fingerprints_field(const json::object& o, std::string_view key,
                                                 const std::string& where) {
  auto a = array_field(o, key, where);
  if (!a) return a.error();
  std::vector<uint64_t> out;
  for (size_t i = 0; i < (*a)->size(); ++i) {
    const json::value& v = (**a)[i];
    const std::string here = where + "." + std::string(key) + "[" + std::to_string(i) + "]";
    if (!v.is_string()) return bad(here, "not a fingerprint");
    const std::string_view text = v.as_string();
    uint64_t fp = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fp, 16);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return bad(here, "not a fingerprint");
    out.push_back(fp);
  }
  return out;
}

// The fields an alert and a pending alert share.
Status read_alert_fields(const json::object& o, const std::string& where, Labels& labels, Annotations& annotations,
                         Timestamp& starts_at, Timestamp& ends_at, std::string& generator_url) {
  auto l = labels_field(o, where);
  if (!l) return l.error();
  auto a = string_map(o, "annotations", where);
  if (!a) return a.error();
  auto starts = time_field(o, "startsAt", where);
  if (!starts) return starts.error();
  auto ends = time_field(o, "endsAt", where);
  if (!ends) return ends.error();
  auto url = string_field(o, "generatorURL", where);
  if (!url) return url.error();
  labels = *std::move(l);
  annotations = *std::move(a);
  starts_at = *starts;
  ends_at = *ends;
  generator_url = *std::move(url);
  return {};
}

Result<Alert> read_alert(const json::value& v, const std::string& where) {
  auto o = object_at(v, where);
  if (!o) return o.error();
  Alert a;
  if (Status s = read_alert_fields(**o, where, a.labels, a.annotations, a.starts_at, a.ends_at, a.generator_url); !s)
    return s.error();
  auto updated = time_field(**o, "updatedAt", where);
  if (!updated) return updated.error();
  auto timeout = bool_field(**o, "timeout", where);
  if (!timeout) return timeout.error();
  a.updated_at = *updated;
  a.timeout = *timeout;
  return a;
}

Result<NotificationLogEntry> read_log_entry(const json::value& v, const std::string& where) {
  auto o = object_at(v, where);
  if (!o) return o.error();
  NotificationLogEntry e;
  auto integration = string_field(**o, "integration", where);
  if (!integration) return integration.error();
  auto key = string_field(**o, "groupKey", where);
  if (!key) return key.error();
  auto firing = fingerprints_field(**o, "firing", where);
  if (!firing) return firing.error();
  auto resolved = fingerprints_field(**o, "resolved", where);
  if (!resolved) return resolved.error();
  auto at = time_field(**o, "at", where);
  if (!at) return at.error();
  auto expires = time_field(**o, "expires", where);
  if (!expires) return expires.error();
  return NotificationLogEntry{.integration = *std::move(integration),
                              .group_key = *std::move(key),
                              .firing = *std::move(firing),
                              .resolved = *std::move(resolved),
                              .at = *at,
                              .expires = *expires};
}

Result<Silence> read_silence(const json::value& v, const std::string& where) {
  auto o = object_at(v, where);
  if (!o) return o.error();
  Silence s;
  auto id = string_field(**o, "id", where);
  if (!id) return id.error();
  auto text = string_field(**o, "matchers", where);
  if (!text) return text.error();
  auto matchers = parse_matchers(*text);
  if (!matchers) return bad(where + ".matchers", matchers.error().message);
  for (auto [key, slot] : {std::pair{"startsAt", &s.starts_at}, {"endsAt", &s.ends_at}, {"updatedAt", &s.updated_at}}) {
    auto t = time_field(**o, key, where);
    if (!t) return t.error();
    *slot = *t;
  }
  auto by = string_field(**o, "createdBy", where);
  if (!by) return by.error();
  auto comment = string_field(**o, "comment", where);
  if (!comment) return comment.error();
  s.id = *std::move(id);
  s.matchers = *std::move(matchers);
  s.created_by = *std::move(by);
  s.comment = *std::move(comment);
  return s;
}

Result<PendingAlert> read_pending(const json::value& v, const std::string& where) {
  auto o = object_at(v, where);
  if (!o) return o.error();
  PendingAlert p;
  PostableAlert& a = p.alert;
  if (Status s = read_alert_fields(**o, where, a.labels, a.annotations, a.starts_at, a.ends_at, a.generator_url); !s)
    return s.error();
  auto enqueued = time_field(**o, "enqueued", where);
  if (!enqueued) return enqueued.error();
  p.enqueued = *enqueued;
  return p;
}

template <typename T, typename Read>
Status read_array(const json::object& o, std::string_view key, const std::string& where, std::vector<T>& out,
                  Read&& read) {
  auto a = array_field(o, key, where);
  if (!a) return a.error();
  out.reserve((*a)->size());
  for (size_t i = 0; i < (*a)->size(); ++i) {
    auto item = read((**a)[i], where + "." + std::string(key) + "[" + std::to_string(i) + "]");
    if (!item) return item.error();
    out.push_back(*std::move(item));
  }
  return {};
}

}  // namespace

std::string encode_notify_state(const NotifyState& state) {
  const DispatcherState& d = state.dispatcher;
  json::object alertmanagers;
  for (const auto& [url, pending] : state.alertmanagers) alertmanagers[url] = array_of(pending, pending_object);
  json::object doc{{"version", kNotifyStateVersion},
                   {"dispatcher",
                    {{"alerts", array_of(d.alerts, alert_object)},
                     {"log", array_of(d.log, log_object)},
                     {"silences", array_of(d.silences, silence_object)}}},
                   {"alertmanagers", std::move(alertmanagers)}};
  return json::serialize(doc) + "\n";
}

Result<NotifyState> decode_notify_state(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "not JSON: " + ec.message());
  auto root = object_at(doc, "the document");
  if (!root) return root.error();
  const json::value* version = (*root)->if_contains("version");
  if (version == nullptr || !version->is_int64()) return bad("version", "missing or not a number");
  if (version->as_int64() > kNotifyStateVersion) {
    return make_error(ErrorCode::kInvalidArgument, "written by a newer cogwatch (notify state version " +
                                                       std::to_string(version->as_int64()) + "; this one reads " +
                                                       std::to_string(kNotifyStateVersion) + ")");
  }
  NotifyState state;
  auto dispatcher_value = field(**root, "dispatcher", "");
  if (!dispatcher_value) return bad("dispatcher", "missing");
  auto d = object_at(**dispatcher_value, "dispatcher");
  if (!d) return d.error();
  if (Status s = read_array(**d, "alerts", "dispatcher", state.dispatcher.alerts, read_alert); !s) return s.error();
  if (Status s = read_array(**d, "log", "dispatcher", state.dispatcher.log, read_log_entry); !s) return s.error();
  if (Status s = read_array(**d, "silences", "dispatcher", state.dispatcher.silences, read_silence); !s)
    return s.error();
  auto ams_value = field(**root, "alertmanagers", "");
  if (!ams_value) return bad("alertmanagers", "missing");
  auto ams = object_at(**ams_value, "alertmanagers");
  if (!ams) return ams.error();
  for (const auto& kv : **ams) {
    const std::string where = "alertmanagers[\"" + std::string(kv.key()) + "\"]";
    if (!kv.value().is_array()) return bad(where, "not an array");
    std::vector<PendingAlert>& out = state.alertmanagers[std::string(kv.key())];
    for (size_t i = 0; i < kv.value().as_array().size(); ++i) {
      auto p = read_pending(kv.value().as_array()[i], where + "[" + std::to_string(i) + "]");
      if (!p) return p.error();
      out.push_back(*std::move(p));
    }
  }
  return state;
}

}  // namespace cogwatch::notify
