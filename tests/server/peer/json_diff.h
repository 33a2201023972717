// Structural comparison of two API answers (cogwatch's and Prometheus's):
// the same keys and value kinds everywhere, equal strings and booleans,
// sample values equal within a tolerance, with named exceptions.
//
//   DiffOptions o{.times = {"lastScrape"}, .added_in_3 = {"scrapeInterval"}};
//   for (const std::string& d : json_diff(cogwatch_body, prometheus_body, o)) ADD_FAILURE() << d;
//
// Arrays of objects are compared as multisets: both sides are sorted by
// each element's canonical text (keys in `times` and sample values left
// out) before they are compared element by element, so Go's map order
// and target order do not matter. Arrays of strings keep their order
// (label names and values are sorted by both servers).
// Sample values are "value": [t, "v"], "values": [[t, "v"], ...] and the
// [t, "v"] of a scalar or string result: the time is compared by kind,
// the value as a number within `tolerance` (NaN equals NaN), or, when it
// is no number, as a string.
#pragma once

#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <vector>

namespace cogwatch::server::peer {

struct DiffOptions {
  // Keys whose values necessarily differ between the two servers (times,
  // durations, URLs with ports): compared by kind only.
  std::set<std::string> times;
  // Keys cogwatch writes (as Prometheus 3 does) that Prometheus 2.42 does
  // not: allowed to be missing on Prometheus's side.
  std::set<std::string> added_in_3;
  // Relative tolerance of sample values; negative: sample values are
  // compared by kind only (counters scraped at different instants).
  double tolerance = 1e-9;
};

// Every difference, as "path: what" ("data.result[0].metric: key \"job\"
// only in Prometheus"); empty when the two agree.
std::vector<std::string> json_diff(const boost::json::value& cogwatch, const boost::json::value& prometheus,
                                   const DiffOptions& options);

}  // namespace cogwatch::server::peer
