// The bodies of Prometheus's remote-write protocol, 1.0 and 2.0: what a
// sender POSTs and a receiver reads. A body is a protobuf message
// (remote/proto/*.proto, field numbers from the specifications) compressed
// with snappy's block format (`Content-Encoding: snappy`); the
// Content-Type says which message it is.
//
//   std::string body = encode_write_request(series, WriteProtocol::kV2);
//   // POST with Content-Type: content_type(kV2), Content-Encoding: snappy,
//   //           X-Prometheus-Remote-Write-Version: protocol_version(kV2)
//   auto protocol = protocol_of_content_type(request.content_type);   // 415 when unknown
//   auto decoded = decode_write_request(request.body, *protocol);      // 400 when bad
//
// Thread-safety: pure functions.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "model/time.h"

namespace cogwatch::remote {

enum class WriteProtocol : uint8_t {
  kV1,  // prometheus.WriteRequest
  kV2,  // io.prometheus.write.v2.Request
};

struct WriteSample {
  Timestamp t = 0;
  double v = 0;
};

// A native histogram sample: integer (count_int, bucket deltas on the
// wire) or float (count_float, absolute counts). A stale marker is one
// whose sum is the stale NaN, as Prometheus sends it.
struct WriteHistogram {
  Timestamp t = 0;
  std::variant<Histogram, FloatHistogram> h;

  bool is_float() const { return h.index() == 1; }
};

// A series' metadata: 2.0 carries it with every series, 1.0 per metric
// family in requests of their own (WriteMetadata).
enum class MetricType : uint8_t { kUnknown, kCounter, kGauge, kHistogram, kGaugeHistogram, kSummary, kInfo, kStateset };

// A receiver appends a series' samples, then its histograms (as
// Prometheus's does): a sender whose series has a float after a histogram
// sends it in another WriteSeries with the same labels.
struct WriteSeries {
  Labels labels;
  std::vector<WriteSample> samples;  // oldest first
  std::vector<WriteHistogram> histograms;  // oldest first
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
};

// One metric family's metadata as 1.0 sends it (prometheus.MetricMetadata).
struct WriteMetadata {
  std::string family;  // metric_family_name
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
  friend auto operator<=>(const WriteMetadata&, const WriteMetadata&) = default;
};

// What a body held. Exemplars are counted only: cogwatch does not store
// them.
struct DecodedWrite {
  std::vector<WriteSeries> series;
  uint64_t samples = 0;
  uint64_t exemplars = 0;
  uint64_t histograms = 0;  // of both kinds
  std::vector<WriteMetadata> metadata;  // 1.0's
};

// "application/x-protobuf" for 1.0, with ";proto=io.prometheus.write.v2.Request" for 2.0.
std::string_view content_type(WriteProtocol p);
// The X-Prometheus-Remote-Write-Version header: "0.1.0" for 1.0, "2.0.0" for 2.0.
std::string_view protocol_version(WriteProtocol p);

// The protocol a request's Content-Type names, as the 2.0 specification
// reads it: none or "application/x-protobuf" alone is 1.0 (what 1.0
// senders send); a `proto` parameter names the message. Errors:
// kInvalidArgument, "unsupported Content-Type ..." (answer 415).
Result<WriteProtocol> protocol_of_content_type(std::string_view content_type);

// The snappy-compressed body. Series are written as given (labels sorted,
// as Labels are; samples and histograms in the order given; a histogram's
// fields as they are, so one that fails validate() is sent as it is).
std::string encode_write_request(const std::vector<WriteSeries>& series, WriteProtocol p);

// 1.0 only: a body of metadata alone, as Prometheus sends every
// metadata_config.send_interval.
std::string encode_metadata_request(const std::vector<WriteMetadata>& metadata);

// Reads a snappy-compressed body. Errors (kInvalidArgument, answer 400):
// "snappy: corrupt input", "decoded size N exceeds the limit M",
// "protobuf: cannot parse ...", and for 2.0 a label or metadata reference
// outside `symbols`, an odd number of label references; for both, a series
// without labels, an empty or repeated label name, a label value that is
// not UTF-8... ("series 3: ..."). Histograms are read as Prometheus reads
// them (the count's oneof member says integer or float; an integer one's
// bucket deltas, a float one's counts) and not validated here: the store
// does that when it appends them. `max_decoded_bytes` bounds what snappy
// may expand the body to.
Result<DecodedWrite> decode_write_request(std::string_view body, WriteProtocol p,
                                          size_t max_decoded_bytes = 32u << 20);

}  // namespace cogwatch::remote
