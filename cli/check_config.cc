#include "cli/check_config.h"

#include <filesystem>
#include <ostream>

#include "cli/check_rules.h"
#include "cli/config_lint.h"
#include "cli/daemon_config.h"
#include "cli/exit_codes.h"
#include "model/file.h"
#include "model/yaml_reader.h"
#include "net/discovery.h"

namespace cogwatch::cli {
namespace {

// What promtool looks at beyond the config's own syntax: the files it names.
struct FileFindings {
  std::vector<std::string> errors;    // "file:line:col: ..." (the config fails)
  std::vector<std::string> warnings;  // promtool's WARNINGs (file_sd patterns that match nothing)
};

class FileChecks {
 public:
  FileChecks(const DaemonConfig& c, std::string filename) : c_(c), file_(std::move(filename)) {}

  FileFindings run() {
    (void)read_yaml_document(c_.text, file_, [&](const YamlReader&, const YAML::Node& root) {
      if (!root.IsMap()) return 0;
      const YAML::Node jobs = root["scrape_configs"];
      for (size_t i = 0; jobs && i < jobs.size() && i < c_.scrape.scrape_configs.size(); ++i) {
        const scrape::ScrapeConfig& s = c_.scrape.scrape_configs[i];
        const YAML::Node job = jobs[i];
        secret_files(job, s.http_config);
        file_sd(job["file_sd_configs"], s.file_sd_configs, "scrape job \"" + s.job_name + "\"");
      }
      const YAML::Node alerting = root["alerting"];
      const YAML::Node ams = alerting && alerting.IsMap() ? alerting["alertmanagers"] : YAML::Node();
      for (size_t i = 0; ams && i < ams.size() && i < c_.alerting.alertmanagers.size(); ++i) {
        file_sd(ams[i]["file_sd_configs"], c_.alerting.alertmanagers[i].file_sd_configs, "alertmanager config");
      }
      return 0;
    });
    return std::move(found_);
  }

 private:
  std::string place(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
  }
  std::string resolved(const std::string& path) const {
    return path.starts_with("/") || c_.dir.empty() ? path : c_.dir + "/" + path;
  }
  void must_exist(const YAML::Node& at, const std::string& path, const std::string& what) {
    if (path.empty() || !at) return;
    std::error_code ec;
    if (!std::filesystem::exists(resolved(path), ec)) {
      found_.errors.push_back(place(at) + "error checking " + what + " \"" + path + "\": \"" + resolved(path) +
                              "\" does not exist");
    }
  }

  // promtool checks the scrape configs' credentials file and client
  // certificate files (not basic_auth's password_file).
  void secret_files(const YAML::Node& job, const net::HttpClientConfig& http) {
    if (http.authorization) {
      const YAML::Node auth = job["authorization"];
      const YAML::Node at = auth && auth.IsMap() && auth["credentials_file"] ? auth["credentials_file"]
                                                                             : job["bearer_token_file"];
      must_exist(at, http.authorization->credentials_file, "authorization credentials or bearer token file");
    }
    const YAML::Node tls = job["tls_config"];
    if (!tls || !tls.IsMap()) return;
    must_exist(tls["cert_file"], http.tls.cert_file, "client cert file");
    must_exist(tls["key_file"], http.tls.key_file, "client key file");
  }

  void file_sd(const YAML::Node& list, const std::vector<net::FileSdConfig>& configs, const std::string& owner) {
    for (size_t j = 0; list && j < list.size() && j < configs.size(); ++j) {
      const YAML::Node files = list[j]["files"];
      for (size_t k = 0; files && k < files.size() && k < configs[j].files.size(); ++k) {
        const std::string& pattern = configs[j].files[k];
        auto matched = expand_glob(pattern, c_.dir);
        if (matched && matched->empty()) {
          found_.warnings.push_back(place(files[k]) + "file \"" + resolved(pattern) + "\" for file_sd in " + owner +
                                    " does not exist");
          continue;
        }
        if (auto read = net::read_file_sd({pattern}, c_.dir); !read) {
          found_.errors.push_back(place(files[k]) + "checking SD file \"" + resolved(pattern) +
                                  "\": " + read.error().message);
        }
      }
    }
  }

  const DaemonConfig& c_;
  std::string file_;
  FileFindings found_;
};

struct Verdict {
  bool failed = false;
  bool warned = false;  // lint warnings (they fail with --strict)
};

Verdict check_one(const std::string& path, const CheckConfigOptions& options, std::ostream& out, std::ostream& err) {
  out << "Checking " << path << "\n";
  auto text = read_file(path);
  DaemonConfigReport report;
  if (text) {
    report = read_daemon_config(*text, path, config_dir(path), {.read_rule_files = !options.syntax_only});
  } else {
    report.errors.push_back(text.error().message);
  }
  FileFindings files;
  if (report.errors.empty() && !options.syntax_only) {
    files = FileChecks(report.config, path).run();
    report.errors.insert(report.errors.end(), files.errors.begin(), files.errors.end());
  }
  for (const std::string& w : files.warnings) out << "  WARNING: " << w << "\n";
  if (!report.errors.empty()) {
    out.flush();
    err << "  FAILED:\n";
    for (const std::string& e : report.errors) err << e << "\n";
    if (text) {
      for (const ConfigWarning& h : config_error_hints(*text, path)) err << "  HINT: " << h.text() << "\n";
    }
    err.flush();
    out << "\n";
    return {.failed = true, .warned = false};
  }
  const DaemonConfig& c = report.config;
  if (!c.rule_files.empty()) out << "  SUCCESS: " << c.rule_files.size() << " rule files found\n";
  out << " SUCCESS: " << path << " is valid prometheus config file syntax\n";
  for (const std::string& w : c.warnings) out << "  NOTE: " << w << "\n";
  Verdict v;
  if (options.lint == rules::LintSet::kAll) {
    for (const ConfigWarning& w : lint_config(c, path, !options.syntax_only)) {
      out << "  WARNING: " << w.text() << "\n";
      v.warned = true;
    }
  }
  out << "\n";
  for (const rules::RuleFile& f : c.rule_files) {
    const RuleFileVerdict r = report_rule_file(f, f.path, options.lint, out, err);
    v.failed = v.failed || r.failed;
    v.warned = v.warned || r.warned;
  }
  return v;
}

}  // namespace

int run_check_config(const CheckConfigOptions& options, std::ostream& out, std::ostream& err) {
  Verdict all;
  for (const std::string& path : options.files) {
    const Verdict v = check_one(path, options, out, err);
    all.failed = all.failed || v.failed;
    all.warned = all.warned || v.warned;
  }
  if (all.failed) return kExitFailed;
  if (all.warned && options.strict) return kExitLint;
  return kExitOk;
}

}  // namespace cogwatch::cli
