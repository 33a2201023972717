// file_sd_configs: target groups read from JSON or YAML files, as
// Prometheus's file discovery reads them:
//
//   [{"targets": ["10.0.0.1:5000"], "labels": {"env": "prod"}}]
//
// Each target becomes a label set with __address__, the group's labels and
// __meta_filepath (dropped after relabelling, like every __meta_ label).
// Watching the files for changes belongs to the scrape manager.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

namespace cogwatch::scrape {

// Parses one file's content; `path` decides the format (.json, or .yml /
// .yaml) and is reported in errors ("targets.json:3:5: ...") and in
// __meta_filepath. Errors: kInvalidArgument.
Result<std::vector<Labels>> parse_file_sd(std::string_view content, const std::string& path);

// Reads every file matching the globs (relative ones resolved against
// base_dir). A file that fails to parse is an error naming it; a glob that
// matches nothing yields nothing, as in Prometheus.
Result<std::vector<Labels>> read_file_sd(const std::vector<std::string>& globs, const std::string& base_dir);

}  // namespace cogwatch::scrape
