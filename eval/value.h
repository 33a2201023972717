// The values PromQL evaluation produces, shaped like Prometheus's: a scalar,
// a string, an instant vector (one sample per series at one time), or a
// matrix (several samples per series: the result of a range query, or a
// range vector). A sample of a vector or matrix is a float or a native
// histogram.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::eval {

// A sample: a float, or a native histogram when h is set (v is then 0).
struct Point {
  Timestamp t = 0;
  double v = 0;
  HistogramRef h;
};

struct Scalar {
  Timestamp t = 0;
  double v = 0;
};

struct String {
  Timestamp t = 0;
  std::string v;
};

struct Sample {
  Labels labels;
  Timestamp t = 0;
  double v = 0;
  HistogramRef h;  // set: a histogram sample
};
using Vector = std::vector<Sample>;

struct Series {
  Labels labels;
  std::vector<Point> points;  // in time order
};
using Matrix = std::vector<Series>;

using Value = std::variant<Scalar, String, Vector, Matrix>;

// A warning or note about a query's result, as Prometheus's annotations
// ("PromQL info: metric might not be a counter, ..."). `span` is the part
// of the query it is about.
struct Annotation {
  enum class Level : uint8_t { kWarning, kInfo } level = Level::kWarning;
  std::string message;  // without the "PromQL warning: " prefix and position
  Span span;
  friend bool operator==(const Annotation&, const Annotation&) = default;
};
using Annotations = std::vector<Annotation>;

}  // namespace cogwatch::eval
