// The values PromQL evaluation produces, shaped like Prometheus's: a scalar,
// a string, an instant vector (one sample per series at one time), or a
// matrix (several samples per series: the result of a range query, or a
// range vector).
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::eval {

struct Point {
  Timestamp t = 0;
  double v = 0;
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
};
using Vector = std::vector<Sample>;

struct Series {
  Labels labels;
  std::vector<Point> points;  // in time order
};
using Matrix = std::vector<Series>;

using Value = std::variant<Scalar, String, Vector, Matrix>;

}  // namespace cogwatch::eval
