// Helpers shared by the tsdb tests.
#pragma once

#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "model/matcher.h"
#include "tsdb/head.h"

namespace cogwatch::tsdb::testing {

inline LabelMatcher matcher(MatchType t, const char* name, const char* value) {
  auto m = LabelMatcher::make(t, name, value);
  EXPECT_TRUE(m.ok());
  return *m;
}

// All samples of one selected series.
inline std::vector<std::pair<Timestamp, double>> read_all(const SeriesData& s) {
  std::vector<std::pair<Timestamp, double>> out;
  SeriesIterator it = s.iterator();
  while (it.next()) out.emplace_back(it.t(), it.v());
  EXPECT_TRUE(it.err().ok());
  return out;
}

// Appends one sample in its own batch and commits it.
inline Result<SeriesRef> append_one(Head& head, const Labels& l, Timestamp t, double v) {
  auto app = head.appender();
  auto r = app->append(l, t, v);
  app->commit();
  return r;
}

}  // namespace cogwatch::tsdb::testing
