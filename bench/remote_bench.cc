// Remote write, the sender: a queue sending 10k Cog series (the workload of
// bench/cog_workload.h) from a store's write-ahead log to a receiver on
// loopback that answers 204 without decoding. Arg protocol: 1 or 2
// (Remote-Write 1.0 or 2.0). Counters: samples sent per second of the
// process's CPU (sender and the receiver's HTTP parsing together, on 2
// cores), and bytes on the wire per sample (compressed bodies).
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bench/cog_workload.h"
#include "net/http_server.h"
#include "remote/queue.h"
#include "tsdb/db.h"

namespace cogwatch::bench {
namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void BM_RemoteWriteSend(benchmark::State& state) {
  const bool v2 = state.range(0) == 2;
  constexpr int kTargets = 500, kScrapes = 40;  // 10k series, 400k samples
  boost::asio::io_context io;
  std::atomic<uint64_t> requests{0};
  auto server = net::HttpServer::start(io, {.port = 0}, [&](const net::HttpRequest&) {
    ++requests;
    return net::HttpResponse{.status = 204};
  });
  if (!server) {
    state.SkipWithError(server.error().message.c_str());
    return;
  }
  std::thread server_thread([&] { io.run(); });
  double samples_total = 0, cpu_total = 0, bytes_total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    char tmpl[] = "/tmp/cogwatch-bench-rw-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    auto db = tsdb::Db::open(dir, {});
    std::string yml = "remote_write:\n  - url: http://127.0.0.1:" + std::to_string((*server)->port()) +
                      "/api/v1/write\n    name: bench\n    queue_config: {batch_send_deadline: 50ms}\n";
    if (v2) yml += "    protobuf_message: io.prometheus.write.v2.Request\n";
    auto config = remote::parse_remote_write_configs(yml, "bench.yml");
    std::vector<CogTarget> targets;
    std::vector<std::vector<Labels>> labels;
    for (int t = 0; t < kTargets; ++t) {
      targets.emplace_back(t);
      labels.push_back(cog_target_series(t));
    }
    uint64_t samples = 0;
    // The scrapes are in the log before the queue starts, from its
    // beginning (a saved position), so the CPU measured is the sending.
    double values[kSeriesPerTarget];
    for (int s = 0; s < kScrapes; ++s) {
      for (int t = 0; t < kTargets; ++t) {
        targets[static_cast<size_t>(t)].next(values);
        auto app = (*db)->head().appender();
        for (int i = 0; i < kSeriesPerTarget; ++i) {
          (void)app->append(labels[static_cast<size_t>(t)][static_cast<size_t>(i)], 1'700'000'000'000 + s * 15'000, values[i]);
        }
        samples += app->commit().appended;
      }
    }
    std::filesystem::create_directories(dir + "/remote");
    (void)remote::write_position_file(tsdb::FileSystem::posix(), dir + "/remote/bench.position", {1, 0});
    remote::RemoteWriteQueue queue((*config)[0], {.wal_dir = dir + "/wal", .state_dir = dir + "/remote",
                                                  .poll_interval = 5 * kMillisecond});
    state.ResumeTiming();
    const double cpu0 = cpu_seconds();
    (void)queue.start();
    while (queue.stats().samples_sent + queue.stats().samples_failed < samples) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double cpu = cpu_seconds() - cpu0;
    state.PauseTiming();
    const remote::QueueStats st = queue.stats();
    samples_total += static_cast<double>(st.samples_sent);
    bytes_total += static_cast<double>(st.bytes_sent);
    cpu_total += cpu;
    queue.stop();
    db->reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  boost::asio::post(io, [&] {
    (*server)->stop();
    io.stop();
  });
  server_thread.join();
  state.counters["samples_per_cpu_second"] = samples_total / cpu_total;
  state.counters["bytes_per_sample"] = bytes_total / samples_total;
  state.counters["samples_per_second"] = benchmark::Counter(samples_total, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RemoteWriteSend)->ArgName("protocol")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace cogwatch::bench
