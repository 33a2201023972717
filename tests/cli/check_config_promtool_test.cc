// `cogwatch check config` gives promtool check config's verdict: Debian's
// promtool (2.42, package prometheus, installed by scripts/setup-deps.sh)
// and cogwatch run on each config of a table, written to a temp dir, and
// must exit alike. A missing promtool fails the test: it is a dependency.
//
// Where Prometheus 3 (which cogwatch follows) and promtool 2.42 disagree,
// the case says so and each is held to its own verdict.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;
  std::map<std::string, std::string> files;  // c.yml and what it names
  int exit = 0;                              // both, unless promtool_exit says otherwise
  std::string flags = "--lint=none";
  int promtool_exit = -1;  // -1: as exit
};

const char* kRule = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m\n";

std::vector<Case> cases() {
  return {
      {.name = "good",
       .files = {{"c.yml", R"(global: {scrape_interval: 15s, evaluation_interval: 30s, external_labels: {site: a}}
rule_files: ['rules/*.yml']
alerting:
  alertmanagers:
  - static_configs: [{targets: ['am:9093']}]
    path_prefix: /am
scrape_configs:
- job_name: cog
  scrape_timeout: 5s
  static_configs: [{targets: ['cog:5000'], labels: {env: prod}}]
  relabel_configs: [{source_labels: [env], target_label: tier}]
  metric_relabel_configs: [{action: labeldrop, regex: trace_id}]
)"},
                 {"rules/a.yml", kRule}},
       .exit = 0},
      {.name = "empty file", .files = {{"c.yml", ""}}, .exit = 0},
      {.name = "unknown key",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  scrape_intervl: 10s\n"}},
       .exit = 1},
      {.name = "unknown top-level key", .files = {{"c.yml", "scrape_config: []\n"}}, .exit = 1},
      {.name = "bad duration", .files = {{"c.yml", "global: {scrape_interval: 10x}\n"}}, .exit = 1},
      {.name = "timeout longer than interval",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  scrape_interval: 10s\n  scrape_timeout: 11s\n"}},
       .exit = 1},
      {.name = "global timeout longer than interval",
       .files = {{"c.yml", "global: {scrape_interval: 5s, scrape_timeout: 6s}\n"}},
       .exit = 1},
      {.name = "duplicate job names", .files = {{"c.yml", "scrape_configs:\n- job_name: a\n- job_name: a\n"}}, .exit = 1},
      {.name = "bad regex",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  relabel_configs: [{source_labels: [a], regex: 'a('}]\n"}},
       .exit = 1},
      {.name = "bad relabel action",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  relabel_configs: [{source_labels: [a], action: shuffle}]\n"}},
       .exit = 1},
      {.name = "labeldrop with source_labels",
       .files = {{"c.yml",
                  "scrape_configs:\n- job_name: a\n  relabel_configs: [{action: labeldrop, source_labels: [trace_id]}]\n"}},
       .exit = 1},
      {.name = "replace without target_label",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  relabel_configs: [{source_labels: [a]}]\n"}},
       .exit = 1},
      {.name = "hashmod without modulus",
       .files = {{"c.yml",
                  "scrape_configs:\n- job_name: a\n  relabel_configs: [{action: hashmod, source_labels: [a], "
                  "target_label: b}]\n"}},
       .exit = 1},
      {.name = "target with a scheme",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  static_configs: [{targets: ['http://a:1']}]\n"}},
       .exit = 1},
      // Prometheus 3 refuses a scheme other than http and https; 2.42 takes any.
      {.name = "unsupported scheme (cogwatch refuses it, as Prometheus 3; 2.42 takes any)",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  scheme: ftp\n"}},
       .exit = 1,
       .promtool_exit = 0},
      {.name = "scrape_configs not a list", .files = {{"c.yml", "scrape_configs: {job_name: a}\n"}}, .exit = 1},
      {.name = "yaml syntax error", .files = {{"c.yml", "global:\n  scrape_interval: [15s\n"}}, .exit = 1},
      {.name = "missing rule file", .files = {{"c.yml", "rule_files: [missing.yml]\n"}}, .exit = 1},
      {.name = "missing rule file, syntax only",
       .files = {{"c.yml", "rule_files: [missing.yml]\n"}},
       .exit = 0,
       .flags = "--lint=none --syntax-only"},
      {.name = "rule pattern matching nothing", .files = {{"c.yml", "rule_files: ['none/*.yml']\n"}}, .exit = 0},
      {.name = "broken rule file",
       .files = {{"c.yml", "rule_files: ['rules/*.yml']\n"},
                 {"rules/a.yml", kRule},
                 {"rules/b.yml", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up(\n"}},
       .exit = 1},
      {.name = "rule file with an unknown field",
       .files = {{"c.yml", "rule_files: [r.yml]\n"}, {"r.yml", "groups:\n- name: g\n  rulez: []\n"}},
       .exit = 1},
      {.name = "duplicate rules, lint fatal",
       .files = {{"c.yml", "rule_files: [r.yml]\n"},
                 {"r.yml", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n  - record: a\n    expr: up\n"}},
       .exit = 3,
       .flags = "--lint=duplicate-rules --lint-fatal"},
      {.name = "duplicate rules, lint not fatal",
       .files = {{"c.yml", "rule_files: [r.yml]\n"},
                 {"r.yml", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n  - record: a\n    expr: up\n"}},
       .exit = 0,
       .flags = "--lint=duplicate-rules"},
      {.name = "unknown api_version",
       .files = {{"c.yml", "alerting:\n  alertmanagers:\n  - api_version: v3\n"}},
       .exit = 1},
      {.name = "bad alerting config (unknown field)",
       .files = {{"c.yml", "alerting:\n  alertmanagers:\n  - static_config: []\n"}},
       .exit = 1},
      {.name = "bad alerting config (scheme: cogwatch refuses it, as Prometheus 3; 2.42 takes any)",
       .files = {{"c.yml", "alerting:\n  alertmanagers:\n  - scheme: ftp\n"}},
       .exit = 1,
       .promtool_exit = 0},
      {.name = "bad alert_relabel_configs",
       .files = {{"c.yml", "alerting:\n  alert_relabel_configs: [{action: labelkeep, source_labels: [a]}]\n"}},
       .exit = 1},
      {.name = "file_sd pattern matching nothing",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: ['sd/*.json']}]\n"}},
       .exit = 0},
      {.name = "broken file_sd file",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: ['sd.json']}]\n"},
                 {"sd.json", "[{\"targets\": \"a:1\"}]\n"}},
       .exit = 1},
      {.name = "file_sd with a bad extension",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: ['sd.txt']}]\n"}},
       .exit = 1},
      {.name = "missing bearer_token_file",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  bearer_token_file: nope.txt\n"}},
       .exit = 1},
      {.name = "missing client certificate",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  tls_config: {cert_file: c.pem, key_file: k.pem}\n"}},
       .exit = 1},
      {.name = "missing client certificate, key present",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  tls_config: {cert_file: c.pem, key_file: k.pem}\n"},
                 {"k.pem", "key\n"}},
       .exit = 1},
      {.name = "client certificate and key present",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  tls_config: {cert_file: c.pem, key_file: k.pem}\n"},
                 {"c.pem", "cert\n"},
                 {"k.pem", "key\n"}},
       .exit = 0},
      {.name = "client certificate without key",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  tls_config: {cert_file: c.pem}\n"}},
       .exit = 1},
      {.name = "both bearer_token and bearer_token_file",
       .files = {{"c.yml", "scrape_configs:\n- job_name: a\n  bearer_token: x\n  bearer_token_file: y\n"}},
       .exit = 1},
      {.name = "sections cogwatch ignores",
       .files = {{"c.yml", "remote_write: [{url: 'http://x/api/v1/write'}]\nremote_read: [{url: 'http://x/read'}]\n"}},
       .exit = 0},
      // Prometheus 3 removed the v1 Alertmanager API; 2.42 still takes it.
      {.name = "v1 api_version (refused since Prometheus 3)",
       .files = {{"c.yml", "alerting:\n  alertmanagers:\n  - api_version: v1\n"}},
       .exit = 1,
       .promtool_exit = 0},
      // rule_query_offset is Prometheus 2.53's; 2.42 does not know it.
      {.name = "rule_query_offset (Prometheus 2.53)",
       .files = {{"c.yml", "global: {rule_query_offset: 1m}\n"}},
       .exit = 0,
       .promtool_exit = 1},
  };
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CheckConfigPromtool, SameExitCodeAsPromtoolOnEveryConfig) {
  const std::string promtool = PROMTOOL;
  ASSERT_FALSE(promtool.empty()) << "promtool not found: run scripts/setup-deps.sh (Debian package prometheus)";
  ASSERT_TRUE(fs::exists(promtool)) << promtool;
  const fs::path root = fs::temp_directory_path() / ("cogwatch_check_config_promtool_" + std::to_string(::getpid()));
  int index = 0;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const fs::path dir = root / std::to_string(index++);
    for (const auto& [name, text] : c.files) {
      fs::create_directories((dir / name).parent_path());
      std::ofstream(dir / name) << text;
    }
    const std::string in_dir = "cd '" + dir.string() + "' && ";
    const std::string args = " check config " + c.flags + " c.yml >out 2>&1";
    const int cogwatch = run(in_dir + "'" + COGWATCH_BINARY + "'" + args);
    const int theirs = run(in_dir + "'" + promtool + "'" + args);
    EXPECT_EQ(cogwatch, c.exit) << "cogwatch";
    EXPECT_EQ(theirs, c.promtool_exit < 0 ? c.exit : c.promtool_exit) << "promtool";
  }
  fs::remove_all(root);
}

}  // namespace
