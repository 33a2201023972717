#include "notify/silences.h"

#include <algorithm>
#include <cstdio>

namespace cogwatch::notify {

std::string_view silence_state_name(SilenceState s) {
  switch (s) {
    case SilenceState::kPending: return "pending";
    case SilenceState::kActive: return "active";
    case SilenceState::kExpired: return "expired";
  }
  return "expired";
}

SilenceState Silence::state_at(Timestamp now) const {
  if (now < starts_at) return SilenceState::kPending;
  if (now < ends_at) return SilenceState::kActive;
  return SilenceState::kExpired;
}

namespace {

// model.LabelName.IsValid in Alertmanager 0.25: the classic
// [a-zA-Z_][a-zA-Z0-9_]*, not Prometheus 3's UTF-8 names.
bool is_classic_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// silence.validateSilence, in its words.
Status validate(const Silence& s) {
  if (s.matchers.empty()) return make_error(ErrorCode::kInvalidArgument, "at least one matcher required");
  for (const AmMatcher& m : s.matchers) {
    if (!is_classic_label_name(m.name())) {
      return make_error(ErrorCode::kInvalidArgument, "invalid label matcher: invalid label name \"" + m.name() + "\"");
    }
  }
  if (s.ends_at < s.starts_at) return make_error(ErrorCode::kInvalidArgument, "end time must not be before start time");
  return {};
}

bool same_matchers(const AmMatchers& a, const AmMatchers& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].type() != b[i].type() || a[i].name() != b[i].name() || a[i].value() != b[i].value()) return false;
  }
  return true;
}

// canUpdate: whether `next` may replace `prev` in place.
bool can_update(const Silence& prev, const Silence& next, Timestamp now) {
  if (!same_matchers(prev.matchers, next.matchers)) return false;
  switch (prev.state_at(now)) {
    case SilenceState::kActive:
      return next.starts_at == prev.starts_at && next.ends_at >= now;
    case SilenceState::kPending:
      return next.starts_at >= now;
    case SilenceState::kExpired:
      return false;
  }
  return false;
}

}  // namespace

Silences::Silences(Duration retention) : retention_(retention), random_(std::random_device{}()) {}

std::string Silences::new_id() {
  // A random (version 4) UUID, as Alertmanager's IDs are.
  const uint64_t hi = (random_() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t lo = (random_() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

Result<std::string> Silences::set(Silence s, Timestamp now) {
  if (Status v = validate(s); !v) return v.error();
  if (!s.id.empty()) {
    auto it = silences_.find(s.id);
    if (it == silences_.end()) return make_error(ErrorCode::kNotFound, "not found");
    if (can_update(it->second, s, now)) {
      s.updated_at = now;
      it->second = s;
      return s.id;
    }
    if (it->second.state_at(now) != SilenceState::kExpired) {
      if (Status e = expire(s.id, now); !e) return e.error();
    }
  }
  s.id = new_id();
  if (s.starts_at < now) s.starts_at = now;
  s.updated_at = now;
  // A replacement whose end moved before now starts and ends at once.
  if (s.ends_at < s.starts_at) s.ends_at = s.starts_at;
  silences_[s.id] = s;
  return s.id;
}

void Silences::restore(const std::vector<Silence>& silences, Timestamp now) {
  for (const Silence& s : silences) silences_[s.id] = s;
  gc(now);
}

Status Silences::expire(const std::string& id, Timestamp now) {
  auto it = silences_.find(id);
  if (it == silences_.end()) return make_error(ErrorCode::kNotFound, "not found");
  Silence& s = it->second;
  switch (s.state_at(now)) {
    case SilenceState::kExpired:
      return make_error(ErrorCode::kInvalidArgument, "silence " + id + " already expired");
    case SilenceState::kPending:
      s.starts_at = now;
      s.ends_at = now;
      break;
    case SilenceState::kActive:
      s.ends_at = now;
      break;
  }
  s.updated_at = now;
  return {};
}

const Silence* Silences::get(const std::string& id) const {
  auto it = silences_.find(id);
  return it == silences_.end() ? nullptr : &it->second;
}

std::vector<Silence> Silences::list() const {
  std::vector<Silence> out;
  out.reserve(silences_.size());
  for (const auto& [id, s] : silences_) out.push_back(s);
  return out;
}

std::vector<std::string> Silences::muting(const Labels& labels, Timestamp now) const {
  std::vector<std::string> ids;
  for (const auto& [id, s] : silences_) {
    if (s.state_at(now) == SilenceState::kActive && all_match(s.matchers, labels)) ids.push_back(id);
  }
  return ids;  // std::map keeps them sorted
}

void Silences::gc(Timestamp now) {
  std::erase_if(silences_, [&](const auto& kv) { return kv.second.ends_at + retention_ < now; });
}

}  // namespace cogwatch::notify
