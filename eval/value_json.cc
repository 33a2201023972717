#include "eval/value_json.h"

#include "model/value.h"

namespace cogwatch::eval {
namespace {

void append_metric(std::string& out, const Labels& labels) {
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, labels[i].name);
    out += ':';
    append_json_string(out, labels[i].value);
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

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<': case '>': case '&':
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: copied when valid, U+FFFD otherwise; U+2028 and
    // U+2029 are escaped, as Go does.
    const size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    const std::string_view seq = s.substr(i, len);
    if (seq == "\xe2\x80\xa8") {
      out += "\\u2028";
    } else if (seq == "\xe2\x80\xa9") {
      out += "\\u2029";
    } else {
      out += seq;
    }
    i += len;
  }
  out += '"';
}

std::string to_api_json(const Value& v) {
  std::string out;
  if (const auto* s = std::get_if<Scalar>(&v)) {
    out = "{\"resultType\":\"scalar\",\"result\":";
    append_point(out, s->t, s->v);
  } else if (const auto* str = std::get_if<String>(&v)) {
    out = "{\"resultType\":\"string\",\"result\":[";
    append_json_time(out, str->t);
    out += ',';
    append_json_string(out, str->v);
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
