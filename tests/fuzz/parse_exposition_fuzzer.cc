// libFuzzer target: any body given to the exposition parser yields samples
// or an error naming a line, in both formats, and never crashes; and the
// scrape cache's shortcut (SeriesLookup: known series texts are not
// validated again) changes nothing of what the parser returns.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "scrape/exposition.h"

namespace {

using namespace cogwatch::scrape;

class SetLookup final : public SeriesLookup {
 public:
  bool known(std::string_view series) override { return texts.contains(series); }
  std::set<std::string, std::less<>> texts;
};

using Sample = std::tuple<std::string, uint64_t, std::optional<cogwatch::Timestamp>>;

// Every sample next() yields (value as bits: NaN == NaN here) and the
// final status; with `learn`, the texts of series whose labels parse.
std::pair<std::vector<Sample>, std::string> run(std::string_view body, ExpositionFormat f, SetLookup* lookup,
                                                SetLookup* learn) {
  std::vector<Sample> out;
  ExpositionParser p(body, f);
  while (p.next(lookup)) {
    out.emplace_back(p.series(), std::bit_cast<uint64_t>(p.value()), p.timestamp());
    if (learn != nullptr && p.labels().ok()) learn->texts.emplace(p.series());
  }
  return {std::move(out), p.status().ok() ? "" : p.status().error().message};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (ExpositionFormat f : {ExpositionFormat::kPrometheusText, ExpositionFormat::kOpenMetrics}) {
    auto r = parse_exposition(body, f);
    if (!r && r.error().message.rfind("line ", 0) != 0) std::abort();  // errors must name the line
    SetLookup known;
    const auto full = run(body, f, nullptr, &known);
    if (run(body, f, &known, nullptr) != full) std::abort();
  }
  return 0;
}
