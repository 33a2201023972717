#include "scrape/target.h"

#include <algorithm>
#include <vector>

namespace cogwatch::scrape {

Labels prerelabel_labels(const ScrapeConfig& config, const Labels& discovered) {
  LabelsBuilder b(discovered);
  auto set_default = [&](std::string_view name, std::string_view value) {
    if (b.get(name).empty()) b.set(name, value);
  };
  set_default("job", config.job_name);
  set_default("__scrape_interval__", format_duration(config.scrape_interval));
  set_default("__scrape_timeout__", format_duration(config.scrape_timeout));
  set_default("__metrics_path__", config.metrics_path);
  set_default("__scheme__", config.scheme);
  for (const auto& [name, values] : config.params) {
    if (!values.empty()) set_default("__param_" + name, values.front());
  }
  return b.build();
}

Result<std::optional<Labels>> target_labels(const ScrapeConfig& config, const Labels& discovered) {
  auto relabelled = net::relabel(prerelabel_labels(config, discovered), config.relabel_configs);
  if (!relabelled) return std::optional<Labels>();
  LabelsBuilder b(*relabelled);
  auto set_default = [&](std::string_view name, std::string_view value) {
    if (b.get(name).empty()) b.set(name, value);
  };

  const std::string address(b.get("__address__"));
  if (address.empty()) return make_error(ErrorCode::kInvalidArgument, "no address");
  if (address.find('/') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "\"" + address + "\" is not a valid hostname");
  }
  const std::string interval(b.get("__scrape_interval__")), timeout(b.get("__scrape_timeout__"));
  auto i = parse_duration(interval);
  if (!i) return make_error(ErrorCode::kInvalidArgument, "error parsing scrape interval: " + i.error().message);
  if (*i == 0) return make_error(ErrorCode::kInvalidArgument, "scrape interval cannot be 0");
  auto t = parse_duration(timeout);
  if (!t) return make_error(ErrorCode::kInvalidArgument, "error parsing scrape timeout: " + t.error().message);
  if (*t == 0) return make_error(ErrorCode::kInvalidArgument, "scrape timeout cannot be 0");
  if (*t > *i) {
    return make_error(ErrorCode::kInvalidArgument, "scrape timeout cannot be greater than scrape interval (\"" +
                                                       timeout + "\" > \"" + interval + "\")");
  }
  // Discovery metadata goes after relabelling.
  std::vector<std::string> meta;
  for (const Label l : b.build()) {
    if (l.name.starts_with("__meta_")) meta.emplace_back(l.name);
  }
  for (const std::string& name : meta) b.del(name);
  set_default("instance", address);
  return std::optional<Labels>(b.build());
}

Labels public_labels(const Labels& target) {
  LabelsBuilder b(target);
  for (const Label l : target) {
    if (l.name.starts_with("__")) b.del(l.name);
  }
  return b.build();
}

Labels merge_target_labels(const Labels& sample, const Labels& target_public, bool honor_labels) {
  LabelsBuilder b(sample);
  if (honor_labels) {
    for (const Label l : target_public) {
      if (!sample.has(l.name)) b.set(l.name, l.value);
    }
    return b.build();
  }
  std::vector<Label> clashes;  // the sample's values of labels the target sets
  for (const Label l : target_public) {
    if (sample.has(l.name)) clashes.push_back({l.name, sample.get(l.name)});
    b.set(l.name, l.value);
  }
  // Shorter names first, as Prometheus: "exported_a" cannot then be taken
  // by a later, longer clash.
  std::stable_sort(clashes.begin(), clashes.end(),
                   [](const Label& x, const Label& y) { return x.name.size() < y.name.size(); });
  for (const Label& l : clashes) {
    std::string name(l.name);
    do {
      name = "exported_" + name;
    } while (!b.get(name).empty());
    b.set(name, l.value);
  }
  return b.build();
}

}  // namespace cogwatch::scrape
