// Content negotiation of a scrape, as Prometheus 3 does it: the formats a
// scrape asks for (scrape_protocols, most wanted first, sent as an Accept
// header with falling q-values) and the parser the answer's Content-Type
// chooses (fallback_scrape_protocol when it names none). And the serving
// side (cog-sim's /metrics, /federate): whether a scraper's Accept header
// asks for the protobuf format, and writing its delimited messages.
//
//   request.headers.emplace_back("Accept", accept_header(config.scrape_protocols));
//   auto format = body_format(response.content_type, config.fallback_scrape_protocol);
//   if (!format) fail(format.error());  // "received unsupported Content-Type ..."
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "scrape/exposition.h"

namespace google::protobuf {
class MessageLite;
}

namespace cogwatch::scrape {

// Prometheus's config.ScrapeProtocol, by the names prometheus.yml uses
// (case-sensitive).
enum class ScrapeProtocol : uint8_t {
  kPrometheusProto,       // "PrometheusProto": application/vnd.google.protobuf, delimited MetricFamily
  kPrometheusText0_0_4,   // "PrometheusText0.0.4": text/plain;version=0.0.4
  kPrometheusText1_0_0,   // "PrometheusText1.0.0": text/plain;version=1.0.0
  kOpenMetricsText0_0_1,  // "OpenMetricsText0.0.1": application/openmetrics-text;version=0.0.1
  kOpenMetricsText1_0_0,  // "OpenMetricsText1.0.0": application/openmetrics-text;version=1.0.0
};

// What Prometheus proposes when scrape_protocols is not set: the text
// formats, OpenMetrics first (DefaultScrapeProtocols) ...
inline const std::vector<ScrapeProtocol> kDefaultScrapeProtocols = {
    ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
    ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};
// ... and, for a job that scrapes native histograms (which only the
// protobuf format carries), protobuf first (DefaultProtoFirstScrapeProtocols).
inline const std::vector<ScrapeProtocol> kProtoFirstScrapeProtocols = {
    ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
    ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};

// "PrometheusProto", ...; and back. Errors: kInvalidArgument, "unknown
// scrape protocol Foo, supported: [OpenMetricsText0.0.1 ...]".
std::string_view scrape_protocol_name(ScrapeProtocol p);
Result<ScrapeProtocol> parse_scrape_protocol(std::string_view name);

// Prometheus's validateAcceptScrapeProtocols, for a list read from
// prometheus.yml: not empty, each known, none twice. Errors:
// kInvalidArgument with Prometheus's words ("scrape_protocols: unknown
// scrape protocol Foo, supported: [OpenMetricsText0.0.1 ...]",
// "duplicated protocol in scrape_protocols, got [...]", "scrape_protocols
// cannot be empty").
Result<std::vector<ScrapeProtocol>> parse_scrape_protocols(std::span<const std::string> names);

// The Accept header Prometheus sends for these protocols: each media type
// with q=0.6, 0.5, ... in order (the 1.0.0 text formats with
// escaping=allow-utf-8, as cogwatch takes UTF-8 names), then */* with the
// next lower q.
std::string accept_header(std::span<const ScrapeProtocol> protocols);

// The format to parse a response with, from its Content-Type, as
// Prometheus's textparse.New: application/openmetrics-text, text/plain and
// application/vnd.google.protobuf (parameters are not looked at). A blank,
// malformed or other Content-Type is read as `fallback` when there is one,
// and is an error otherwise (kInvalidArgument, Prometheus's words:
// `received unsupported Content-Type "text/html" and no
// fallback_scrape_protocol specified for target`).
Result<ExpositionFormat> body_format(std::string_view content_type, std::optional<ScrapeProtocol> fallback);

// The protobuf exposition format's media type, as client_golang serves it.
inline constexpr std::string_view kProtobufMediaType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

// Whether a server answers `accept` with the protobuf format, as
// prometheus/common's expfmt.Negotiate decides: clauses by falling q
// (wildcards after specific types of the same q, as goautoneg sorts them);
// the first that is the delimited MetricFamily format says yes, the first
// that is text/plain (version 0.0.4 or none) says no; no otherwise. A
// clause with q=0 is not acceptable and is passed over (expfmt would take
// it). (The
// protobuf text and compact-text encodings are debugging formats no server
// here writes; they are passed over.)
bool accepts_protobuf(std::string_view accept);

// Appends `message` (a MetricFamily) after its length as a varint, the
// protobuf format's framing.
void append_delimited(std::string& out, const google::protobuf::MessageLite& message);

}  // namespace cogwatch::scrape
