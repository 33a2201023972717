// Appenders, queriers and retention at once. Run under ThreadSanitizer in CI
// (scripts/test.sh builds the tsdb tests with COGWATCH_SANITIZE=thread).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"

namespace cogwatch::tsdb {
namespace {

using testing::matcher;

constexpr int kSeriesPerWriter = 50;
constexpr int kBatches = 400;

Labels series_label(int writer, int i) {
  return Labels{{"__name__", "m"}, {"writer", std::to_string(writer)}, {"i", std::to_string(i)}};
}

// With `retention`, a janitor drops old chunks meanwhile; a writer that lags
// the other by more than the retention then loses its series and recreates
// them, so only the batch property can be checked, not the series count.
void run_writers_and_readers(Duration retention) {
  HeadOptions opts;
  opts.retention_time = retention;
  Head head(opts);
  std::atomic<bool> done{false};
  std::atomic<int> readers_started{0};

  // Each writer commits batches that give every one of its series a sample
  // at the same timestamp, with value == timestamp.
  auto writer = [&](int w) {
    std::vector<Labels> labels;
    for (int i = 0; i < kSeriesPerWriter; ++i) labels.push_back(series_label(w, i));
    std::vector<SeriesRef> refs(kSeriesPerWriter, 0);
    while (readers_started.load() < 2) std::this_thread::yield();  // overlap with readers
    for (int b = 1; b <= kBatches; ++b) {
      auto app = head.appender();
      const Timestamp t = b * kSecond;
      for (int i = 0; i < kSeriesPerWriter; ++i) {
        // Alternate the label path and the cached-ref path.
        auto r = (refs[i] != 0 && b % 2 == 0) ? app->append(refs[i], t, static_cast<double>(t))
                                              : app->append(labels[i], t, static_cast<double>(t));
        if (!r.ok() && r.error().code == ErrorCode::kNotFound) r = app->append(labels[i], t, static_cast<double>(t));
        ASSERT_TRUE(r.ok()) << r.error().message;
        refs[i] = *r;
      }
      app->commit();
    }
  };

  // A reader checks that for each writer, all series end at the same
  // timestamp (a batch is visible whole or not at all), and that every
  // sample reads back as written.
  std::atomic<int> checks{0};
  auto reader = [&](int w) {
    auto m = std::vector<LabelMatcher>{matcher(MatchType::kEqual, "writer", std::to_string(w).c_str())};
    readers_started.fetch_add(1);
    // One more round after the writers are done, so every reader checks at
    // least once with data present.
    for (bool final_round = false; !final_round;) {
      final_round = done.load();
      auto sets = head.select(m, kMinTimestamp, kMaxTimestamp);
      if (sets.empty()) continue;
      Timestamp newest = -1;
      size_t full = 0;
      for (const SeriesData& s : sets) {
        Timestamp last = -1;
        SeriesIterator it = s.iterator();
        while (it.next()) {
          ASSERT_EQ(it.v(), static_cast<double>(it.t()));
          ASSERT_GT(it.t(), last);
          last = it.t();
        }
        ASSERT_TRUE(it.err().ok());
        if (newest == -1) newest = last;
        ASSERT_EQ(last, newest) << "a batch was seen half-committed";
        ++full;
      }
      if (retention == 0) {
        ASSERT_EQ(full, static_cast<size_t>(kSeriesPerWriter));
      } else {
        ASSERT_LE(full, static_cast<size_t>(kSeriesPerWriter));
      }
      checks.fetch_add(1);
    }
  };

  auto janitor = [&] {
    while (!done.load()) {
      head.apply_retention();
      (void)head.memory();
      (void)head.label_values("i", {});
      std::this_thread::yield();
    }
  };

  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) writers.emplace_back(writer, w);
  std::thread r0(reader, 0), r1(reader, 1), j(janitor);
  for (auto& t : writers) t.join();
  done = true;
  r0.join();
  r1.join();
  j.join();

  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(head.stats().out_of_order_samples, 0u);
  EXPECT_EQ(head.stats().samples_appended, 2u * kSeriesPerWriter * kBatches);
}

TEST(Concurrency, ReadersSeeWholeBatchesOnly) { run_writers_and_readers(0); }
TEST(Concurrency, ReadersSeeWholeBatchesOnlyWhileRetentionRuns) { run_writers_and_readers(100 * kSecond); }

TEST(Concurrency, ManyAppendersOnSharedSeries) {
  Head head;
  Labels shared{{"__name__", "shared"}};
  std::vector<std::thread> threads;
  std::atomic<uint64_t> accepted{0};
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 2000; ++i) {
        auto app = head.appender();
        // Writers race on one series; order violations are rejected either
        // at append or at commit, never stored.
        if (app->append(shared, i * 4 + w, w).ok()) {
          accepted += app->commit().appended;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto sets = head.select({matcher(MatchType::kEqual, "__name__", "shared")}, kMinTimestamp, kMaxTimestamp);
  ASSERT_EQ(sets.size(), 1u);
  auto samples = testing::read_all(sets[0]);
  EXPECT_EQ(samples.size(), accepted.load());
  for (size_t i = 1; i < samples.size(); ++i) ASSERT_GT(samples[i].first, samples[i - 1].first);
}

}  // namespace
}  // namespace cogwatch::tsdb
