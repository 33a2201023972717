#include "net/discovery.h"

#include "model/file.h"
#include "model/yaml.h"

namespace cogwatch::net {
namespace {

struct FileSdError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const YAML::Node& at, const std::string& what) {
  const YAML::Mark m = at.Mark();
  throw FileSdError{path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " + what};
}

}  // namespace

bool has_no_relabel_configs(const YamlReader::Fields& config) {
  return !config.has("relabel_configs") || config.get("relabel_configs").size() == 0;
}

std::vector<StaticConfig> read_static_configs(const YamlReader& reader, const YAML::Node& list, bool check_addresses) {
  std::vector<StaticConfig> out;
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) reader.fail(list, "static_configs must be a list");
  for (const auto& item : list) {
    YamlReader::Fields sc(reader, item, "static config", {"targets", "labels"});
    StaticConfig c;
    c.targets = sc.strings("targets");
    for (size_t i = 0; i < c.targets.size(); ++i) {
      // Prometheus's CheckTargetAddress: users putting URLs in target groups.
      if (check_addresses && c.targets[i].find('/') != std::string::npos) {
        reader.fail(sc.get("targets")[i], "\"" + c.targets[i] + "\" is not a valid hostname");
      }
    }
    c.labels = reader.labels(sc.get("labels"), "labels");
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<FileSdConfig> read_file_sd_configs(const YamlReader& reader, const YAML::Node& list) {
  std::vector<FileSdConfig> out;
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) reader.fail(list, "file_sd_configs must be a list");
  for (const auto& item : list) {
    YamlReader::Fields fc(reader, item, "file_sd config", {"files", "refresh_interval"});
    FileSdConfig c;
    c.files = fc.strings("files");
    for (size_t i = 0; i < c.files.size(); ++i) {
      const std::string& path = c.files[i];
      if (!(path.ends_with(".json") || path.ends_with(".yml") || path.ends_with(".yaml"))) {
        reader.fail(fc.get("files")[i], "path \"" + path + "\" is not valid for file discovery (.json, .yml or .yaml)");
      }
    }
    c.refresh_interval = fc.duration("refresh_interval", c.refresh_interval);
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<Labels>> parse_file_sd(std::string_view content, const std::string& path) {
  const bool yaml = path.ends_with(".yml") || path.ends_with(".yaml");
  if (!yaml && !path.ends_with(".json")) {
    return make_error(ErrorCode::kInvalidArgument, path + ": not a .json, .yml or .yaml file");
  }
  std::vector<Labels> out;
  try {
    // JSON is YAML: one parser reads both, with positions.
    const YAML::Node root = load_yaml(content);
    if (!root || root.IsNull()) return out;
    if (!root.IsSequence()) fail(path, root, "expected a list of target groups");
    for (const auto& group : root) {
      if (!group.IsMap()) fail(path, group, "a target group must be a mapping");
      LabelsBuilder base;
      for (const auto& kv : group) {
        const std::string key = kv.first.as<std::string>();
        if (key != "targets" && key != "labels") fail(path, kv.first, "unknown field \"" + key + "\" in target group");
      }
      if (const YAML::Node labels = group["labels"]; labels && !labels.IsNull()) {
        if (!labels.IsMap()) fail(path, labels, "labels must be a mapping");
        for (const auto& kv : labels) {
          const std::string name = kv.first.as<std::string>();
          if (!is_valid_label_name(name)) fail(path, kv.first, "invalid label name \"" + name + "\"");
          base.set(name, kv.second.as<std::string>());
        }
      }
      base.set("__meta_filepath", path);
      const YAML::Node targets = group["targets"];
      if (!targets || !targets.IsSequence()) fail(path, group, "a target group needs a list of targets");
      for (const auto& t : targets) {
        const std::string address = t.as<std::string>();
        if (address.empty() || address.find('/') != std::string::npos) {
          fail(path, t, "\"" + address + "\" is not a valid hostname");
        }
        out.push_back(LabelsBuilder(base.build()).set("__address__", address).build());
      }
    }
  } catch (const FileSdError& e) {
    return make_error(ErrorCode::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return out;
}

Result<std::vector<Labels>> read_file_sd(const std::vector<std::string>& globs, const std::string& base_dir) {
  std::vector<Labels> out;
  for (const std::string& pattern : globs) {
    auto paths = expand_glob(pattern, base_dir);
    if (!paths) return paths.take_error();
    for (const std::string& path : *paths) {
      auto content = read_file(path);
      if (!content) return content.take_error();
      auto groups = parse_file_sd(*content, path);
      if (!groups) return groups.take_error();
      out.insert(out.end(), groups->begin(), groups->end());
    }
  }
  return out;
}

Result<std::vector<Labels>> discover_targets(const std::vector<StaticConfig>& static_configs,
                                             const std::vector<FileSdConfig>& file_sd_configs,
                                             const std::string& base_dir) {
  std::vector<Labels> discovered;
  for (const StaticConfig& group : static_configs) {
    for (const std::string& address : group.targets) {
      discovered.push_back(LabelsBuilder(group.labels).set("__address__", address).build());
    }
  }
  for (const FileSdConfig& sd : file_sd_configs) {
    auto groups = read_file_sd(sd.files, base_dir);
    if (!groups) return groups.take_error();
    discovered.insert(discovered.end(), groups->begin(), groups->end());
  }
  return discovered;
}

}  // namespace cogwatch::net
