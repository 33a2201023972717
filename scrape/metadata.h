// Metric metadata: what a target's # HELP, # TYPE and # UNIT lines say about
// its metric families, as Prometheus's scrape cache keeps it and its API
// serves it (/api/v1/metadata, /api/v1/targets/metadata).
//
// The exposition parser passes metadata lines to a MetadataSink
// (exposition.h); ScrapeLoop keeps them per target and publishes a
// MetadataSnapshot that TargetStatus carries.
//
// Thread-safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cogwatch::scrape {

// Prometheus's model.MetricType. The text format's "untyped" is kUnknown.
enum class MetricType : uint8_t {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,  // OpenMetrics
  kSummary,
  kInfo,      // OpenMetrics
  kStateset,  // OpenMetrics
};

// "unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary",
// "info", "stateset": the API's "type" field.
std::string_view metric_type_name(MetricType t);

// One metric family's metadata as last scraped. A family seen only in a
// # HELP line has type kUnknown, as in Prometheus.
struct MetricMetadata {
  std::string metric;  // the family name from the line ("http_requests" for OpenMetrics counters)
  MetricType type = MetricType::kUnknown;
  std::string help;  // unescaped
  std::string unit;
  friend bool operator==(const MetricMetadata&, const MetricMetadata&) = default;
};

// A target's metadata, sorted by metric. Immutable once published, so the
// scrape loop hands it to readers on other threads by pointer.
using MetadataSnapshot = std::shared_ptr<const std::vector<MetricMetadata>>;

}  // namespace cogwatch::scrape
