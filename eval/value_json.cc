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

void append_point(std::string& out, Timestamp t, double v) {
  out += '[';
  append_json_time(out, t);
  out += ",\"";
  out += format_float_plain(v);
  out += "\"]";
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
      out += "{\"metric\":";
      append_metric(out, (*vec)[i].labels);
      out += ",\"value\":";
      append_point(out, (*vec)[i].t, (*vec)[i].v);
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
      out += ",\"values\":[";
      for (size_t k = 0; k < m[i].points.size(); ++k) {
        if (k > 0) out += ',';
        append_point(out, m[i].points[k].t, m[i].points[k].v);
      }
      out += "]}";
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace cogwatch::eval
