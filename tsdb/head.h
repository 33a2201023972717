// Head: the in-memory time-series store. It holds every series with its
// samples in compressed chunks, indexes series by label for select(), takes
// samples in atomic batches through Appenders, and forgets old data by time
// and size retention.
//
//   Head head(HeadOptions{.retention_time = 15 * kDay});
//   auto app = head.appender();
//   if (auto r = app->append(Labels{{"__name__", "up"}, {"job", "cog"}}, t, 1); !r) log(r.error().message);
//   app->commit();
//   auto series = head.select({*LabelMatcher::make(MatchType::kEqual,
//                                  "job", "cog")}, t - 5 * kMinute, t);
//   head.apply_retention();  // call periodically, e.g. every minute
//
// Design: series live in kStripes lock stripes, chosen by the hash of their
// labels; a series ref carries its stripe in its low bits, so both a lookup
// by labels and one by ref take a single stripe lock, which also guards the
// series' samples. The postings index has its own reader/writer lock. Label
// strings are interned in one SymbolTable. A commit holds commit_mu_
// exclusively while it writes its batch and select() holds it shared while
// it snapshots, so a query sees a batch whole or not at all.
// See docs/architecture.md.
//
// Thread-safety: all methods may be called concurrently from any threads.
// Readers get snapshots (immutable chunks), never half-written data.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "model/labels.h"
#include "model/matcher.h"
#include "model/symbol.h"
#include "model/time.h"
#include "tsdb/appender.h"
#include "tsdb/cardinality.h"
#include "tsdb/chunk.h"
#include "tsdb/querier.h"

namespace cogwatch::tsdb {

class Block;
class Wal;

namespace internal {
struct MemSeries;
class PostingsIndex;
class HeadAppender;
class HeadStorage;
}  // namespace internal

struct HeadOptions {
  // Chunks whose samples are all older than the newest sample in the store
  // minus this are dropped by apply_retention(). 0 keeps data forever.
  // Default 15d, as Prometheus's --storage.tsdb.retention.time.
  Duration retention_time = 15 * kDay;
  // When chunk bytes exceed this, apply_retention() drops the oldest chunks
  // until they fit. 0 means no size limit (the default, as in Prometheus).
  uint64_t retention_bytes = 0;
  ChunkLimits chunk_limits;
  // Prometheus's appendable window: append() refuses, with kOutOfBounds
  // "out of bounds", a sample older than the newest sample in the store
  // minus half the chunk range (chunk_limits.time_window / 2: 1h), as
  // Prometheus's head (appendableMinValidTime). The bound is taken once per
  // batch, at its first append (for an empty store: that sample's time
  // minus the half range, as Prometheus's initAppender). Off by default, so
  // the offline tools (promqltest, test rules, query over files, selfcheck)
  // load back-dated data; `cogwatch run` turns it on.
  bool reject_out_of_bounds = false;
};

// Counters since the store was created, and current sizes.
struct HeadStats {
  uint64_t series = 0;                   // series now in the store
  uint64_t series_created = 0;
  uint64_t series_removed = 0;           // garbage-collected
  uint64_t samples_appended = 0;         // committed and stored
  uint64_t out_of_order_samples = 0;     // rejected, at append or commit
  uint64_t duplicate_samples = 0;        // rejected: same time, other value
  uint64_t out_of_bounds_samples = 0;    // rejected: before the appendable window
  uint64_t chunks_dropped = 0;           // by retention
  uint64_t wal_write_failures = 0;       // commits the write-ahead log could not take
  Timestamp min_time = kMaxTimestamp;    // oldest sample (kMaxTimestamp: none)
  Timestamp max_time = kMinTimestamp;    // newest sample (kMinTimestamp: none)
};

// Heap bytes the store holds, by part.
struct MemoryStats {
  uint64_t chunk_bytes = 0;   // sealed chunks and open-chunk buffers
  uint64_t label_bytes = 0;   // label sets and interned strings
  uint64_t index_bytes = 0;   // postings lists and their maps
  uint64_t series_bytes = 0;  // series records and the lookup maps
  uint64_t total() const { return chunk_bytes + label_bytes + index_bytes + series_bytes; }
};

struct RetentionResult {
  Timestamp cutoff = kMinTimestamp;  // chunks entirely before this were dropped
  uint64_t chunks_dropped = 0;
  uint64_t bytes_freed = 0;
  uint64_t series_removed = 0;
};

class Head final : public Querier, public AppenderFactory {
 public:
  explicit Head(HeadOptions options = {});
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // A new batch. The Head must outlive it.
  std::unique_ptr<Appender> appender() override;

  // Querier.
  std::vector<SeriesData> select(const std::vector<LabelMatcher>& matchers, Timestamp mint, Timestamp maxt,
                                 SeriesOrder order = SeriesOrder::kSorted) const override;
  std::vector<std::string> label_names(const std::vector<LabelMatcher>& matchers) const override;
  std::vector<std::string> label_values(const std::string& name,
                                        const std::vector<LabelMatcher>& matchers) const override;

  // Drops chunks older than the retention time before the newest sample,
  // then, if chunk bytes exceed retention_bytes, the oldest chunks until they
  // fit; then removes series left without samples and not being appended to,
  // and forgets label strings nobody uses any more.
  RetentionResult apply_retention();

  // From now on, every commit writes its samples (and the series first
  // seen in them) to `wal` before it returns; a commit the log cannot take
  // is still stored in memory, and counted (HeadStats::wal_write_failures,
  // last_wal_error()). The Wal must outlive the Head's appenders.
  // REQUIRES: no appender is active.
  void attach_wal(Wal* wal) { wal_ = wal; }
  // The last error writing the log, and clears it: "" when none since the
  // last call.
  std::string take_wal_error();

  // Older data, in block files that tsdb::Db writes and removes; sorted
  // by time, null when there are none. select() reads them with the head.
  // The list is replaced, never changed in place, so a query keeps the one
  // it started with.
  using BlockList = std::vector<std::shared_ptr<const Block>>;
  std::shared_ptr<const BlockList> blocks() const;

  HeadStats stats() const;
  // Series, label pairs, chunks, time range and the top `limit` rows of
  // each cardinality table (tsdb/cardinality.h), as Prometheus's
  // /api/v1/status/tsdb. Reads the index under its read lock and counts
  // chunks stripe by stripe: O(label pairs + series).
  CardinalityStats cardinality_stats(size_t limit) const;
  // Chunk bytes held (MemoryStats::chunk_bytes), without the walk.
  uint64_t chunk_bytes() const { return static_cast<uint64_t>(std::max<int64_t>(0, chunk_bytes_.load())); }
  // Walks the index to count its bytes: O(number of label pairs).
  MemoryStats memory() const;
  const HeadOptions& options() const { return options_; }

 private:
  friend class internal::HeadAppender;
  friend class internal::HeadStorage;
  static constexpr unsigned kStripeBits = 10;
  static constexpr size_t kStripes = size_t{1} << kStripeBits;

  struct alignas(64) Stripe {
    mutable std::mutex mu;
    // Guarded by mu, as are the MemSeries they own.
    boost::unordered_flat_map<SeriesRef, std::unique_ptr<internal::MemSeries>> by_ref;
    boost::unordered_flat_map<uint64_t, internal::MemSeries*> by_hash;  // first series per hash
    boost::unordered_flat_map<uint64_t, std::vector<internal::MemSeries*>> hash_conflicts;
  };

  static size_t stripe_of_ref(SeriesRef ref) { return ref & (kStripes - 1); }
  static size_t stripe_of_hash(uint64_t hash) { return hash & (kStripes - 1); }
  // Finds the series with these labels in its stripe. REQUIRES: stripe.mu held.
  static internal::MemSeries* find_locked(const Stripe& stripe, const Labels& labels);
  // Creates the series, with a new ref or, when replaying a log, the one
  // it had. REQUIRES: stripe.mu held, the series absent, and a given ref
  // unused and in this stripe.
  internal::MemSeries* create_locked(Stripe& stripe, const Labels& labels, SeriesRef given_ref = 0);
  // Adds a series created by create_locked to the index. REQUIRES: no
  // stripe lock held.
  void index_series(SeriesRef ref, const Labels& labels);
  // Drops chunks before cutoff in every series; returns chunks and bytes.
  // Retention counts them as dropped; compaction (moved to a block) not.
  std::pair<uint64_t, uint64_t> drop_chunks_before(Timestamp cutoff, bool count_as_dropped = true);
  // The cutoff that brings chunk bytes within retention_bytes.
  Timestamp size_cutoff() const;
  uint64_t collect_garbage();
  void note_time_range(Timestamp mint, Timestamp maxt);
  void note_wal_failure(const Error& error);

  const HeadOptions options_;
  std::unique_ptr<Stripe[]> stripes_;
  SymbolTable symbols_;

  // Lock order: commit_mu_, then index_mu_, then a stripe's mu. The index
  // lock is never taken while a stripe lock is held.
  mutable std::shared_mutex commit_mu_;
  mutable std::shared_mutex index_mu_;
  std::unique_ptr<internal::PostingsIndex> index_;  // guarded by index_mu_

  std::atomic<uint64_t> next_series_id_{1};
  std::atomic<int64_t> chunk_bytes_{0};
  std::atomic<int64_t> label_bytes_{0};  // label sets of live series
  std::atomic<uint64_t> num_series_{0};
  std::atomic<uint64_t> series_created_{0};
  std::atomic<uint64_t> series_removed_{0};
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> out_of_bounds_{0};
  std::atomic<uint64_t> chunks_dropped_{0};
  std::atomic<Timestamp> min_time_{kMaxTimestamp};
  std::atomic<Timestamp> max_time_{kMinTimestamp};

  mutable std::mutex blocks_mu_;
  std::shared_ptr<const BlockList> blocks_;  // guarded by blocks_mu_; written under commit_mu_ too
  // Samples before this belong to blocks: appends refuse them as out of
  // bounds, whatever reject_out_of_bounds says.
  std::atomic<Timestamp> min_valid_t_{kMinTimestamp};

  Wal* wal_ = nullptr;  // written under commit_mu_ held exclusively
  std::atomic<uint64_t> wal_write_failures_{0};
  mutable std::mutex wal_error_mu_;
  std::string wal_error_;  // guarded by wal_error_mu_
};

}  // namespace cogwatch::tsdb
