#include "remote/queue.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/net/test_util.h"
#include "tests/remote/histogram_test_util.h"
#include "tsdb/db.h"

namespace cogwatch::remote {
namespace {

using net::testing::ServerThread;

// Polls `done` every 10 ms for at most `limit`; whether it came true.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  for (auto deadline = std::chrono::steady_clock::now() + limit; !done();) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A receiver that decodes what it is sent, and answers what the test says.
class Receiver {
 public:
  Receiver()
      : server_([this](const net::HttpRequest& r) { return handle(r); }) {}

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/api/v1/write"; }
  // The next n requests are answered `status` (and not stored).
  // 2.0 answers say this many samples were written (-1: all they held).
  void claim_written(int n, int histograms = -1) {
    std::lock_guard lock(mu_);
    claim_written_ = n;
    claim_histograms_written_ = histograms;
  }
  void fail_next(int n, int status, std::string retry_after = "") {
    std::lock_guard lock(mu_);
    fail_left_ = n;
    fail_status_ = status;
    retry_after_ = std::move(retry_after);
  }
  // When each request came (steady clock).
  std::vector<std::chrono::steady_clock::time_point> request_times() const {
    std::lock_guard lock(mu_);
    return request_times_;
  }
  // Samples stored, as "labels@t=v" (histograms "labels@t=H{{...}}", float
  // ones "...=FH{{...}}", stale ones "...=Hstale"), and how many times each came.
  std::map<std::string, int> samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return samples_.size();
  }
  int requests() const { return requests_.load(); }
  // The series entries of every body, in order: "name:<samples>f<histograms>h".
  std::vector<std::string> entries() const {
    std::lock_guard lock(mu_);
    return entries_;
  }
  std::string last_version() const {
    std::lock_guard lock(mu_);
    return version_;
  }
  // 1.0 metadata entries received, in order.
  std::vector<WriteMetadata> metadata() const {
    std::lock_guard lock(mu_);
    return metadata_;
  }
  // 2.0: the metadata the last series of each name came with, "type help unit".
  std::map<std::string, std::string> series_metadata() const {
    std::lock_guard lock(mu_);
    return series_metadata_;
  }

  bool wait_for(size_t n) const {
    return eventually([&] { return count() >= n; }, std::chrono::milliseconds(10000));
  }

 private:
  net::HttpResponse handle(const net::HttpRequest& r) {
    ++requests_;
    std::lock_guard lock(mu_);
    version_ = std::string(r.header("X-Prometheus-Remote-Write-Version"));
    request_times_.push_back(std::chrono::steady_clock::now());
    if (fail_left_ > 0) {
      --fail_left_;
      net::HttpResponse failed{.status = fail_status_, .body = "not now"};
      if (!retry_after_.empty()) failed.headers.emplace_back("Retry-After", retry_after_);
      return failed;
    }
    auto protocol = protocol_of_content_type(r.header("Content-Type"));
    if (!protocol || r.header("Content-Encoding") != "snappy") return {.status = 415};
    auto decoded = decode_write_request(r.body, *protocol);
    if (!decoded) return {.status = 400, .body = decoded.error().message};
    metadata_.insert(metadata_.end(), decoded->metadata.begin(), decoded->metadata.end());
    net::HttpResponse ok{.status = 204};
    if (*protocol == WriteProtocol::kV2) {
      ok.headers.emplace_back("X-Prometheus-Remote-Write-Samples-Written",
                              std::to_string(claim_written_ >= 0 ? static_cast<uint64_t>(claim_written_)
                                                                 : decoded->samples));
      ok.headers.emplace_back("X-Prometheus-Remote-Write-Histograms-Written",
                              std::to_string(claim_histograms_written_ >= 0
                                                 ? static_cast<uint64_t>(claim_histograms_written_)
                                                 : decoded->histograms));
    }
    for (const WriteSeries& s : decoded->series) {
      series_metadata_[std::string(s.labels.metric_name())] =
          std::to_string(static_cast<int>(s.type)) + " " + s.help + " " + s.unit;
      for (const WriteSample& x : s.samples) {
        ++samples_[s.labels.to_string() + "@" + std::to_string(x.t) + "=" +
                   (is_stale_nan(x.v) ? "stale" : std::to_string(static_cast<int>(x.v)))];
      }
      for (const WriteHistogram& h : s.histograms) {
        std::string value = h.is_float() ? "FH" : "H";
        const FloatHistogram f = h.is_float() ? std::get<FloatHistogram>(h.h) : std::get<Histogram>(h.h).to_float();
        value += is_stale_nan(f.sum) ? "stale" : f.test_expression();
        ++samples_[s.labels.to_string() + "@" + std::to_string(h.t) + "=" + value];
      }
      entries_.push_back(std::string(s.labels.metric_name()) + ":" + std::to_string(s.samples.size()) + "f" +
                         std::to_string(s.histograms.size()) + "h");
    }
    return ok;
  }

  mutable std::mutex mu_;
  std::map<std::string, int> samples_;
  int fail_left_ = 0;
  int fail_status_ = 500;
  std::string version_;
  std::string retry_after_;
  int claim_written_ = -1;
  int claim_histograms_written_ = -1;
  std::vector<std::string> entries_;
  std::vector<WriteMetadata> metadata_;
  std::map<std::string, std::string> series_metadata_;
  std::vector<std::chrono::steady_clock::time_point> request_times_;
  std::atomic<int> requests_{0};
  ServerThread server_;  // last: it stops before the rest goes
};

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cogwatch_queue_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    tsdb::DbOptions o;
    o.wal_hold_bytes = 64 << 20;
    o.wal_segment_bytes = 4096;  // many segments, so checkpoints remove some
    auto db = tsdb::Db::open(dir_, o);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  RemoteWriteConfig config(const std::string& url, const std::string& extra = "") {
    auto c = parse_remote_write_configs("remote_write:\n  - url: " + url + "\n    name: q\n" + extra, "test.yml");
    EXPECT_TRUE(c.ok()) << c.error().message;
    RemoteWriteConfig out = c.ok() ? (*c)[0] : RemoteWriteConfig{};
    out.queue.batch_send_deadline = 50 * kMillisecond;
    out.queue.min_backoff = 10 * kMillisecond;
    out.queue.max_backoff = 50 * kMillisecond;
    return out;
  }
  std::unique_ptr<RemoteWriteQueue> start(RemoteWriteConfig c,
                                          std::function<std::vector<WriteMetadata>()> metadata = {}) {
    auto q = std::make_unique<RemoteWriteQueue>(
        std::move(c), QueueOptions{.wal_dir = dir_ + "/wal", .state_dir = dir_ + "/remote",
                                   .external_labels = Labels{{"site", "edge-7"}},
                                   .hold = [this](uint32_t s) { db_->hold_wal("q", s); },
                                   .poll_interval = 10 * kMillisecond,
                                   .metadata = std::move(metadata)});
    auto note = q->start();
    EXPECT_TRUE(note.ok());
    // A new queue begins at the log's end: let it get there (and save
    // that place) before the test commits.
    EXPECT_TRUE(eventually([&] { return q->stats().position != WalPosition{}; }, std::chrono::milliseconds(5000)));
    return q;
  }
  void commit(int n, Timestamp t) {
    auto app = db_->head().appender();
    for (int i = 0; i < n; ++i) (void)app->append(Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, t, i);
    app->commit();
  }

  std::string dir_;
  std::unique_ptr<tsdb::Db> db_;
};

TEST_F(QueueTest, SendsWhatIsCommittedWithExternalLabelsAndRelabelling) {
  Receiver rx;
  auto q = start(config(rx.url(), "    write_relabel_configs: [{source_labels: [i], regex: '3', action: drop}]\n"));
  commit(5, 1000);
  commit(5, 2000);
  ASSERT_TRUE(rx.wait_for(8)) << rx.count();
  const auto got = rx.samples();
  EXPECT_EQ(got.size(), 8u);
  EXPECT_EQ(got.count("{__name__=\"m\", i=\"0\", site=\"edge-7\"}@1000=0"), 1u);
  EXPECT_EQ(got.count("{__name__=\"m\", i=\"4\", site=\"edge-7\"}@2000=4"), 1u);
  for (const auto& [s, n] : got) EXPECT_EQ(n, 1) << s;
  EXPECT_EQ(rx.last_version(), "0.1.0");
  // The receiver stores a body before its answer reaches the queue, which
  // counts it then.
  eventually([&] { return q->stats().samples_dropped >= 2 && q->stats().samples_sent >= 8; },
             std::chrono::milliseconds(1000));
  const QueueStats st = q->stats();
  EXPECT_EQ(st.samples_sent, 8u);
  EXPECT_EQ(st.samples_dropped, 2u) << "i=3, relabelled away";
  EXPECT_EQ(st.highest_sent_timestamp, 2000);
  EXPECT_GT(st.bytes_sent, 0u);
}

TEST_F(QueueTest, FailuresAreRetriedAndNothingIsLostOrSentTwice) {
  Receiver rx;
  rx.fail_next(4, 503);
  auto q = start(config(rx.url()));
  commit(10, 1000);
  ASSERT_TRUE(rx.wait_for(10));
  EXPECT_GE(rx.requests(), 5);
  for (const auto& [s, n] : rx.samples()) EXPECT_EQ(n, 1) << s;
  eventually([&] { return q->stats().samples_sent >= 10; }, std::chrono::milliseconds(1000));  // answers still on their way
  const QueueStats st = q->stats();
  EXPECT_EQ(st.samples_sent, 10u);
  EXPECT_GE(st.samples_retried, 10u);
  EXPECT_EQ(st.samples_failed, 0u);
}

TEST_F(QueueTest, AnUnacceptableBodyIsDroppedAndCounted) {
  Receiver rx;
  rx.fail_next(1, 400);
  auto q = start(config(rx.url()));
  commit(3, 1000);
  eventually([&] { return q->stats().samples_failed != 0; }, std::chrono::milliseconds(2000));
  EXPECT_EQ(q->stats().samples_failed, 3u);
  commit(3, 2000);
  ASSERT_TRUE(rx.wait_for(3));
  EXPECT_EQ(rx.samples().count("{__name__=\"m\", i=\"2\", site=\"edge-7\"}@2000=2"), 1u);
  EXPECT_EQ(rx.count(), 3u) << "the refused batch is not sent again";
}

TEST_F(QueueTest, TooManyRequestsIsRetriedOnlyWhenConfigured) {
  Receiver rx;
  rx.fail_next(2, 429);
  auto q = start(config(rx.url(), "    queue_config: {retry_on_http_429: true}\n"));
  const WalPosition before = q->stats().position;
  commit(4, 1000);
  ASSERT_TRUE(rx.wait_for(4));
  // The round is saved once the queue has the answers: the next queue
  // starts after it.
  ASSERT_TRUE(eventually([&] { return q->stats().position != before; }, std::chrono::milliseconds(2000)));
  EXPECT_EQ(q->stats().samples_failed, 0u);
  q->stop();
  rx.fail_next(1, 429);
  auto dropping = start(config(rx.url()));
  commit(4, 2000);
  eventually([&] { return dropping->stats().samples_failed != 0; }, std::chrono::milliseconds(2000));
  EXPECT_EQ(dropping->stats().samples_failed, 4u);
}

// A receiver that asks, with Retry-After, to be left alone for a second
// is: the backoff (10 to 50 ms here) gives way to it.
TEST_F(QueueTest, RetryAfterIsWaitedInsteadOfTheBackoff) {
  Receiver rx;
  rx.fail_next(1, 503, "1");
  auto q = start(config(rx.url()));
  commit(2, 1000);
  ASSERT_TRUE(rx.wait_for(2));
  const auto times = rx.request_times();
  ASSERT_GE(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], std::chrono::milliseconds(990));
  EXPECT_EQ(q->stats().samples_retried, 2u);
}

// The position survives a restart: a queue stopped while its receiver is
// down sends, once started again, everything committed meanwhile, once.
TEST_F(QueueTest, ARestartedQueueResumesWhereTheReceiverStopped) {
  Receiver rx;
  auto q = start(config(rx.url()));
  commit(5, 1000);
  ASSERT_TRUE(rx.wait_for(5));
  rx.fail_next(1'000'000, 503);  // down
  commit(5, 2000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  q->stop();
  const WalPosition saved = q->stats().position;
  EXPECT_GT(saved.segment, 0u);
  commit(5, 3000);
  rx.fail_next(0, 503);  // up again
  auto resumed = start(config(rx.url()));
  ASSERT_TRUE(rx.wait_for(15)) << rx.count();
  for (const auto& [s, n] : rx.samples()) EXPECT_EQ(n, 1) << s;
  EXPECT_EQ(rx.count(), 15u);
}

// A queue added while its receiver is down holds its place in the log
// from the start: checkpoints meanwhile keep what it has not sent.
TEST_F(QueueTest, ANewQueueWhoseReceiverIsDownLosesNothingToCheckpoints) {
  Receiver rx;
  rx.fail_next(1'000'000, 503);
  auto q = start(config(rx.url()));
  for (int s = 0; s < 100; ++s) commit(5, 1000 + s * 1000);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(db_->checkpoint().ok());
  EXPECT_GT(db_->stats().wal_held_bytes, 0u);
  rx.fail_next(0, 503);
  ASSERT_TRUE(rx.wait_for(500)) << rx.count();
  EXPECT_EQ(q->stats().wal.segments_missed, 0u);
  for (const auto& [s, n] : rx.samples()) EXPECT_EQ(n, 1) << s;
}

// A secret file that goes away between two bodies of a round (a rotation):
// the bodies that cannot be sent are counted failed, and the queue goes
// on answering stats() and stop().
TEST_F(QueueTest, ASecretFileGoneMidRoundFailsThoseBodiesAndNothingHangs) {
  const std::string secret = dir_ + "/password";
  std::ofstream(secret) << "s3cret";
  std::atomic<int> seen{0};
  ServerThread server([&](const net::HttpRequest&) {
    if (seen++ == 0) std::filesystem::remove(secret);
    return net::HttpResponse{.status = 204};
  });
  auto c = config("http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/write",
                  "    basic_auth: {username: edge, password_file: " + secret + "}\n"
                  "    queue_config: {max_samples_per_send: 2, min_shards: 1, max_shards: 1}\n");
  auto q = start(c);
  commit(6, 1000);  // one round, one shard, three bodies
  eventually([&] { return q->stats().samples_failed >= 4; }, std::chrono::milliseconds(3000));
  const QueueStats st = q->stats();
  EXPECT_EQ(st.samples_sent, 2u);
  EXPECT_EQ(st.samples_failed, 4u);
  EXPECT_NE(st.last_error.find("password"), std::string::npos) << st.last_error;
  q->stop();
}

TEST_F(QueueTest, RemoteWrite2) {
  Receiver rx;
  auto q = start(config(rx.url(), "    protobuf_message: io.prometheus.write.v2.Request\n"));
  commit(3, 1000);
  ASSERT_TRUE(rx.wait_for(3));
  EXPECT_EQ(rx.last_version(), "2.0.0");
  eventually([&] { return q->stats().samples_sent >= 3; }, std::chrono::milliseconds(1000));
  EXPECT_EQ(q->stats().samples_sent, 3u);
  EXPECT_EQ(q->stats().samples_failed, 0u);
  // A partial write: the receiver says it wrote 1 of 3.
  rx.claim_written(1);
  commit(3, 2000);
  eventually([&] { return q->stats().samples_failed >= 2; }, std::chrono::milliseconds(2000));
  EXPECT_EQ(q->stats().samples_sent, 4u);
  EXPECT_EQ(q->stats().samples_failed, 2u);
  EXPECT_EQ(q->stats().last_error, "the receiver wrote 1 of 3 samples");
}

// A stop with a flush deadline sends what the log holds first; with the
// receiver away it gives up at the deadline, and the position stays.
TEST_F(QueueTest, AStopWithAFlushDeadlineSendsWhatTheLogHolds) {
  Receiver rx;
  auto c = config(rx.url());
  c.queue.batch_send_deadline = kHour;  // a round would wait for a full batch
  auto q = start(c);
  commit(5, 1000);
  q->stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(rx.count(), 5u);
  EXPECT_EQ(q->stats().samples_sent, 5u);

  rx.fail_next(1000, 503);
  auto away = start(config(rx.url()));
  const WalPosition before = away->stats().position;
  commit(5, 2000);
  const auto t0 = std::chrono::steady_clock::now();
  away->stop(t0 + std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(290));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(away->stats().position, before) << "nothing accepted, nothing saved";
}

const std::vector<WriteMetadata> kFamilies = {
    {.family = "cog_predict_latency_seconds", .type = MetricType::kHistogram, .help = "Latency.", .unit = "seconds"},
    {.family = "m", .type = MetricType::kGauge, .help = "The test's gauge."},
    {.family = "requests_total", .type = MetricType::kCounter, .help = "Requests."}};

// 1.0: every family's metadata in bodies of its own, max_samples_per_send
// entries each, again every send_interval; none with send: false.
TEST_F(QueueTest, MetadataGoesInRequestsOfItsOwnEverySendInterval) {
  Receiver rx;
  std::atomic<int> asked{0};
  auto q = start(config(rx.url(), "    metadata_config: {send_interval: 200ms, max_samples_per_send: 2}\n"), [&] {
    ++asked;
    return kFamilies;
  });
  eventually([&] { return rx.metadata().size() >= 6; }, std::chrono::milliseconds(3000));
  const std::vector<WriteMetadata> got = rx.metadata();
  ASSERT_GE(got.size(), 6u) << "sent twice";
  EXPECT_EQ(std::vector<WriteMetadata>(got.begin(), got.begin() + 3), kFamilies);
  EXPECT_GE(rx.requests(), 4) << "two bodies each time";
  EXPECT_GE(q->stats().metadata_sent, 6u);
  EXPECT_GT(q->stats().metadata_bytes, 0u);
  q->stop();

  Receiver quiet;
  std::atomic<int> asked_quiet{0};
  auto off = start(config(quiet.url(), "    metadata_config: {send: false, send_interval: 10ms}\n"), [&] {
    ++asked_quiet;
    return kFamilies;
  });
  commit(1, 1000);
  ASSERT_TRUE(quiet.wait_for(1));
  EXPECT_TRUE(quiet.metadata().empty());
  EXPECT_EQ(asked_quiet, 0);
}

// 2.0: each series carries its family's metadata, found by its name or
// its name less an exposition suffix.
TEST_F(QueueTest, RemoteWrite2SendsEachSeriesWithItsFamilysMetadata) {
  Receiver rx;
  auto q = start(config(rx.url(), "    protobuf_message: io.prometheus.write.v2.Request\n"), [] { return kFamilies; });
  auto app = db_->head().appender();
  for (const char* name : {"m", "requests_total", "cog_predict_latency_seconds_bucket", "unknown_metric"}) {
    ASSERT_TRUE(app->append(Labels{{"__name__", name}}, 1000, 1).ok());
  }
  app->commit();
  ASSERT_TRUE(rx.wait_for(4));
  const auto meta = rx.series_metadata();
  EXPECT_EQ(meta.at("m"), "2 The test's gauge. ");
  EXPECT_EQ(meta.at("requests_total"), "1 Requests. ");
  EXPECT_EQ(meta.at("cog_predict_latency_seconds_bucket"), "3 Latency. seconds");
  EXPECT_EQ(meta.at("unknown_metric"), "0  ");
  EXPECT_TRUE(rx.metadata().empty()) << "no 1.0 metadata requests";
}

const Labels kLatency{{"__name__", "latency"}};
const Labels kRate{{"__name__", "latency:rate"}};
const Labels kQueue{{"__name__", "queue_seconds"}};
const std::string kLatencySent = R"({__name__="latency", site="edge-7"})";
const std::string kRateSent = R"({__name__="latency:rate", site="edge-7"})";
const std::string kQueueSent = R"({__name__="queue_seconds", site="edge-7"})";

// One batch of every kind: an integer histogram (latency), a float one
// (latency:rate), a custom-bucket one (queue_seconds) and a float (m).
void commit_histograms(tsdb::Db& db, Timestamp t, uint64_t scale) {
  auto app = db.head().appender();
  ASSERT_TRUE(app->append_histogram(kLatency, t, testing::integer_histogram(scale)).ok());
  ASSERT_TRUE(app->append_float_histogram(kRate, t, testing::float_histogram(static_cast<double>(scale))).ok());
  ASSERT_TRUE(app->append_histogram(kQueue, t, testing::custom_histogram(scale)).ok());
  ASSERT_TRUE(app->append(Labels{{"__name__", "m"}}, t, 1).ok());
  app->commit();
}

void end_series(tsdb::Db& db, Timestamp t) {
  auto app = db.head().appender();
  for (const Labels& l : {kLatency, kRate, kQueue}) ASSERT_TRUE(app->append(l, t, stale_nan()).ok());
  app->commit();
}

// 1.0 sends native histograms only with send_native_histograms, as
// Prometheus: without it, neither they nor their series' stale markers go.
TEST_F(QueueTest, RemoteWrite1SendsNoHistogramsUnlessAsked) {
  Receiver rx;
  auto q = start(config(rx.url()));
  commit_histograms(*db_, 1000, 1);
  end_series(*db_, 2000);
  commit(1, 3000);
  ASSERT_TRUE(rx.wait_for(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rx.samples(), (std::map<std::string, int>{{R"({__name__="m", site="edge-7"}@1000=1)", 1},
                                                       {R"({__name__="m", i="0", site="edge-7"}@3000=0)", 1}}));
  EXPECT_EQ(q->stats().histograms_sent, 0u);
  EXPECT_EQ(q->stats().wal.histograms_skipped, 6u);
}

// With it, both kinds go, and each series' stale marker as a histogram of
// its kind; custom-bucket histograms do not (1.0 has none; Prometheus drops
// them too), though their series' stale marker does: Prometheus's is a
// histogram of schema 0 with the stale sum, which it sends.
TEST_F(QueueTest, RemoteWrite1SendsHistogramsWhenAsked) {
  Receiver rx;
  auto q = start(config(rx.url(), "    send_native_histograms: true\n"));
  commit_histograms(*db_, 1000, 1);
  commit_histograms(*db_, 2000, 2);
  end_series(*db_, 3000);
  ASSERT_TRUE(rx.wait_for(9)) << rx.count();
  EXPECT_TRUE(eventually([&] { return q->stats().histograms_sent >= 7; }, std::chrono::milliseconds(2000)));
  const std::map<std::string, int> want = {
      {kLatencySent + "@1000=H" + testing::integer_histogram(1).to_float().test_expression(), 1},
      {kLatencySent + "@2000=H" + testing::integer_histogram(2).to_float().test_expression(), 1},
      {kLatencySent + "@3000=Hstale", 1},
      {kRateSent + "@1000=FH" + testing::float_histogram(1).test_expression(), 1},
      {kRateSent + "@2000=FH" + testing::float_histogram(2).test_expression(), 1},
      {kRateSent + "@3000=FHstale", 1},
      {R"({__name__="m", site="edge-7"}@1000=1)", 1},
      {R"({__name__="m", site="edge-7"}@2000=1)", 1},
      {kQueueSent + "@3000=Hstale", 1},
  };
  EXPECT_EQ(rx.samples(), want);
  const QueueStats st = q->stats();
  EXPECT_EQ(st.histograms_sent, 7u);
  EXPECT_EQ(st.samples_sent, 2u);
  EXPECT_EQ(st.histograms_dropped, 2u) << "queue_seconds' two histograms";
  EXPECT_EQ(st.histograms_pending, 0u);
}

// 2.0 sends every histogram, custom buckets too, whatever
// send_native_histograms says; the receiver's Histograms-Written header
// is believed.
TEST_F(QueueTest, RemoteWrite2SendsEveryHistogram) {
  Receiver rx;
  auto q = start(config(rx.url(), "    protobuf_message: io.prometheus.write.v2.Request\n"));
  commit_histograms(*db_, 1000, 1);
  ASSERT_TRUE(rx.wait_for(4)) << rx.count();
  EXPECT_EQ(rx.samples().count(kQueueSent + "@1000=H" + testing::custom_histogram(1).to_float().test_expression()), 1u);
  EXPECT_TRUE(eventually([&] { return q->stats().histograms_sent >= 3; }, std::chrono::milliseconds(2000)));
  rx.claim_written(-1, 1);
  commit_histograms(*db_, 2000, 2);
  EXPECT_TRUE(eventually([&] { return q->stats().histograms_failed >= 2; }, std::chrono::milliseconds(2000)));
  const QueueStats st = q->stats();
  EXPECT_EQ(st.histograms_sent, 4u);
  EXPECT_EQ(st.histograms_failed, 2u);
  EXPECT_EQ(st.samples_sent, 2u);
  EXPECT_EQ(st.last_error, "the receiver wrote 1 of 1 samples and 1 of 3 histograms");
}

// A receiver appends a series' floats before its histograms: a float that
// follows a histogram in the log is sent in an entry of its own, after it.
TEST_F(QueueTest, AFloatAfterAHistogramGoesInAnotherEntryOfTheSeries) {
  Receiver rx;
  auto c = config(rx.url(), "    send_native_histograms: true\n");
  c.queue.batch_send_deadline = kHour;  // one round, sent at the flush
  auto q = start(c);
  auto app = db_->head().appender();
  ASSERT_TRUE(app->append(kLatency, 1000, 1).ok());
  app->commit();
  ASSERT_TRUE(app->append_histogram(kLatency, 2000, testing::integer_histogram(1)).ok());
  app->commit();
  ASSERT_TRUE(app->append(kLatency, 3000, 3).ok());
  app->commit();
  ASSERT_TRUE(app->append_histogram(kLatency, 4000, testing::integer_histogram(1)).ok());
  app->commit();
  q->stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(rx.entries(), (std::vector<std::string>{"latency:1f1h", "latency:1f1h"}));
  EXPECT_EQ(rx.count(), 4u);
}

// Histograms count towards max_samples_per_send as samples do.
TEST_F(QueueTest, HistogramsCountTowardsTheBatchLimit) {
  Receiver rx;
  auto c = config(rx.url(), "    send_native_histograms: true\n");
  c.queue.max_samples_per_send = 2;
  c.queue.max_shards = 1;
  c.queue.batch_send_deadline = kHour;
  auto q = start(c);
  auto app = db_->head().appender();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(app->append_histogram(Labels{{"__name__", "h"}, {"i", std::to_string(i)}}, 1000,
                                      testing::integer_histogram(1))
                    .ok());
  }
  app->commit();
  q->stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(rx.count(), 6u);
  EXPECT_EQ(rx.requests(), 3) << "two histograms a body";
}

TEST(PositionFile, RoundTripAndDamage) {
  const std::string path = ::testing::TempDir() + "/cogwatch_position_" + std::to_string(getpid());
  tsdb::FileSystem& fs = tsdb::FileSystem::posix();
  std::filesystem::remove(path);
  EXPECT_EQ(*read_position_file(fs, path), WalPosition{});
  ASSERT_TRUE(write_position_file(fs, path, {7, 123456}).ok());
  EXPECT_EQ(*read_position_file(fs, path), (WalPosition{7, 123456}));
  std::ofstream(path) << "cogwatch remote-write position 1\n7 12";
  EXPECT_FALSE(read_position_file(fs, path).ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cogwatch::remote
