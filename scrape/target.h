// A scrape target's labels, derived as Prometheus derives them
// (scrape/target.go: PopulateLabels, mutateSampleLabels).
//
//   job, __address__, __scheme__, __metrics_path__, __param_<name>,
//   __scrape_interval__, __scrape_timeout__ and the static/file-sd labels
//   -> relabel_configs -> __meta_* dropped, instance defaults to the
//   address.
//
// Labels whose names start with "__" stay in the target's set (they say
// where and how to scrape) but never reach samples.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/labels.h"
#include "scrape/config.h"

namespace cogwatch::scrape {

// The labels relabelling starts from: the discovered ones with job,
// __scheme__, __metrics_path__, __scrape_interval__, __scrape_timeout__ and
// __param_<name> added where missing — what Prometheus's API shows as a
// target's discoveredLabels.
Labels prerelabel_labels(const ScrapeConfig& config, const Labels& discovered);

// The target's full label set, nullopt when relabelling dropped it.
// Errors (kInvalidArgument): no address left after relabelling, an address
// with a path, an interval or timeout label that does not parse or is 0, a
// timeout greater than the interval.
Result<std::optional<Labels>> target_labels(const ScrapeConfig& config, const Labels& discovered);

// The labels a target gives its samples: those not starting with "__".
Labels public_labels(const Labels& target);

// A scraped sample's labels with the target's labels applied. With
// honor_labels the sample's own labels win; otherwise the target's do, and
// a clashing sample label is kept as exported_<name> (exported_exported_...
// if that is taken too).
Labels merge_target_labels(const Labels& sample, const Labels& target_public, bool honor_labels);

}  // namespace cogwatch::scrape
