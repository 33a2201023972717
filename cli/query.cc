#include "cli/query.h"

#include <algorithm>
#include <array>
#include <bit>
#include <ctime>
#include <ostream>

#include "cli/exit_codes.h"
#include "eval/engine.h"
#include "eval/value_json.h"
#include "model/file.h"
#include "model/value.h"
#include "parser/parser.h"
#include "scrape/exposition.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

// Text-format timestamps are milliseconds. Unix seconds of this century
// (1e9 s = 2001-09-09) written there by mistake read as the first months of
// 1970; OpenMetrics timestamps are seconds, and milliseconds written there
// read as beyond the year 5000.
constexpr Timestamp kSecondsAsMillisLow = 1'000'000'000;
constexpr Timestamp kEndOf1970 = 31'536'000'000;
constexpr Timestamp kMillisAsSecondsLow = 100'000'000'000'000;

// Duplicate samples are listed up to this many of each kind, then counted.
constexpr size_t kListedDuplicates = 5;

// "2023-11-14" for a timestamp in milliseconds.
std::string utc_date(Timestamp ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

struct Input {
  scrape::ParsedSample sample;
  const std::string* file;
};

std::string place(const Input& in) { return *in.file + ": line " + std::to_string(in.sample.line); }

// A warning about one file's timestamps when they look like the other
// unit; nothing when they look right.
std::optional<std::string> unit_warning(const std::string& file, scrape::ExpositionFormat format, Timestamp min_t,
                                        Timestamp max_t) {
  if (format == scrape::ExpositionFormat::kPrometheusText && min_t >= kSecondsAsMillisLow && max_t < kEndOf1970) {
    return file + ": timestamps " + std::to_string(min_t) + " to " + std::to_string(max_t) +
           " look like unix seconds (" + utc_date(min_t * 1000) +
           "), but the Prometheus text format takes milliseconds, so they read as " + utc_date(min_t) +
           "; write milliseconds, or OpenMetrics (ending with # EOF), which takes seconds";
  }
  if (format == scrape::ExpositionFormat::kOpenMetrics && min_t >= kMillisAsSecondsLow) {
    return file + ": timestamps from " + std::to_string(min_t / 1000) + " look like milliseconds (" +
           utc_date(min_t / 1000) + "), but OpenMetrics takes seconds, so they read as years after 5000";
  }
  return std::nullopt;
}

// Loads the files into head; returns the newest timestamp, or an error
// naming the file and line. Timestamps in the wrong unit and duplicate
// samples (a series' timestamp given twice) are warned about on `err`; of
// duplicates the first one read is kept.
Result<Timestamp> load(const std::vector<std::string>& files, tsdb::Head& head, std::ostream& err) {
  std::vector<Input> all;
  for (const std::string& file : files) {
    auto read = read_file(file);
    if (!read) return read.take_error();
    const std::string body = *std::move(read);
    const scrape::ExpositionFormat format = scrape::detect_format(body);
    auto samples = scrape::parse_exposition(body, format);
    if (!samples) return make_error(ErrorCode::kParse, file + ": " + samples.error().message);
    Timestamp min_t = kMaxTimestamp, max_t = kMinTimestamp;
    for (scrape::ParsedSample& s : *samples) {
      if (!s.timestamp) {
        return make_error(ErrorCode::kInvalidArgument,
                          file + ": line " + std::to_string(s.line) + ": sample has no timestamp");
      }
      min_t = std::min(min_t, *s.timestamp);
      max_t = std::max(max_t, *s.timestamp);
      all.push_back({std::move(s), &file});
    }
    if (!samples->empty()) {
      if (auto w = unit_warning(file, format, min_t, max_t)) err << "cogwatch query: warning: " << *w << "\n";
    }
  }
  if (all.empty()) return make_error(ErrorCode::kInvalidArgument, "no samples in the data files");
  // By series, then time; equal ones stay in reading order, so the first
  // read is kept.
  std::stable_sort(all.begin(), all.end(), [](const Input& a, const Input& b) {
    if (a.sample.labels != b.sample.labels) return a.sample.labels < b.sample.labels;
    return *a.sample.timestamp < *b.sample.timestamp;
  });
  size_t same = 0, conflicting = 0;
  Timestamp newest = kMinTimestamp;
  auto app = head.appender();
  for (size_t i = 0; i < all.size(); ++i) {
    const scrape::ParsedSample& s = all[i].sample;
    if (i > 0 && all[i - 1].sample.labels == s.labels && *all[i - 1].sample.timestamp == *s.timestamp) {
      // all[i - 1] is the one kept (or a duplicate of it).
      size_t kept = i - 1;
      while (kept > 0 && all[kept - 1].sample.labels == s.labels && *all[kept - 1].sample.timestamp == *s.timestamp) {
        --kept;
      }
      const scrape::ParsedSample& first = all[kept].sample;
      const bool identical = std::bit_cast<uint64_t>(first.value) == std::bit_cast<uint64_t>(s.value);
      size_t& count = identical ? same : conflicting;
      if (++count <= kListedDuplicates) {
        err << "cogwatch query: warning: " << place(all[i]) << ": " << s.labels.to_string() << " at " << *s.timestamp
            << (identical ? " repeats " : " has value " + format_float(s.value) + ", but ") << place(all[kept])
            << (identical ? " (same value): dropped"
                          : " has " + format_float(first.value) + ": dropped, kept the first")
            << "\n";
      }
      continue;
    }
    if (auto r = app->append(s.labels, *s.timestamp, s.value); !r) {
      // In series and time order without duplicates nothing is refused;
      // if something is, the query would answer from partial data.
      return make_error(r.error().code, place(all[i]) + ": " + r.error().message);
    }
    newest = std::max(newest, *s.timestamp);
  }
  app->commit();
  for (const auto& [count, what] : {std::pair{same, "repeated samples (same series, timestamp and value)"},
                                    std::pair{conflicting, "samples with a timestamp their series already had"}}) {
    if (count > kListedDuplicates) {
      err << "cogwatch query: warning: " << count - kListedDuplicates << " more " << what << " dropped\n";
    }
  }
  return newest;
}

// The query's times from the flags: {t} for an instant query (nothing:
// the newest sample), {start, end, step} for a range query.
struct QueryTimes {
  std::optional<Timestamp> time;
  std::optional<std::array<int64_t, 3>> range;
};

Result<QueryTimes> query_times(const QueryOptions& options) {
  QueryTimes out;
  if (options.start || options.end || options.step) {
    if (!options.start || !options.end || !options.step) {
      return make_error(ErrorCode::kInvalidArgument, "a range query needs --start, --end and --step");
    }
    auto start = parse_api_time(*options.start);
    if (!start) return make_error(ErrorCode::kInvalidArgument, "--start: " + start.error().message);
    auto end = parse_api_time(*options.end);
    if (!end) return make_error(ErrorCode::kInvalidArgument, "--end: " + end.error().message);
    auto step = parse_api_duration(*options.step);
    if (!step) return make_error(ErrorCode::kInvalidArgument, "--step: " + step.error().message);
    out.range = std::array<int64_t, 3>{*start, *end, *step};
  } else if (options.time) {
    auto t = parse_api_time(*options.time);
    if (!t) return make_error(ErrorCode::kInvalidArgument, "--time: " + t.error().message);
    out.time = *t;
  }
  return out;
}

}  // namespace

int run_query(const QueryOptions& options, std::ostream& out, std::ostream& err) {
  // Flags first: a usage error before any work.
  auto times = query_times(options);
  if (!times) {
    err << "cogwatch query: error: " << times.error().message << ", try --help\n";
    return kExitUsage;
  }
  tsdb::Head head(tsdb::HeadOptions{.retention_time = 0, .retention_bytes = 0, .chunk_limits = {}});
  auto newest = load(options.data_files, head, err);
  if (!newest) {
    err << "cogwatch query: " << newest.error().message << "\n";
    return kExitFailed;
  }
  auto expr = parser::parse_expr(options.expr);
  if (!expr) {
    err << "cogwatch query: " << parser::format_error(options.expr, expr.error()) << "\n";
    return kExitFailed;
  }
  eval::Engine engine(head);
  eval::Annotations annotations;
  const Result<eval::Value> v =
      times->range ? engine.range(**expr, (*times->range)[0], (*times->range)[1], (*times->range)[2], &annotations)
                   : engine.instant(**expr, times->time.value_or(*newest), &annotations);
  if (!v) {
    err << "cogwatch query: " << v.error().message << "\n";
    return kExitFailed;
  }
  // As the API's "warnings", then its "infos": one line each, after the result.
  out << eval::to_api_json(*v) << "\n";
  out.flush();
  for (const auto level : {eval::Annotation::Level::kWarning, eval::Annotation::Level::kInfo}) {
    for (const eval::Annotation& a : annotations) {
      if (a.level == level) err << eval::format_annotation(options.expr, a) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace cogwatch::cli
