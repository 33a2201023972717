#include "tsdb/stale_markers.h"

#include <algorithm>

#include <boost/unordered/unordered_flat_set.hpp>

#include "model/value.h"

namespace cogwatch::tsdb {
namespace {

// Label sets by address, compared by value: no copies, and sets that share
// storage (the scrape cache hands out the same Labels each scrape) compare
// by one pointer test.
struct LabelsPtrHash {
  size_t operator()(const Labels* l) const { return l->hash(); }
};
struct LabelsPtrEqual {
  bool operator()(const Labels* a, const Labels* b) const { return *a == *b; }
};
using LabelsSet = boost::unordered_flat_set<const Labels*, LabelsPtrHash, LabelsPtrEqual>;

}  // namespace

size_t append_stale_markers(Appender& app, std::span<const Labels> previous, std::span<const Labels> current,
                            Timestamp t) {
  // The steady state of a scrape loop: the same series, in the same order,
  // held by the same cache entries. Then nothing ended, and a pass over the
  // two arrays says so without hashing every set.
  if (std::ranges::equal(previous, current, [](const Labels& a, const Labels& b) { return a.same_storage(b); })) {
    return 0;
  }
  LabelsSet keep;
  keep.reserve(current.size());
  for (const Labels& l : current) keep.insert(&l);
  size_t appended = 0;
  for (const Labels& l : previous) {
    // Inserting marks a set as done, so a repeat in `previous` is marked once.
    if (!keep.insert(&l).second) continue;
    if (app.append(l, t, stale_nan())) ++appended;  // a refusal means the series went on: see the header
  }
  return appended;
}

}  // namespace cogwatch::tsdb
