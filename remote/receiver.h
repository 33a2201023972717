// The remote-write receiver (`--web.enable-remote-write-receiver`): POST
// /api/v1/write with a Remote-Write 1.0 or 2.0 body (remote/write_request.h)
// stores its samples and native histograms (integer ones as integer
// histograms, float ones as float histograms), all or nothing, as
// Prometheus's write handler does. Exemplars are counted, not stored.
//
//   WriteReceiver receiver(head, {});
//   net::HttpResponse r = receiver.handle(request);   // for POST /api/v1/write
//
// Answers, as the specifications and Prometheus 2.42 give them:
//   204  stored (2.0: X-Prometheus-Remote-Write-Samples-Written, -Histograms-Written
//        and -Exemplars-Written say how many; exemplars are not stored, so the
//        last is 0)
//   400  a body that does not decode, invalid labels, a sample the store refuses
//        (out of order, duplicate, out of bounds), or an invalid histogram
//        ("invalid histogram at timestamp T in series {...}: positive side: spans
//        need 3 buckets, have 2 buckets: ..."; negative counts, a bad schema,
//        custom bounds out of order, in Prometheus's words): nothing of the
//        request is stored, and the sender must not retry it
//   405  not a POST
//   413  a body over max_body_bytes
//   415  an unsupported Content-Type or Content-Encoding
// Histograms of schemas 9..52 (reserved for finer buckets) are reduced to
// schema 8 first, as Prometheus's receiver does.
//
// Thread-safety: handle() may be called from several threads at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "net/http_message.h"
#include "tsdb/appender.h"

namespace cogwatch::remote {

struct ReceiverOptions {
  size_t max_body_bytes = 32u << 20;     // compressed
  size_t max_decoded_bytes = 128u << 20;  // what snappy may expand it to
};

struct ReceiverCounters {
  uint64_t requests = 0;
  uint64_t requests_failed = 0;    // answered 4xx
  uint64_t samples_written = 0;
  uint64_t histograms_written = 0;  // of both kinds
  uint64_t exemplars_dropped = 0;   // received, not stored
};

class WriteReceiver {
 public:
  WriteReceiver(tsdb::AppenderFactory& store, ReceiverOptions options);

  net::HttpResponse handle(const net::HttpRequest& request);
  ReceiverCounters counters() const;

 private:
  tsdb::AppenderFactory& store_;
  const ReceiverOptions options_;
  std::atomic<uint64_t> requests_{0}, failed_{0}, samples_{0}, exemplars_{0}, histograms_{0};
};

}  // namespace cogwatch::remote
