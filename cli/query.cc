#include "cli/query.h"

#include <algorithm>
#include <ostream>

#include "eval/engine.h"
#include "eval/value_json.h"
#include "model/file.h"
#include "parser/parser.h"
#include "scrape/exposition.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

// Loads the files into head; returns the newest timestamp, or an error
// naming the file and line.
Result<Timestamp> load(const std::vector<std::string>& files, tsdb::Head& head) {
  std::vector<scrape::ParsedSample> all;
  for (const std::string& file : files) {
    auto read = read_file(file);
    if (!read) return read.take_error();
    const std::string body = *std::move(read);
    auto samples = scrape::parse_exposition(body, scrape::detect_format(body));
    if (!samples) return make_error(ErrorCode::kParse, file + ": " + samples.error().message);
    for (scrape::ParsedSample& s : *samples) {
      if (!s.timestamp) {
        return make_error(ErrorCode::kInvalidArgument,
                          file + ": line " + std::to_string(s.line) + ": sample has no timestamp");
      }
      all.push_back(std::move(s));
    }
  }
  if (all.empty()) return make_error(ErrorCode::kInvalidArgument, "no samples in the data files");
  // One batch in time order, so every series is appended in order.
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return *a.timestamp < *b.timestamp; });
  auto app = head.appender();
  for (const scrape::ParsedSample& s : all) (void)app->append(s.labels, *s.timestamp, s.value);
  app->commit();
  return *all.back().timestamp;
}

}  // namespace

int run_query(const QueryOptions& options, std::ostream& out, std::ostream& err) {
  tsdb::Head head(tsdb::HeadOptions{.retention_time = 0, .retention_bytes = 0, .chunk_limits = {}});
  auto newest = load(options.data_files, head);
  if (!newest) {
    err << "cogwatch query: " << newest.error().message << "\n";
    return 1;
  }
  auto expr = parser::parse_expr(options.expr);
  if (!expr) {
    err << "cogwatch query: " << parser::format_error(options.expr, expr.error()) << "\n";
    return 1;
  }
  eval::Engine engine(head);
  Result<eval::Value> v = make_error(ErrorCode::kInternal, "not evaluated");
  if (options.start || options.end || options.step) {
    if (!options.start || !options.end || !options.step) {
      err << "cogwatch query: a range query needs --start, --end and --step\n";
      return 1;
    }
    auto start = parse_api_time(*options.start);
    auto end = parse_api_time(*options.end);
    auto step = parse_api_duration(*options.step);
    if (!start || !end || !step) {
      const Error& e = !start ? start.error() : !end ? end.error() : step.error();
      err << "cogwatch query: " << e.message << "\n";
      return 1;
    }
    v = engine.range(**expr, *start, *end, *step);
  } else {
    Timestamp t = *newest;
    if (options.time) {
      auto parsed = parse_api_time(*options.time);
      if (!parsed) {
        err << "cogwatch query: " << parsed.error().message << "\n";
        return 1;
      }
      t = *parsed;
    }
    v = engine.instant(**expr, t);
  }
  if (!v) {
    err << "cogwatch query: " << v.error().message << "\n";
    return 1;
  }
  out << eval::to_api_json(*v) << "\n";
  return 0;
}

}  // namespace cogwatch::cli
