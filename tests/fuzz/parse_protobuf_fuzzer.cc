// libFuzzer target: any body given to the protobuf exposition parser
// yields samples or an error naming the metric family, with every option,
// and never crashes; every series key starts with 0xff (no text series
// does); the scrape cache's shortcut (known keys are not validated again)
// changes nothing of what the parser returns; and what the scrape loop
// then does to a native histogram (the bucket limit's and the minimum
// bucket factor's resolution lowering, validation) neither crashes nor
// loses or invents observations.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/histogram.h"
#include "scrape/internal/native_histogram.h"
#include "scrape/protobuf_parser.h"

namespace {

using namespace cogwatch;
using namespace cogwatch::scrape;

class SetLookup final : public SeriesLookup {
 public:
  bool known(std::string_view series) override { return keys.contains(series); }
  std::set<std::string, std::less<>> keys;
};

// The observations in a histogram's buckets, to check that lowering the
// resolution only merges buckets.
double in_buckets(const FloatHistogram& h) {
  double n = h.zero_count;
  for (double c : h.positive_buckets) n += c;
  for (double c : h.negative_buckets) n += c;
  return n;
}

// Every field of a histogram, without computing bucket bounds (the
// parser hands out histograms before validation; bounds exist for valid
// schemas only).
template <typename H>
std::string describe(const H& h) {
  std::string out = std::to_string(h.schema) + "/" + std::to_string(static_cast<int>(h.counter_reset_hint));
  auto bits = [&](double v) { out += " " + std::to_string(std::bit_cast<uint64_t>(v)); };
  bits(static_cast<double>(h.count));
  bits(h.sum);
  bits(h.zero_threshold);
  bits(static_cast<double>(h.zero_count));
  for (const auto* spans : {&h.positive_spans, &h.negative_spans}) {
    out += " [";
    for (const HistogramSpan& s : *spans) out += std::to_string(s.offset) + ":" + std::to_string(s.length) + " ";
    out += "]";
  }
  for (const auto* buckets : {&h.positive_buckets, &h.negative_buckets}) {
    for (auto b : *buckets) bits(static_cast<double>(b));
    out += ";";
  }
  return out;
}

// Applies the scrape loop's limits to a copy of the current histogram.
void check_limits(ProtobufParser& p) {
  for (const internal::NativeHistogramLimits limits :
       {internal::NativeHistogramLimits{.max_schema = 0}, internal::NativeHistogramLimits{.bucket_limit = 1},
        internal::NativeHistogramLimits{.max_schema = -4, .bucket_limit = 3}}) {
    if (p.kind() == SampleKind::kHistogram) {
      Histogram h = p.histogram();
      const double before = in_buckets(h.to_float());
      const bool valid = h.validate().ok();
      if (internal::apply_limits(h, limits).ok() && valid) {
        // Sums of integer counts: exact unless beyond 2^53.
        if (before < 1e15 && in_buckets(h.to_float()) != before) std::abort();
        if (!h.validate().ok()) std::abort();  // still valid after merging
      }
    } else if (p.kind() == SampleKind::kFloatHistogram) {
      FloatHistogram h = p.float_histogram();
      (void)internal::apply_limits(h, limits);
      (void)h.validate();
    }
  }
}

// Every sample as text, and the final status; with `learn`, the keys of
// series whose labels build.
std::pair<std::vector<std::string>, std::string> run(std::string_view body, ProtobufParserOptions options,
                                                     SetLookup* lookup, SetLookup* learn) {
  std::vector<std::string> out;
  ProtobufParser p(body, options);
  while (p.next(lookup)) {
    if (p.series().empty() || p.series().front() != '\xff') std::abort();
    std::string s(p.series());
    s += p.timestamp() ? std::to_string(*p.timestamp()) : "-";
    switch (p.kind()) {
      case SampleKind::kFloat: s += "f" + std::to_string(std::bit_cast<uint64_t>(p.value())); break;
      case SampleKind::kHistogram: s += "h" + describe(p.histogram()); break;
      case SampleKind::kFloatHistogram: s += "fh" + describe(p.float_histogram()); break;
    }
    out.push_back(std::move(s));
    const bool labels_ok = p.labels().ok();
    if (learn != nullptr && labels_ok) learn->keys.emplace(p.series());
    if (lookup == nullptr) check_limits(p);
  }
  return {std::move(out), p.status().ok() ? "" : p.status().error().message};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const ProtobufParserOptions options :
       {ProtobufParserOptions{}, ProtobufParserOptions{.native_histograms = true},
        ProtobufParserOptions{.native_histograms = true, .classic_histograms_too = true}}) {
    SetLookup known;
    const auto full = run(body, options, nullptr, &known);
    if (!full.second.empty() && full.second.rfind("metric family ", 0) != 0) std::abort();  // errors name the family
    if (run(body, options, &known, nullptr) != full) std::abort();
  }
  return 0;
}
