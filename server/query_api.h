// The query side of Prometheus's HTTP API as socket-free handlers:
//
//   GET|POST /api/v1/query          instant query (query, time, timeout, limit, stats, lookback_delta)
//   GET|POST /api/v1/query_range    range query (query, start, end, step, timeout, limit, stats, lookback_delta)
//   GET|POST /api/v1/format_query   the expression printed back
//   GET|POST /api/v1/parse_query    the expression's tree as Prometheus 3's UI reads it
//   GET|POST /api/v1/query_exemplars   parameters checked; always empty (no exemplars are kept)
//   GET|POST /api/v1/series         series matching match[] (start, end, limit)
//   GET|POST /api/v1/labels         label names (match[], start, end, limit)
//   GET      /api/v1/label/<name>/values   (match[], start, end, limit)
//   GET      /federate              the latest sample of each series matching match[]: text format, or
//                                   protobuf (native histograms) when the Accept header asks for it
//
// Parameters, errors, status codes and bodies are Prometheus 3's (web/api/v1
// and web/federate.go at the commit of ../shared/conformance); where cogwatch
// differs, docs/architecture.md (server/) says how.
//
//   QueryApi api({.querier = head, .now = [&] { return clock.now(); }});
//   net::HttpHandler h = [&](const net::HttpRequest& r) {
//     if (auto response = api.handle(r)) return *response;
//     return other(r);
//   };
//
// Queries are bounded three ways: at most max_concurrency evaluate at once
// (the others wait, without spinning, until a slot frees or their deadline
// passes: 503 timeout "query timed out in query queue"); each has a
// deadline of min(timeout, query_timeout) from its arrival, which the
// engine checks as it evaluates (503 "query timed out in expression
// evaluation"); and the engine's max_samples (422).
//
// Thread-safety: handle() may be called from any number of threads at
// once; the querier must allow concurrent reads (tsdb::Head does).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eval/engine.h"
#include "model/labels.h"
#include "model/time.h"
#include "net/http_message.h"
#include "server/metric_reads.h"
#include "tsdb/querier.h"

namespace cogwatch::server {

struct QueryApiOptions {
  const tsdb::Querier& querier;
  // Lookback delta, max_samples (--query.max-samples), subquery step.
  eval::EngineOptions engine;
  // The longest a query may take, wait included (--query.timeout, 2m); a
  // request's `timeout` can only shorten it.
  Duration query_timeout = 2 * kMinute;
  // Queries evaluated at once (--query.max-concurrency, 20); at least 1.
  size_t max_concurrency = 20;
  // The time of an instant query without `time`, and of /federate. Empty:
  // the system clock.
  std::function<Timestamp()> now;
  // Added by /federate to each series that lacks them (global.external_labels).
  Labels external_labels;
  // Records what query and query_range read, and serves it at
  // /api/v1/status/metric_reads (server/metric_reads.h); null: neither.
  MetricReads* metric_reads = nullptr;
};

class QueryApi {
 public:
  explicit QueryApi(QueryApiOptions options);

  // The answer to a request for one of the paths above (any method: a
  // wrong one is 405), or nullopt for any other path.
  std::optional<net::HttpResponse> handle(const net::HttpRequest& request) const;

  // Queries evaluating now (for self metrics and tests).
  size_t active_queries() const;

 private:
  using SteadyClock = std::chrono::steady_clock;

  // A slot of the concurrency gate, released when destroyed.
  class Slot {
   public:
    explicit Slot(const QueryApi* api) : api_(api) {}
    Slot(Slot&& o) noexcept : api_(o.api_) { o.api_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    const QueryApi* api_;
  };
  // Waits for a slot until `deadline`; nullopt when it passed first.
  std::optional<Slot> acquire(SteadyClock::time_point deadline) const;

  net::HttpResponse query(const net::HttpRequest& request, bool range) const;
  net::HttpResponse format_query(const net::HttpRequest& request) const;
  net::HttpResponse parse_query(const net::HttpRequest& request) const;
  net::HttpResponse query_exemplars(const net::HttpRequest& request) const;
  net::HttpResponse series(const net::HttpRequest& request) const;
  net::HttpResponse label_names(const net::HttpRequest& request) const;
  net::HttpResponse label_values(const net::HttpRequest& request, std::string_view escaped_name) const;
  // What label_names and label_values share: match[], start, end and limit
  // read and checked; the sorted union of what `from_series` takes from
  // each series with samples in a bounded range, or of what `from_index`
  // gives for each match[] set (all series without match[]) otherwise.
  net::HttpResponse label_strings(
      const net::HttpRequest& request, const std::function<void(const Labels&, std::set<std::string>&)>& from_series,
      const std::function<std::vector<std::string>(const std::vector<LabelMatcher>&)>& from_index) const;
  net::HttpResponse federate(const net::HttpRequest& request) const;
  Timestamp now() const;

  QueryApiOptions options_;
  mutable std::mutex mu_;
  mutable std::condition_variable slot_freed_;
  mutable size_t active_ = 0;  // guarded by mu_
};

}  // namespace cogwatch::server
