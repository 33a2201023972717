#include "remote/queue.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/http_client.h"
#include "net/http_client_request.h"
#include "net/relabel.h"
#include "net/retry.h"
#include "remote/write_request.h"

namespace cogwatch::remote {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kPositionHeader = "cogwatch remote-write position 1\n";

// One body and where it stands.
struct Batch {
  std::string body;
  uint64_t samples = 0;  // or metadata entries
  uint64_t histograms = 0;
  Timestamp max_t = 0;
  net::Backoff backoff;
  bool metadata = false;  // a 1.0 metadata body
};

// The family a series name belongs to, by the suffixes the exposition
// formats add: the name itself when it is a family, then without
// _total, _bucket, _sum, _count, _created, _info.
const WriteMetadata* family_of(const std::map<std::string, WriteMetadata, std::less<>>& families,
                               std::string_view name) {
  if (auto it = families.find(name); it != families.end()) return &it->second;
  for (std::string_view suffix : {"_total", "_bucket", "_sum", "_count", "_created", "_info"}) {
    if (!name.ends_with(suffix)) continue;
    if (auto it = families.find(name.substr(0, name.size() - suffix.size())); it != families.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace

Result<WalPosition> read_position_file(tsdb::FileSystem& fs, const std::string& path) {
  if (!fs.exists(path)) return WalPosition{};
  auto file = fs.map(path);
  if (!file) return file.error();
  const std::string_view text(reinterpret_cast<const char*>((*file)->bytes().data()), (*file)->bytes().size());
  auto bad = [&] { return make_error(ErrorCode::kInvalidArgument, path + ": not a remote-write position file"); };
  if (!text.starts_with(kPositionHeader)) return bad();
  std::string_view rest = text.substr(kPositionHeader.size());
  WalPosition p;
  auto r1 = std::from_chars(rest.data(), rest.data() + rest.size(), p.segment);
  if (r1.ec != std::errc() || r1.ptr == rest.data() + rest.size() || *r1.ptr != ' ') return bad();
  auto r2 = std::from_chars(r1.ptr + 1, rest.data() + rest.size(), p.offset);
  if (r2.ec != std::errc() || r2.ptr == rest.data() + rest.size() || *r2.ptr != '\n') return bad();
  return p;
}

Status write_position_file(tsdb::FileSystem& fs, const std::string& path, WalPosition p) {
  const std::string text =
      std::string(kPositionHeader) + std::to_string(p.segment) + " " + std::to_string(p.offset) + "\n";
  return tsdb::write_file_atomically(fs, path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

class RemoteWriteQueue::Impl {
 public:
  Impl(RemoteWriteConfig config, QueueOptions options)
      : config_(std::move(config)), options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &system_clock()) {}

  ~Impl() { stop({}); }

  Result<std::string> start() {
    if (Status s = options_.fs->create_dirs(options_.state_dir); !s) return s.error();
    std::string note;
    const std::string path = position_path();
    auto saved = read_position_file(*options_.fs, path);
    WalPosition position;
    if (saved) {
      position = *saved;
    } else {
      note = saved.error().message + ": set aside as " + path + ".damaged; the queue starts at the log's end";
      (void)options_.fs->rename(path, path + ".damaged");
    }
    {
      std::lock_guard lock(mu_);
      stats_.position = position;
    }
    if (position.segment > 0 && options_.hold) options_.hold(position.segment);
    // Histograms as Prometheus documents send_native_histograms: 1.0 sends
    // them when it is set, 2.0 always (its receivers must take them).
    const bool histograms = config_.send_native_histograms || config_.protobuf_message == WriteProtocol::kV2;
    watcher_ = std::make_unique<WalWatcher>(*options_.fs, options_.wal_dir, position, histograms);
    stopping_ = draining_ = drained_ = false;
    thread_ = std::thread([this] { run(); });
    return note;
  }

  void drain() {
    {
      std::lock_guard lock(mu_);
      if (!thread_.joinable()) return;
      draining_ = true;
    }
    wake_.notify_all();
  }

  void stop(std::chrono::steady_clock::time_point flush_deadline) {
    {
      std::unique_lock lock(mu_);
      if (!thread_.joinable()) return;
      if (flush_deadline > std::chrono::steady_clock::now()) {
        draining_ = true;
        wake_.notify_all();
        drained_cv_.wait_until(lock, flush_deadline, [this] { return drained_; });
      }
      stopping_ = true;
      if (io_ != nullptr) io_->stop();
    }
    wake_.notify_all();
    thread_.join();
  }

  QueueStats stats() const {
    std::lock_guard lock(mu_);
    QueueStats s = stats_;
    s.last_error = last_error_;
    return s;
  }

  const RemoteWriteConfig& config() const { return config_; }
  std::string position_path() const { return options_.state_dir + "/" + config_.queue_name() + ".position"; }

 private:
  // The queue's thread.
  void run() {
    asio::io_context io;
    {
      std::lock_guard lock(mu_);
      io_ = &io;
    }
    WalBatch round;
    // A new queue starts at the log's end: that is its place from now on,
    // held and saved before anything is sent, so a receiver that is down
    // from the start loses nothing the backlog bound keeps.
    if (Status s = watcher_->read(0, round); !s) {
      std::lock_guard lock(mu_);
      last_error_ = s.error().message;
    }
    if (stats().position == WalPosition{}) save();
    while (!stopping()) {
      if (!draining() && metadata_due() && !send_metadata(io)) break;
      round.clear();
      if (!fill(round)) break;
      if (round.empty()) {
        if (!draining()) continue;
        std::lock_guard lock(mu_);  // the log is sent: stop() may go on
        drained_ = true;
        drained_cv_.notify_all();
        break;
      }
      if (!send(io, round)) break;  // stopped: the round is not saved
      save();
    }
    clients_.clear();  // they live on io
    std::lock_guard lock(mu_);
    io_ = nullptr;
    stats_.samples_pending = 0;
    stats_.histograms_pending = 0;
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }
  bool draining() {
    std::lock_guard lock(mu_);
    return draining_;
  }

  // Reads a round from the log (while draining, what is there now,
  // without waiting). False when stopped.
  bool fill(WalBatch& round) {
    const QueueConfig& q = config_.queue;
    Timestamp first_read = 0;
    while (true) {
      const size_t before = round.size();
      Status s = watcher_->read(q.capacity, round);
      {
        std::lock_guard lock(mu_);
        stats_.wal = watcher_->stats();
        if (!s) last_error_ = s.error().message;
      }
      if (round.size() > before && first_read == 0) first_read = clock_->now();
      if (round.size() >= q.max_samples_per_send || round.size() >= q.capacity) return true;
      if (!round.empty() && clock_->now() - first_read >= q.batch_send_deadline) return true;
      if (round.empty() && metadata_due()) return true;
      std::unique_lock lock(mu_);
      if (draining_) return true;
      if (wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval),
                         [this] { return stopping_ || draining_; })) {
        if (stopping_) return false;
      }
    }
  }

  // The series' labels as sent, or nullopt when relabelled away.
  const std::optional<Labels>& labels_of(tsdb::SeriesRef ref) {
    if (auto it = relabelled_.find(ref); it != relabelled_.end()) return it->second;
    if (relabelled_.size() > 2 * watcher_->num_series() + 1024) relabelled_.clear();  // forgotten series
    std::optional<Labels> out;
    if (const Labels* l = watcher_->labels(ref)) {
      LabelsBuilder b(*l);
      for (const Label& e : options_.external_labels) {
        if (!l->has(e.name)) b.set(e.name, e.value);
      }
      out = net::relabel(b.build(), config_.write_relabel_configs);
    }
    return relabelled_.emplace(ref, std::move(out)).first->second;
  }

  bool metadata_due() const {
    return config_.metadata.send && options_.metadata &&
           clock_->now() >= next_metadata_at_;
  }

  // Takes the families' metadata; for 1.0 sends it. False when stopped
  // before every body was done.
  bool send_metadata(asio::io_context& io) {
    std::vector<WriteMetadata> all = options_.metadata();
    // Nothing scraped yet (or not yet known): ask again in a second
    // rather than a whole send_interval later.
    const Duration interval = config_.metadata.send_interval;
    next_metadata_at_ = clock_->now() + (all.empty() ? std::min(kSecond, interval) : interval);
    if (config_.protobuf_message == WriteProtocol::kV2) {
      families_.clear();
      for (WriteMetadata& m : all) families_.try_emplace(m.family, std::move(m));
      return true;
    }
    std::vector<std::vector<Batch>> bodies(1);
    const uint64_t per_body = std::max<uint64_t>(1, config_.metadata.max_samples_per_send);
    for (size_t i = 0; i < all.size(); i += per_body) {
      const std::vector<WriteMetadata> part(all.begin() + static_cast<std::ptrdiff_t>(i),
                                            all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + per_body)));
      bodies[0].push_back(batch(encode_metadata_request(part), part.size(), 0, 0, /*metadata=*/true));
    }
    return send_all(io, bodies);
  }

  Batch batch(std::string body, uint64_t count, uint64_t histograms, Timestamp max_t, bool metadata) const {
    return Batch{std::move(body), count, histograms, max_t,
                 net::Backoff({.initial = config_.queue.min_backoff, .multiplier = 2, .max = config_.queue.max_backoff}),
                 metadata};
  }

  // Sends each list of bodies on a client of its own, all at once, each
  // list in order; false when stopped before every body was done.
  bool send_all(asio::io_context& io, std::vector<std::vector<Batch>>& lists) {
    // Before the check: a stop() from now on stops this run (restart()
    // after it would undo its io.stop()).
    io.restart();
    if (stopping()) return false;
    while (clients_.size() < lists.size()) clients_.push_back(std::make_unique<net::HttpClient>(io));
    size_t unfinished = 0;
    for (size_t i = 0; i < lists.size(); ++i) {
      if (lists[i].empty()) continue;
      ++unfinished;
      send_next(io, i, lists[i], 0, unfinished);
    }
    io.run();
    return unfinished == 0;
  }

  // Whether an entry is dropped instead of sent: older than
  // sample_age_limit, relabelled away, or (1.0, as Prometheus) a
  // custom-bucket histogram, which the 1.0 specification does not have.
  bool drop(const WalEntry& e, const WalBatch& round, Timestamp oldest_allowed) {
    if (e.t < oldest_allowed || !labels_of(e.ref)) return true;
    if (!e.is_histogram() || config_.protobuf_message != WriteProtocol::kV1) return false;
    return std::visit([](const auto& h) { return h.uses_custom_buckets(); },
                      round.histograms[static_cast<size_t>(e.histogram)]);
  }

  // Sends a round; false when stopped before every body was done.
  bool send(asio::io_context& io, WalBatch& round) {
    const QueueConfig& q = config_.queue;
    const Timestamp oldest_allowed = q.sample_age_limit > 0 ? clock_->now() - q.sample_age_limit : kMinTimestamp;
    // Histograms count as samples do, towards max_samples_per_send and the
    // shards a round needs (as Prometheus counts them).
    const uint64_t wanted = (round.size() + q.max_samples_per_send - 1) / q.max_samples_per_send;
    const size_t shards = static_cast<size_t>(std::clamp<uint64_t>(wanted, q.min_shards, q.max_shards));
    // Per shard, per series (in first-seen order), its entries' places in the round.
    std::vector<std::vector<std::pair<tsdb::SeriesRef, std::vector<uint32_t>>>> by_shard(shards);
    std::vector<std::unordered_map<tsdb::SeriesRef, size_t>> index(shards);
    uint64_t dropped_samples = 0, dropped_histograms = 0;
    for (size_t k = 0; k < round.entries.size(); ++k) {
      const WalEntry& e = round.entries[k];
      if (drop(e, round, oldest_allowed)) {
        ++(e.is_histogram() ? dropped_histograms : dropped_samples);
        continue;
      }
      const size_t shard = static_cast<size_t>(e.ref % shards);
      auto [it, inserted] = index[shard].try_emplace(e.ref, by_shard[shard].size());
      if (inserted) by_shard[shard].emplace_back(e.ref, std::vector<uint32_t>{});
      by_shard[shard][it->second].second.push_back(static_cast<uint32_t>(k));
    }
    std::vector<std::vector<Batch>> batches(shards);
    uint64_t pending_samples = 0, pending_histograms = 0;
    for (size_t shard = 0; shard < shards; ++shard) {
      std::vector<WriteSeries> body;
      uint64_t samples = 0, histograms = 0;
      Timestamp max_t = 0;
      auto flush = [&] {
        if (body.empty()) return;
        batches[shard].push_back(
            batch(encode_write_request(body, config_.protobuf_message), samples, histograms, max_t, false));
        pending_samples += samples;
        pending_histograms += histograms;
        body.clear();
        samples = histograms = 0;
      };
      for (const auto& [ref, entries] : by_shard[shard]) {
        WriteSeries* series = nullptr;
        for (uint32_t k : entries) {
          const WalEntry& e = round.entries[k];
          // A receiver appends a series' samples before its histograms: a
          // float after a histogram goes in another entry of the same series.
          if (series == nullptr || (!e.is_histogram() && !series->histograms.empty())) {
            series = &body.emplace_back(new_series(ref));
          }
          if (e.is_histogram()) {
            series->histograms.push_back({e.t, std::move(round.histograms[static_cast<size_t>(e.histogram)])});
            ++histograms;
          } else {
            series->samples.push_back({e.t, e.v});
            ++samples;
          }
          max_t = std::max(max_t, e.t);
        }
        if (samples + histograms >= q.max_samples_per_send) flush();
      }
      flush();
    }
    {
      std::lock_guard lock(mu_);
      stats_.samples_dropped += dropped_samples;
      stats_.histograms_dropped += dropped_histograms;
      stats_.samples_pending = pending_samples;
      stats_.histograms_pending = pending_histograms;
      stats_.shards = shards;
    }
    return send_all(io, batches);
  }

  // An empty series of a ref as sent: its labels, and for 2.0 its
  // family's metadata.
  WriteSeries new_series(tsdb::SeriesRef ref) {
    WriteSeries s{.labels = *labels_of(ref)};
    if (!families_.empty()) {
      if (const WriteMetadata* m = family_of(families_, s.labels.metric_name())) {
        s.type = m->type;
        s.help = m->help;
        s.unit = m->unit;
      }
    }
    return s;
  }

  // Sends batch i of a shard, then the next, until the shard's last.
  void send_next(asio::io_context& io, size_t shard, std::vector<Batch>& list, size_t i, size_t& unfinished) {
    if (i == list.size()) {
      --unfinished;
      return;
    }
    auto request = net::make_http_request("POST", config_.url, config_.http_config);
    if (!request) {  // the URL was checked at load; a secret file may have gone
      count_failed(list[i], request.error().message);
      send_next(io, shard, list, i + 1, unfinished);
      return;
    }
    request->body = list[i].body;
    request->content_type = std::string(content_type(config_.protobuf_message));
    request->timeout = config_.remote_timeout;
    request->set_header("Content-Encoding", "snappy");
    request->set_header("X-Prometheus-Remote-Write-Version", std::string(protocol_version(config_.protobuf_message)));
    for (const auto& [name, value] : config_.headers) request->set_header(name, value);
    clients_[shard]->send(*std::move(request), [this, &io, shard, &list, i, &unfinished](
                                                   Result<net::HttpClientResponse> r) {
      Batch& b = list[i];
      const bool ok = r && r->status / 100 == 2;
      if (ok) {
        {
          std::lock_guard lock(mu_);
          if (b.metadata) {
            stats_.metadata_sent += b.samples;
            stats_.metadata_bytes += b.body.size();
          } else {
            // 2.0: a receiver says how many samples and histograms it
            // wrote; the rest it refused for good (a partial write).
            // Without the headers, all.
            const uint64_t written_samples = written(*r, "X-Prometheus-Remote-Write-Samples-Written", b.samples);
            const uint64_t written_histograms =
                written(*r, "X-Prometheus-Remote-Write-Histograms-Written", b.histograms);
            stats_.samples_sent += written_samples;
            stats_.histograms_sent += written_histograms;
            if (written_samples < b.samples || written_histograms < b.histograms) {
              stats_.samples_failed += b.samples - written_samples;
              stats_.histograms_failed += b.histograms - written_histograms;
              last_error_ = "the receiver wrote " + std::to_string(written_samples) + " of " +
                            std::to_string(b.samples) + " samples";
              if (b.histograms > 0) {
                last_error_ += " and " + std::to_string(written_histograms) + " of " + std::to_string(b.histograms) +
                               " histograms";
              }
            }
            stats_.bytes_sent += b.body.size();
            stats_.samples_pending -= std::min(stats_.samples_pending, b.samples);
            stats_.histograms_pending -= std::min(stats_.histograms_pending, b.histograms);
            stats_.highest_sent_timestamp = std::max(stats_.highest_sent_timestamp, b.max_t);
          }
        }
        if (stopping()) return;  // the round stays unfinished
        send_next(io, shard, list, i + 1, unfinished);
        return;
      }
      const bool rate_limited = r && r->status == 429;
      // Metadata waits for no more than its interval: samples queue
      // behind it, and the next interval sends it all again.
      const bool metadata_late = b.metadata && clock_->now() >= next_metadata_at_;
      if (!metadata_late &&
          ((rate_limited && config_.queue.retry_on_http_429) || (!rate_limited && net::retryable(r)))) {
        {
          std::lock_guard lock(mu_);
          (b.metadata ? stats_.metadata_retried : stats_.samples_retried) += b.samples;
          stats_.histograms_retried += b.histograms;
          ++stats_.failed_requests;
          last_error_ = net::failure_reason(r);
        }
        // The receiver's Retry-After, when it gives one, instead of the
        // backoff (as Prometheus).
        std::optional<Duration> asked = r ? net::retry_after(*r, clock_->now()) : std::nullopt;
        const Duration wait = asked ? *asked : b.backoff.next(random_);
        auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(wait));
        timer->async_wait([this, &io, shard, &list, i, &unfinished, timer](const boost::system::error_code& ec) {
          if (ec || stopping()) return;  // stopped: the round stays unfinished
          send_next(io, shard, list, i, unfinished);
        });
        return;
      }
      count_failed(b, net::failure_reason(r));
      send_next(io, shard, list, i + 1, unfinished);
    });
  }

  // What a 2xx answer says was written of `sent` samples or histograms:
  // 2.0's X-Prometheus-Remote-Write-Samples-Written or -Histograms-Written,
  // or all of them.
  uint64_t written(const net::HttpClientResponse& r, std::string_view name, uint64_t sent) const {
    if (config_.protobuf_message != WriteProtocol::kV2) return sent;
    const std::string_view header = r.header(name);
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), n);
    if (header.empty() || ec != std::errc() || end != header.data() + header.size()) return sent;
    return std::min(n, sent);
  }

  void count_failed(const Batch& b, std::string reason) {
    std::lock_guard lock(mu_);
    if (b.metadata) {
      stats_.metadata_failed += b.samples;
    } else {
      stats_.samples_failed += b.samples;
      stats_.histograms_failed += b.histograms;
      stats_.samples_pending -= std::min(stats_.samples_pending, b.samples);
      stats_.histograms_pending -= std::min(stats_.histograms_pending, b.histograms);
    }
    ++stats_.failed_requests;
    last_error_ = std::move(reason);
  }

  // Saves the position after a finished round, and tells the store.
  void save() {
    const WalPosition p = watcher_->position();
    if (p == WalPosition{}) return;  // no log to be in yet
    Status s = write_position_file(*options_.fs, position_path(), p);
    uint32_t held = 0;
    {
      std::lock_guard lock(mu_);
      if (!s) last_error_ = s.error().message;
      held = stats_.position.segment;
      stats_.position = p;
    }
    if (options_.hold && p.segment != held) options_.hold(p.segment);
  }

  const RemoteWriteConfig config_;
  const QueueOptions options_;
  const Clock* clock_;
  std::unique_ptr<WalWatcher> watcher_;  // the queue's thread only, after start()
  std::unordered_map<tsdb::SeriesRef, std::optional<Labels>> relabelled_;
  Timestamp next_metadata_at_ = kMinTimestamp;  // when metadata is due next
  std::map<std::string, WriteMetadata, std::less<>> families_;  // 2.0: sent with the series
  std::vector<std::unique_ptr<net::HttpClient>> clients_;  // one per shard
  std::mt19937_64 random_{std::random_device{}()};
  std::thread thread_;

  mutable std::mutex mu_;  // guards what follows
  std::condition_variable wake_;
  bool stopping_ = false;
  bool draining_ = false;  // stop() with a flush deadline: send what the log holds, then end
  bool drained_ = false;   // that is done
  std::condition_variable drained_cv_;
  asio::io_context* io_ = nullptr;  // while the thread runs
  QueueStats stats_;
  std::string last_error_;
};

RemoteWriteQueue::RemoteWriteQueue(RemoteWriteConfig config, QueueOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}
RemoteWriteQueue::~RemoteWriteQueue() = default;
Result<std::string> RemoteWriteQueue::start() { return impl_->start(); }
void RemoteWriteQueue::stop(std::chrono::steady_clock::time_point flush_deadline) { impl_->stop(flush_deadline); }
void RemoteWriteQueue::drain() { impl_->drain(); }
QueueStats RemoteWriteQueue::stats() const { return impl_->stats(); }
const RemoteWriteConfig& RemoteWriteQueue::config() const { return impl_->config(); }
std::string RemoteWriteQueue::position_path() const { return impl_->position_path(); }

}  // namespace cogwatch::remote
