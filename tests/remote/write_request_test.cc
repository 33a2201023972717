// Remote-write bodies: what encode_write_request writes reads back the
// same through decode_write_request in both protocols, the bytes are the
// protobuf the specifications define (checked against a body built by
// hand, field by field), Content-Type negotiation, and bad bodies refused
// with a reason.
#include "remote/write_request.h"

#include <gtest/gtest.h>

#include <snappy.h>

#include <cmath>

#include "tests/remote/histogram_test_util.h"

namespace cogwatch::remote {
namespace {

std::vector<WriteSeries> two_series() {
  return {
      {.labels = Labels{{"__name__", "cog_predict_requests_total"}, {"instance", "a:5000"}, {"job", "cog"}},
       .samples = {{1700000000000, 1}, {1700000015000, 3}},
       .type = MetricType::kCounter,
       .help = "Predictions served.",
       .unit = ""},
      {.labels = Labels{{"__name__", "cog_input_data_entropy"}, {"instance", "a:5000"}, {"job", "cog"}},
       .samples = {{1700000000000, 1.25}, {1700000015000, std::nan("")}},
       .type = MetricType::kGauge,
       .help = "",
       .unit = "bits"},
  };
}

void expect_same(const std::vector<WriteSeries>& got, const std::vector<WriteSeries>& want, bool metadata) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].labels, want[i].labels);
    ASSERT_EQ(got[i].samples.size(), want[i].samples.size());
    for (size_t k = 0; k < got[i].samples.size(); ++k) {
      EXPECT_EQ(got[i].samples[k].t, want[i].samples[k].t);
      EXPECT_EQ(std::bit_cast<uint64_t>(got[i].samples[k].v), std::bit_cast<uint64_t>(want[i].samples[k].v));
    }
    if (metadata) {
      EXPECT_EQ(got[i].type, want[i].type);
      EXPECT_EQ(got[i].help, want[i].help);
      EXPECT_EQ(got[i].unit, want[i].unit);
    }
  }
}

TEST(WriteRequest, BothProtocolsReadBackWhatTheyWrote) {
  for (WriteProtocol p : {WriteProtocol::kV1, WriteProtocol::kV2}) {
    auto decoded = decode_write_request(encode_write_request(two_series(), p), p);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    expect_same(decoded->series, two_series(), p == WriteProtocol::kV2);
    EXPECT_EQ(decoded->samples, 4u);
  }
}

// Protobuf varint of n.
std::string varint(uint64_t n) {
  std::string out;
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  return out + static_cast<char>(n);
}
std::string field(int number, const std::string& bytes) {  // length-delimited
  return varint(static_cast<uint64_t>(number) << 3 | 2) + varint(bytes.size()) + bytes;
}
std::string sample(double v, int64_t t) {
  std::string fixed(8, '\0');
  std::memcpy(fixed.data(), &v, 8);
  return varint(1 << 3 | 1) + fixed + varint(2 << 3 | 0) + varint(static_cast<uint64_t>(t));
}
std::string snappy_of(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

// A 1.0 body as the specification lays it out, built byte by byte.
TEST(WriteRequest, AHandBuiltV1BodyReads) {
  const std::string ts = field(1, field(1, "__name__") + field(2, "up")) + field(1, field(1, "job") + field(2, "cog")) +
                         field(2, sample(1, 1700000000000)) + field(2, sample(2, 1700000015000));
  const std::string body = snappy_of(field(1, ts));
  auto decoded = decode_write_request(body, WriteProtocol::kV1);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->series.size(), 1u);
  EXPECT_EQ(decoded->series[0].labels, (Labels{{"__name__", "up"}, {"job", "cog"}}));
  ASSERT_EQ(decoded->series[0].samples.size(), 2u);
  EXPECT_EQ(decoded->series[0].samples[1].t, 1700000015000);
  // Our encoder writes exactly these bytes (proto3 leaves out fields at
  // their default, so no zeros here).
  EXPECT_EQ(encode_write_request({{.labels = Labels{{"__name__", "up"}, {"job", "cog"}},
                                   .samples = {{1700000000000, 1}, {1700000015000, 2}}}},
                                 WriteProtocol::kV1),
            body);
}

// 1.0 metadata (prometheus.MetricMetadata in WriteRequest field 3), as
// Prometheus's metadata watcher sends it, byte by byte: type as a varint,
// family name 2, help 4, unit 5 (3 is unused).
TEST(WriteRequest, AHandBuiltV1MetadataBodyReads) {
  const std::string counter = varint(1 << 3 | 0) + varint(1) + field(2, "cog_predict_requests_total") +
                              field(4, "Predictions served.");
  const std::string gauge = varint(1 << 3 | 0) + varint(2) + field(2, "cog_input_data_entropy") + field(5, "bits");
  const std::string body = snappy_of(field(3, counter) + field(3, gauge));
  auto decoded = decode_write_request(body, WriteProtocol::kV1);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(decoded->series.empty());
  const std::vector<WriteMetadata> want = {
      {.family = "cog_predict_requests_total", .type = MetricType::kCounter, .help = "Predictions served."},
      {.family = "cog_input_data_entropy", .type = MetricType::kGauge, .unit = "bits"}};
  EXPECT_EQ(decoded->metadata, want);
  EXPECT_EQ(encode_metadata_request(want), body);
  // A type from a newer sender is read as unknown, not refused.
  auto newer = decode_write_request(snappy_of(field(3, varint(1 << 3 | 0) + varint(9) + field(2, "x"))), WriteProtocol::kV1);
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(newer->metadata[0].type, MetricType::kUnknown);
}

// A 2.0 body by hand: symbols, packed label references, metadata.
TEST(WriteRequest, AHandBuiltV2BodyReads) {
  std::string symbols;
  for (const char* s : {"", "__name__", "up", "job", "cog", "Whether the target is up."}) symbols += field(4, s);
  const std::string refs = varint(1) + varint(2) + varint(3) + varint(4);
  const std::string metadata = varint(1 << 3 | 0) + varint(2) + varint(3 << 3 | 0) + varint(5);
  const std::string ts = field(1, refs) + field(2, sample(1, 1700000000000)) + field(5, metadata);
  auto decoded = decode_write_request(snappy_of(symbols + field(5, ts)), WriteProtocol::kV2);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->series.size(), 1u);
  EXPECT_EQ(decoded->series[0].labels, (Labels{{"__name__", "up"}, {"job", "cog"}}));
  EXPECT_EQ(decoded->series[0].type, MetricType::kGauge);
  EXPECT_EQ(decoded->series[0].help, "Whether the target is up.");
  EXPECT_EQ(decoded->series[0].unit, "");
  // A reference outside the symbols, and an odd number of references.
  const std::string bad_ref = field(5, field(1, varint(1) + varint(9)) + field(2, sample(1, 1)));
  auto r = decode_write_request(snappy_of(symbols + bad_ref), WriteProtocol::kV2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "series 0: label reference 9 is outside the 6 symbols");
  const std::string odd = field(5, field(1, varint(1) + varint(2) + varint(3)));
  r = decode_write_request(snappy_of(symbols + odd), WriteProtocol::kV2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "series 0: odd number of label references");
  // A 1.0 body read as 2.0 holds nothing (its fields are reserved there).
  auto empty = decode_write_request(encode_write_request(two_series(), WriteProtocol::kV1), WriteProtocol::kV2);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->series.empty());
}

// Every kind of native histogram, in both protocols.
std::vector<WriteSeries> histogram_series() {
  FloatHistogram float_custom = testing::custom_histogram(2).to_float();
  float_custom.positive_buckets[0] = 5.5;
  float_custom.count = 9.5;
  Histogram no_reset = testing::integer_histogram(3, CounterResetHint::kNotCounterReset);
  no_reset.zero_threshold = 0;  // a zero bucket of width 0
  return {
      {.labels = Labels{{"__name__", "cog_predict_latency_seconds"}, {"job", "cog"}},
       .histograms = {{1700000000000, testing::integer_histogram(1)},
                      {1700000015000, testing::integer_histogram(2, CounterResetHint::kCounterReset)},
                      {1700000030000, no_reset},
                      {1700000045000, testing::stale_histogram()}}},
      {.labels = Labels{{"__name__", "cog:latency:rate5m"}},
       .samples = {{1700000000000, 1}},  // floats before histograms in one series
       .histograms = {{1700000015000, testing::float_histogram(0.5, CounterResetHint::kGauge)},
                      {1700000030000, testing::float_histogram(1, CounterResetHint::kUnknown)},
                      {1700000045000, testing::stale_float_histogram()}}},
      {.labels = Labels{{"__name__", "cog_queue_seconds"}},
       .histograms = {{1700000000000, testing::custom_histogram(1)}, {1700000015000, float_custom}}},
  };
}

void expect_same_histograms(const std::vector<WriteHistogram>& got, const std::vector<WriteHistogram>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    SCOPED_TRACE("histogram " + std::to_string(k));
    EXPECT_EQ(got[k].t, want[k].t);
    ASSERT_EQ(got[k].is_float(), want[k].is_float());
    if (!want[k].is_float()) {
      const Histogram& g = std::get<Histogram>(got[k].h);
      const Histogram& w = std::get<Histogram>(want[k].h);
      EXPECT_TRUE(g == w);
      EXPECT_EQ(g.counter_reset_hint, w.counter_reset_hint);
      EXPECT_EQ(g.custom_values, w.custom_values);
      EXPECT_EQ(g.zero_threshold, w.zero_threshold);
    } else {
      const FloatHistogram& g = std::get<FloatHistogram>(got[k].h);
      const FloatHistogram& w = std::get<FloatHistogram>(want[k].h);
      EXPECT_TRUE(g.equals(w)) << g.test_expression() << " vs " << w.test_expression();
      EXPECT_EQ(g.counter_reset_hint, w.counter_reset_hint);
    }
  }
}

TEST(WriteRequest, NativeHistogramsReadBackInBothProtocols) {
  for (WriteProtocol p : {WriteProtocol::kV1, WriteProtocol::kV2}) {
    SCOPED_TRACE(p == WriteProtocol::kV1 ? "1.0" : "2.0");
    const std::vector<WriteSeries> want = histogram_series();
    auto decoded = decode_write_request(encode_write_request(want, p), p);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->histograms, 9u);
    EXPECT_EQ(decoded->samples, 1u);
    ASSERT_EQ(decoded->series.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(decoded->series[i].labels, want[i].labels);
      EXPECT_EQ(decoded->series[i].samples.size(), want[i].samples.size());
      expect_same_histograms(decoded->series[i].histograms, want[i].histograms);
    }
    // The stale markers' NaN is the stale NaN, bit for bit.
    EXPECT_TRUE(is_stale_nan(std::get<Histogram>(decoded->series[0].histograms[3].h).sum));
    EXPECT_TRUE(is_stale_nan(std::get<FloatHistogram>(decoded->series[1].histograms[2].h).sum));
  }
}

std::string fixed64(double v) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &v, 8);
  return out;
}
uint64_t zigzag(int64_t n) { return (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63); }

// prompb.Histogram as Prometheus's codec writes an integer histogram, field
// by field: count_int 1, sum 3, schema 4 (zigzag), zero_threshold 5,
// zero_count_int 6, negative spans 8 and deltas 9 (zigzag, packed),
// positive spans 11 and deltas 12, reset_hint 14, timestamp 15.
TEST(WriteRequest, AHandBuiltV1HistogramReads) {
  auto span = [](int32_t offset, uint32_t length) {
    return (offset != 0 ? varint(1 << 3 | 0) + varint(zigzag(offset)) : "") + varint(2 << 3 | 0) + varint(length);
  };
  const std::string h = varint(1 << 3 | 0) + varint(13) + varint(3 << 3 | 1) + fixed64(17.5) + varint(4 << 3 | 0) +
                        varint(zigzag(1)) + varint(5 << 3 | 1) + fixed64(0.001) + varint(6 << 3 | 0) + varint(3) +
                        field(8, span(-1, 1)) + field(9, varint(zigzag(4))) + field(11, span(0, 2)) +
                        field(11, span(2, 1)) + field(12, varint(zigzag(1)) + varint(zigzag(1)) + varint(zigzag(1))) +
                        varint(14 << 3 | 0) + varint(1) + varint(15 << 3 | 0) + varint(1700000000000);
  const std::string body = snappy_of(field(1, field(1, field(1, "__name__") + field(2, "latency")) + field(4, h)));
  auto decoded = decode_write_request(body, WriteProtocol::kV1);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->series.size(), 1u);
  const WriteHistogram want{1700000000000, testing::integer_histogram(1, CounterResetHint::kCounterReset)};
  expect_same_histograms(decoded->series[0].histograms, {want});
  EXPECT_EQ(encode_write_request({{.labels = Labels{{"__name__", "latency"}}, .histograms = {want}}}, WriteProtocol::kV1),
            body);
}

// io.prometheus.write.v2.Histogram (TimeSeries field 3), a float
// custom-bucket one: count_float 2, zero_count_float 7 (set, 0), positive
// counts 13 (packed doubles), custom_values 16, reset hint GAUGE.
TEST(WriteRequest, AHandBuiltV2FloatCustomBucketHistogramReads) {
  std::string symbols;
  for (const char* s : {"", "__name__", "queue"}) symbols += field(4, s);
  const std::string h = varint(2 << 3 | 1) + fixed64(2.5) + varint(3 << 3 | 1) + fixed64(1.25) + varint(4 << 3 | 0) +
                        varint(zigzag(-53)) + varint(7 << 3 | 1) + fixed64(0) +
                        field(11, varint(1 << 3 | 0) + varint(zigzag(1)) + varint(2 << 3 | 0) + varint(2)) +
                        field(13, fixed64(2) + fixed64(0.5)) + varint(14 << 3 | 0) + varint(3) +
                        varint(15 << 3 | 0) + varint(1000) + field(16, fixed64(0.25) + fixed64(1));
  const std::string ts = field(1, varint(1) + varint(2)) + field(3, h);
  auto decoded = decode_write_request(snappy_of(symbols + field(5, ts)), WriteProtocol::kV2);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->series.size(), 1u);
  ASSERT_EQ(decoded->series[0].histograms.size(), 1u);
  ASSERT_TRUE(decoded->series[0].histograms[0].is_float());
  const FloatHistogram& got = std::get<FloatHistogram>(decoded->series[0].histograms[0].h);
  EXPECT_EQ(got.schema, kCustomBucketsSchema);
  EXPECT_EQ(got.custom_values, (std::vector<double>{0.25, 1}));
  EXPECT_EQ(got.positive_spans, (HistogramSpans{{1, 2}}));
  EXPECT_EQ(got.positive_buckets, (std::vector<double>{2, 0.5}));
  EXPECT_EQ(got.count, 2.5);
  EXPECT_EQ(got.sum, 1.25);
  EXPECT_EQ(got.counter_reset_hint, CounterResetHint::kGauge);
  EXPECT_EQ(decoded->series[0].histograms[0].t, 1000);
  EXPECT_TRUE(got.validate().ok()) << got.validate().error().message;
}

TEST(WriteRequest, ContentTypeNamesTheProtocol) {
  EXPECT_EQ(*protocol_of_content_type(""), WriteProtocol::kV1);
  EXPECT_EQ(*protocol_of_content_type("application/x-protobuf"), WriteProtocol::kV1);
  EXPECT_EQ(*protocol_of_content_type("application/x-protobuf;proto=prometheus.WriteRequest"), WriteProtocol::kV1);
  EXPECT_EQ(*protocol_of_content_type("application/x-protobuf; proto=io.prometheus.write.v2.Request"),
            WriteProtocol::kV2);
  EXPECT_EQ(*protocol_of_content_type(content_type(WriteProtocol::kV2)), WriteProtocol::kV2);
  auto r = protocol_of_content_type("application/json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unsupported Content-Type \"application/json\""), std::string::npos);
  EXPECT_FALSE(protocol_of_content_type("application/x-protobuf;proto=io.prometheus.write.v3.Request").ok());
}

TEST(WriteRequest, BadBodiesAreRefusedWithAReason) {
  auto error = [](std::string_view body, WriteProtocol p = WriteProtocol::kV1, size_t limit = 1u << 20) {
    auto r = decode_write_request(body, p, limit);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(error("not snappy"), "snappy: corrupt input");
  EXPECT_EQ(error(snappy_of("\xff\xff\xff")), "protobuf: cannot parse the body as prometheus.WriteRequest");
  EXPECT_EQ(error(snappy_of(std::string(2000, '\0')), WriteProtocol::kV1, 1000),
            "snappy: decoded size 2000 exceeds the limit 1000");
  EXPECT_EQ(error(snappy_of(field(1, field(2, sample(1, 1))))), "series 0: no labels");
  EXPECT_EQ(error(snappy_of(field(1, field(1, field(1, "") + field(2, "x"))))), "series 0: empty label name");
  EXPECT_EQ(error(snappy_of(field(1, field(1, field(1, "a") + field(2, "x")) + field(1, field(1, "a") + field(2, "y"))))),
            "series 0: repeated label name");
  EXPECT_EQ(error(snappy_of(field(1, field(1, field(1, "a") + field(2, "\xff"))))), "series 0: label is not valid UTF-8");
}

}  // namespace
}  // namespace cogwatch::remote
