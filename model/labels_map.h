// LabelsMap<T> and LabelsSet: hash containers keyed by a Labels.
//
// A Labels carries its hash, computed once when it was built (xxHash3 over
// names and values), so lookups cost no hashing: the map probes by that hash
// and confirms with Labels' equality (pointer equality first, then hash and
// size, then the symbols). Distinct label sets that collide on the 64-bit
// hash are still told apart.
//
//   LabelsMap<size_t> index;
//   auto [it, inserted] = index.try_emplace(series.labels, rows.size());
//   if (const auto* row = find_value(index, key)) use(*row);
//   LabelsSet seen;
//   if (!seen.insert(key).second) duplicate();
//
// Both are Boost's open-addressing flat containers (std::unordered_map's
// interface): elements are stored inline, so inserting may move them and
// invalidates references and iterators into the container. Iteration order is
// unspecified; callers that need an order keep one themselves (e.g. map
// labels to an index into a vector).
//
// Thread-safety: as std containers: concurrent reads are safe, writes need
// exclusive access.
#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "model/labels.h"

namespace cogwatch {

// Hashes a Labels by its precomputed hash. The hash is well mixed, so the
// containers use it as it is (no extra mixing step).
struct LabelsHash {
  using is_avalanching = std::true_type;
  size_t operator()(const Labels& labels) const noexcept { return static_cast<size_t>(labels.hash()); }
};

template <typename T>
using LabelsMap = boost::unordered_flat_map<Labels, T, LabelsHash, std::equal_to<Labels>>;

using LabelsSet = boost::unordered_flat_set<Labels, LabelsHash, std::equal_to<Labels>>;

// The value stored for key, or nullptr. The pointer is valid until the next
// insertion.
template <typename T>
T* find_value(LabelsMap<T>& map, const Labels& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}
template <typename T>
const T* find_value(const LabelsMap<T>& map, const Labels& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace cogwatch
