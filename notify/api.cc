#include "notify/api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include "model/go_json.h"
#include "notify/label_set.h"

namespace cogwatch::notify {
namespace {

using net::HttpRequest;
using net::HttpResponse;

HttpResponse json_response(int status, std::string body) {
  return HttpResponse{.status = status, .content_type = "application/json", .body = std::move(body)};
}

// go-openapi answers a failed operation with its reason as a JSON string.
HttpResponse error_response(int status, const std::string& reason) {
  return json_response(status, go_json_string(reason) + "\n");
}

std::string time_json(Timestamp t) { return "\"" + format_rfc3339_millis(t) + "\""; }

// The `filter` parameters: one matcher each (labels.ParseMatcher).
Result<AmMatchers> parse_filter(const boost::urls::params_view& params) {
  AmMatchers out;
  for (const auto& p : params) {
    if (p.key != "filter") continue;
    auto m = parse_matcher(p.value);
    if (!m) return m.error();
    out.push_back(*std::move(m));
  }
  return out;
}

// A boolean query parameter with its default, as go-swagger reads it.
Result<bool> bool_param(const boost::urls::params_view& params, std::string_view name, bool fallback) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  const std::string v = (*it).value;
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return make_error(ErrorCode::kInvalidArgument, std::string(name) + " in query must be of type bool: \"" + v + "\"");
}

// matchFilterLabels: negative matchers also match a missing label.
bool matches_filter(const AmMatchers& filter, const auto& has, const auto& get) {
  for (const AmMatcher& m : filter) {
    const bool negative = m.type() == AmMatchType::kNotEqual || m.type() == AmMatchType::kNotRegexp;
    if (!negative && !has(m.name())) return false;
    if (!m.matches(get(m.name()))) return false;
  }
  return true;
}

void append_string_array(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += go_json_string(items[i]);
  }
  out += ']';
}

// A GettableAlert, fields in go-swagger's order.
void append_alert(std::string& out, const AlertView& v) {
  const Alert& a = v.alert;
  out += "{\"annotations\":";
  append_json_object(out, a.annotations);
  out += ",\"endsAt\":" + time_json(a.ends_at);
  out += ",\"fingerprint\":\"" + fingerprint_string(a.labels) + "\"";
  out += ",\"receivers\":[";
  for (size_t i = 0; i < v.receivers.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":" + go_json_string(v.receivers[i]) + "}";
  }
  const bool suppressed = !v.silenced_by.empty() || !v.inhibited_by.empty();
  out += "],\"startsAt\":" + time_json(a.starts_at);
  out += ",\"status\":{\"inhibitedBy\":";
  append_string_array(out, v.inhibited_by);
  out += ",\"silencedBy\":";
  append_string_array(out, v.silenced_by);
  out += std::string(",\"state\":\"") + (suppressed ? "suppressed" : "active") + "\"}";
  out += ",\"updatedAt\":" + time_json(a.updated_at);
  if (!a.generator_url.empty()) out += ",\"generatorURL\":" + go_json_string(a.generator_url);
  out += ",\"labels\":";
  append_json_object(out, a.labels);
  out += '}';
}

void append_silence(std::string& out, const Silence& s, Timestamp now) {
  out += "{\"id\":" + go_json_string(s.id);
  out += ",\"status\":{\"state\":\"" + std::string(silence_state_name(s.state_at(now))) + "\"}";
  out += ",\"updatedAt\":" + time_json(s.updated_at);
  out += ",\"comment\":" + go_json_string(s.comment);
  out += ",\"createdBy\":" + go_json_string(s.created_by);
  out += ",\"endsAt\":" + time_json(s.ends_at);
  out += ",\"matchers\":[";
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    const AmMatcher& m = s.matchers[i];
    if (i > 0) out += ',';
    const bool equal = m.type() == AmMatchType::kEqual || m.type() == AmMatchType::kRegexp;
    const bool regex = m.type() == AmMatchType::kRegexp || m.type() == AmMatchType::kNotRegexp;
    out += std::string("{\"isEqual\":") + (equal ? "true" : "false") + ",\"isRegex\":" + (regex ? "true" : "false") +
           ",\"name\":" + go_json_string(m.name()) + ",\"value\":" + go_json_string(m.value()) + "}";
  }
  out += "],\"startsAt\":" + time_json(s.starts_at) + "}";
}

// Reads an RFC 3339 time field of a JSON object; kUnsetTime when absent.
Result<Timestamp> time_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return kUnsetTime;
  if (!v->is_string()) return make_error(ErrorCode::kInvalidArgument, std::string(key) + " must be a date-time string");
  const std::string_view text = v->as_string();
  auto t = text.find('T') != std::string_view::npos ? parse_api_time(text) : Result<Timestamp>(make_error(ErrorCode::kInvalidArgument, ""));
  if (!t) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(key) + " in body must be of type date-time: \"" + std::string(text) + "\"");
  }
  return *t;
}

std::string string_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A JSON object of strings, as name/value pairs sorted by name, empty
// values kept (annotations keep them; labels drop them).
Result<Annotations> string_map(const boost::json::object& o, std::string_view key) {
  Annotations out;
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return make_error(ErrorCode::kInvalidArgument, std::string(key) + " must be an object");
  for (const auto& kv : v->as_object()) {
    if (!kv.value().is_string()) {
      return make_error(ErrorCode::kInvalidArgument, std::string(key) + "." + std::string(kv.key()) + " must be a string");
    }
    out.emplace_back(kv.key(), kv.value().as_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<PostableAlert>> parse_postable_alerts(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "parsing alerts body: " + ec.message());
  if (!doc.is_array()) return make_error(ErrorCode::kInvalidArgument, "alerts body must be a JSON array");
  std::vector<PostableAlert> out;
  for (const auto& item : doc.as_array()) {
    if (!item.is_object()) return make_error(ErrorCode::kInvalidArgument, "each alert must be a JSON object");
    const auto& o = item.as_object();
    PostableAlert a;
    if (!o.contains("labels")) return make_error(ErrorCode::kInvalidArgument, "labels in body is required");
    auto labels = string_map(o, "labels");
    if (!labels) return labels.error();
    a.labels = annotations_as_labels(*labels);  // empty label values dropped, as the API does
    auto annotations = string_map(o, "annotations");
    if (!annotations) return annotations.error();
    a.annotations = *std::move(annotations);
    auto starts = time_field(o, "startsAt");
    if (!starts) return starts.error();
    auto ends = time_field(o, "endsAt");
    if (!ends) return ends.error();
    a.starts_at = *starts;
    a.ends_at = *ends;
    a.generator_url = string_field(o, "generatorURL");
    out.push_back(std::move(a));
  }
  return out;
}

Result<Silence> parse_postable_silence(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return make_error(ErrorCode::kInvalidArgument, "parsing silence body: not a JSON object");
  const auto& o = doc.as_object();
  for (const char* required : {"matchers", "startsAt", "endsAt", "createdBy", "comment"}) {
    if (!o.contains(required)) return make_error(ErrorCode::kInvalidArgument, std::string(required) + " in body is required");
  }
  Silence s;
  s.id = string_field(o, "id");
  s.created_by = string_field(o, "createdBy");
  s.comment = string_field(o, "comment");
  auto starts = time_field(o, "startsAt");
  if (!starts) return starts.error();
  auto ends = time_field(o, "endsAt");
  if (!ends) return ends.error();
  s.starts_at = *starts;
  s.ends_at = *ends;
  const auto& ms = o.at("matchers");
  if (!ms.is_array()) return make_error(ErrorCode::kInvalidArgument, "matchers in body must be of type array");
  for (const auto& m : ms.as_array()) {
    if (!m.is_object()) return make_error(ErrorCode::kInvalidArgument, "matchers must be objects");
    const auto& mo = m.as_object();
    const auto* is_regex = mo.if_contains("isRegex");
    const auto* is_equal = mo.if_contains("isEqual");
    const bool regex = is_regex != nullptr && is_regex->is_bool() && is_regex->as_bool();
    const bool equal = is_equal == nullptr || !is_equal->is_bool() || is_equal->as_bool();
    const AmMatchType type = regex ? (equal ? AmMatchType::kRegexp : AmMatchType::kNotRegexp)
                                   : (equal ? AmMatchType::kEqual : AmMatchType::kNotEqual);
    auto matcher = AmMatcher::make(type, string_field(mo, "name"), string_field(mo, "value"));
    if (!matcher) return matcher.error();
    s.matchers.push_back(*std::move(matcher));
  }
  return s;
}

}  // namespace

std::optional<HttpResponse> AlertmanagerApi::handle(const HttpRequest& request) const {
  auto target = boost::urls::parse_origin_form(request.target);
  if (!target) return std::nullopt;
  const std::string path = target->path();
  if (!path.starts_with("/api/v2/")) return std::nullopt;
  const auto params = target->params();
  const std::string& method = request.method;
  const Timestamp now = dispatcher_.now();

  if (path == "/api/v2/alerts" && method == "POST") {
    auto alerts = parse_postable_alerts(request.body);
    if (!alerts) return error_response(400, alerts.error().message);
    if (Status s = dispatcher_.put(*alerts); !s) return error_response(400, s.error().message);
    return json_response(200, "");
  }
  if ((path == "/api/v2/alerts" || path == "/api/v2/alerts/groups") && method == "GET") {
    auto filter = parse_filter(params);
    if (!filter) return error_response(400, filter.error().message);
    auto silenced = bool_param(params, "silenced", true);
    auto inhibited = bool_param(params, "inhibited", true);
    auto active = bool_param(params, "active", true);
    for (const auto* b : {&silenced, &inhibited, &active}) {
      if (!*b) return error_response(400, b->error().message);
    }
    std::optional<AmMatcher> receiver;
    if (auto it = params.find("receiver"); it != params.end()) {
      auto re = AmMatcher::make(AmMatchType::kRegexp, "receiver", (*it).value);
      if (!re) return error_response(400, "failed to parse receiver param: " + re.error().message);
      receiver = *std::move(re);
    }
    // For /alerts the receiver parameter picks alerts by the receivers of
    // their routes; for /alerts/groups it picks groups by their route's.
    const bool by_alert_receivers = path == "/api/v2/alerts";
    const auto keep = [&](const AlertView& v) {
      const bool suppressed = !v.silenced_by.empty() || !v.inhibited_by.empty();
      if (!*active && !suppressed) return false;
      if (!*silenced && !v.silenced_by.empty()) return false;
      if (!*inhibited && !v.inhibited_by.empty()) return false;
      if (by_alert_receivers && receiver &&
          std::none_of(v.receivers.begin(), v.receivers.end(),
                       [&](const std::string& r) { return receiver->matches(r); })) {
        return false;
      }
      const Labels& l = v.alert.labels;
      return matches_filter(*filter, [&](std::string_view n) { return l.has(n); },
                            [&](std::string_view n) { return l.get(n); });
    };
    std::string out = "[";
    bool first = true;
    if (path == "/api/v2/alerts") {
      for (const AlertView& v : dispatcher_.alerts()) {
        if (!keep(v)) continue;
        if (!first) out += ',';
        first = false;
        append_alert(out, v);
      }
    } else {
      std::function<bool(const std::string&)> keep_receiver;
      if (receiver) keep_receiver = [&](const std::string& r) { return receiver->matches(r); };
      for (const GroupView& g : dispatcher_.groups(keep_receiver)) {
        std::string alerts;
        for (const AlertView& v : g.alerts) {
          if (!keep(v)) continue;
          if (!alerts.empty()) alerts += ',';
          append_alert(alerts, v);
        }
        if (alerts.empty()) continue;
        if (!first) out += ',';
        first = false;
        out += "{\"alerts\":[" + alerts + "],\"labels\":";
        append_json_object(out, g.labels);
        out += ",\"receiver\":{\"name\":" + go_json_string(g.receiver) + "}}";
      }
    }
    return json_response(200, out + "]\n");
  }
  if (path == "/api/v2/silences" && method == "GET") {
    auto filter = parse_filter(params);
    if (!filter) return error_response(400, filter.error().message);
    std::vector<Silence> silences = dispatcher_.silences();
    std::erase_if(silences, [&](const Silence& s) {
      // silenceMatchesFilterLabels: the silence's matchers read as labels.
      const auto find = [&](std::string_view n) {
        return std::find_if(s.matchers.begin(), s.matchers.end(), [&](const AmMatcher& m) { return m.name() == n; });
      };
      return !matches_filter(*filter, [&](std::string_view n) { return find(n) != s.matchers.end(); },
                             [&](std::string_view n) {
                               auto it = find(n);
                               return it != s.matchers.end() ? std::string_view(it->value()) : std::string_view();
                             });
    });
    // SortSilences: active by end, pending by start, expired by end, latest first.
    std::sort(silences.begin(), silences.end(), [&](const Silence& a, const Silence& b) {
      const SilenceState sa = a.state_at(now), sb = b.state_at(now);
      if (sa != sb) {
        const auto order = [](SilenceState s) { return s == SilenceState::kActive ? 0 : s == SilenceState::kPending ? 1 : 2; };
        return order(sa) < order(sb);
      }
      if (sa == SilenceState::kActive) return a.ends_at < b.ends_at;
      if (sa == SilenceState::kPending) return a.starts_at < b.starts_at;
      return a.ends_at > b.ends_at;
    });
    std::string out = "[";
    for (size_t i = 0; i < silences.size(); ++i) {
      if (i > 0) out += ',';
      append_silence(out, silences[i], now);
    }
    return json_response(200, out + "]\n");
  }
  if (path == "/api/v2/silences" && method == "POST") {
    auto silence = parse_postable_silence(request.body);
    if (!silence) return error_response(400, "failed to convert API silence to internal silence: " + silence.error().message);
    if (silence->starts_at >= silence->ends_at) {
      return error_response(400, "Failed to create silence: start time must be before end time");
    }
    if (silence->ends_at < now) return error_response(400, "Failed to create silence: end time can't be in the past");
    auto id = dispatcher_.set_silence(*std::move(silence));
    if (!id) return error_response(id.error().code == ErrorCode::kNotFound ? 404 : 400, id.error().message);
    return json_response(200, "{\"silenceID\":" + go_json_string(*id) + "}\n");
  }
  if (path.starts_with("/api/v2/silence/")) {
    const std::string id = path.substr(std::string_view("/api/v2/silence/").size());
    if (method == "GET") {
      auto s = dispatcher_.silence(id);
      if (!s) return json_response(404, "");
      std::string out;
      append_silence(out, *s, now);
      return json_response(200, out + "\n");
    }
    if (method == "DELETE") {
      Status s = dispatcher_.expire_silence(id);
      if (!s) return s.error().code == ErrorCode::kNotFound ? json_response(404, "") : error_response(500, s.error().message);
      return json_response(200, "");
    }
  }
  if (path == "/api/v2/receivers" && method == "GET") {
    std::string out = "[";
    const auto names = dispatcher_.receivers();
    for (size_t i = 0; i < names.size(); ++i) out += std::string(i > 0 ? "," : "") + "{\"name\":" + go_json_string(names[i]) + "}";
    return json_response(200, out + "]\n");
  }
  if (path == "/api/v2/status" && method == "GET") {
    std::string out = "{\"cluster\":{\"peers\":[],\"status\":\"disabled\"},\"config\":{\"original\":" +
                      go_json_string(info_.config_text) + "},\"uptime\":" + time_json(info_.started_at) +
                      ",\"versionInfo\":{\"branch\":\"\",\"buildDate\":\"\",\"buildUser\":\"\",\"goVersion\":\"\","
                      "\"revision\":\"\",\"version\":" + go_json_string(info_.version) + "}}\n";
    return json_response(200, out);
  }
  return error_response(404, "path " + path + " was not found");
}

}  // namespace cogwatch::notify
