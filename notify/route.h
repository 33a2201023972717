// The routing tree, as Alertmanager's dispatch.Route: every node with its
// options filled in from its parent (or Alertmanager's defaults: group_wait
// 30s, group_interval 5m, repeat_interval 4h), matching an alert's labels
// to the routes that take it.
//
//   auto root = Route::build(config.route);
//   for (const Route* r : root->match(alert.labels)) dispatch(alert, *r);
//
// Thread-safety: immutable after build(); shareable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/time.h"
#include "notify/config.h"
#include "notify/matchers.h"

namespace cogwatch::notify {

struct RouteOptions {
  std::string receiver;
  std::vector<std::string> group_by;  // sorted, unique
  bool group_by_all = false;
  Duration group_wait = 30 * kSecond;
  Duration group_interval = 5 * kMinute;
  Duration repeat_interval = 4 * kHour;
};

class Route {
 public:
  static std::unique_ptr<Route> build(const RouteConfig& config);

  const RouteOptions& options() const { return options_; }
  const AmMatchers& matchers() const { return matchers_; }  // sorted
  bool continue_matching() const { return continue_; }
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  const Route* parent() const { return parent_; }

  // Route.Match: the deepest routes that take the labels, depth first, a
  // matching child without `continue` ending the search among its
  // siblings; the route itself when none of its children match; empty when
  // its own matchers do not.
  std::vector<const Route*> match(const Labels& labels) const;

  // Route.Key(): the matchers of the route and its ancestors, "{}/{a=\"1\"}";
  // the first part of a notification's groupKey.
  std::string key() const;

  // The labels an alert is grouped by under this route: all of them with
  // group_by ['...'], else those named in group_by that the alert has.
  Labels group_labels(const Labels& alert_labels) const;

 private:
  Route(const RouteConfig& config, const Route* parent);

  const Route* parent_;
  RouteOptions options_;
  AmMatchers matchers_;
  bool continue_ = false;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace cogwatch::notify
