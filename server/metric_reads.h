// What the query API has read since start: the metric names its queries'
// selectors name, and the __name__ patterns they select by — the half of
// the Status page's "metrics nothing reads" that rules do not tell (their
// expressions are in /api/v1/rules), and /federate's match[]. Served by the query API at
// GET /api/v1/status/metric_reads (cogwatch's own endpoint):
//
//   {"status":"success","data":{"names":["up",...],"patterns":[{"type":"=~","value":"cog_.*"}],"truncated":false}}
//
// Bounded (anyone who can query can add to it): entries longer than 256
// bytes are not kept, nor anything past 10,000 entries or 1 MiB in all;
// "truncated" says something was left out.
//
// Thread-safety: record() and to_json() from any thread.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "parser/ast.h"

namespace cogwatch::server {

class MetricReads {
 public:
  void record(const parser::Expr& expr);
  // A selector's matchers (/federate's match[]).
  void record(const std::vector<LabelMatcher>& matchers);
  // The "data" object above.
  std::string to_json() const;

 private:
  static constexpr size_t kMaxEntries = 10'000;
  static constexpr size_t kMaxEntryBytes = 256;
  static constexpr size_t kMaxBytes = 1 << 20;
  void add(std::vector<std::string> names, std::vector<std::pair<std::string, std::string>> patterns);
  bool room_for(size_t bytes);  // REQUIRES: mu_ held
  size_t bytes_ = 0;
  mutable std::mutex mu_;
  std::set<std::string> names_;
  std::set<std::pair<std::string, std::string>> patterns_;  // (=~, !~ or !=, value)
  bool truncated_ = false;
};

}  // namespace cogwatch::server
