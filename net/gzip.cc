#include "net/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace cogwatch::net {

Result<std::string> gunzip(std::string_view compressed, uint64_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(ErrorCode::kInternal, "inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const size_t before = out.size();
    out.resize(before + std::max<size_t>(64 * 1024, compressed.size() * 2));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    zs.avail_out = static_cast<uInt>(out.size() - before);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(out.size() - zs.avail_out);
    if (limit != 0 && out.size() > limit) {
      inflateEnd(&zs);
      return make_error(ErrorCode::kResourceExhausted,
                        "body size limit exceeded: more than " + std::to_string(limit) + " bytes decompressed");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input: reported below
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error(ErrorCode::kInvalidArgument, "invalid gzip body");
  return out;
}

}  // namespace cogwatch::net
