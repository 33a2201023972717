// The protobuf exposition format as Prometheus's ProtobufParser reads it:
// the samples of each metric type (families from Prometheus's
// protobufparse_test.go, encoded by protoc's classes), native histograms
// and when a histogram is one, the options, metadata, the wire format's
// rules (packed numbers, merged messages), the scrape cache's shortcut, and
// every error with its words.
#include "scrape/protobuf_parser.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/scrape/protobuf_test_util.h"

namespace cogwatch::scrape {
namespace {

using namespace scrape_testing;
using Samples = std::vector<std::string>;

constexpr std::string_view kBuildInfo = R"pb(
name: "go_build_info"
help: "Build information about the main Go module."
type: GAUGE
metric: <
  label: < name: "checksum" value: "" >
  label: < name: "path" value: "github.com/prometheus/client_golang" >
  label: < name: "version" value: "(devel)" >
  gauge: < value: 1 >
>)pb";

constexpr std::string_view kAllocBytes = R"(
name: "go_memstats_alloc_bytes_total"
help: "Total number of bytes allocated, even if freed."
type: COUNTER
unit: "bytes"
metric: <
  counter: <
    value: 1.546544e+06
    exemplar: <
      label: < name: "dummyID" value: "42" >
      value: 12
      timestamp: < seconds: 1625851151 nanos: 233181499 >
    >
  >
>)";

constexpr std::string_view kUntyped = R"(
name: "something_untyped"
help: "Just to test the untyped type."
type: UNTYPED
metric: < untyped: < value: 42 > timestamp_ms: 1234567 >)";

// A native histogram that also has classic buckets (Prometheus's test_histogram).
constexpr std::string_view kTestHistogram = R"(
name: "test_histogram"
help: "Test histogram with many buckets removed to keep it manageable in size."
type: HISTOGRAM
metric: <
  histogram: <
    sample_count: 175
    sample_sum: 0.0008280461746287094
    bucket: < cumulative_count: 2 upper_bound: -0.0004899999999999998 >
    bucket: < cumulative_count: 4 upper_bound: -0.0003899999999999998 >
    bucket: < cumulative_count: 16 upper_bound: -0.0002899999999999998 >
    schema: 3
    zero_threshold: 2.938735877055719e-39
    zero_count: 2
    negative_span: < offset: -162 length: 1 >
    negative_span: < offset: 23 length: 4 >
    negative_delta: 1 negative_delta: 3 negative_delta: -2 negative_delta: -1 negative_delta: 1
    positive_span: < offset: -161 length: 1 >
    positive_span: < offset: 8 length: 3 >
    positive_delta: 1 positive_delta: 2 positive_delta: -1 positive_delta: -1
  >
  timestamp_ms: 1234568
>)";

constexpr std::string_view kSummary = R"(
name: "rpc_durations_seconds"
help: "RPC latency distributions."
type: SUMMARY
metric: <
  label: < name: "service" value: "exponential" >
  summary: <
    sample_count: 262
    sample_sum: 0.00025551262820703587
    quantile: < quantile: 0.5 value: 6.442786329648548e-07 >
    quantile: < quantile: 0.99 value: 4.0471608667037015e-06 >
    quantile: < quantile: 1 value: 5e-06 >
  >
>)";

constexpr const char* kTestHistogramNative =
    "{__name__=\"test_histogram\"} histogram{schema:3 count:175 sum:0.0008280461746287094 "
    "zero:2.938735877055719e-39/2 +[-161:1 8:3](1 2 -1 -1) -[-162:1 23:4](1 3 -2 -1 1)} @1234568";
const Samples kTestHistogramClassic = {
    "{__name__=\"test_histogram_count\"} 175 @1234568",
    "{__name__=\"test_histogram_sum\"} 0.0008280461746287094 @1234568",
    "{__name__=\"test_histogram_bucket\", le=\"-0.0004899999999999998\"} 2 @1234568",
    "{__name__=\"test_histogram_bucket\", le=\"-0.0003899999999999998\"} 4 @1234568",
    "{__name__=\"test_histogram_bucket\", le=\"-0.0002899999999999998\"} 16 @1234568",
    "{__name__=\"test_histogram_bucket\", le=\"+Inf\"} 175 @1234568",
};

Samples concat(Samples a, const Samples& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ProtobufParserTest, EveryTypeAsPrometheusReadsIt) {
  const std::string body = body_from_text({kBuildInfo, kAllocBytes, kUntyped, kSummary});
  const Parsed got = parse_all(body);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.samples,
            (Samples{
                // An empty label value is no label.
                "{__name__=\"go_build_info\", path=\"github.com/prometheus/client_golang\", version=\"(devel)\"} 1",
                // The exemplar is read past.
                "{__name__=\"go_memstats_alloc_bytes_total\"} 1.546544e+06",
                "{__name__=\"something_untyped\"} 42 @1234567",
                // _count, _sum, then the quantiles as OpenMetrics floats.
                "{__name__=\"rpc_durations_seconds_count\", service=\"exponential\"} 262",
                "{__name__=\"rpc_durations_seconds_sum\", service=\"exponential\"} 0.00025551262820703587",
                "{__name__=\"rpc_durations_seconds\", quantile=\"0.5\", service=\"exponential\"} 6.442786329648548e-07",
                "{__name__=\"rpc_durations_seconds\", quantile=\"0.99\", service=\"exponential\"} 4.0471608667037015e-06",
                "{__name__=\"rpc_durations_seconds\", quantile=\"1.0\", service=\"exponential\"} 5e-06",
            }));
}

// Which view of a histogram the options give: native only (the default
// when native histograms are read), native then classic
// (always_scrape_classic_histograms), classic only (native histograms
// not scraped).
TEST(ProtobufParserTest, HistogramViewsFollowTheOptions) {
  const std::string body = body_from_text({kTestHistogram});
  EXPECT_EQ(parse_all(body, {.native_histograms = true}).samples, Samples{kTestHistogramNative});
  EXPECT_EQ(parse_all(body, {.native_histograms = true, .classic_histograms_too = true}).samples,
            concat({kTestHistogramNative}, kTestHistogramClassic));
  EXPECT_EQ(parse_all(body, {.native_histograms = false}).samples, kTestHistogramClassic);
  // classic_histograms_too alone changes nothing: no native histograms are read.
  EXPECT_EQ(parse_all(body, {.classic_histograms_too = true}).samples, kTestHistogramClassic);
}

TEST(ProtobufParserTest, GaugeAndFloatHistograms) {
  const std::string body = body_from_text({R"(
name: "test_gauge_histogram" type: GAUGE_HISTOGRAM
metric: <
  histogram: <
    sample_count: 3 sample_sum: 4 schema: 0
    positive_span: < offset: 1 length: 2 > positive_delta: 1 positive_delta: 1
  >
>)",
                                           R"(
name: "test_float_histogram" type: HISTOGRAM
metric: <
  histogram: <
    sample_count_float: 4.5 sample_sum: 10 schema: 1 zero_threshold: 0.001 zero_count_float: 0.5
    positive_span: < offset: 0 length: 2 > positive_count: 1.5 positive_count: 2.5
    bucket: < cumulative_count_float: 1.25 upper_bound: 1 >
  >
>)",
                                           R"(
name: "test_gauge_float_histogram" type: GAUGE_HISTOGRAM
metric: <
  histogram: <
    sample_count_float: 1 schema: -2
    negative_span: < offset: -1 length: 1 > negative_count: 1
  >
>)"});
  EXPECT_EQ(parse_all(body, {.native_histograms = true}).samples,
            (Samples{
                "{__name__=\"test_gauge_histogram\"} histogram{schema:0 count:3 sum:4 zero:0/0 +[1:2](1 1) -[]() "
                "hint:gauge}",
                "{__name__=\"test_float_histogram\"} float_histogram{schema:1 count:4.5 sum:10 zero:0.001/0.5 "
                "+[0:2](1.5 2.5) -[]()}",
                "{__name__=\"test_gauge_float_histogram\"} float_histogram{schema:-2 count:1 sum:0 zero:0/0 +[]() "
                "-[-1:1](1) hint:gauge}",
            }));
  // As classic series, a float count overrides the integer one.
  EXPECT_EQ(parse_all(body, {.native_histograms = true, .classic_histograms_too = true}).samples[2],
            "{__name__=\"test_float_histogram_count\"} 4.5");
  EXPECT_EQ(parse_all(body, {.native_histograms = true, .classic_histograms_too = true}).samples[4],
            "{__name__=\"test_float_histogram_bucket\", le=\"1.0\"} 1.25");
}

// Prometheus's isNativeHistogram: spans, a zero threshold or an integer
// zero count make a histogram native; a histogram without any of them is
// classic even when native histograms are read (a client must send a
// no-op span for a native histogram without observations).
TEST(ProtobufParserTest, WhatMakesAHistogramNative) {
  auto first = [](std::string_view histogram) {
    const std::string body = body_from_text(
        {std::string("name: \"h\" type: HISTOGRAM metric: < histogram: < ") + std::string(histogram) + " > >"});
    const Parsed got = parse_all(body, {.native_histograms = true});
    EXPECT_EQ(got.error, "");
    return got.samples.empty() ? std::string("<none>") : got.samples.front();
  };
  EXPECT_EQ(first("positive_span: < offset: 0 length: 0 >"),
            "{__name__=\"h\"} histogram{schema:0 count:0 sum:0 zero:0/0 +[]() -[]()}");
  EXPECT_EQ(first("zero_threshold: 0.5"), "{__name__=\"h\"} histogram{schema:0 count:0 sum:0 zero:0.5/0 +[]() -[]()}");
  EXPECT_EQ(first("zero_count: 2 sample_count: 2"),
            "{__name__=\"h\"} histogram{schema:0 count:2 sum:0 zero:0/2 +[]() -[]()}");
  // Only the integer zero count counts, as in Prometheus.
  EXPECT_EQ(first("zero_count_float: 2 sample_count_float: 2"), "{__name__=\"h_count\"} 2");
  EXPECT_EQ(first("sample_count: 5 sample_sum: 1"), "{__name__=\"h_count\"} 5");
  // A classic histogram without buckets still has its +Inf bucket.
  const Parsed plain = parse_all(body_from_text({"name: \"h\" type: HISTOGRAM metric: < histogram: < "
                                                 "sample_count: 5 sample_sum: 1 > >"}),
                                 {.native_histograms = true});
  EXPECT_EQ(plain.samples, (Samples{"{__name__=\"h_count\"} 5", "{__name__=\"h_sum\"} 1",
                                    "{__name__=\"h_bucket\", le=\"+Inf\"} 5"}));
}

// Classic buckets stop at the first +Inf one; without one, +Inf is added
// with the count.
TEST(ProtobufParserTest, ClassicBucketsUpToInf) {
  const std::string body = body_from_text({R"(
name: "h" type: HISTOGRAM
metric: < histogram: <
  sample_count: 9 sample_sum: 3
  bucket: < cumulative_count: 1 upper_bound: 0.25 >
  bucket: < cumulative_count: 9 upper_bound: inf >
  bucket: < cumulative_count: 7 upper_bound: 1000000 >
> >)"});
  EXPECT_EQ(parse_all(body).samples,
            (Samples{"{__name__=\"h_count\"} 9", "{__name__=\"h_sum\"} 3", "{__name__=\"h_bucket\", le=\"0.25\"} 1",
                     "{__name__=\"h_bucket\", le=\"+Inf\"} 9"}));
}

// Compact(0), as Prometheus's parser does: empty buckets and spans go.
TEST(ProtobufParserTest, NativeHistogramsAreCompacted) {
  const std::string body = body_from_text({R"(
name: "h" type: HISTOGRAM
metric: < histogram: <
  sample_count: 3 schema: 2
  positive_span: < offset: 0 length: 4 > positive_span: < offset: 0 length: 0 >
  positive_delta: 1 positive_delta: -1 positive_delta: 1 positive_delta: 0
  negative_span: < offset: 3 length: 2 > negative_delta: 0 negative_delta: 0
> >)"});
  EXPECT_EQ(parse_all(body, {.native_histograms = true}).samples,
            Samples{"{__name__=\"h\"} histogram{schema:2 count:3 sum:0 zero:0/0 +[0:1 1:2](1 0 0) -[]()}"});
}

TEST(ProtobufParserTest, MetadataOfFamiliesWithMetricsOnly) {
  struct Recorder final : MetadataSink {
    void on_help(std::string_view m, std::string_view raw) override {
      seen.push_back("help " + std::string(m) + " [" + std::string(raw) + "]");
    }
    void on_type(std::string_view m, MetricType t) override {
      seen.push_back("type " + std::string(m) + " " + std::string(metric_type_name(t)));
    }
    void on_unit(std::string_view m, std::string_view u) override {
      seen.push_back("unit " + std::string(m) + " [" + std::string(u) + "]");
    }
    std::vector<std::string> seen;
  } recorder;
  const std::string body = body_from_text({
      kAllocBytes,
      R"(name: "empty" help: "No metrics: skipped whole." type: GAUGE)",
      R"(name: "h" help: "Escapes \\n stay as sent." type: GAUGE_HISTOGRAM metric: < histogram: < > >)",
      kUntyped,
  });
  const Parsed got = parse_all(body, {}, &recorder);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(recorder.seen, (std::vector<std::string>{
                               "help go_memstats_alloc_bytes_total [Total number of bytes allocated, even if freed.]",
                               "unit go_memstats_alloc_bytes_total [bytes]",
                               "type go_memstats_alloc_bytes_total counter",
                               "help h [Escapes \\n stay as sent.]",
                               "type h gaugehistogram",
                               "help something_untyped [Just to test the untyped type.]",
                               "type something_untyped unknown",
                           }));
}

// What other encoders write: repeated numbers packed (Prometheus's own
// proto3 encoder), fields out of order, a singular message twice (merged),
// a singular number twice (the last wins), unknown fields and groups.
TEST(ProtobufParserTest, WireFormatRules) {
  std::string packed_deltas, packed_counts;
  for (int64_t d : {2, -1, 3}) append_varint(packed_deltas, zigzag(d));
  for (double c : {1.0, 0.5}) {
    const auto bits = std::bit_cast<uint64_t>(c);
    for (int i = 0; i < 8; ++i) packed_counts += static_cast<char>(bits >> (8 * i));
  }
  const std::string span = varint_field(1, zigzag(-2)) + varint_field(2, 3);
  const std::string integer_histogram = varint_field(1, 6) + len_field(12, span) + len_field(13, packed_deltas);
  const std::string float_span = varint_field(2, 2);
  const std::string float_histogram = double_field(4, 1.5) + len_field(12, float_span) + len_field(14, packed_counts);
  const std::string family =
      len_field(4, len_field(7, integer_histogram.substr(0, 2)) + len_field(7, integer_histogram.substr(2)) +
                       len_field(1, len_field(1, "a") + len_field(2, "1") + len_field(2, "2"))) +
      varint_field(3, 4) +  // type after the metric
      len_field(1, "h") + varint_field(99, 7) + tag(50, 3) + varint_field(1, 1) + tag(50, 4) +
      len_field(4, len_field(7, float_histogram) + len_field(1, len_field(1, "a") + len_field(2, "3")));
  const Parsed got = parse_all(with_length(family), {.native_histograms = true});
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.samples,
            (Samples{"{__name__=\"h\", a=\"2\"} histogram{schema:0 count:6 sum:0 zero:0/0 +[-2:3](2 -1 3) -[]()}",
                     "{__name__=\"h\", a=\"3\"} float_histogram{schema:0 count:1.5 sum:0 zero:0/0 +[0:2](1 0.5) -[]()}"}));
}

TEST(ProtobufParserTest, DuplicateLabelNamesFailInLabels) {
  const std::string body = body_from_text({
      R"(name: "g" type: GAUGE metric: < label: < name: "a" value: "1" > label: < name: "a" value: "2" > gauge: < value: 1 > >)",
      R"(name: "h" type: HISTOGRAM metric: < label: < name: "le" value: "x" > histogram: < sample_count: 1 > >)",
      R"(name: "c" type: COUNTER metric: < label: < name: "__name__" value: "x" > counter: < value: 1 > >)",
  });
  const Parsed got = parse_all(body);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.samples, (Samples{
                             "<metric family 1 \"g\" at byte 0: duplicate label name \"a\"> 1",
                             // _count and _sum are fine; the buckets bring their own le.
                             "{__name__=\"h_count\", le=\"x\"} 1",
                             "{__name__=\"h_sum\", le=\"x\"} 0",
                             "<metric family 2 \"h\" at byte 35: duplicate label name \"le\"> 1",
                             "<metric family 3 \"c\" at byte 56: duplicate label name \"__name__\"> 1",
                         }));
}

// Errors stop the parse, naming the family, where it starts and what is
// wrong; what came before was yielded.
TEST(ProtobufParserTest, Errors) {
  const std::string good = body_from_text({kUntyped});
  ASSERT_EQ(good.size(), 71u);
  auto error = [](std::string_view body) {
    const Parsed got = parse_all(body, {.native_histograms = true});
    return got.error;
  };
  auto metric = [](std::string_view fields) { return len_field(4, fields); };
  const std::string gauge = metric(len_field(2, double_field(1, 1)));
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      {good + "\x05" "ab", "metric family 2 at byte 71: a message of 5 bytes, but the body has 2 bytes left"},
      {"\x80\x80\x80\x80\x80\x01", "metric family 1 at byte 0: invalid length prefix"},
      {"\x80", "metric family 1 at byte 0: invalid length prefix"},
      {with_length(varint_field(1, 3)), "metric family 1 at byte 0: MetricFamily.name: wrong wire type 0"},
      {with_length(len_field(1, "x") + metric(double_field(6, 1))),
       "metric family 1 \"x\" at byte 0: Metric.timestamp_ms: wrong wire type 1"},
      {with_length(len_field(1, "x") + metric(len_field(7, "\x08"))),
       "metric family 1 \"x\" at byte 0: Histogram: truncated varint"},
      {with_length(len_field(1, "x") + metric(len_field(7, len_field(13, "\x80")))),
       "metric family 1 \"x\" at byte 0: Histogram.positive_delta: truncated varint"},
      {with_length(len_field(1, "x") + metric(len_field(7, len_field(14, "1234567")))),
       "metric family 1 \"x\" at byte 0: Histogram.positive_count: packed doubles of 7 bytes"},
      {with_length(len_field(1, "x") + metric(tag(3, 4))), "metric family 1 \"x\" at byte 0: Metric: unexpected end of group"},
      {with_length(len_field(1, "x") + metric("\x0a\x05" "ab")),
       "metric family 1 \"x\" at byte 0: Metric: length-delimited field runs past its message"},
      {with_length(gauge), "metric family 1 at byte 0: invalid metric name \"\""},
      {with_length(len_field(1, "a\xff") + gauge), "metric family 1 \"a\xff\" at byte 0: invalid metric name \"a\xff\""},
      {with_length(len_field(1, "a") + len_field(2, "\xc0\x80") + gauge),
       "metric family 1 \"a\" at byte 0: invalid help text \"\xc0\x80\""},
      {with_length(len_field(1, "a") + varint_field(3, 6) + gauge), "metric family 1 \"a\" at byte 0: unknown metric type 6"},
      {with_length(len_field(1, "a") + varint_field(3, 1) + metric(len_field(1, len_field(2, "v")))),
       "metric family 1 \"a\" at byte 0: invalid label name \"\""},
      {with_length(len_field(1, "a") + varint_field(3, 1) + metric(len_field(1, len_field(1, "\xed\xa0\x80")))),
       "metric family 1 \"a\" at byte 0: invalid label name \"\xed\xa0\x80\""},
      {with_length(len_field(1, "a") + varint_field(3, 1) + metric(len_field(1, len_field(1, "l") + len_field(2, "\xff")))),
       "metric family 1 \"a\" at byte 0: invalid label value \"\xff\" for label \"l\""},
      {with_length(len_field(1, "a") + varint_field(3, 1) + metric(len_field(1, varint_field(1, 1)))),
       "metric family 1 \"a\" at byte 0: LabelPair.name: wrong wire type 0"},
      {body_from_text({"name: \"h\" type: HISTOGRAM metric: < histogram: < positive_span: < length: 2 > "
                       "positive_delta: 1 > >"}),
       "metric family 1 \"h\" at byte 0: native histogram: positive side: spans require 2 buckets, have 1"},
      // A float histogram counts its float buckets, not deltas.
      {body_from_text({"name: \"h\" type: HISTOGRAM metric: < histogram: < sample_count_float: 1 "
                       "negative_span: < length: 1 > negative_delta: 1 > >"}),
       "metric family 1 \"h\" at byte 0: native histogram: negative side: spans require 1 buckets, have 0"},
  };
  for (const Case& c : cases) EXPECT_EQ(error(c.body), c.error) << "body of " << c.body.size() << " bytes";
  // Samples before the error were yielded.
  const Parsed partial = parse_all(good + "\x05" "ab");
  EXPECT_EQ(partial.samples, Samples{"{__name__=\"something_untyped\"} 42 @1234567"});
  // Without native histograms, spans are never looked at.
  EXPECT_EQ(parse_all(cases[18].body).error, "");
}

// The scrape cache's shortcut: a key the lookup knows is not validated
// again, and everything else is the same; keys are unique per series and
// start with 0xff, which no text series does.
TEST(ProtobufParserTest, SeriesKeysAndTheCacheShortcut) {
  struct SetLookup final : SeriesLookup {
    bool known(std::string_view s) override { return keys.contains(s); }
    std::set<std::string, std::less<>> keys;
  } lookup;
  const std::string body = body_from_text({kBuildInfo, kTestHistogram, kSummary});
  const ProtobufParserOptions options{.native_histograms = true, .classic_histograms_too = true};
  ProtobufParser first(body, options);
  Samples samples;
  while (first.next(&lookup)) {
    EXPECT_FALSE(first.series_known());
    EXPECT_EQ(first.series().front(), '\xff');
    EXPECT_TRUE(lookup.keys.emplace(first.series()).second) << "a key twice: " << sample_text(first);
    samples.push_back(sample_text(first));
  }
  EXPECT_EQ(samples.size(), 1 + 7 + 5u);
  ProtobufParser second(body, options);
  Samples again;
  while (second.next(&lookup)) {
    EXPECT_TRUE(second.series_known());
    again.push_back(sample_text(second));
  }
  EXPECT_TRUE(second.status().ok());
  EXPECT_EQ(again, samples);
  // A known key skips label validation: the shortcut is what the lookup
  // vouches for (here wrongly, to see that it is taken).
  const std::string bad =
      with_length(len_field(1, "a") + varint_field(3, 1) + len_field(4, len_field(1, len_field(2, "v"))));
  ProtobufParser check(bad);
  EXPECT_FALSE(check.next());
  struct Everything final : SeriesLookup {
    bool known(std::string_view) override { return true; }
  } everything;
  ProtobufParser trusting(bad);
  EXPECT_TRUE(trusting.next(&everything));
}

TEST(ProtobufParserTest, OpenMetricsFloats) {
  EXPECT_EQ(format_openmetrics_float(1), "1.0");
  EXPECT_EQ(format_openmetrics_float(0), "0.0");
  EXPECT_EQ(format_openmetrics_float(-2), "-2.0");
  EXPECT_EQ(format_openmetrics_float(0.25), "0.25");
  EXPECT_EQ(format_openmetrics_float(1e6), "1e+06");
  EXPECT_EQ(format_openmetrics_float(1e-5), "1e-05");
  EXPECT_EQ(format_openmetrics_float(INFINITY), "+Inf");
  EXPECT_EQ(format_openmetrics_float(-INFINITY), "-Inf");
  EXPECT_EQ(format_openmetrics_float(NAN), "NaN");
}

}  // namespace
}  // namespace cogwatch::scrape
