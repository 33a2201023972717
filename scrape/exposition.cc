#include "scrape/exposition.h"

#include <charconv>
#include <cmath>
#include <string>

namespace cogwatch::scrape {
namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Reads one line's tokens; every method leaves `pos` after what it read.
class LineReader {
 public:
  LineReader(std::string_view line, uint32_t number) : s_(line), line_(number) {}

  Error error(std::string_view what) const {
    return make_error(ErrorCode::kParse, "line " + std::to_string(line_) + ": " + std::string(what));
  }
  void skip_blanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  std::string_view name() {
    const size_t start = pos_;
    if (!is_name_start(peek())) return {};
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // A double-quoted string with \\, \" and \n escapes (others are kept).
  Result<std::string> quoted() {
    if (!consume('"')) return error("expected '\"'");
    std::string out;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\' && pos_ < s_.size()) {
        const char e = s_[pos_++];
        if (e == 'n') {
          out += '\n';
        } else if (e == '\\' || e == '"') {
          out += e;
        } else {
          out += '\\';
          out += e;
        }
        continue;
      }
      out += c;
    }
    return error("unterminated label value");
  }

  std::string_view token() {
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\t') ++pos_;
    return s_.substr(start, pos_ - start);
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  uint32_t line_;
};

bool parse_value(std::string_view t, double& out) {
  if (t.empty()) return false;
  std::string_view body = t;
  bool negative = false;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == "Inf" || body == "inf" || body == "+Inf") {
    out = negative ? -INFINITY : INFINITY;
    return true;
  }
  if (body == "NaN" || body == "nan") {
    out = NAN;
    return true;
  }
  auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), out);
  if (ec != std::errc() || p != body.data() + body.size()) return false;
  if (negative) out = -out;
  return true;
}

// name{labels} or {"name", labels}: the labels, with __name__.
Result<Labels> parse_series(LineReader& r) {
  LabelsBuilder b;
  std::string_view name = r.name();
  if (!name.empty()) b.set(kMetricNameLabel, name);
  r.skip_blanks();
  if (r.consume('{')) {
    bool first = true;
    while (true) {
      r.skip_blanks();
      if (r.consume('}')) break;
      if (!first && !r.consume(',')) return r.error("expected ',' or '}' after a label");
      r.skip_blanks();
      if (r.consume('}')) break;  // trailing comma
      first = false;
      std::string label;
      if (r.peek() == '"') {
        auto q = r.quoted();
        if (!q) return q.take_error();
        label = *q;
        r.skip_blanks();
        if (r.peek() != '=') {  // {"utf8.metric.name", ...}
          if (!b.get(kMetricNameLabel).empty()) return r.error("metric name given twice");
          b.set(kMetricNameLabel, label);
          continue;
        }
      } else {
        const std::string_view n = r.name();
        if (n.empty()) return r.error("expected label name");
        label = std::string(n);
      }
      r.skip_blanks();
      if (!r.consume('=')) return r.error("expected '=' after label name \"" + label + "\"");
      r.skip_blanks();
      auto value = r.quoted();
      if (!value) return r.error("expected label value for \"" + label + "\"");
      if (!b.get(label).empty() || (label == kMetricNameLabel && !name.empty())) {
        return r.error("duplicate label name \"" + label + "\"");
      }
      b.set(label, *value);
    }
  }
  if (b.get(kMetricNameLabel).empty()) return r.error("expected metric name");
  return b.build();
}

}  // namespace

ExpositionFormat detect_format(std::string_view body) {
  size_t end = body.size();
  while (end > 0 && (body[end - 1] == '\n' || body[end - 1] == '\r' || body[end - 1] == ' ')) --end;
  const std::string_view trimmed = body.substr(0, end);
  return trimmed.ends_with("# EOF") ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kPrometheusText;
}

Result<std::vector<ParsedSample>> parse_exposition(std::string_view body, ExpositionFormat format) {
  std::vector<ParsedSample> out;
  const bool om = format == ExpositionFormat::kOpenMetrics;
  bool seen_eof = false;
  uint32_t number = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    std::string_view line = body.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    LineReader r(line, number);
    if (seen_eof) {
      if (line.empty()) continue;
      return r.error("content after \"# EOF\"");
    }
    r.skip_blanks();
    if (r.at_end()) {
      if (om) return r.error("empty line (not allowed in OpenMetrics)");
      continue;
    }
    if (r.peek() == '#') {
      if (line == "# EOF") seen_eof = true;
      continue;  // # HELP, # TYPE, # UNIT and plain comments
    }
    auto labels = parse_series(r);
    if (!labels) return labels.take_error();
    r.skip_blanks();
    const std::string_view value_text = r.token();
    double value;
    if (value_text.empty()) return r.error("expected a value after the series");
    if (!parse_value(value_text, value)) return r.error("invalid value \"" + std::string(value_text) + "\"");
    ParsedSample s{*std::move(labels), value, std::nullopt, number};
    r.skip_blanks();
    if (!r.at_end() && r.peek() != '#') {
      const std::string_view ts = r.token();
      if (om) {
        double secs;
        if (!parse_value(ts, secs) || !std::isfinite(secs)) return r.error("invalid timestamp \"" + std::string(ts) + "\"");
        s.timestamp = static_cast<Timestamp>(std::llround(secs * 1000));
      } else {
        Timestamp ms;
        auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), ms);
        if (ec != std::errc() || p != ts.data() + ts.size()) {
          return r.error("invalid timestamp \"" + std::string(ts) + "\" (integer milliseconds expected)");
        }
        s.timestamp = ms;
      }
      r.skip_blanks();
    }
    // An OpenMetrics exemplar (" # {...} v [ts]") is accepted and ignored.
    if (!r.at_end() && !(om && r.peek() == '#')) return r.error("unexpected text after the sample");
    out.push_back(std::move(s));
  }
  if (om && !seen_eof) {
    // Point at where "# EOF" should have been: the line after the last.
    const uint32_t where = body.ends_with('\n') || body.empty() ? number + 1 : number;
    return make_error(ErrorCode::kParse, "line " + std::to_string(where) + ": expected \"# EOF\" at the end");
  }
  return out;
}

}  // namespace cogwatch::scrape
