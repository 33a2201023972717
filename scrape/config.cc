#include "scrape/config.h"

#include <algorithm>
#include <set>

#include "model/byte_size.h"
#include "model/yaml_reader.h"

namespace cogwatch::scrape {
namespace {

class Parser : public YamlReader {
 public:
  using YamlReader::YamlReader;

  GlobalConfig global(const YAML::Node& n) const {
    GlobalConfig g;
    if (!n || n.IsNull()) return g;
    Fields f(*this, n, "global", {"scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels",
                                  "query_log_file", "scrape_protocols", "rule_query_offset"});
    g.scrape_interval = f.duration("scrape_interval", g.scrape_interval);
    g.scrape_timeout = f.duration("scrape_timeout", g.scrape_timeout);
    g.evaluation_interval = f.duration("evaluation_interval", g.evaluation_interval);
    g.rule_query_offset = f.duration("rule_query_offset", g.rule_query_offset);
    g.external_labels = labels(f.get("external_labels"), "external_labels");
    if (g.scrape_timeout > g.scrape_interval) {
      fail(f.get("scrape_timeout") ? f.get("scrape_timeout") : n,
           "global scrape timeout greater than scrape interval");
    }
    return g;
  }

  std::vector<RelabelConfig> relabel_list(const YAML::Node& n, const std::string& context) const {
    std::vector<RelabelConfig> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, context + " must be a list");
    for (const auto& item : n) {
      Fields f(*this, item, context,
               {"source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"});
      RelabelSpec spec;
      if (f.has("action")) {
        auto a = parse_relabel_action(f.string("action"));
        if (!a) fail(f.get("action"), "unknown relabel action \"" + f.string("action") + "\"");
        spec.action = *a;
      }
      spec.source_labels = f.strings("source_labels");
      spec.separator_set = f.has("separator");
      spec.separator = f.string("separator", spec.separator);
      spec.target_label_set = f.has("target_label");
      spec.target_label = f.string("target_label");
      spec.regex_set = f.has("regex");
      spec.regex = f.string("regex", spec.regex);
      spec.modulus = f.count("modulus");
      spec.replacement_set = f.has("replacement");
      spec.replacement = f.string("replacement", spec.replacement);
      auto c = RelabelConfig::make(std::move(spec));
      if (!c) fail(item, c.error().message);
      out.push_back(*std::move(c));
    }
    return out;
  }

  ScrapeConfig scrape(const YAML::Node& n, const GlobalConfig& g) const {
    Fields f(*this, n, "scrape config",
             {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params", "honor_labels",
              "honor_timestamps", "sample_limit", "label_limit", "label_name_length_limit",
              "label_value_length_limit", "body_size_limit", "static_configs", "file_sd_configs",
              "relabel_configs", "metric_relabel_configs", "basic_auth", "authorization", "bearer_token",
              "bearer_token_file", "scrape_protocols", "tls_config", "follow_redirects", "enable_http2"});
    ScrapeConfig s;
    s.job_name = f.string("job_name");
    if (s.job_name.empty()) fail(n, "job_name is empty");
    s.scrape_interval = f.duration("scrape_interval", g.scrape_interval);
    // A job's timeout defaults to the global one, capped at its interval.
    s.scrape_timeout = f.duration("scrape_timeout", std::min(g.scrape_timeout, s.scrape_interval));
    if (s.scrape_timeout > s.scrape_interval) {
      fail(f.get("scrape_timeout"), "scrape timeout greater than scrape interval for scrape config with job name \"" +
                                        s.job_name + "\"");
    }
    s.metrics_path = f.string("metrics_path", s.metrics_path);
    s.scheme = f.string("scheme", s.scheme);
    if (s.scheme != "http" && s.scheme != "https") fail(f.get("scheme"), "unsupported scheme \"" + s.scheme + "\"");
    if (f.has("params")) {
      const YAML::Node p = f.get("params");
      if (!p.IsMap()) fail(p, "params must be a mapping of names to lists of values");
      for (const auto& kv : p) {
        std::vector<std::string>& values = s.params[kv.first.as<std::string>()];
        if (!kv.second.IsSequence()) fail(kv.second, "param values must be a list");
        for (const auto& v : kv.second) values.push_back(v.as<std::string>());
      }
    }
    s.honor_labels = f.boolean("honor_labels", false);
    s.honor_timestamps = f.boolean("honor_timestamps", true);
    s.sample_limit = f.count("sample_limit");
    s.label_limit = f.count("label_limit");
    s.label_name_length_limit = f.count("label_name_length_limit");
    s.label_value_length_limit = f.count("label_value_length_limit");
    if (f.has("body_size_limit")) {
      auto size = parse_byte_size(f.string("body_size_limit"));
      if (!size) fail(f.get("body_size_limit"), size.error().message);
      s.body_size_limit = *size;
    }
    if (f.has("static_configs")) {
      const YAML::Node list = f.get("static_configs");
      if (!list.IsSequence()) fail(list, "static_configs must be a list");
      for (const auto& item : list) {
        Fields sc(*this, item, "static config", {"targets", "labels"});
        StaticConfig c;
        c.targets = sc.strings("targets");
        for (size_t i = 0; i < c.targets.size(); ++i) {
          if (c.targets[i].find('/') != std::string::npos) {
            fail(sc.get("targets")[i], "\"" + c.targets[i] + "\" is not a valid hostname");
          }
        }
        c.labels = labels(sc.get("labels"), "labels");
        s.static_configs.push_back(std::move(c));
      }
    }
    if (f.has("file_sd_configs")) {
      const YAML::Node list = f.get("file_sd_configs");
      if (!list.IsSequence()) fail(list, "file_sd_configs must be a list");
      for (const auto& item : list) {
        Fields fc(*this, item, "file_sd config", {"files", "refresh_interval"});
        FileSdConfig c;
        c.files = fc.strings("files");
        for (size_t i = 0; i < c.files.size(); ++i) {
          const std::string& path = c.files[i];
          if (!(path.ends_with(".json") || path.ends_with(".yml") || path.ends_with(".yaml"))) {
            fail(fc.get("files")[i], "path \"" + path + "\" is not valid for file discovery (.json, .yml or .yaml)");
          }
        }
        c.refresh_interval = fc.duration("refresh_interval", c.refresh_interval);
        s.file_sd_configs.push_back(std::move(c));
      }
    }
    s.relabel_configs = relabel_list(f.get("relabel_configs"), "relabel config");
    s.metric_relabel_configs = relabel_list(f.get("metric_relabel_configs"), "metric relabel config");
    if (f.has("basic_auth")) {
      Fields b(*this, f.get("basic_auth"), "basic_auth", {"username", "password", "password_file"});
      s.basic_auth = BasicAuth{b.string("username"), b.string("password"), b.string("password_file")};
      if (!s.basic_auth->password.empty() && !s.basic_auth->password_file.empty()) {
        fail(f.get("basic_auth"), "at most one of basic_auth password & password_file must be configured");
      }
    }
    if (f.has("authorization")) {
      Fields a(*this, f.get("authorization"), "authorization", {"type", "credentials", "credentials_file"});
      s.authorization = Authorization{a.string("type", "Bearer"), a.string("credentials"), a.string("credentials_file")};
    }
    if (f.has("bearer_token") || f.has("bearer_token_file")) {
      if (s.authorization || s.basic_auth) {
        fail(n, "at most one of basic_auth, authorization and bearer_token(_file) must be configured");
      }
      s.authorization = Authorization{"Bearer", f.string("bearer_token"), f.string("bearer_token_file")};
    }
    if (f.has("tls_config")) s.tls = tls(f.get("tls_config"));
    s.follow_redirects = f.boolean("follow_redirects", true);
    (void)f.boolean("enable_http2", true);  // validated, no effect (HTTP/1.1)
    return s;
  }

  TlsConfig tls(const YAML::Node& n) const {
    Fields f(*this, n, "tls_config",
             {"ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name", "insecure_skip_verify",
              "min_version", "max_version"});
    TlsConfig t;
    t.ca = f.string("ca");
    t.ca_file = f.string("ca_file");
    t.cert = f.string("cert");
    t.cert_file = f.string("cert_file");
    t.key = f.string("key");
    t.key_file = f.string("key_file");
    t.server_name = f.string("server_name");
    t.insecure_skip_verify = f.boolean("insecure_skip_verify", false);
    t.min_version = f.string("min_version");
    t.max_version = f.string("max_version");
    // Prometheus's (common/config) checks and words.
    if (!t.ca.empty() && !t.ca_file.empty()) fail(n, "at most one of ca and ca_file must be configured");
    if (!t.cert.empty() && !t.cert_file.empty()) fail(n, "at most one of cert and cert_file must be configured");
    if (!t.key.empty() && !t.key_file.empty()) fail(n, "at most one of key and key_file must be configured");
    const bool has_cert = !t.cert.empty() || !t.cert_file.empty();
    const bool has_key = !t.key.empty() || !t.key_file.empty();
    if (has_cert && !has_key) {
      fail(n, "exactly one of key or key_file must be configured when a client certificate is configured");
    }
    if (has_key && !has_cert) {
      fail(n, "exactly one of cert or cert_file must be configured when a client key is configured");
    }
    for (const char* key : {"min_version", "max_version"}) {
      const std::string v = f.string(key);
      if (!v.empty() && v != "TLS10" && v != "TLS11" && v != "TLS12" && v != "TLS13") {
        fail(f.get(key), "unknown TLS version: " + v);
      }
    }
    return t;
  }

  Config config(const YAML::Node& root) const {
    Config c;
    if (!root || root.IsNull()) return c;
    Fields f(*this, root, "the configuration",
             {"global", "scrape_configs", "rule_files", "alerting", "remote_write", "remote_read", "storage",
              "tracing", "scrape_config_files", "otlp", "runtime"});
    c.global = global(f.get("global"));
    c.rule_files = f.strings("rule_files");
    if (f.has("scrape_configs")) {
      const YAML::Node list = f.get("scrape_configs");
      if (!list.IsSequence()) fail(list, "scrape_configs must be a list");
      std::set<std::string> jobs;
      for (const auto& item : list) {
        ScrapeConfig s = scrape(item, c.global);
        if (!jobs.insert(s.job_name).second) {
          fail(item["job_name"], "found multiple scrape configs with job name \"" + s.job_name + "\"");
        }
        c.scrape_configs.push_back(std::move(s));
      }
    }
    return c;
  }

};

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& filename) {
  return read_yaml_document(text, filename, [&](const YamlReader&, const YAML::Node& root) {
    return Parser(filename).config(root);
  });
}

}  // namespace cogwatch::scrape
