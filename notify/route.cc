#include "notify/route.h"

#include <algorithm>

namespace cogwatch::notify {

std::unique_ptr<Route> Route::build(const RouteConfig& config) {
  return std::unique_ptr<Route>(new Route(config, nullptr));
}

Route::Route(const RouteConfig& config, const Route* parent) : parent_(parent) {
  if (parent != nullptr) options_ = parent->options_;
  if (!config.receiver.empty()) options_.receiver = config.receiver;
  if (config.group_by) {
    options_.group_by = *config.group_by;
    std::sort(options_.group_by.begin(), options_.group_by.end());
    options_.group_by.erase(std::unique(options_.group_by.begin(), options_.group_by.end()), options_.group_by.end());
    options_.group_by_all = false;
  }
  // As Alertmanager 0.25's NewRoute: a group_by naming labels replaces the
  // parent's and clears '...'; '...' is its own flag, which a child without
  // labels of its own keeps (with the parent's list beside it, unused).
  if (config.group_by_all) options_.group_by_all = true;
  if (config.group_wait) options_.group_wait = *config.group_wait;
  if (config.group_interval) options_.group_interval = *config.group_interval;
  if (config.repeat_interval) options_.repeat_interval = *config.repeat_interval;
  matchers_ = config.matchers;
  sort_matchers(matchers_);
  continue_ = config.continue_matching;
  for (const RouteConfig& child : config.routes) routes_.push_back(std::unique_ptr<Route>(new Route(child, this)));
}

std::vector<const Route*> Route::match(const Labels& labels) const {
  if (!all_match(matchers_, labels)) return {};
  std::vector<const Route*> all;
  for (const auto& child : routes_) {
    std::vector<const Route*> matches = child->match(labels);
    const bool matched = !matches.empty();
    all.insert(all.end(), matches.begin(), matches.end());
    if (matched && !child->continue_) break;
  }
  if (all.empty()) all.push_back(this);
  return all;
}

std::string Route::key() const {
  std::string out;
  if (parent_ != nullptr) out = parent_->key() + "/";
  out += matchers_string(matchers_);
  return out;
}

Labels Route::group_labels(const Labels& alert_labels) const {
  if (options_.group_by_all) return alert_labels;
  LabelsBuilder b;
  for (const std::string& name : options_.group_by) {
    const std::string_view v = alert_labels.get(name);
    if (alert_labels.has(name)) b.set(name, std::string(v));
  }
  return b.build();
}

}  // namespace cogwatch::notify
