// The histogram chunk encodings against chunks Prometheus 2.42 wrote for
// the same samples (tests/tsdb/testdata/prometheus-2.42/README.md): our
// decoder reads theirs back, our writer makes the same bytes from the
// same samples, and the head, fed the sequences, cuts the same chunks
// with the same counter-reset headers.
#include <bit>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/value.h"
#include "tests/tsdb/histogram_fixture_series.h"
#include "tests/tsdb/test_util.h"
#include "tsdb/head.h"
#include "tsdb/histogram_chunk.h"

namespace cogwatch::tsdb {
namespace fixtures {
// For gtest's messages: the name, not the bytes.
void PrintTo(const FixtureSeries& s, std::ostream* os) { *os << s.name; }
}  // namespace fixtures
namespace {

using fixtures::FixtureSeries;

std::vector<uint8_t> read_fixture(const std::string& name, size_t n) {
  const std::string path = std::string(COGWATCH_SOURCE_DIR) + "/tests/tsdb/testdata/prometheus-2.42/chunks/" + name +
                           "." + std::to_string(n) + ".chunk";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::vector<uint8_t>> prometheus_chunks(const FixtureSeries& s) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < s.chunks; ++i) out.push_back(read_fixture(s.name, i));
  return out;
}

ChunkEncoding encoding_of(const FixtureSeries& s) {
  return s.floats.empty() ? ChunkEncoding::kHistogram : ChunkEncoding::kFloatHistogram;
}

// The same observations: recoding adds empty buckets, so both sides are
// compared without them.
FloatHistogram canonical(FloatHistogram h) {
  h.counter_reset_hint = CounterResetHint::kUnknown;
  return h.compact(0);
}

// Every sample of a fixture series, as floats, in order.
std::vector<std::pair<Timestamp, FloatHistogram>> sent(const FixtureSeries& s) {
  std::vector<std::pair<Timestamp, FloatHistogram>> out;
  for (const auto& x : s.integers) out.emplace_back(x.t, x.h.to_float());
  for (const auto& x : s.floats) out.emplace_back(x.t, x.h);
  return out;
}

class PrometheusFixtureTest : public ::testing::TestWithParam<FixtureSeries> {};

TEST_P(PrometheusFixtureTest, OurDecoderReadsTheirChunks) {
  const FixtureSeries& s = GetParam();
  const auto expected = sent(s);
  size_t i = 0;
  for (const std::vector<uint8_t>& bytes : prometheus_chunks(s)) {
    HistogramChunkIterator it(encoding_of(s), bytes);
    bool first = true;
    while (it.next()) {
      ASSERT_LT(i, expected.size());
      SCOPED_TRACE("sample " + std::to_string(i));
      EXPECT_EQ(it.t(), expected[i].first);
      const FloatHistogram got = it.float_histogram();
      if (is_stale_nan(expected[i].second.sum)) {
        EXPECT_TRUE(it.stale());
      } else {
        EXPECT_TRUE(canonical(got).equals(canonical(expected[i].second)))
            << got.to_string() << " vs " << expected[i].second.to_string();
        // Prometheus's iterators: unknown on a counter chunk's first sample.
        const CounterResetHint hint = it.header() == CounterResetHeader::kGauge ? CounterResetHint::kGauge
                                      : first                                    ? CounterResetHint::kUnknown
                                                                                 : CounterResetHint::kNotCounterReset;
        EXPECT_EQ(got.counter_reset_hint, hint);
      }
      first = false;
      ++i;
    }
    EXPECT_TRUE(it.err().ok()) << it.err().error().message;
  }
  EXPECT_EQ(i, expected.size());
}

// Each of their chunks, written again from its own samples under its own
// header, gives the same bytes.
TEST_P(PrometheusFixtureTest, OurWriterMakesTheirBytes) {
  const FixtureSeries& s = GetParam();
  for (const std::vector<uint8_t>& bytes : prometheus_chunks(s)) {
    HistogramChunkIterator it(encoding_of(s), bytes);
    HistogramChunkWriter w;
    FloatHistogramChunkWriter fw;
    while (it.next()) {
      if (it.is_float()) {
        if (fw.empty()) {
          fw.start(it.t(), it.float_histogram(), it.header());
        } else {
          ASSERT_EQ(fw.append(it.t(), it.float_histogram()).outcome, HistogramAppend::kAppended);
        }
      } else if (w.empty()) {
        w.start(it.t(), it.histogram(), it.header());
      } else {
        ASSERT_EQ(w.append(it.t(), it.histogram()).outcome, HistogramAppend::kAppended);
      }
    }
    ASSERT_TRUE(it.err().ok());
    ChunkRef c = it.is_float() ? fw.seal() : w.seal();
    EXPECT_EQ(std::vector<uint8_t>(c->data(), c->data() + c->size()), bytes);
  }
}

// The whole sequence through the head: the same chunk cuts, headers and
// recodings as Prometheus, so the same bytes.
TEST_P(PrometheusFixtureTest, TheHeadCutsAndEncodesAsPrometheus) {
  const FixtureSeries& s = GetParam();
  Head head;
  const Labels labels{{"__name__", s.name}, {"job", "fixture"}};
  for (const auto& x : s.integers) {
    auto app = head.appender();
    ASSERT_TRUE(app->append_histogram(labels, x.t, x.h).ok());
    ASSERT_EQ(app->commit().appended, 1u);
  }
  for (const auto& x : s.floats) {
    auto app = head.appender();
    ASSERT_TRUE(app->append_float_histogram(labels, x.t, x.h).ok());
    ASSERT_EQ(app->commit().appended, 1u);
  }
  ASSERT_TRUE(testing::append_one(head, labels, s.float_t, 1).ok());  // closes the last histogram chunk
  const auto series = head.select({testing::matcher(MatchType::kEqual, "__name__", s.name.c_str())}, kMinTimestamp,
                                  kMaxTimestamp);
  ASSERT_EQ(series.size(), 1u);
  const std::vector<ChunkRef>& ours = series[0].chunks;
  const auto theirs = prometheus_chunks(s);
  ASSERT_EQ(ours.size(), theirs.size() + 1);  // and the float chunk
  for (size_t i = 0; i < theirs.size(); ++i) {
    SCOPED_TRACE("chunk " + std::to_string(i));
    EXPECT_EQ(ours[i]->encoding(), encoding_of(s));
    EXPECT_EQ(std::vector<uint8_t>(ours[i]->data(), ours[i]->data() + ours[i]->size()), theirs[i]);
  }
  EXPECT_EQ(ours.back()->encoding(), ChunkEncoding::kFloat);
}

INSTANTIATE_TEST_SUITE_P(Prometheus242, PrometheusFixtureTest, ::testing::ValuesIn(fixtures::fixture_series()),
                         [](const ::testing::TestParamInfo<FixtureSeries>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace cogwatch::tsdb
