// PostingsIndex: for every label name="value", the sorted refs of the series
// that carry it, plus the list of all series. It answers "which series match
// these matchers" without looking at series that cannot match.
//
// Not thread-safe: Head guards it with a reader/writer lock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "model/labels.h"
#include "model/matcher.h"
#include "tsdb/appender.h"
#include "tsdb/cardinality.h"

namespace cogwatch::tsdb::internal {

using Postings = std::vector<SeriesRef>;  // sorted ascending, unique

class PostingsIndex {
 public:
  // Adds a series. Cheapest when ref is greater than every ref added
  // before (refs are handed out in increasing order: the lists grow by
  // appending); a smaller one is inserted in place.
  void add(SeriesRef ref, const Labels& labels);
  // Removes series (refs sorted ascending, with their labels).
  void remove(const std::vector<std::pair<SeriesRef, Labels>>& series);

  // The refs of the series matching all matchers, with Prometheus's
  // semantics for matchers that match the empty value (see
  // PostingsForMatchers in Prometheus's tsdb/querier.go): such a matcher
  // subtracts the series it rejects rather than intersecting. Empty for an
  // empty matcher list.
  Postings select(const std::vector<LabelMatcher>& matchers) const;

  // Sorted label names; sorted values of one name.
  std::vector<std::string> label_names() const;
  std::vector<std::string> label_values(std::string_view name) const;

  size_t num_series() const { return all_.size(); }
  // Fills the label-pair count and the four tables of `stats` (top
  // `limit` each; see cardinality.h). O(label pairs + log(limit) per pair).
  void cardinality(size_t limit, CardinalityStats& stats) const;
  // Heap bytes of the lists and maps (symbols are counted by their table).
  size_t allocated_bytes() const;

 private:
  struct ValueEntry {
    Symbol value;  // keeps the key's text alive
    Postings refs;
  };
  struct NameEntry {
    Symbol name;  // keeps the key's text alive
    boost::unordered_flat_map<std::string_view, ValueEntry> values;
  };
  // The lists of the values of m.name() that m matches. They are disjoint:
  // a series has one value per name.
  std::vector<const Postings*> lists_matching(const LabelMatcher& m) const;

  boost::unordered_flat_map<std::string_view, NameEntry> names_;
  Postings all_;
};

// Set operations on sorted postings. When one side is much smaller, they
// binary-search the larger instead of walking it.
Postings intersect(const Postings& a, const Postings& b);
Postings subtract(const Postings& a, const Postings& b);
// The refs of `candidates` that are in any of the (disjoint) lists.
Postings intersect_any(const Postings& candidates, const std::vector<const Postings*>& lists);
// The union of disjoint lists.
Postings merge_disjoint(const std::vector<const Postings*>& lists);
// Sorts and de-duplicates in place.
void sort_unique(Postings& p);

}  // namespace cogwatch::tsdb::internal
