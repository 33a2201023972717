#include "remote/query_datasource.h"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cmath>
#include <mutex>
#include <optional>
#include <variant>

#include "model/value.h"
#include "net/http_client.h"

namespace cogwatch::remote {

// One kept-alive connection, driven by the caller's thread for the length
// of each query.
struct QueryDatasource::Connection {
  std::mutex mu;
  boost::asio::io_context io;
  net::HttpClient client{io};
  std::atomic<bool> cancelled{false};
};

QueryDatasource::QueryDatasource(QueryDatasourceOptions options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {}

QueryDatasource::~QueryDatasource() = default;

Result<std::shared_ptr<QueryDatasource>> QueryDatasource::make(QueryDatasourceOptions options) {
  // The URL is checked now, so a bad flag fails start rather than every
  // evaluation (without the auth settings: their files are read per query).
  QueryEndpoint url_only{.url = options.endpoint.url};
  if (auto request = make_query_request(url_only, "1", 0); !request) return request.take_error();
  return std::shared_ptr<QueryDatasource>(new QueryDatasource(std::move(options)));
}

void QueryDatasource::cancel() {
  connection_->cancelled = true;  // before stop(): a query that restarts the io_context after it sees the flag
  connection_->io.stop();
}

Result<eval::Value> QueryDatasource::instant(std::string_view query, Timestamp t) const {
  auto request = make_query_request(options_.endpoint, query, t);
  if (!request) return request.take_error();
  std::lock_guard lock(connection_->mu);
  connection_->io.restart();
  const auto cancelled = [] { return make_error(ErrorCode::kCanceled, "queries cancelled"); };
  if (connection_->cancelled) return cancelled();
  std::optional<Result<net::HttpClientResponse>> response;
  connection_->client.send(*std::move(request), [&](Result<net::HttpClientResponse> r) { response = std::move(r); });
  // The request's timeout bounds this: the client calls back once, with
  // an error at the latest when the deadline passes; cancel() stops the
  // io_context sooner.
  while (!response && connection_->io.run_one() > 0) {
  }
  if (!response) return cancelled();
  if (!*response) return response->take_error();
  return parse_query_response((*response)->status, (*response)->reason, (*response)->body);
}

Result<eval::Vector> QueryDatasource::query(std::string_view text, const parser::Expr& /*expr*/, Timestamp t) const {
  auto value = instant(text, t);
  if (!value) return value.take_error();
  auto vector = rules::as_rule_vector(*std::move(value));
  if (!vector) return vector.take_error();
  // Stamped with the evaluation time, as the local engine stamps them
  // (the API prints the same time; this spares its rounding).
  for (eval::Sample& s : *vector) s.t = t;
  return vector;
}

Result<rules::NewestSamples> QueryDatasource::newest_samples(const std::vector<LabelMatcher>& matchers, Timestamp from,
                                                             Timestamp to, const Labels& external_labels) const {
  rules::NewestSamples newest;
  if (options_.local_state != nullptr) {
    auto local = rules::LocalDatasource(*options_.local_state).newest_samples(matchers, from, to, external_labels);
    if (!local) return local.take_error();
    newest = *std::move(local);
  }
  // The backend's, for the series the local store does not have.
  std::string selector;
  auto add = [&selector](const LabelMatcher& m) { selector += (selector.empty() ? "{" : ",") + m.to_string(); };
  for (const LabelMatcher& m : matchers) add(m);
  for (const Label l : external_labels) {
    add(*LabelMatcher::make(MatchType::kEqual, std::string(l.name), std::string(l.value)));
  }
  if (selector.empty()) return newest;
  // [from, to] as a range selector ends at `to` and starts just after
  // `to - range`: one millisecond more takes `from` in.
  selector += "}[" + format_duration(to - from + 1) + "]";
  auto value = instant(selector, to);
  if (!value) {
    if (newest.empty()) return value.take_error();
    return newest;  // what the local store had
  }
  auto* matrix = std::get_if<eval::Matrix>(&*value);
  if (matrix == nullptr) {
    if (newest.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "unexpected response: a range selector's result is not a matrix");
    }
    return newest;
  }
  for (eval::Series& s : *matrix) {
    if (s.points.empty()) continue;
    LabelsBuilder b(s.labels);
    for (const Label l : external_labels) b.del(l.name);
    const eval::Point last = s.points.back();
    newest.try_emplace(b.build(), last.t, std::isfinite(last.v) ? last.v : stale_nan());
  }
  return newest;
}

}  // namespace cogwatch::remote
