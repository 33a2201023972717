// Content negotiation as Prometheus 3 does it: protocol names, the Accept
// header (scrape_test.go's expected strings), and the parser a response's
// Content-Type chooses (textparse.New's extractMediaType).
#include "scrape/scrape_protocol.h"

#include <gtest/gtest.h>

namespace cogwatch::scrape {
namespace {

TEST(ScrapeProtocolTest, Names) {
  for (ScrapeProtocol p : kProtoFirstScrapeProtocols) {
    auto back = parse_scrape_protocol(scrape_protocol_name(p));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(scrape_protocol_name(ScrapeProtocol::kPrometheusText0_0_4), "PrometheusText0.0.4");
  EXPECT_EQ(parse_scrape_protocol("prometheusproto").error().message,
            "unknown scrape protocol prometheusproto, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 "
            "PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]");
}

TEST(ScrapeProtocolTest, ListsFromTheConfig) {
  const std::vector<std::string> two = {"PrometheusProto", "PrometheusText0.0.4"};
  auto ok = parse_scrape_protocols(two);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<ScrapeProtocol>{ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kPrometheusText0_0_4}));
  EXPECT_EQ(parse_scrape_protocols({}).error().message, "scrape_protocols cannot be empty");
  const std::vector<std::string> twice = {"PrometheusProto", "OpenMetricsText1.0.0", "PrometheusProto"};
  EXPECT_EQ(parse_scrape_protocols(twice).error().message,
            "duplicated protocol in scrape_protocols, got [PrometheusProto OpenMetricsText1.0.0 PrometheusProto]");
  const std::vector<std::string> unknown = {"PrometheusProto", "Text"};
  EXPECT_EQ(parse_scrape_protocols(unknown).error().message,
            "scrape_protocols: unknown scrape protocol Text, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 "
            "PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]");
}

TEST(ScrapeProtocolTest, AcceptHeaderAsPrometheus) {
  EXPECT_EQ(accept_header(kDefaultScrapeProtocols),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(accept_header(kProtoFirstScrapeProtocols),
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
}

TEST(ScrapeProtocolTest, ContentTypeChoosesTheParser) {
  const std::optional<ScrapeProtocol> none;
  struct Case {
    std::string_view content_type;
    ExpositionFormat format;
  };
  for (const Case& c : std::vector<Case>{
           {"text/plain; version=0.0.4; charset=utf-8", ExpositionFormat::kPrometheusText},
           {"text/plain;version=1.0.0;escaping=allow-utf-8", ExpositionFormat::kPrometheusText},
           {"TEXT/Plain", ExpositionFormat::kPrometheusText},
           {"application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat::kOpenMetrics},
           {"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            ExpositionFormat::kProtobuf},
           {"application/vnd.google.protobuf", ExpositionFormat::kProtobuf},
           {"text/plain; charset=\"utf-8\";", ExpositionFormat::kPrometheusText},
       }) {
    auto f = body_format(c.content_type, none);
    ASSERT_TRUE(f.ok()) << c.content_type << ": " << f.error().message;
    EXPECT_EQ(*f, c.format) << c.content_type;
  }
  EXPECT_EQ(body_format("", none).error().message,
            "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for "
            "target");
  EXPECT_EQ(body_format("text/html; charset=utf-8", none).error().message,
            "received unsupported Content-Type \"text/html; charset=utf-8\" and no fallback_scrape_protocol "
            "specified for target");
  for (std::string_view malformed : {"text/plain; charset", "text/", "text plain", "text/plain; a=1; a=2", "/plain",
                                     "text/plain; a=\"x"}) {
    EXPECT_EQ(body_format(malformed, none).error().message,
              "cannot parse Content-Type \"" + std::string(malformed) + "\" and no fallback_scrape_protocol for target");
    EXPECT_EQ(*body_format(malformed, ScrapeProtocol::kPrometheusProto), ExpositionFormat::kProtobuf);
  }
  // fallback_scrape_protocol reads what has no known Content-Type.
  EXPECT_EQ(*body_format("", ScrapeProtocol::kOpenMetricsText1_0_0), ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(*body_format("text/html", ScrapeProtocol::kPrometheusText0_0_4), ExpositionFormat::kPrometheusText);
  // ... but never overrides one it knows.
  EXPECT_EQ(*body_format("text/plain", ScrapeProtocol::kPrometheusProto), ExpositionFormat::kPrometheusText);
}

}  // namespace
}  // namespace cogwatch::scrape

namespace cogwatch::scrape {
namespace {

// The serving side, as expfmt.Negotiate: what Prometheus's own Accept
// headers get, wildcards ranked after specific types of the same q.
TEST(ScrapeProtocolTest, AcceptsProtobufAsExpfmtNegotiates) {
  EXPECT_TRUE(accepts_protobuf(accept_header(kProtoFirstScrapeProtocols)));
  EXPECT_FALSE(accepts_protobuf(accept_header(kDefaultScrapeProtocols)));
  EXPECT_FALSE(accepts_protobuf(""));
  EXPECT_FALSE(accepts_protobuf("*/*"));
  EXPECT_TRUE(accepts_protobuf("*/*;q=0.9, " + std::string(kProtobufMediaType) + ";q=0.9"));
  EXPECT_FALSE(accepts_protobuf("text/plain;version=0.0.4;q=0.5, " + std::string(kProtobufMediaType) + ";q=0.4"));
  EXPECT_TRUE(accepts_protobuf("text/plain;version=1.0.0, " + std::string(kProtobufMediaType)));
  EXPECT_FALSE(accepts_protobuf("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"));
  EXPECT_FALSE(accepts_protobuf(std::string(kProtobufMediaType) + ";q=0"));
}

}  // namespace
}  // namespace cogwatch::scrape
