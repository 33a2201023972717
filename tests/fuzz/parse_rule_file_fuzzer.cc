// libFuzzer target: any rule file text yields groups or errors that name
// the file, and linting what loaded never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/lint.h"
#include "rules/rule_file.h"
#include "template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogwatch::rules;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const RuleFile f = parse_rule_file(text, "f.yml", {.check_template = cogwatch::tmpl::check_alert_template});
  for (const std::string& e : f.errors) {
    if (e.rfind("f.yml", 0) != 0) std::abort();  // every error names the file
  }
  if (f.ok()) (void)lint_rules(f);
  return 0;
}
