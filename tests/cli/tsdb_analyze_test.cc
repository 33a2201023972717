// `cogwatch tsdb analyze [DIR] [BLOCK]` (cli/tsdb_analyze.h): promtool
// tsdb analyze's report. The same OpenMetrics file imported by Debian's
// promtool 2.42 and by cogwatch, then analyzed by each, gives the same
// counts and the same rows in all six tables (churn included); the head
// (a directory with only a log) is analyzed too; --limit, an unknown
// block, and a run beside a `cogwatch run` holding the directory, which
// must not change a byte of it.
#include "cli/tsdb_analyze.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/cli/tsdb_cli_test_util.h"
#include "tests/notify/peer/process.h"
#include "tsdb/db.h"

namespace cogwatch::cli {
namespace {

using namespace std::chrono_literals;
namespace peer = notify::peer;
namespace fs = std::filesystem;
using namespace testing;

// A report: its "Name: value" lines, and each table's rows (value, key)
// in the order printed.
struct Report {
  std::map<std::string, std::string> fields;
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> tables;
};
Report parse_report(const std::string& text) {
  Report r;
  std::istringstream in(text);
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.empty()) {
      table.clear();
    } else if (line.ends_with(":")) {
      table = line.substr(0, line.size() - 1);
      r.tables[table];
    } else if (!table.empty()) {
      const size_t sp = line.find(' ');
      r.tables[table].emplace_back(std::stoull(line.substr(0, sp)), line.substr(sp + 1));
    } else if (const size_t colon = line.find(": "); colon != std::string::npos) {
      r.fields[line.substr(0, colon)] = line.substr(colon + 2);
    }
  }
  return r;
}

// Two 2h windows from kWms, each with a sample at its first and its last
// millisecond, so that promtool's blocks (which span their samples) and
// cogwatch's (which span their window) have the same range and churn is
// divided by the same 2h. Steady series, a histogram, and churning
// batch pods of one hour each: pods 0 and 1 (shift="early") miss exactly
// half of the first window each, one block's worth together.
std::string churn_file() {
  std::string om = "# TYPE cog_edges gauge\n";
  for (int64_t t : {kWms, kWms + k2h - 1, kWms + k2h, kWms + 2 * k2h - 1}) om += line("cog_edges{job=\"cog\"}", "1", t);
  om += "# TYPE cog_predictions counter\n";
  for (int i = 0; i < 48; ++i) {
    om += line("cog_predictions_total{instance=\"a:5000\",job=\"cog\",model=\"resnet\"}", std::to_string(i * 7),
               kWms + i * 300'000);
    if (i >= 20) {
      om += line("cog_predictions_total{instance=\"b:5000\",job=\"cog\",model=\"bert\"}", std::to_string(i),
                 kWms + i * 300'000 + 500);
    }
  }
  om += "# TYPE cog_gpu_memory_bytes gauge\n";
  for (int i = 0; i < 48; ++i) {
    om += line("cog_gpu_memory_bytes{gpu=\"0\",instance=\"a:5000\",job=\"cog\"}", std::to_string(1.5e9 + i),
               kWms + i * 300'000);
  }
  om += "# TYPE cog_predict_duration_seconds histogram\n";
  for (int i = 0; i < 24; ++i) {
    const int64_t t = kWms + i * 600'000;
    for (const char* le : {"0.1", "0.5", "2.5", "+Inf"}) {
      om +=
          line(std::string("cog_predict_duration_seconds_bucket{job=\"cog\",le=\"") + le + "\"}", std::to_string(i), t);
    }
    om += line("cog_predict_duration_seconds_count{job=\"cog\"}", std::to_string(i), t);
    om += line("cog_predict_duration_seconds_sum{job=\"cog\"}", std::to_string(i * 0.25), t);
  }
  om += "# TYPE cog_batch_seconds gauge\n";
  for (int pod = 0; pod < 9; ++pod) {  // the last ends at kWms + 3h40m
    const std::string series = "cog_batch_seconds{job=\"batch\",pod=\"p" + std::to_string(pod) + "\",shift=\"" +
                               (pod < 2 ? "early" : "late") + "\"}";
    const int64_t start = kWms + pod * 1'200'000;  // one hour each, 20 minutes apart
    for (int64_t t = start; t <= start + 3'600'000; t += 300'000) om += line(series, std::to_string(pod), t);
  }
  om += "# TYPE cog_once gauge\n" + line("cog_once{job=\"once\"}", "1", kWms + 5'000'000);
  return om + "# EOF\n";
}

class TsdbAnalyzeTest : public testing::TsdbCliTest {
 protected:
  // A head of three series over [kWms, kWms + 1m], written with the Db API
  // to a log (no blocks): up{x} the whole minute, up{y} its second half,
  // cog_x one sample at its end.
  void write_head(const std::string& data, int64_t t0 = kWms) {
    auto db = tsdb::Db::open(data, tsdb::DbOptions{});
    ASSERT_TRUE(db) << db.error().message;
    auto app = (*db)->head().appender();
    for (int64_t s = 0; s <= 60; s += 15) {
      ASSERT_TRUE(app->append(Labels{{"__name__", "up"}, {"instance", "x"}, {"job", "a"}}, t0 + s * 1000, 1));
      if (s >= 30) {
        ASSERT_TRUE(app->append(Labels{{"__name__", "up"}, {"instance", "y"}, {"job", "a"}}, t0 + s * 1000, 1));
      }
    }
    ASSERT_TRUE(app->append(Labels{{"__name__", "cog_x"}, {"job", "b"}}, t0 + 60'000, 2));
    app->commit();
    ASSERT_TRUE((*db)->sync());
  }
};

// Go's time.Duration.String() of milliseconds.
TEST(GoDurationString, AsGoPrintsIt) {
  EXPECT_EQ(go_duration_string(7'200'000), "2h0m0s");
  EXPECT_EQ(go_duration_string(7'199'999), "1h59m59.999s");
  EXPECT_EQ(go_duration_string(500), "500ms");
  EXPECT_EQ(go_duration_string(0), "0s");
  EXPECT_EQ(go_duration_string(1), "1ms");
  EXPECT_EQ(go_duration_string(1000), "1s");
  EXPECT_EQ(go_duration_string(1500), "1.5s");
  EXPECT_EQ(go_duration_string(60'001), "1m0.001s");
  EXPECT_EQ(go_duration_string(61'000), "1m1s");
  EXPECT_EQ(go_duration_string(3'600'500), "1h0m0.5s");
  EXPECT_EQ(go_duration_string(1'800'001), "30m0.001s");
  EXPECT_EQ(go_duration_string(90 * 86'400'000ll), "2160h0m0s");
  EXPECT_EQ(go_duration_string(-1500), "-1.5s");
  EXPECT_EQ(go_duration_string(-500), "-500ms");
}

// The head, exactly: promtool's layout, churn over [oldest, newest + 1ms).
TEST_F(TsdbAnalyzeTest, HeadOfALogOnlyDirectory) {
  const std::string data = dir_ + "/data";
  write_head(data);
  ASSERT_FALSE(HasFatalFailure());
  const std::string want_tables = R"(
Label pairs most involved in churning:
1 __name__=cog_x
1 job=b
0 __name__=up
0 instance=x
0 instance=y
0 job=a

Label names most involved in churning:
1 __name__
1 job
0 instance

Most common label pairs:
2 __name__=up
2 job=a
1 __name__=cog_x
1 instance=x
1 instance=y
1 job=b

Label names with highest cumulative label value length:
7 __name__
2 instance
2 job

Highest cardinality labels:
2 __name__
2 instance
2 job

Highest cardinality metric names:
2 up
1 cog_x
)";
  const std::regex head(R"(Block ID: head
Duration: 1m0\.001s
Total Series: 3
Label names: 3
Postings \(unique label pairs\): 6
Postings entries \(total label pairs\): 8
Chunks: 3
Chunk bytes: [1-9][0-9]*
Samples: 9
)");
  for (const std::vector<std::string>& args : {std::vector<std::string>{data},
                                               {data, "head"},
                                               {"--storage.tsdb.path=" + data},
                                               {"--storage.tsdb.path=" + data, "head"},
                                               {"--limit", "20", "--storage.tsdb.path", data}}) {
    std::vector<std::string> argv = {"tsdb", "analyze"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = cogwatch(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const size_t tables = r.out.find("\nLabel pairs");
    ASSERT_NE(tables, std::string::npos) << r.out;
    EXPECT_TRUE(std::regex_match(r.out.substr(0, tables), head)) << r.out;
    EXPECT_EQ(r.out.substr(tables), want_tables);
  }
  // The directory given both ways is a usage error (with the flag, one
  // argument is the block).
  auto r = cogwatch({"tsdb", "analyze", "--storage.tsdb.path=" + data, data, "head"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the data directory is given twice"), std::string::npos) << r.err;
}

TEST_F(TsdbAnalyzeTest, LimitCutsEveryTable) {
  const std::string data = dir_ + "/data";
  write_head(data);
  ASSERT_FALSE(HasFatalFailure());
  auto r = cogwatch({"tsdb", "analyze", "--limit", "2", data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Report rep = parse_report(r.out);
  ASSERT_EQ(rep.tables.size(), 6u) << r.out;
  for (const auto& [title, rows] : rep.tables) EXPECT_EQ(rows.size(), 2u) << title;
  EXPECT_EQ(rep.tables.at("Most common label pairs"),
            (std::vector<std::pair<uint64_t, std::string>>{{2, "__name__=up"}, {2, "job=a"}}));
  EXPECT_EQ(rep.tables.at("Label names most involved in churning"),
            (std::vector<std::pair<uint64_t, std::string>>{{1, "__name__"}, {1, "job"}}));
  EXPECT_EQ(rep.fields.at("Total Series"), "3");  // the counts are not limited
  r = cogwatch({"tsdb", "analyze", "--limit=0", data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [title, rows] : parse_report(r.out).tables) EXPECT_TRUE(rows.empty()) << title;
}

TEST_F(TsdbAnalyzeTest, UnknownBlockOrDirectoryFails) {
  const std::string data = dir_ + "/data";
  auto i = cogwatch({"tsdb", "import", "openmetrics", "-q", write("in.om", churn_file()), data});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  auto r = cogwatch({"tsdb", "analyze", data, "01H0000000000000000000000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "cogwatch tsdb analyze: error: block 01H0000000000000000000000 not found in " + data +
                       " (blocks: 1700006400000-1700013599999, 1700013600000-1700020799999; or head)\n");
  // A block by its file name works too.
  r = cogwatch({"tsdb", "analyze", data, "1700006400000-1700013599999.block"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_report(r.out).fields["Block ID"], "1700006400000-1700013599999");
  // Blocks and an empty head: the head has nothing to say.
  r = cogwatch({"tsdb", "analyze", data, "head"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cogwatch tsdb analyze: error: " + data +
                       ": its head is empty (nothing in the log since its newest block)\n");
  r = cogwatch({"tsdb", "analyze", dir_ + "/nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cogwatch tsdb analyze: error: " + dir_ + "/nope: no such directory\n");
  fs::create_directories(dir_ + "/empty");
  r = cogwatch({"tsdb", "analyze", dir_ + "/empty"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not a cogwatch data directory"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir_ + "/empty"));
}

// Read-only beside a running `cogwatch run` that holds the directory
// (blocks and a head in its log): the report is the directory's, and not
// a byte of it changes.
TEST_F(TsdbAnalyzeTest, ReadOnlyBesideARunningDaemon) {
  const std::string data = dir_ + "/data";
  auto i = cogwatch({"tsdb", "import", "openmetrics", "-q", write("in.om", churn_file()), data});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  write_head(data, kWms + 2 * k2h + 60'000);
  ASSERT_FALSE(HasFatalFailure());

  start_daemon(data);
  ASSERT_FALSE(HasFatalFailure());

  const std::string before = listing(data);
  auto r = cogwatch({"tsdb", "analyze", data});  // the newest block
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(parse_report(r.out).fields["Block ID"], "1700013600000-1700020799999");
  r = cogwatch({"tsdb", "analyze", data, "head"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Report head = parse_report(r.out);
  EXPECT_EQ(head.fields["Total Series"], "3") << r.out;
  EXPECT_EQ(head.fields["Samples"], "9") << r.out;
  EXPECT_EQ(listing(data), before);
  EXPECT_FALSE(peer::wait_process(daemon_, 0ms)) << "the daemon stopped:\n" << daemon_log();
}

// The same file imported by promtool 2.42 and by cogwatch, each analyzed
// by its own tool, block by block: the same counts and table rows.
TEST_F(TsdbAnalyzeTest, SameReportAsPromtool) {
  const std::string promtool = PROMTOOL;
  if (promtool.empty() || !fs::exists(promtool)) GTEST_SKIP() << "promtool not found (Debian package prometheus)";
  const std::string file = write("in.om", churn_file());
  const std::string mine = dir_ + "/cogwatch", theirs = dir_ + "/promtool";
  auto i = cogwatch({"tsdb", "import", "openmetrics", "-q", file, mine});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  auto p = run({promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", file, theirs});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto list = run({promtool, "tsdb", "list", theirs});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::string> ulids;  // by time, as listed
  std::istringstream in(list.out);
  for (std::string l; std::getline(in, l);) {
    if (!l.starts_with("BLOCK")) ulids.push_back(l.substr(0, l.find(' ')));
  }
  ASSERT_EQ(ulids.size(), 2u) << list.out;
  const std::vector<std::string> names = {"1700006400000-1700013599999", "1700013600000-1700020799999"};

  for (size_t b = 0; b <= 2; ++b) {  // each block, then the default (the newest)
    SCOPED_TRACE(b < 2 ? names[b] : "default block");
    std::vector<std::string> pargs = {promtool, "tsdb", "analyze", "--limit=1000", theirs};
    std::vector<std::string> cargs = {"tsdb", "analyze", "--limit=1000", mine};
    if (b < 2) {
      pargs.push_back(ulids[b]);
      cargs.push_back(names[b]);
    }
    auto pr = run(pargs);
    ASSERT_EQ(pr.exit_code, 0) << pr.err;
    auto cr = cogwatch(cargs);
    ASSERT_EQ(cr.exit_code, 0) << cr.err;
    const Report want = parse_report(pr.out), got = parse_report(cr.out);
    EXPECT_EQ(got.fields.at("Block ID"), names[std::min<size_t>(b, 1)]);
    EXPECT_EQ(want.fields.at("Block ID"), ulids[std::min<size_t>(b, 1)]);
    EXPECT_EQ(got.fields.at("Duration"), want.fields.at("Duration"));
    // promtool 2.42 says "Series", Prometheus 3's promtool (and cogwatch) "Total Series".
    EXPECT_EQ(got.fields.at("Total Series"), want.fields.at("Series"));
    for (const char* f : {"Label names", "Postings (unique label pairs)", "Postings entries (total label pairs)"}) {
      EXPECT_EQ(got.fields.at(f), want.fields.at(f)) << f;
    }
    // Chunks, Chunk bytes and Samples are cogwatch's own lines (promtool
    // 2.42 prints none; chunk bytes could not match anyway: Prometheus's
    // chunks and cogwatch's are encoded differently).
    EXPECT_EQ(want.fields.count("Chunks"), 0u);
    ASSERT_EQ(got.tables.size(), 6u) << cr.out;
    ASSERT_EQ(want.tables.size(), 6u) << pr.out;
    for (const auto& [title, rows] : want.tables) {
      ASSERT_TRUE(got.tables.contains(title)) << title;
      // promtool sorts by value alone, and its ties come in Go's map order
      // (random): cogwatch breaks ties by name. The same rows, and both in
      // order of value.
      auto sorted = [](std::vector<std::pair<uint64_t, std::string>> v) {
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& c) {
          return a.first != c.first ? a.first > c.first : a.second < c.second;
        });
        return v;
      };
      EXPECT_EQ(got.tables.at(title), sorted(rows)) << title << "\n" << cr.out << "\npromtool:\n" << pr.out;
      EXPECT_FALSE(rows.empty()) << title;
    }
    if (b == 0) {
      // Pods p0 and p1 each miss half of the first block: together one
      // block's worth of churn (exact only when churn is divided by the
      // block's whole 2h, as promtool does).
      const auto& churn = got.tables.at("Label pairs most involved in churning");
      EXPECT_NE(std::find(churn.begin(), churn.end(), std::pair<uint64_t, std::string>{1, "shift=early"}), churn.end())
          << cr.out;
    }
  }
}

}  // namespace
}  // namespace cogwatch::cli
