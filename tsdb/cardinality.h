// The store's cardinality as Prometheus's /api/v1/status/tsdb reports it
// (its Head.Stats and MemPostings.Stats): how many series, label pairs and
// chunks, and four top-N tables computed from the postings index in one
// pass under its read lock, without touching any series.
//
//   tsdb::CardinalityStats s = head.cardinality_stats(10);
//   s.series_count_by_metric_name[0]  // {"cog_predict_duration_seconds_bucket", 8000}
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/time.h"

namespace cogwatch::tsdb {

struct CardinalityStat {
  std::string name;
  uint64_t value = 0;
  friend bool operator==(const CardinalityStat&, const CardinalityStat&) = default;
};

// Each table holds at most `limit` rows, the largest values first; ties in
// name order (Prometheus leaves their order to its heap).
struct CardinalityStats {
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;  // distinct name="value" pairs in the index
  uint64_t chunk_count = 0;      // sealed chunks plus non-empty open chunks
  Timestamp min_time = kMaxTimestamp;  // as HeadStats: kMaxTimestamp when empty
  Timestamp max_time = kMinTimestamp;
  // __name__ values by their number of series.
  std::vector<CardinalityStat> series_count_by_metric_name;
  // Label names by their number of distinct values.
  std::vector<CardinalityStat> label_value_count_by_label_name;
  // Label names by the bytes their pairs take over all series, estimated
  // as Prometheus 3's default (stringlabels) build does: per series,
  // len(name) + len(value) plus a length prefix of 1 byte for each (4 from
  // 255 bytes on).
  std::vector<CardinalityStat> memory_in_bytes_by_label_name;
  // "name=value" pairs by their number of series.
  std::vector<CardinalityStat> series_count_by_label_value_pair;
};

}  // namespace cogwatch::tsdb
