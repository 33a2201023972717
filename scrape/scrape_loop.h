// ScrapeLoop: what happens to one target's scraped body, as Prometheus's
// scrapeLoop.append does it. It holds the scrape cache (series text ->
// store ref and final labels), so known series skip label parsing,
// relabelling and the label lookup. The HTTP fetch and the timer live
// elsewhere; this class is driven with a body and a time, so it is tested
// without sockets or sleeps.
//
// Per scrape, one batch (all or nothing) holds:
// - the samples, with the target's labels merged in (honor_labels as
//   Prometheus), metric_relabel_configs applied, at the sample's timestamp
//   if honor_timestamps and it has one, else at the scrape time; from a
//   protobuf body (ExpositionFormat::kProtobuf) native histograms too,
//   each one sample as in Prometheus (one line of scrape_samples_scraped,
//   one towards sample_limit), after lowering its resolution to
//   native_histogram_min_bucket_factor and native_histogram_bucket_limit
//   (scrape/internal/native_histogram.h); one that cannot meet the bucket
//   limit is not stored and fails the scrape at the end ("histogram bucket
//   limit exceeded"; a sample_limit error takes precedence), and one that
//   fails validate() fails it at once, as Prometheus's head refuses it;
// - stale markers for series scraped last time but missing now;
// - up, scrape_duration_seconds, scrape_samples_scraped,
//   scrape_samples_post_metric_relabeling, scrape_series_added.
// A failed fetch, a malformed body, or an exceeded limit stores none of the
// body's samples, sets up to 0, and marks all previous series stale; the
// counts still say what was read (the whole body when the sample limit is
// exceeded), as Prometheus reports them.
//
// The scrape cache forgets, after each successful scrape of a non-empty
// body, the series that body lacked (Prometheus's iterDone), so a series
// that returns counts in scrape_series_added again.
//
// Metadata: the # HELP, # TYPE and # UNIT lines are kept per metric family
// as Prometheus's scrape cache keeps them — updated by every scrape that
// passes them (a failed one too, up to where it failed), forgotten when a
// family has been missing for more than 10 scrapes at a successful scrape
// of a non-empty body, at most options.metadata_limit families (new ones
// past it are not kept). metadata() publishes an immutable snapshot,
// rebuilt only when a scrape changed something, so unchanged metadata
// costs a few lookups per scrape and no allocation.
//
// Thread-safety: one thread at a time (one loop per target).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "model/error.h"
#include "model/labels.h"
#include "model/time.h"
#include "net/relabel.h"
#include "scrape/exposition.h"
#include "scrape/internal/native_histogram.h"
#include "tsdb/appender.h"

namespace cogwatch::scrape {

struct ScrapeLoopOptions {
  Labels target;  // the target's full labels (public ones go on samples)
  bool honor_labels = false;
  bool honor_timestamps = true;
  uint64_t sample_limit = 0;  // 0: none; counted after metric relabelling
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  std::vector<net::RelabelConfig> metric_relabel_configs;
  Duration interval = kMinute;
  size_t metadata_limit = 10000;  // metric families whose metadata is kept
  // Histograms in protobuf bodies, as ScrapeConfig's fields of these names
  // (the text formats have classic histograms only).
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  uint64_t native_histogram_bucket_limit = 0;     // 0: none
  double native_histogram_min_bucket_factor = 0;  // 0: none
};

struct ScrapeReport {
  bool up = false;
  std::string error;                  // why the scrape failed ("line 40: ...")
  uint64_t samples_scraped = 0;       // samples in the body (lines; a native histogram is one)
  uint64_t samples_post_relabel = 0;  // lines metric relabelling kept (repeats and refused ones too)
  uint64_t series_added = 0;          // series stored for the first time since they entered the cache
  uint64_t duplicates = 0;            // a series repeated in one body without its own timestamp (first kept)
  uint64_t rejected = 0;              // samples and report series refused by the store (out of order, out of bounds, ...)
  // A native histogram could not be fitted to native_histogram_bucket_limit
  // (the scrape failed; error says so unless sample_limit was hit too,
  // whose error wins, as in Prometheus, which counts both).
  bool bucket_limit_exceeded = false;
};

class ScrapeLoop {
 public:
  ScrapeLoop(tsdb::AppenderFactory& store, ScrapeLoopOptions options);

  // Stores one scrape that started at `start` and took `duration`. `body`
  // is the response body, or the fetch error.
  ScrapeReport append(Timestamp start, Duration duration, const Result<std::string_view>& body,
                      ExpositionFormat format);
  // Marks every series of the last scrape, and up and the other report
  // series, stale at t (the target is gone) — or 1 ms after the last
  // scrape if t is not later, so the markers are never dropped as
  // duplicates of the last samples.
  void stop(Timestamp t);

  // The scrape time to record for a scrape that started at `actual`: the
  // scheduled time when within 2ms (and 1% of the interval) of it, as
  // Prometheus does, so timestamps compress to one bit. `scheduled` is the
  // time the loop meant to scrape at.
  static Timestamp aligned_time(Timestamp actual, Timestamp scheduled, Duration interval);

  size_t cached_series() const { return cache_.size(); }

  // The metadata of the families scraped, sorted by name (never null).
  const MetadataSnapshot& metadata() const { return metadata_snapshot_; }

  // Whether old's scrape cache and last-scrape series stay right for this
  // loop: same target and everything that shapes stored series (honor_*,
  // label limits, metric relabelling, the histogram settings) — only the
  // interval, timeout, sample_limit or HTTP settings changed, as
  // Prometheus's reusableCache.
  bool can_take_state_from(const ScrapeLoop& old) const;
  // Takes old's cache, last-scrape series, metadata and scrape count, so a
  // reload neither re-parses known series nor loses the stale markers of
  // series that vanish across it.
  void take_state_from(ScrapeLoop& old);
  // When the state cannot be taken: only old's last-scrape series, so the
  // first scrape of this loop ends those it no longer stores (a reload
  // that turns native histograms on or off ends the old layout's series,
  // as Prometheus's end-of-run staleness does for a loop whose cache it
  // does not reuse).
  void take_last_series_from(ScrapeLoop& old);

 private:
  struct CacheEntry {
    tsdb::SeriesRef ref = 0;  // 0: not yet in the store
    Labels labels;            // final labels; empty when relabelling dropped it
    bool dropped = false;
    uint64_t last_scrape = 0;  // the scrape that last saw it
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  using Cache = boost::unordered_flat_map<std::string, CacheEntry, StringHash, std::equal_to<>>;
  struct MetaEntry {
    MetricType type = MetricType::kUnknown;
    std::string help;
    std::string unit;
    uint64_t last_scrape = 0;  // the scrape that last passed one of its lines
  };
  using MetaCache = boost::unordered_flat_map<std::string, MetaEntry, StringHash, std::equal_to<>>;
  class MetadataRecorder;

  // Appends the body's samples; an error means the batch must be dropped.
  // `seen` receives the labels of the series stored at the scrape time.
  Status append_body(tsdb::Appender& app, std::string_view body, ExpositionFormat format, Timestamp t,
                     ScrapeReport& report, std::vector<Labels>& seen);
  // append_body's loop, for either parser (ExpositionParser, ProtobufParser).
  template <typename Parser>
  Status append_samples(tsdb::Appender& app, Parser& p, Timestamp t, ScrapeReport& report, std::vector<Labels>& seen);
  // up, scrape_duration_seconds, ... with this target's labels.
  std::vector<Labels> report_series() const;
  // Appends the report series; returns how many the store refused.
  uint64_t append_report(tsdb::Appender& app, Timestamp t, Duration duration, const ScrapeReport& r);
  Status check_limits(const Labels& labels) const;
  // Forgets families missing for more than 10 scrapes; republishes the
  // snapshot if anything changed since the last one.
  void finish_metadata(bool flush);

  tsdb::AppenderFactory& store_;
  const ScrapeLoopOptions options_;
  const Labels target_public_;
  const internal::NativeHistogramLimits histogram_limits_;
  Cache cache_;
  uint64_t scrape_count_ = 0;
  size_t cache_size_after_success_ = 0;  // before the last flush: Prometheus's successfulCount
  Timestamp last_scrape_time_ = 0;
  std::vector<Labels> previous_;  // series of the last successful scrape (for staleness)
  MetaCache metadata_;
  bool metadata_changed_ = false;  // since metadata_snapshot_ was built
  MetadataSnapshot metadata_snapshot_ = std::make_shared<const std::vector<MetricMetadata>>();
};

}  // namespace cogwatch::scrape
