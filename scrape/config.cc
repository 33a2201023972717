#include "scrape/config.h"

#include <algorithm>
#include <set>

#include "model/byte_size.h"
#include "model/yaml_reader.h"

namespace cogwatch::scrape {
namespace {

// Prometheus's top-level sections that cogwatch reads past, with a warning.
constexpr std::string_view kIgnoredSections[] = {"remote_read", "storage", "tracing", "scrape_config_files", "otlp",
                                                 "runtime"};

class Parser : public YamlReader {
 public:
  using YamlReader::YamlReader;

  GlobalConfig global(const YAML::Node& n) const {
    GlobalConfig g;
    if (!n || n.IsNull()) return g;
    Fields f(*this, n, "global",
             {"scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels", "query_log_file",
              "scrape_protocols", "rule_query_offset", "scrape_native_histograms", "always_scrape_classic_histograms",
              "convert_classic_histograms_to_nhcb"});
    g.scrape_interval = f.duration("scrape_interval", g.scrape_interval);
    // Without its own timeout, a global interval under the default 10s
    // timeout is the timeout, as Prometheus's GlobalConfig defaults it.
    g.scrape_timeout = f.duration("scrape_timeout", std::min(g.scrape_timeout, g.scrape_interval));
    g.evaluation_interval = f.duration("evaluation_interval", g.evaluation_interval);
    g.rule_query_offset = f.duration("rule_query_offset", g.rule_query_offset);
    g.external_labels = labels(f.get("external_labels"), "external_labels");
    if (g.scrape_timeout > g.scrape_interval) {
      fail(f.get("scrape_timeout") ? f.get("scrape_timeout") : n, "global scrape timeout greater than scrape interval");
    }
    if (f.has("scrape_protocols")) g.scrape_protocols = protocols(f, "for global config");
    g.scrape_native_histograms = f.boolean("scrape_native_histograms", false);
    g.always_scrape_classic_histograms = f.boolean("always_scrape_classic_histograms", false);
    refuse_nhcb_conversion(f);
    return g;
  }

  ScrapeConfig scrape(const YAML::Node& n, const GlobalConfig& g) const {
    Fields f(*this, n, "scrape config",
             net::with_http_client_fields({"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme",
                                           "params", "honor_labels", "honor_timestamps", "sample_limit", "label_limit",
                                           "label_name_length_limit", "label_value_length_limit", "body_size_limit",
                                           "static_configs", "file_sd_configs", "relabel_configs",
                                           "metric_relabel_configs", "scrape_protocols", "fallback_scrape_protocol",
                                           "scrape_native_histograms", "always_scrape_classic_histograms",
                                           "convert_classic_histograms_to_nhcb", "native_histogram_bucket_limit",
                                           "native_histogram_min_bucket_factor"}));
    ScrapeConfig s;
    s.job_name = f.string("job_name");
    if (s.job_name.empty()) fail(n, "job_name is empty");
    s.scrape_interval = f.duration("scrape_interval", g.scrape_interval);
    // A job's timeout defaults to the global one, capped at its interval.
    s.scrape_timeout = f.duration("scrape_timeout", std::min(g.scrape_timeout, s.scrape_interval));
    if (s.scrape_timeout > s.scrape_interval) {
      fail(f.get("scrape_timeout"),
           "scrape timeout greater than scrape interval for scrape config with job name \"" + s.job_name + "\"");
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
    native_histograms(f, g, s);
    s.static_configs = net::read_static_configs(*this, f.get("static_configs"), net::has_no_relabel_configs(f));
    s.file_sd_configs = net::read_file_sd_configs(*this, f.get("file_sd_configs"));
    s.relabel_configs = net::read_relabel_configs(*this, f.get("relabel_configs"), "relabel config");
    s.metric_relabel_configs =
        net::read_relabel_configs(*this, f.get("metric_relabel_configs"), "metric relabel config");
    s.http_config = net::read_http_client_config(*this, f);
    return s;
  }

  // Prometheus's ScrapeConfig.Validate for what decides the format and
  // the native histograms: unset fields from global, and scrape_protocols
  // by scrape_native_histograms when neither sets them.
  void native_histograms(const Fields& f, const GlobalConfig& g, ScrapeConfig& s) const {
    const std::string job = "for scrape config with job name \"" + s.job_name + "\"";
    s.scrape_native_histograms = f.boolean("scrape_native_histograms", g.scrape_native_histograms);
    s.always_scrape_classic_histograms =
        f.boolean("always_scrape_classic_histograms", g.always_scrape_classic_histograms);
    if (f.has("scrape_protocols")) {
      s.scrape_protocols = protocols(f, job);
    } else if (g.scrape_protocols) {
      s.scrape_protocols = *g.scrape_protocols;
    } else {
      s.scrape_protocols = s.scrape_native_histograms ? kProtoFirstScrapeProtocols : kDefaultScrapeProtocols;
    }
    // An empty fallback_scrape_protocol is no fallback, as in Prometheus.
    if (f.has("fallback_scrape_protocol") && !f.string("fallback_scrape_protocol").empty()) {
      auto fallback = parse_scrape_protocol(f.string("fallback_scrape_protocol"));
      if (!fallback) {
        fail(f.get("fallback_scrape_protocol"),
             "invalid fallback_scrape_protocol " + job + ": " + fallback.error().message);
      }
      s.fallback_scrape_protocol = *fallback;
    }
    refuse_nhcb_conversion(f);
    s.native_histogram_bucket_limit = f.count("native_histogram_bucket_limit");
    if (f.has("native_histogram_min_bucket_factor")) {
      const YAML::Node n = f.get("native_histogram_min_bucket_factor");
      if (!n.IsScalar() || !YAML::convert<double>::decode(n, s.native_histogram_min_bucket_factor)) {
        fail(n, "native_histogram_min_bucket_factor must be a number");
      }
    }
  }

  // A scrape_protocols list, or a failure at its place ending with `whose`
  // ("for global config"), as Prometheus words it.
  std::vector<ScrapeProtocol> protocols(const Fields& f, const std::string& whose) const {
    const YAML::Node n = f.get("scrape_protocols");
    if (!n.IsSequence()) fail(n, "scrape_protocols must be a list");
    std::vector<std::string> names;
    for (const auto& item : n) {
      if (!item.IsScalar()) fail(item, "scrape_protocols must be a list of protocol names");
      names.push_back(item.as<std::string>());
    }
    auto parsed = parse_scrape_protocols(names);
    if (!parsed) fail(n, parsed.error().message + " " + whose);
    return *std::move(parsed);
  }

  // Prometheus 3 can store classic histograms as native histograms with
  // custom buckets; cogwatch cannot yet, and says so rather than store
  // something else than what was asked for.
  void refuse_nhcb_conversion(const Fields& f) const {
    if (f.boolean("convert_classic_histograms_to_nhcb", false)) {
      fail(f.get("convert_classic_histograms_to_nhcb"),
           "convert_classic_histograms_to_nhcb: converting classic histograms to native histograms with custom "
           "buckets is not implemented by cogwatch");
    }
  }

  Config config(const YAML::Node& root) const {
    Config c;
    if (!root || root.IsNull()) return c;
    Fields f(*this, root, "the configuration",
             {"global", "scrape_configs", "rule_files", "alerting", "remote_write", "remote_read", "storage", "tracing",
              "scrape_config_files", "otlp", "runtime",
              // cogwatch's own: the built-in notifier's alertmanager.yml (notify/config.h)
              "notify"});
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(std::begin(kIgnoredSections), std::end(kIgnoredSections), key) == std::end(kIgnoredSections)) {
        continue;
      }
      const YAML::Mark m = kv.first.Mark();
      c.warnings.push_back(filename() + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " +
                           key + " is not implemented by cogwatch; the section is ignored");
    }
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
  return read_yaml_document(text, filename,
                            [&](const YamlReader&, const YAML::Node& root) { return Parser(filename).config(root); });
}

}  // namespace cogwatch::scrape
