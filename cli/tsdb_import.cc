#include "cli/tsdb_import.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "cli/exit_codes.h"
#include "cli/tsdb_analyze.h"
#include "model/file.h"
#include "model/labels_map.h"
#include "model/matcher.h"
#include "model/value.h"
#include "scrape/exposition.h"
#include "tsdb/db.h"
#include "tsdb/head.h"

namespace cogwatch::cli {
namespace {

constexpr const char* kCommand = "cogwatch tsdb import openmetrics";
// Samples per appender batch, as promtool's maxSamplesInAppender.
constexpr int kBatch = 5000;

Timestamp window_of(Timestamp t, Duration d) {
  Timestamp w = t / d * d;
  if (t < 0 && w != t) w -= d;
  return w;
}

// What the first reading of the file found: the windows that hold samples.
struct Scan {
  std::set<Timestamp> windows;
  uint64_t samples = 0;
};

// The first reading: parses every line and checks promtool's rules, so
// that the second reading (per window) cannot fail half-way.
Result<Scan> scan(std::string_view body, const std::string& name, Duration block) {
  Scan out;
  struct Last {
    Timestamp t;
    uint64_t bits;
    uint32_t line;
  };
  LabelsMap<uint32_t> ids;
  boost::unordered_flat_map<std::pair<uint32_t, Timestamp>, Last> last;  // (series, window)
  scrape::ExpositionParser p(body, scrape::ExpositionFormat::kOpenMetrics);
  auto fail = [&](const std::string& what) { return make_error(ErrorCode::kParse, name + ": " + what); };
  while (p.next()) {
    auto labels = p.labels();
    if (!labels) return fail(labels.error().message);
    const std::string at_line = "line " + std::to_string(p.line()) + ": ";
    if (!p.timestamp()) return fail(at_line + "expected timestamp for series " + labels->to_string() + ", got none");
    const Timestamp t = *p.timestamp();
    const uint64_t bits = std::bit_cast<uint64_t>(p.value());
    const Timestamp w = window_of(t, block);
    out.windows.insert(w);
    ++out.samples;
    const uint32_t id = ids.try_emplace(*labels, static_cast<uint32_t>(ids.size())).first->second;
    auto [it, fresh] = last.try_emplace({id, w}, Last{t, bits, p.line()});
    if (fresh) continue;
    Last& l = it->second;
    if (t < l.t) {
      return fail(at_line + "out of order sample: " + labels->to_string() + " at " + std::to_string(t) +
                  " comes after its sample at " + std::to_string(l.t) + " (line " + std::to_string(l.line) +
                  "); within a block's window a series' samples must be in time order");
    }
    if (t == l.t && bits != l.bits) {
      return fail(at_line + "duplicate sample for timestamp: " + labels->to_string() + " at " + std::to_string(t) +
                  " has value " + format_float(p.value()) + ", line " + std::to_string(l.line) + " has " +
                  format_float(std::bit_cast<double>(l.bits)));
    }
    l = Last{t, bits, p.line()};
  }
  if (!p.status()) return fail(p.status().error().message);
  return out;
}

struct Row {
  std::string name;
  Timestamp mint, maxt;
  uint64_t samples, chunks, series, bytes;
};

// The second reading, for one window: its samples into a scratch head,
// whose chunks become the block.
Result<Row> import_window(std::string_view body, Timestamp w, Duration block, tsdb::Db& db) {
  tsdb::Head scratch;
  auto app = scratch.appender();
  scrape::ExpositionParser p(body, scrape::ExpositionFormat::kOpenMetrics);
  int batch = 0;
  while (p.next()) {
    const Timestamp t = *p.timestamp();
    if (t < w || t >= w + block) continue;
    auto labels = p.labels();
    if (!labels) return labels.error();
    auto r = app->append(*labels, t, p.value());
    if (!r && r.error().code != ErrorCode::kDuplicateSample) return r.error();  // checked by scan()
    if (++batch == kBatch) {
      app->commit();
      batch = 0;
    }
  }
  app->commit();
  if (!p.status()) return p.status().error();
  std::vector<tsdb::ImportedSeries> series;
  auto all = LabelMatcher::make(MatchType::kRegexMatch, std::string(kMetricNameLabel), ".*");
  for (tsdb::SeriesData& d : scratch.select({*all}, w, w + block - 1, tsdb::SeriesOrder::kUnsorted)) {
    series.push_back({std::move(d.labels), std::move(d.chunks)});
  }
  const uint64_t n = series.size();
  auto written = db.import_block(w, w + block - 1, std::move(series));
  if (!written) return written.error();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%013lld-%013lld", static_cast<long long>(w), static_cast<long long>(w + block - 1));
  return Row{buf, w, w + block - 1, scratch.stats().samples_appended, written->chunks, n, written->bytes};
}

// Whether another process (a `cogwatch run`) holds the directory's lock,
// without taking it: FileSystem::lock() would write this process's pid
// into the lock file. Db::open() takes the lock for real afterwards.
Status lock_holder_check(const std::string& dir) {
  const std::string path = dir + "/lock";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};  // no lock file: nobody holds it
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the lock, if taken
  if (held) {
    return make_error(ErrorCode::kUnavailable,
                      path + ": held by another process (is a cogwatch running on this directory? stop it, import, "
                             "and start it again)");
  }
  return {};
}

bool empty_directory(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) && std::filesystem::is_empty(dir, ec);
}

// As promtool's tabwriter (minimum width 13, padding 2): every column but
// the last padded to its widest cell.
void print_rows(const std::vector<Row>& rows, std::ostream& out) {
  std::vector<std::vector<std::string>> cells = {
      {"BLOCK", "MIN TIME", "MAX TIME", "DURATION", "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES", "SIZE"}};
  for (const Row& r : rows) {
    cells.push_back({r.name, std::to_string(r.mint), std::to_string(r.maxt), go_duration_string(r.maxt - r.mint + 1),
                     std::to_string(r.samples), std::to_string(r.chunks), std::to_string(r.series),
                     std::to_string(r.bytes)});
  }
  std::vector<size_t> width(cells[0].size(), 13);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size() + 2);
  }
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      out << line[i];
      if (i + 1 < line.size()) out << std::string(width[i] - line[i].size(), ' ');
    }
    out << "\n";
  }
}

}  // namespace

Duration import_block_duration(Duration max_block_duration) {
  Duration block = 2 * kHour;
  if (max_block_duration > block) {
    Duration range = block;
    for (int i = 1; i < 10 && range * 3 <= max_block_duration; ++i) range *= 3;
    block = range;
  }
  return block;
}

int run_tsdb_import(const TsdbImportOptions& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << kCommand << ": error: " << message << "\n";
    return kExitFailed;
  };
  auto body = read_file(options.input);
  if (!body) return fail(body.error().message);
  const Duration block = import_block_duration(options.max_block_duration);
  auto found = scan(*body, options.input, block);
  if (!found) return fail(found.error().message);

  auto refuse_overlap = [&](const Error& e) {
    return fail(options.output + ": " + e.message +
                "; cogwatch does not merge blocks: import only time ranges the directory does not hold, nothing "
                "was written");
  };
  // Refusals must leave the directory as it was, and Db::open() writes (it
  // starts a log segment, repairs what it finds): the lock and the time
  // ranges are checked first without writing anything.
  if (auto held = lock_holder_check(options.output); !held) return fail(held.error().message);
  if (auto seen = tsdb::Db::open_read_only(options.output, tsdb::DbOptions{})) {
    for (Timestamp w : found->windows) {
      if (auto ok = (*seen)->check_import(w, w + block - 1); !ok) return refuse_overlap(ok.error());
    }
  } else if (seen.error().code == ErrorCode::kInvalidArgument && !empty_directory(options.output)) {
    return fail(seen.error().message);  // not cogwatch's, a newer format, not a directory
  }  // else: no directory yet, or an empty one: open() makes it a data directory
  auto db = tsdb::Db::open(options.output, tsdb::DbOptions{});
  if (!db) return fail(db.error().message);
  for (Timestamp w : found->windows) {  // again, now that the directory is ours
    if (auto ok = (*db)->check_import(w, w + block - 1); !ok) return refuse_overlap(ok.error());
  }
  std::vector<Row> rows;
  for (Timestamp w : found->windows) {
    auto row = import_window(*body, w, block, **db);
    if (!row) {
      if (!options.quiet && !rows.empty()) print_rows(rows, out);
      return fail(options.output + ": " + row.error().message);
    }
    rows.push_back(*row);
  }
  if (!options.quiet && !rows.empty()) print_rows(rows, out);
  return kExitOk;
}

}  // namespace cogwatch::cli
