// `cogwatch tsdb import openmetrics FILE DIR` (cli/tsdb_import.h): an
// OpenMetrics file becomes one block per 2h window that holds samples, and
// the store then reads back every sample bit for bit; promtool's rules for
// bad input (no timestamp, out of order, a repeated timestamp with another
// value, no "# EOF"); refusals leave the directory as it was (an overlap
// with what it holds, a directory a running `cogwatch run` holds); and the
// same file through Debian's promtool 2.42 (`tsdb create-blocks-from
// openmetrics`) gives the same blocks and the same samples.
#include "cli/tsdb_import.h"

#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "model/matcher.h"
#include "scrape/exposition.h"
#include "tests/notify/peer/http_client.h"
#include "tests/cli/tsdb_cli_test_util.h"
#include "tests/notify/peer/process.h"
#include "tsdb/db.h"

namespace cogwatch::cli {
namespace {

using namespace std::chrono_literals;
namespace peer = notify::peer;
namespace fs = std::filesystem;
using namespace testing;

// One sample as stored: (series, ms, value bits). NaN values are compared
// as "a NaN" (promtool prints them as NaN, whatever their bits).
using Sample = std::tuple<std::string, int64_t, uint64_t>;
uint64_t bits_of(double v) { return std::isnan(v) ? 0x7ff8000000000000ull : std::bit_cast<uint64_t>(v); }

// What the file says: its samples, a repeated (time, value) once.
std::set<Sample> file_samples(const std::string& body) {
  auto parsed = scrape::parse_exposition(body, scrape::ExpositionFormat::kOpenMetrics);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  std::set<Sample> out;
  if (!parsed) return out;
  for (const scrape::ParsedSample& s : *parsed) out.emplace(s.labels.to_string(), *s.timestamp, bits_of(s.value));
  return out;
}

// What a cogwatch data directory holds, read through the Db API (read-only).
std::set<Sample> stored_samples(const std::string& dir) {
  std::set<Sample> out;
  auto db = tsdb::Db::open_read_only(dir, tsdb::DbOptions{});
  EXPECT_TRUE(db) << (db ? "" : db.error().message);
  if (!db) return out;
  auto all = LabelMatcher::make(MatchType::kRegexMatch, "__name__", ".+");
  for (const tsdb::SeriesData& s : (*db)->head().select({*all}, kMinTimestamp, kMaxTimestamp)) {
    auto it = s.iterator();
    while (it.next()) out.emplace(s.labels.to_string(), it.t(), bits_of(it.v()));
    EXPECT_TRUE(it.err()) << it.err().error().message;
  }
  return out;
}

// promtool tsdb dump's lines: `{labels} %g ms`; Go's %g is the shortest
// text that reads back as the same double.
std::set<Sample> promtool_samples(const std::string& dump) {
  std::set<Sample> out;
  std::istringstream in(dump);
  std::string line;
  while (std::getline(in, line)) {
    const size_t close = line.rfind('}');
    std::istringstream rest(line.substr(close + 1));
    std::string value;
    int64_t t = 0;
    rest >> value >> t;
    out.emplace(line.substr(0, close + 1), t, bits_of(std::strtod(value.c_str(), nullptr)));
  }
  return out;
}

// A block as a table prints it (cogwatch import's, promtool's list).
struct BlockRow {
  std::string id;
  int64_t mint = 0, maxt = 0;
  std::string duration;
  uint64_t samples = 0, chunks = 0, series = 0;
};
std::vector<BlockRow> parse_table(const std::string& text) {
  std::vector<BlockRow> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("BLOCK")) continue;
    std::istringstream f(line);
    BlockRow r;
    std::string size;
    if (f >> r.id >> r.mint >> r.maxt >> r.duration >> r.samples >> r.chunks >> r.series >> size) rows.push_back(r);
  }
  return rows;
}

// Counters, gauges with awkward values and a histogram over three 2h
// windows from kW (the third holds only its first 50 minutes), with
// millisecond timestamps, a same-value repeat and a series that appears
// late.
std::string round_trip_file() {
  const char* awkward[] = {"0.1",
                           "-0",
                           "1e-300",
                           "1.7976931348623157e+308",
                           "+Inf",
                           "-Inf",
                           "NaN",
                           "3.141592653589793",
                           "123456789.12345679",
                           "-42",
                           "5e-324"};
  std::string om = "# HELP cog_predictions Predictions served.\n# TYPE cog_predictions counter\n";
  for (int i = 0; i < 30; ++i) {
    const int64_t t = kWms + i * 600'000 + 123;  // to W + 4h50m
    om += line("cog_predictions_total{instance=\"a:5000\",job=\"cog\",model=\"resnet\"}", std::to_string(i * 10) + ".5",
               t);
    om += line("cog_predictions_total{instance=\"b:5000\",job=\"cog\",model=\"bert\"}",
               std::to_string(1000000000000000000ll + i * 4096), t + 1);
    if (i == 7) om += line("cog_predictions_total{instance=\"a:5000\",job=\"cog\",model=\"resnet\"}", "70.5", t);
  }
  om += "# TYPE cog_gpu_utilization gauge\n";
  for (int i = 0; i < 30; ++i) {
    om +=
        line("cog_gpu_utilization{gpu=\"0\",instance=\"a:5000\"}", awkward[i % std::size(awkward)], kWms + i * 599'999);
  }
  om += "# TYPE cog_predict_duration_seconds histogram\n";
  for (int i = 0; i < 20; ++i) {
    const int64_t t = kWms + i * 900'000 + 250;
    const std::string l = "{job=\"cog\",";
    om += line("cog_predict_duration_seconds_bucket" + l + "le=\"0.1\"}", std::to_string(i), t);
    om += line("cog_predict_duration_seconds_bucket" + l + "le=\"0.5\"}", std::to_string(3 * i), t);
    om += line("cog_predict_duration_seconds_bucket" + l + "le=\"+Inf\"}", std::to_string(4 * i), t);
    om += line("cog_predict_duration_seconds_count{job=\"cog\"}", std::to_string(4 * i), t);
    om += line("cog_predict_duration_seconds_sum{job=\"cog\"}", std::to_string(0.037 * i * i), t);
  }
  om += "# TYPE cog_late gauge\n";
  om += line("cog_late{job=\"cog\"}", "1", kWms + 2 * k2h + 1);
  om += line("cog_late{job=\"cog\"}", "2", kWms + 2 * k2h + 1'800'000);
  return om + "# EOF\n";
}

using TsdbImportTest = testing::TsdbCliTest;

// promtool's getCompatibleBlockDuration: 2h, or for a longer maximum the
// largest 2h * 3^k (k <= 9) that fits it.
TEST(TsdbImportBlockDuration, RoundsAsPromtool) {
  EXPECT_EQ(import_block_duration(0), 2 * kHour);      // promtool's flag default is 0
  EXPECT_EQ(import_block_duration(kHour), 2 * kHour);  // "anything less than 2h is ignored"
  EXPECT_EQ(import_block_duration(2 * kHour), 2 * kHour);
  EXPECT_EQ(import_block_duration(6 * kHour - 1), 2 * kHour);
  EXPECT_EQ(import_block_duration(6 * kHour), 6 * kHour);
  EXPECT_EQ(import_block_duration(7 * kHour), 6 * kHour);
  EXPECT_EQ(import_block_duration(18 * kHour), 18 * kHour);
  EXPECT_EQ(import_block_duration(10 * kDay), 162 * kHour);
  Duration largest = 2 * kHour;
  for (int k = 0; k < 9; ++k) largest *= 3;  // 39366h
  EXPECT_EQ(import_block_duration(largest - 1), largest / 3);
  EXPECT_EQ(import_block_duration(largest), largest);
  EXPECT_EQ(import_block_duration(100 * largest), largest);  // "something enormous": the largest range
}

TEST_F(TsdbImportTest, BlocksPerWindowAndEverySampleBitForBit) {
  const std::string body = round_trip_file();
  const std::string file = write("in.om", body);
  const std::string data = dir_ + "/data";
  auto r = cogwatch({"tsdb", "import", "openmetrics", file, data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");

  // One block per window, each the whole window; the samples counted once.
  const std::set<Sample> want = file_samples(body);
  std::map<int64_t, uint64_t> per_window;
  std::map<int64_t, std::set<std::string>> series_per_window;
  for (const auto& [series, t, bits] : want) {
    ++per_window[t / k2h * k2h];
    series_per_window[t / k2h * k2h].insert(series);
  }
  ASSERT_EQ(per_window.size(), 3u);
  const std::vector<BlockRow> rows = parse_table(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_TRUE(
      r.out.starts_with("BLOCK                        MIN TIME       MAX TIME       DURATION     NUM SAMPLES  "
                        "NUM CHUNKS   NUM SERIES   SIZE\n"))
      << r.out;
  size_t i = 0;
  for (const auto& [w, n] : per_window) {
    const BlockRow& b = rows[i++];
    char name[64];
    std::snprintf(name, sizeof name, "%013lld-%013lld", static_cast<long long>(w), static_cast<long long>(w + k2h - 1));
    EXPECT_EQ(b.id, name);
    EXPECT_EQ(b.mint, w);
    EXPECT_EQ(b.maxt, w + k2h - 1);
    EXPECT_EQ(b.duration, "2h0m0s");
    EXPECT_EQ(b.samples, n) << b.id;
    EXPECT_EQ(b.series, series_per_window[w].size()) << b.id;
    EXPECT_TRUE(fs::exists(data + "/blocks/" + b.id + ".block")) << b.id;
  }
  // The repeat of line "cog_predictions_total ... 70.5" is one sample.
  EXPECT_EQ(want.size(), 30u * 2 + 30 + 20 * 5 + 2);

  const std::set<Sample> got = stored_samples(data);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "stored and written samples differ";
  for (const Sample& s : want) {
    if (!got.contains(s)) ADD_FAILURE() << "missing " << std::get<0>(s) << " @" << std::get<1>(s);
  }
}

TEST_F(TsdbImportTest, MaxBlockDurationQuietAndLongerBlocks) {
  const std::string file = write("in.om", round_trip_file());
  // 7h rounds down to 6h: kW is 6h-aligned and the data spans 4h50m, so one block.
  auto r = cogwatch({"tsdb", "import", "openmetrics", "--max-block-duration=7h", file, dir_ + "/six"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<BlockRow> rows = parse_table(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0].mint, kWms);
  EXPECT_EQ(rows[0].maxt, kWms + 3 * k2h - 1);
  EXPECT_EQ(rows[0].duration, "6h0m0s");
  EXPECT_EQ(stored_samples(dir_ + "/six"), file_samples(round_trip_file()));
  // Less than 2h is ignored, as promtool's; -q prints no table.
  r = cogwatch({"tsdb", "import", "openmetrics", "-q", "--max-block-duration=1h", file, dir_ + "/two"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(fs::exists(dir_ + "/two/blocks/" + std::to_string(kWms) + "-" + std::to_string(kWms + k2h - 1) + ".block"),
            true);
  r = cogwatch({"tsdb", "import", "openmetrics", "--max-block-duration=2x", file, dir_ + "/bad"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--max-block-duration"), std::string::npos) << r.err;
}

// promtool's rules for bad input: nothing is written, the directory is not
// even created, and the message says what and where.
TEST_F(TsdbImportTest, BadInputIsRefusedBeforeAnythingIsWritten) {
  struct Case {
    std::string name, body, message;
  };
  const std::vector<Case> cases = {
      {"out of order", "# TYPE x gauge\nx 1 1700006410\nx{a=\"b\"} 1 1700006400\nx 2 1700006405\n# EOF\n",
       "in.om: line 4: out of order sample: {__name__=\"x\"} at 1700006405000 comes after its sample at "
       "1700006410000 (line 2)"},
      {"duplicate timestamp, another value", "# TYPE x gauge\nx 1 1700006400\nx 1.5 1700006400\n# EOF\n",
       "in.om: line 3: duplicate sample for timestamp: {__name__=\"x\"} at 1700006400000 has value 1.5, line 2 has 1"},
      {"no # EOF", "# TYPE x gauge\nx 1 1700006400\n", "in.om: line 3: expected \"# EOF\" at the end"},
      {"no timestamp", "# TYPE x gauge\nx 1 1700006400\nx{a=\"b\"} 2\n# EOF\n",
       "in.om: line 3: expected timestamp for series {__name__=\"x\", a=\"b\"}, got none"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string file = write("in.om", c.body);
    auto r = cogwatch({"tsdb", "import", "openmetrics", file, dir_ + "/data"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("cogwatch tsdb import openmetrics: error: " + dir_ + "/" + c.message)) << r.err;
    EXPECT_FALSE(fs::exists(dir_ + "/data"));
  }
}

// What promtool accepts: the same sample again, and a series whose samples
// go back in time across windows (each window is a pass of its own).
TEST_F(TsdbImportTest, RepeatsAndOrderAcrossWindowsAreFine) {
  const std::string body =
      "# TYPE x gauge\nx 1 1700013600\nx 1 1700013600\nx 2 1700013601\nx 3 1700006400\n"
      "x 4 1700006401\n# EOF\n";
  auto r = cogwatch({"tsdb", "import", "openmetrics", write("in.om", body), dir_ + "/data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_table(r.out).size(), 2u) << r.out;
  EXPECT_EQ(stored_samples(dir_ + "/data"), (std::set<Sample>{{"{__name__=\"x\"}", 1700006400000, bits_of(3)},
                                                              {"{__name__=\"x\"}", 1700006401000, bits_of(4)},
                                                              {"{__name__=\"x\"}", 1700013600000, bits_of(1)},
                                                              {"{__name__=\"x\"}", 1700013601000, bits_of(2)}}));
}

// cogwatch does not merge blocks: a file one of whose windows the
// directory holds (a block, or the head's windows) is refused whole, and
// the directory is left exactly as it was (no log segment started either).
TEST_F(TsdbImportTest, OverlapIsRefusedAndNothingIsWritten) {
  const std::string data = dir_ + "/data";
  auto r = cogwatch({"tsdb", "import", "openmetrics", write("a.om", "# TYPE x gauge\nx 1 1700013600\n# EOF\n"), data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string before = listing(data);
  // Window kW is new, window kW + 2h is the block's.
  const std::string b = write("b.om", "# TYPE y gauge\ny 1 1700006400\ny 2 1700020799\n# EOF\n");
  r = cogwatch({"tsdb", "import", "openmetrics", b, data});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "cogwatch tsdb import openmetrics: error: " + data +
                       ": import: time range [1700013600000, "
                       "1700020799999] overlaps block " +
                       data +
                       "/blocks/1700013600000-1700020799999.block "
                       "[1700013600000, 1700020799999]; cogwatch does not merge blocks: import only time ranges the "
                       "directory does not hold, nothing was written\n");
  EXPECT_EQ(listing(data), before);

  // The head's data (a stopped daemon's log, in window kW + 6h): its
  // window, and any later one, is refused too.
  {
    auto db = tsdb::Db::open(data, tsdb::DbOptions{});
    ASSERT_TRUE(db) << db.error().message;
    auto app = (*db)->head().appender();
    ASSERT_TRUE(app->append(Labels{{"__name__", "up"}}, kWms + 3 * k2h + 60'000, 1));
    app->commit();
    ASSERT_TRUE((*db)->sync());
  }
  const std::string with_head = listing(data);
  for (const char* t : {"1700028000", "1700050000"}) {
    r = cogwatch(
        {"tsdb", "import", "openmetrics", write("c.om", std::string("# TYPE z gauge\nz 1 ") + t + "\n# EOF\n"), data});
    EXPECT_EQ(r.exit_code, 1) << t;
    EXPECT_NE(r.err.find("overlaps the head's data [1700028060000, 1700028060000] (its windows start at "
                         "1700028000000); cogwatch does not merge blocks"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(listing(data), with_head);
  }
  // Older windows still go in, between the block and the head, and before both.
  r = cogwatch({"tsdb", "import", "openmetrics", "-q",
                write("d.om", "# TYPE z gauge\nz 1 1700000000\nz 2 1700021000\n# EOF\n"), data});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(stored_samples(data).size(), 4u);
}

// A directory that is not cogwatch's is refused untouched (no lock file
// left in it); an empty one becomes a data directory.
TEST_F(TsdbImportTest, ForeignDirectoryIsRefusedUntouched) {
  const std::string file = write("in.om", "# TYPE x gauge\nx 1 1700006400\n# EOF\n");
  fs::create_directories(dir_ + "/foreign");
  write("foreign/notes.txt", "mine\n");
  const std::string before = listing(dir_ + "/foreign");
  auto r = cogwatch({"tsdb", "import", "openmetrics", file, dir_ + "/foreign"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cogwatch tsdb import openmetrics: error: " + dir_ +
                       "/foreign is not a cogwatch data directory (it has no FORMAT file)\n");
  EXPECT_EQ(listing(dir_ + "/foreign"), before);
  r = cogwatch({"tsdb", "import", "openmetrics", file, file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cogwatch tsdb import openmetrics: error: " + file + ": not a directory\n");
  fs::create_directories(dir_ + "/empty");
  r = cogwatch({"tsdb", "import", "openmetrics", "-q", file, dir_ + "/empty"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(stored_samples(dir_ + "/empty").size(), 1u);
}

// A directory a running `cogwatch run` holds is refused, untouched; once
// the daemon stops, the same import goes in.
TEST_F(TsdbImportTest, DirectoryHeldByARunningDaemonIsRefused) {
  const std::string data = dir_ + "/data";
  start_daemon(data);
  ASSERT_FALSE(HasFatalFailure());
  const std::string file = write("in.om", "# TYPE x gauge\nx 1 1700006400\n# EOF\n");
  const std::string before = listing(data + "/wal") + listing(data + "/blocks");
  auto r = cogwatch({"tsdb", "import", "openmetrics", file, data});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cogwatch tsdb import openmetrics: error: " + data +
                       "/lock: held by another process (is a cogwatch running on this directory? stop it, import, and "
                       "start it again)\n");
  EXPECT_EQ(listing(data + "/wal") + listing(data + "/blocks"), before);
  EXPECT_EQ(peer::terminate_process(daemon_, 5s), 0);
  daemon_ = 0;
  r = cogwatch({"tsdb", "import", "openmetrics", file, data});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(stored_samples(data).size(), 1u);
  // The daemon serves the imported block when it next opens the directory.
  start_daemon(data);
  ASSERT_FALSE(HasFatalFailure());
  auto q =
      peer::http_request("GET", "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/query?query=x&time=1700006400");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->body, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"x"},)"
                     R"("value":[1700006400,"1"]}]}})");
}

// The same file through promtool 2.42 and cogwatch: the same blocks (time
// ranges, samples, series, chunks) and the same samples, bit for bit.
TEST_F(TsdbImportTest, SameBlocksAndSamplesAsPromtool) {
  const std::string promtool = PROMTOOL;
  if (promtool.empty() || !fs::exists(promtool)) GTEST_SKIP() << "promtool not found (Debian package prometheus)";
  // The round-trip file, plus a sample at each full window's last
  // millisecond: promtool's blocks span their samples ([first, last + 1ms)),
  // cogwatch's the whole window, so only full windows have equal ranges.
  std::string body = round_trip_file();
  std::string edges = "# TYPE cog_edges gauge\n";
  for (int64_t t : {kWms, kWms + k2h - 1, kWms + k2h, kWms + 2 * k2h - 1})
    edges += line("cog_edges{job=\"cog\"}", "1", t);
  body.insert(body.rfind("# EOF"), edges);
  const std::string file = write("in.om", body);
  auto c = cogwatch({"tsdb", "import", "openmetrics", file, dir_ + "/cogwatch"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto p = run({promtool, "tsdb", "create-blocks-from", "openmetrics", file, dir_ + "/promtool"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto list = run({promtool, "tsdb", "list", dir_ + "/promtool"});
  ASSERT_EQ(list.exit_code, 0) << list.err;

  const std::vector<BlockRow> mine = parse_table(c.out), theirs = parse_table(list.out);
  ASSERT_EQ(mine.size(), 3u) << c.out;
  ASSERT_EQ(theirs.size(), 3u) << list.out;
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(mine[i].id);
    // promtool's MAX TIME is exclusive, cogwatch's the last millisecond.
    if (i < 2) {  // full windows: the same range
      EXPECT_EQ(theirs[i].mint, mine[i].mint);
      EXPECT_EQ(theirs[i].maxt, mine[i].maxt + 1);
      EXPECT_EQ(theirs[i].duration, mine[i].duration);
    } else {  // the third window holds 50m of data: promtool's block spans that, cogwatch's the whole window
      EXPECT_EQ(theirs[i].mint, kWms + 2 * k2h + 1);              // cog_late's first sample
      EXPECT_EQ(theirs[i].maxt, kWms + 2 * k2h + 3'000'124 + 1);  // cog_predictions{b}'s last, + 1ms
      EXPECT_EQ(theirs[i].duration, "50m0.124s");
      EXPECT_EQ(mine[i].mint, kWms + 2 * k2h);
      EXPECT_EQ(mine[i].maxt, kWms + 3 * k2h - 1);
    }
    EXPECT_EQ(theirs[i].samples, mine[i].samples);
    EXPECT_EQ(theirs[i].series, mine[i].series);
    // Equal here because every series holds fewer than 120 samples per
    // block, so both cut one chunk per series and block; beyond that
    // promtool spreads a window's samples evenly over its chunks and
    // cogwatch fills each to 120 samples or 1 KiB, and the counts differ.
    EXPECT_EQ(theirs[i].chunks, mine[i].chunks);
    // SIZE differs: a Prometheus block is a directory (index, chunks,
    // meta.json, tombstones), cogwatch's one file of its own format.
  }
  // Every sample, bit for bit (promtool tsdb dump wants a wal/ to read).
  fs::create_directories(dir_ + "/promtool/wal");
  auto dump = run({promtool, "tsdb", "dump", dir_ + "/promtool"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const std::set<Sample> want = promtool_samples(dump.out), got = stored_samples(dir_ + "/cogwatch");
  EXPECT_EQ(want.size(), file_samples(body).size());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "promtool's and cogwatch's samples differ";
}

}  // namespace
}  // namespace cogwatch::cli
