// A store for scrape loop tests that keeps every committed sample as it
// was appended — floats, integer and float native histograms — so tests
// see exactly what the loop handed over (the Head stores histograms only
// once tsdb/ has their chunks). It keeps tsdb::Appender's contract where
// the loop depends on it: refs per label set (kNotFound for others),
// kOutOfOrder for a sample older than its series' newest, kDuplicateSample
// for another value at the same time, kInvalidArgument for a histogram that
// fails validate(), nothing visible before commit().
#pragma once

#include <bit>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "model/value.h"
#include "tsdb/appender.h"

namespace cogwatch::scrape::scrape_testing {

struct RecordedSample {
  Labels labels;
  Timestamp t = 0;
  std::variant<double, Histogram, FloatHistogram> value;
  bool by_ref = false;  // appended by the ref of an earlier append

  const Histogram* histogram() const { return std::get_if<Histogram>(&value); }
  const FloatHistogram* float_histogram() const { return std::get_if<FloatHistogram>(&value); }
  std::optional<double> number() const {
    if (const double* v = std::get_if<double>(&value)) return *v;
    return std::nullopt;
  }
  bool stale() const { return number() && is_stale_nan(*number()); }
};

class RecordingStore final : public tsdb::AppenderFactory {
 public:
  std::unique_ptr<tsdb::Appender> appender() override { return std::make_unique<App>(*this); }

  // Committed samples in order, of one series (by __name__) or all.
  std::vector<RecordedSample> named(std::string_view name) const {
    std::vector<RecordedSample> out;
    for (const RecordedSample& s : committed) {
      if (s.labels.metric_name() == name) out.push_back(s);
    }
    return out;
  }

  std::vector<RecordedSample> committed;

 private:
  class App final : public tsdb::Appender {
   public:
    explicit App(RecordingStore& store) : store_(store) {}
    Result<tsdb::SeriesRef> append(const Labels& l, Timestamp t, double v) override { return add(l, t, v, false); }
    Result<tsdb::SeriesRef> append(tsdb::SeriesRef ref, Timestamp t, double v) override { return by_ref(ref, t, v); }
    Result<tsdb::SeriesRef> append_histogram(const Labels& l, Timestamp t, const Histogram& h) override {
      if (Status s = h.validate(); !s) return s.error();
      return add(l, t, h, false);
    }
    Result<tsdb::SeriesRef> append_histogram(tsdb::SeriesRef ref, Timestamp t, const Histogram& h) override {
      if (Status s = h.validate(); !s) return s.error();
      return by_ref(ref, t, h);
    }
    Result<tsdb::SeriesRef> append_float_histogram(const Labels& l, Timestamp t, const FloatHistogram& h) override {
      if (Status s = h.validate(); !s) return s.error();
      return add(l, t, h, false);
    }
    Result<tsdb::SeriesRef> append_float_histogram(tsdb::SeriesRef ref, Timestamp t,
                                                   const FloatHistogram& h) override {
      if (Status s = h.validate(); !s) return s.error();
      return by_ref(ref, t, h);
    }
    tsdb::CommitResult commit() override {
      tsdb::CommitResult r{.appended = pending_.size()};
      for (RecordedSample& s : pending_) store_.committed.push_back(std::move(s));
      pending_.clear();
      return r;
    }
    void rollback() override { pending_.clear(); }

   private:
    using Value = std::variant<double, Histogram, FloatHistogram>;

    Result<tsdb::SeriesRef> by_ref(tsdb::SeriesRef ref, Timestamp t, Value v) {
      for (const auto& [labels, r] : store_.refs_) {
        if (r == ref) return add(labels, t, std::move(v), true);
      }
      return make_error(ErrorCode::kNotFound, "series not found");
    }

    Result<tsdb::SeriesRef> add(const Labels& labels, Timestamp t, Value v, bool by_ref) {
      if (labels.empty()) return make_error(ErrorCode::kInvalidArgument, "empty label set");
      const RecordedSample* newest = nullptr;
      for (const auto* list : {&store_.committed, &pending_}) {
        for (const RecordedSample& s : *list) {
          if (s.labels == labels && (newest == nullptr || s.t >= newest->t)) newest = &s;
        }
      }
      if (newest != nullptr && t < newest->t) return make_error(ErrorCode::kOutOfOrder, "out of order sample");
      if (newest != nullptr && t == newest->t) {
        const double* a = std::get_if<double>(&newest->value);
        const double* b = std::get_if<double>(&v);
        if (a == nullptr || b == nullptr || std::bit_cast<uint64_t>(*a) != std::bit_cast<uint64_t>(*b)) {
          return make_error(ErrorCode::kDuplicateSample, "duplicate sample for timestamp");
        }
      }
      auto [it, added] = store_.refs_.try_emplace(labels, store_.refs_.size() + 1);
      pending_.push_back({labels, t, std::move(v), by_ref});
      return it->second;
    }

    RecordingStore& store_;
    std::vector<RecordedSample> pending_;
  };

  std::map<Labels, tsdb::SeriesRef> refs_;
};

}  // namespace cogwatch::scrape::scrape_testing
