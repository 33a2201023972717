// Parsing the Prometheus text exposition format (0.0.4) and OpenMetrics
// 1.0 text: the bodies targets serve on /metrics, and the timestamped
// files `cogwatch query --data` loads.
//
//   auto samples = parse_exposition(body, ExpositionFormat::kPrometheusText);
//   if (!samples) std::cerr << samples.error().message;  // "line 40: ..."
//
// A body is all or nothing: the first malformed line makes the whole parse
// fail with a message naming the line. Comments (# HELP, # TYPE, # UNIT)
// are accepted (given to a MetadataSink when there is one) and never fail
// a parse; OpenMetrics exemplars are ignored; OpenMetrics bodies must end
// with "# EOF".
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "scrape/metadata.h"

namespace cogwatch::scrape {

enum class ExpositionFormat : uint8_t {
  kPrometheusText,  // timestamps in integer milliseconds
  kOpenMetrics,     // timestamps in seconds, "# EOF" at the end
  // The protobuf format: read by ProtobufParser (scrape/protobuf_parser.h),
  // never by ExpositionParser or parse_exposition, which refuse it.
  kProtobuf,
};

struct ParsedSample {
  Labels labels;  // __name__ and the sample's labels
  double value = 0;
  std::optional<Timestamp> timestamp;  // ms
  uint32_t line = 0;                   // 1-based
};

// A streaming parser: the scrape loop's fast path. next() validates a
// whole line but builds no labels; series() is the series as written
// (`up{job="a"}`), the key of the scrape cache; labels() parses it for
// series the cache has not seen.
//
//   ExpositionParser p(body, format);
//   while (p.next()) use(p.series(), p.value(), p.timestamp());
//   if (!p.status()) fail(p.status().error());  // "line 40: ..."
//
// A caller with a cache of series texts it has already seen parsed (the
// scrape cache) passes it as a SeriesLookup: a line whose series text is
// known is not validated again, which is most of the parsing cost.
class SeriesLookup {
 public:
  // True if `series` is the exact text of a series that a previous
  // ExpositionParser validated and returned from series().
  virtual bool known(std::string_view series) = 0;

 protected:
  ~SeriesLookup() = default;
};

// A SeriesLookup over a map keyed by series text (a scrape cache, with
// heterogeneous lookup); found() is the entry of the last known() call.
template <typename Map>
class MapSeriesLookup final : public SeriesLookup {
 public:
  explicit MapSeriesLookup(Map& map) : map_(map), found_(map.end()) {}
  bool known(std::string_view series) override {
    found_ = map_.find(series);
    return found_ != map_.end();
  }
  typename Map::iterator found() const { return found_; }

 private:
  Map& map_;
  typename Map::iterator found_;
};

// Receives the metadata lines a parse passes, as Prometheus's parsers read
// them: "# HELP name text", "# TYPE name type" and, in OpenMetrics only,
// "# UNIT name unit" (blanks after '#' and the keyword; the name bare or
// quoted; the text is what follows the one separator after the name, so
// "# HELP a  b" has the help " b"). A TYPE that is not one of the
// format's types, and other comments, are skipped. The views last until
// the parser's next call.
class MetadataSink {
 public:
  // raw: still escaped (unescape_help undoes it).
  virtual void on_help(std::string_view metric, std::string_view raw) = 0;
  virtual void on_type(std::string_view metric, MetricType type) = 0;
  virtual void on_unit(std::string_view metric, std::string_view unit) = 0;

 protected:
  ~MetadataSink() = default;
};

// A type as the format writes it: counter, gauge, histogram, summary and
// "untyped" (kUnknown) in the text format; OpenMetrics' counter, gauge,
// histogram, gaugehistogram, summary, info, stateset, unknown. nullopt
// for anything else.
std::optional<MetricType> parse_metric_type(std::string_view text, ExpositionFormat format);

// Help text unescaped as Prometheus's parsers do: "\\" and "\n" (and
// "\\\"" in OpenMetrics); other backslashes stay; protobuf help texts are
// not escaped and are copied as they are. Replaces out.
void unescape_help(std::string_view raw, ExpositionFormat format, std::string& out);

class ExpositionParser {
 public:
  // `metadata`, when given, receives the metadata lines (must outlive the
  // parser); without it, comment lines cost one byte comparison.
  ExpositionParser(std::string_view body, ExpositionFormat format, MetadataSink* metadata = nullptr)
      : body_(body), format_(format), metadata_(metadata) {}

  // Moves to the next sample; false at the end or at the first error.
  // With `lookup`, a line whose series text lookup->known() is skipped
  // over without validating it again (series_known() then says so); the
  // value, timestamp and the rest of the line are always validated.
  bool next(SeriesLookup* lookup = nullptr);
  bool series_known() const { return series_known_; }
  std::string_view series() const { return series_; }
  double value() const { return value_; }
  std::optional<Timestamp> timestamp() const { return timestamp_; }
  uint32_t line() const { return line_; }
  // The current series' labels, with __name__. Errors: a label name given
  // twice, "line N: duplicate label name \"a\"".
  Result<Labels> labels() const;
  // Ok, or the error that stopped next().
  const Status& status() const { return status_; }

 private:
  bool fail(Error e);

  void read_metadata(std::string_view line) const;

  std::string_view body_;
  ExpositionFormat format_;
  MetadataSink* metadata_;
  size_t pos_ = 0;
  uint32_t line_ = 0;
  bool seen_eof_ = false;
  std::string_view series_;
  bool series_known_ = false;
  double value_ = 0;
  std::optional<Timestamp> timestamp_;
  Status status_;
};

// Parses a whole body, labels included. Errors: kParse, "line N: <what was
// expected>".
Result<std::vector<ParsedSample>> parse_exposition(std::string_view body, ExpositionFormat format);

// OpenMetrics when the body's last non-empty line is "# EOF", otherwise the
// Prometheus text format.
ExpositionFormat detect_format(std::string_view body);

}  // namespace cogwatch::scrape
