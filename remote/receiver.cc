#include "remote/receiver.h"

#include <string>

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
  // sender drops the request instead of retrying it forever).
  auto app = store_.appender();
  for (const WriteSeries& s : decoded->series) {
    tsdb::SeriesRef ref = 0;
    for (const WriteSample& x : s.samples) {
      auto r = ref != 0 ? app->append(ref, x.t, x.v) : app->append(s.labels, x.t, x.v);
      if (!r) {
        app->rollback();
        return fail(400, r.error().message);  // it names the series
      }
      ref = *r;
    }
  }
  const tsdb::CommitResult committed = app->commit();
  samples_ += committed.appended;
  exemplars_ += decoded->exemplars;
  histograms_ += decoded->histograms;
  net::HttpResponse r = answer(204);
  if (*protocol == WriteProtocol::kV2) {
    r.headers.emplace_back("X-Prometheus-Remote-Write-Samples-Written", std::to_string(committed.appended));
    r.headers.emplace_back("X-Prometheus-Remote-Write-Histograms-Written", "0");
    r.headers.emplace_back("X-Prometheus-Remote-Write-Exemplars-Written", "0");
  }
  return r;
}

ReceiverCounters WriteReceiver::counters() const {
  return {.requests = requests_.load(),
          .requests_failed = failed_.load(),
          .samples_written = samples_.load(),
          .exemplars_dropped = exemplars_.load(),
          .histograms_dropped = histograms_.load()};
}

}  // namespace cogwatch::remote
