// What the query API has read since start: the metric names its queries'
// selectors name, and the __name__ patterns they select by — the half of
// the Status page's "metrics nothing reads" that rules do not tell (their
// expressions are in /api/v1/rules). Served by the query API at
// GET /api/v1/status/metric_reads (cogwatch's own endpoint):
//
//   {"status":"success","data":{"names":["up",...],"patterns":[{"type":"=~","value":"cog_.*"}],"truncated":false}}
//
// Bounded: past 10,000 distinct entries nothing more is kept, and
// "truncated" says so.
//
// Thread-safety: record() and to_json() from any thread.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "parser/ast.h"

namespace cogwatch::server {

class MetricReads {
 public:
  void record(const parser::Expr& expr);
  // The "data" object above.
  std::string to_json() const;

 private:
  static constexpr size_t kMaxEntries = 10'000;
  mutable std::mutex mu_;
  std::set<std::string> names_;
  std::set<std::pair<std::string, std::string>> patterns_;  // (=~, !~ or !=, value)
  bool truncated_ = false;
};

}  // namespace cogwatch::server
