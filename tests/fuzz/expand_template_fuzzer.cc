// libFuzzer target: any alert template, parsed and run against alert data
// with a query function, gives text (Prometheus's "<error expanding
// template: ...>" for errors) and never crashes or hangs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogwatch;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tmpl::TemplateContext ctx;
  ctx.external_url = "http://cogwatch:9090/x";
  ctx.query = [](std::string_view) -> Result<std::vector<tmpl::TemplateQuerySample>> {
    return std::vector<tmpl::TemplateQuerySample>{{Labels{{"instance", "a:1"}, {"job", "cog"}}, 1.5},
                                                   {Labels{{"instance", "b:2"}}, -2}};
  };
  const tmpl::TemplateData alert{Labels{{"instance", "cog-1:5000"}, {"job", "cog"}}, 0.042, Labels{{"site", "edge"}},
                                  ctx.external_url};
  (void)tmpl::expand_alert_template("__alert_F", text, alert, ctx);
  (void)tmpl::check_alert_template("__alert_F", text);
  return 0;
}
