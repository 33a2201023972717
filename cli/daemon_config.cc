#include "cli/daemon_config.h"

#include <algorithm>

#include "model/file.h"
#include "model/yaml_reader.h"
#include "template/template.h"

namespace cogwatch::cli {
namespace {

void add_error(std::vector<std::string>& errors, std::string message) {
  // The three sections are read by three parsers of the same text; a
  // problem of the whole file (a non-mapping root) is said once.
  if (std::find(errors.begin(), errors.end(), message) == errors.end()) errors.push_back(std::move(message));
}

std::string place(const std::string& filename, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return filename + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

// The rule_files entries' nodes, for the places of their errors (the text
// has parsed by now, so this cannot fail).
std::vector<YAML::Node> rule_file_nodes(const std::string& text, const std::string& filename) {
  auto nodes = read_yaml_document(text, filename, [](const YamlReader&, const YAML::Node& root) {
    std::vector<YAML::Node> out;
    if (root.IsMap() && root["rule_files"] && root["rule_files"].IsSequence()) {
      for (const auto& n : root["rule_files"]) out.push_back(n);
    }
    return out;
  });
  return nodes ? *nodes : std::vector<YAML::Node>{};
}

// Expands the rule_files patterns and parses every file found; a pattern
// without '*' must name a file (promtool's rule).
void read_rule_files(DaemonConfigReport& report, const std::string& filename) {
  DaemonConfig& c = report.config;
  const std::vector<YAML::Node> nodes = rule_file_nodes(c.text, filename);
  rules::RuleFileOptions options;
  options.check_template = tmpl::check_alert_template;
  std::vector<std::string> paths;
  for (size_t i = 0; i < c.scrape.rule_files.size(); ++i) {
    const std::string& pattern = c.scrape.rule_files[i];
    const std::string at = i < nodes.size() ? place(filename, nodes[i]) : filename + ": ";
    auto found = expand_glob(pattern, c.dir);
    if (!found) {
      add_error(report.errors, at + found.error().message);
      continue;
    }
    if (pattern.find('*') == std::string::npos && found->empty()) {
      const std::string shown = pattern.starts_with("/") || c.dir.empty() ? pattern : c.dir + "/" + pattern;
      add_error(report.errors, at + "\"" + shown + "\" does not point to an existing file");
      continue;
    }
    paths.insert(paths.end(), found->begin(), found->end());
  }
  if (!report.errors.empty()) return;
  for (const std::string& path : paths) c.rule_files.push_back(rules::load_rule_file(path, options));
}

}  // namespace

bool DaemonConfigReport::ok() const {
  return errors.empty() && std::all_of(config.rule_files.begin(), config.rule_files.end(),
                                       [](const rules::RuleFile& f) { return f.ok(); });
}

std::string DaemonConfigReport::error_text() const {
  std::string out;
  auto line = [&](const std::string& e) { out += (out.empty() ? "" : "\n") + e; };
  for (const std::string& e : errors) line(e);
  for (const rules::RuleFile& f : config.rule_files) {
    for (const std::string& e : f.errors) line(e);
  }
  return out;
}

std::string config_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  std::string dir = path.substr(0, slash);
  return dir == "." ? "" : dir;
}

DaemonConfigReport read_daemon_config(std::string text, const std::string& filename, const std::string& base_dir,
                                      const DaemonConfigOptions& options) {
  DaemonConfigReport report;
  DaemonConfig& c = report.config;
  c.dir = base_dir;
  c.text = std::move(text);
  // A file that is not YAML is one error, not one per section.
  if (auto syntax = read_yaml_document(c.text, filename, [](const YamlReader&, const YAML::Node&) { return 0; });
      !syntax) {
    report.errors.push_back(syntax.error().message);
    return report;
  }
  if (auto s = scrape::parse_config(c.text, filename); s) {
    c.scrape = std::move(*s);
    c.warnings = c.scrape.warnings;
  } else {
    add_error(report.errors, s.error().message);
  }
  if (auto a = notify::parse_alerting_config(c.text, filename); a) {
    c.alerting = std::move(*a);
  } else {
    add_error(report.errors, a.error().message);
  }
  if (auto rw = remote::parse_remote_write_configs(c.text, filename); rw) {
    c.remote_write = std::move(*rw);
  } else {
    add_error(report.errors, rw.error().message);
  }
  if (auto n = notify::parse_notify_section(c.text, filename); n) {
    c.notify = std::move(*n);
  } else {
    add_error(report.errors, n.error().message);
  }
  if (report.errors.empty() && options.read_rule_files) read_rule_files(report, filename);
  return report;
}

Result<DaemonConfig> parse_daemon_config(std::string text, const std::string& filename, const std::string& base_dir) {
  DaemonConfigReport report = read_daemon_config(std::move(text), filename, base_dir);
  if (!report.ok()) return make_error(ErrorCode::kInvalidArgument, report.error_text());
  return std::move(report.config);
}

Result<DaemonConfig> load_daemon_config(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto config = parse_daemon_config(std::move(*text), path, config_dir(path));
  if (config) config->path = path;
  return config;
}

}  // namespace cogwatch::cli
