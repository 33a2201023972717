// Helpers shared by the tests that read a store (tsdb, scrape, rules).
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
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

// All samples of the series selected by the matchers, series after series.
inline std::vector<std::pair<Timestamp, double>> read_selected(const Head& head,
                                                               const std::vector<LabelMatcher>& matchers) {
  std::vector<std::pair<Timestamp, double>> out;
  for (const SeriesData& s : head.select(matchers, kMinTimestamp, kMaxTimestamp)) {
    for (const auto& sample : read_all(s)) out.push_back(sample);
  }
  return out;
}

// All samples of the series named `name`.
inline std::vector<std::pair<Timestamp, double>> read_named(const Head& head, std::string_view name) {
  return read_selected(head, {matcher(MatchType::kEqual, "__name__", std::string(name).c_str())});
}

// Appends one sample in its own batch and commits it.
inline Result<SeriesRef> append_one(Head& head, const Labels& l, Timestamp t, double v) {
  auto app = head.appender();
  auto r = app->append(l, t, v);
  app->commit();
  return r;
}

}  // namespace cogwatch::tsdb::testing
