// libFuzzer target: a remote-write body (what the receiver reads from any
// sender) gives series or an error, never a crash; what decodes encodes
// and decodes again to the same series. The first byte picks the
// protocol (even: 1.0, odd: 2.0); the rest is the raw protobuf, which the
// target compresses with snappy first so the fuzzer explores the message,
// not the framing (a second pass feeds the bytes as a body unchanged).
// Native histograms read back field for field.
// 1.0 metadata decoded re-encodes to the same entries. The same bytes are
// also read as a query API answer (remote/query_protocol.h: what a
// datasource backend sends rules), which must parse or fail cleanly.
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "remote/query_protocol.h"
#include "remote/write_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogwatch::remote;
  if (size == 0) return 0;
  const WriteProtocol p = data[0] % 2 == 0 ? WriteProtocol::kV1 : WriteProtocol::kV2;
  const std::string raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)parse_query_response(data[0] % 2 == 0 ? 200 : 503, "", raw);
  (void)decode_write_request(raw, p, 1 << 20);  // as a body: mostly bad snappy
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  auto decoded = decode_write_request(body, p, 1 << 20);
  if (!decoded) return 0;
  auto again = decode_write_request(encode_write_request(decoded->series, p), p, 1 << 24);
  if (!again || again->series.size() != decoded->series.size() || again->samples != decoded->samples ||
      again->histograms != decoded->histograms) {
    std::abort();
  }
  for (size_t i = 0; i < decoded->series.size(); ++i) {
    if (again->series[i].labels != decoded->series[i].labels) std::abort();
    const auto& h1 = decoded->series[i].histograms;
    const auto& h2 = again->series[i].histograms;
    if (h1.size() != h2.size()) std::abort();
    for (size_t k = 0; k < h1.size(); ++k) {
      if (h1[k].t != h2[k].t || h1[k].h.index() != h2[k].h.index()) std::abort();
      const bool same = h1[k].is_float() ? std::get<1>(h1[k].h).equals(std::get<1>(h2[k].h))
                                         : std::get<0>(h1[k].h) == std::get<0>(h2[k].h);
      if (!same) std::abort();
    }
  }
  if (p == WriteProtocol::kV1 && !decoded->metadata.empty()) {
    auto metadata = decode_write_request(encode_metadata_request(decoded->metadata), p, 1 << 24);
    if (!metadata || metadata->metadata != decoded->metadata) std::abort();
  }
  return 0;
}
