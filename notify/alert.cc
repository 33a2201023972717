#include "notify/alert.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace cogwatch::notify {

Alert accept_posted(const PostableAlert& posted, Timestamp now, Duration resolve_timeout) {
  Alert a;
  LabelsBuilder b;
  for (const Label l : posted.labels) {
    if (!l.value.empty()) b.set(l.name, l.value);
  }
  a.labels = b.build();
  a.annotations = posted.annotations;
  a.generator_url = posted.generator_url;
  a.starts_at = posted.starts_at;
  a.ends_at = posted.ends_at;
  a.updated_at = now;
  if (a.starts_at == kUnsetTime) a.starts_at = a.ends_at == kUnsetTime ? now : a.ends_at;
  if (a.ends_at == kUnsetTime) {
    a.timeout = true;
    a.ends_at = now + resolve_timeout;
  }
  return a;
}

bool overlaps(const Alert& held, const Alert& posted) {
  return (posted.ends_at > held.starts_at && posted.ends_at < held.ends_at) ||
         (posted.starts_at > held.starts_at && posted.starts_at < held.ends_at);
}

Alert merge(const Alert& a, const Alert& b) {
  // Let `younger` be the one updated last.
  const Alert& older = b.updated_at < a.updated_at ? b : a;
  const Alert& younger = b.updated_at < a.updated_at ? a : b;
  Alert out = younger;
  if (older.starts_at < younger.starts_at) out.starts_at = older.starts_at;
  // Resolved() in Go compares with the wall clock; both alerts were just
  // received, so "resolved" is "has an end in the past" at the younger's
  // arrival.
  const auto resolved = [&](const Alert& x) { return x.resolved_at(younger.updated_at); };
  if (resolved(younger)) {
    if (resolved(older) && older.ends_at > younger.ends_at) out.ends_at = older.ends_at;
  } else if (older.ends_at > younger.ends_at && !older.timeout) {
    out.ends_at = older.ends_at;
  }
  return out;
}

bool labels_before(const Labels& a, const Labels& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  std::vector<std::string_view> names;
  names.reserve(a.size() + b.size());
  for (const Label l : a) names.push_back(l.name);
  for (const Label l : b) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  for (std::string_view name : names) {
    if (!a.has(name)) return true;
    if (!b.has(name)) return false;
    const std::string_view av = a.get(name), bv = b.get(name);
    if (av != bv) return av < bv;
  }
  return false;
}

bool alert_before(const Alert& a, const Alert& b) {
  for (std::string_view key : {std::string_view("job"), std::string_view("instance")}) {
    const bool ah = a.labels.has(key), bh = b.labels.has(key);
    if (!ah && !bh) continue;
    if (!ah) return false;
    if (!bh) return true;
    const std::string_view av = a.labels.get(key), bv = b.labels.get(key);
    if (av != bv) return av < bv;
  }
  return labels_before(a.labels, b.labels);
}

}  // namespace cogwatch::notify
