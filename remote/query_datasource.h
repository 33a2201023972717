// Rules over a remote data source (`--rules.datasource.url`): a
// rules::Datasource that sends each rule's expression, as written, to a
// Prometheus-API backend — a VictoriaMetrics cluster holding many regions,
// Mimir, Thanos, Prometheus — at the time Prometheus would evaluate it
// locally (the group's slot minus its query_offset), as vmalert does. What
// the rules produce is still stored locally, and leaves through
// remote_write (recording rules, ALERTS, ALERTS_FOR_STATE).
//
//   auto source = QueryDatasource::make({.endpoint = {.url = "http://victoria:8428"}, .local_state = &head});
//   group_options.datasource = *std::move(source);
//
// Restoring alert state after a restart (rules::Datasource::newest_samples)
// reads the local store first: it has the state series with their stale
// markers, which no backend's API shows. Series it does not have (a new
// box, a lost data directory) come from the backend: the newest raw
// sample of each in the window, through an instant query of a range
// selector. There the series carry this cogwatch's external labels (the
// queue added them), which must match — so give a central cogwatch an
// external label of its own, and the edges' state series are not taken
// for its own — and are removed.
//
// A backend that cannot answer the restore's query leaves what the local
// store had. Values a backend returns that are not finite numbers are
// taken as ended series (stale markers), which is what they are when a
// backend's raw output shows them at all.
//
// Thread-safety: queries are serialised on one connection (rules run on
// one thread); any thread may call, and cancel() from any thread.
#pragma once

#include <memory>

#include "remote/query_protocol.h"
#include "rules/datasource.h"
#include "tsdb/querier.h"

namespace cogwatch::remote {

struct QueryDatasourceOptions {
  QueryEndpoint endpoint;
  const tsdb::Querier* local_state = nullptr;  // read first when restoring alert state; may be null
};

class QueryDatasource final : public rules::Datasource {
 public:
  // Errors: the URL's (kInvalidArgument "invalid URL ...", "unsupported
  // protocol scheme ..."). Secret files are read at each query, not now.
  static Result<std::shared_ptr<QueryDatasource>> make(QueryDatasourceOptions options);

  // Ends the query in progress and fails every later one at once
  // ("queries cancelled"), so a shutdown does not wait out a backend's
  // timeouts rule by rule.
  void cancel();
  ~QueryDatasource() override;

  // Errors: the transport's (`Post "<url>": ...`), the backend's
  // ("bad_data: ..."), an answer that is not the API's.
  Result<eval::Vector> query(std::string_view text, const parser::Expr& expr, Timestamp t) const override;
  Result<rules::NewestSamples> newest_samples(const std::vector<LabelMatcher>& matchers, Timestamp from, Timestamp to,
                                              const Labels& external_labels) const override;

  const std::string& url() const { return options_.endpoint.url; }

 private:
  explicit QueryDatasource(QueryDatasourceOptions options);
  Result<eval::Value> instant(std::string_view query, Timestamp t) const;

  QueryDatasourceOptions options_;
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace cogwatch::remote
