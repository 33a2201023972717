#include "remote/receiver.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "remote/write_request.h"

namespace cogwatch::remote {
namespace {

net::HttpResponse answer(int status, std::string body = "") {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
  return r;
}

// One side's buckets at a lower resolution: each bucket goes into the
// bucket of `shift` fewer schema steps that holds it, as Prometheus's
// reduceResolution. `buckets` are absolute counts; spans stay
// uncompacted (an empty bucket is kept, consecutive indices share a span).
template <typename Count>
void reduce_side(HistogramSpans& spans, std::vector<Count>& buckets, int shift) {
  std::vector<std::pair<int64_t, Count>> merged;
  int64_t index = 0;
  size_t b = 0;
  for (const HistogramSpan& span : spans) {
    index += span.offset;
    for (uint32_t j = 0; j < span.length && b < buckets.size(); ++j, ++index, ++b) {
      // Bucket i covers (base^(i-1), base^i]: index i - 1 shifted, plus 1.
      // In 64 bits: Go's shift of an int32 by 32 or more is defined, C++'s is not.
      const int64_t target = ((index - 1) >> std::min(shift, 63)) + 1;
      if (!merged.empty() && merged.back().first == target) {
        merged.back().second += buckets[b];
      } else {
        merged.emplace_back(target, buckets[b]);
      }
    }
  }
  spans.clear();
  buckets.clear();
  int64_t next = 0;
  for (const auto& [i, count] : merged) {
    if (!spans.empty() && i == next) {
      ++spans.back().length;
    } else {
      spans.push_back({static_cast<int32_t>(spans.empty() ? i : i - next), 1});
    }
    buckets.push_back(count);
    next = i + 1;
  }
}

std::vector<uint64_t> absolute(const std::vector<int64_t>& deltas) {
  std::vector<uint64_t> out(deltas.size());
  uint64_t current = 0;  // unsigned: wraps instead of overflowing on a hostile body
  for (size_t i = 0; i < deltas.size(); ++i) out[i] = current += static_cast<uint64_t>(deltas[i]);
  return out;
}

std::vector<int64_t> deltas(const std::vector<uint64_t>& counts) {
  std::vector<int64_t> out(counts.size());
  uint64_t previous = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    out[i] = static_cast<int64_t>(counts[i] - previous);
    previous = counts[i];
  }
  return out;
}

// Schemas 9..52 are reserved for finer exponential buckets: Prometheus's
// receiver reduces them to 8 before storing, and so does this. The layout
// is checked first (it does not depend on which exponential schema it is).
template <typename H>
Status reduce_reserved_schema(H& h) {
  if (h.schema <= kExponentialSchemaMax || h.schema > kExponentialSchemaMaxReserved) return {};
  H check = h;
  check.schema = kExponentialSchemaMax;
  if (Status s = check.validate(); !s) return s;
  const int shift = h.schema - kExponentialSchemaMax;
  if constexpr (std::is_same_v<H, Histogram>) {
    std::vector<uint64_t> positive = absolute(h.positive_buckets), negative = absolute(h.negative_buckets);
    reduce_side(h.positive_spans, positive, shift);
    reduce_side(h.negative_spans, negative, shift);
    h.positive_buckets = deltas(positive);
    h.negative_buckets = deltas(negative);
  } else {
    reduce_side(h.positive_spans, h.positive_buckets, shift);
    reduce_side(h.negative_spans, h.negative_buckets, shift);
  }
  h.schema = kExponentialSchemaMax;
  return {};
}

Result<tsdb::SeriesRef> append_kind(tsdb::Appender& app, tsdb::SeriesRef ref, const Labels& labels, Timestamp t,
                                    const Histogram& h) {
  return ref != 0 ? app.append_histogram(ref, t, h) : app.append_histogram(labels, t, h);
}

Result<tsdb::SeriesRef> append_kind(tsdb::Appender& app, tsdb::SeriesRef ref, const Labels& labels, Timestamp t,
                                    const FloatHistogram& h) {
  return ref != 0 ? app.append_float_histogram(ref, t, h) : app.append_float_histogram(labels, t, h);
}

// Appends one received histogram (by ref after the series' first sample).
// A histogram the store refuses as invalid is named by its series and time.
Result<tsdb::SeriesRef> append_histogram(tsdb::Appender& app, tsdb::SeriesRef ref, const Labels& labels,
                                         const WriteHistogram& w) {
  return std::visit(
      [&](auto h) -> Result<tsdb::SeriesRef> {  // a copy: a reserved schema is reduced in place
        const Status reduced = reduce_reserved_schema(h);
        Result<tsdb::SeriesRef> r = reduced.ok() ? append_kind(app, ref, labels, w.t, h) : reduced.error();
        if (!r && r.error().code == ErrorCode::kInvalidArgument) {
          return make_error(ErrorCode::kInvalidArgument, "invalid histogram at timestamp " + std::to_string(w.t) +
                                                             " in series " + labels.to_string() + ": " +
                                                             r.error().message);
        }
        return r;
      },
      w.h);
}

}  // namespace

WriteReceiver::WriteReceiver(tsdb::AppenderFactory& store, ReceiverOptions options)
    : store_(store), options_(options) {}

net::HttpResponse WriteReceiver::handle(const net::HttpRequest& request) {
  ++requests_;
  auto fail = [&](int status, std::string why) {
    ++failed_;
    return answer(status, std::move(why));
  };
  if (request.method != "POST") {
    net::HttpResponse r = fail(405, "method not allowed: POST the write request");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (request.body.size() > options_.max_body_bytes) {
    return fail(413, "request body of " + std::to_string(request.body.size()) + " bytes exceeds the limit of " +
                         std::to_string(options_.max_body_bytes));
  }
  auto protocol = protocol_of_content_type(request.header("Content-Type"));
  if (!protocol) return fail(415, protocol.error().message);
  const std::string_view encoding = request.header("Content-Encoding");
  if (!encoding.empty() && encoding != "snappy") {
    return fail(415, "unsupported Content-Encoding \"" + std::string(encoding) + "\": expected snappy");
  }
  auto decoded = decode_write_request(request.body, *protocol, options_.max_decoded_bytes);
  if (!decoded) return fail(400, decoded.error().message);

  // All or nothing: the first sample the store refuses rolls the request
  // back (Prometheus's write handler does the same and answers 400, so the
  // sender drops the request instead of retrying it forever). A series'
  // samples first, then its histograms, as Prometheus appends them.
  auto app = store_.appender();
  uint64_t samples = 0, histograms = 0;
  for (const WriteSeries& s : decoded->series) {
    tsdb::SeriesRef ref = 0;
    for (const WriteSample& x : s.samples) {
      auto r = ref != 0 ? app->append(ref, x.t, x.v) : app->append(s.labels, x.t, x.v);
      if (!r) {
        app->rollback();
        return fail(400, r.error().message);  // it names the series
      }
      ref = *r;
      ++samples;
    }
    for (const WriteHistogram& h : s.histograms) {
      auto r = append_histogram(*app, ref, s.labels, h);
      if (!r) {
        app->rollback();
        return fail(400, r.error().message);
      }
      ref = *r;
      ++histograms;
    }
  }
  // What the store accepted, a sample it already held among them (the
  // sender's resend after a lost answer). A sample another writer made out
  // of order between append and commit is lost: the commit counts such
  // without their kind, so they are taken from the samples first.
  const tsdb::CommitResult committed = app->commit();
  const uint64_t lost = committed.out_of_order + committed.duplicates;
  const uint64_t lost_samples = std::min(lost, samples);
  samples -= lost_samples;
  histograms -= std::min(lost - lost_samples, histograms);
  samples_ += samples;
  histograms_ += histograms;
  exemplars_ += decoded->exemplars;
  net::HttpResponse r = answer(204);
  if (*protocol == WriteProtocol::kV2) {
    r.headers.emplace_back("X-Prometheus-Remote-Write-Samples-Written", std::to_string(samples));
    r.headers.emplace_back("X-Prometheus-Remote-Write-Histograms-Written", std::to_string(histograms));
    r.headers.emplace_back("X-Prometheus-Remote-Write-Exemplars-Written", "0");
  }
  return r;
}

ReceiverCounters WriteReceiver::counters() const {
  return {.requests = requests_.load(),
          .requests_failed = failed_.load(),
          .samples_written = samples_.load(),
          .histograms_written = histograms_.load(),
          .exemplars_dropped = exemplars_.load()};
}

}  // namespace cogwatch::remote
