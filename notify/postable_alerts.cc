#include "notify/postable_alerts.h"

#include "model/go_json.h"
#include "model/url.h"

namespace cogwatch::notify {
std::string postable_alerts_json(const std::vector<PostableAlert>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const PostableAlert& a = alerts[i];
    if (i > 0) out += ',';
    out += "{\"annotations\":";
    append_json_object(out, a.annotations);
    out += ",\"endsAt\":\"" + format_rfc3339_millis(a.ends_at) + "\"";
    out += ",\"startsAt\":\"" + format_rfc3339_millis(a.starts_at) + "\"";
    out += ",\"generatorURL\":";
    append_go_json_string(out, a.generator_url);
    out += ",\"labels\":";
    append_json_object(out, a.labels);
    out += '}';
  }
  return out + "]";
}

std::string generator_url(std::string_view external_url, std::string_view expr) {
  return std::string(external_url) + "/graph?g0.expr=" + query_escape(expr) + "&g0.tab=1";
}

}  // namespace cogwatch::notify
