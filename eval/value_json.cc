#include "eval/value_json.h"

#include <cmath>

#include "model/value.h"

namespace cogwatch::eval {
namespace {

void append_metric(std::string& out, const Labels& labels) {
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    append_go_json_string(out, labels[i].name);
    out += ':';
    append_go_json_string(out, labels[i].value);
  }
  out += '}';
}

void append_quoted_float(std::string& out, double v) {
  out += '"';
  out += format_api_float(v);
  out += '"';
}

void append_point(std::string& out, Timestamp t, double v) {
  out += '[';
  append_json_time(out, t);
  out += ',';
  append_quoted_float(out, v);
  out += ']';
}

void append_histogram_point(std::string& out, Timestamp t, const FloatHistogram& h) {
  out += '[';
  append_json_time(out, t);
  out += ',';
  append_histogram_json(out, h);
  out += ']';
}

// A scalar's or string's time: Go's encoding/json of float64(t) / 1000
// (their MarshalJSON), so 1.5 where a sample's time is 1.500.
void append_go_seconds(std::string& out, Timestamp t) {
  const double s = static_cast<double>(t) / 1000;
  if (s != 0 && std::fabs(s) < 1e-6) {
    std::string e = format_float(s);  // 1e-07 as Go's JSON writes 1e-7
    if (const size_t pos = e.find("e-0"); pos != std::string::npos) e.erase(pos + 2, 1);
    out += e;
    return;
  }
  out += format_float_plain(s);
}

}  // namespace

void append_histogram_json(std::string& out, const FloatHistogram& h) {
  out += "{\"count\":";
  append_quoted_float(out, h.count);
  out += ",\"sum\":";
  append_quoted_float(out, h.sum);
  bool first = true;
  h.for_each_bucket([&](const HistogramBucket& b) {
    if (b.count == 0) return;  // empty buckets are not shown
    out += first ? ",\"buckets\":[[" : ",[";
    first = false;
    // Which ends are inclusive: 0 upper only, 1 lower only, 2 neither, 3 both.
    const int boundaries = b.lower_inclusive ? (b.upper_inclusive ? 3 : 1) : (b.upper_inclusive ? 0 : 2);
    out += static_cast<char>('0' + boundaries);
    out += ',';
    append_quoted_float(out, b.lower);
    out += ',';
    append_quoted_float(out, b.upper);
    out += ',';
    append_quoted_float(out, b.count);
    out += ']';
  });
  if (!first) out += ']';
  out += '}';
}

void append_json_time(std::string& out, Timestamp t) {
  if (t < 0) {
    out += '-';
    t = -t;
  }
  out += std::to_string(t / 1000);
  const Timestamp fraction = t % 1000;
  if (fraction != 0) {
    out += '.';
    if (fraction < 100) out += '0';
    if (fraction < 10) out += '0';
    out += std::to_string(fraction);
  }
}

std::string to_api_json(const Value& v) {
  std::string out;
  if (const auto* s = std::get_if<Scalar>(&v)) {
    out = "{\"resultType\":\"scalar\",\"result\":[";
    append_go_seconds(out, s->t);
    out += ",\"";
    out += format_float_plain(s->v);
    out += "\"]";
  } else if (const auto* str = std::get_if<String>(&v)) {
    out = "{\"resultType\":\"string\",\"result\":[";
    append_go_seconds(out, str->t);
    out += ',';
    append_go_json_string(out, str->v);
    out += ']';
  } else if (const auto* vec = std::get_if<Vector>(&v)) {
    out = "{\"resultType\":\"vector\",\"result\":[";
    for (size_t i = 0; i < vec->size(); ++i) {
      if (i > 0) out += ',';
      const Sample& sample = (*vec)[i];
      out += "{\"metric\":";
      append_metric(out, sample.labels);
      if (sample.h) {
        out += ",\"histogram\":";
        append_histogram_point(out, sample.t, *sample.h);
      } else {
        out += ",\"value\":";
        append_point(out, sample.t, sample.v);
      }
      out += '}';
    }
    out += ']';
  } else {
    const auto& m = std::get<Matrix>(v);
    out = "{\"resultType\":\"matrix\",\"result\":[";
    for (size_t i = 0; i < m.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"metric\":";
      append_metric(out, m[i].labels);
      // Floats under "values", histograms under "histograms"; a list only
      // when it has points, as Prometheus writes them.
      bool first = true;
      for (const Point& p : m[i].points) {
        if (p.h) continue;
        out += first ? ",\"values\":[" : ",";
        first = false;
        append_point(out, p.t, p.v);
      }
      if (!first) out += ']';
      first = true;
      for (const Point& p : m[i].points) {
        if (!p.h) continue;
        out += first ? ",\"histograms\":[" : ",";
        first = false;
        append_histogram_point(out, p.t, *p.h);
      }
      if (!first) out += ']';
      out += '}';
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace cogwatch::eval
