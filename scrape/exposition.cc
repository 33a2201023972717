#include "scrape/exposition.h"

#include <charconv>
#include <cstring>
#include <cmath>
#include <string>

namespace cogwatch::scrape {
namespace {

// Character classes by table: the parser's inner loops.
struct CharClasses {
  bool name_start[256] = {};
  bool name_char[256] = {};
  constexpr CharClasses() {
    for (int c = 0; c < 256; ++c) {
      const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
      name_start[c] = alpha;
      name_char[c] = alpha || (c >= '0' && c <= '9');
    }
  }
};
constexpr CharClasses kClasses;
bool is_name_start(char c) { return kClasses.name_start[static_cast<unsigned char>(c)]; }
bool is_name_char(char c) { return kClasses.name_char[static_cast<unsigned char>(c)]; }

// Reads one line's tokens; every method leaves `pos` after what it read.
class LineReader {
 public:
  LineReader(std::string_view line, uint32_t number) : s_(line), line_(number) {}

  Error error(std::string_view what) const {
    return make_error(ErrorCode::kParse, "line " + std::to_string(line_) + ": " + std::string(what));
  }
  // The scanning loops keep the position in a local: through `this`, the
  // compiler must store pos_ back on every byte.
  void skip_blanks() {
    size_t p = pos_;
    while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) ++p;
    pos_ = p;
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
    size_t p = start + 1;
    while (p < s_.size() && is_name_char(s_[p])) ++p;
    pos_ = p;
    return s_.substr(start, p - start);
  }

  // Skips a double-quoted string, validating it; false if unterminated.
  bool skip_quoted() {
    if (!consume('"')) return false;
    while (pos_ < s_.size()) {
      // Jump to the next quote; it closes the string unless escaped.
      const void* q = std::memchr(s_.data() + pos_, '"', s_.size() - pos_);
      if (q == nullptr) return false;
      const size_t quote = static_cast<size_t>(static_cast<const char*>(q) - s_.data());
      size_t backslashes = 0;
      while (quote - backslashes > pos_ && s_[quote - backslashes - 1] == '\\') ++backslashes;
      pos_ = quote + 1;
      if (backslashes % 2 == 0) return true;
    }
    return false;
  }
  size_t pos() const { return pos_; }
  void seek(size_t pos) { pos_ = pos; }
  std::string_view text(size_t begin, size_t end) const { return s_.substr(begin, end - begin); }

  std::string_view token() {
    const size_t start = pos_;
    size_t p = start;
    while (p < s_.size() && s_[p] != ' ' && s_[p] != '\t') ++p;
    pos_ = p;
    return s_.substr(start, p - start);
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

// The inside of a quoted label value or name: \\, \" and \n unescaped,
// other escapes kept as written (as Prometheus's text parser).
std::string unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char e = raw[++i];
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
    out += raw[i];
  }
  return out;
}

// Walks name{labels} or {"name", labels}, checking the syntax and calling
// on_name(raw, quoted) for the metric name and on_label(name, quoted,
// raw_value) for each label (raw: still escaped). Leaves r after the
// series.
template <typename OnName, typename OnLabel>
Status walk_series(LineReader& r, OnName&& on_name, OnLabel&& on_label) {
  bool named = false;
  if (const std::string_view name = r.name(); !name.empty()) {
    named = true;
    if (Status s = on_name(name, false); !s) return s;
  }
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
      std::string_view label;
      bool quoted = false;
      if (r.peek() == '"') {
        const size_t start = r.pos();
        if (!r.skip_quoted()) return r.error("unterminated label value");
        label = r.text(start + 1, r.pos() - 1);
        quoted = true;
        r.skip_blanks();
        if (r.peek() != '=') {  // {"utf8.metric.name", ...}
          if (named) return r.error("metric name given twice");
          named = true;
          if (Status s = on_name(label, true); !s) return s;
          continue;
        }
      } else {
        label = r.name();
        if (label.empty()) return r.error("expected label name");
      }
      r.skip_blanks();
      if (!r.consume('=')) return r.error("expected '=' after label name \"" + std::string(label) + "\"");
      r.skip_blanks();
      const size_t start = r.pos();
      if (!r.skip_quoted()) return r.error("expected label value for \"" + std::string(label) + "\"");
      if (Status s = on_label(label, quoted, r.text(start + 1, r.pos() - 1)); !s) return s;
    }
  }
  if (!named) return r.error("expected metric name");
  return {};
}

// Checks the syntax without building anything (the fast path).
Status scan_series(LineReader& r) {
  return walk_series(r, [](std::string_view, bool) { return Status(); },
                     [](std::string_view, bool, std::string_view) { return Status(); });
}

// The labels of a series, with __name__.
Result<Labels> parse_series(LineReader& r) {
  LabelsBuilder b;
  Status s = walk_series(
      r,
      [&](std::string_view raw, bool quoted) {
        b.set(kMetricNameLabel, quoted ? unescape(raw) : std::string(raw));
        return Status();
      },
      [&](std::string_view raw_name, bool quoted, std::string_view raw_value) -> Status {
        const std::string name = quoted ? unescape(raw_name) : std::string(raw_name);
        if (!b.get(name).empty()) return r.error("duplicate label name \"" + name + "\"");
        b.set(name, unescape(raw_value));
        return {};
      });
  if (!s) return s.take_error();
  return b.build();
}

// A series with labels ends at its closing brace, so the line up to its
// last '}' is the series text whenever that text is a known one: a known
// text was validated whole, and parsing this line would stop at that same
// brace. Lines whose last '}' is elsewhere (an OpenMetrics exemplar) or
// that have no braces simply miss and are validated. Returns the end of
// the known series, or 0.
size_t known_series_end(std::string_view line, size_t series_start, SeriesLookup& lookup) {
  const void* brace = memrchr(line.data() + series_start, '}', line.size() - series_start);
  if (brace == nullptr) return 0;
  const size_t end = static_cast<size_t>(static_cast<const char*>(brace) - line.data()) + 1;
  return lookup.known(line.substr(series_start, end - series_start)) ? end : 0;
}

}  // namespace

ExpositionFormat detect_format(std::string_view body) {
  size_t end = body.size();
  while (end > 0 && (body[end - 1] == '\n' || body[end - 1] == '\r' || body[end - 1] == ' ')) --end;
  const std::string_view trimmed = body.substr(0, end);
  return trimmed.ends_with("# EOF") ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kPrometheusText;
}

bool ExpositionParser::fail(Error e) {
  status_ = std::move(e);
  pos_ = body_.size();
  return false;
}

bool ExpositionParser::next(SeriesLookup* lookup) {
  if (!status_) return false;
  if (format_ == ExpositionFormat::kProtobuf) {
    return fail(make_error(ErrorCode::kInvalidArgument, "a protobuf body is read by ProtobufParser"));
  }
  const bool om = format_ == ExpositionFormat::kOpenMetrics;
  while (pos_ < body_.size()) {
    size_t nl = body_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = body_.size();
    std::string_view line = body_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    LineReader r(line, line_);
    if (seen_eof_) {
      if (line.empty()) continue;
      return fail(r.error("content after \"# EOF\""));
    }
    r.skip_blanks();
    if (r.at_end()) {
      if (om) return fail(r.error("empty line (not allowed in OpenMetrics)"));
      continue;
    }
    if (r.peek() == '#') {
      if (line == "# EOF") {
        seen_eof_ = true;
      } else if (metadata_ != nullptr) {
        read_metadata(line.substr(r.pos()));
      }
      continue;  // # HELP, # TYPE, # UNIT and plain comments
    }
    const size_t series_start = r.pos();
    const size_t known_end = lookup != nullptr ? known_series_end(line, series_start, *lookup) : 0;
    series_known_ = known_end != 0;
    if (series_known_) {
      series_ = line.substr(series_start, known_end - series_start);
      r.seek(known_end);
    } else {
      if (Status st = scan_series(r); !st) return fail(st.take_error());
      series_ = line.substr(series_start, r.pos() - series_start);
      while (!series_.empty() && (series_.back() == ' ' || series_.back() == '\t')) series_.remove_suffix(1);
    }
    r.skip_blanks();
    const std::string_view value_text = r.token();
    if (value_text.empty()) return fail(r.error("expected a value after the series"));
    if (!parse_value(value_text, value_)) return fail(r.error("invalid value \"" + std::string(value_text) + "\""));
    timestamp_.reset();
    r.skip_blanks();
    if (!r.at_end() && r.peek() != '#') {
      const std::string_view ts = r.token();
      if (om) {
        double secs;
        if (!parse_value(ts, secs) || !std::isfinite(secs)) {
          return fail(r.error("invalid timestamp \"" + std::string(ts) + "\""));
        }
        timestamp_ = static_cast<Timestamp>(std::llround(secs * 1000));
      } else {
        Timestamp ms;
        auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), ms);
        if (ec != std::errc() || p != ts.data() + ts.size()) {
          return fail(r.error("invalid timestamp \"" + std::string(ts) + "\" (integer milliseconds expected)"));
        }
        timestamp_ = ms;
      }
      r.skip_blanks();
    }
    // An OpenMetrics exemplar (" # {...} v [ts]") is accepted and ignored.
    if (!r.at_end() && !(om && r.peek() == '#')) return fail(r.error("unexpected text after the sample"));
    return true;
  }
  if (om && !seen_eof_) {
    // Point at where "# EOF" should have been: the line after the last.
    const uint32_t where = body_.ends_with('\n') || body_.empty() ? line_ + 1 : line_;
    return fail(make_error(ErrorCode::kParse, "line " + std::to_string(where) + ": expected \"# EOF\" at the end"));
  }
  return false;
}

std::string_view metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::kUnknown: return "unknown";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateset: return "stateset";
  }
  return "unknown";
}

std::optional<MetricType> parse_metric_type(std::string_view text, ExpositionFormat format) {
  if (text == "counter") return MetricType::kCounter;
  if (text == "gauge") return MetricType::kGauge;
  if (text == "histogram") return MetricType::kHistogram;
  if (text == "summary") return MetricType::kSummary;
  if (format == ExpositionFormat::kPrometheusText) {
    if (text == "untyped") return MetricType::kUnknown;
    return std::nullopt;
  }
  if (text == "gaugehistogram") return MetricType::kGaugeHistogram;
  if (text == "info") return MetricType::kInfo;
  if (text == "stateset") return MetricType::kStateset;
  if (text == "unknown") return MetricType::kUnknown;
  return std::nullopt;
}

void unescape_help(std::string_view raw, ExpositionFormat format, std::string& out) {
  out.clear();
  if (format == ExpositionFormat::kProtobuf) {
    out.assign(raw);
    return;
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char e = raw[i + 1];
      if (e == '\\' || e == 'n' || (e == '"' && format == ExpositionFormat::kOpenMetrics)) {
        out += e == 'n' ? '\n' : e;
        ++i;
        continue;
      }
    }
    out += raw[i];
  }
}

// `line` starts at its '#'.
void ExpositionParser::read_metadata(std::string_view line) const {
  LineReader r(line, line_);
  r.consume('#');
  if (!r.consume(' ') && !r.consume('\t')) return;
  r.skip_blanks();
  const std::string_view keyword = r.name();
  enum { kHelp, kType, kUnit } kind;
  if (keyword == "HELP") {
    kind = kHelp;
  } else if (keyword == "TYPE") {
    kind = kType;
  } else if (keyword == "UNIT" && format_ == ExpositionFormat::kOpenMetrics) {
    kind = kUnit;
  } else {
    return;
  }
  if (r.peek() != ' ' && r.peek() != '\t') return;
  r.skip_blanks();
  std::string_view metric;
  if (r.peek() == '"') {
    const size_t start = r.pos();
    if (!r.skip_quoted()) return;
    metric = r.text(start + 1, r.pos() - 1);
  } else {
    metric = r.name();
  }
  if (metric.empty()) return;
  std::string_view text = r.text(r.pos(), line.size());
  if (!text.empty()) {
    if (text.front() != ' ' && text.front() != '\t') return;  // "# HELP a-b": not a name
    text.remove_prefix(1);
  }
  switch (kind) {
    case kHelp: metadata_->on_help(metric, text); break;
    case kUnit: metadata_->on_unit(metric, text); break;
    case kType:
      if (auto t = parse_metric_type(text, format_)) metadata_->on_type(metric, *t);
      break;
  }
}

Result<Labels> ExpositionParser::labels() const {
  LineReader r(series_, line_);
  return parse_series(r);
}

Result<std::vector<ParsedSample>> parse_exposition(std::string_view body, ExpositionFormat format) {
  std::vector<ParsedSample> out;
  ExpositionParser p(body, format);
  while (p.next()) {
    auto labels = p.labels();
    if (!labels) return labels.take_error();
    out.push_back({*std::move(labels), p.value(), p.timestamp(), p.line()});
  }
  if (!p.status()) return p.status().error();
  return out;
}

}  // namespace cogwatch::scrape
