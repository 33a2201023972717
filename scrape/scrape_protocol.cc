#include "scrape/scrape_protocol.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

namespace cogwatch::scrape {
namespace {

struct ProtocolInfo {
  ScrapeProtocol protocol;
  std::string_view name;
  std::string_view header;  // Prometheus's ScrapeProtocolsHeaders
};

// Sorted by name, as Prometheus lists the supported ones.
constexpr std::array<ProtocolInfo, 5> kProtocols = {{
    {ScrapeProtocol::kOpenMetricsText0_0_1, "OpenMetricsText0.0.1", "application/openmetrics-text;version=0.0.1"},
    {ScrapeProtocol::kOpenMetricsText1_0_0, "OpenMetricsText1.0.0", "application/openmetrics-text;version=1.0.0"},
    {ScrapeProtocol::kPrometheusProto, "PrometheusProto",
     "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"},
    {ScrapeProtocol::kPrometheusText0_0_4, "PrometheusText0.0.4", "text/plain;version=0.0.4"},
    {ScrapeProtocol::kPrometheusText1_0_0, "PrometheusText1.0.0", "text/plain;version=1.0.0"},
}};

const ProtocolInfo& info(ScrapeProtocol p) {
  for (const ProtocolInfo& i : kProtocols) {
    if (i.protocol == p) return i;
  }
  return kProtocols[0];  // unreachable: every enumerator is in the table
}

// Go's list formatting (%v of a []string): "[a b c]".
std::string go_list(std::span<const std::string> items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    out += items[i];
  }
  return out + "]";
}

// RFC 2045 token characters, as Go's mime package checks them.
bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t token_length(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_token_char(s[n])) ++n;
  return n;
}

// Go's mime.ParseMediaType, as far as deciding whether a Content-Type
// parses and what its media type is: "type" or "type/subtype" of token
// characters, lowercased; then "; name=value" parameters (a token or a
// quoted string), each name once; a trailing ";" is allowed.
std::optional<std::string> media_type(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  std::string type(trim(content_type.substr(0, semicolon)));
  std::transform(type.begin(), type.end(), type.begin(), [](char c) { return std::tolower(static_cast<unsigned char>(c)); });
  const size_t slash = type.find('/');
  const std::string_view major = std::string_view(type).substr(0, slash);
  if (major.empty() || token_length(major) != major.size()) return std::nullopt;
  if (slash != std::string::npos) {
    const std::string_view minor = std::string_view(type).substr(slash + 1);
    if (minor.empty() || token_length(minor) != minor.size()) return std::nullopt;
  }
  if (semicolon == std::string_view::npos) return type;
  std::string_view rest = content_type.substr(semicolon);
  std::set<std::string, std::less<>> names;
  while (true) {
    rest = trim(rest);
    if (rest.empty()) return type;
    if (rest.front() != ';') return std::nullopt;
    rest = trim(rest.substr(1));
    if (rest.empty()) return type;  // a trailing ';'
    const size_t name_length = token_length(rest);
    if (name_length == 0) return std::nullopt;
    std::string name(rest.substr(0, name_length));
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return std::tolower(static_cast<unsigned char>(c)); });
    if (!names.insert(name).second) return std::nullopt;  // a duplicate parameter
    rest = trim(rest.substr(name_length));
    if (rest.empty() || rest.front() != '=') return std::nullopt;
    rest = trim(rest.substr(1));
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      while (i < rest.size() && rest[i] != '"') i += rest[i] == '\\' ? 2 : 1;
      if (i >= rest.size()) return std::nullopt;
      rest = rest.substr(i + 1);
    } else {
      const size_t value_length = token_length(rest);
      if (value_length == 0) return std::nullopt;
      rest = rest.substr(value_length);
    }
  }
}

std::optional<ExpositionFormat> format_of(std::string_view media_type) {
  if (media_type == "application/openmetrics-text") return ExpositionFormat::kOpenMetrics;
  if (media_type == "text/plain") return ExpositionFormat::kPrometheusText;
  if (media_type == "application/vnd.google.protobuf") return ExpositionFormat::kProtobuf;
  return std::nullopt;
}

ExpositionFormat format_of(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto: return ExpositionFormat::kProtobuf;
    case ScrapeProtocol::kOpenMetricsText0_0_1:
    case ScrapeProtocol::kOpenMetricsText1_0_0: return ExpositionFormat::kOpenMetrics;
    case ScrapeProtocol::kPrometheusText0_0_4:
    case ScrapeProtocol::kPrometheusText1_0_0: return ExpositionFormat::kPrometheusText;
  }
  return ExpositionFormat::kPrometheusText;
}

}  // namespace

std::string_view scrape_protocol_name(ScrapeProtocol p) { return info(p).name; }

Result<ScrapeProtocol> parse_scrape_protocol(std::string_view name) {
  for (const ProtocolInfo& i : kProtocols) {
    if (i.name == name) return i.protocol;
  }
  std::vector<std::string> supported;
  for (const ProtocolInfo& i : kProtocols) supported.emplace_back(i.name);
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown scrape protocol " + std::string(name) + ", supported: " + go_list(supported));
}

Result<std::vector<ScrapeProtocol>> parse_scrape_protocols(std::span<const std::string> names) {
  if (names.empty()) return make_error(ErrorCode::kInvalidArgument, "scrape_protocols cannot be empty");
  std::vector<ScrapeProtocol> out;
  std::set<std::string> seen;  // lowercased, as Prometheus compares them
  for (const std::string& name : names) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return std::tolower(static_cast<unsigned char>(c)); });
    if (!seen.insert(std::move(lower)).second) {
      return make_error(ErrorCode::kInvalidArgument, "duplicated protocol in scrape_protocols, got " + go_list(names));
    }
    Result<ScrapeProtocol> p = parse_scrape_protocol(name);
    if (!p) return make_error(ErrorCode::kInvalidArgument, "scrape_protocols: " + p.error().message);
    out.push_back(*p);
  }
  return out;
}

std::string accept_header(std::span<const ScrapeProtocol> protocols) {
  std::string out;
  int weight = static_cast<int>(kProtocols.size()) + 1;
  for (ScrapeProtocol p : protocols) {
    out += info(p).header;
    if (p == ScrapeProtocol::kPrometheusText1_0_0 || p == ScrapeProtocol::kOpenMetricsText1_0_0) {
      out += ";escaping=allow-utf-8";
    }
    out += ";q=0." + std::to_string(weight--) + ",";
  }
  return out + "*/*;q=0." + std::to_string(weight);
}

Result<ExpositionFormat> body_format(std::string_view content_type, std::optional<ScrapeProtocol> fallback) {
  const std::string quoted = "\"" + std::string(content_type) + "\"";
  if (content_type.empty()) {
    if (fallback) return format_of(*fallback);
    return make_error(ErrorCode::kInvalidArgument,
                      "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol "
                      "specified for target");
  }
  const std::optional<std::string> type = media_type(content_type);
  if (!type) {
    if (fallback) return format_of(*fallback);
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot parse Content-Type " + quoted + " and no fallback_scrape_protocol for target");
  }
  if (const std::optional<ExpositionFormat> f = format_of(*type)) return *f;
  if (fallback) return format_of(*fallback);
  return make_error(ErrorCode::kInvalidArgument, "received unsupported Content-Type " + quoted +
                                                     " and no fallback_scrape_protocol specified for target");
}

namespace {

// One clause of an Accept header, as goautoneg.ParseAccept reads it.
struct AcceptClause {
  std::string type, subtype;
  std::vector<std::pair<std::string, std::string>> params;
  double q = 1;
  std::string_view param(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return v;
    }
    return {};
  }
};

// Clauses by falling q, wildcards after specific types of the same q.
std::vector<AcceptClause> parse_accept(std::string_view header) {
  std::vector<AcceptClause> out;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view clause = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t semicolon = clause.find(';');
    const std::string_view range = clause.substr(0, semicolon);
    AcceptClause c;
    const size_t slash = range.find('/');
    c.type = std::string(trim(range.substr(0, slash)));
    if (slash != std::string_view::npos) {
      c.subtype = std::string(trim(range.substr(slash + 1)));
    } else if (c.type == "*") {
      c.subtype = "*";
    } else {
      continue;
    }
    std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : clause.substr(semicolon + 1);
    while (!rest.empty()) {
      const size_t next = rest.find(';');
      const std::string_view param = rest.substr(0, next);
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view name = trim(param.substr(0, eq)), value = trim(param.substr(eq + 1));
      if (name == "q") {
        c.q = std::strtod(std::string(value).c_str(), nullptr);
      } else {
        c.params.emplace_back(name, value);
      }
    }
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const AcceptClause& a, const AcceptClause& b) {
    if (a.q != b.q) return a.q > b.q;
    if ((a.type == "*") != (b.type == "*")) return b.type == "*";
    return a.subtype != "*" && b.subtype == "*";
  });
  return out;
}

}  // namespace

bool accepts_protobuf(std::string_view accept) {
  for (const AcceptClause& c : parse_accept(accept)) {
    if (c.q <= 0) continue;  // "not acceptable" (RFC 9110; goautoneg keeps such clauses)
    if (c.type == "application" && c.subtype == "vnd.google.protobuf" &&
        c.param("proto") == "io.prometheus.client.MetricFamily" && c.param("encoding") == "delimited") {
      return true;
    }
    const std::string_view version = c.param("version");
    if (c.type == "text" && c.subtype == "plain" && (version.empty() || version == "0.0.4")) return false;
  }
  return false;
}

void append_delimited(std::string& out, const google::protobuf::MessageLite& message) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::util::SerializeDelimitedToZeroCopyStream(message, &stream);
}

}  // namespace cogwatch::scrape
