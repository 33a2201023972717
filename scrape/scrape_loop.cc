#include "scrape/scrape_loop.h"

#include <xxhash.h>

#include <algorithm>

#include "scrape/protobuf_parser.h"
#include "scrape/target.h"
#include "tsdb/stale_markers.h"

namespace cogwatch::scrape {
namespace {

// The series every scrape writes about itself, in append_report's order.
constexpr const char* kReportSeries[] = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                                         "scrape_samples_post_metric_relabeling", "scrape_series_added"};

// The current sample of a parser, appended to a series given by ref or by
// labels. The text formats have float samples only.
template <typename Series>
Result<tsdb::SeriesRef> append_current(tsdb::Appender& app, const Series& series, Timestamp t, ExpositionParser& p) {
  return app.append(series, t, p.value());
}
template <typename Series>
Result<tsdb::SeriesRef> append_current(tsdb::Appender& app, const Series& series, Timestamp t, ProtobufParser& p) {
  switch (p.kind()) {
    case SampleKind::kFloat: return app.append(series, t, p.value());
    case SampleKind::kHistogram: return app.append_histogram(series, t, p.histogram());
    case SampleKind::kFloatHistogram: return app.append_float_histogram(series, t, p.float_histogram());
  }
  return make_error(ErrorCode::kInternal, "unknown sample kind");
}

// Lowers the resolution of the current sample when it is a native
// histogram (internal::apply_limits); the text formats have none.
Status fit_to_limits(ExpositionParser&, const internal::NativeHistogramLimits&) { return {}; }
Status fit_to_limits(ProtobufParser& p, const internal::NativeHistogramLimits& limits) {
  switch (p.kind()) {
    case SampleKind::kFloat: return {};
    case SampleKind::kHistogram: return internal::apply_limits(p.histogram(), limits);
    case SampleKind::kFloatHistogram: return internal::apply_limits(p.float_histogram(), limits);
  }
  return {};
}

// What Prometheus's head checks of a native histogram before storing it.
Status validate_current(ExpositionParser&) { return {}; }
Status validate_current(ProtobufParser& p) {
  switch (p.kind()) {
    case SampleKind::kFloat: return {};
    case SampleKind::kHistogram: return p.histogram().validate();
    case SampleKind::kFloatHistogram: return p.float_histogram().validate();
  }
  return {};
}

}  // namespace

// Applies a body's metadata lines to the loop's cache. Lookups are by view;
// only a new family allocates, and a help text only when it changed.
class ScrapeLoop::MetadataRecorder final : public MetadataSink {
 public:
  MetadataRecorder(ScrapeLoop& loop, ExpositionFormat format) : loop_(loop), format_(format) {}

  void on_help(std::string_view metric, std::string_view raw) override {
    MetaEntry* e = entry(metric);
    if (e == nullptr) return;
    std::string_view help = raw;
    if (raw.find('\\') != std::string_view::npos) {
      unescape_help(raw, format_, unescaped_);
      help = unescaped_;
    }
    if (e->help != help) {
      e->help.assign(help);
      loop_.metadata_changed_ = true;
    }
  }
  void on_type(std::string_view metric, MetricType type) override {
    MetaEntry* e = entry(metric);
    if (e == nullptr || e->type == type) return;
    e->type = type;
    loop_.metadata_changed_ = true;
  }
  void on_unit(std::string_view metric, std::string_view unit) override {
    MetaEntry* e = entry(metric);
    if (e == nullptr || e->unit == unit) return;
    e->unit.assign(unit);
    loop_.metadata_changed_ = true;
  }

 private:
  MetaEntry* entry(std::string_view metric) {
    auto it = loop_.metadata_.find(metric);
    if (it == loop_.metadata_.end()) {
      if (loop_.metadata_.size() >= loop_.options_.metadata_limit) return nullptr;
      it = loop_.metadata_.emplace(std::string(metric), MetaEntry{}).first;
      loop_.metadata_changed_ = true;
    }
    it->second.last_scrape = loop_.scrape_count_;
    return &it->second;
  }

  ScrapeLoop& loop_;
  const ExpositionFormat format_;
  std::string unescaped_;
};

size_t ScrapeLoop::StringHash::operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }

ScrapeLoop::ScrapeLoop(tsdb::AppenderFactory& store, ScrapeLoopOptions options)
    : store_(store),
      options_(std::move(options)),
      target_public_(public_labels(options_.target)),
      histogram_limits_{.max_schema = internal::schema_for_bucket_factor(options_.native_histogram_min_bucket_factor),
                        .bucket_limit = options_.native_histogram_bucket_limit} {}

Timestamp ScrapeLoop::aligned_time(Timestamp actual, Timestamp scheduled, Duration interval) {
  const Duration tolerance = std::min<Duration>(interval / 100, 2);
  const Duration off = actual - scheduled;
  return off >= -tolerance && off <= tolerance ? scheduled : actual;
}

Status ScrapeLoop::check_limits(const Labels& labels) const {
  if (options_.label_limit > 0 && labels.size() > options_.label_limit) {
    return make_error(ErrorCode::kResourceExhausted, "label_limit exceeded (metric: " +
                                                         std::string(labels.metric_name()) + ", number of labels: " +
                                                         std::to_string(labels.size()) + ", limit: " +
                                                         std::to_string(options_.label_limit) + ")");
  }
  for (const Label l : labels) {
    if (options_.label_name_length_limit > 0 && l.name.size() > options_.label_name_length_limit) {
      return make_error(ErrorCode::kResourceExhausted,
                        "label_name_length_limit exceeded (metric: " + std::string(labels.metric_name()) +
                            ", label name: " + std::string(l.name) + ", length: " + std::to_string(l.name.size()) +
                            ", limit: " + std::to_string(options_.label_name_length_limit) + ")");
    }
    if (options_.label_value_length_limit > 0 && l.value.size() > options_.label_value_length_limit) {
      return make_error(ErrorCode::kResourceExhausted,
                        "label_value_length_limit exceeded (metric: " + std::string(labels.metric_name()) +
                            ", label name: " + std::string(l.name) + ", value: \"" + std::string(l.value) +
                            "\", length: " + std::to_string(l.value.size()) +
                            ", limit: " + std::to_string(options_.label_value_length_limit) + ")");
    }
  }
  return {};
}

Status ScrapeLoop::append_body(tsdb::Appender& app, std::string_view body, ExpositionFormat format, Timestamp t,
                               ScrapeReport& report, std::vector<Labels>& seen) {
  MetadataRecorder recorder(*this, format);
  if (format == ExpositionFormat::kProtobuf) {
    ProtobufParser p(body,
                     {.native_histograms = options_.scrape_native_histograms,
                      .classic_histograms_too = options_.always_scrape_classic_histograms},
                     &recorder);
    return append_samples(app, p, t, report, seen);
  }
  ExpositionParser p(body, format, &recorder);
  return append_samples(app, p, t, report, seen);
}

template <typename Parser>
Status ScrapeLoop::append_samples(tsdb::Appender& app, Parser& p, Timestamp t, ScrapeReport& report,
                                  std::vector<Labels>& seen) {
  // Every key of the cache is a series the parser validated, so a sample
  // whose series is a key need not be validated again.
  MapSeriesLookup<Cache> lookup(cache_);
  uint64_t to_store = 0;  // what sample_limit counts: the samples handed to the store
  bool over_limit = false;
  bool over_bucket_limit = false;
  while (p.next(&lookup)) {
    ++report.samples_scraped;
    auto it = p.series_known() ? lookup.found() : cache_.find(p.series());
    bool repeated = false;  // the series was already in this body
    if (it == cache_.end()) {
      auto parsed = p.labels();
      if (!parsed) return parsed.take_error();
      CacheEntry entry;
      auto relabelled =
          net::relabel(merge_target_labels(*parsed, target_public_, options_.honor_labels), options_.metric_relabel_configs);
      entry.dropped = !relabelled.has_value();
      if (relabelled) {
        if (Status s = check_limits(*relabelled); !s) return s;
        entry.labels = *std::move(relabelled);
      }
      it = cache_.emplace(std::string(p.series()), std::move(entry)).first;
    } else {
      repeated = it->second.last_scrape == scrape_count_;
    }
    CacheEntry& e = it->second;
    e.last_scrape = scrape_count_;
    if (e.dropped) continue;
    // Prometheus's "added": every sample relabelling kept, repeats and the
    // ones the store or the limit refuses included.
    ++report.samples_post_relabel;
    const bool own_time = options_.honor_timestamps && p.timestamp().has_value();
    if (repeated && !own_time) {
      ++report.duplicates;  // twice at the scrape time: the first is kept
      continue;
    }
    // A native histogram is fitted to its limits before it counts against
    // sample_limit (Prometheus's bucket limit wraps its sample limit); one
    // that cannot fit is not stored, and the scrape fails at the end.
    if (Status s = fit_to_limits(p, histogram_limits_); !s) {
      if (s.error().code != ErrorCode::kResourceExhausted) {
        return make_error(s.error().code, "native histogram " + e.labels.to_string() + ": " + s.error().message);
      }
      over_bucket_limit = true;
      report.bucket_limit_exceeded = true;
      continue;
    }
    // Past the limit the body is still read, so the report counts all of
    // it, but nothing more is stored; the scrape fails at the end.
    if (options_.sample_limit > 0 && ++to_store > options_.sample_limit) {
      over_limit = true;
      continue;
    }
    if (Status s = validate_current(p); !s) {
      return make_error(ErrorCode::kInvalidArgument,
                        "native histogram " + e.labels.to_string() + ": " + s.error().message);
    }
    const Timestamp ts = own_time ? *p.timestamp() : t;
    const bool first_store = e.ref == 0;
    Result<tsdb::SeriesRef> r = e.ref != 0 ? append_current(app, e.ref, ts, p) : append_current(app, e.labels, ts, p);
    if (!r && r.error().code == ErrorCode::kNotFound) r = append_current(app, e.labels, ts, p);  // collected
    if (!r) {
      ++report.rejected;
      continue;
    }
    e.ref = *r;
    // A series is "added" when first stored since it entered the cache.
    if (first_store) ++report.series_added;
    // Series with their own timestamps are not tracked for staleness.
    if (!own_time) seen.push_back(e.labels);
  }
  if (!p.status()) return p.status().error();
  if (over_limit) return make_error(ErrorCode::kResourceExhausted, "sample limit exceeded");
  if (over_bucket_limit) return make_error(ErrorCode::kResourceExhausted, internal::kBucketLimitMessage);
  return {};
}

std::vector<Labels> ScrapeLoop::report_series() const {
  std::vector<Labels> series;
  for (const char* name : kReportSeries) {
    series.push_back(LabelsBuilder(target_public_).set(kMetricNameLabel, name).build());
  }
  return series;
}

uint64_t ScrapeLoop::append_report(tsdb::Appender& app, Timestamp t, Duration duration, const ScrapeReport& r) {
  const double values[] = {r.up ? 1.0 : 0.0, static_cast<double>(duration) / 1000,
                           static_cast<double>(r.samples_scraped), static_cast<double>(r.samples_post_relabel),
                           static_cast<double>(r.series_added)};
  const std::vector<Labels> series = report_series();
  uint64_t refused = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    if (!app.append(series[i], t, values[i])) ++refused;
  }
  return refused;
}

ScrapeReport ScrapeLoop::append(Timestamp start, Duration duration, const Result<std::string_view>& body,
                                ExpositionFormat format) {
  ++scrape_count_;
  last_scrape_time_ = start;
  ScrapeReport report;
  std::vector<Labels> seen;
  Status status = body ? Status() : Status(body.error());
  {
    auto app = store_.appender();
    if (status) status = append_body(*app, *body, format, start, report, seen);
    if (status) {
      report.up = true;
      // Series of the last scrape that this one lacks end now.
      tsdb::append_stale_markers(*app, previous_, seen, start);
      report.rejected += append_report(*app, start, duration, report);
      app->commit();
      previous_ = std::move(seen);
    }
  }
  if (!status) {
    // Nothing of the body is stored: report the failure, with the counts of
    // what was read before it (as Prometheus), and end every series of the
    // last scrape, in a batch of their own.
    report.up = false;
    report.error = status.error().message;
    auto app = store_.appender();
    tsdb::append_stale_markers(*app, previous_, {}, start);
    report.rejected += append_report(*app, start, duration, report);
    app->commit();
    previous_.clear();
  }
  // As Prometheus's scrapeCache.iterDone: a successful scrape of a
  // non-empty body forgets the series it lacked (so one that comes back is
  // added again); otherwise the cache is flushed only when it has more than
  // doubled (plus 1000) since that, so failing scrapes with changing
  // labels cannot grow it without bound.
  const bool full_scrape = status && !body->empty();
  const bool flush = full_scrape || cache_.size() > 2 * cache_size_after_success_ + 1000;
  if (flush) {
    if (full_scrape) cache_size_after_success_ = cache_.size();
    boost::unordered::erase_if(cache_, [&](const auto& kv) { return kv.second.last_scrape != scrape_count_; });
  }
  finish_metadata(flush);
  return report;
}

void ScrapeLoop::finish_metadata(bool flush) {
  if (flush) {
    // As Prometheus: kept for 10 scrapes after the family disappeared.
    const size_t erased = boost::unordered::erase_if(
        metadata_, [&](const auto& kv) { return scrape_count_ - kv.second.last_scrape > 10; });
    if (erased > 0) metadata_changed_ = true;
  }
  if (!metadata_changed_) return;
  metadata_changed_ = false;
  auto snapshot = std::make_shared<std::vector<MetricMetadata>>();
  snapshot->reserve(metadata_.size());
  for (const auto& [name, e] : metadata_) snapshot->push_back({name, e.type, e.help, e.unit});
  std::sort(snapshot->begin(), snapshot->end(),
            [](const MetricMetadata& a, const MetricMetadata& b) { return a.metric < b.metric; });
  metadata_snapshot_ = std::move(snapshot);
}

bool ScrapeLoop::can_take_state_from(const ScrapeLoop& old) const {
  const ScrapeLoopOptions& a = options_;
  const ScrapeLoopOptions& b = old.options_;
  return a.target == b.target && a.honor_labels == b.honor_labels && a.honor_timestamps == b.honor_timestamps &&
         a.label_limit == b.label_limit && a.label_name_length_limit == b.label_name_length_limit &&
         a.label_value_length_limit == b.label_value_length_limit && a.metric_relabel_configs == b.metric_relabel_configs &&
         a.scrape_native_histograms == b.scrape_native_histograms &&
         a.always_scrape_classic_histograms == b.always_scrape_classic_histograms &&
         a.native_histogram_bucket_limit == b.native_histogram_bucket_limit &&
         a.native_histogram_min_bucket_factor == b.native_histogram_min_bucket_factor;
}

void ScrapeLoop::take_state_from(ScrapeLoop& old) {
  cache_ = std::move(old.cache_);
  previous_ = std::move(old.previous_);
  scrape_count_ = old.scrape_count_;
  cache_size_after_success_ = old.cache_size_after_success_;
  last_scrape_time_ = old.last_scrape_time_;
  metadata_ = std::move(old.metadata_);
  metadata_snapshot_ = old.metadata_snapshot_;
  metadata_changed_ = old.metadata_changed_;
  old.metadata_.clear();
  old.cache_.clear();
  old.previous_.clear();
}

void ScrapeLoop::take_last_series_from(ScrapeLoop& old) {
  previous_ = std::move(old.previous_);
  old.previous_.clear();
}

void ScrapeLoop::stop(Timestamp t) {
  if (scrape_count_ > 0) t = std::max(t, last_scrape_time_ + 1);
  auto app = store_.appender();
  tsdb::append_stale_markers(*app, previous_, {}, t);
  // As Prometheus's reportStale: the target's up and friends end too.
  if (scrape_count_ > 0) tsdb::append_stale_markers(*app, report_series(), {}, t);
  app->commit();
  previous_.clear();
}

}  // namespace cogwatch::scrape
