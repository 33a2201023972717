// Silences, as Alertmanager 0.25 keeps them (silence/silence.go): a set of
// matchers muting the alerts they all match between startsAt and endsAt,
// with who made it and why. Pending until it starts, active until it ends,
// then expired and kept for `retention` (Alertmanager's --data.retention,
// 120h) so it can still be read back.
//
//   Silences silences;
//   auto id = silences.set({.matchers = ms, .starts_at = now, .ends_at = now + kHour,
//                           .created_by = "ops", .comment = "maintenance"}, now);
//   if (!silences.muting(alert.labels, now).empty()) ...  // drop it before grouping
//   silences.expire(*id, now);
//
// Editing follows Alertmanager: a silence whose matchers or start changed
// (or an active one whose end moved into the past) is expired and replaced
// by a new one with a new ID; otherwise it is updated in place.
//
// Thread-safety: a Silences object is used from one thread (the notifier's
// lock guards it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "notify/matchers.h"

namespace cogwatch::notify {

enum class SilenceState : uint8_t { kPending, kActive, kExpired };
std::string_view silence_state_name(SilenceState s);  // "pending", "active", "expired"

struct Silence {
  std::string id;  // empty when creating
  AmMatchers matchers;
  Timestamp starts_at = 0;
  Timestamp ends_at = 0;
  Timestamp updated_at = 0;
  std::string created_by;
  std::string comment;

  SilenceState state_at(Timestamp now) const;
};

class Silences {
 public:
  explicit Silences(Duration retention = 120 * kHour);

  // Creates (empty id) or updates a silence; returns its ID, which is new
  // when the edit could not be made in place. Errors: kNotFound for an
  // unknown id ("not found"), kInvalidArgument for an invalid silence
  // ("at least one matcher required", "end time must not be before start
  // time", ...).
  Result<std::string> set(Silence silence, Timestamp now);

  // Ends a silence now. Errors: kNotFound; kInvalidArgument "silence <id>
  // already expired".
  Status expire(const std::string& id, Timestamp now);

  const Silence* get(const std::string& id) const;
  // Every silence held (expired ones until their retention ends), in
  // no particular order.
  std::vector<Silence> list() const;

  // IDs of the active silences whose matchers all match the labels, sorted.
  std::vector<std::string> muting(const Labels& labels, Timestamp now) const;

  // Drops silences that ended more than `retention` ago.
  void gc(Timestamp now);

  // Takes back silences another process saved (IDs, times and authors as
  // they were, as Alertmanager loads its snapshot); one with the ID of a
  // silence held replaces it; then gc(now).
  void restore(const std::vector<Silence>& silences, Timestamp now);

 private:
  std::string new_id();

  Duration retention_;
  std::map<std::string, Silence> silences_;
  std::mt19937_64 random_;
};

}  // namespace cogwatch::notify
